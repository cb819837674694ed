//! Parser directives (`# syntax=`, `# escape=`, `# check=`), read with
//! BuildKit's rule: `#`, optional whitespace, `key = value`, and only in the
//! leading run of such lines.

/// Directive names BuildKit recognises.
const KNOWN: [&str; 3] = ["syntax", "escape", "check"];

/// A directive line, ranges relative to the text passed to [`match_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawDirective {
    pub name: String,
    pub name_range: (usize, usize),
    pub value_range: (usize, usize),
}

/// Go regexp `\s`.
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Matches a line (leading whitespace already removed) against
/// `#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with a known key.
pub(super) fn match_line(text: &str) -> Option<RawDirective> {
    let rest = text.strip_prefix('#')?;
    let base = 1 + super::lines::leading_space_len(rest);
    let b = text.as_bytes();
    let mut i = base;
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let name_range = (base, i);
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    let after_eq = i;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    let mut end = b.len();
    while end > i && is_re_space(b[end - 1]) {
        end -= 1;
    }
    let value_range = if end > i {
        (i, end)
    } else if i > after_eq {
        // Only whitespace after `=`: the lazy group still takes one character.
        (i - 1, i)
    } else {
        return None;
    };
    let name = text[name_range.0..name_range.1].to_ascii_lowercase();
    KNOWN.contains(&name.as_str()).then_some(RawDirective {
        name,
        name_range,
        value_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_directives() {
        let d = match_line("# Escape = ` ").expect("directive");
        assert_eq!(d.name, "escape");
        assert_eq!(d.value_range, (11, 12));
        assert!(match_line("#syntax=docker/dockerfile:1").is_some());
        assert!(match_line("# foo=bar").is_none());
        assert!(match_line("# escape").is_none());
        assert!(match_line("FROM x").is_none());
        assert_eq!(
            match_line("#check=skip=all").map(|d| d.value_range),
            Some((7, 15))
        );
    }
}
