//! Precision of the bake rules on the patterns real projects use: what
//! bakelint must stay quiet about (a shared parent's build args, variants of
//! one image never built together, tags completed by CI variables) and what
//! it must still report, linted as `bakelint check DIR` does.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::workspace;

mod common;
use common::{plan, project};

fn lint(dir: &Path, code: &str) -> Vec<Diagnostic> {
    let cli = CliSelection {
        select: Some(vec![code.to_string()]),
        ..CliSelection::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
    workspace::lint(&plan(dir), &BTreeMap::new(), &settings)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

/// The source text each finding covers.
fn covered(dir: &Path, diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let path = if d.file.is_absolute() {
                d.file.clone()
            } else {
                dir.join(&d.file)
            };
            let text = std::fs::read_to_string(path).unwrap_or_default();
            d.span.slice(&text).to_string()
        })
        .collect()
}

/// The layout of many Go projects: `_common` passes GIT_REF and GO_VERSION
/// to every target, and only the stages that stamp a version declare
/// GIT_REF.
const GO_PROJECT_BAKE: &str = r#"variable "GO_VERSION" {
  default = "1.22"
}
variable "GITHUB_REF" {
  default = ""
}
target "_common" {
  args = {
    GO_VERSION = GO_VERSION
    GIT_REF = GITHUB_REF
    GO_VERSON = GO_VERSION
  }
}
group "default" {
  targets = ["image-local"]
}
group "validate" {
  targets = ["lint", "vendor-validate"]
}
target "docker-metadata-action" {
  tags = ["app:local"]
}
target "image" {
  inherits = ["_common", "docker-metadata-action"]
}
target "image-local" {
  inherits = ["image"]
  output = ["type=docker"]
}
target "image-all" {
  inherits = ["image"]
  platforms = ["linux/amd64", "linux/arm64"]
}
target "lint" {
  inherits = ["_common"]
  target = "lint"
  output = ["type=cacheonly"]
}
target "vendor-validate" {
  inherits = ["_common"]
  target = "vendor-validate"
  output = ["type=cacheonly"]
}
"#;

const GO_PROJECT_DOCKERFILE: &str = "ARG GO_VERSION\n\
FROM golang:${GO_VERSION}-alpine AS base\n\
FROM base AS lint\nRUN go vet ./...\n\
FROM base AS vendor-validate\nRUN go mod verify\n\
FROM base AS build\nARG GIT_REF\nRUN go build -ldflags \"-X main.version=${GIT_REF}\" -o /app .\n\
FROM alpine:3.20\nCOPY --from=build /app /app\n";

#[test]
fn bk005_judges_a_shared_parent_arg_by_all_its_receivers() {
    let dir = project(&[
        ("docker-bake.hcl", GO_PROJECT_BAKE),
        ("Dockerfile", GO_PROJECT_DOCKERFILE),
    ]);
    let diags = lint(dir.path(), "BK005");
    // GIT_REF reaches `lint` and `vendor-validate`, which never declare it,
    // but the image targets do: quiet. GO_VERSON is declared by no stage
    // any receiving target builds: reported once, with the near miss.
    assert_eq!(covered(dir.path(), &diags), ["GO_VERSON"], "{diags:#?}");
    assert!(
        diags[0].message.contains("did you mean `GO_VERSION`?"),
        "{}",
        diags[0].message
    );
    assert!(diags[0]
        .message
        .contains("targets `image-local`, `image-all`, `lint`, `vendor-validate` build"));
}

#[test]
fn bk008_ignores_variants_never_built_together() {
    let dir = project(&[
        ("docker-bake.hcl", GO_PROJECT_BAKE),
        ("Dockerfile", GO_PROJECT_DOCKERFILE),
    ]);
    // `image-local` and `image-all` share `app:local`, but `default` builds
    // only `image-local` and no group builds both.
    assert!(lint(dir.path(), "BK008").is_empty());
    // A `release` group that builds both makes the tag collide.
    let bake = format!(
        "{GO_PROJECT_BAKE}group \"release\" {{\n  targets = [\"default\", \"image-all\"]\n}}\n"
    );
    let dir = project(&[
        ("docker-bake.hcl", &bake),
        ("Dockerfile", GO_PROJECT_DOCKERFILE),
    ]);
    let diags = lint(dir.path(), "BK008");
    assert_eq!(covered(dir.path(), &diags), ["\"app:local\""], "{diags:#?}");
    assert_eq!(
        diags[0].message,
        "tag `app:local` is produced by targets `image-local` and `image-all`, which `docker buildx bake release` builds together"
    );
}

#[test]
fn bk008_counts_targets_a_target_context_builds() {
    let bake = r#"group "default" {
  targets = ["app"]
}
target "base" {
  dockerfile = "base.Dockerfile"
  tags = ["example/app:latest"]
}
target "app" {
  contexts = {
    base = "target:base"
  }
  tags = ["example/app:latest"]
}
"#;
    let dir = project(&[
        ("docker-bake.hcl", bake),
        ("Dockerfile", "FROM base\n"),
        ("base.Dockerfile", "FROM alpine\n"),
    ]);
    let diags = lint(dir.path(), "BK008");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0]
        .message
        .contains("`docker buildx bake` builds together"));
}

#[test]
fn bk007_leaves_values_completed_by_ci_variables_alone() {
    let bake = r#"variable "VERSION" {}
variable "TAG" {
  default = ""
}
group "default" {
  targets = ["app"]
}
target "app" {
  tags = ["example/app:${VERSION}", "example/app:${TAG}", "Example/App:latest"]
}
"#;
    let dir = project(&[("docker-bake.hcl", bake), ("Dockerfile", "FROM alpine\n")]);
    let diags = lint(dir.path(), "BK007");
    assert_eq!(
        covered(dir.path(), &diags),
        ["\"Example/App:latest\""],
        "{diags:#?}"
    );
    // Set from the environment, the variable is checked by its value.
    let mut plan = plan(dir.path());
    plan.env.insert("TAG".into(), "v1+build".into());
    let cli = CliSelection {
        select: Some(vec!["BK007".to_string()]),
        ..CliSelection::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
    let diags = workspace::lint(&plan, &BTreeMap::new(), &settings).diagnostics;
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags[0].message.contains("example/app:v1+build"));
}

/// BP010 on a target with a remote context: what its COPY reads cannot be
/// told from any local directory, so the bake check skips it instead of
/// looking in the working directory (`src` exists where the tests run).
#[test]
fn bp010_remote_context_does_not_read_the_working_directory() {
    let bake = r#"target "a" {
  context    = "https://github.com/acme/app.git"
  dockerfile = "cwd://a.Dockerfile"
}
target "b" {
  dockerfile = "b.Dockerfile"
}
"#;
    let install =
        "FROM python:3.12\nRUN apt-get update && apt-get install -y curl git make gcc g++ \
                   && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\n";
    let a = format!("{install}COPY src ./src\nRUN make\n");
    let b = format!("{install}COPY src/ ./src/\nRUN make\n");
    let dir = project(&[
        ("docker-bake.hcl", bake),
        ("a.Dockerfile", &a),
        ("b.Dockerfile", &b),
    ]);
    assert!(Path::new("src").is_dir(), "run from the crate directory");
    let diags = lint(dir.path(), "BP010");
    let files: Vec<String> = diags
        .iter()
        .filter_map(|d| d.file.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["b.Dockerfile"], "{diags:#?}");
}

/// A FIFO where a target's Dockerfile is, is there (reported elsewhere as
/// not a regular file): it counts for the base directory as it does for
/// BK003, so the base is the directory where it resolves and BK003 is quiet.
#[cfg(unix)]
#[test]
fn bk003_fifo_dockerfile_counts_for_the_base() {
    let bake = "target \"app\" {\n  context    = \".\"\n  dockerfile = \"app/Dockerfile\"\n}\n";
    let dir = project(&[("deploy/docker-bake.hcl", bake)]);
    std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("app/Dockerfile"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let diags = lint(dir.path(), "BK003");
    assert!(diags.is_empty(), "{diags:#?}");
}
