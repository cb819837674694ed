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

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else if path.is_file() {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The corpus's workflows next to their repositories' bake projects, in a
/// temporary tree (`<repo>/.github/workflows`, `<repo>/docker-bake.hcl`).
fn corpus_tree() -> Option<(tempfile::TempDir, Vec<String>)> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let workflows = corpus.join("workflows");
    if !workflows.is_dir() {
        eprintln!("skipped: ../shared/corpus/workflows is absent");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut repos = Vec::new();
    for entry in std::fs::read_dir(&workflows).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let root = dir.path().join(&name);
        std::fs::create_dir_all(&root).unwrap();
        copy_tree(&entry.path(), &root);
        let project = corpus.join("bake-projects").join(&name);
        if project.is_dir() {
            copy_tree(&project, &root);
        }
        repos.push(name);
    }
    repos.sort();
    Some((dir, repos))
}

/// What the link model finds on the real workflows (run with
/// `--nocapture` to see the numbers and a sample).
#[test]
fn corpus_links() {
    let Some((dir, _repos)) = corpus_tree() else {
        return;
    };
    let found = discover(&[dir.path().to_path_buf()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.path().to_path_buf();
    plan.roots = vec![dir.path().to_path_buf()];
    plan.env = BTreeMap::new();
    let cli = CliSelection {
        select: Some(vec!["BP001".into(), "BP002".into(), "BP003".into()]),
        ..CliSelection::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).unwrap();
    let out = workspace::lint(&plan, &BTreeMap::new(), &settings);
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut sample = Vec::new();
    let mut consumers = 0;
    for links in &out.workflow_links {
        consumers += links.consumers().len();
        for (u, image) in links.consumers() {
            eprintln!(
                "  use: {} job {} {:?} {} <- job {} target {:?} tag {}",
                links
                    .path
                    .strip_prefix(dir.path())
                    .unwrap_or(&links.path)
                    .display(),
                links.job_id(u.job).unwrap_or(""),
                u.kind,
                u.image.value,
                image.job,
                image.target,
                image.tag
            );
        }
        for b in &links.builds {
            let kind = format!("{:?}", b.step.kind);
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0 += 1;
            if b.set.is_some() {
                entry.1 += 1;
            }
            if let Some(why) = &b.unresolved {
                *reasons.entry(why.clone()).or_default() += 1;
            }
            let rel = links.path.strip_prefix(dir.path()).unwrap_or(&links.path);
            sample.push(format!(
                "{} job {} {kind}: set {:?} targets {:?}{}{} overrides {} {}",
                rel.display(),
                b.job,
                b.set,
                b.targets,
                if b.targets_partial { " (partial)" } else { "" },
                if b.files_partial {
                    " (generated files)"
                } else {
                    ""
                },
                b.step.overrides.len(),
                b.evaluation_error.as_deref().unwrap_or(""),
            ));
        }
    }
    let mut by_code: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for d in &out.diagnostics {
        let in_workflow = d.file.to_string_lossy().contains(".github/workflows");
        let place = if in_workflow { "workflow" } else { "bake" };
        *by_code.entry((d.code.to_string(), place)).or_default() += 1;
        if in_workflow {
            let text = std::fs::read_to_string(&d.file).unwrap_or_default();
            let line = text[..d.span.start.min(text.len())].matches('\n').count() + 1;
            let rel = d.file.strip_prefix(dir.path()).unwrap_or(&d.file);
            eprintln!(
                "{}:{line}: {} {} [{}] fix: {}",
                rel.display(),
                d.code,
                d.message,
                d.span.slice(&text),
                d.fix
                    .as_ref()
                    .map_or("none".to_string(), |f| format!("{:?}", f.applicability)),
            );
        }
    }
    eprintln!("findings by code and place: {by_code:?}");
    eprintln!("builds by kind (steps, linked to a loaded bake set): {by_kind:?}");
    eprintln!("not linked: {reasons:?}");
    eprintln!("image uses of built images: {consumers}");
    for line in &sample {
        eprintln!("  {line}");
    }
    let bake_builds: usize = by_kind
        .iter()
        .filter(|(k, _)| k.starts_with("Bake"))
        .map(|(_, v)| v.0)
        .sum();
    assert!(bake_builds > 0);
}
