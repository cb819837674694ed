//! The lint of a whole set of files: bake definitions, the Dockerfiles their
//! targets build (linted with what each target passes: args, target stage,
//! context), inline Dockerfiles, and stand-alone Dockerfiles.
//!
//! Everything reads through an overlay (path → in-memory text) so the fix
//! loop can re-lint its in-memory result, bake ↔ Dockerfile links included.

mod bake_rules;
mod bake_sets;
pub mod base;
mod builds;
mod dockerfiles;
mod inline;
mod workflows;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bake::BakeProject;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::linter::{self, FileError};
use crate::pipeline::links::CiBuilds;
use crate::project::FileKind;

pub use bake_sets::LoadedSet;
pub use inline::InlineMap;

/// The bake file names buildx loads by default, in its order (compose
/// files first: their services with a `build` section are targets).
pub const DEFAULT_BAKE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-bake.json",
    "docker-bake.hcl",
    "docker-bake.override.json",
    "docker-bake.override.hcl",
];

/// What to lint.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Stand-alone Dockerfiles (also linted when no bake target builds them).
    pub dockerfiles: Vec<PathBuf>,
    /// Bake definitions, each a list of files loaded together (buildx order).
    pub bake_sets: Vec<Vec<PathBuf>>,
    /// The environment bake variables are read from.
    pub env: BTreeMap<String, String>,
    /// `--var NAME=VALUE` for bake evaluation.
    pub vars: Vec<(String, String)>,
    /// The working directory: what the `-f` set resolves against, and the
    /// farthest base a bake file under it may get outside a repository
    /// (see [`base`]).
    pub cwd: PathBuf,
    /// The directories being linted: outside a repository, the innermost
    /// one that holds a bake file is the farthest base it may get.
    pub roots: Vec<PathBuf>,
    /// The bake files named with `-f`: their set resolves against `cwd`, as
    /// `docker buildx bake -f` does there. Every other set gets the base
    /// where its paths resolve (see [`base`]).
    pub explicit_bake: Vec<PathBuf>,
    /// GitHub Actions workflows (`.github/workflows/*.yml`).
    pub workflows: Vec<PathBuf>,
}

impl Plan {
    /// Groups discovered files: per directory, the default-named bake files
    /// form one definition (as `docker buildx bake` run there would load
    /// them); any other `docker-bake*.hcl|json` is a definition of its own.
    /// `explicit_bake` (`-f`) replaces that grouping with one set.
    pub fn new(files: &[(PathBuf, FileKind)], explicit_bake: &[PathBuf]) -> Plan {
        let mut plan = Plan {
            env: std::env::vars().collect(),
            cwd: PathBuf::from("."),
            ..Plan::default()
        };
        let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        for (path, kind) in files {
            match kind {
                FileKind::Dockerfile => plan.dockerfiles.push(path.clone()),
                FileKind::Bake if explicit_bake.is_empty() => {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if DEFAULT_BAKE_FILES.contains(&name) {
                        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                        by_dir.entry(dir).or_default().push(path.clone());
                    } else {
                        plan.bake_sets.push(vec![path.clone()]);
                    }
                }
                FileKind::Bake => {}
                FileKind::Workflow => plan.workflows.push(path.clone()),
            }
        }
        for (_, mut set) in by_dir {
            set.sort_by_key(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                DEFAULT_BAKE_FILES.iter().position(|d| *d == name)
            });
            plan.bake_sets.push(set);
        }
        if !explicit_bake.is_empty() {
            plan.bake_sets.push(explicit_bake.to_vec());
            plan.explicit_bake = explicit_bake.to_vec();
        }
        plan.bake_sets.sort();
        plan
    }
}

/// The result of one lint pass.
#[derive(Debug, Default)]
pub struct LintOutput {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
    /// Every text that was linted (for reports).
    pub texts: BTreeMap<PathBuf, String>,
    /// Loaded bake definitions, in plan order.
    pub projects: Vec<BakeProject>,
    /// The links of each workflow read (their builds' `set` index into
    /// `projects`).
    pub workflow_links: Vec<crate::pipeline::links::WorkflowLinks>,
}

/// The default bake files of the nearest directory at or above a
/// Dockerfile's that has any, stopping at the repository root (the first
/// directory with `.git`): `(directory, files in buildx order)`.
pub fn find_bake_for(dockerfile: &Path) -> Option<(PathBuf, Vec<PathBuf>)> {
    let start = match dockerfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Walk the path as given, then continue above it through the absolute path.
    let absolute = std::fs::canonicalize(&start).ok()?;
    let mut relative = Some(start);
    for dir in absolute.ancestors() {
        let shown = relative.clone().unwrap_or_else(|| dir.to_path_buf());
        let set: Vec<PathBuf> = DEFAULT_BAKE_FILES
            .iter()
            .map(|name| shown.join(name))
            .filter(|p| p.is_file())
            .collect();
        if !set.is_empty() {
            return Some((shown, set));
        }
        if dir.join(".git").exists() {
            return None;
        }
        relative = relative.and_then(|r| {
            let n = normalize(&r);
            if n.as_os_str().is_empty() || n.starts_with("..") {
                Some(r.join(".."))
            } else {
                n.parent().map(|p| {
                    if p.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        p.to_path_buf()
                    }
                })
            }
        });
    }
    None
}

/// Lexical normal form of a path for matching (`./a/../b` → `b`; a leading
/// `../..` stays).
pub fn normalize(path: &Path) -> PathBuf {
    crate::fix::containment::lexical_normal(path)
}

/// Which file a path names, however it is spelled: `./app/Dockerfile`,
/// `app/Dockerfile` and `../proj/app/Dockerfile` (from `proj`) are one file.
fn identity(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Reads `path` through the overlay.
fn read(overlay: &BTreeMap<PathBuf, String>, path: &Path) -> Result<String, FileError> {
    if let Some(t) = overlay.get(path) {
        return Ok(t.clone());
    }
    let id = identity(path);
    if let Some((_, t)) = overlay.iter().find(|(p, _)| identity(p) == id) {
        return Ok(t.clone());
    }
    linter::read_source(path)
}

/// What the fix loop holds in memory, by normalised path, for rules that
/// look for files or read them.
struct InMemory {
    files: Arc<BTreeSet<PathBuf>>,
    texts: Arc<BTreeMap<PathBuf, String>>,
}

impl InMemory {
    fn new(overlay: &BTreeMap<PathBuf, String>) -> InMemory {
        InMemory {
            files: Arc::new(overlay.keys().map(|p| normalize(p)).collect()),
            texts: Arc::new(
                overlay
                    .iter()
                    .map(|(p, t)| (normalize(p), t.clone()))
                    .collect(),
            ),
        }
    }
}

/// Lints everything in `plan`, step by step: load the bake file sets (each
/// resolved against one base), read the workflows and link their builds to
/// the sets, decide which Dockerfiles to lint with which build info, lint
/// them, lint the inline Dockerfiles, run the bake rules (knowing what CI
/// overrides), run the workflow rules.
pub fn lint(plan: &Plan, overlay: &BTreeMap<PathBuf, String>, settings: &Settings) -> LintOutput {
    let mut out = LintOutput::default();
    let in_memory = InMemory::new(overlay);
    let sets = bake_sets::load_all(plan, overlay, settings, &in_memory, &mut out);
    let workflows = workflows::load_all(&plan.workflows, overlay, &sets, &mut out);
    let builds = builds::dockerfile_builds(plan, &sets, overlay, &in_memory);
    let parsed = dockerfiles::lint_all(builds, overlay, settings, &mut out);
    for set in &sets {
        out.diagnostics
            .extend(inline::lint_inline_targets(set, settings));
    }
    let lint_roots = if plan.roots.is_empty() {
        vec![plan.cwd.clone()]
    } else {
        plan.roots.clone()
    };
    for (index, set) in sets.iter().enumerate() {
        let ci = CiBuilds::of_set(index, workflows.iter().map(|w| &w.links));
        out.diagnostics.extend(bake_rules::run(
            set,
            &ci,
            settings,
            &parsed,
            &in_memory.files,
            &lint_roots,
        ));
    }
    for workflow in &workflows {
        workflows::lint(workflow, settings, &sets, overlay, &mut out);
    }
    sort_and_drop_repeats(&mut out.diagnostics);
    out.projects = sets.into_iter().map(|s| s.project).collect();
    out.workflow_links = workflows.into_iter().map(|w| w.links).collect();
    out
}

/// One spelling per file in every report: a Dockerfile reached through a
/// bake context (`./deployment/x`, `deployment/../deployment/x`) and the
/// same file walked or named (`deployment/x`) print the same path. Findings
/// come file by file, so each spelling in a row is normalised once.
fn spell_paths_once(diagnostics: &mut [Diagnostic]) {
    let mut last: Option<(PathBuf, PathBuf)> = None;
    let mut respell = |path: &mut PathBuf| match &last {
        Some((written, normal)) if written.as_os_str() == path.as_os_str() => {
            *path = normal.clone();
        }
        _ => {
            let normal = normalize(path);
            last = Some((std::mem::replace(path, normal.clone()), normal));
        }
    };
    for d in diagnostics {
        respell(&mut d.file);
        for label in &mut d.labels {
            if let Some(file) = &mut label.file {
                respell(file);
            }
        }
    }
}

/// Orders findings by file, span and code. Bake checks name Dockerfiles by
/// their normalised path, discovery by the spelling it found
/// (`./web/Dockerfile`): order by the normal form. A Dockerfile two bake
/// sets build is linted twice: a finding both lints report is kept once.
fn sort_and_drop_repeats(diagnostics: &mut Vec<Diagnostic>) {
    spell_paths_once(diagnostics);
    crate::linter::sort_diagnostics(diagnostics);
    let same_place = |a: &Diagnostic, b: &Diagnostic| {
        (a.span.start, a.span.end, a.code) == (b.span.start, b.span.end, b.code) && a.file == b.file
    };
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut run_start = 0;
    for d in diagnostics.drain(..) {
        if kept.last().is_some_and(|last| !same_place(last, &d)) {
            run_start = kept.len();
        }
        if !kept[run_start..].contains(&d) {
            kept.push(d);
        }
    }
    *diagnostics = kept;
}
