//! Linting GitHub Actions workflows: each file is read on its own (through
//! the overlay, so the fix loop re-lints its in-memory result); a file that
//! is not a readable workflow is a file error with its position, and the
//! other files are still linted.
//!
//! Workflows are read right after the bake sets, before any rule runs, so
//! their links to the sets (which job builds which targets, with which
//! `set:` overrides: [`crate::pipeline::links`]) exist for the bake rules
//! too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::linter::FileError;
use crate::pipeline::links::WorkflowLinks;
use crate::pipeline::workflow::{self, Workflow};
use crate::rules::{WorkflowContext, RULES};
use crate::suppress::CommentSuppressions;

use super::LintOutput;

/// A workflow read and linked to the bake sets.
pub(super) struct LoadedWorkflow {
    pub path: PathBuf,
    pub text: String,
    pub workflow: Workflow,
    pub links: WorkflowLinks,
}

/// Reads every workflow of the plan; read errors go to `out.errors`, the
/// texts to `out.texts`.
pub(super) fn load_all(
    paths: &[PathBuf],
    overlay: &BTreeMap<PathBuf, String>,
    bake: &[super::LoadedSet],
    out: &mut LintOutput,
) -> Vec<LoadedWorkflow> {
    paths
        .iter()
        .filter_map(|path| load(path, overlay, bake, out))
        .collect()
}

fn load(
    path: &Path,
    overlay: &BTreeMap<PathBuf, String>,
    bake: &[super::LoadedSet],
    out: &mut LintOutput,
) -> Option<LoadedWorkflow> {
    let text = match super::read(overlay, path) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e);
            return None;
        }
    };
    out.texts.insert(path.to_path_buf(), text.clone());
    let workflow = match workflow::load(&text) {
        Ok(w) => w,
        Err(e) => {
            out.errors.push(FileError {
                path: path.to_path_buf(),
                message: format!("cannot read the workflow: {e}"),
            });
            return None;
        }
    };
    let links = WorkflowLinks::new(path, &text, &workflow, bake);
    Some(LoadedWorkflow {
        path: path.to_path_buf(),
        text,
        workflow,
        links,
    })
}

/// Runs the workflow rules on one workflow.
pub(super) fn lint(
    loaded: &LoadedWorkflow,
    settings: &Settings,
    bake: &[super::LoadedSet],
    overlay: &BTreeMap<PathBuf, String>,
    out: &mut LintOutput,
) {
    let path = loaded.path.as_path();
    let text = &loaded.text;
    let suppressions = CommentSuppressions::from_text(text);
    for rule in RULES.iter().copied() {
        let Some(check) = rule.workflow_check() else {
            continue;
        };
        if !settings.is_enabled(rule, path) {
            continue;
        }
        let ctx = WorkflowContext {
            path,
            text,
            workflow: &loaded.workflow,
            bake,
            links: &loaded.links,
            rule,
            options: settings.options(rule),
            overlay,
        };
        let mut found = Vec::new();
        check(&ctx, &mut found);
        let severity = settings.severity_override(rule);
        for mut d in found {
            if suppressions.is_suppressed(&d) {
                continue;
            }
            if let Some(severity) = severity {
                d.severity = severity;
            }
            out.diagnostics.push(d);
        }
    }
}
