//! Cases the mutation fuzzer (`tests/fuzz_mutations.rs`, `scripts/fuzz.sh`)
//! found, minimised: each runs through the fuzzer's whole check (lint with
//! every rule, fix with unsafe fixes, fix again) and asserts what the bug
//! broke.

mod fuzz;

use std::path::Path;
use std::time::Duration;

use fuzz::harness::run_isolated;
use fuzz::project::Project;

/// Generous: these cases take milliseconds; only a hang comes near.
const BOUND: Duration = Duration::from_secs(120);

/// Runs the fuzzer's check on `files` in every report format.
fn passes(name: &str, files: &[(&str, &str)]) {
    let project = Project::from_texts(files);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-regressions")
        .join(name);
    for format in 0..9 {
        if let Err(failure) = run_isolated(&project, &dir, format, BOUND) {
            panic!("{name}: {}\n{}", failure.key(), failure.detail);
        }
    }
}

/// A line just under BuildKit's 65,535-byte limit: BP007's fix (a cache
/// mount) would push it over. Before: the fix loop reverted it and reported
/// "internal error: ... made Dockerfile fail to parse (please report this
/// bug)", exit 2. Now the fix is not applied and the finding stays.
#[test]
fn fix_that_pushes_a_line_past_the_length_limit_is_withheld_quietly() {
    let head = "RUN pip install ";
    let line = format!(
        "{head}{}",
        "a".repeat(bakelint::dockerfile::MAX_LINE - head.len() - 4)
    );
    let dockerfile = format!("FROM python:3.12\n{line}\n");
    passes("line-limit", &[("Dockerfile", &dockerfile)]);

    let dir = common_project(&[("Dockerfile", &dockerfile)]);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    assert_eq!(result.changed().count(), 0);
    assert!(result.remaining.iter().any(|d| d.code == "BP007"));
}

fn common_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    Project::from_texts(files)
        .write_to(dir.path())
        .expect("write");
    dir
}

/// `check --fix --unsafe-fixes` in `dir`, in memory: the fix result and the
/// first lint's findings.
fn fix_in(
    dir: &Path,
) -> (
    bakelint::fix::FixResult,
    Vec<bakelint::diagnostic::Diagnostic>,
) {
    use std::collections::BTreeMap;

    use bakelint::config::Settings;
    use bakelint::fix::{fix_all_within, DiskSource, FixMode, ProjectRoot, WriteScope};
    use bakelint::workspace::{self, Plan};

    let dir = dir.canonicalize().expect("canonical");
    let found = bakelint::project::discover(&[dir.clone()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.clone();
    plan.env = BTreeMap::new();
    let settings = Settings::default();
    let first = workspace::lint(&plan, &BTreeMap::new(), &settings).diagnostics;
    let scope = WriteScope::new(ProjectRoot::for_paths(&[dir.clone()], &dir), &dir);
    let lint =
        |o: &BTreeMap<std::path::PathBuf, String>| workspace::lint(&plan, o, &settings).diagnostics;
    let result = fix_all_within(
        first.clone(),
        FixMode { unsafe_fixes: true },
        &scope,
        &DiskSource,
        &lint,
    );
    (result, first)
}
