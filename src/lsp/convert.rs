//! Conversions between bakelint's byte spans and LSP's UTF-16 positions,
//! and between file paths and URIs.

use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Url,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::output::sarif::help_uri;
use crate::rules;
use crate::span::{clamp_to_char_boundary, LineIndex, Span};

/// A text with its line index.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    pub index: LineIndex,
}

impl Text {
    pub fn new(text: String) -> Text {
        let index = LineIndex::new(&text);
        Text { text, index }
    }

    /// The LSP position (zero-based line, UTF-16 column) of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let (line, col) = self.index.utf16_position(&self.text, offset);
        Position::new(to_u32(line), to_u32(col))
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of an LSP position; positions past the end of a line
    /// clamp to the line end, past the last line to the end of the text.
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        if line >= self.index.line_count() {
            return self.text.len();
        }
        let start = self.index.line_start(line);
        let rest = self.text.get(start..).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in rest.char_indices() {
            if units >= pos.character as usize || c == '\n' || c == '\r' {
                return start + i;
            }
            units += c.len_utf16();
        }
        self.text.len()
    }

    /// The range covering the whole text.
    pub fn full_range(&self) -> Range {
        Range::new(Position::new(0, 0), self.position(self.text.len()))
    }

    /// The byte span of the line holding `offset` (without its line break).
    pub fn line_span(&self, offset: usize) -> Span {
        let offset = clamp_to_char_boundary(&self.text, offset);
        let line = self.index.line_of(offset);
        let start = self.index.line_start(line);
        let end = if line + 1 < self.index.line_count() {
            self.index.line_start(line + 1)
        } else {
            self.text.len()
        };
        let body = self.text.get(start..end).unwrap_or("");
        let trimmed = body.trim_end_matches(['\n', '\r']);
        Span::new(start, start + trimmed.len())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Style => DiagnosticSeverity::HINT,
    }
}

/// The file URI of a path (absolute paths only).
pub fn path_to_uri(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// The path of a URI: the file path for `file:` URIs, the URI's path otherwise.
pub fn uri_to_path(uri: &Url) -> PathBuf {
    uri.to_file_path()
        .unwrap_or_else(|()| PathBuf::from(uri.path()))
}

/// A bakelint diagnostic as an LSP diagnostic of the document `text`/`uri`.
/// `other` gives the text of other files labels point into.
pub fn to_lsp(
    d: &Diagnostic,
    text: &Text,
    uri: &Url,
    other: &mut dyn FnMut(&Path) -> Option<(Url, Text)>,
) -> lsp_types::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let location = match &l.file {
                Some(f) if f != &d.file => {
                    let (u, t) = other(f)?;
                    Location::new(u, t.range(l.span))
                }
                _ => Location::new(uri.clone(), text.range(l.span)),
            };
            Some(DiagnosticRelatedInformation {
                location,
                message: l.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let code_description = rules::find(d.code)
        .and_then(help_uri)
        .and_then(|uri| Url::parse(&uri).ok())
        .map(|href| CodeDescription { href });
    lsp_types::Diagnostic {
        range: text.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description,
        source: Some("bakelint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_round_trip() {
        // "é" is 2 bytes / 1 unit, "𝄞" 4 bytes / 2 units.
        let t = Text::new("ab\né𝄞x\r\nlast".to_string());
        let x = t.text.find('x').unwrap_or(0);
        assert_eq!(t.position(x), Position::new(1, 3));
        assert_eq!(t.offset(Position::new(1, 3)), x);
        assert_eq!(t.offset(Position::new(1, 1)), t.text.find('𝄞').unwrap_or(0));
        // Past the line end clamps before the line break.
        assert_eq!(t.offset(Position::new(1, 99)), x + 1);
        // Past the last line: the end of the text.
        assert_eq!(t.offset(Position::new(9, 0)), t.text.len());
        assert_eq!(t.full_range().end, Position::new(2, 4));
        assert_eq!(t.line_span(x), Span::new(3, x + 1));
    }
}
