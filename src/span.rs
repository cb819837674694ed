//! Byte spans and line/column lookup.
//!
//! Every diagnostic, label and edit is expressed as a byte range into the
//! original file text (BOM included), so that fixes can splice the file
//! without re-serialising it.

use serde::Serialize;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset` (an insertion point).
    pub const fn empty(offset: usize) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span that covers both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    /// Whether two edits on these spans would conflict: ranges that share a
    /// byte, an insertion strictly inside a range, or two insertions at the
    /// same point (their order would be ambiguous). Touching ends is fine.
    pub fn overlaps(&self, other: &Span) -> bool {
        match (self.is_empty(), other.is_empty()) {
            (true, true) => self.start == other.start,
            (true, false) => other.start < self.start && self.start < other.end,
            (false, true) => self.start < other.start && other.start < self.end,
            (false, false) => self.start < other.end && other.start < self.end,
        }
    }

    /// Shift by a base offset (used to map spans of an embedded text).
    pub fn offset(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }

    /// The text this span covers, or "" when it is out of range (never panics).
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// One-based line and column of a byte offset. `column` counts Unicode
/// scalar values (what editors and `file:line:col` consumers expect);
/// `utf16_column` is zero-based in UTF-16 code units (what LSP wants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The length in bytes of a UTF-8 byte order mark.
const BOM_LEN: usize = '\u{feff}'.len_utf8();

/// Precomputed line starts so every lookup is a binary search, whatever the
/// position in the file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // memchr: many bytes at a time (every file is indexed).
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { line_starts }
    }

    /// Zero-based line number of the line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.line_starts.get(line0).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// One-based line/column of `offset` in `text` (columns in characters).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line0 = self.line_of(offset);
        let start = self.content_start(text, line0, offset);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Position {
            line: line0 + 1,
            column,
        }
    }

    /// Where columns of line `line0` count from: after a UTF-8 byte order
    /// mark on the first line, which no format counts as a column (editors
    /// do not show it), so a file with and without one give the same positions.
    fn content_start(&self, text: &str, line0: usize, offset: usize) -> usize {
        let start = self.line_start(line0);
        if line0 == 0 && text.starts_with('\u{feff}') && offset >= BOM_LEN {
            return BOM_LEN;
        }
        start
    }

    /// Zero-based (line, UTF-16 column) of `offset`, for LSP.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char_boundary(text, offset);
        let line0 = self.line_of(offset);
        let start = self.content_start(text, line0, offset);
        let col = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        (line0, col)
    }
}

/// The largest char boundary `<= offset` (and `<= text.len()`).
pub fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_no_column() {
        let with = "\u{feff}FROM x\nRUN y\n";
        let without = "FROM x\nRUN y\n";
        let (iw, io) = (LineIndex::new(with), LineIndex::new(without));
        let bom = '\u{feff}'.len_utf8();
        for (at_with, at_without) in [(bom, 0), (bom + 5, 5), (bom + 7, 7)] {
            assert_eq!(iw.position(with, at_with), io.position(without, at_without));
            assert_eq!(
                iw.utf16_position(with, at_with),
                io.utf16_position(without, at_without)
            );
        }
        assert_eq!(iw.position(with, bom).column, 1);
    }

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçd\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 3), Position { line: 2, column: 1 });
        // 'd' is after the two-byte 'ç'
        assert_eq!(idx.position(text, 5), Position { line: 2, column: 2 });
        assert_eq!(idx.position(text, 7), Position { line: 3, column: 1 });
        assert_eq!(idx.position(text, 8), Position { line: 4, column: 1 });
        // past the end clamps
        assert_eq!(idx.position(text, 100), Position { line: 4, column: 2 });
    }

    #[test]
    fn overlap_rules() {
        assert!(Span::new(0, 5).overlaps(&Span::new(4, 6)));
        assert!(!Span::new(0, 5).overlaps(&Span::new(5, 6)));
        assert!(Span::empty(3).overlaps(&Span::new(0, 5)));
        assert!(
            !Span::empty(5).overlaps(&Span::new(0, 5)),
            "an insertion at the end touches"
        );
        assert!(
            !Span::new(0, 5).overlaps(&Span::empty(0)),
            "an insertion at the start touches"
        );
        assert!(Span::empty(3).overlaps(&Span::empty(3)));
        assert!(!Span::empty(3).overlaps(&Span::empty(4)));
    }
}
