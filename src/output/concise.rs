//! `path:line:col: CODE message` — what editors' quickfix lists and grep read.

use std::io::{self, Write};

use super::{display_path, Sources};
use crate::diagnostic::{Applicability, Diagnostic};

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let pos = sources
            .get(&d.file)
            .map(|s| s.position(d.span.start))
            .unwrap_or(crate::span::Position { line: 1, column: 1 });
        let fixable = match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => " [*]",
            _ => "",
        };
        let path = display_path(&d.file);
        if color {
            writeln!(
                out,
                "\x1b[1m{path}\x1b[0m:{}:{}: \x1b[1;31m{}\x1b[0m{fixable} {}",
                pos.line, pos.column, d.code, d.message
            )?;
        } else {
            writeln!(
                out,
                "{path}:{}:{}: {}{fixable} {}",
                pos.line, pos.column, d.code, d.message
            )?;
        }
    }
    Ok(())
}
