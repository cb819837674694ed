//! GitHub Actions workflow commands: one annotation per finding.
//!
//! ```text
//! ::warning file=Dockerfile,line=1,col=14,endLine=1,endColumn=21,title=DF001 stage-name-casing::Stage name 'Builder' should be lowercase
//! ```
//! `error`/`warning`/`notice` follow the severity. Property values escape
//! `%`, `\r`, `\n`, `:` and `,`; the message escapes `%`, `\r` and `\n`,
//! exactly as `@actions/core` (`escapeProperty` / `escapeData`) does.

use std::io::{self, Write};

use super::{display_path, Sources};
use crate::diagnostic::{Diagnostic, Severity};

/// `escapeData` of the Actions toolkit (for the message).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of the Actions toolkit (for `file=`, `title=`, ...).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for a severity.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "notice",
    }
}

/// One annotation line (without the newline).
pub fn annotation(d: &Diagnostic, sources: &mut Sources) -> String {
    let (start, end) = match sources.get(&d.file) {
        Some(s) => (s.position(d.span.start), s.position(d.span.end)),
        None => {
            let p = crate::span::Position { line: 1, column: 1 };
            (p, p)
        }
    };
    format!(
        "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        command(d.severity),
        escape_property(&display_path(&d.file)),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(&format!("{} {}", d.code, d.name)),
        escape_data(&d.message),
    )
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "{}", annotation(d, sources))?;
    }
    Ok(())
}
