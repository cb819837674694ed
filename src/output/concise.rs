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
    // Findings come grouped by file: the path is shown and the text looked
    // up once per run of findings in one file.
    let mut current: Option<(&std::path::Path, String, Option<super::SourceFile>)> = None;
    for d in diagnostics {
        if current
            .as_ref()
            .is_none_or(|(file, _, _)| *file != d.file.as_path())
        {
            let source = sources.get(&d.file).cloned();
            current = Some((d.file.as_path(), display_path(&d.file), source));
        }
        let Some((_, path, source)) = &current else {
            continue;
        };
        let pos = source
            .as_ref()
            .map(|s| s.position(d.span.start))
            .unwrap_or(crate::span::Position { line: 1, column: 1 });
        let fixable = match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => " [*]",
            _ => "",
        };
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
