//! Shell words: static values (quote removal) and variable references.
//!
//! Done on the word's own text rather than on the grammar's sub-nodes so the
//! result does not depend on how the grammar happens to split a word into
//! `concatenation`/`string`/`word` pieces.

use std::borrow::Cow;

use crate::span::Span;

/// One shell word as written, with its source span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word exactly as the shell sees it (quotes and escapes kept).
    pub raw: String,
    /// The literal value after quote removal, see [`Word::as_str`].
    value: StaticValue,
    /// Source span in Dockerfile coordinates (once the word belongs to a [`super::RunScript`]).
    pub span: Span,
}

/// A word's value after quote removal. Most words have nothing to remove:
/// their value is their text, not kept twice (words are made and copied
/// by the thousand in a large file).
#[derive(Debug, Clone, PartialEq, Eq)]
enum StaticValue {
    /// The value is the raw text itself.
    Raw,
    /// The value differs from the raw text (quotes or escapes removed).
    Unquoted(String),
    /// The word depends on an expansion.
    Dynamic,
}

impl StaticValue {
    fn new(raw: &str, value: Option<Cow<'_, str>>) -> StaticValue {
        match value {
            None => StaticValue::Dynamic,
            Some(value) if value == raw => StaticValue::Raw,
            Some(value) => StaticValue::Unquoted(value.into_owned()),
        }
    }
}

impl Word {
    /// Builds a word from its text, computing its static value.
    pub fn new(raw: &str, span: Span) -> Word {
        Word {
            raw: raw.to_string(),
            value: StaticValue::new(raw, unquoted(raw)),
            span,
        }
    }

    /// A word whose static value is given (`None`: dynamic), for words a
    /// detection makes up from others.
    pub fn with_value(raw: String, value: Option<String>, span: Span) -> Word {
        Word {
            value: StaticValue::new(&raw, value.map(Cow::Owned)),
            raw,
            span,
        }
    }

    /// The static value, if the word has one: the value after quote
    /// removal, or `None` when the word depends on an expansion (`$PKGS`,
    /// `$(cmd)`, `` `cmd` ``, `$((1+1))`).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            StaticValue::Raw => Some(&self.raw),
            StaticValue::Unquoted(value) => Some(value),
            StaticValue::Dynamic => None,
        }
    }

    /// Whether the word's value is known without running anything.
    pub fn is_static(&self) -> bool {
        self.value != StaticValue::Dynamic
    }

    /// Whether the static value equals `text`.
    pub fn is(&self, text: &str) -> bool {
        self.as_str() == Some(text)
    }

    /// Names of the variables the word references (`$X`, `${X:-y}`), in order, deduplicated.
    pub fn variables(&self) -> Vec<String> {
        variable_names(&self.raw)
    }
}

/// Quote removal for a word without expansions; `None` when an expansion
/// (`$name`, `${..}`, `$(..)`, `$((..))`, backticks) makes it dynamic.
pub fn static_value(raw: &str) -> Option<String> {
    unquoted(raw).map(Cow::into_owned)
}

/// [`static_value`], borrowing the text when there is nothing to remove.
fn unquoted(raw: &str) -> Option<Cow<'_, str>> {
    let bytes = raw.as_bytes();
    // Most words (`-y`, `curl=7.88*`, `install`) have nothing to remove.
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\'' | b'"' | b'$' | b'`'))
    {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '\n')) => {}
                Some((_, next)) => out.push(next),
                None => out.push('\\'),
            },
            '\'' => loop {
                match chars.next() {
                    Some((_, '\'')) | None => break,
                    Some((_, inner)) => out.push(inner),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some((_, '"')) | None => break,
                    Some((_, '\\')) => match chars.peek().copied() {
                        Some((_, esc @ ('$' | '`' | '"' | '\\'))) => {
                            chars.next();
                            out.push(esc);
                        }
                        Some((_, '\n')) => {
                            chars.next();
                        }
                        _ => out.push('\\'),
                    },
                    Some((j, '$')) if starts_expansion(bytes, j) => return None,
                    Some((_, '`')) => return None,
                    Some((_, inner)) => out.push(inner),
                }
            },
            '$' if i + 1 < bytes.len() && bytes[i + 1] == b'\'' => {
                // ANSI-C quoting: keep it simple, only accept escape-free bodies.
                chars.next();
                loop {
                    match chars.next() {
                        Some((_, '\'')) | None => break,
                        Some((_, '\\')) => return None,
                        Some((_, inner)) => out.push(inner),
                    }
                }
            }
            '$' if starts_expansion(bytes, i) => return None,
            '`' => return None,
            _ => out.push(c),
        }
    }
    Some(Cow::Owned(out))
}

/// Whether the `$` at `at` starts an expansion (rather than being a literal dollar).
fn starts_expansion(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at + 1) {
        Some(b) => {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'{' | b'(' | b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!'
                )
        }
        None => false,
    }
}

/// Names referenced as `$NAME` or `${NAME...}` in shell text, skipping
/// single-quoted parts; in order of first appearance, without duplicates.
pub fn variable_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut names: Vec<String> = Vec::new();
    let mut in_double = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if !in_double => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                in_double = !in_double;
                i += 1;
            }
            b'$' => {
                let mut start = i + 1;
                if bytes.get(start) == Some(&b'{') {
                    start += 1;
                    // `${#X}` (length) still references X.
                    if bytes.get(start) == Some(&b'#') {
                        start += 1;
                    }
                }
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                let is_name = end > start && !bytes[start].is_ascii_digit();
                if is_name {
                    if let Some(name) = text.get(start..end) {
                        if !names.iter().any(|n| n == name) {
                            names.push(name.to_string());
                        }
                    }
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_quotes_and_escapes() {
        assert_eq!(static_value("foo").as_deref(), Some("foo"));
        assert_eq!(static_value("'a b'").as_deref(), Some("a b"));
        assert_eq!(static_value("\"a b\"").as_deref(), Some("a b"));
        assert_eq!(static_value("a\\ b").as_deref(), Some("a b"));
        assert_eq!(static_value("\"x\\\"y\"").as_deref(), Some("x\"y"));
        assert_eq!(static_value("pkg=1.2*").as_deref(), Some("pkg=1.2*"));
        assert_eq!(static_value("'$X'").as_deref(), Some("$X"));
        assert_eq!(static_value("$'ab'").as_deref(), Some("ab"));
        assert_eq!(static_value("cost$").as_deref(), Some("cost$"));
        assert_eq!(
            static_value("\"unterminated").as_deref(),
            Some("unterminated")
        );
    }

    #[test]
    fn words_read_as_their_static_values() {
        let span = Span::new(0, 0);
        for raw in [
            "foo", "'a b'", "a\\ b", "cost$", "$X", "\"$X\"", "pkg=1.2*", "",
        ] {
            let word = Word::new(raw, span);
            assert_eq!(
                word.as_str().map(str::to_string),
                static_value(raw),
                "{raw}"
            );
            assert_eq!(word.is_static(), static_value(raw).is_some(), "{raw}");
        }
        // A value given equal to the text is the same word as one read from it.
        let made = Word::with_value("foo".into(), Some("foo".into()), span);
        assert_eq!(made, Word::new("foo", span));
        let made = Word::with_value("a b".into(), Some("a-b".into()), span);
        assert_eq!((made.as_str(), made.is("a-b")), (Some("a-b"), true));
        assert!(!Word::with_value("$X".into(), None, span).is_static());
    }

    #[test]
    fn expansions_are_dynamic() {
        for raw in [
            "$PKGS",
            "${X}",
            "a$(b)",
            "\"$X\"",
            "`x`",
            "$((1+2))",
            "\"${X:-y}\"",
        ] {
            assert_eq!(static_value(raw), None, "{raw}");
        }
    }

    #[test]
    fn finds_variable_names() {
        assert_eq!(
            variable_names("[ \"$SKIP\" != true ] && ${B:-x} '$NOT' ${#LEN} $1 $A_B"),
            vec!["SKIP", "B", "LEN", "A_B"]
        );
        assert!(variable_names("$").is_empty());
        assert!(variable_names("${").is_empty());
    }
}
