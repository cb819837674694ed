//! Workflows and compose files linted like the CLI lints them: BP006 and
//! BP014 findings in `.github/workflows/*.yml` and `compose.yaml`, and a
//! malformed workflow reported with its position while the rest is linted;
//! BP013's fix through the binary: one fix over the workflow and the bake
//! file, the needs rewired, a second run clean.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::project::{classify, discover, FileKind};
use bakelint::workspace::{self, Plan};

mod common;
use common::cli::{stderr, stdout};

/// `bakelint ARGS` in `dir`, without a `GITHUB_SHA` from the environment
/// (the bake files' SHA variables keep their defaults).
fn bakelint(dir: &Path, args: &[&str]) -> std::process::Output {
    common::cli::command(dir)
        .env_remove("GITHUB_SHA")
        .args(args)
        .output()
        .expect("run bakelint")
}

fn settings() -> Settings {
    let cli = CliSelection {
        select: Some(vec!["BP006".to_string(), "BP014".to_string()]),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings")
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn workflows_are_discovered() {
    assert_eq!(
        classify(Path::new(".github/workflows/ci.yml")),
        Some(FileKind::Workflow)
    );
    assert_eq!(classify(Path::new("ci.yml")), None);
}

#[test]
fn workflow_and_compose_findings_and_a_bad_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      db:\n        image: \"postgres:16\"\n        options: --health-cmd pg_isready --health-interval 10s\n    steps:\n      - run: echo ${{ github.sha }}\n",
    );
    write(root, ".github/workflows/broken.yml", "jobs:\n  a: [\n");
    write(
        root,
        "compose.yaml",
        "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      interval: 15s\n  app:\n    build: .\n    image: postgres:16\n",
    );
    write(root, "Dockerfile", "FROM alpine:3.20\n");
    let found = discover(&[root.to_path_buf()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = root.to_path_buf();
    plan.env = BTreeMap::new();
    let out = workspace::lint(&plan, &BTreeMap::new(), &settings());
    let mut got: Vec<(String, &str, String)> = out
        .diagnostics
        .iter()
        .map(|d| {
            let name = d.file.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(root.join(&d.file))
                .or_else(|_| std::fs::read_to_string(&d.file))
                .unwrap();
            (name, d.code, d.span.slice(&text).to_string())
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("ci.yml".to_string(), "BP006", "postgres:16".to_string()),
            ("ci.yml".to_string(), "BP014", "10s".to_string()),
            (
                "compose.yaml".to_string(),
                "BP006",
                "postgres:16".to_string()
            ),
            ("compose.yaml".to_string(), "BP014", "15s".to_string()),
        ],
        "{:?}",
        out.diagnostics
    );
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    let e = &out.errors[0];
    assert!(e.path.ends_with("broken.yml"), "{e:?}");
    assert!(
        e.message.contains("3:1") || e.message.contains("2:"),
        "{e:?}"
    );
}

/// A repository whose `promote` job re-tags the two images the bake file
/// builds after the tests, and whose `deploy` and `notify` jobs need it.
const RETAG_CI: &str = r#"name: CI
on:
  push:
    branches: [main]

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/bake-action@v6
        with:
          files: ci/docker-bake.hcl
          push: true

  unit-tests:
    needs: build
    runs-on: ubuntu-latest
    container: ghcr.io/acme/web:edge
    steps:
      - run: pytest

  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .

  # Publishes the tested images under the commit.
  promote:
    needs: [build, unit-tests]
    runs-on: ubuntu-latest
    env:
      REGISTRY: ghcr.io/acme
    steps:
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - name: Re-tag
        run: |
          for name in web worker; do
            docker buildx imagetools create \
              --tag "$REGISTRY/$name:${{ github.sha }}" \
              "$REGISTRY/$name:edge"
          done

  deploy:
    needs:
      - lint
      - promote
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh ${{ github.sha }}

  notify:
    needs: [promote, unit-tests]
    runs-on: ubuntu-latest
    steps:
      - run: ./notify.sh
"#;

const RETAG_BAKE: &str = r#"group "default" {
  targets = ["web", "worker"]
}

target "web" {
  dockerfile-inline = "FROM alpine:3.20\n"
  tags = ["ghcr.io/acme/web:edge"]
}

target "worker" {
  dockerfile-inline = "FROM alpine:3.20\n"
  tags = ["ghcr.io/acme/worker:edge"]
}
"#;

#[test]
fn retag_job_fix_changes_the_workflow_and_the_bake_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".github/workflows/ci.yml", RETAG_CI);
    write(root, "ci/docker-bake.hcl", RETAG_BAKE);
    let args = [
        "check",
        ".",
        "--select",
        "BP013",
        "--output-format",
        "concise",
    ];
    let out = bakelint(root, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().next().unwrap_or(""),
        ".github/workflows/ci.yml:28:3: BP013 job \"promote\" re-tags 2 images this workflow built with the commit SHA after the tests (docker buildx imagetools create): `ghcr.io/acme/web`, `ghcr.io/acme/worker`"
    );

    let fixed = bakelint(
        root,
        &["check", ".", "--select", "BP013", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}{}",
        stdout(&fixed),
        stderr(&fixed)
    );
    let ci = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    let start = RETAG_CI.find("  # Publishes").unwrap();
    let end = RETAG_CI.find("  deploy:").unwrap();
    let expected = format!("{}{}", &RETAG_CI[..start], &RETAG_CI[end..])
        .replace(
            "      - lint\n      - promote\n",
            "      - lint\n      - build\n      - unit-tests\n",
        )
        .replace("needs: [promote, unit-tests]", "needs: [build, unit-tests]");
    assert_eq!(ci, expected);
    let workflow = bakelint::pipeline::workflow::load(&ci).expect("the workflow loads");
    let ids: Vec<&str> = workflow.jobs.iter().map(|j| j.id.value.as_str()).collect();
    assert!(workflow
        .jobs
        .iter()
        .all(|j| j.needs.iter().all(|n| ids.contains(&n.value.as_str()))));
    let bake = std::fs::read_to_string(root.join("ci/docker-bake.hcl")).unwrap();
    assert!(
        bake.contains("tags = [\"ghcr.io/acme/web:edge\", \"ghcr.io/acme/web:${GITHUB_SHA}\"]"),
        "{bake}"
    );
    assert!(
        bake.contains(
            "tags = [\"ghcr.io/acme/worker:edge\", \"ghcr.io/acme/worker:${GITHUB_SHA}\"]"
        ),
        "{bake}"
    );
    // The bake file still evaluates, with the SHA tag.
    let printed = bakelint(root, &["print", "-f", "ci/docker-bake.hcl", "web"]);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    assert!(
        stdout(&printed).contains("ghcr.io/acme/web:dev"),
        "{}",
        stdout(&printed)
    );

    let again = bakelint(
        root,
        &[
            "check",
            ".",
            "--select",
            "BP,BK",
            "--fix",
            "--unsafe-fixes",
            "--diff",
        ],
    );
    assert!(
        stdout(&again).is_empty(),
        "a second run changes nothing:\n{}",
        stdout(&again)
    );
}
