//! The lint of a whole set of files: bake definitions, the Dockerfiles their
//! targets build (linted with what each target passes: args, target stage,
//! context), inline Dockerfiles, and stand-alone Dockerfiles.
//!
//! Everything reads through an overlay (path → in-memory text) so the fix
//! loop can re-lint its in-memory result, bake ↔ Dockerfile links included.

mod inline;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::bake::{self, BakeProject, LoadOptions};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Edit};
use crate::dockerfile::{self, Dockerfile};
use crate::linter::{self, FileError};
use crate::project::FileKind;
use crate::rules::{BakeContext, BuildInfo, BK000, RULES};
use crate::suppress::CommentSuppressions;

pub use inline::InlineMap;

/// The bake file names buildx loads by default, in its order.
pub const DEFAULT_BAKE_FILES: &[&str] = &[
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
    /// Where relative paths in bake files resolve (buildx: where it runs)
    /// when no root applies.
    pub cwd: PathBuf,
    /// The directories being linted. A bake file found under one resolves
    /// its relative paths against it (the directory you would run
    /// `docker buildx bake` in), the innermost root winning.
    pub roots: Vec<PathBuf>,
}

impl Plan {
    /// The working directory to evaluate a bake set in.
    pub fn cwd_for(&self, set: &[PathBuf]) -> PathBuf {
        let Some(first) = set.first() else {
            return self.cwd.clone();
        };
        let file = normalize(first);
        self.roots
            .iter()
            .filter(|r| file.starts_with(normalize(r)))
            .max_by_key(|r| normalize(r).components().count())
            .cloned()
            .unwrap_or_else(|| self.cwd.clone())
    }
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
}

/// A Dockerfile read and parsed (or why it could not be read).
type ParsedDockerfile = Result<(String, Arc<Dockerfile>), FileError>;

/// A Dockerfile some bake target builds, with what the targets pass to it.
#[derive(Debug, Clone, Default)]
struct DockerfileUse {
    path: PathBuf,
    build: BuildInfo,
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

/// Lexical normal form of a path for matching (`./a/../b` → `b`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reads `path` through the overlay.
fn read(overlay: &BTreeMap<PathBuf, String>, path: &Path) -> Result<String, FileError> {
    if let Some(t) = overlay.get(path) {
        return Ok(t.clone());
    }
    if let Some((_, t)) = overlay
        .iter()
        .find(|(p, _)| normalize(p) == normalize(path))
    {
        return Ok(t.clone());
    }
    linter::read_source(path)
}

/// Lints everything in `plan`.
pub fn lint(plan: &Plan, overlay: &BTreeMap<PathBuf, String>, settings: &Settings) -> LintOutput {
    let mut out = LintOutput::default();
    let mut uses: BTreeMap<PathBuf, DockerfileUse> = BTreeMap::new();
    let mut inline_targets: Vec<(usize, String)> = Vec::new();
    // Per loaded project: loader path → the path we were given.
    let mut rebases: Vec<BTreeMap<PathBuf, PathBuf>> = Vec::new();

    for set in &plan.bake_sets {
        let mut texts = BTreeMap::new();
        let mut unreadable = false;
        for f in set {
            match read(overlay, f) {
                Ok(t) => {
                    texts.insert(f.clone(), t);
                }
                Err(e) => {
                    out.errors.push(e);
                    unreadable = true;
                }
            }
        }
        if unreadable {
            continue;
        }
        // The loader sees paths relative to the bake working directory, as
        // buildx does; findings are rebased onto the paths we were given.
        let cwd = plan.cwd_for(set);
        let base = normalize(&cwd);
        let to_loader = |p: &Path| -> PathBuf {
            normalize(p)
                .strip_prefix(&base)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| p.to_path_buf())
        };
        let rebase: BTreeMap<PathBuf, PathBuf> =
            set.iter().map(|f| (to_loader(f), f.clone())).collect();
        let opts = LoadOptions {
            files: set.iter().map(|f| to_loader(f)).collect(),
            cwd,
            env: plan.env.clone(),
            vars: plan.vars.clone(),
            overrides: Vec::new(),
            overlay: texts
                .iter()
                .map(|(p, t)| (to_loader(p), t.clone()))
                .collect(),
        };
        out.texts.extend(texts.clone());
        match bake::load(&opts) {
            Err(errors) => {
                if settings.is_enabled(&BK000, set.first().map_or(Path::new(""), |p| p.as_path())) {
                    for e in errors {
                        let file = if e.file.as_os_str().is_empty() {
                            set.first().cloned().unwrap_or_default()
                        } else {
                            rebase
                                .get(&e.file)
                                .cloned()
                                .unwrap_or_else(|| e.file.clone())
                        };
                        let mut d = bake_diagnostic(&BK000, settings, &file, e.span, e.message);
                        d.help = e.help;
                        let suppressed = texts
                            .get(&file)
                            .is_some_and(|t| CommentSuppressions::from_text(t).is_suppressed(&d));
                        if !suppressed {
                            out.diagnostics.push(d);
                        }
                    }
                }
            }
            Ok(project) => {
                let index = out.projects.len();
                for (name, target) in project.targets() {
                    if target.dockerfile_inline().is_some() {
                        inline_targets.push((index, name.clone()));
                        continue;
                    }
                    let Some(path) = target.dockerfile() else {
                        continue;
                    };
                    let key = normalize(&path);
                    let entry = uses.entry(key).or_insert_with(|| DockerfileUse {
                        path: path.clone(),
                        build: BuildInfo {
                            from_bake: true,
                            ..BuildInfo::default()
                        },
                    });
                    for (k, v) in target.args() {
                        entry.build.args.insert(k, v);
                    }
                    if entry.build.context.is_none() {
                        entry.build.context = target.context_path();
                    }
                    if let Some(stage) = target.target() {
                        entry.build.target = Some(stage.to_string());
                    }
                }
                out.projects.push(project);
                rebases.push(rebase);
            }
        }
    }

    // Files that exist only in memory, for rules that look for files.
    let virtual_files: Arc<BTreeSet<PathBuf>> =
        Arc::new(overlay.keys().map(|p| normalize(p)).collect());
    let virtual_texts: Arc<BTreeMap<PathBuf, String>> = Arc::new(
        overlay
            .iter()
            .map(|(p, t)| (normalize(p), t.clone()))
            .collect(),
    );
    for u in uses.values_mut() {
        u.build.virtual_files = virtual_files.clone();
        u.build.virtual_texts = virtual_texts.clone();
        u.build.in_bake_project = true;
    }

    let in_bake_project = out.projects.iter().any(|p| !p.files().is_empty());
    // Dockerfiles: the stand-alone ones plus every one a target builds.
    let mut dockerfiles: Vec<(PathBuf, BuildInfo)> = Vec::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    for path in &plan.dockerfiles {
        let key = normalize(path);
        let build = match uses.get(&key) {
            Some(u) => u.build.clone(),
            None => BuildInfo {
                context: path.parent().map(Path::to_path_buf),
                virtual_files: virtual_files.clone(),
                virtual_texts: virtual_texts.clone(),
                in_bake_project,
                ..BuildInfo::default()
            },
        };
        if seen.insert(key) {
            dockerfiles.push((path.clone(), build));
        }
    }
    for (key, u) in &uses {
        // The overlay may spell the path differently (`./x` vs `x`): compare normalised.
        if seen.insert(key.clone()) && (virtual_files.contains(key) || u.path.is_file()) {
            dockerfiles.push((u.path.clone(), u.build.clone()));
        }
    }
    // Dockerfiles a fix created in this run (`Dockerfile.base`, a merged
    // multi-stage file) that no target builds yet: lint them as discovery
    // would on the next run, so the fix loop reaches the same result now.
    let roots: Vec<PathBuf> = plan.roots.iter().map(|r| normalize(r)).collect();
    for path in overlay.keys() {
        let key = normalize(path);
        let under_a_root = roots.iter().any(|r| key.starts_with(r));
        if under_a_root
            && !path.is_file()
            && crate::project::classify(path) == Some(crate::project::FileKind::Dockerfile)
            && seen.insert(key)
        {
            dockerfiles.push((
                path.clone(),
                BuildInfo {
                    context: path.parent().map(Path::to_path_buf),
                    virtual_files: virtual_files.clone(),
                    virtual_texts: virtual_texts.clone(),
                    in_bake_project,
                    ..BuildInfo::default()
                },
            ));
        }
    }

    let parsed: Vec<(PathBuf, ParsedDockerfile, BuildInfo)> = dockerfiles
        .into_par_iter()
        .map(|(path, build)| {
            let parsed = read(overlay, &path).map(|t| {
                let df = Arc::new(dockerfile::parse(&t));
                (t, df)
            });
            (path, parsed, build)
        })
        .collect();
    let mut by_path: BTreeMap<PathBuf, Arc<Dockerfile>> = BTreeMap::new();
    let lint_results: Vec<Vec<Diagnostic>> = parsed
        .par_iter()
        .map(|(path, parsed, build)| match parsed {
            Ok((_, df)) => linter::lint_dockerfile(path, df, settings, build),
            Err(_) => Vec::new(),
        })
        .collect();
    for ((path, parsed, _), diags) in parsed.into_iter().zip(lint_results) {
        match parsed {
            Ok((text, df)) => {
                by_path.insert(normalize(&path), df);
                out.texts.insert(path, text);
                out.diagnostics.extend(diags);
            }
            Err(e) => out.errors.push(e),
        }
    }

    // Inline Dockerfiles: lint the content, map spans back into the bake file.
    for (index, name) in &inline_targets {
        let Some(project) = out.projects.get(*index) else {
            continue;
        };
        let Some(target) = project.targets().get(name) else {
            continue;
        };
        let mut diags = inline::lint_inline(project, target, settings);
        if let Some(map) = rebases.get(*index) {
            diags.iter_mut().for_each(|d| rebase_diagnostic(d, map));
        }
        out.diagnostics.extend(diags);
    }

    // Bake rules.
    for (index, project) in out.projects.iter().enumerate() {
        let mut diags = Vec::new();
        for rule in RULES.iter().copied() {
            let Some(check) = rule.bake_check() else {
                continue;
            };
            let ctx = BakeContext {
                project,
                rule,
                options: settings.options(rule),
                dockerfiles: &by_path,
                virtual_files: &virtual_files,
            };
            let start = diags.len();
            check(&ctx, &mut diags);
            let severity = settings.severity_override(rule);
            let mut kept = Vec::new();
            for mut d in diags.drain(start..) {
                if settings.is_enabled(rule, &d.file) {
                    if let Some(severity) = severity {
                        d.severity = severity;
                    }
                    kept.push(d);
                }
            }
            diags.extend(kept);
        }
        let suppressions: BTreeMap<PathBuf, CommentSuppressions> = project
            .files()
            .iter()
            .map(|f| (f.path.clone(), CommentSuppressions::from_text(&f.text)))
            .collect();
        diags.retain(|d| {
            !suppressions
                .get(&d.file)
                .is_some_and(|s| s.is_suppressed(d))
        });
        if let Some(map) = rebases.get(index) {
            diags.iter_mut().for_each(|d| rebase_diagnostic(d, map));
        }
        out.diagnostics.extend(diags);
    }

    // Bake checks name Dockerfiles by their normalised path, discovery by
    // the spelling it found (`./web/Dockerfile`): order by the normal form.
    out.diagnostics
        .sort_by_cached_key(|d| (normalize(&d.file), d.span.start, d.span.end, d.code));
    out.diagnostics.dedup();
    out
}

/// Maps the bake files' loader paths in a finding (its file, labels and
/// edits) back to the paths the user gave.
fn rebase_diagnostic(d: &mut Diagnostic, map: &BTreeMap<PathBuf, PathBuf>) {
    let fix = |p: &mut PathBuf| {
        if let Some(orig) = map.get(p.as_path()) {
            *p = orig.clone();
        }
    };
    fix(&mut d.file);
    for l in &mut d.labels {
        if let Some(f) = l.file.as_mut() {
            fix(f);
        }
    }
    if let Some(f) = d.fix.as_mut() {
        for e in &mut f.edits {
            match e {
                Edit::Replace { file, .. } | Edit::Create { file, .. } => fix(file),
            }
        }
    }
}

fn bake_diagnostic(
    rule: &'static crate::rules::RuleDef,
    settings: &Settings,
    file: &Path,
    span: crate::span::Span,
    message: String,
) -> Diagnostic {
    Diagnostic {
        code: rule.code,
        name: rule.name,
        severity: settings.severity(rule),
        file: file.to_path_buf(),
        span,
        message,
        help: None,
        labels: Vec::new(),
        fix: None,
    }
}
