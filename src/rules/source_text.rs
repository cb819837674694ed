//! Lines, indentation and keyword casing of source text, and clean edits
//! of shell words and commands inside a Dockerfile's RUN lines.

use crate::span::Span;

/// Whether a keyword is written all lowercase or all uppercase (BuildKit's
/// "self-consistent" casing).
pub fn is_self_consistent(word: &str) -> bool {
    is_lowercase(word) || is_uppercase(word)
}

/// Whether lowercasing `word` leaves it unchanged (no allocation for ASCII).
pub fn is_lowercase(word: &str) -> bool {
    if word.is_ascii() {
        !word.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        word == word.to_lowercase()
    }
}

/// Whether uppercasing `word` leaves it unchanged (no allocation for ASCII).
pub fn is_uppercase(word: &str) -> bool {
    if word.is_ascii() {
        !word.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        word == word.to_uppercase()
    }
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(source: &str, offset: usize) -> usize {
    source
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Byte offset of the end of the line holding `offset` (before `\r\n` / `\n`).
pub fn line_end(source: &str, offset: usize) -> usize {
    let end = source
        .get(offset..)
        .and_then(|s| s.find('\n'))
        .map_or(source.len(), |i| offset + i);
    if end > 0 && source.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// The leading spaces and tabs of the line holding `offset`.
pub fn indentation_at(source: &str, offset: usize) -> &str {
    let start = line_start(source, offset);
    let line = source.get(start..).unwrap_or("");
    let len = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..len]
}

/// Whether a Dockerfile keyword is written in lowercase (to match casing in inserted lines).
pub fn keyword_case(source: &str, keyword_span: Span, keyword: &str) -> String {
    let written = keyword_span.slice(source);
    if !written.is_empty() && written == written.to_lowercase() {
        keyword.to_lowercase()
    } else {
        keyword.to_uppercase()
    }
}

/// The byte range that removes `word` (one word of a command) cleanly:
/// its whole line when it sits alone on a continued line, else the word
/// and the blanks on one side of it. `previous_end` is the end of the word
/// before it in the same command; `is_last` says no word of the command follows.
pub fn word_removal(source: &str, word: Span, previous_end: usize, is_last: bool) -> Span {
    let bytes = source.as_bytes();
    if is_last {
        return Span::new(previous_end.min(word.start), word.end);
    }
    let start_of_line = line_start(source, word.start);
    let before = source.get(start_of_line..word.start).unwrap_or("");
    let end_of_line = line_end(source, word.end);
    let after = source.get(word.end..end_of_line).unwrap_or("").trim();
    let alone_before = before.trim().is_empty();
    if alone_before && (after == "\\" || after == "`") {
        // The whole line, its line ending included.
        let mut end = end_of_line;
        if bytes.get(end) == Some(&b'\r') {
            end += 1;
        }
        if bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        return Span::new(start_of_line, end);
    }
    if !alone_before {
        let mut start = word.start;
        while start > start_of_line && matches!(bytes.get(start - 1), Some(b' ' | b'\t')) {
            start -= 1;
        }
        return Span::new(start, word.end);
    }
    let mut end = word.end;
    while matches!(bytes.get(end), Some(b' ' | b'\t')) {
        end += 1;
    }
    Span::new(word.start, end)
}

/// Whether a command may be prefixed with `other && ` without changing
/// what the shell does: it starts the script or follows `&&`, `;`, a line
/// break or a compound-command keyword.
pub fn can_prefix_command(source: &str, script_start: usize, command_start: usize) -> bool {
    let before = source.get(script_start..command_start).unwrap_or("");
    // Drop trailing blanks and line continuations.
    let mut text = before.trim_end();
    while let Some(rest) = text.strip_suffix('\\').or_else(|| text.strip_suffix('`')) {
        text = rest.trim_end();
    }
    if text.is_empty() {
        return true;
    }
    let raw_before = before.trim_end_matches([' ', '\t']);
    if raw_before.ends_with('\n') && !raw_before.trim_end().ends_with(['\\', '`', '|']) {
        return true;
    }
    if text.ends_with("&&") || text.ends_with(';') && !text.ends_with(";;") {
        return true;
    }
    ["then", "do", "else", "{", "("]
        .iter()
        .any(|k| text.ends_with(k) && !text.ends_with(&format!("${k}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_agrees_with_converting_the_word() {
        for word in [
            "run", "RUN", "Run", "", "from-1", "straße", "STRAßE", "ǅ", "ÉTÉ", "été",
        ] {
            assert_eq!(is_lowercase(word), word == word.to_lowercase(), "{word}");
            assert_eq!(is_uppercase(word), word == word.to_uppercase(), "{word}");
        }
    }

    #[test]
    fn self_consistent_casing() {
        assert!(is_self_consistent("FROM"));
        assert!(is_self_consistent("from"));
        assert!(!is_self_consistent("From"));
    }

    #[test]
    fn removal_ranges() {
        let src = "RUN apt-get install -y \\\n    curl \\\n    chromium \\\n    git\n";
        let word = Span::new(
            src.find("chromium").unwrap(),
            src.find("chromium").unwrap() + 8,
        );
        let r = word_removal(src, word, 0, false);
        assert_eq!(r.slice(src), "    chromium \\\n");
        let src = "RUN apt-get install -y curl chromium git";
        let at = src.find("chromium").unwrap();
        let r = word_removal(src, Span::new(at, at + 8), 0, false);
        assert_eq!(r.slice(src), " chromium");
    }

    #[test]
    fn prefixable_positions() {
        let src = "RUN a && b | c; d";
        let at = |w: &str| src.find(w).unwrap();
        assert!(can_prefix_command(src, 4, at("a")));
        assert!(can_prefix_command(src, 4, at("b")));
        assert!(!can_prefix_command(src, 4, at("c")));
        assert!(can_prefix_command(src, 4, at("d")));
    }
}
