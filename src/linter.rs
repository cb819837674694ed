//! Running the rules over one file.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::dockerfile::{self, Dockerfile};
use crate::rules::{BuildInfo, DockerfileContext, RULES};
use crate::suppress::Suppressions;

/// A file that could not be linted at all (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Reads a file as UTF-8 text, refusing binary files and reporting the
/// position of the first invalid byte.
pub fn read_source(path: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError {
        path: path.to_path_buf(),
        message: format!("cannot read file: {e}"),
    })?;
    decode_source(path, bytes)
}

/// Decodes file bytes as [`read_source`] does.
pub fn decode_source(path: &Path, bytes: Vec<u8>) -> Result<String, FileError> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(FileError {
            path: path.to_path_buf(),
            message: "binary file (contains NUL bytes), not a text file".to_string(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..valid.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        FileError {
            path: path.to_path_buf(),
            message: format!("invalid UTF-8 at line {line}, column {column} (byte {valid})"),
        }
    })
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
    let suppressions = Suppressions::from_dockerfile(dockerfile);
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
