//! The Neovim setups of `docs/usage.md`, run as written: each snippet is
//! copied from the docs into an `init.lua` (so the docs and this test cannot
//! drift) and a real `nvim --headless` drives `bakelint server` (this build,
//! as `bakelint` on `PATH`) through `tests/editor_neovim/driver.lua` on a
//! small project: the diagnostics the editor holds for a Dockerfile with
//! multi-byte text, a Dockerfile with a byte order mark, a bake file, a
//! compose file and a workflow, at the positions `bakelint check` reports;
//! hover; a quick fix picked from the menu; "Fix all safe problems" with the
//! documented call; a `bakelint.toml` saved in the editor taking effect; a
//! clean exit of the server.
//!
//! Runs with each `nvim` on `PATH` (one per version), or each of the
//! colon-separated paths in `BAKELINT_TEST_NVIM` (`.ci/run` sets it to
//! Debian's 0.7 and PyPI's 0.11), and skips, saying so, when there is none.
//! Neovim 0.7 to 0.9 gets the 0.7 setup, 0.10 and later the 0.10 one.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const DRIVER: &str = include_str!("editor_neovim/driver.lua");

/// How long one editor session may take before it counts as hung.
const SESSION_TIMEOUT: Duration = Duration::from_secs(90);

const DOCKERFILE: &str = "FROM python:3.12-slim AS Builder
LABEL description=\"café ☕ 𝄞 naïve\" maintainer=\"José\"
RUN echo \"héllo ☕ 𝄞\" && pip install flask
COPY . /app
";

const BOM_DOCKERFILE: &str =
    "\u{feff}FROM alpine:3.20 AS Base\nRUN echo \"ü\" && pip install requests\n";

const BAKE: &str = r#"variable "GITHUB_SHA" {
  default = "dev"
}

group "default" {
  targets = ["app", "bom"]
}

target "app" {
  dockerfile = "Dockerfile"
  tags       = ["ghcr.io/acme/app:latest"]
  cache-from = ["type=gha"]
  cache-to   = ["type=gha"]
}

target "bom" {
  dockerfile = "bom.Dockerfile"
  tags       = ["ghcr.io/acme/bom:${GITHUB_SHA}"]
}
"#;

const COMPOSE: &str = r#"services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 10s
"#;

const WORKFLOW: &str = "name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
    steps:
      - uses: actions/checkout@v4
";

/// The files the driver opens, in the order it opens them.
const OPENED: &[&str] = &[
    "Dockerfile",
    "bom.Dockerfile",
    "docker-bake.hcl",
    "compose.yaml",
    ".github/workflows/ci.yml",
];

/// The code block of `docs/usage.md` that follows `<!-- {marker} -->`.
fn snippet(marker: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/usage.md");
    let docs = std::fs::read_to_string(&path).expect("docs/usage.md");
    let tag = format!("<!-- {marker} -->\n");
    let at = docs
        .find(&tag)
        .unwrap_or_else(|| panic!("docs/usage.md has no `{}`", tag.trim()))
        + tag.len();
    let rest = &docs[at..];
    let body = rest
        .strip_prefix("```lua\n")
        .unwrap_or_else(|| panic!("a ```lua block follows `{}`", tag.trim()));
    let end = body.find("\n```\n").expect("the block ends");
    body[..end + 1].to_string()
}

/// The Neovim binaries to run: `BAKELINT_TEST_NVIM`, else every `nvim` on
/// `PATH` (one per version: see the test).
fn neovims() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("BAKELINT_TEST_NVIM") {
        return std::env::split_paths(&list).collect();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("nvim"))
        .filter(|p| p.is_file())
        .collect()
}

/// `(major, minor, patch)` from `nvim --version`.
fn version(nvim: &Path) -> Option<(u32, u32, u32)> {
    let out = Command::new(nvim).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.lines().next()?.strip_prefix("NVIM v")?;
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// One diagnostic as a position tuple: (file, code, line, col, end line, end col).
type Finding = (String, String, u64, u64, u64, u64);

/// What `bakelint check` reports on the project, before the editor touches it.
fn cli_findings(root: &Path) -> BTreeSet<Finding> {
    let out = Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .args(["check", "--output-format", "json", "."])
        .current_dir(root)
        .output()
        .expect("run bakelint check");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["code"].as_str().unwrap_or_default().to_string(),
                d["start"]["line"].as_u64().unwrap_or(0),
                d["start"]["column"].as_u64().unwrap_or(0),
                d["end"]["line"].as_u64().unwrap_or(0),
                d["end"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The editor's diagnostics of one file as position tuples.
fn editor_findings(file: &str, diagnostics: &Value) -> BTreeSet<Finding> {
    diagnostics
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                file.to_string(),
                d["code"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["col"].as_u64().unwrap_or(0),
                d["end_line"].as_u64().unwrap_or(0),
                d["end_col"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn codes(diagnostics: &Value) -> Vec<&str> {
    diagnostics
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

/// Writes the project; returns its canonical root.
fn write_project(dir: &Path) -> PathBuf {
    let root = dir.join("project");
    for (path, text) in [
        ("Dockerfile", DOCKERFILE),
        ("bom.Dockerfile", BOM_DOCKERFILE),
        ("docker-bake.hcl", BAKE),
        ("compose.yaml", COMPOSE),
        (".github/workflows/ci.yml", WORKFLOW),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    root.canonicalize().expect("canonical")
}

/// `bakelint` on `PATH` for the editor: this build, recording the server's
/// exit status.
fn write_wrapper(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let script = bin.join("bakelint");
    std::fs::write(
        &script,
        "#!/bin/sh\n\"$BAKELINT_REAL\" \"$@\"\nstatus=$?\necho \"$status\" >> \"$BAKELINT_EXIT_LOG\"\nexit \"$status\"\n",
    )
    .expect("wrapper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

struct Session {
    result: Value,
    output: String,
    status: std::process::ExitStatus,
    server_exits: Vec<String>,
    elapsed: Duration,
}

/// Runs the driver in `nvim` with `init` as its `init.lua`.
fn run_editor(nvim: &Path, init: &str, fix_all: &str) -> (Session, BTreeSet<Finding>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = write_project(dir.path());
    let expected = cli_findings(&root);
    let bin = write_wrapper(dir.path());
    let init_path = dir.path().join("init.lua");
    std::fs::write(&init_path, init).expect("init.lua");
    let driver_path = dir.path().join("driver.lua");
    std::fs::write(&driver_path, DRIVER).expect("driver.lua");
    let result_path = dir.path().join("result.json");
    let exit_log = dir.path().join("server-exit.log");
    let home = dir.path().join("xdg");
    std::fs::create_dir_all(&home).expect("xdg");

    let mut path = vec![bin];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let started = Instant::now();
    let mut child = Command::new(nvim)
        .args(["--headless", "-i", "NONE", "-u"])
        .arg(&init_path)
        .arg("-c")
        .arg(format!("luafile {}", driver_path.display()))
        .current_dir(&root)
        .env("PATH", std::env::join_paths(path).expect("PATH"))
        // Nothing of the user's: no config, plugins, state or shada (HOME
        // stays: a version manager's `nvim` shim may need it).
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("BAKELINT_REAL", env!("CARGO_BIN_EXE_bakelint"))
        .env("BAKELINT_EXIT_LOG", &exit_log)
        .env("BAKELINT_RESULT", &result_path)
        .env("BAKELINT_FIX_ALL", fix_all)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > SESSION_TIMEOUT {
            let _ = child.kill();
            panic!("{} hung: killed after {SESSION_TIMEOUT:?}", nvim.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let output = out_thread.join().unwrap_or_default();
    // The server ends once the editor has stopped it: wait for its status.
    let deadline = Instant::now() + Duration::from_secs(10);
    let server_exits = loop {
        let log = std::fs::read_to_string(&exit_log).unwrap_or_default();
        if !log.is_empty() || Instant::now() > deadline {
            break log.lines().map(str::to_string).collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&result_path)
        .unwrap_or_else(|_| panic!("the driver wrote no result; Neovim said:\n{output}"));
    let result: Value = serde_json::from_str(&text).expect("result JSON");
    (
        Session {
            result,
            output,
            status,
            server_exits,
            elapsed,
        },
        expected,
    )
}

fn check_session(label: &str, s: &Session, expected: &BTreeSet<Finding>) {
    let r = &s.result;
    let ctx = format!("{label}: Neovim said:\n{}\nresult: {r:#}", s.output);
    assert!(s.status.success(), "nvim exited with {}; {ctx}", s.status);
    assert_eq!(r["errors"], serde_json::json!([]), "{ctx}");
    assert!(
        !s.output.contains("Error") && !s.output.contains("E5108"),
        "{ctx}"
    );

    // Every file is attached and shows what `bakelint check` reports, at
    // the same lines and columns (multi-byte text, a byte order mark).
    for file in OPENED {
        let step = &r["steps"][*file];
        assert_eq!(step["clients"], 1, "{file} has the bakelint client; {ctx}");
        let shown = editor_findings(file, &step["diagnostics"]);
        let cli: BTreeSet<Finding> = expected.iter().filter(|f| f.0 == *file).cloned().collect();
        assert!(!cli.is_empty(), "the CLI finds something in {file}");
        assert_eq!(shown, cli, "{file}: editor vs bakelint check; {ctx}");
    }
    assert_eq!(r["steps"]["bom.Dockerfile"]["bomb"], true, "{ctx}");
    // Spot checks of what the editor underlines.
    let underlined = |file: &str, code: &str| -> String {
        r["steps"][file]["diagnostics"]
            .as_array()
            .and_then(|a| a.iter().find(|d| d["code"] == code))
            .and_then(|d| d["text"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(underlined("Dockerfile", "DL3013"), "flask", "{ctx}");
    assert_eq!(underlined("bom.Dockerfile", "DF001"), "Base", "{ctx}");
    assert_eq!(
        underlined("docker-bake.hcl", "BP003"),
        "\"type=gha\"",
        "{ctx}"
    );
    assert_eq!(underlined("compose.yaml", "BP006"), "postgres:16", "{ctx}");
    assert_eq!(
        underlined(".github/workflows/ci.yml", "BP006"),
        "postgres:16",
        "{ctx}"
    );

    let hover = r["hover"].as_str().unwrap_or_default();
    assert!(
        hover.contains("DF001") && hover.contains("stage-name-casing"),
        "{ctx}"
    );

    // The quick fix menu lists the preferred safe fix first; picking it
    // edits the buffer and the finding goes away.
    let quickfix = &r["quickfix"];
    assert_eq!(quickfix["menu"][0], "set `mode=max`", "{ctx}");
    assert!(
        quickfix["menu"].as_array().is_some_and(|m| m
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.ends_with("(unsafe)")))),
        "{ctx}"
    );
    assert_eq!(
        quickfix["line"], "  cache-to   = [\"type=gha,mode=max\"]",
        "{ctx}"
    );
    assert!(!codes(&quickfix["diagnostics"]).contains(&"BP003"), "{ctx}");

    // "Fix all safe problems", with the documented call.
    let fixed = &r["fix_all"];
    assert_eq!(
        fixed["text"][0], "FROM python:3.12-slim AS builder",
        "{ctx}"
    );
    assert_eq!(
        fixed["text"][2], "RUN echo \"héllo ☕ 𝄞\" && pip install --no-cache-dir flask",
        "{ctx}"
    );
    let after_fix = codes(&fixed["diagnostics"]);
    assert!(
        !after_fix.contains(&"DF001") && !after_fix.contains(&"DL3042"),
        "{ctx}"
    );
    assert!(after_fix.contains(&"DL3013"), "{ctx}");

    // A config saved in the editor takes effect without touching the Dockerfile.
    let config = &r["config"];
    assert!(!codes(&config["diagnostics"]).contains(&"DL3013"), "{ctx}");
    assert!(codes(&config["diagnostics"]).contains(&"BP007"), "{ctx}");
    assert!(config["ms"].as_u64().unwrap_or(u64::MAX) < 5000, "{ctx}");

    // One server, stopped cleanly (shutdown + exit: status 0).
    assert_eq!(s.server_exits, vec!["0".to_string()], "{ctx}");
}

#[test]
fn the_documented_neovim_setups_work_as_written() {
    let neovims = neovims();
    if neovims.is_empty() {
        eprintln!(
            "skipped: no `nvim` on PATH (apt-get install neovim), so the Neovim setups of \
             docs/usage.md were not run"
        );
        return;
    }
    let mut seen = BTreeSet::new();
    for nvim in neovims {
        let Some((major, minor, patch)) = version(&nvim) else {
            panic!("{}: cannot read its version", nvim.display());
        };
        if !seen.insert((major, minor, patch)) {
            continue;
        }
        if (major, minor) < (0, 7) {
            eprintln!(
                "skipped: {} is Neovim {major}.{minor}.{patch}; the documented setups need 0.7",
                nvim.display()
            );
            continue;
        }
        let setup = if (major, minor) >= (0, 10) {
            "neovim-setup:0.10"
        } else {
            "neovim-setup:0.7"
        };
        let fix_all = if (major, minor) >= (0, 8) {
            "neovim-fix-all:0.8"
        } else {
            "neovim-fix-all:0.7"
        };
        let label = format!("Neovim {major}.{minor}.{patch} with {setup} and {fix_all}");
        let (session, expected) = run_editor(&nvim, &snippet(setup), &snippet(fix_all));
        check_session(&label, &session, &expected);
        eprintln!("ran: {label}: passed in {:.1?}", session.elapsed);
    }
}
