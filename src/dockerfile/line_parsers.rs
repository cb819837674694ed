//! BuildKit's per-instruction argument splitting (`line_parsers.go`,
//! `split_command.go`), returning byte ranges into the text they were given
//! so the parser can map every word back to the source. The dump uses the
//! same functions, so the typed tree and the conformance dump cannot drift.

/// A word of a text: its value as BuildKit sees it and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Word {
    fn raw(text: &str, start: usize, end: usize) -> Word {
        Word {
            text: text.get(start..end).unwrap_or("").to_string(),
            start,
            end,
        }
    }
}

/// Go's `unicode.IsSpace` (the Unicode White_Space property).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `[\t\v\f\r ]` token separator.
pub(crate) fn is_token_space(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// `strings.TrimSpace` as a range of `text[start..end]`.
pub(crate) fn trim_space(text: &str, start: usize, end: usize) -> (usize, usize) {
    let Some(slice) = text.get(start..end) else {
        return (start, start);
    };
    let s = start + (slice.len() - slice.trim_start_matches(is_space).len());
    let e = start + slice.trim_end_matches(is_space).len();
    if e <= s {
        (s, s)
    } else {
        (s, e)
    }
}

/// Where an instruction line splits: keyword, flags and arguments (ranges
/// into the logical line), as `splitCommand` + `extractBuilderFlags` do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandSplit {
    pub keyword: (usize, usize),
    /// Each flag word as written (quotes kept), `--` included.
    pub flags: Vec<(usize, usize)>,
    pub args: (usize, usize),
}

/// Splits a logical instruction line; `None` when it holds only whitespace.
pub(crate) fn split_command(line: &str) -> Option<CommandSplit> {
    let (a, b) = trim_space(line, 0, line.len());
    if a == b {
        return None;
    }
    let body = &line[..b];
    let kw_end = body[a..].find(is_token_space).map_or(b, |i| a + i);
    if kw_end == b {
        return Some(CommandSplit {
            keyword: (a, b),
            flags: Vec::new(),
            args: (b, b),
        });
    }
    let rest =
        kw_end + (body[kw_end..].len() - body[kw_end..].trim_start_matches(is_token_space).len());
    let (flags, args_start) = extract_flags(body, rest);
    let args = trim_space(body, args_start, b);
    Some(CommandSplit {
        keyword: (a, kw_end),
        flags,
        args,
    })
}

/// Go's `unicode.IsSpace` on a single ASCII byte.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `extractBuilderFlags`: leading `--word`s (quotes and `\` escapes keep
/// whitespace inside a word); a lone `--` ends the flags. Returns the flag
/// ranges and where the arguments start.
fn extract_flags(line: &str, from: usize) -> (Vec<(usize, usize)>, usize) {
    let bytes = line.as_bytes();
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        while pos < bytes.len() && is_space_byte(bytes[pos]) {
            pos += 1;
        }
        if pos >= bytes.len() {
            return (flags, bytes.len());
        }
        if !(bytes[pos] == b'-' && bytes.get(pos + 1) == Some(&b'-')) {
            return (flags, pos);
        }
        let start = pos;
        let mut quote: Option<u8> = None;
        while pos < bytes.len() {
            let c = bytes[pos];
            match quote {
                None if is_space_byte(c) => break,
                None if c == b'\'' || c == b'"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ if c == b'\\' => pos += 1,
                _ => {}
            }
            pos += 1;
        }
        let end = pos.min(bytes.len());
        if &line[start..end] == "--" {
            return (flags, end);
        }
        flags.push((start, end));
    }
}

/// The flag string BuildKit keeps for a flag word: quotes removed, `\x` → `x`.
pub(crate) fn process_flag_word(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c == '\'' || c == '"' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ if c == '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                } else if quote.is_some() {
                    quote = None;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `parseWords`: words split on unquoted whitespace, quotes and escapes
/// kept, an escape at the very end dropped.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<Word> {
    if rest.contains(['\'', '"', escape]) {
        quoted_words(rest, escape)
    } else {
        plain_words(rest)
    }
}

/// [`parse_words`] of a text with no quote or escape: a split on whitespace.
fn plain_words(rest: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in rest.char_indices() {
        match (is_space(c), start) {
            (true, Some(from)) => {
                words.push(Word::raw(rest, from, at));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push(Word::raw(rest, from, rest.len()));
    }
    words
}

/// [`parse_words`] of any text, character by character as BuildKit does.
fn quoted_words(rest: &str, escape: char) -> Vec<Word> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut buf = String::new();
    let mut start = 0;
    let len = rest.len();
    let char_at = |p: usize| rest.get(p..).and_then(|s| s.chars().next());
    let mut pos = 0;
    loop {
        let cur = char_at(pos);
        let (mut ch, mut w) = match cur {
            Some(c) => (c, c.len_utf8()),
            None => ('\0', 0),
        };
        if phase == Phase::Spaces {
            if cur.is_none() {
                break;
            }
            if is_space(ch) {
                pos += w;
                continue;
            }
            phase = Phase::Word;
            start = pos;
        }
        if cur.is_none() {
            if blank_ok || !buf.is_empty() {
                words.push(Word {
                    text: std::mem::take(&mut buf),
                    start,
                    end: len,
                });
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !buf.is_empty() {
                    words.push(Word {
                        text: std::mem::take(&mut buf),
                        start,
                        end: pos,
                    });
                }
                buf.clear();
                blank_ok = false;
                pos += w;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if pos + w == len {
                    pos += w;
                    continue;
                }
                buf.push(ch);
                pos += w;
                if let Some(c) = char_at(pos) {
                    ch = c;
                    w = c.len_utf8();
                }
            }
            buf.push(ch);
            pos += w;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if pos + w == len {
                phase = Phase::Word;
                pos += w;
                continue;
            }
            pos += w;
            buf.push(ch);
            if let Some(c) = char_at(pos) {
                ch = c;
                w = c.len_utf8();
            }
        }
        buf.push(ch);
        pos += w;
    }
    words
}

/// `parseStringsWhitespaceDelimited`: a regexp split on `[\t\v\f\r ]+`.
pub(crate) fn whitespace_delimited(rest: &str) -> Vec<Word> {
    if rest.is_empty() {
        return Vec::new();
    }
    let mut words = Vec::new();
    let mut start = 0;
    let mut iter = rest.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_token_space(c) {
            words.push(Word::raw(rest, start, i));
            let mut next = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if !is_token_space(d) {
                    break;
                }
                next = j + d.len_utf8();
                iter.next();
            }
            start = next;
        }
    }
    words.push(Word::raw(rest, start, rest.len()));
    words
}

/// Whitespace-split where an escaped whitespace character does not split
/// (what a shell would do with `my\ file`). Values are kept as written.
pub(crate) fn escaped_whitespace_split(rest: &str, escape: char) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut iter = rest.char_indices();
    while let Some((i, c)) = iter.next() {
        if is_token_space(c) {
            if let Some(s) = start.take() {
                words.push(Word::raw(rest, s, i));
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if c == escape {
            iter.next();
        }
    }
    if let Some(s) = start {
        words.push(Word::raw(rest, s, rest.len()));
    }
    words
}

/// Outcome of reading arguments as a JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonArgs {
    /// Decoded strings; ranges are those of the JSON string literals.
    Array(Vec<Word>),
    /// Not JSON (or not an array): the shell form applies.
    NotJson,
    /// Valid JSON array with a non-string element: BuildKit rejects it.
    NotStringArray,
}

/// `parseJSON`: exec form when the (left-trimmed) text is a JSON array of strings.
pub(crate) fn parse_json_array(rest: &str) -> JsonArgs {
    let offset = rest.len() - rest.trim_start_matches(is_space).len();
    if !rest[offset..].starts_with('[') {
        return JsonArgs::NotJson;
    }
    match super::json::top_level_elements(&rest[offset..]) {
        None => JsonArgs::NotJson,
        Some(elements) => {
            let mut out = Vec::with_capacity(elements.len());
            for (s, e) in elements {
                match super::json::decode_string(&rest[offset + s..offset + e]) {
                    Some(text) => out.push(Word {
                        text,
                        start: offset + s,
                        end: offset + e,
                    }),
                    None => return JsonArgs::NotStringArray,
                }
            }
            JsonArgs::Array(out)
        }
    }
}

/// ENV / LABEL arguments as `parseNameVal` reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameVal {
    Empty,
    /// `KEY value with spaces`.
    Legacy {
        key: Word,
        value: Word,
    },
    /// `k=v` words and the byte offset of each word's `=` (within the word).
    Pairs(Vec<(Word, usize)>),
}

/// `parseNameVal`; the error text is BuildKit's.
pub(crate) fn parse_name_val(rest: &str, keyword: &str, escape: char) -> Result<NameVal, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(NameVal::Empty);
    };
    if !first.text.contains('=') {
        let key_end = rest.find(is_token_space).unwrap_or(rest.len());
        if key_end == rest.len() {
            return Err(format!("{keyword} must have two arguments"));
        }
        let value_start = key_end
            + (rest[key_end..].len() - rest[key_end..].trim_start_matches(is_token_space).len());
        return Ok(NameVal::Legacy {
            key: Word::raw(rest, 0, key_end),
            value: Word::raw(rest, value_start, rest.len()),
        });
    }
    let mut pairs = Vec::with_capacity(words.len());
    for word in words {
        match word.text.find('=') {
            Some(eq) => pairs.push((word, eq)),
            None => {
                return Err(format!(
                    "Syntax error - can't find = in {}. Must be of the form: name=value",
                    go_quote(&word.text)
                ))
            }
        }
    }
    Ok(NameVal::Pairs(pairs))
}

/// `parseHealthConfig`: the type word and where the command starts.
pub(crate) fn split_health(rest: &str) -> Option<(Word, usize)> {
    let sep = rest.find(is_space).unwrap_or(rest.len());
    if sep == 0 {
        return None;
    }
    let next = sep + (rest[sep..].len() - rest[sep..].trim_start_matches(is_space).len());
    Some((Word::raw(rest, 0, sep), next))
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` without Unicode tables:
/// controls, separators, common format characters, private use and
/// non-characters are not printable.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF)
        && (u & 0xFFFE) != 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn split_command_finds_flags_and_args() {
        let line = "  COPY --from=x  --chown=\"a b\" -- src dst ";
        let split = split_command(line).expect("split");
        assert_eq!(&line[split.keyword.0..split.keyword.1], "COPY");
        let flags: Vec<&str> = split.flags.iter().map(|&(s, e)| &line[s..e]).collect();
        assert_eq!(flags, ["--from=x", "--chown=\"a b\""]);
        assert_eq!(&line[split.args.0..split.args.1], "src dst");
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        let w = parse_words(r#"a="b c" d\ e f\"#, '\\');
        assert_eq!(texts(&w), [r#"a="b c""#, r"d\ e", "f"]);
        assert_eq!((w[1].start, w[1].end), (8, 12));
    }

    #[test]
    fn plain_text_splits_as_the_general_reader_does() {
        for text in [
            "",
            "   ",
            "a",
            " LANG=C.UTF-8   APP_HOME=/app\t",
            "k=v\u{a0}x=\u{2003}y é=ü\u{0}z",
            "multi\n  line=1\r\n",
        ] {
            assert_eq!(plain_words(text), quoted_words(text, '\\'), "{text:?}");
            assert_eq!(parse_words(text, '`'), quoted_words(text, '`'), "{text:?}");
        }
    }

    #[test]
    fn whitespace_split_like_regexp() {
        let w = whitespace_delimited("a \t b\x0bc");
        assert_eq!(texts(&w), ["a", "b", "c"]);
        assert_eq!(
            texts(&escaped_whitespace_split(r"my\ file  /dst", '\\')),
            [r"my\ file", "/dst"]
        );
    }

    #[test]
    fn json_forms() {
        assert!(matches!(parse_json_array(r#"[ "a", "b" ]"#), JsonArgs::Array(v) if v.len() == 2));
        assert_eq!(parse_json_array("['a']"), JsonArgs::NotJson);
        assert_eq!(
            parse_json_array(r#"["a", ["b"]]"#),
            JsonArgs::NotStringArray
        );
        assert_eq!(parse_json_array(r#"["a""#), JsonArgs::NotJson);
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(
            go_quote("a\"b\\\u{0}\u{7f}♥\u{a0}"),
            r#""a\"b\\\x00\x7f♥\u00a0""#
        );
        assert_eq!(go_quote("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(go_quote("\u{1}\u{85}é"), "\"\\x01\\u0085é\"");
        assert_eq!(process_flag_word(r#"--a="b c"\x"#), "--a=b cx");
    }
}
