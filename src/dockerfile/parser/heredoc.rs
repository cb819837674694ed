//! Heredoc markers (`<<EOF`, `<<-"EOF"`, `2<<EOF`) in a RUN/COPY/ADD line,
//! found the way BuildKit's `heredocsFromLine` does: shell words of the whole
//! line, each checked against `^(\d*)<<(-?)([^<]*)$`.

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
        assert!(markers("RUN <<- x").is_empty());
    }
}
