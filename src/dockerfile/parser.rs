//! Dockerfile text → [`Dockerfile`] tree. (Implementation in progress.)

use super::ast::*;
use crate::span::{LineIndex, Span};

/// Parses a Dockerfile. Never fails: problems become [`ParseError`]s.
pub fn parse(source: &str) -> Dockerfile {
    Dockerfile {
        source: source.to_string(),
        bom: source.starts_with('\u{feff}'),
        crlf: source.contains("\r\n"),
        escape: '\\',
        directives: Vec::new(),
        nodes: vec![Node {
            span: Span::new(0, source.len()),
            kind: NodeKind::Comment,
        }],
        errors: Vec::new(),
        line_index: LineIndex::new(source),
    }
}

/// Parses an image reference written at source offset `base`.
pub fn parse_image_ref(image: &str, base: usize) -> ImageRef {
    ImageRef {
        repository: Spanned::new(image.to_string(), Span::new(base, base + image.len())),
        ..ImageRef::default()
    }
}
