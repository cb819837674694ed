//! The bundled example project (`testdata/examples/ci-pipeline`, a Django +
//! Celery app built with bake from four near-identical Dockerfiles), end to
//! end through the binary:
//!
//! - the report and the `--diff` are snapshots (`tests/snapshots/`,
//!   regenerate with `BAKELINT_BLESS=1 cargo test --test example_project`);
//! - every CI build-speed rule fires, with exact positions;
//! - after `--fix --unsafe-fixes` no BP finding remains, every Dockerfile
//!   parses, `bakelint print` resolves every target, the workflow loads
//!   without its re-tag job (`deploy` needs `test`), and a second run
//!   changes nothing;
//! - the restructuring fixes (BP009 multi-stage consolidation, BP010
//!   pre-baked base) keep every target's instruction sequence, compared
//!   stage by stage through `FROM base` and `FROM ${BASE_IMAGE}`;
//! - the order the fixes are applied in does not change what gets built;
//! - a read-only file stops the whole fix: nothing is half-written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::cli::stdout;

use bakelint::dockerfile::{self, Dockerfile, InstructionKind, Keyword};

const BP_CODES: &[&str] = &[
    "BP001", "BP002", "BP003", "BP004", "BP005", "BP006", "BP007", "BP008", "BP009", "BP010",
    "BP011", "BP012", "BP013",
];

/// `bakelint` in `dir`, with none of the variables the example's bake file
/// reads and without colour.
fn command(dir: &Path) -> Command {
    let mut cmd = common::cli::command(dir);
    cmd.env_remove("GITHUB_SHA")
        .env_remove("TAG")
        .env_remove("REGISTRY")
        .env("NO_COLOR", "1");
    cmd
}

fn bakelint(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("run bakelint")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn example_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/ci-pipeline")
}

fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&example_source(), dir.path());
    dir
}

/// Compares `actual` with `tests/snapshots/<name>`, or rewrites the snapshot
/// when `BAKELINT_BLESS` is set.
fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("BAKELINT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("bless snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("snapshot", "actual")
            .to_string();
        panic!(
            "snapshot {name} differs (BAKELINT_BLESS=1 cargo test --test example_project to accept):\n{diff}"
        );
    }
}

/// Every file of the project, by relative path.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("in root").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

fn findings(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["--output-format", "json"];
    args.extend_from_slice(extra);
    let out = bakelint(dir, &args);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "json ({e}): {}\n{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    json.as_array().cloned().unwrap_or_default()
}

/// `bakelint print` of the example's bake file for `names`.
fn print(dir: &Path, names: &[&str]) -> serde_json::Value {
    let mut args = vec!["print", "-f", "deployment/docker-bake.hcl"];
    args.extend_from_slice(names);
    let out = bakelint(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "print {names:?} fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("print json")
}

/// The names of the targets in the example's bake file (top-level `target` blocks).
fn target_names(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("deployment/docker-bake.hcl")).expect("bake");
    text.lines()
        .filter_map(|l| l.strip_prefix("target \""))
        .filter_map(|l| l.split('"').next())
        .filter(|n| !n.starts_with('_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn report_snapshot_and_every_rule_fires() {
    let dir = example();
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
    assert_snapshot("ci-pipeline.report.txt", &stdout(&out));

    let all = findings(dir.path(), &[]);
    let codes: Vec<&str> = all.iter().filter_map(|d| d["code"].as_str()).collect();
    for code in BP_CODES {
        assert!(
            codes.contains(code),
            "{code} must fire on the example: {codes:?}"
        );
    }
    let at = |code: &str, path: &str| -> (u64, u64) {
        let d = all
            .iter()
            .find(|d| d["code"] == code && d["path"] == path)
            .unwrap_or_else(|| panic!("{code} in {path}"));
        (
            d["start"]["line"].as_u64().unwrap_or(0),
            d["start"]["column"].as_u64().unwrap_or(0),
        )
    };
    // BP004 points at the package inside the multi-line RUN.
    assert_eq!(at("BP004", "deployment/docker/web.Dockerfile"), (19, 66));
    // BP009 points at the first target's `dockerfile` attribute.
    assert_eq!(at("BP009", "deployment/docker-bake.hcl").0, 24);
    // The GHA cache lives in the workflow's `set:` lines: BP002 and BP003
    // point there (at the value), not at the bake file.
    assert_eq!(at("BP002", ".github/workflows/ci.yml"), (30, 26));
    assert_eq!(at("BP003", ".github/workflows/ci.yml"), (31, 24));
    assert!(
        !all.iter()
            .any(|d| (d["code"] == "BP002" || d["code"] == "BP003")
                && d["path"] == "deployment/docker-bake.hcl"),
        "no cache finding on the bake file"
    );
    // BP012 points at the packages of the test job's runtime install.
    assert_eq!(at("BP012", ".github/workflows/ci.yml"), (49, 26));
}

#[test]
fn diff_snapshot_shows_the_whole_change() {
    let dir = example();
    let before = files(dir.path());
    let out = bakelint(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_snapshot("ci-pipeline.diff", &stdout(&out));
    assert_eq!(files(dir.path()), before, "--diff writes nothing");
}

#[test]
fn fixing_the_example_converges_and_it_still_evaluates() {
    let dir = example();
    let fixed = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--quiet"]);
    assert!(
        matches!(fixed.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let remaining: Vec<String> = findings(dir.path(), &[])
        .iter()
        .filter(|d| d["code"].as_str().is_some_and(|c| BP_CODES.contains(&c)))
        .map(|d| format!("{} {} {}", d["code"], d["path"], d["message"]))
        .collect();
    assert!(
        remaining.is_empty(),
        "BP findings left after --fix --unsafe-fixes:\n{}",
        remaining.join("\n")
    );
    // Every Dockerfile parses.
    for (path, bytes) in files(dir.path()) {
        let name = path.to_string_lossy();
        if name.ends_with("Dockerfile") || name.contains("Dockerfile.") {
            let df = dockerfile::parse(&String::from_utf8_lossy(&bytes));
            assert!(df.errors.is_empty(), "{name}: {:?}", df.errors);
        }
    }
    assert!(
        dir.path().join(".dockerignore").is_file(),
        "BP008 created the .dockerignore"
    );
    // BP013: the re-tag job is gone, `deploy` waits for the tests (and
    // still runs only on main), and no job needs a missing job.
    let ci = std::fs::read_to_string(dir.path().join(".github/workflows/ci.yml")).expect("ci");
    let workflow = bakelint::pipeline::workflow::load(&ci).expect("the workflow loads");
    assert!(workflow.job("tag-production-images").is_none(), "{ci}");
    let deploy = workflow.job("deploy").expect("deploy");
    let needs: Vec<&str> = deploy.needs.iter().map(|n| n.value.as_str()).collect();
    assert_eq!(needs, ["test"]);
    assert_eq!(
        deploy.condition.as_ref().map(|c| c.value.as_str()),
        Some("github.ref == 'refs/heads/main'")
    );
    for job in &workflow.jobs {
        for need in &job.needs {
            assert!(
                workflow.job(&need.value).is_some(),
                "{} needs {}",
                job.id.value,
                need.value
            );
        }
    }
    let again = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--diff"]);
    assert!(
        again.stdout.is_empty(),
        "a second run changes nothing:\n{}",
        stdout(&again)
    );
    let names = target_names(dir.path());
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let json = print(dir.path(), &name_refs);
    for name in &names {
        assert!(
            json["target"][name.as_str()].is_object(),
            "print resolves {name}: {json}"
        );
    }
    let tags = json["target"]["web"]["tags"].as_array().expect("tags");
    assert!(
        tags.iter()
            .any(|t| t.as_str().is_some_and(|t| t.ends_with(":dev"))),
        "the SHA tag was added with its default: {tags:?}"
    );
    assert_eq!(json["target"]["test"]["args"]["SKIP_CHROMIUM"], "true");
}

/// What a target builds: its instructions from the root image on, following
/// `FROM <stage>` within the file and `FROM <image>` to another target of
/// the bake file that builds `<image>` (a pre-baked base). Normalised
/// (`Instruction::normalized`); FROM lines lose their `AS name`; global ARGs
/// only feed the expansion of FROM.
fn build_sequence(root: &Path, json: &serde_json::Value, target: &str) -> Vec<String> {
    let t = &json["target"][target];
    let context = root.join(t["context"].as_str().unwrap_or("."));
    let dockerfile = context.join(t["dockerfile"].as_str().unwrap_or("Dockerfile"));
    let text = std::fs::read_to_string(&dockerfile)
        .unwrap_or_else(|e| panic!("{}: {e}", dockerfile.display()));
    let df = dockerfile::parse(&text);
    let args: BTreeMap<String, String> = t["args"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let stages = df.stages();
    let index = match t["target"].as_str() {
        Some(name) => stage_index(&df, name).unwrap_or_else(|| panic!("stage {name}")),
        None => stages.len().saturating_sub(1),
    };
    stage_sequence(root, json, &df, index, &args)
}

fn stage_index(df: &Dockerfile, name: &str) -> Option<usize> {
    df.stages().iter().position(|s| {
        df.stage_from(s)
            .and_then(|f| f.stage_name.as_ref())
            .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
    })
}

fn stage_sequence(
    root: &Path,
    json: &serde_json::Value,
    df: &Dockerfile,
    index: usize,
    args: &BTreeMap<String, String>,
) -> Vec<String> {
    let stages = df.stages();
    let stage = &stages[index];
    let from = df.stage_from(stage).expect("FROM");
    let image = expand_from(df, &from.image.value, args);
    let mut out = if let Some(parent) = stage_index(df, &image).filter(|&p| p < index) {
        stage_sequence(root, json, df, parent, args)
    } else if let Some(base) = target_tagged(json, &image) {
        build_sequence(root, json, &base)
    } else {
        vec![format!("FROM {image}")]
    };
    for &node in &stage.instruction_nodes {
        let ins = df.instruction(node).expect("instruction");
        out.push(ins.normalized(&df.source));
    }
    out
}

/// The image of a FROM with `${NAME}`/`$NAME` replaced by the build args or
/// the global ARG defaults.
fn expand_from(df: &Dockerfile, image: &str, args: &BTreeMap<String, String>) -> String {
    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    for node in df.global_instructions() {
        if let Some(ins) = df.instruction(node) {
            if let InstructionKind::Arg(decls) = &ins.kind {
                for d in decls {
                    let value = d
                        .default
                        .as_ref()
                        .map(|v| v.value.trim_matches('"').to_string())
                        .unwrap_or_default();
                    defaults.insert(d.name.value.clone(), value);
                }
            }
        }
    }
    let mut image = image.to_string();
    for (name, default) in &defaults {
        let value = args.get(name).unwrap_or(default);
        image = image
            .replace(&format!("${{{name}}}"), value)
            .replace(&format!("${name}"), value);
    }
    image
}

/// The bake target whose tags include `image`.
fn target_tagged(json: &serde_json::Value, image: &str) -> Option<String> {
    json["target"].as_object()?.iter().find_map(|(name, t)| {
        t["tags"]
            .as_array()?
            .iter()
            .any(|tag| tag.as_str() == Some(image))
            .then(|| name.clone())
    })
}

fn sequences(root: &Path, names: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut all: Vec<String> = target_names(root);
    all.sort();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let json = print(root, &refs);
    names
        .iter()
        .map(|n| (n.to_string(), build_sequence(root, &json, n)))
        .collect()
}

const FILE_TARGETS: &[&str] = &["web", "celery-worker", "celery-beat", "test"];

/// Each target's normalised instruction sequence, by target name.
type Sequences = BTreeMap<String, Vec<String>>;

/// Applies the fixes of `select` to a fresh copy; returns it with the
/// instruction sequences before and after.
fn restructured(select: &str) -> (tempfile::TempDir, Sequences, Sequences) {
    let dir = example();
    let before = sequences(dir.path(), FILE_TARGETS);
    assert_eq!(before["web"][0], "FROM python:3.12-slim");
    let out = bakelint(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--select", select, "--quiet"],
    );
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = sequences(dir.path(), FILE_TARGETS);
    (dir, before, after)
}

fn assert_same_sequences(select: &str, before: &Sequences, after: &Sequences) {
    for target in FILE_TARGETS {
        assert_eq!(
            before[*target], after[*target],
            "after the {select} fixes, target {target} builds a different instruction sequence"
        );
    }
}

#[test]
fn multistage_consolidation_keeps_every_targets_instruction_sequence() {
    let (dir, before, after) = restructured("BP009");
    assert_same_sequences("BP009", &before, &after);
    let bake =
        std::fs::read_to_string(dir.path().join("deployment/docker-bake.hcl")).expect("bake");
    for target in FILE_TARGETS {
        assert!(
            bake.contains(&format!("target     = \"{target}\"")),
            "{target} builds its stage of the new Dockerfile:\n{bake}"
        );
    }
    let df = std::fs::read_to_string(dir.path().join("deployment/docker/Dockerfile"))
        .expect("multi-stage Dockerfile");
    let parsed = dockerfile::parse(&df);
    let froms: Vec<String> = parsed
        .instructions()
        .filter(|(_, i)| i.keyword == Keyword::From)
        .map(|(_, i)| i.normalized(&parsed.source))
        .collect();
    assert_eq!(
        froms,
        [
            "FROM python:3.12-slim AS base",
            "FROM base AS web",
            "FROM base AS celery-worker",
            "FROM base AS celery-beat",
            "FROM base AS test",
        ]
    );
    // The old files stay (the help says they can go).
    assert!(dir
        .path()
        .join("deployment/docker/web.Dockerfile")
        .is_file());
}

#[test]
fn prebaked_base_keeps_every_targets_instruction_sequence() {
    let (dir, before, after) = restructured("BP010");
    assert_same_sequences("BP010", &before, &after);
    let base = std::fs::read_to_string(dir.path().join("deployment/docker/Dockerfile.base"))
        .expect("Dockerfile.base");
    assert!(base.starts_with("FROM python:3.12-slim\n"), "{base}");
    let web =
        std::fs::read_to_string(dir.path().join("deployment/docker/web.Dockerfile")).expect("web");
    assert!(
        web.starts_with("ARG BASE_IMAGE=ghcr.io/acme/shop-base:latest\nFROM ${BASE_IMAGE}\n"),
        "{web}"
    );
}

#[test]
fn both_restructurings_together_keep_every_targets_instruction_sequence() {
    let (_dir, before, after) = restructured("BP009,BP010");
    assert_same_sequences("BP009 and BP010", &before, &after);
}

#[test]
fn fix_order_does_not_change_what_gets_built() {
    // All at once, as a user runs it.
    let together = example();
    let out = bakelint(together.path(), &["--fix", "--unsafe-fixes", "--quiet"]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)));
    // The per-file rules first, the restructuring ones after.
    let stepwise = example();
    for select in [
        "BP001,BP002,BP003,BP004,BP005,BP006,BP007,BP008,BP011,BP012",
        "BP",
    ] {
        let out = bakelint(
            stepwise.path(),
            &["--fix", "--unsafe-fixes", "--quiet", "--select", select],
        );
        assert!(matches!(out.status.code(), Some(0) | Some(1)));
    }
    let a = sequences(together.path(), FILE_TARGETS);
    let b = sequences(stepwise.path(), FILE_TARGETS);
    for target in FILE_TARGETS {
        assert_eq!(
            a[*target], b[*target],
            "target {target} depends on the order of the fixes"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_file_stops_the_whole_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = example();
    let bake = dir.path().join("deployment/docker-bake.hcl");
    std::fs::set_permissions(&bake, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = files(dir.path());
    // As a normal user: root may write a read-only file.
    let mut cmd = command(dir.path());
    cmd.args(["--fix", "--unsafe-fixes"]);
    common::as_normal_user(&mut cmd, dir.path());
    let out = cmd.output().expect("run bakelint");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: wrote nothing: `deployment/docker-bake.hcl` could not be written: file is read-only"
        ),
        "{stderr}"
    );
    assert_eq!(files(dir.path()), before, "nothing half-written");
    // The findings are still reported.
    assert!(stdout(&out).contains("BP001"), "{}", stdout(&out));
}

/// A bake file that no longer evaluates (a closing brace deleted): BP010
/// then splits the base off each Dockerfile on its own, and the files it
/// creates are linted (and fixed) in the same run: a second run changes
/// nothing, and no fix breaks a file.
#[test]
fn a_broken_bake_file_still_converges() {
    let dir = example();
    let bake = dir.path().join("deployment/docker-bake.hcl");
    let text = std::fs::read_to_string(&bake).expect("bake");
    let broken = text.replacen(
        "  tags       = [\"${REGISTRY}/shop-celery-beat:${TAG}\"]\n}\n",
        "  tags       = [\"${REGISTRY}/shop-celery-beat:${TAG}\"]\n",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&bake, broken).expect("write");
    let out = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    // Each Dockerfile now starts from a pre-baked base; the four bases are
    // the same text, so they may share one file.
    for name in ["web", "celery-worker", "celery-beat", "test"] {
        let path = dir
            .path()
            .join(format!("deployment/docker/{name}.Dockerfile"));
        let text = std::fs::read_to_string(&path).expect("Dockerfile");
        assert!(
            text.starts_with(&format!(
                "ARG BASE_IMAGE={name}-base:latest\nFROM ${{BASE_IMAGE}}\n"
            )),
            "{name}: {text}"
        );
    }
    assert!(
        dir.path()
            .join("deployment/docker/Dockerfile.base")
            .is_file(),
        "the base was split off"
    );
    let again = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--diff"]);
    assert!(
        again.stdout.is_empty(),
        "a second run changes nothing:\n{}",
        stdout(&again)
    );
}

/// A small deterministic generator (xorshift), so the mutations below are
/// the same on every run.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Damaged copies of the example (lines deleted, duplicated, swapped,
/// lower-cased, indented; CRLF): `--fix --unsafe-fixes` never panics, never
/// reports a fix that broke a file, and a second run changes nothing.
/// (`scripts/mutate-example.py` runs the same check on many more copies.)
#[test]
fn fixes_converge_on_damaged_copies_of_the_example() {
    let names = [
        "deployment/docker-bake.hcl",
        "deployment/docker/web.Dockerfile",
        "deployment/docker/test.Dockerfile",
        "deployment/docker/celery-worker.Dockerfile",
        "requirements/test.txt",
    ];
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    for round in 0..12 {
        let dir = example();
        let mut log = Vec::new();
        for _ in 0..=rng.below(2) {
            let name = names[rng.below(names.len())];
            let path = dir.path().join(name);
            let text = std::fs::read_to_string(&path).expect("read");
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let i = rng.below(lines.len());
            let op = rng.below(6);
            match op {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let line = lines[i].clone();
                    lines.insert(i, line);
                }
                2 => {
                    let j = rng.below(lines.len());
                    lines.swap(i, j);
                }
                3 => lines[i] = lines[i].to_lowercase(),
                4 => lines[i] = format!("  {}", lines[i]),
                _ => {}
            }
            let mut out = lines.join("\n");
            if op == 5 {
                out = out.replace('\n', "\r\n");
            }
            log.push(format!("{name}: op {op} at line {}", i + 1));
            std::fs::write(&path, out).expect("write");
        }
        let fixed = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--quiet"]);
        let stderr = String::from_utf8_lossy(&fixed.stderr);
        assert!(
            matches!(fixed.status.code(), Some(0) | Some(1)) && !stderr.contains("internal error"),
            "round {round} ({log:?}): {stderr}"
        );
        let again = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--diff"]);
        assert!(
            again.stdout.is_empty(),
            "round {round} ({log:?}): a second run still changes:\n{}",
            stdout(&again)
        );
    }
}

/// The `full` report a user reads in a terminal: one snippet per finding,
/// related locations as one-line references, one spelling per path.
#[test]
fn full_report_snapshot() {
    let dir = example();
    let out = bakelint(dir.path(), &["--output-format", "full"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_snapshot("ci-pipeline.full.txt", &text);
    assert_readable(&text);
}

/// Several projects under one directory (the bundled examples), linted from
/// their parent: each file spelled one way, whether walked or reached
/// through a bake target.
#[test]
fn multi_project_tree_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples"),
        dir.path(),
    );
    let concise = stdout(&bakelint(dir.path(), &["--output-format", "concise"]));
    assert_snapshot("examples.report.txt", &concise);
    let full = stdout(&bakelint(dir.path(), &["--output-format", "full"]));
    assert_snapshot("examples.full.txt", &full);
    assert_readable(&full);
    for line in concise.lines().filter(|l| l.contains(": ")) {
        assert!(
            !line.starts_with("./") && !line.contains("/../") && !line.contains("/./"),
            "one spelling per path: {line}"
        );
    }
}

/// What every `full` report keeps to: paths never spelled `./x`, and
/// related locations in other files as one `also:` line each, not snippets.
fn assert_readable(full: &str) {
    for line in full.lines() {
        assert!(!line.contains("[./"), "path spelled with ./: {line}");
        assert!(!line.contains("Advice:"), "a related snippet: {line}");
    }
}
