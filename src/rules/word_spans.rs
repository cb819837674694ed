//! Where the bytes of a Dockerfile word are in the source: maps spans inside
//! a word's processed text back to source spans, through JSON quotes and
//! line continuations.

use crate::dockerfile::{LogicalText, Spanned};
use crate::span::Span;

/// Maps spans relative to a word's text to source spans.
#[derive(Debug, Clone, Copy)]
pub enum WordMap<'a> {
    /// The word is a verbatim slice of the source starting here.
    Direct(usize),
    /// The word is a verbatim slice of a logical text starting at this offset.
    Logical(&'a LogicalText, usize),
}

impl WordMap<'_> {
    pub fn map(&self, rel: Span) -> Span {
        match *self {
            WordMap::Direct(base) => rel.offset(base),
            WordMap::Logical(text, lo) => text.source_span(rel.offset(lo)),
        }
    }
}

/// How to find the source bytes of `word`, whose text may be a verbatim
/// source slice, a JSON string literal without escapes, or a piece of the
/// instruction's logical (continuation-joined) arguments. `None` when the
/// word's text cannot be located byte for byte.
pub fn word_map<'a>(
    source: &str,
    args: &'a LogicalText,
    word: &Spanned<String>,
) -> Option<WordMap<'a>> {
    let slice = word.span.slice(source);
    if slice == word.value {
        return Some(WordMap::Direct(word.span.start));
    }
    if slice.len() == word.value.len() + 2
        && slice.starts_with('"')
        && slice.ends_with('"')
        && slice.get(1..slice.len() - 1) == Some(word.value.as_str())
    {
        return Some(WordMap::Direct(word.span.start + 1));
    }
    let lo = logical_offset(args, word.span.start)?;
    if args.text.get(lo..lo + word.value.len()) == Some(word.value.as_str()) {
        return Some(WordMap::Logical(args, lo));
    }
    None
}

/// The logical offset whose source offset is `source_offset`, if it is inside a segment.
pub fn logical_offset(text: &LogicalText, source_offset: usize) -> Option<usize> {
    text.segments
        .iter()
        .find(|&&(_, s, len)| source_offset >= s && source_offset < s + len)
        .map(|&(l, s, _)| l + (source_offset - s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_offsets() {
        let lt = LogicalText {
            text: "a  b".into(),
            segments: vec![(0, 4, 2), (2, 8, 2)],
        };
        assert_eq!(logical_offset(&lt, 9), Some(3));
        assert_eq!(logical_offset(&lt, 6), None);
    }
}
