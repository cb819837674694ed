//! Where the text of a YAML scalar's value is in the file.
//!
//! A workflow value is a YAML scalar: its decoded value is not always its
//! bytes (quotes, escapes, block indentation, folding). Findings and fixes
//! inside a value (one line of a `set:` list, one word of a `run:` script)
//! need file offsets, so the value is aligned with its source: every run of
//! value text that is copied verbatim from one source line becomes a segment
//! (a [`LogicalText`] whose text is the value). The alignment is checked, so
//! a value whose bytes cannot be found as written (escapes in a quoted
//! scalar) gets no segments, and callers fall back to the whole scalar's
//! span instead of pointing (or editing) at bytes that mean something else.
//!
//! List inputs of the Docker actions are read here too, as
//! `@docker/actions-toolkit`'s `Util.getInputList` reads them: one item per
//! line, each line also split at commas unless the input ignores commas
//! (`set`, `cache-from`, `cache-to`), surrounding blanks trimmed, empty
//! items dropped, CSV double quotes removed unless the input disables them.

use crate::dockerfile::LogicalText;
use crate::span::Span;

use super::workflow::Scalar;

/// A scalar's value with the source bytes of each verbatim run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarBytes {
    /// `text` is the value; `segments` map value offsets to file offsets.
    pub logical: LogicalText,
    /// The whole scalar in the file: quotes included; for a block scalar,
    /// from its first content line (the `|` header is on the line before).
    pub whole: Span,
}

impl ScalarBytes {
    /// Aligns `scalar`'s value with its bytes in `text`.
    pub fn of(text: &str, scalar: &Scalar) -> ScalarBytes {
        let segments = segments(text, scalar).unwrap_or_default();
        ScalarBytes {
            logical: LogicalText {
                text: scalar.value.clone(),
                segments,
            },
            whole: scalar.span,
        }
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.logical.text
    }

    /// The file bytes of value range `start..end` when they are that text
    /// verbatim, on one line (a single segment holds the whole range).
    pub fn exact_span(&self, start: usize, end: usize) -> Option<Span> {
        if end < start {
            return None;
        }
        self.logical
            .segments
            .iter()
            .find(|&&(l, _, len)| l <= start && end <= l + len)
            .map(|&(l, s, _)| Span::new(s + (start - l), s + (end - l)))
    }

    /// The file bytes from value offset `start` to `end` when both ends are
    /// verbatim text (the range may cross lines: a shell command continued
    /// over several); else the whole scalar.
    pub fn covering_span(&self, start: usize, end: usize) -> Span {
        let from = self.exact_span(start, start.saturating_add(1).min(end));
        let to = self.exact_span(end.saturating_sub(1).max(start), end);
        match (from, to) {
            (Some(a), Some(b)) if a.start <= b.end => Span::new(a.start, b.end),
            _ => self.whole,
        }
    }

    /// The file bytes of value range `start..end`: exact when they are
    /// verbatim, else the whole scalar.
    pub fn span(&self, start: usize, end: usize) -> Span {
        self.exact_span(start, end).unwrap_or(self.whole)
    }

    /// Whether the value is a block scalar (`|` or `>`), whose lines can be
    /// edited, added or removed one by one.
    pub fn is_block(&self, text: &str) -> bool {
        block_indicator(text, self.whole).is_some()
    }

    /// Whether the value is a literal block (`|`): its lines are the value's.
    pub fn is_literal_block(&self, text: &str) -> bool {
        block_indicator(text, self.whole) == Some('|')
    }
}

/// The indicator (`|` or `>`) of a block scalar whose content is at
/// `span`: the reader's span of a block scalar starts at its first content
/// line, so the header is the end of the line before.
pub fn block_indicator(text: &str, span: Span) -> Option<char> {
    let before = text.get(..span.start)?.trim_end_matches([' ', '\t']);
    let header_line = before.strip_suffix('\n')?.trim_end_matches('\r');
    let header_line = header_line
        .rfind('\n')
        .map_or(header_line, |i| &header_line[i + 1..]);
    // `key: |-  # comment`: the last token before a comment.
    let code = match header_line.find(" #") {
        Some(i) => &header_line[..i],
        None => header_line,
    };
    let token = code.split_whitespace().last()?;
    let mut chars = token.chars();
    let indicator = chars.next().filter(|c| matches!(c, '|' | '>'))?;
    chars
        .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
        .then_some(indicator)
}

/// The verbatim runs of a scalar's value, or `None` when its text cannot
/// be aligned with the source.
fn segments(text: &str, scalar: &Scalar) -> Option<Vec<(usize, usize, usize)>> {
    let span = scalar.span;
    let raw = text.get(span.start..span.end)?;
    let value = scalar.value.as_str();
    if value.is_empty() {
        return Some(Vec::new());
    }
    match raw.as_bytes().first() {
        Some(b'"' | b'\'') => {
            // One line without escapes: the value is the inside.
            let inner = raw.get(1..raw.len().checked_sub(1)?)?;
            (raw.len() >= 2 && inner == value).then(|| vec![(0, span.start + 1, value.len())])
        }
        _ if raw == value => Some(vec![(0, span.start, value.len())]),
        _ => align_lines(value, text, span.start, span.end),
    }
}

/// Aligns the value with the source lines in `start..end`: each line's
/// content (indentation and trailing blanks left out) must come next in the
/// value, with only blanks and line breaks between (what block indentation
/// and folding turn line breaks into); nothing else may be left over.
fn align_lines(
    value: &str,
    text: &str,
    start: usize,
    end: usize,
) -> Option<Vec<(usize, usize, usize)>> {
    let mut segments = Vec::new();
    let mut pos = 0;
    let mut line_start = start;
    while line_start < end {
        let rest = text.get(line_start..end)?;
        let line_end = rest.find('\n').map_or(end, |i| line_start + i);
        let line = text.get(line_start..line_end)?;
        let indented = line.trim_start_matches([' ', '\t']);
        let content = indented.trim_end_matches([' ', '\t', '\r']);
        if !content.is_empty() {
            let remaining = value.get(pos..)?;
            pos += remaining.len() - remaining.trim_start_matches([' ', '\t', '\n']).len();
            // Trailing blanks a literal block keeps are part of the value.
            let kept = if value
                .get(pos..)?
                .starts_with(indented.trim_end_matches('\r'))
            {
                indented.trim_end_matches('\r')
            } else {
                content
            };
            if !value.get(pos..)?.starts_with(kept) {
                return None;
            }
            let source = line_start + (line.len() - indented.len());
            segments.push((pos, source, kept.len()));
            pos += kept.len();
        }
        line_start = line_end + 1;
    }
    value
        .get(pos..)?
        .trim_matches([' ', '\t', '\n'])
        .is_empty()
        .then_some(segments)
}

/// One item of a list input, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// The item as the action reads it.
    pub value: String,
    /// The item's bytes in the file when they are its text verbatim (the
    /// whole line for an item of a line-per-item list); else the scalar.
    pub span: Span,
    /// Whether `span` is the item's own bytes.
    pub exact: bool,
    /// Value offsets of the item in the scalar's value (before trimming).
    pub range: (usize, usize),
}

/// How an action splits a list input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListStyle {
    /// Commas separate items too (`files`, `targets`, `tags`).
    pub commas: bool,
    /// Double quotes are CSV quotes (removed); `false` for bake-action's
    /// `set` (`quote: false`), where they are part of the value.
    pub quotes: bool,
}

impl ListStyle {
    /// `files`, `targets`, `tags`: lines and commas.
    pub const COMMAS: ListStyle = ListStyle {
        commas: true,
        quotes: true,
    };
    /// `cache-from`, `cache-to` of build-push-action: one item a line.
    pub const LINES: ListStyle = ListStyle {
        commas: false,
        quotes: true,
    };
    /// bake-action's `set`: one item a line, quotes kept.
    pub const RAW_LINES: ListStyle = ListStyle {
        commas: false,
        quotes: false,
    };
}

/// The items of a list input (`Util.getInputList`).
pub fn list_items(bytes: &ScalarBytes, style: ListStyle) -> Vec<ListItem> {
    let value = bytes.value();
    let mut items = Vec::new();
    let mut line_start = 0;
    for line in value.split('\n') {
        let fields = csv_fields(line, style.quotes);
        let pieces: Vec<(usize, usize, String)> = if style.commas {
            fields
        } else if fields.is_empty() {
            Vec::new()
        } else {
            // The record's fields joined again (quotes removed).
            let start = fields.first().map_or(0, |f| f.0);
            let end = fields.last().map_or(line.len(), |f| f.1);
            let joined: Vec<&str> = fields.iter().map(|f| f.2.as_str()).collect();
            vec![(start, end, joined.join(","))]
        };
        for (s, e, text) in pieces {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            // The trimmed item's range, when it is the field's text verbatim.
            let raw = line.get(s..e).unwrap_or("");
            let lead = raw.len() - raw.trim_start().len();
            let (rs, re) = (line_start + s, line_start + e);
            let verbatim = raw.trim() == trimmed;
            let (is, ie) = if verbatim {
                (rs + lead, rs + lead + trimmed.len())
            } else {
                (rs, re)
            };
            let exact = bytes.exact_span(is, ie);
            items.push(ListItem {
                value: trimmed.to_string(),
                span: exact.unwrap_or(bytes.whole),
                exact: exact.is_some(),
                range: (rs, re),
            });
        }
        line_start += line.len() + 1;
    }
    items
}

/// The comma-separated fields of one CSV line: `(start, end, value)` with
/// offsets in the line; a field that starts with `"` (when quotes count)
/// runs to its closing quote, `""` inside it being one quote.
fn csv_fields(line: &str, quotes: bool) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    if line.trim().is_empty() {
        return out;
    }
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        let mut value = String::new();
        if quotes && bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut closed = false;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        value.push('"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    closed = true;
                    break;
                }
                let next = line[i..].chars().next().map_or(1, char::len_utf8);
                value.push_str(&line[i..i + next]);
                i += next;
            }
            // Text after the closing quote up to the comma stays (relaxed).
            let rest_end = line[i..].find(',').map_or(line.len(), |c| i + c);
            if !closed || rest_end > i {
                value.push_str(&line[i..rest_end]);
            }
            i = rest_end;
        } else {
            let end = line[i..].find(',').map_or(line.len(), |c| i + c);
            value.push_str(&line[i..end]);
            i = end;
        }
        out.push((start, i, value));
        if i >= line.len() {
            break;
        }
        i += 1; // the comma
        if i >= line.len() {
            out.push((i, i, String::new()));
            break;
        }
    }
    out
}

/// Whether `text` holds a GitHub Actions `${{ }}` expression.
pub fn has_expression(text: &str) -> bool {
    text.contains("${{")
}

/// The byte ranges of the `${{ ... }}` expressions in `text` (an
/// unterminated one runs to the end).
pub fn expression_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find("${{")) {
        let start = from + i;
        let end = text
            .get(start + 3..)
            .and_then(|t| t.find("}}"))
            .map_or(text.len(), |j| start + 3 + j + 2);
        out.push((start, end));
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;

    fn with_value(yaml: &str, pick: impl Fn(&workflow::Workflow) -> Scalar) -> ScalarBytes {
        let w = workflow::load(yaml).unwrap();
        ScalarBytes::of(yaml, &pick(&w))
    }

    fn set_of(w: &workflow::Workflow) -> Scalar {
        w.jobs[0].steps[0].with[0].1.clone()
    }

    fn slice(yaml: &str, span: Span) -> &str {
        span.slice(yaml)
    }

    #[test]
    fn literal_block_lines_map_to_their_bytes() {
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          set: |\n            *.cache-from=type=gha\n              *.cache-to=type=gha  \n\n            x.tags=a\n        run: x\n";
        let b = with_value(yaml, set_of);
        let items = list_items(&b, ListStyle::RAW_LINES);
        let got: Vec<(&str, &str, bool)> = items
            .iter()
            .map(|i| (i.value.as_str(), slice(yaml, i.span), i.exact))
            .collect();
        assert_eq!(
            got,
            [
                ("*.cache-from=type=gha", "*.cache-from=type=gha", true),
                ("*.cache-to=type=gha", "*.cache-to=type=gha", true),
                ("x.tags=a", "x.tags=a", true),
            ]
        );
        assert!(b.is_literal_block(yaml), "{:?}", slice(yaml, b.whole));
    }

    #[test]
    fn folded_and_plain_multiline_map_per_line() {
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          targets: >-\n            a,\n            b\n";
        let b = with_value(yaml, set_of);
        assert_eq!(b.value(), "a, b");
        let items = list_items(&b, ListStyle::COMMAS);
        let got: Vec<&str> = items.iter().map(|i| slice(yaml, i.span)).collect();
        assert_eq!(got, ["a", "b"]);
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          files: one.hcl\n            two.hcl\n";
        let b = with_value(yaml, set_of);
        assert_eq!(b.value(), "one.hcl two.hcl");
        assert_eq!(b.exact_span(8, 15).map(|s| slice(yaml, s)), Some("two.hcl"));
    }

    #[test]
    fn quoted_values_map_inside_the_quotes_unless_escaped() {
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          set: \"*.tags=a:1\"\n";
        let b = with_value(yaml, set_of);
        let items = list_items(&b, ListStyle::RAW_LINES);
        assert_eq!(slice(yaml, items[0].span), "*.tags=a:1");
        assert!(items[0].exact);
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          set: \"*.tags=a\\u003a1\"\n";
        let b = with_value(yaml, set_of);
        let items = list_items(&b, ListStyle::RAW_LINES);
        assert_eq!(items[0].value, "*.tags=a:1");
        assert!(!items[0].exact);
        assert_eq!(slice(yaml, items[0].span), "\"*.tags=a\\u003a1\"");
    }

    #[test]
    fn list_splitting_as_the_actions_do() {
        let yaml = "jobs:\n  b:\n    steps:\n      - with:\n          targets: \"a, b\\n\\nc,,\"\n";
        let b = with_value(yaml, set_of);
        let values: Vec<String> = list_items(&b, ListStyle::COMMAS)
            .into_iter()
            .map(|i| i.value)
            .collect();
        assert_eq!(values, ["a", "b", "c"]);
        let fields: Vec<String> = csv_fields(r#""type=registry,ref=x",mode=max"#, true)
            .into_iter()
            .map(|f| f.2)
            .collect();
        assert_eq!(fields, ["type=registry,ref=x", "mode=max"]);
        let raw: Vec<String> = csv_fields(r#"*.args.A="1,2""#, false)
            .into_iter()
            .map(|f| f.2)
            .collect();
        assert_eq!(raw, ["*.args.A=\"1", "2\""]);
    }

    #[test]
    fn expressions() {
        let t = "a ${{ github.sha }} b ${{ x";
        assert_eq!(expression_ranges(t), [(2, 19), (22, 27)]);
        assert!(has_expression(t));
    }
}
