//! Fixes on hostile input: a bake file from a pull request must not make
//! `--fix`, `--diff` or an editor's code action write outside the project,
//! a multi-file fix writes every file or none, one file spelled two ways is
//! one file, symlinks stay symlinks, stale temporary files are cleaned up,
//! and files named on the command line (pre-commit) are the only files a
//! fix changes. Everything here drives the real binary.

use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::{Command, Stdio};

mod common;
#[cfg(unix)]
use common::cli::bakelint_as_user;
use common::cli::{assert_exit, bakelint, stderr, stdout};
use common::lsp_client::{file_uri, Client};

use serde_json::{json, Value};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A temporary directory (canonical path) holding `proj/` (a repository:
/// it has `.git`) and `outside/`, with `files` written under it.
struct Sandbox {
    _dir: tempfile::TempDir,
    base: PathBuf,
}

impl Sandbox {
    fn new(files: &[(&str, &str)]) -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(base.join("proj/.git")).expect("mkdir");
        std::fs::create_dir_all(base.join("outside")).expect("mkdir");
        let sb = Sandbox { _dir: dir, base };
        for (name, content) in files {
            sb.write(name, content);
        }
        sb
    }

    fn write(&self, name: &str, content: &str) {
        let p = self.base.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    fn proj(&self) -> PathBuf {
        self.base.join("proj")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.base.join(name)
    }

    /// Every file under the sandbox (relative names), `.git` aside.
    fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if e.file_name() == ".git" {
                    continue;
                }
                let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
                if is_dir {
                    walk(&p, base, out);
                } else if let Ok(rel) = p.strip_prefix(base) {
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.base, &self.base, &mut out);
        out.sort();
        out
    }
}

/// A Dockerfile that copies its context: BP008 offers to create a
/// `.dockerignore` in the context; `as` makes a safe DF002 fix.
const COPIES_CONTEXT: &str = "FROM node:8 as build\nWORKDIR /app\nCOPY . .\n";

/// A Node manifest, so the `.dockerignore` BP008 would write for the
/// context holds something to ignore (`node_modules`).
const NODE_MANIFEST: (&str, &str) = ("outside/package.json", "{}\n");

fn bake_with_context(context: &str) -> String {
    format!("target \"default\" {{\n  context = \"{context}\"\n  dockerfile = \"Dockerfile\"\n}}\n")
}

/// The help line a withheld fix gets.
fn outside_help(written: &Path, root: &Path) -> String {
    format!(
        "the fix is not applied: it would write `{}`, outside the project root `{}`",
        written.display(),
        root.display()
    )
}

fn json_findings(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = bakelint(dir, &all);
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap_or_else(|e| panic!("json: {e}\n{}{}", stdout(&out), stderr(&out)))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn finding<'a>(findings: &'a [Value], code: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:?}"))
}

/// A bake target whose context lies outside the project (`context(sb)`:
/// an absolute path or `../outside`): `--diff` and `--fix` leave it alone,
/// the finding stays with a help line, and the Dockerfile there is not
/// edited either.
fn assert_outside_context_untouched(context: impl Fn(&Sandbox) -> String) {
    let sb = Sandbox::new(&[("outside/Dockerfile", COPIES_CONTEXT), NODE_MANIFEST]);
    sb.write("proj/docker-bake.hcl", &bake_with_context(&context(&sb)));
    let proj = sb.proj();
    let diff = bakelint(&proj, &["check", "--diff", "--unsafe-fixes", "."]);
    assert_eq!(stdout(&diff), "", "no change proposed: {}", stderr(&diff));
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    assert_eq!(
        stderr(&diff),
        "Would fix 0 problems in 0 files.\n2 fixes not applied: they would write outside the project root (see the help of each finding).\n"
    );

    let findings = json_findings(&proj, &["."]);
    let bp008 = finding(&findings, "BP008");
    assert_eq!(bp008["fix"]["applicability"], "display-only", "{bp008}");
    let help = bp008["help"].as_str().unwrap_or("");
    assert!(
        help.ends_with(&outside_help(&sb.path("outside/.dockerignore"), &proj)),
        "{help}"
    );
    let df002 = finding(&findings, "DF002");
    assert_eq!(df002["fix"]["applicability"], "display-only", "{df002}");

    let fix = bakelint(&proj, &["check", "--fix", "--unsafe-fixes", "."]);
    assert_exit(&fix, 1);
    assert_eq!(
        sb.files(),
        [
            "outside/Dockerfile",
            "outside/package.json",
            "proj/docker-bake.hcl"
        ],
        "nothing created"
    );
    assert_eq!(read(&sb.path("outside/Dockerfile")), COPIES_CONTEXT);
}

#[test]
fn an_absolute_context_outside_the_project_is_not_written() {
    // As `context = "/etc"` would, with a directory of the test's own.
    assert_outside_context_untouched(|sb| sb.path("outside").to_string_lossy().into_owned());
}

#[test]
fn a_relative_context_outside_the_project_is_not_written() {
    assert_outside_context_untouched(|_| "../outside".to_string());
}

#[cfg(unix)]
#[test]
fn a_symlinked_directory_leading_outside_is_not_written() {
    let sb = Sandbox::new(&[
        ("proj/docker-bake.hcl", &bake_with_context("ctx")),
        ("outside/Dockerfile", COPIES_CONTEXT),
        NODE_MANIFEST,
    ]);
    std::os::unix::fs::symlink(sb.path("outside"), sb.path("proj/ctx")).expect("symlink");
    let proj = sb.proj();
    let fix = bakelint(&proj, &["check", "--fix", "--unsafe-fixes", "."]);
    assert_exit(&fix, 1);
    assert!(!sb.path("outside/.dockerignore").exists());
    assert_eq!(read(&sb.path("outside/Dockerfile")), COPIES_CONTEXT);
    let findings = json_findings(&proj, &["."]);
    let help = finding(&findings, "BP008")["help"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        help.ends_with(&outside_help(&sb.path("outside/.dockerignore"), &proj)),
        "{help}"
    );
}

/// BP012 moves `pip install NAME` into the requirements file: two files.
const PIP_DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements.txt\nRUN pip install pytest-json-report\nCMD [\"pytest\"]\n";

#[cfg(unix)]
#[test]
fn a_multi_file_fix_with_a_read_only_file_writes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new(&[
        ("proj/Dockerfile", PIP_DOCKERFILE),
        ("proj/requirements.txt", "pytest==8.3.3\n"),
    ]);
    let proj = sb.proj();
    let requirements = sb.path("proj/requirements.txt");
    std::fs::set_permissions(&requirements, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = bakelint_as_user(
        &proj,
        &sb.base,
        &["check", "--fix", "--unsafe-fixes", "--select", "BP012", "."],
    );
    assert_exit(&out, 2);
    assert_eq!(
        stderr(&out),
        "error: wrote nothing: `requirements.txt` could not be written: file is read-only\n"
    );
    assert_eq!(read(&sb.path("proj/Dockerfile")), PIP_DOCKERFILE);
    assert_eq!(read(&requirements), "pytest==8.3.3\n");
    assert_eq!(sb.files(), ["proj/Dockerfile", "proj/requirements.txt"]);
    // The findings stand, at their places in the unchanged file.
    assert!(
        stdout(&out).contains("Dockerfile:5:17: BP012"),
        "{}",
        stdout(&out)
    );

    std::fs::set_permissions(&requirements, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = bakelint(
        &proj,
        &["check", "--fix", "--unsafe-fixes", "--select", "BP012", "."],
    );
    assert_exit(&out, 0);
    assert!(!read(&sb.path("proj/Dockerfile")).contains("pytest-json-report"));
    assert_eq!(read(&requirements), "pytest==8.3.3\npytest-json-report\n");
}

#[test]
fn one_file_named_two_ways_is_written_once() {
    let sb = Sandbox::new(&[("proj/Dockerfile", "FROM node:8 as build\nMAINTAINER x\n")]);
    let proj = sb.proj();
    let absolute = sb.path("proj/Dockerfile");
    let out = bakelint(
        &proj,
        &[
            "check",
            "--fix",
            "--output-format",
            "concise",
            "Dockerfile",
            &absolute.to_string_lossy(),
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        read(&absolute),
        "FROM node:8 AS build\nLABEL org.opencontainers.image.authors=\"x\"\n"
    );
    assert_eq!(sb.files(), ["proj/Dockerfile"], "no temporary files");
}

#[cfg(unix)]
#[test]
fn a_symlinked_dockerfile_is_edited_through_and_stays_a_link() {
    let sb = Sandbox::new(&[
        ("proj/docker/Dockerfile.real", "FROM node:8 as build\n"),
        ("outside/Dockerfile", "FROM node:8 as build\n"),
    ]);
    let proj = sb.proj();
    std::os::unix::fs::symlink("docker/Dockerfile.real", proj.join("Dockerfile")).expect("link");
    std::os::unix::fs::symlink(sb.path("outside/Dockerfile"), proj.join("Other.Dockerfile"))
        .expect("link");
    let out = bakelint(
        &proj,
        &[
            "check",
            "--fix",
            "--output-format",
            "json",
            "Dockerfile",
            "Other.Dockerfile",
        ],
    );
    assert_exit(&out, 1);
    let link = std::fs::symlink_metadata(proj.join("Dockerfile")).expect("meta");
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        read(&proj.join("docker/Dockerfile.real")),
        "FROM node:8 AS build\n"
    );
    // The other link leads outside the project: shown, not applied.
    let link = std::fs::symlink_metadata(proj.join("Other.Dockerfile")).expect("meta");
    assert!(link.file_type().is_symlink());
    assert_eq!(
        read(&sb.path("outside/Dockerfile")),
        "FROM node:8 as build\n"
    );
    let findings: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(findings[0]["path"], "Other.Dockerfile", "{findings}");
    assert_eq!(
        findings[0]["help"].as_str().and_then(|h| h.lines().last()),
        Some(outside_help(&sb.path("outside/Dockerfile"), &proj).as_str()),
        "{findings}"
    );
}

/// A PID that no process has: a child that has exited and been reaped.
#[cfg(unix)]
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[cfg(unix)]
#[test]
fn stale_temporary_files_of_dead_runs_are_removed_and_live_ones_kept() {
    let sb = Sandbox::new(&[("proj/Dockerfile", "FROM node:8 as build\n")]);
    let proj = sb.proj();
    let dead = format!("proj/.Dockerfile.bakelint-{}.tmp", dead_pid());
    let live = format!("proj/.Dockerfile.bakelint-{}.tmp", std::process::id());
    let unrelated = format!("proj/.Dockerfile.bakelint-{}.tmp.keep", dead_pid());
    for name in [&dead, &live, &unrelated] {
        sb.write(name, "FROM node:8 as bu");
    }
    let out = bakelint(&proj, &["check", "--fix", "."]);
    assert_exit(&out, 0);
    assert_eq!(read(&sb.path("proj/Dockerfile")), "FROM node:8 AS build\n");
    let mut expected = vec!["proj/Dockerfile".to_string(), live, unrelated];
    expected.sort();
    assert_eq!(sb.files(), expected, "only the dead run's file is removed");
}

#[test]
fn named_files_are_the_only_files_a_fix_changes() {
    // As the pre-commit fix hook runs it: the changed Dockerfile is named.
    let sb = Sandbox::new(&[
        (
            "proj/Dockerfile",
            &PIP_DOCKERFILE.replace("FROM python:3.12-slim", "FROM python:3.12-slim as app"),
        ),
        ("proj/requirements.txt", "pytest==8.3.3\n"),
    ]);
    let proj = sb.proj();
    let out = bakelint(
        &proj,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "BP012,DF002",
            "--output-format",
            "concise",
            "Dockerfile",
        ],
    );
    assert_exit(&out, 1);
    let fixed = read(&sb.path("proj/Dockerfile"));
    assert!(
        fixed.starts_with("FROM python:3.12-slim AS app\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("RUN pip install pytest-json-report\n"),
        "{fixed}"
    );
    assert_eq!(read(&sb.path("proj/requirements.txt")), "pytest==8.3.3\n");
    assert_eq!(
        stderr(&out),
        "1 fix held back: it would also change files not named on the command line (`requirements.txt`); run `bakelint check --fix` on the directory to apply it.\n"
    );
    assert!(
        stdout(&out).contains("Dockerfile:5:17: BP012"),
        "{}",
        stdout(&out)
    );
    // The same fix on the directory changes both files.
    let out = bakelint(
        &proj,
        &["check", "--fix", "--unsafe-fixes", "--select", "BP012", "."],
    );
    assert_exit(&out, 0);
    assert_eq!(
        read(&sb.path("proj/requirements.txt")),
        "pytest==8.3.3\npytest-json-report\n"
    );
}

#[test]
fn the_report_after_a_fix_shows_the_fixed_text() {
    // The fix removes line 3: the finding below it moves up a line.
    let sb = Sandbox::new(&[(
        "proj/Dockerfile",
        "FROM node:8\nRUN echo a \\\n\n    && echo b\nFROM node:8 AS dup\nFROM node:8 AS dup\n",
    )]);
    let proj = sb.proj();
    let out = bakelint(&proj, &["check", "--fix", "--output-format", "full", "."]);
    assert_exit(&out, 1);
    let after_fix = stdout(&out);
    // A fresh run on the fixed file reports the same, minus "Fixed 1 problem.".
    let fresh = stdout(&bakelint(&proj, &["check", "--output-format", "full", "."]));
    assert_eq!(after_fix.replace("Fixed 1 problem.\n", ""), fresh);
    assert!(fresh.contains("[Dockerfile:5:16]"), "{fresh}");
}

/// Opens the Dockerfile at `path` and returns its published diagnostics.
fn open_document(lsp: &mut Client, path: &Path, text: &str) -> Vec<Value> {
    let uri = file_uri(path);
    lsp.open(&uri, text);
    lsp.diagnostic_list(&uri)
}

/// Every code action offered over the whole document.
fn code_actions(lsp: &mut Client, path: &Path, diagnostics: &[Value]) -> Vec<Value> {
    let resp = lsp.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": file_uri(path)},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 999, "character": 0}},
            "context": {"diagnostics": diagnostics},
        }),
    );
    resp["result"].as_array().cloned().unwrap_or_default()
}

/// Every file URI an action's edit would create or change.
fn touched_uris(action: &Value) -> Vec<String> {
    let edit = &action["edit"];
    let mut uris: Vec<String> = edit["changes"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for change in edit["documentChanges"].as_array().into_iter().flatten() {
        for uri in [&change["uri"], &change["textDocument"]["uri"]] {
            if let Some(u) = uri.as_str() {
                uris.push(u.to_string());
            }
        }
    }
    uris
}

#[test]
fn code_actions_offer_no_edit_outside_the_project() {
    // The Dockerfile is in the project, its build context is not: BP008's
    // fix would create `outside/.dockerignore`.
    let sb = Sandbox::new(&[
        (
            "proj/docker-bake.hcl",
            "target \"default\" {\n  context = \"../outside\"\n  dockerfile = \"../proj/Dockerfile\"\n}\n",
        ),
        ("proj/Dockerfile", COPIES_CONTEXT),
        ("outside/Dockerfile", "FROM node:8 as build\n"),
        NODE_MANIFEST,
    ]);
    let proj = sb.proj();
    // A link in the project to a Dockerfile outside it: its safe fix would
    // edit the file outside.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        sb.path("outside/Dockerfile"),
        proj.join("Linked.Dockerfile"),
    )
    .expect("link");
    let mut lsp = Client::start(&proj);
    lsp.initialize(Some(&proj));

    let diags = open_document(&mut lsp, &proj.join("Dockerfile"), COPIES_CONTEXT);
    let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&"BP008"), "{diags:?}");
    // The published finding says why its fix is not offered.
    let bp008 = diags.iter().find(|d| d["code"] == "BP008").expect("BP008");
    let message = bp008["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the fix is not applied") && message.contains("outside the project root"),
        "{message}"
    );
    let actions = code_actions(&mut lsp, &proj.join("Dockerfile"), &diags);
    let outside_uri = file_uri(&sb.path("outside"));
    assert!(
        actions
            .iter()
            .any(|a| a["diagnostics"][0]["code"] == "DF002"),
        "the fix inside the project is offered: {actions:?}"
    );
    for action in &actions {
        for uri in touched_uris(action) {
            assert!(!uri.starts_with(&outside_uri), "{action}");
        }
    }
    assert!(
        !actions
            .iter()
            .any(|a| a["diagnostics"][0]["code"] == "BP008"),
        "{actions:?}"
    );

    #[cfg(unix)]
    {
        let linked = proj.join("Linked.Dockerfile");
        let diags = open_document(&mut lsp, &linked, "FROM node:8 as build\n");
        let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
        assert!(codes.contains(&"DF002"), "{diags:?}");
        let actions = code_actions(&mut lsp, &linked, &diags);
        assert!(actions.is_empty(), "{actions:?}");
    }
}

/// SIGTERM at any moment of a `--fix` run (spread over the run's length)
/// leaves no temporary file, and the change is all there or not at all.
/// Whatever the timing, that must hold: nothing here depends on where the
/// signal lands.
#[cfg(unix)]
#[test]
fn sigterm_leaves_no_temporary_files_and_no_half_change() {
    use std::os::unix::process::ExitStatusExt;
    let mut files: Vec<(String, String)> = vec![
        ("proj/Dockerfile".into(), PIP_DOCKERFILE.into()),
        ("proj/requirements.txt".into(), "pytest==8.3.3\n".into()),
    ];
    for i in 0..6 {
        files.push((
            format!("proj/svc{i}/Dockerfile"),
            format!("FROM node:8 as build{i}\nRUN echo {i}\n"),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let sb = Sandbox::new(&refs);
    let proj = sb.proj();
    let args = [
        "check",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "BP012,DF002",
        ".",
    ];
    let run = || {
        common::cli::command(&proj)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // How long one run takes here (not asserted: it spreads the signals).
    let started = std::time::Instant::now();
    let status = run().wait().expect("wait");
    let full = started.elapsed();
    assert_eq!(status.code(), Some(0));
    let fixed: Vec<String> = files.iter().map(|(name, _)| read(&sb.path(name))).collect();
    assert!(files.iter().zip(&fixed).all(|((_, old), new)| old != new));
    for step in 0..12u32 {
        for (name, content) in &files {
            sb.write(name, content);
        }
        let mut child = run();
        std::thread::sleep(full * step / 12);
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().expect("wait");
        assert!(
            matches!(status.code(), Some(0 | 143)) || status.signal() == Some(15),
            "step {step}: {status:?}"
        );
        let leftovers: Vec<String> = sb
            .files()
            .into_iter()
            .filter(|f| f.contains(".bakelint-"))
            .collect();
        assert_eq!(leftovers, Vec::<String>::new(), "step {step}");
        let now: Vec<String> = files.iter().map(|(name, _)| read(&sb.path(name))).collect();
        let original: Vec<String> = files.iter().map(|(_, c)| c.clone()).collect();
        assert!(
            now == original || now == fixed,
            "step {step}: a half-written change: {now:?}"
        );
    }
}
