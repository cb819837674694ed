//! BP015 on hand-made projects shaped like real Node.js images
//! (`testdata/bp015/<case>/`: a Dockerfile or a bake file, the
//! `package.json` its context holds): what it reports on each (a snapshot,
//! reviewed in `docs/reviews/BP015.toml`), and that `--fix --unsafe-fixes`
//! leaves every Dockerfile parsing and a second run with nothing to change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bp015")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("testdata/bp015")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn bakelint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
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

/// Every case's findings (concise, with a `fix:` line per finding), as one text.
fn report() -> String {
    let mut out = String::new();
    for dir in cases() {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        out.push_str(&format!("## {name}\n"));
        let json = bakelint(&dir, &["--select", "BP015", "--output-format", "json"]);
        let findings: serde_json::Value =
            serde_json::from_slice(&json.stdout).expect("json output");
        for d in findings.as_array().into_iter().flatten() {
            let fix = match d["fix"]["applicability"].as_str() {
                Some(a) => format!("{a}: {}", d["fix"]["message"].as_str().unwrap_or("")),
                None => "none".to_string(),
            };
            out.push_str(&format!(
                "{}:{}:{}: {}\n  fix: {fix}\n",
                d["path"].as_str().unwrap_or(""),
                d["start"]["line"],
                d["start"]["column"],
                d["message"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

#[test]
fn fixture_report_snapshot() {
    let actual = report();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/bp015-fixtures.txt");
    if std::env::var_os("BAKELINT_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "BP015 fixture report changed (BAKELINT_BLESS=1 cargo test --test bp015_fixtures to accept)"
    );
}

#[test]
fn fixes_converge_and_parse() {
    for case in cases() {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&case, dir.path());
        let fixed = bakelint(
            dir.path(),
            &["--select", "BP015", "--fix", "--unsafe-fixes", "--quiet"],
        );
        assert!(
            matches!(fixed.status.code(), Some(0 | 1)),
            "{case:?}: {}",
            String::from_utf8_lossy(&fixed.stderr)
        );
        let again = bakelint(
            dir.path(),
            &["--select", "BP015", "--diff", "--unsafe-fixes"],
        );
        assert!(
            again.stdout.is_empty(),
            "{case:?}: {}",
            String::from_utf8_lossy(&again.stdout)
        );
        for name in ["Dockerfile", "services/api/Dockerfile"] {
            if let Ok(text) = std::fs::read_to_string(dir.path().join(name)) {
                let df = bakelint::dockerfile::parse(&text);
                assert!(df.errors.is_empty(), "{case:?}: {:?}", df.errors);
            }
        }
    }
}
