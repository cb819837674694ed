//! Running the bake rules on one evaluated definition, with the parsed
//! Dockerfiles its targets build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::pipeline::links::CiBuilds;
use crate::rules::{BakeContext, RULES};
use crate::suppress::CommentSuppressions;

use super::bake_sets::LoadedSet;
use super::dockerfiles::ParsedDockerfiles;

/// The findings of every enabled bake rule on `set`, with the configured
/// severities, less those a comment suppresses, in the user's paths.
pub fn run(
    set: &LoadedSet,
    ci: &CiBuilds<'_>,
    settings: &Settings,
    dockerfiles: &ParsedDockerfiles,
    virtual_files: &BTreeSet<PathBuf>,
    lint_roots: &[PathBuf],
) -> Vec<Diagnostic> {
    let project = &set.project;
    let suppressions: BTreeMap<PathBuf, CommentSuppressions> = project
        .files()
        .iter()
        .map(|f| (f.path.clone(), CommentSuppressions::from_text(&f.text)))
        .collect();
    let mut diags = Vec::new();
    for rule in RULES.iter().copied() {
        let Some(check) = rule.bake_check() else {
            continue;
        };
        let ctx = BakeContext {
            project,
            rule,
            options: settings.options(rule),
            dockerfiles,
            virtual_files,
            lint_roots,
            ci,
        };
        let mut found = Vec::new();
        check(&ctx, &mut found);
        let severity = settings.severity_override(rule);
        for mut d in found {
            if suppressions
                .get(&d.file)
                .is_some_and(|s| s.is_suppressed(&d))
            {
                continue;
            }
            // Rules see the loader's paths; settings match the user's.
            set.rebase(&mut d);
            if settings.is_enabled(rule, &d.file) {
                if let Some(severity) = severity {
                    d.severity = severity;
                }
                diags.push(d);
            }
        }
    }
    diags
}
