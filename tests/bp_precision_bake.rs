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
            (
                "Dockerfile",
                "FROM node\nCOPY package.json ./\nCOPY src /src\n",
            ),
            ("package.json", "{}\n"),
            ("src/index.js", "\n"),
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
            ("Dockerfile", "FROM python\nCOPY conf/* /etc/app/\n"),
            ("pyproject.toml", "[project]\n"),
        ],
        "BP008",
    );
    assert_eq!(spans(&glob), vec!["conf/*"], "{glob:?}");

    let mount = findings(
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
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
            ("svc/Dockerfile", "FROM node\nCOPY . .\n"),
            ("svc/package.json", "{}\n"),
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
fn bp008_nothing_to_ignore_nothing_to_report() {
    // A context below the repository root holding no language tooling: the
    // .dockerignore the fix writes (`.git`) would exclude nothing sent.
    let bake = "target \"default\" {\n  context = \"svc\"\n}\n";
    let found = findings(
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("docker-bake.hcl", bake),
            (
                "svc/Dockerfile",
                "FROM rockylinux:9\nRUN --mount=type=bind,source=/,target=/dist rpm -i /dist/app.rpm\nCOPY configs/ /etc/app/\n",
            ),
            ("svc/configs/app.conf", "x=1\n"),
        ],
        "BP008",
    );
    assert!(found.is_empty(), "{found:?}");
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
    // One finding for the one context (one file to create), at the first
    // Dockerfile that sends it; b.Dockerfile is a related location.
    let files: Vec<&str> = found.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(files, vec!["a.Dockerfile"], "{found:?}");
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
    // Applied, the file is written and the finding is gone; a second run changes nothing.
    let fix = ["check", "--fix", "--unsafe-fixes", "--select", "BP008", "."];
    common::cli::bakelint(dir.path(), &fix);
    let written = std::fs::read_to_string(dir.path().join(".dockerignore")).expect(".dockerignore");
    assert_eq!(written, created[0]);
    assert!(diagnostics(dir.path(), "BP008", "").is_empty());
    let again = common::cli::bakelint(dir.path(), &fix);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        common::cli::stdout(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".dockerignore")).ok(),
        Some(written)
    );
}

// ---------------------------------------------------------------------------
// BP001 sha-tag

#[test]
fn bp001_tags_written_by_the_metadata_action_are_not_the_projects() {
    // docker/metadata-action generates the tags of `docker-metadata-action`
    // and the bake-action loads them over this file.
    let hcl = r#"target "docker-metadata-action" {
  tags = ["acme/diun:edge"]
}
target "meta-helper" {
  tags = ["acme/tool:test"]
}
target "image" {
  inherits = ["docker-metadata-action"]
}
target "image-all" {
  inherits = ["image"]
  platforms = ["linux/amd64", "linux/arm64"]
}
target "tool" {
  inherits = ["meta-helper"]
}
target "own" {
  inherits = ["docker-metadata-action"]
  tags = ["acme/own:latest"]
}
"#;
    let found = findings(&[("docker-bake.hcl", hcl)], "BP001");
    assert_eq!(
        found.iter().map(|(_, m, _)| m.as_str()).collect::<Vec<_>>(),
        vec!["target \"own\": no tag carries the commit SHA"]
    );
    // The names are an option.
    let found = findings_with(
        &[("docker-bake.hcl", hcl)],
        "BP001",
        "[rules.sha-tag]\nci-tag-targets = [\"meta-helper\"]\n",
    );
    assert_eq!(
        found.iter().map(|(_, m, _)| m.as_str()).collect::<Vec<_>>(),
        vec![
            "target \"image-all\": no tag carries the commit SHA (tags inherited from \"docker-metadata-action\")",
            "target \"own\": no tag carries the commit SHA",
        ]
    );
}

#[test]
fn bp001_local_names_are_never_pushed() {
    let hcl = r#"target "baser" {
  tags = ["mtc:baser"]
}
target "registry" {
  tags = ["localhost:5000/name/app:latest"]
}
target "local" {
  tags = ["acme/app:local"]
}
target "pushed" {
  tags = ["mtc:runner", "ghcr.io/acme/runner:latest"]
}
"#;
    let found = findings(&[("docker-bake.hcl", hcl)], "BP001");
    assert_eq!(
        found.iter().map(|(_, m, _)| m.as_str()).collect::<Vec<_>>(),
        vec!["target \"pushed\": no tag carries the commit SHA"]
    );
}

#[test]
fn bp001_outputs_that_push_nothing() {
    let target = |name: &str, output: &str| {
        format!("target \"{name}\" {{\n  tags = [\"ghcr.io/acme/{name}:latest\"]\n  output = [{output}]\n}}\n")
    };
    let hcl = [
        target("oci", "\"type=oci,dest=out.tar\""),
        target("image", "\"type=image\""),
        target("docker", "\"type=docker\""),
        target("cache", "\"type=cacheonly\""),
        target("files", "\"./bin\""),
        target("tar", "\"type=tar,dest=out.tar\""),
        target("pushed-image", "\"type=image,push=true\""),
        target("registry", "\"type=registry\""),
    ]
    .concat();
    let found = findings(&[("docker-bake.hcl", &hcl)], "BP001");
    assert_eq!(
        found.iter().map(|(_, m, _)| m.as_str()).collect::<Vec<_>>(),
        vec![
            "target \"pushed-image\": no tag carries the commit SHA",
            "target \"registry\": no tag carries the commit SHA",
        ]
    );
}

#[test]
fn bp001_demo_and_test_bake_files() {
    let hcl = "target \"image\" {\n  tags = [\"ghcr.io/acme/app:latest\"]\n}\n";
    let found = findings(
        &[
            ("test/go/docker-bake.hcl", hcl),
            ("examples/docker-bake.hcl", hcl),
        ],
        "BP001",
    );
    assert!(found.is_empty(), "{found:?}");
    let found = findings(&[("deploy/docker-bake.hcl", hcl)], "BP001");
    assert_eq!(found.len(), 1, "{found:?}");
    // Linting the example project itself finds its problems.
    let dir = project(&[("examples/shop/deploy/docker-bake.hcl", hcl)]);
    let diags = diagnostics(&dir.path().join("examples/shop"), "BP001", "");
    assert_eq!(diags.len(), 1, "{diags:?}");
}

#[test]
fn bp001_sha_variables_of_any_usual_spelling() {
    for name in [
        "git_sha",
        "IMAGE_SHA_TAG",
        "COMMIT",
        "REVISION",
        "CI_COMMIT_SHORT_SHA",
        "gitRev",
    ] {
        let hcl = format!(
            "variable \"{name}\" {{\n  default = \"dev\"\n}}\ntarget \"app\" {{\n  tags = [\"ghcr.io/acme/app:latest\", \"ghcr.io/acme/app:${{{name}}}\"]\n}}\n"
        );
        let found = findings(&[("docker-bake.hcl", &hcl)], "BP001");
        assert!(found.is_empty(), "{name}: {found:?}");
    }
    // A variable that only looks alike does not count; the fix reuses a
    // declared commit variable.
    let hcl = "variable \"COMMIT_MESSAGE\" {\n  default = \"wip\"\n}\nvariable \"REVISION\" {\n  default = \"dev\"\n}\ntarget \"app\" {\n  tags = [\"ghcr.io/acme/app:${COMMIT_MESSAGE}\"]\n}\n";
    let dir = project(&[("docker-bake.hcl", hcl)]);
    let diags = diagnostics(dir.path(), "BP001", "");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let fix = diags[0].fix.as_ref().expect("fix");
    assert_eq!(
        fix.message,
        "add the tag(s) \"ghcr.io/acme/app:${REVISION}\""
    );
}

// ---------------------------------------------------------------------------
// BP010 prebaked-base

const APT_FIVE: &str =
    "RUN apt-get update && apt-get install -y build-essential libpq-dev gettext curl git\n";

#[test]
fn bp010_official_and_packaging_images_are_the_base_already() {
    // An official image: nothing from the context.
    let official = format!("FROM debian:bookworm-slim\n{APT_FIVE}CMD [\"bash\"]\n");
    // A packaging image: an entrypoint and a config, named.
    let packaging = format!(
        "FROM debian:bookworm-slim\n{APT_FIVE}COPY docker-entrypoint.sh /usr/local/bin/\nCOPY ../../jenkins-agent /usr/local/bin/\nCOPY nginx.conf /etc/nginx/\nENTRYPOINT [\"docker-entrypoint.sh\"]\n"
    );
    // Configuration trees copied into system directories.
    let config_tree = format!(
        "FROM ubuntu:22.04\n{APT_FIVE}COPY rootfs /\nCOPY s6/ /etc\nCOPY scripts/ /usr/local/bin/\n"
    );
    for df in [official, packaging, config_tree] {
        let found = findings(&[("Dockerfile", &df)], "BP010");
        assert!(found.is_empty(), "{df}: {found:?}");
        let found = findings(
            &[("docker-bake.hcl", ONE_TARGET), ("Dockerfile", &df)],
            "BP010",
        );
        assert!(found.is_empty(), "{df}: {found:?}");
    }
}

#[test]
fn bp010_application_build_after_the_install() {
    let app = format!("FROM python:3.12-slim\n{APT_FIVE}WORKDIR /app\nCOPY . /app\n");
    let found = findings(&[("Dockerfile", &app)], "BP010");
    assert_eq!(
        spans(&found),
        vec!["build-essential libpq-dev gettext curl git"]
    );
    // In a stage built on the install stage, named through a build arg.
    let derived = format!(
        "ARG VARIANT=alpine\nFROM golang:1.22 AS base-alpine\n{APT_FIVE}FROM base-${{VARIANT}} AS build\nRUN --mount=type=bind,target=. go build ./...\n"
    );
    let found = findings(
        &[("docker-bake.hcl", ONE_TARGET), ("Dockerfile", &derived)],
        "BP010",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    // A broad copy in an unrelated stage is not this stage's application.
    let unrelated = format!(
        "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nFROM debian:bookworm-slim\n{APT_FIVE}COPY --from=build /app /app\n"
    );
    let found = findings(&[("Dockerfile", &unrelated)], "BP010");
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn bp010_only_literal_package_names_count() {
    let df = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y $runDeps ${BUILD_DEPS} $(cat pkgs.txt) curl git\nCOPY . /src\n";
    let found = findings(&[("Dockerfile", df)], "BP010");
    assert!(found.is_empty(), "{found:?}");
    let found = findings_with(
        &[("Dockerfile", df)],
        "BP010",
        "[rules.prebaked-base]\nmin-packages = 2\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("installs 2 OS packages (curl, git)"),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------
// BP009 multistage-consolidation

#[test]
fn bp009_a_shared_prefix_that_builds_no_layer_is_not_reported() {
    let bake = "target \"api\" {\n  dockerfile = \"api.Dockerfile\"\n}\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n";
    let config_only = [
        ("docker-bake.hcl", bake),
        (
            "api.Dockerfile",
            "FROM python:3.12-slim\nARG APP=api\nSHELL [\"/bin/bash\", \"-c\"]\nENV PYTHONUNBUFFERED=1\nLABEL org.opencontainers.image.vendor=acme\nRUN pip install api\n",
        ),
        (
            "worker.Dockerfile",
            "FROM python:3.12-slim\nARG APP=api\nSHELL [\"/bin/bash\", \"-c\"]\nENV PYTHONUNBUFFERED=1\nLABEL org.opencontainers.image.vendor=acme\nRUN pip install worker\n",
        ),
    ];
    let found = findings(&config_only, "BP009");
    assert!(found.is_empty(), "{found:?}");

    let with_layer = [
        ("docker-bake.hcl", bake),
        (
            "api.Dockerfile",
            "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nRUN apt-get update && apt-get install -y libpq-dev\nRUN pip install api\n",
        ),
        (
            "worker.Dockerfile",
            "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nRUN apt-get update && apt-get install -y libpq-dev\nRUN pip install worker\n",
        ),
    ];
    let found = findings(&with_layer, "BP009");
    assert_eq!(found.len(), 1, "{found:?}");
}

// ---------------------------------------------------------------------------
// BP006 alpine-postgres (reviewed)

#[test]
fn bp006_a_stage_no_bake_target_builds_is_pulled_by_no_job() {
    let df = "FROM alpine AS base\nRUN true\nFROM base AS app\nRUN true\nFROM base AS worker\nRUN true\nFROM postgres:9.5 AS db\nCOPY --from=app /schema.sql /docker-entrypoint-initdb.d/\n";
    let bake =
        "target \"app\" {\n  target = \"app\"\n}\ntarget \"worker\" {\n  target = \"worker\"\n}\n";
    let found = findings(&[("docker-bake.hcl", bake), ("Dockerfile", df)], "BP006");
    assert!(found.is_empty(), "{found:?}");
    // A target that builds the stage: reported, whichever target comes last.
    let bake = "target \"db\" {\n  target = \"db\"\n}\ntarget \"app\" {\n  target = \"app\"\n}\n";
    let found = findings(&[("docker-bake.hcl", bake), ("Dockerfile", df)], "BP006");
    assert_eq!(spans(&found), vec!["postgres:9.5"], "{found:?}");
}

#[test]
fn bp001_a_tag_ci_must_supply_may_be_the_sha() {
    // `VERSION=${{ github.ref_name }} docker buildx bake --push`: the tag
    // comes from CI (no default, or an empty one), a moving `latest` does not.
    let hcl = r#"variable "REPO" {
  default = "acme"
}
variable "VERSION" {
}
variable "TAG" {
  default = ""
}
variable "CHANNEL" {
  default = "latest"
}
target "released" {
  tags = ["${REPO}/app:latest", "${REPO}/app:${VERSION}"]
}
target "tagged" {
  tags = ["docker.io/${REPO}/docs:${TAG}"]
}
target "moving" {
  tags = ["${REPO}/web:${CHANNEL}"]
}
target "registry-from-ci" {
  tags = ["${TAG}acme/api:latest"]
}
"#;
    let found = findings(&[("docker-bake.hcl", hcl)], "BP001");
    assert_eq!(
        found.iter().map(|(_, m, _)| m.as_str()).collect::<Vec<_>>(),
        vec![
            "target \"moving\": no tag carries the commit SHA",
            "target \"registry-from-ci\": no tag carries the commit SHA",
        ]
    );
}
