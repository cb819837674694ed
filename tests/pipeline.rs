//! Workflows and compose files linted like the CLI lints them: BP006 and
//! BP014 findings in `.github/workflows/*.yml` and `compose.yaml`, and a
//! malformed workflow reported with its position while the rest is linted.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::project::{classify, discover, FileKind};
use bakelint::workspace::{self, Plan};

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

/// Copies the bundled example project into a temp dir.
fn example_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/ci-pipeline"),
        dir.path(),
    );
    dir
}

fn bakelint_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_SHA")
        .env_remove("TAG")
        .env_remove("REGISTRY")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// BP012 on the example's workflow: the test job runs in the `test`
/// target's image and pip-installs two packages; the fix moves them into
/// `requirements/test.txt` (with the Dockerfile's ad-hoc packages, fixed in
/// the same run) and deletes the step, and the workflow still loads.
#[test]
fn bp012_moves_the_test_jobs_install_into_the_images_requirements() {
    let dir = example_copy();
    let root = dir.path();
    let out = bakelint_in(root, &["--select", "BP012", "--output-format", "concise"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(".github/workflows/ci.yml:49:26: BP012 ad-hoc `pip install pytest-xdist coverage` in job \"test\", which runs in the image of bake target \"test\""),
        "{report}"
    );
    assert!(
        report.contains("deployment/docker/test.Dockerfile:17:17: BP012"),
        "{report}"
    );
    let fixed = bakelint_in(
        root,
        &["--select", "BP012", "--fix", "--unsafe-fixes", "--quiet"],
    );
    assert!(
        matches!(fixed.status.code(), Some(0)),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let workflow = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    assert!(!workflow.contains("pip install"), "{workflow}");
    assert!(workflow.contains("    steps:\n      - name: Run the tests\n"));
    let loaded = bakelint::pipeline::workflow::load(&workflow).expect("the workflow loads");
    let test = loaded.job("test").expect("test job");
    assert_eq!(test.steps.len(), 1);
    assert_eq!(
        std::fs::read_to_string(root.join("requirements/test.txt")).unwrap(),
        "-r base.txt\npytest==8.3.3\npytest-django==4.9.0\npytest-xdist\ncoverage\nunittest-xml-reporting\npytest-json-report\n"
    );
    let again = bakelint_in(root, &["--select", "BP012", "--diff", "--unsafe-fixes"]);
    assert!(
        again.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}
