//! Test support for bake rules: lint a little project (bake files and
//! Dockerfiles in a temp dir) with one rule, and apply its fixes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{CliSelection, Settings};
use crate::diagnostic::Diagnostic;
use crate::rules::RuleDef;
use crate::workspace::{self, Plan};

pub struct Linted {
    pub dir: tempfile::TempDir,
    pub diagnostics: Vec<Diagnostic>,
}

impl Linted {
    /// The source text each diagnostic's span covers.
    pub fn slices(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| {
                let text = std::fs::read_to_string(self.dir.path().join(&d.file))
                    .or_else(|_| std::fs::read_to_string(&d.file))
                    .unwrap_or_default();
                d.span.slice(&text).to_string()
            })
            .collect()
    }

    pub fn messages(&self) -> Vec<&str> {
        self.diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect()
    }
}

/// Writes `files` into a temp dir and lints it with `rule` only.
pub fn lint(rule: &'static RuleDef, files: &[(&str, &str)]) -> Linted {
    let (dir, plan) = write(files);
    let settings = settings(&[rule]);
    let out = workspace::lint(&plan, &BTreeMap::new(), &settings);
    let diagnostics = out
        .diagnostics
        .into_iter()
        .filter(|d| d.code == rule.code)
        .collect();
    Linted { dir, diagnostics }
}

/// Settings that select `rules` only.
fn settings(rules: &[&'static RuleDef]) -> Settings {
    let cli = CliSelection {
        select: Some(rules.iter().map(|r| r.code.to_string()).collect()),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings")
}

/// The files after `--fix --unsafe-fixes` (in memory).
pub struct Fixed {
    pub dir: tempfile::TempDir,
    pub contents: BTreeMap<std::path::PathBuf, String>,
    /// The findings left after the last round.
    pub remaining: Vec<Diagnostic>,
}

impl Fixed {
    /// A file's text after the fixes.
    pub fn read(&self, name: &str) -> String {
        let path = self.dir.path().join(name);
        self.contents
            .iter()
            .find(|(p, _)| workspace::normalize(p) == workspace::normalize(&path))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| std::fs::read_to_string(&path).unwrap_or_default())
    }
}

/// Writes `files` into a temp dir and runs the fix loop of `rules` on it
/// (unsafe fixes included), as `--fix --unsafe-fixes` does.
pub fn fix(rules: &[&'static RuleDef], files: &[(&str, &str)]) -> Fixed {
    let (dir, plan) = write(files);
    let settings = settings(rules);
    let lint = |overlay: &BTreeMap<std::path::PathBuf, String>| {
        workspace::lint(&plan, overlay, &settings).diagnostics
    };
    let initial = lint(&BTreeMap::new());
    let result = crate::fix::fix_all(
        initial,
        crate::fix::FixMode { unsafe_fixes: true },
        &crate::fix::DiskSource,
        &lint,
    );
    Fixed {
        dir,
        contents: result.contents,
        remaining: result.remaining,
    }
}

/// Writes `files` into a temp dir: the plan that lints them.
fn write(files: &[(&str, &str)]) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bake = Vec::new();
    let mut dockerfiles = Vec::new();
    let mut workflows = Vec::new();
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        let compose = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("compose.") || n.starts_with("docker-compose"));
        if name.ends_with(".hcl") || name.ends_with(".json") || compose {
            bake.push(p);
        } else if name.ends_with("Dockerfile") {
            dockerfiles.push(p);
        } else if crate::pipeline::is_workflow_path(&p) {
            workflows.push(p);
        }
    }
    let plan = Plan {
        workflows,
        dockerfiles,
        // No bake file, no set: an empty set would load the default bake
        // files of the process's working directory (the repository's own
        // docker-bake.hcl when the tests run).
        bake_sets: if bake.is_empty() {
            Vec::new()
        } else {
            vec![bake]
        },
        env: BTreeMap::new(),
        vars: Vec::new(),
        cwd: dir.path().to_path_buf(),
        roots: vec![dir.path().to_path_buf()],
        ..Plan::default()
    };
    (dir, plan)
}

/// Applies every fix of the diagnostics to `file`'s text.
pub fn fixed(linted: &Linted, file: &str) -> String {
    let path = linted.dir.path().join(file);
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut edits: Vec<(crate::span::Span, String)> = linted
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .flat_map(|f| f.edits.iter())
        .filter_map(|e| match e {
            crate::diagnostic::Edit::Replace {
                file,
                span,
                content,
            } if *file == path => Some((*span, content.clone())),
            _ => None,
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    for (span, content) in edits {
        text.replace_range(span.start..span.end, &content);
    }
    text
}

/// A bake definition loaded from files written into a temp dir.
pub struct Loaded {
    pub dir: tempfile::TempDir,
    pub set: workspace::LoadedSet,
}

/// Writes `files` into a temp dir and loads its `.hcl`/`.json` files as one bake set.
pub fn load(files: &[(&str, &str)]) -> Loaded {
    let linted = lint(&crate::rules::BK000, files);
    let bake: Vec<std::path::PathBuf> = files
        .iter()
        .filter(|(name, _)| name.ends_with(".hcl") || name.ends_with(".json"))
        .map(|(name, _)| linted.dir.path().join(name))
        .collect();
    let plan = Plan {
        bake_sets: vec![bake],
        cwd: linted.dir.path().to_path_buf(),
        roots: vec![linted.dir.path().to_path_buf()],
        ..Plan::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &CliSelection::default())
        .expect("settings");
    let mut out = workspace::lint(&plan, &BTreeMap::new(), &settings);
    let project = out.projects.pop().expect("the bake files evaluate");
    Loaded {
        dir: linted.dir,
        set: workspace::LoadedSet {
            project,
            rebase: BTreeMap::new(),
            options: Default::default(),
        },
    }
}
