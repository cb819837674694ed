//! Linting the Dockerfiles: each read and parsed once, then linted once per
//! build info it was given, in parallel.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use super::builds::Build;
use super::{normalize, read, LintOutput};
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::dockerfile::{self, Dockerfile};
use crate::linter;

/// The parsed Dockerfiles, by normalised path (what the bake rules see).
pub type ParsedDockerfiles = BTreeMap<PathBuf, Arc<Dockerfile>>;

/// Lints every build; findings, texts and read errors go to `out`.
pub fn lint_all(
    builds: Vec<Build>,
    overlay: &BTreeMap<PathBuf, String>,
    settings: &Settings,
    out: &mut LintOutput,
) -> ParsedDockerfiles {
    let mut paths: Vec<PathBuf> = Vec::new();
    // Hashed, not ordered: comparing paths component by component made
    // these maps a visible part of linting a thousand named files.
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    let mut spellings: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    let mut normalized: Vec<PathBuf> = Vec::with_capacity(builds.len());
    for b in &builds {
        let key = normalize(&b.path);
        index.entry(key.clone()).or_insert_with(|| {
            paths.push(b.path.clone());
            paths.len() - 1
        });
        spellings
            .entry(key.clone())
            .or_default()
            .extend(b.spellings.iter().map(|s| normalize(s)));
        normalized.push(key);
    }
    // The builds of each file, so a file is parsed, linted for each of its
    // builds and its shell analysis dropped in one step: what a lint of a
    // thousand files keeps is their syntax trees, not every RUN's words
    // (memory that is never given back costs a fresh page per allocation).
    let mut builds_of: Vec<Vec<&Build>> = vec![Vec::new(); paths.len()];
    for (b, key) in builds.iter().zip(&normalized) {
        if let Some(&i) = index.get(key) {
            builds_of[i].push(b);
        }
    }
    // RUN scripts repeated across the files (variants of one template) are
    // analysed once.
    let scripts = Arc::new(crate::shell::ScriptCache::default());
    let linted: Vec<_> = paths
        .par_iter()
        .zip(builds_of.par_iter())
        .map(|(path, builds)| {
            let text = read(overlay, path)?;
            let mut parsed = dockerfile::parse(&text);
            parsed.script_cache = Some(scripts.clone());
            let mut df = Arc::new(parsed);
            let findings: Vec<Diagnostic> = builds
                .iter()
                .flat_map(|b| linter::lint_dockerfile(&b.path, &df, settings, &b.build))
                .collect();
            if let Some(df) = Arc::get_mut(&mut df) {
                df.release_run_analysis();
            }
            Ok((df, text, findings))
        })
        .collect();
    let mut texts = Vec::with_capacity(linted.len());
    for result in linted {
        texts.push(result.map(|(df, text, findings)| {
            out.diagnostics.extend(findings);
            (df, text)
        }));
    }
    let mut parsed = ParsedDockerfiles::new();
    for (path, result) in paths.into_iter().zip(texts) {
        match result {
            Ok((df, text)) => {
                let key = normalize(&path);
                // Bake rules look a target's Dockerfile up by its spelling.
                for s in spellings.remove(&key).unwrap_or_default() {
                    parsed.insert(s, df.clone());
                }
                parsed.insert(key, df);
                out.texts.insert(path, text);
            }
            Err(e) => out.errors.push(e),
        }
    }
    parsed
}
