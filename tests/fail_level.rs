//! The fail level (`--fail-level`, the `fail-level` config key): findings
//! below it are reported and counted but do not make the exit code 1. The
//! default is `warning`, so info-level advice (BP007) never fails a run on
//! its own, as hadolint's `--failure-threshold` allows.

use std::process::Output;

mod common;
use common::cli::{bakelint, stdout};
use common::project;

/// A Dockerfile whose only finding is BP007 (info): a pip install without a
/// cache mount, in a file that already uses BuildKit syntax (pinned and
/// without pip's cache, so the hadolint rules DL3013 and DL3042 stay quiet).
const INFO_ONLY: &str = "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n";

/// The same plus a warning (DF002, `as` in another case than `FROM`).
const INFO_AND_WARNING: &str = "# syntax=docker/dockerfile:1\nFROM python:3.12-slim as app\nRUN pip install --no-cache-dir flask==3.0.3\n";

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

#[test]
fn info_findings_are_reported_but_do_not_fail_by_default() {
    let dir = project(&[("Dockerfile", INFO_ONLY)]);
    let out = bakelint(dir.path(), &["check", "--output-format", "concise", "."]);
    let text = stdout(&out);
    assert!(text.contains("BP007"), "{text}");
    assert!(text.contains("Found 1 problem"), "{text}");
    assert_eq!(code(&out), 0, "{text}");
}

#[test]
fn warnings_still_fail_by_default() {
    let dir = project(&[("Dockerfile", INFO_AND_WARNING)]);
    let out = bakelint(dir.path(), &["check", "--output-format", "concise", "."]);
    let text = stdout(&out);
    assert!(text.contains("BP007") && text.contains("DF002"), "{text}");
    assert_eq!(code(&out), 1, "{text}");
}

#[test]
fn the_flag_moves_the_threshold_both_ways() {
    let info = project(&[("Dockerfile", INFO_ONLY)]);
    let out = bakelint(info.path(), &["check", "--fail-level", "info", "."]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    // hadolint's spelling is accepted too.
    let out = bakelint(info.path(), &["check", "--failure-threshold", "info", "."]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));

    let warning = project(&[("Dockerfile", INFO_AND_WARNING)]);
    let out = bakelint(warning.path(), &["check", "--fail-level", "error", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("DF002"));
    // `--exit-zero` wins over any level.
    let out = bakelint(
        warning.path(),
        &["check", "--fail-level", "style", "--exit-zero", "."],
    );
    assert_eq!(code(&out), 0);
}

#[test]
fn config_key_sets_the_level_and_the_flag_overrides_it() {
    let dir = project(&[
        ("Dockerfile", INFO_ONLY),
        ("bakelint.toml", "fail-level = \"info\"\n"),
    ]);
    assert_eq!(code(&bakelint(dir.path(), &["check", "."])), 1);
    let out = bakelint(dir.path(), &["check", "--fail-level", "warning", "."]);
    assert_eq!(code(&out), 0);
}

#[test]
fn a_severity_override_decides_which_side_a_rule_is_on() {
    let dir = project(&[
        ("Dockerfile", INFO_ONLY),
        ("bakelint.toml", "[severity]\nBP007 = \"warning\"\n"),
    ]);
    assert_eq!(code(&bakelint(dir.path(), &["check", "."])), 1);
    let dir = project(&[
        ("Dockerfile", INFO_AND_WARNING),
        ("bakelint.toml", "[severity]\nDF002 = \"info\"\n"),
    ]);
    assert_eq!(code(&bakelint(dir.path(), &["check", "."])), 0);
}

#[test]
fn bad_levels_are_usage_errors() {
    let dir = project(&[
        ("Dockerfile", INFO_ONLY),
        ("bakelint.toml", "fail-level = \"loud\"\n"),
    ]);
    let out = bakelint(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fail-level"));
    let dir = project(&[("Dockerfile", INFO_ONLY)]);
    let out = bakelint(dir.path(), &["check", "--fail-level", "loud", "."]);
    assert_eq!(code(&out), 2);
}

#[test]
fn remaining_findings_after_fix_use_the_same_level() {
    // `--fix --unsafe-fixes` adds the cache mount; the DF002 fix is safe.
    let dir = project(&[("Dockerfile", INFO_AND_WARNING)]);
    let out = bakelint(dir.path(), &["check", "--fix", "--unsafe-fixes", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // Only the info finding left unfixed: still exit 0 at the default level.
    let dir = project(&[("Dockerfile", INFO_AND_WARNING)]);
    let out = bakelint(dir.path(), &["check", "--fix", "."]);
    let text = stdout(&out);
    assert!(text.contains("BP007"), "{text}");
    assert_eq!(code(&out), 0, "{text}");
}
