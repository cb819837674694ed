//! Just enough of Go's `encoding/json` to read exec-form arguments: a strict
//! validator (iterative, so deep nesting cannot overflow the stack) and a
//! string-literal decoder.

/// Validates `text` as one JSON value (surrounded only by JSON whitespace)
/// and, when it is an array, returns the byte ranges of its direct elements.
/// `None` when the text is not valid JSON or not an array.
pub(crate) fn top_level_elements(text: &str) -> Option<Vec<(usize, usize)>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Container {
        Array,
        Object,
    }
    let mut stack: Vec<Container> = Vec::new();
    let mut elements = Vec::new();
    let mut element_start = 0;
    'value: loop {
        i = skip_ws(b, i);
        let start = i;
        if stack.len() == 1 && stack[0] == Container::Array {
            element_start = start;
        }
        match *b.get(i)? {
            b'[' => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(Container::Array);
                    continue 'value;
                }
            }
            b'{' => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    i = object_key(b, i)?;
                    stack.push(Container::Object);
                    continue 'value;
                }
            }
            b'"' => i = scan_string(b, i)?,
            b't' => i = literal(b, i, b"true")?,
            b'f' => i = literal(b, i, b"false")?,
            b'n' => i = literal(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = scan_number(b, i)?,
            _ => return None,
        }
        // After a value: close containers or move to the next element.
        loop {
            i = skip_ws(b, i);
            match stack.last().copied() {
                None => {
                    return if i == b.len() { Some(elements) } else { None };
                }
                Some(container) => {
                    let depth_one = stack.len() == 1;
                    if depth_one && !elements_closed(&elements, element_start) {
                        elements.push((element_start, trim_end_ws(b, element_start, i)));
                    }
                    match (container, *b.get(i)?) {
                        (_, b',') => {
                            i += 1;
                            if container == Container::Object {
                                i = object_key(b, skip_ws(b, i))?;
                            }
                            continue 'value;
                        }
                        (Container::Array, b']') | (Container::Object, b'}') => {
                            stack.pop();
                            i += 1;
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
}

/// Whether the element starting at `start` was already recorded.
fn elements_closed(elements: &[(usize, usize)], start: usize) -> bool {
    elements.last().is_some_and(|&(s, _)| s == start)
}

fn trim_end_ws(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(b[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    end
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `"key" :` — returns the position after the colon.
fn object_key(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_ws(b, scan_string(b, i)?);
    (b.get(i) == Some(&b':')).then_some(i + 1)
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (b.get(i..i + word.len()) == Some(word)).then_some(i + word.len())
}

fn scan_number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i > s).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i)?,
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// Scans a string literal starting at the opening quote; returns the
/// position after the closing quote.
fn scan_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            c if c < 0x20 => return None,
            _ => i += 1,
        }
    }
}

/// Decodes a validated string literal (quotes included); `None` when the
/// text is not a string literal. Bad surrogates become U+FFFD like Go.
pub(crate) fn decode_string(lit: &str) -> Option<String> {
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hi = hex4(&mut chars)?;
                if (0xD800..0xDC00).contains(&hi) {
                    let mut look = chars.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        if let Some(lo) = hex4(&mut look) {
                            if (0xDC00..0xE000).contains(&lo) {
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                chars = look;
                                continue;
                            }
                        }
                    }
                    out.push('\u{fffd}');
                } else {
                    out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next()?.to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_of_arrays() {
        let t = r#"[ "a" , 1, [2, {"k": [3]}], "b"]"#;
        let els = top_level_elements(t).expect("valid");
        let parts: Vec<&str> = els.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(parts, [r#""a""#, "1", r#"[2, {"k": [3]}]"#, r#""b""#]);
        assert_eq!(top_level_elements("[]"), Some(vec![]));
        assert_eq!(top_level_elements("[ ]  "), Some(vec![]));
        assert_eq!(top_level_elements(r#"["a",]"#), None);
        assert_eq!(top_level_elements(r#"["a"] x"#), None);
        assert_eq!(top_level_elements(&"[".repeat(100_000)), None);
    }

    #[test]
    fn decodes_escapes() {
        assert_eq!(
            decode_string(r#""\" \\ \/ \b \f \n \r \t \u0000 \ud83d\ude00 \ud800""#).as_deref(),
            Some("\" \\ / \x08 \x0c \n \r \t \0 😀 \u{fffd}")
        );
    }
}
