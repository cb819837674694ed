//! The CI build-speed rules BP004 `chromium-skip-arg`, BP005
//! `test-image-chromium` and BP007 `cache-mount` on whole temp projects:
//! bake definitions with the Dockerfiles they build, options from
//! `bakelint.toml`, fixes through the fix engine (unsafe ones included),
//! convergence of a second `--fix --unsafe-fixes`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::rules::docs::examples;
use bakelint::rules::{RuleDef, RULES};
use bakelint::workspace;

mod common;
use common::{plan, project};

fn settings(select: &[&str], toml: &str) -> Settings {
    let cli = CliSelection {
        select: Some(select.iter().map(|s| s.to_string()).collect()),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), toml, &cli).expect("settings")
}

fn lint_with(dir: &Path, settings: &Settings) -> Vec<Diagnostic> {
    let out = workspace::lint(&plan(dir), &BTreeMap::new(), settings);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.diagnostics
}

fn lint(dir: &Path, select: &[&str]) -> Vec<Diagnostic> {
    lint_with(dir, &settings(select, ""))
}

/// What the diagnostics point at: (code, file name, text).
fn findings(dir: &Path, diags: &[Diagnostic]) -> Vec<(&'static str, String, String)> {
    diags
        .iter()
        .map(|d| {
            let path = if d.file.is_absolute() {
                d.file.clone()
            } else {
                dir.join(&d.file)
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            (
                d.code,
                d.file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                d.span.slice(&text).to_string(),
            )
        })
        .collect()
}

/// `--fix --unsafe-fixes`: the fixed files (relative name → text), after
/// checking that a second run changes nothing and that nothing failed.
fn fix(dir: &Path, settings: &Settings) -> BTreeMap<String, String> {
    let plan = plan(dir);
    let mode = FixMode { unsafe_fixes: true };
    let lint =
        |files: &BTreeMap<PathBuf, String>| workspace::lint(&plan, files, settings).diagnostics;
    let initial = lint(&BTreeMap::new());
    let res = fix_all(initial, mode, &DiskSource, &lint);
    assert!(res.failures.is_empty(), "{:?}", res.failures);
    let again = lint(&res.contents);
    let res2 = fix_all(again, mode, &DiskSource, &|f: &BTreeMap<
        PathBuf,
        String,
    >| {
        let mut merged = res.contents.clone();
        merged.extend(f.clone());
        lint(&merged)
    });
    assert!(
        !res2
            .changed()
            .any(|(p, _, new)| res.contents.get(p) != Some(new)),
        "a second --fix still changes files"
    );
    res.contents
        .iter()
        .map(|(p, t)| {
            (
                p.strip_prefix(dir)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned(),
                t.clone(),
            )
        })
        .collect()
}

/// The rule_docs check for this branch's rules: failing example fires,
/// fixed one does not, the fix turns one into the other and converges.
fn check_doc(rule: &'static RuleDef) {
    let (bad, good) = examples(rule.doc);
    assert!(
        !bad.files.is_empty() && !good.files.is_empty(),
        "{}",
        rule.code
    );
    let files = |e: &bakelint::rules::docs::DocExample| -> Vec<(String, String)> {
        e.files
            .iter()
            .map(|f| (f.path.clone(), f.content.clone()))
            .collect()
    };
    let bad_files = files(&bad);
    let bad_refs: Vec<(&str, &str)> = bad_files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let dir = project(&bad_refs);
    let diags = lint(dir.path(), &[rule.code]);
    assert!(
        diags.iter().any(|d| d.code == rule.code),
        "{}: failing example does not fire",
        rule.code
    );
    let good_files = files(&good);
    let good_refs: Vec<(&str, &str)> = good_files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let good_dir = project(&good_refs);
    let after = lint(good_dir.path(), &[rule.code]);
    assert!(
        after.iter().all(|d| d.code != rule.code),
        "{}: fixed example fires: {after:?}",
        rule.code
    );
    let fixed = fix(dir.path(), &settings(&[rule.code], ""));
    for (path, content) in &good_files {
        let got = fixed
            .get(path)
            .cloned()
            .unwrap_or_else(|| std::fs::read_to_string(dir.path().join(path)).unwrap_or_default());
        assert_eq!(&got, content, "{}: fixing gives {path}", rule.code);
    }
}

fn rule(code: &str) -> &'static RuleDef {
    RULES
        .iter()
        .copied()
        .find(|r| r.code == code)
        .expect("rule")
}

#[test]
fn doc_examples_hold() {
    for code in ["BP004", "BP005", "BP007"] {
        check_doc(rule(code));
    }
}

const GUARDED_DOCKERFILE: &str = "FROM node:20 AS base\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n\nFROM base AS test\nRUN npm test\n\nFROM node:20 AS lint\nRUN npm run lint\n";

#[test]
fn bp005_fires_on_test_targets_and_points_at_args() {
    let bake = "target \"unit-test\" {\n  target = \"test\"\n  args = { NODE_ENV = \"test\" }\n}\n\ntarget \"app\" {\n  target = \"base\"\n}\n\ntarget \"lint\" {\n  target = \"lint\"\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(
        findings(dir.path(), &diags),
        vec![("BP005", "docker-bake.hcl".to_string(), "args".to_string())]
    );
    assert!(
        diags[0]
            .message
            == "test target `unit-test` builds `chromium` (stage `base` of Dockerfile) but does not pass `SKIP_CHROMIUM = \"true\"`",
        "{}",
        diags[0].message
    );
    assert!(diags[0]
        .message
        .ends_with("but does not pass `SKIP_CHROMIUM = \"true\"`"));
    assert_eq!(diags[0].labels.len(), 1);
    let fixed = fix(dir.path(), &settings(&["BP005"], ""));
    assert_eq!(
        fixed.get("docker-bake.hcl").map(String::as_str),
        Some("target \"unit-test\" {\n  target = \"test\"\n  args = { NODE_ENV = \"test\", SKIP_CHROMIUM = \"true\" }\n}\n\ntarget \"app\" {\n  target = \"base\"\n}\n\ntarget \"lint\" {\n  target = \"lint\"\n}\n")
    );
}

#[test]
fn bp005_creates_args_and_replaces_wrong_values() {
    let bake = "target \"test\" {\n  target = \"test\"\n}\n\ntarget \"ci\" {\n  target = \"base\"\n  args = {\n    SKIP_CHROMIUM = \"false\"\n  }\n}\n\ntarget \"check-empty\" {}\n";
    let dockerfile = GUARDED_DOCKERFILE
        .split("\nFROM node:20 AS lint")
        .next()
        .unwrap_or_default();
    let dir = project(&[("Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let diags = lint(dir.path(), &["BP005"]);
    let mut found = findings(dir.path(), &diags);
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "BP005",
                "docker-bake.hcl".to_string(),
                "\"check-empty\"".to_string()
            ),
            (
                "BP005",
                "docker-bake.hcl".to_string(),
                "\"false\"".to_string()
            ),
            (
                "BP005",
                "docker-bake.hcl".to_string(),
                "\"test\"".to_string()
            ),
        ]
    );
    let fixed = fix(dir.path(), &settings(&["BP005"], ""));
    assert_eq!(
        fixed.get("docker-bake.hcl").map(String::as_str),
        Some("target \"test\" {\n  target = \"test\"\n  args   = { SKIP_CHROMIUM = \"true\" }\n}\n\ntarget \"ci\" {\n  target = \"base\"\n  args = {\n    SKIP_CHROMIUM = \"true\"\n  }\n}\n\ntarget \"check-empty\" {\n  args = { SKIP_CHROMIUM = \"true\" }\n}\n")
    );
}

#[test]
fn bp005_groups_options_and_non_test_targets() {
    let bake = "group \"checks\" {\n  targets = [\"web\"]\n}\n\ngroup \"release\" {\n  targets = [\"app\"]\n}\n\ntarget \"web\" {\n  target = \"test\"\n}\n\ntarget \"app\" {\n  target = \"base\"\n}\n\ntarget \"api-test\" {\n  target = \"base\"\n  args = { SKIP_CHROMIUM = \"true\" }\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]
        .message
        .starts_with("target `web` (in test group `checks`) builds `chromium`"));

    // Browser test targets are left alone with the default patterns...
    let e2e = "target \"e2e-test\" {\n  target = \"test\"\n}\ntarget \"playwright-ci\" {\n  target = \"test\"\n}\n";
    let e2e_dir = project(&[("Dockerfile", GUARDED_DOCKERFILE), ("docker-bake.hcl", e2e)]);
    assert!(lint(e2e_dir.path(), &["BP005"]).is_empty());
    // ...but checked when the option names them.
    let s = settings(
        &["BP005"],
        "[rules.test-image-chromium]\ntest-targets = [\"e2e-*\"]\n",
    );
    assert_eq!(lint_with(e2e_dir.path(), &s).len(), 1);

    // The option replaces the defaults: now only `app` (via `release`) is a test target.
    let s = settings(
        &["BP005"],
        "[rules.test-image-chromium]\ntest-targets = [\"release\"]\n",
    );
    let diags = lint_with(dir.path(), &s);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]
        .message
        .starts_with("target `app` (in test group `release`)"));

    // Another arg name.
    let s = settings(
        &["BP005"],
        "[rules.test-image-chromium]\narg = \"NO_BROWSER\"\n",
    );
    let diags = lint_with(dir.path(), &s);
    assert!(diags
        .iter()
        .all(|d| d.message.contains("`NO_BROWSER = \"true\"`")));
    assert_eq!(diags.len(), 2);
}

#[test]
fn bp005_stage_dependencies() {
    // `lint` does not build the browser stage; `bundle` copies from it.
    let dockerfile = "FROM debian AS browser\nRUN apt-get install -y chromium\n\nFROM node AS lint\nRUN npm run lint\n\nFROM node AS bundle\nCOPY --from=browser /usr/lib/chromium /opt/chromium\n";
    let bake = "target \"lint-ci\" {\n  target = \"lint\"\n}\n\ntarget \"bundle-ci\" {\n  target = \"bundle\"\n}\n";
    let dir = project(&[("Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.contains("`bundle-ci`"));
    assert!(diags[0]
        .help
        .as_deref()
        .is_some_and(|h| h.contains("BP004")));
}

#[test]
fn bp005_inherited_args_and_multiline_objects() {
    let bake = "target \"_common\" {\n  args = {\n    NODE_VERSION = \"20\"\n  }\n}\n\ntarget \"api-test\" {\n  inherits = [\"_common\"]\n  target = \"test\"\n}\n\ntarget \"web-test\" {\n  target = \"test\"\n  args = {\n    A           = \"1\",\n    NODE_ENV    = \"test\",\n  }\n}\n\ntarget \"fn-test\" {\n  target = \"test\"\n  args = merge({ A = \"1\" }, {})\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 3, "{diags:?}");
    let fn_test = diags.iter().find(|d| d.message.contains("`fn-test`"));
    assert!(fn_test.is_some_and(|d| d.fix.is_none()));
    let fixed = fix(dir.path(), &settings(&["BP005"], ""));
    assert_eq!(
        fixed.get("docker-bake.hcl").map(String::as_str),
        Some("target \"_common\" {\n  args = {\n    NODE_VERSION = \"20\"\n  }\n}\n\ntarget \"api-test\" {\n  inherits = [\"_common\"]\n  target = \"test\"\n  args   = { SKIP_CHROMIUM = \"true\" }\n}\n\ntarget \"web-test\" {\n  target = \"test\"\n  args = {\n    A           = \"1\",\n    NODE_ENV    = \"test\",\n    SKIP_CHROMIUM = \"true\",\n  }\n}\n\ntarget \"fn-test\" {\n  target = \"test\"\n  args = merge({ A = \"1\" }, {})\n}\n")
    );
    // The inherited SKIP_CHROMIUM counts.
    let bake = "target \"_common\" {\n  args = { SKIP_CHROMIUM = \"true\" }\n}\ntarget \"api-test\" {\n  inherits = [\"_common\"]\n  target = \"test\"\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    assert!(lint(dir.path(), &["BP005"]).is_empty());
}

#[test]
fn bp005_contexts_and_bool_args() {
    let bake = "target \"api-test\" {\n  context = \"api\"\n  dockerfile = \"docker/Dockerfile\"\n  target = \"test\"\n}\n\ntarget \"web-test\" {\n  context = \"api\"\n  dockerfile = \"docker/Dockerfile\"\n  target = \"test\"\n  args = { SKIP_CHROMIUM = true }\n}\n";
    let dir = project(&[
        ("api/docker/Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]
            .message
            .contains("(stage `base` of api/docker/Dockerfile)"),
        "{}",
        diags[0].message
    );
    let label = &diags[0].labels[0];
    let label_file = label.file.clone().unwrap_or_default();
    let text = std::fs::read_to_string(&label_file).unwrap_or_default();
    assert_eq!(label.span.slice(&text), "chromium");
}

#[test]
fn bp005_fixes_a_parent_test_target_once() {
    let bake = "target \"tester\" {\n\ttarget   = \"test\"\n}\n\ntarget \"unit-test\" {\n\tinherits = [\"tester\"]\n\targs = {\n\t\tTEST_ARGS = \"-short\"\n\t}\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 2, "{diags:?}");
    let child = diags.iter().find(|d| d.message.contains("`unit-test`"));
    assert!(child.is_some_and(|d| d.fix.is_none()
        && d.help
            .as_deref()
            .is_some_and(|h| h.contains("fixing `tester`"))));
    let fixed = fix(dir.path(), &settings(&["BP005"], ""));
    assert_eq!(
        fixed.get("docker-bake.hcl").map(String::as_str),
        Some("target \"tester\" {\n\ttarget   = \"test\"\n\targs     = { SKIP_CHROMIUM = \"true\" }\n}\n\ntarget \"unit-test\" {\n\tinherits = [\"tester\"]\n\targs = {\n\t\tTEST_ARGS = \"-short\"\n\t}\n}\n")
    );
}

#[test]
fn bp005_json_bake_file_is_reported_without_fix() {
    let bake =
        "{\n  \"target\": {\n    \"unit-test\": {\n      \"target\": \"test\"\n    }\n  }\n}\n";
    let dir = project(&[
        ("Dockerfile", GUARDED_DOCKERFILE),
        ("docker-bake.json", bake),
    ]);
    let diags = lint(dir.path(), &["BP005"]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].fix.is_none());
}

#[test]
fn bp004_and_bp005_fix_together() {
    let dockerfile = "FROM node:20 AS base\nRUN apt-get update \\\n && apt-get install -y \\\n      git \\\n      chromium \\\n && rm -rf /var/lib/apt/lists/*\n\nFROM base AS test\nRUN npm test\n";
    let bake = "target \"test\" {\n  target = \"test\"\n}\n";
    let dir = project(&[("Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let s = settings(&["BP004", "BP005"], "");
    let diags = lint_with(dir.path(), &s);
    let mut found = findings(dir.path(), &diags);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("BP004", "Dockerfile".to_string(), "chromium".to_string()),
            (
                "BP005",
                "docker-bake.hcl".to_string(),
                "\"test\"".to_string()
            ),
        ]
    );
    let fixed = fix(dir.path(), &s);
    assert_eq!(
        fixed.get("Dockerfile").map(String::as_str),
        Some("FROM node:20 AS base\nARG SKIP_CHROMIUM=false\nRUN apt-get update \\\n && apt-get install -y \\\n      git \\\n && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi \\\n && rm -rf /var/lib/apt/lists/*\n\nFROM base AS test\nRUN npm test\n")
    );
    assert_eq!(
        fixed.get("docker-bake.hcl").map(String::as_str),
        Some(
            "target \"test\" {\n  target = \"test\"\n  args   = { SKIP_CHROMIUM = \"true\" }\n}\n"
        )
    );
}

#[test]
fn bp004_option_from_config() {
    let dockerfile = "FROM debian\nARG NO_BROWSER=false\nRUN if [ \"$NO_BROWSER\" != \"true\" ]; then apt-get install -y chromium; fi\n";
    let dir = project(&[("Dockerfile", dockerfile)]);
    assert_eq!(lint(dir.path(), &["BP004"]).len(), 1);
    let s = settings(
        &["BP004"],
        "[rules.chromium-skip-arg]\narg = \"NO_BROWSER\"\n",
    );
    assert!(lint_with(dir.path(), &s).is_empty());
}

#[test]
fn bp007_fixes_converge_with_crlf_and_heredocs() {
    let dockerfile = "FROM python:3.12\r\nRUN pip install --no-cache-dir -r requirements.txt \\\r\n && npm ci\r\nRUN <<EOF\r\ngo mod download\r\nEOF\r\nRUN apt-get update && apt-get install -y curl\r\n";
    let dir = project(&[("Dockerfile", dockerfile)]);
    let diags = lint(dir.path(), &["BP007"]);
    let found: Vec<String> = findings(dir.path(), &diags)
        .into_iter()
        .map(|(_, _, t)| t)
        .collect();
    assert_eq!(
        found,
        vec![
            "pip install",
            "npm ci",
            "go mod download",
            "apt-get install"
        ]
    );
    let fixed = fix(dir.path(), &settings(&["BP007"], ""));
    assert_eq!(
        fixed.get("Dockerfile").map(String::as_str),
        Some("FROM python:3.12\r\nRUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt \\\r\n && npm ci\r\nRUN --mount=type=cache,target=/root/go/pkg/mod <<EOF\r\ngo mod download\r\nEOF\r\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache && apt-get update && apt-get install -y curl\r\n")
    );
}

#[test]
fn odd_projects_do_not_panic() {
    let cases: &[&[(&str, &str)]] = &[
        &[("Dockerfile", "FROM\nRUN apt-get install chromium \\\n"), ("docker-bake.hcl", "target \"test\" {}\n")],
        &[("Dockerfile", "RUN pip install x\n"), ("docker-bake.hcl", "target \"test\" {\n  target = \"nope\"\n}\n")],
        &[("Dockerfile", "FROM a AS a\nFROM a AS b\nCOPY --from=b / /\nRUN apt-get install chromium\n"), ("docker-bake.hcl", "target \"ci\" {\n  target = \"b\"\n  args = {\n  }\n}\n")],
        &[("Dockerfile", "FROM x\nRUN <<EOF\nnpm i puppeteer\n"), ("docker-bake.hcl", "target \"test\" { dockerfile = \"Dockerfile\" }\n")],
        &[("docker-bake.hcl", "target \"test\" {\n  dockerfile-inline = \"FROM x\\nRUN apt-get install chromium\"\n}\n")],
    ];
    for files in cases {
        let dir = project(files);
        let s = settings(&["BP004", "BP005", "BP007"], "");
        let _ = workspace::lint(&plan(dir.path()), &BTreeMap::new(), &s);
        let plan = plan(dir.path());
        let lint = |f: &BTreeMap<PathBuf, String>| workspace::lint(&plan, f, &s).diagnostics;
        let _ = fix_all(
            lint(&BTreeMap::new()),
            FixMode { unsafe_fixes: true },
            &DiskSource,
            &lint,
        );
    }
}
