//! Loading the bake file sets: each set's texts (through the overlay), its
//! base (see [`super::base`]), its evaluation; a set that fails to
//! evaluate becomes BK000 findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::bake::{self, BakeError, BakeProject, LoadOptions};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Edit};
use crate::rules::BK000;
use crate::suppress::CommentSuppressions;

use super::base::{self, Resolver};
use super::{identity, normalize, read, InMemory, LintOutput, Plan};

/// One evaluated bake definition.
pub struct LoadedSet {
    pub project: BakeProject,
    /// The loader sees the bake files relative to the base, as buildx run
    /// there would; this maps those paths back to the paths we were given.
    pub rebase: BTreeMap<PathBuf, PathBuf>,
    /// What the set was evaluated with (to evaluate it again with a CI
    /// build's `--set` overrides, see [`crate::pipeline::links`]).
    pub options: LoadOptions,
}

impl LoadedSet {
    /// Maps the bake files' loader paths in a finding (its file, labels and
    /// edits) back to the paths the user gave.
    pub fn rebase(&self, d: &mut Diagnostic) {
        let fix = |p: &mut PathBuf| {
            if let Some(orig) = self.rebase.get(p.as_path()) {
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
}

/// Loads every set of `plan`; read errors go to `out.errors`, evaluation
/// errors to `out.diagnostics` (BK000), the texts to `out.texts`.
pub fn load_all(
    plan: &Plan,
    overlay: &BTreeMap<PathBuf, String>,
    settings: &Settings,
    in_memory: &InMemory,
    out: &mut LintOutput,
) -> Vec<LoadedSet> {
    let mut resolver = Resolver::new(overlay, &in_memory.files);
    let mut loaded = Vec::new();
    for set in &plan.bake_sets {
        let Some(texts) = read_set(set, overlay, out) else {
            continue;
        };
        out.texts.extend(texts.clone());
        match load_set(plan, set, &texts, &mut resolver) {
            Ok(set) => loaded.push(set),
            Err((errors, rebase)) => {
                report_errors(set, &texts, errors, &rebase, settings, out);
            }
        }
    }
    loaded
}

/// The texts of a set's files, or `None` when one cannot be read.
fn read_set(
    set: &[PathBuf],
    overlay: &BTreeMap<PathBuf, String>,
    out: &mut LintOutput,
) -> Option<BTreeMap<PathBuf, String>> {
    let mut texts = BTreeMap::new();
    let mut readable = true;
    for f in set {
        match read(overlay, f) {
            Ok(t) => {
                texts.insert(f.clone(), t);
            }
            Err(e) => {
                out.errors.push(e);
                readable = false;
            }
        }
    }
    readable.then_some(texts)
}

type LoadFailure = (Vec<BakeError>, BTreeMap<PathBuf, PathBuf>);

/// Evaluates a set against its base: the caller's directory for `-f`,
/// else the candidate where most of its paths resolve (evaluated in the
/// bake file's directory first, then again at the chosen base if another).
fn load_set(
    plan: &Plan,
    set: &[PathBuf],
    texts: &BTreeMap<PathBuf, String>,
    resolver: &mut Resolver<'_>,
) -> Result<LoadedSet, LoadFailure> {
    if !plan.explicit_bake.is_empty() && set == plan.explicit_bake.as_slice() {
        return load_at(plan, set, texts, &base::fixed(&plan.cwd));
    }
    let bake_dir = set
        .first()
        .and_then(|f| f.parent())
        .unwrap_or(Path::new(""));
    let candidates = base::candidates(bake_dir, &plan.roots, &plan.cwd);
    let Some(nearest) = candidates.first().cloned() else {
        return load_at(plan, set, texts, &base::fixed(&plan.cwd));
    };
    let first = load_at(plan, set, texts, &nearest)?;
    match resolver.choose(&first.project, set, candidates) {
        Some(chosen) if chosen != nearest => load_at(plan, set, texts, &chosen),
        _ => Ok(first),
    }
}

/// Evaluates a set as `docker buildx bake` run in `base` would.
fn load_at(
    plan: &Plan,
    set: &[PathBuf],
    texts: &BTreeMap<PathBuf, String>,
    base: &Path,
) -> Result<LoadedSet, LoadFailure> {
    let from = normalize(base);
    let from_absolute = identity(base);
    let to_loader = |p: &Path| -> PathBuf {
        if let Ok(rel) = normalize(p).strip_prefix(&from) {
            return rel.to_path_buf();
        }
        // A base above the working directory (`..`): compare real places.
        let absolute = identity(p);
        match absolute.strip_prefix(&from_absolute) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => absolute,
        }
    };
    let rebase: BTreeMap<PathBuf, PathBuf> =
        set.iter().map(|f| (to_loader(f), f.clone())).collect();
    let opts = LoadOptions {
        files: set.iter().map(|f| to_loader(f)).collect(),
        cwd: base.to_path_buf(),
        env: plan.env.clone(),
        vars: plan.vars.clone(),
        overrides: Vec::new(),
        overlay: texts
            .iter()
            .map(|(p, t)| (to_loader(p), t.clone()))
            .collect(),
    };
    match bake::load(&opts) {
        Ok(project) => Ok(LoadedSet {
            project,
            rebase,
            options: opts,
        }),
        Err(errors) => Err((errors, rebase)),
    }
}

/// A set that fails to evaluate: its errors as BK000 findings, in the files
/// the user gave, unless a comment there suppresses them.
fn report_errors(
    set: &[PathBuf],
    texts: &BTreeMap<PathBuf, String>,
    errors: Vec<BakeError>,
    rebase: &BTreeMap<PathBuf, PathBuf>,
    settings: &Settings,
    out: &mut LintOutput,
) {
    let first = set.first().cloned().unwrap_or_default();
    if !settings.is_enabled(&BK000, &first) {
        return;
    }
    for e in errors {
        let file = if e.file.as_os_str().is_empty() {
            first.clone()
        } else {
            rebase
                .get(&e.file)
                .cloned()
                .unwrap_or_else(|| e.file.clone())
        };
        let d = Diagnostic {
            code: BK000.code,
            name: BK000.name,
            severity: settings.severity(&BK000),
            file,
            span: e.span,
            message: e.message,
            help: e.help,
            labels: Vec::new(),
            fix: None,
        };
        let suppressed = texts
            .get(&d.file)
            .is_some_and(|t| CommentSuppressions::from_text(t).is_suppressed(&d));
        if !suppressed {
            out.diagnostics.push(d);
        }
    }
}
