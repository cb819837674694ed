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

/// A project with a bake file and a workflow, linted (and fixed) like the
/// CLI does with `--select codes`.
struct Pipeline {
    dir: tempfile::TempDir,
    settings: Settings,
}

impl Pipeline {
    fn new(files: &[(&str, &str)], codes: &[&str]) -> Pipeline {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            write(dir.path(), path, text);
        }
        let cli = CliSelection {
            select: Some(codes.iter().map(|c| c.to_string()).collect()),
            ..CliSelection::default()
        };
        let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).unwrap();
        Pipeline { dir, settings }
    }

    fn plan(&self) -> Plan {
        let found = discover(&[self.dir.path().to_path_buf()]);
        let mut plan = Plan::new(&found.files, &[]);
        plan.cwd = self.dir.path().to_path_buf();
        plan.env = BTreeMap::new();
        plan
    }

    fn lint_with(&self, overlay: &BTreeMap<std::path::PathBuf, String>) -> workspace::LintOutput {
        workspace::lint(&self.plan(), overlay, &self.settings)
    }

    /// `(file name, code, the bytes at fault)` of every finding.
    fn findings(&self) -> Vec<(String, String, String)> {
        let out = self.lint_with(&BTreeMap::new());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let mut got: Vec<(String, String, String)> = out
            .diagnostics
            .iter()
            .map(|d| {
                let text = std::fs::read_to_string(&d.file).unwrap();
                let name = d.file.file_name().unwrap().to_string_lossy().to_string();
                (name, d.code.to_string(), d.span.slice(&text).to_string())
            })
            .collect();
        got.sort();
        got
    }

    /// Fixes everything (unsafe fixes included) in memory: the new texts.
    fn fixed(&self) -> BTreeMap<std::path::PathBuf, String> {
        use bakelint::fix::{fix_all, DiskSource, FixMode};
        let initial = self.lint_with(&BTreeMap::new()).diagnostics;
        let lint = |files: &BTreeMap<std::path::PathBuf, String>| self.lint_with(files).diagnostics;
        let res = fix_all(initial, FixMode { unsafe_fixes: true }, &DiskSource, &lint);
        assert!(res.failures.is_empty(), "{:?}", res.failures);
        // Converged: nothing of these rules is left, and the texts load.
        let after = self.lint_with(&res.contents);
        assert!(after.errors.is_empty(), "{:?}", after.errors);
        let left: Vec<_> = after
            .diagnostics
            .iter()
            .filter(|d| d.fix.is_some())
            .collect();
        assert!(left.is_empty(), "fixable findings left: {left:?}");
        res.contents
    }

    fn text(&self, fixed: &BTreeMap<std::path::PathBuf, String>, path: &str) -> String {
        let p = self.dir.path().join(path);
        fixed
            .get(&p)
            .cloned()
            .unwrap_or_else(|| std::fs::read_to_string(p).unwrap())
    }
}

const CACHED_BAKE: &str = r#"variable "REGISTRY" {
  default = "ghcr.io/acme"
}

group "default" {
  targets = ["web", "worker"]
}

target "_common" {
  cache-from = ["type=gha"]
  cache-to   = ["type=gha"]
}

target "web" {
  inherits = ["_common"]
  tags     = ["${REGISTRY}/web:latest"]
}

target "worker" {
  inherits = ["_common"]
  tags     = ["${REGISTRY}/worker:latest"]
}
"#;

const BAKE_ACTION_CI: &str = r#"on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/bake-action@v6
        with:
          files: deploy/docker-bake.hcl
          push: true
          set: |
            *.cache-from=type=gha
            *.cache-to=type=gha
"#;

#[test]
fn the_cache_a_workflow_sets_is_reported_and_fixed_in_the_workflow() {
    let p = Pipeline::new(
        &[
            ("deploy/docker-bake.hcl", CACHED_BAKE),
            (".github/workflows/ci.yml", BAKE_ACTION_CI),
        ],
        &["BP002", "BP003"],
    );
    // The bake file's cache is what CI replaces: reported only where CI
    // sets it, at the value bytes of the `set:` lines.
    assert_eq!(
        p.findings(),
        vec![
            ("ci.yml".into(), "BP002".into(), "type=gha".into()),
            ("ci.yml".into(), "BP002".into(), "type=gha".into()),
            ("ci.yml".into(), "BP003".into(), "type=gha".into()),
        ]
    );
    let out = p.lint_with(&BTreeMap::new());
    let bp002: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "BP002")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        bp002[0],
        "targets \"web\", \"worker\": cache-from uses the GitHub Actions cache (type=gha)"
    );
    let fixed = p.fixed();
    assert_eq!(
        p.text(&fixed, ".github/workflows/ci.yml"),
        BAKE_ACTION_CI.replace(
            "            *.cache-from=type=gha\n            *.cache-to=type=gha\n",
            "            web.cache-from=type=registry,ref=ghcr.io/acme/web:buildcache\n            worker.cache-from=type=registry,ref=ghcr.io/acme/worker:buildcache\n            web.cache-to=type=registry,ref=ghcr.io/acme/web:buildcache,mode=max\n            worker.cache-to=type=registry,ref=ghcr.io/acme/worker:buildcache,mode=max\n"
        )
    );
    // The bake file is left alone: CI does not use its cache.
    assert_eq!(p.text(&fixed, "deploy/docker-bake.hcl"), CACHED_BAKE);
    bakelint::pipeline::workflow::load(&p.text(&fixed, ".github/workflows/ci.yml")).unwrap();
}

#[test]
fn a_bake_file_no_workflow_builds_is_reported_as_before() {
    // The workflow builds `deploy/`; `other/` keeps its findings on the bake file.
    let p = Pipeline::new(
        &[
            ("deploy/docker-bake.hcl", CACHED_BAKE),
            ("other/docker-bake.hcl", CACHED_BAKE),
            (".github/workflows/ci.yml", BAKE_ACTION_CI),
        ],
        &["BP002", "BP003"],
    );
    let out = p.lint_with(&BTreeMap::new());
    let in_other: Vec<(&str, String)> = out
        .diagnostics
        .iter()
        .filter(|d| d.file.to_string_lossy().contains("other"))
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert_eq!(in_other.len(), 3, "{in_other:?}");
    assert!(in_other[0]
        .1
        .starts_with("targets \"web\", \"worker\": cache-from"));
    let in_deploy = out
        .diagnostics
        .iter()
        .filter(|d| d.file.to_string_lossy().contains("deploy"))
        .count();
    assert_eq!(in_deploy, 0);
}

#[test]
fn an_appended_cache_leaves_the_bake_files_cache_reported_there() {
    let ci = BAKE_ACTION_CI
        .replace(
            "*.cache-from=type=gha",
            "web.cache-from+=type=gha,scope=web",
        )
        .replace("            *.cache-to=type=gha\n", "");
    let p = Pipeline::new(
        &[
            ("deploy/docker-bake.hcl", CACHED_BAKE),
            (".github/workflows/ci.yml", &ci),
        ],
        &["BP002"],
    );
    let got: Vec<(String, String)> = p
        .findings()
        .into_iter()
        .map(|(file, _, bytes)| (file, bytes))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ci.yml".into(), "type=gha,scope=web".into()),
            ("docker-bake.hcl".into(), "\"type=gha\"".into()),
            ("docker-bake.hcl".into(), "\"type=gha\"".into()),
        ]
    );
    // One target: the registry ref is shared, the line is rewritten in place.
    let fixed = p.fixed();
    assert!(p
        .text(&fixed, ".github/workflows/ci.yml")
        .contains("web.cache-from+=type=registry,ref=ghcr.io/acme/web:buildcache-web\n"));
}

#[test]
fn bp001_trusts_a_workflow_that_tags_with_the_commit() {
    let bake = "target \"default\" {\n  tags = [\"ghcr.io/acme/app:latest\"]\n  output = [\"type=registry\"]\n}\n";
    let without = Pipeline::new(&[("docker-bake.hcl", bake)], &["BP001"]);
    assert_eq!(without.findings().len(), 1);
    for set in [
        "*.tags=ghcr.io/acme/app:${{ github.sha }}",
        "default.tags+=ghcr.io/acme/app:${{ github.sha }}",
    ] {
        let ci = format!(
            "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v5\n        with:\n          set: |\n            {set}\n"
        );
        let with = Pipeline::new(
            &[("docker-bake.hcl", bake), (".github/workflows/ci.yml", &ci)],
            &["BP001"],
        );
        assert_eq!(with.findings(), vec![], "{set}");
    }
    // A run script passing $GITHUB_SHA counts too.
    let ci = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker buildx bake --push --set \"*.tags=ghcr.io/acme/app:$GITHUB_SHA\"\n";
    let with = Pipeline::new(
        &[("docker-bake.hcl", bake), (".github/workflows/ci.yml", ci)],
        &["BP001"],
    );
    assert_eq!(with.findings(), vec![]);
}

#[test]
fn build_push_action_and_buildx_bake_caches() {
    let ci = r#"on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/api:latest
          cache-from: type=gha,scope=api
          cache-to: |
            type=gha,scope=api,mode=min
  bake:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker buildx bake web \
            --set web.cache-to=type=gha,scope=web \
            --push
"#;
    let bake = "target \"web\" {\n  tags = [\"ghcr.io/acme/web:latest\"]\n}\n";
    let p = Pipeline::new(
        &[("docker-bake.hcl", bake), (".github/workflows/ci.yml", ci)],
        &["BP002", "BP003"],
    );
    assert_eq!(
        p.findings(),
        vec![
            ("ci.yml".into(), "BP002".into(), "type=gha,scope=api".into()),
            (
                "ci.yml".into(),
                "BP002".into(),
                "type=gha,scope=api,mode=min".into()
            ),
            ("ci.yml".into(), "BP002".into(), "type=gha,scope=web".into()),
            (
                "ci.yml".into(),
                "BP003".into(),
                "type=gha,scope=api,mode=min".into()
            ),
            ("ci.yml".into(), "BP003".into(), "type=gha,scope=web".into()),
            // The bake build writes a cache nothing reads back.
            ("ci.yml".into(), "BP003".into(), "type=gha,scope=web".into()),
        ]
    );
    let fixed = p.fixed();
    let text = p.text(&fixed, ".github/workflows/ci.yml");
    assert!(
        text.contains("cache-from: type=registry,ref=ghcr.io/acme/api:buildcache-api\n"),
        "{text}"
    );
    assert!(
        text.contains("            type=registry,ref=ghcr.io/acme/api:buildcache-api,mode=max\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "--set web.cache-to=type=registry,ref=ghcr.io/acme/web:buildcache-web,mode=max \\\n"
        ),
        "{text}"
    );
    bakelint::pipeline::workflow::load(&text).unwrap();
}

#[test]
fn an_unknown_target_pattern_is_reported_without_a_guess() {
    let ci = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        variant: [a, b]\n    steps:\n      - uses: docker/bake-action@v5\n        with:\n          targets: ${{ matrix.variant }}\n          set: |\n            app-${{ matrix.variant }}.cache-to=type=gha,scope=${{ matrix.variant }}\n";
    let bake = "target \"app-a\" {\n  tags = [\"ghcr.io/acme/a:latest\"]\n}\ntarget \"app-b\" {\n  tags = [\"ghcr.io/acme/b:latest\"]\n}\n";
    let p = Pipeline::new(
        &[("docker-bake.hcl", bake), (".github/workflows/ci.yml", ci)],
        &["BP002", "BP003"],
    );
    let out = p.lint_with(&BTreeMap::new());
    let got: Vec<(&str, &str, bool)> = out
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.as_str(), d.fix.is_some()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "BP002",
                "targets matching \"app-${{ matrix.variant }}\": cache-to uses the GitHub Actions cache (type=gha)",
                false
            ),
            (
                "BP003",
                "targets matching \"app-${{ matrix.variant }}\": cache-to type=gha has no mode (min), so only the final stage's layers are cached",
                true
            ),
        ]
    );
}

/// The bundled example, linked: the build job's targets, the jobs that use
/// its images, the needs graph.
#[test]
fn the_example_pipeline_is_linked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/ci-pipeline");
    let found = discover(std::slice::from_ref(&root));
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = root.clone();
    plan.roots = vec![root.clone()];
    plan.env = BTreeMap::new();
    let out = workspace::lint(&plan, &BTreeMap::new(), &settings());
    let links = &out.workflow_links[0];
    let build = &links.builds[0];
    assert_eq!(build.job, "build");
    assert_eq!(
        build.targets,
        ["web", "celery-worker", "celery-beat", "test", "test-db"]
    );
    let project = &out.projects[build.set.unwrap()];
    assert!(project.targets().contains_key("web"));
    let uses: Vec<(&str, &str, Option<&str>)> = links
        .consumers()
        .into_iter()
        .map(|(u, image)| {
            (
                links.job_id(u.job).unwrap(),
                u.image.value.as_str(),
                image.target.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        uses,
        vec![
            ("test", "ghcr.io/acme/shop-test:latest", Some("test")),
            (
                "tag-production-images",
                "ghcr.io/acme/shop-web:latest",
                Some("web")
            ),
            (
                "tag-production-images",
                "ghcr.io/acme/shop-celery-worker:latest",
                Some("celery-worker")
            ),
            (
                "tag-production-images",
                "ghcr.io/acme/shop-celery-beat:latest",
                Some("celery-beat")
            ),
        ]
    );
    let before_deploy: Vec<String> = links.needs_closure("deploy").into_iter().collect();
    assert_eq!(before_deploy, ["build", "tag-production-images", "test"]);
    assert_eq!(
        links
            .image_built_by("ghcr.io/acme/shop-web:latest")
            .map(|i| i.job.as_str()),
        Some("build")
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
