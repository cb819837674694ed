//! GitLab Code Quality report (the `codequality` artifact):
//!
//! ```json
//! [{"description": "DF001 stage-name-casing: ...", "check_name": "DF001",
//!   "fingerprint": "...", "severity": "minor",
//!   "location": {"path": "Dockerfile", "lines": {"begin": 1, "end": 1}}}]
//! ```
//! Paths are relative to the repository root; fingerprints are the SARIF
//! ones (stable across runs, unique within a report).

use std::io::{self, Write};

use serde_json::{json, Value};

use super::sarif::{fingerprints, PathBase};
use super::Sources;
use crate::diagnostic::{Diagnostic, Severity};

/// GitLab's severity (info, minor, major, critical, blocker).
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Style => "info",
    }
}

/// The report as a JSON value.
pub fn report(diagnostics: &[Diagnostic], sources: &mut Sources, base: &PathBase) -> Value {
    let prints = fingerprints(diagnostics, sources, base);
    let issues: Vec<Value> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| {
            let (begin, end) = match sources.get(&d.file) {
                Some(s) => (s.position(d.span.start).line, s.position(d.span.end).line),
                None => (1, 1),
            };
            json!({
                "description": format!("{} {}: {}", d.code, d.name, d.message),
                "check_name": d.code,
                "fingerprint": print,
                "severity": severity(d.severity),
                "location": {
                    "path": base.relative(&d.file),
                    "lines": {"begin": begin, "end": end.max(begin)},
                },
            })
        })
        .collect();
    Value::Array(issues)
}

pub fn render_with(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    base: &PathBase,
    out: &mut dyn Write,
) -> io::Result<()> {
    let value = report(diagnostics, sources, base);
    serde_json::to_writer_pretty(&mut *out, &value).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with(diagnostics, sources, &PathBase::discover(), out)
}
