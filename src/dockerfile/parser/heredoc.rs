//! Heredocs: markers (`<<EOF`, `<<-"EOF"`, `2<<EOF`, `<< EOF`) in a
//! RUN/COPY/ADD line, found the way BuildKit's `heredocsFromLine` does:
//! shell words of the whole line (the lexer keeps whitespace right after
//! `<<` inside the word), each checked against `^(\d*)<<(-?)\s*([^<]*)$`;
//! then their bodies, read from the lines that follow the instruction.

use super::lines::Line;
use crate::dockerfile::ast::{Heredoc, LogicalText, ParseError};
use crate::span::Span;

/// A heredoc marker; `start..end` is its range in the logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Marker {
    pub name: String,
    pub strip_tabs: bool,
    pub quoted: bool,
    pub start: usize,
    pub end: usize,
}

/// All heredoc markers of a logical line, in order.
pub(super) fn markers(line: &str) -> Vec<Marker> {
    if !line.contains("<<") {
        return Vec::new();
    }
    raw_words(line)
        .into_iter()
        .filter_map(|(start, end)| {
            let (name, strip_tabs, quoted) = marker(line.get(start..end)?)?;
            Some(Marker {
                name,
                strip_tabs,
                quoted,
                start,
                end,
            })
        })
        .collect()
}

/// Shell words with quotes and `\` escapes kept (ranges). An unterminated
/// quote makes BuildKit's lexer fail, which means no heredocs at all.
fn raw_words(line: &str) -> Vec<(usize, usize)> {
    #[derive(PartialEq)]
    enum State {
        Plain,
        Single,
        Double,
    }
    let mut words = Vec::new();
    let mut state = State::Plain;
    let mut start: Option<usize> = None;
    let mut iter = line.char_indices();
    while let Some((i, c)) = iter.next() {
        match state {
            State::Plain => {
                if c.is_whitespace() {
                    if let Some(s) = start.take() {
                        words.push((s, i));
                    }
                    continue;
                }
                start.get_or_insert(i);
                match c {
                    '\\' => {
                        iter.next();
                    }
                    '<' if line[i + 1..].starts_with('<') => {
                        iter.next();
                        let mut look = iter.clone();
                        while look.next().is_some_and(|(_, c)| c.is_whitespace()) {
                            iter = look.clone();
                        }
                    }
                    '\'' => state = State::Single,
                    '"' => state = State::Double,
                    _ => {}
                }
            }
            State::Single => {
                if c == '\'' {
                    state = State::Plain;
                }
            }
            State::Double => match c {
                '\\' => {
                    iter.next();
                }
                '"' => state = State::Plain,
                _ => {}
            },
        }
    }
    if state != State::Plain {
        return Vec::new();
    }
    if let Some(s) = start {
        words.push((s, line.len()));
    }
    words
}

/// `(name, strip_tabs, quoted)` when `word` is a heredoc marker.
fn marker(word: &str) -> Option<(String, bool, bool)> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word.get(digits..)?.strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let (name, quoted) = single_word(rest)?;
    Some((name, strip_tabs, quoted))
}

/// The delimiter word with quotes removed, and whether any quoting was
/// used; `None` unless `rest` is exactly one shell word.
fn single_word(rest: &str) -> Option<(String, bool)> {
    #[derive(PartialEq)]
    enum State {
        Plain,
        Single,
        Double,
    }
    let mut words: Vec<String> = Vec::new();
    let mut cur: Option<String> = None;
    let mut quoted = false;
    let mut state = State::Plain;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Plain => match c {
                c if c.is_whitespace() => words.extend(cur.take()),
                '\\' => {
                    let w = cur.get_or_insert_with(String::new);
                    if let Some(n) = chars.next() {
                        w.push(n);
                    }
                }
                '\'' | '"' => {
                    cur.get_or_insert_with(String::new);
                    quoted = true;
                    state = if c == '\'' {
                        State::Single
                    } else {
                        State::Double
                    };
                }
                c => cur.get_or_insert_with(String::new).push(c),
            },
            State::Single => match c {
                '\'' => state = State::Plain,
                c => cur.get_or_insert_with(String::new).push(c),
            },
            State::Double => match c {
                '"' => state = State::Plain,
                '\\' if matches!(chars.peek(), Some('"' | '$' | '\\')) => {
                    if let Some(n) = chars.next() {
                        cur.get_or_insert_with(String::new).push(n);
                    }
                }
                c => cur.get_or_insert_with(String::new).push(c),
            },
        }
    }
    words.extend(cur);
    if state != State::Plain || words.len() != 1 {
        return None;
    }
    words.pop().map(|w| (w, quoted))
}

/// Reads the bodies of `markers` one after the other from line `next` on
/// (only the current heredoc's terminator ends a body, as in BuildKit).
/// Returns the heredocs, the first line after them and an
/// unterminated-heredoc error.
pub(super) fn read_bodies(
    src: &str,
    lines: &[Line],
    text: &LogicalText,
    markers: &[Marker],
    mut next: usize,
) -> (Vec<Heredoc>, usize, Option<ParseError>) {
    let mut docs = Vec::with_capacity(markers.len());
    let mut error: Option<ParseError> = None;
    for marker in markers {
        let marker_span = text.source_span(Span::new(marker.start, marker.end));
        let body_start = lines.get(next).map_or(src.len(), |l| l.start);
        let mut content = String::new();
        let mut terminator = None;
        while error.is_none() && next < lines.len() {
            let line = lines[next];
            next += 1;
            let mut candidate = &src[line.start..line.content_end];
            if marker.strip_tabs {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == marker.name {
                terminator = Some(Span::new(line.start, line.content_end));
                break;
            }
            let body_line = &src[line.start..line.end];
            content.push_str(if marker.strip_tabs {
                body_line.trim_start_matches('\t')
            } else {
                body_line
            });
        }
        if terminator.is_none() && error.is_none() {
            error = Some(ParseError {
                span: marker_span,
                message: format!("unterminated heredoc {}", marker.name),
            });
        }
        docs.push(Heredoc {
            name: marker.name.clone(),
            marker_span,
            body_span: Span::new(
                body_start.min(src.len()),
                terminator.map_or(src.len(), |t| t.start),
            ),
            content,
            quoted: marker.quoted,
            strip_tabs: marker.strip_tabs,
            terminator_span: terminator,
        });
    }
    (docs, next, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers() {
        let line = "RUN cat <<EOF <<-\"END\" 2<<'X' \"<<NOT\" a<<NO";
        let m = markers(line);
        let names: Vec<(&str, bool, bool)> = m
            .iter()
            .map(|m| (m.name.as_str(), m.strip_tabs, m.quoted))
            .collect();
        assert_eq!(
            names,
            [
                ("EOF", false, false),
                ("END", true, true),
                ("X", false, true)
            ]
        );
        assert_eq!(&line[m[1].start..m[1].end], "<<-\"END\"");
        assert!(markers("RUN echo \"unterminated <<EOF").is_empty());
        // The lexer keeps whitespace after `<<` only, not after `<<-`.
        assert!(markers("RUN <<- x").is_empty());
    }

    fn names(line: &str) -> Vec<(String, bool)> {
        markers(line)
            .into_iter()
            .map(|m| (m.name, m.quoted))
            .collect()
    }

    #[test]
    fn buildkit_heredoc_cases() {
        let n = |s: &str, q| (s.to_string(), q);
        assert_eq!(names("RUN 3<<EMPTY2"), [n("EMPTY2", false)]);
        assert_eq!(names("RUN \"<<NOHEREDOC\""), []);
        assert_eq!(names("RUN '<<EOF'"), []);
        assert_eq!(names("RUN <<-'NOEXPAND'"), [n("NOEXPAND", true)]);
        assert_eq!(names("RUN <<eo'f'"), [n("eof", true)]);
        assert_eq!(names("RUN <<eo\\'f"), [n("eo'f", false)]);
        assert_eq!(names("RUN <<'e'o\\'f"), [n("eo'f", true)]);
        assert_eq!(names("RUN <<'one two'"), [n("one two", true)]);
        assert_eq!(names("RUN <<$EOF"), [n("$EOF", false)]);
        assert_eq!(names("RUN <<  EOF"), [n("EOF", false)]);
        assert_eq!(names("RUN <<  EOF  > foo"), [n("EOF", false)]);
        assert_eq!(names("RUN << -EOF"), [n("-EOF", false)]);
        assert_eq!(names("COPY <<file.txt /dest"), [n("file.txt", false)]);
        assert_eq!(names("RUN <<EOF sh"), [n("EOF", false)]);
        assert_eq!(names("RUN cat<<EOF <<<EOF"), []);
        let m = markers("RUN <<  EOF  > foo");
        assert_eq!((m[0].start, m[0].end), (4, 11));
    }
}
