//! Precision of the bake-side CI build-speed rules on patterns real
//! projects use: BP001 (sha-tag), BP008 (dockerignore), BP009
//! (multistage-consolidation), BP010 (prebaked-base). Each test is a little
//! project the previous behaviour got wrong (a finding where there is no
//! problem, or a claim the project contradicts), next to the case the rule
//! still reports.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::workspace;

mod common;
use common::{plan, project};

fn settings(code: &str, toml: &str) -> Settings {
    let cli = CliSelection {
        select: Some(vec![code.to_string()]),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), toml, &cli).expect("settings")
}

fn diagnostics(dir: &Path, code: &str, toml: &str) -> Vec<Diagnostic> {
    let out = workspace::lint(&plan(dir), &BTreeMap::new(), &settings(code, toml));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.diagnostics
}

/// One finding as (file relative to the project, message, the text it points at).
type Finding = (String, String, String);

fn findings_with(files: &[(&str, &str)], code: &str, toml: &str) -> Vec<Finding> {
    let dir = project(files);
    diagnostics(dir.path(), code, toml)
        .iter()
        .map(|d| {
            let path = if d.file.is_absolute() {
                d.file.clone()
            } else {
                dir.path().join(&d.file)
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let name = path
                .strip_prefix(dir.path())
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, d.message.clone(), d.span.slice(&text).to_string())
        })
        .collect()
}

fn findings(files: &[(&str, &str)], code: &str) -> Vec<Finding> {
    findings_with(files, code, "")
}

/// The text each finding points at.
fn spans(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|(_, _, s)| s.as_str()).collect()
}

// ---------------------------------------------------------------------------
// BP008 dockerignore

const ONE_TARGET: &str = "target \"default\" {\n  context = \".\"\n}\n";

#[test]
fn bp008_named_files_send_no_tree() {
    // BuildKit sends only the files a build names: no `.git`, no tree.
    let found = findings(
        &[
            ("docker-bake.hcl", ONE_TARGET),
            (
                "Dockerfile",
                "FROM alpine\nCOPY entrypoint.sh /entrypoint.sh\nCOPY go.mod go.sum ./\nCOPY package*.json ./\nCOPY app-*.jar /app.jar\nRUN --mount=type=bind,source=go.mod,target=go.mod true\n",
            ),
            ("entrypoint.sh", "#!/bin/sh\n"),
            ("go.mod", "module x\n"),
        ],
        "BP008",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn bp008_whole_context_directory_glob_and_bind_mount() {
    let whole = findings(
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("docker-bake.hcl", ONE_TARGET),
            (
                "Dockerfile",
                "FROM alpine\nCOPY go.mod ./\nCOPY src/ /src/\nCOPY ./ /app\n",
            ),
        ],
        "BP008",
    );
    assert_eq!(spans(&whole), vec!["./"], "{whole:?}");
    assert!(
        whole[0].1.ends_with(
            "has no .dockerignore: the whole tree, .git included, is sent to the builder"
        ),
        "{whole:?}"
    );

    let directory = findings(
        &[
            ("docker-bake.hcl", ONE_TARGET),
            ("Dockerfile", "FROM alpine\nCOPY go.mod ./\nCOPY src /src\n"),
            ("src/main.go", "package main\n"),
        ],
        "BP008",
    );
    assert_eq!(spans(&directory), vec!["src"], "{directory:?}");
    assert!(directory[0]
        .1
        .ends_with("everything under `src/` is sent to the builder"));

    let glob = findings(
        &[
            ("docker-bake.hcl", ONE_TARGET),
            ("Dockerfile", "FROM alpine\nCOPY conf/* /etc/app/\n"),
        ],
        "BP008",
    );
    assert_eq!(spans(&glob), vec!["conf/*"], "{glob:?}");

    let mount = findings(
        &[
            ("docker-bake.hcl", ONE_TARGET),
            (
                "Dockerfile",
                "FROM golang\nRUN --mount=type=cache,target=/root/.cache --mount=type=bind,target=. go build ./...\n",
            ),
        ],
        "BP008",
    );
    assert_eq!(
        spans(&mount),
        vec!["--mount=type=bind,target=."],
        "{mount:?}"
    );
}

#[test]
fn bp008_stand_alone_dockerfile_claims_no_context() {
    // No build definition: the context may be anywhere.
    let found = findings(&[("Dockerfile", "FROM alpine\nCOPY . .\n")], "BP008");
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn bp008_only_the_built_stages_count_and_onbuild_is_a_later_build() {
    let bake = "target \"default\" {\n  context = \".\"\n  target = \"app\"\n}\n";
    let found = findings(
        &[
            ("docker-bake.hcl", bake),
            (
                "Dockerfile",
                "FROM alpine AS dev\nCOPY . .\nFROM alpine AS app\nONBUILD COPY . /src\nCOPY app.sh /\n",
            ),
        ],
        "BP008",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn bp008_subdirectory_context_claims_no_git() {
    let bake = "target \"default\" {\n  context = \"svc\"\n}\n";
    let found = findings(
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("docker-bake.hcl", bake),
            ("svc/Dockerfile", "FROM alpine\nCOPY . .\n"),
        ],
        "BP008",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "svc/Dockerfile");
    assert!(
        found[0]
            .1
            .ends_with("svc\" has no .dockerignore: the whole tree is sent to the builder"),
        "{found:?}"
    );
}

#[test]
fn bp008_one_context_one_claim_for_every_dockerfile() {
    let bake = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\ntarget \"c\" {\n  dockerfile = \"c.Dockerfile\"\n}\n";
    let found = findings(
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("docker-bake.hcl", bake),
            ("a.Dockerfile", "FROM alpine\nCOPY . /app\n"),
            (
                "b.Dockerfile",
                "FROM alpine\nCOPY requirements.txt .\nCOPY . /app\n",
            ),
            ("c.Dockerfile", "FROM alpine\nCOPY requirements.txt .\n"),
            ("requirements.txt", "django\n"),
        ],
        "BP008",
    );
    let files: Vec<&str> = found.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(files, vec!["a.Dockerfile", "b.Dockerfile"], "{found:?}");
    assert_eq!(found[0].1, found[1].1);
    assert!(found[0]
        .1
        .ends_with(".git included, is sent to the builder"));
}

#[test]
fn bp008_fix_keeps_what_the_build_copies() {
    // A Python project that copies a wheel from dist/: the fix must not
    // ignore dist/.
    let dir = project(&[
        ("docker-bake.hcl", ONE_TARGET),
        (
            "Dockerfile",
            "FROM python:3.12\nCOPY dist/app.whl /tmp/\nCOPY . /src\n",
        ),
        ("pyproject.toml", "[project]\nname = \"x\"\n"),
    ]);
    let diags = diagnostics(dir.path(), "BP008", "");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let created: Vec<&str> = diags[0]
        .fix
        .iter()
        .flat_map(|f| f.edits.iter())
        .filter_map(|e| match e {
            bakelint::diagnostic::Edit::Create { content, .. } => Some(content.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        created,
        vec![".git\n__pycache__\n*.pyc\n.venv\n.pytest_cache\n.mypy_cache\n*.egg-info\n"]
    );
}
