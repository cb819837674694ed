//! The bundled example project (`testdata/examples/ci-pipeline`, a Django +
//! Celery app built with bake from four near-identical Dockerfiles): every
//! CI build-speed rule it should trigger fires, `--fix --unsafe-fixes`
//! converges, and the fixed project still evaluates.

use std::path::Path;
use std::process::{Command, Output};

fn bakelint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run bakelint")
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

fn example() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/ci-pipeline");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&src, dir.path());
    dir
}

#[test]
fn every_expected_rule_fires_on_the_example() {
    let dir = example();
    let out = bakelint(dir.path(), &["--output-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let codes: Vec<&str> = findings
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    for code in [
        "BP001", "BP002", "BP003", "BP004", "BP005", "BP006", "BP007", "BP008",
    ] {
        assert!(
            codes.contains(&code),
            "{code} must fire on the example: {codes:?}"
        );
    }
    // BP004 points at the package inside the multi-line RUN.
    let chromium = findings
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "BP004" && d["path"] == "deployment/docker/web.Dockerfile")
        .expect("BP004 in web.Dockerfile");
    assert_eq!(chromium["start"]["line"], 19);
    assert_eq!(chromium["start"]["column"], 66);
}

#[test]
fn fixing_the_example_converges_and_it_still_evaluates() {
    let dir = example();
    let fixed = bakelint(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
    );
    assert!(
        matches!(fixed.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    assert!(
        dir.path().join(".dockerignore").is_file(),
        "BP008 created the .dockerignore"
    );
    let again = bakelint(dir.path(), &["--fix", "--unsafe-fixes", "--diff"]);
    assert!(
        again.stdout.is_empty(),
        "a second run changes nothing:\n{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let print = bakelint(
        dir.path(),
        &["print", "-f", "deployment/docker-bake.hcl", "default", "ci"],
    );
    assert_eq!(
        print.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&print.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&print.stdout).expect("print json");
    let tags = json["target"]["web"]["tags"].as_array().expect("tags");
    assert!(
        tags.iter()
            .any(|t| t.as_str().is_some_and(|t| t.ends_with(":dev"))),
        "the SHA tag was added with its default: {tags:?}"
    );
    let args = &json["target"]["test"]["args"];
    assert_eq!(args["SKIP_CHROMIUM"], "true");
}
