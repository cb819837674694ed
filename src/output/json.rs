//! The JSON report: a stable, documented array of findings.
//!
//! ```json
//! [{"code": "DF001", "name": "stage-name-casing", "severity": "warning",
//!   "message": "...", "help": "...", "path": "Dockerfile",
//!   "start": {"line": 1, "column": 14, "offset": 13}, "end": {...},
//!   "labels": [{"path": "...", "message": "...", "start": {...}, "end": {...}}],
//!   "fix": {"message": "...", "applicability": "safe",
//!           "edits": [{"kind": "replace", "path": "...", "start": {...}, "end": {...}, "content": "..."},
//!                     {"kind": "create", "path": "...", "content": "..."}]}}]
//! ```
//! Lines and columns are one-based (columns in characters); offsets are byte offsets.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use super::{display_path, Sources};
use crate::diagnostic::{Diagnostic, Edit};
use crate::span::Span;

fn location(sources: &mut Sources, path: &Path, offset: usize) -> Value {
    let pos = sources.get(path).map(|s| s.position(offset));
    json!({
        "line": pos.map_or(1, |p| p.line),
        "column": pos.map_or(1, |p| p.column),
        "offset": offset,
    })
}

fn range(sources: &mut Sources, path: &Path, span: Span) -> (Value, Value) {
    (
        location(sources, path, span.start),
        location(sources, path, span.end),
    )
}

/// One finding as a JSON value (shared by the line-oriented formats).
pub fn diagnostic_value(d: &Diagnostic, sources: &mut Sources) -> Value {
    let (start, end) = range(sources, &d.file, d.span);
    let labels: Vec<Value> = d
        .labels
        .iter()
        .map(|l| {
            let file = l.file.as_deref().unwrap_or(&d.file);
            let (s, e) = range(sources, file, l.span);
            json!({"path": display_path(file), "message": l.message, "start": s, "end": e})
        })
        .collect();
    let fix = d.fix.as_ref().map(|f| {
        let edits: Vec<Value> = f
            .edits
            .iter()
            .map(|e| match e {
                Edit::Replace { file, span, content } => {
                    let (s, en) = range(sources, file, *span);
                    json!({"kind": "replace", "path": display_path(file), "start": s, "end": en, "content": content})
                }
                Edit::Create { file, content } => {
                    json!({"kind": "create", "path": display_path(file), "content": content})
                }
            })
            .collect();
        json!({"message": f.message, "applicability": f.applicability, "edits": edits})
    });
    json!({
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "help": d.help,
        "path": display_path(&d.file),
        "start": start,
        "end": end,
        "labels": labels,
        "fix": fix,
    })
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let values: Vec<Value> = diagnostics
        .iter()
        .map(|d| diagnostic_value(d, sources))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &values).map_err(io::Error::other)?;
    writeln!(out)
}
