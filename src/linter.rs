//! Running the rules over one file.

use std::path::Path;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::dockerfile::{self, Dockerfile};
use crate::rules::{BuildInfo, DockerfileContext, RULES};
use crate::suppress::Suppressions;

/// A file that could not be linted at all (exit code 2).
pub use crate::fsread::FileError;

/// Reads a file as UTF-8 text through [`crate::fsread`]: only regular files
/// up to its size limit; UTF-16, binary files and invalid UTF-8 are refused
/// with a message that says which.
pub fn read_source(path: &Path) -> Result<String, FileError> {
    crate::fsread::read_text(path)
}

/// Decodes file bytes as [`read_source`] does.
pub fn decode_source(path: &Path, bytes: Vec<u8>) -> Result<String, FileError> {
    crate::fsread::decode(path, bytes)
}

/// Lints parsed Dockerfile text with the enabled rules; applies severity
/// overrides and suppressions; sorted by position.
pub fn lint_dockerfile(
    path: &Path,
    dockerfile: &Dockerfile,
    settings: &Settings,
    build: &BuildInfo,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let enabled = settings.enabled_for(path);
    for (rule, on) in RULES.iter().copied().zip(enabled) {
        let Some(check) = rule.dockerfile_check() else {
            continue;
        };
        if !on {
            continue;
        }
        let ctx = DockerfileContext {
            path,
            dockerfile,
            rule,
            options: settings.options(rule),
            build,
        };
        let start = out.len();
        check(&ctx, &mut out);
        if let Some(severity) = settings.severity_override(rule) {
            for d in &mut out[start..] {
                d.severity = severity;
            }
        }
    }
    let mut suppressions = Suppressions::from_dockerfile(dockerfile);
    if settings.disable_ignore_pragma {
        suppressions.disable_ignore_pragmas();
    }
    out.retain(|d| !suppressions.is_suppressed(d));
    sort_diagnostics(&mut out);
    out
}

/// Parses and lints Dockerfile text.
pub fn lint_dockerfile_text(
    path: &Path,
    text: &str,
    settings: &Settings,
    build: &BuildInfo,
) -> Vec<Diagnostic> {
    let df = dockerfile::parse(text);
    lint_dockerfile(path, &df, settings, build)
}

/// Stable order: file, position, code.
pub fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.span.start, a.span.end, a.code).cmp(&(
            &b.file,
            b.span.start,
            b.span.end,
            b.code,
        ))
    });
}
