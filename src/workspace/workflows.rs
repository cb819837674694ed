//! Linting GitHub Actions workflows: each file is read on its own (through
//! the overlay, so the fix loop re-lints its in-memory result); a file that
//! is not a readable workflow is a file error with its position, and the
//! other files are still linted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::linter::FileError;
use crate::pipeline::workflow;
use crate::rules::{WorkflowContext, RULES};
use crate::suppress::CommentSuppressions;

use super::LintOutput;

pub(super) fn lint(
    path: &Path,
    overlay: &BTreeMap<PathBuf, String>,
    settings: &Settings,
    bake: &[super::LoadedSet],
    out: &mut LintOutput,
) {
    let text = match super::read(overlay, path) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e);
            return;
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
            return;
        }
    };
    let suppressions = CommentSuppressions::from_text(&text);
    for rule in RULES.iter().copied() {
        let Some(check) = rule.workflow_check() else {
            continue;
        };
        if !settings.is_enabled(rule, path) {
            continue;
        }
        let ctx = WorkflowContext {
            path,
            text: &text,
            workflow: &workflow,
            bake,
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
