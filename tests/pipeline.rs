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
