//! Linting the Dockerfiles: each read and parsed once, then linted once per
//! build info it was given, in parallel.

use std::collections::BTreeMap;
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
    let mut index: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut spellings: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for b in &builds {
        index.entry(normalize(&b.path)).or_insert_with(|| {
            paths.push(b.path.clone());
            paths.len() - 1
        });
        spellings
            .entry(normalize(&b.path))
            .or_default()
            .extend(b.spellings.iter().map(|s| normalize(s)));
    }
    let texts: Vec<_> = paths
        .par_iter()
        .map(|path| read(overlay, path).map(|t| (Arc::new(dockerfile::parse(&t)), t)))
        .collect();
    let findings: Vec<Vec<Diagnostic>> = builds
        .par_iter()
        .map(|Build { path, build, .. }| {
            let parsed = index
                .get(&normalize(path))
                .and_then(|&i| texts.get(i))
                .and_then(|r| r.as_ref().ok());
            match parsed {
                Some((df, _)) => linter::lint_dockerfile(path, df, settings, build),
                None => Vec::new(),
            }
        })
        .collect();
    out.diagnostics.extend(findings.into_iter().flatten());
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
