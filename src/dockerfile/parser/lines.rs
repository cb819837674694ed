//! Physical lines and line continuations, as BuildKit's scanner sees them.

use crate::dockerfile::ast::LogicalText;
use crate::span::Span;

/// One physical line of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line {
    /// First byte of the line (0 for the first line, BOM included).
    pub start: usize,
    /// First byte of the content (after the BOM on the first line).
    pub content_start: usize,
    /// End of the content: trailing `\r`/`\n` bytes excluded (BuildKit's `trimNewline`).
    pub content_end: usize,
    /// End of the line, line ending included.
    pub end: usize,
}

/// Splits `src` into lines that keep their endings (the last may have none).
pub(super) fn split_lines(src: &str, bom: bool) -> Vec<Line> {
    let bytes = src.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 32 + 1);
    let mut start = 0;
    while start < bytes.len() {
        let end = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let content_start = if start == 0 && bom { 3 } else { start };
        let mut content_end = end;
        while content_end > content_start && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        lines.push(Line {
            start,
            content_start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

/// If `src[start..end]` ends with a line continuation (the escape character
/// followed only by spaces/tabs, not itself escaped), the escape's offset.
pub(super) fn continuation_at(src: &str, start: usize, end: usize, escape: char) -> Option<usize> {
    let bytes = src.as_bytes();
    let esc = u8::try_from(u32::from(escape)).ok()?;
    let mut k = end;
    while k > start && matches!(bytes[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    if k > start && bytes[k - 1] == esc {
        let at = k - 1;
        if at == start || bytes[at - 1] != esc {
            return Some(at);
        }
    }
    None
}

/// An instruction's lines joined over continuations.
pub(super) struct Joined {
    /// The logical line: content pieces with the escapes removed.
    pub text: LogicalText,
    /// Whole empty lines skipped inside the continuation.
    pub empty_lines: Vec<Span>,
    /// Whole comment lines skipped inside the continuation.
    pub comments: Vec<Span>,
    /// Index of the last line holding content or a comment.
    pub last: usize,
    /// Index of the first line after the instruction.
    pub next: usize,
}

/// One line of an instruction's continuation, as BuildKit's scanner reads it.
enum Piece {
    /// Content up to the continuation escape (or the line's end).
    Content(Span),
    /// A whole comment line inside the continuation.
    Comment(Span),
    /// A whole empty (or whitespace-only) line inside the continuation.
    Empty(Span),
}

/// Where an instruction's lines end.
struct Extent {
    /// Index of the last line holding content or a comment.
    last: usize,
    /// Index of the first line after the instruction.
    next: usize,
}

/// Walks the instruction starting on line `first` at byte `start` over its
/// continuation lines, giving each line to `visit`. Comment and
/// whitespace-only lines inside the continuation are their own pieces
/// (BuildKit drops them from the instruction); continuing at the end of
/// the file simply stops.
fn walk_continuation(
    src: &str,
    lines: &[Line],
    first: usize,
    start: usize,
    escape: char,
    mut visit: impl FnMut(Piece),
) -> Extent {
    let mut extent = Extent {
        last: first,
        next: first + 1,
    };
    let Some(line) = lines.get(first) else {
        return extent;
    };
    let mut cont = continuation_at(src, start, line.content_end, escape);
    visit(Piece::Content(Span::new(
        start,
        cont.unwrap_or(line.content_end),
    )));
    while cont.is_some() {
        let Some(&line) = lines.get(extent.next) else {
            break;
        };
        extent.next += 1;
        let trimmed = src[line.start..line.content_end].trim_start_matches(char::is_whitespace);
        let whole = Span::new(line.start, line.end);
        if trimmed.starts_with('#') {
            visit(Piece::Comment(whole));
            extent.last = extent.next - 1;
        } else if trimmed.is_empty() {
            visit(Piece::Empty(whole));
        } else {
            cont = continuation_at(src, line.start, line.content_end, escape);
            visit(Piece::Content(Span::new(
                line.start,
                cont.unwrap_or(line.content_end),
            )));
            extent.last = extent.next - 1;
        }
    }
    extent
}

/// Joins the instruction starting on line `first` at byte `start` with its
/// continuation lines (see [`walk_continuation`]).
pub(super) fn join_continuations(
    src: &str,
    lines: &[Line],
    first: usize,
    start: usize,
    escape: char,
) -> Joined {
    let mut text = LogicalText::default();
    let mut empty_lines = Vec::new();
    let mut comments = Vec::new();
    let extent = walk_continuation(src, lines, first, start, escape, |piece| match piece {
        Piece::Content(span) => text.push_source(src, span),
        Piece::Comment(whole) => comments.push(whole),
        Piece::Empty(whole) => empty_lines.push(whole),
    });
    Joined {
        text,
        empty_lines,
        comments,
        last: extent.last,
        next: extent.next,
    }
}

/// The index of the first line after the instruction starting on line
/// `first` at byte `start`, found without joining its text.
pub(super) fn continuation_end(
    src: &str,
    lines: &[Line],
    first: usize,
    start: usize,
    escape: char,
) -> usize {
    walk_continuation(src, lines, first, start, escape, |_| {}).next
}

/// Byte length of the leading Unicode whitespace of `text`.
pub(super) fn leading_space_len(text: &str) -> usize {
    text.len() - text.trim_start_matches(char::is_whitespace).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_endings() {
        let src = "\u{feff}a\r\nb\n\nc";
        let lines = split_lines(src, true);
        assert_eq!(lines.len(), 4);
        assert_eq!(
            (
                lines[0].start,
                lines[0].content_start,
                lines[0].content_end,
                lines[0].end
            ),
            (0, 3, 4, 6)
        );
        assert_eq!(&src[lines[3].content_start..lines[3].content_end], "c");
        assert!(split_lines("", false).is_empty());
    }

    #[test]
    fn continuation_rules() {
        assert_eq!(continuation_at("a \\ \t", 0, 5, '\\'), Some(2));
        assert_eq!(continuation_at("a\\\\", 0, 3, '\\'), None);
        assert_eq!(continuation_at("\\", 0, 1, '\\'), Some(0));
        assert_eq!(continuation_at("a`", 0, 2, '`'), Some(1));
        assert_eq!(continuation_at("a\\", 0, 2, '`'), None);
    }
}
