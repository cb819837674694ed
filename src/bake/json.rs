//! A small JSON parser that keeps byte spans (serde_json does not).

use crate::span::Span;

#[derive(Debug, Clone)]
pub struct JNode {
    pub kind: JKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum JKind {
    Null,
    Bool(bool),
    Num(f64),
    /// The unescaped string, and whether it equals the raw source text
    /// between the quotes (so inner spans can be mapped exactly).
    Str(String, bool),
    Arr(Vec<JNode>),
    Obj(Vec<(String, Span, JNode)>),
}

pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<JNode, JsonError> {
    let mut p = P {
        b: text.as_bytes(),
        s: text,
        i: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("unexpected trailing characters"));
    }
    Ok(v)
}

struct P<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    depth: usize,
}

impl P<'_> {
    fn err(&self, m: &str) -> JsonError {
        JsonError {
            offset: self.i.min(self.b.len()),
            message: m.to_string(),
        }
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<JNode, JsonError> {
        let start = self.i;
        let Some(&c) = self.b.get(self.i) else {
            return Err(self.err("unexpected end of JSON input"));
        };
        let kind = match c {
            b'{' => {
                self.depth += 1;
                if self.depth > super::limits::MAX_NESTING {
                    return Err(self.err("nesting too deep"));
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let ks = self.i;
                        let JKind::Str(k, _) = self.string()? else {
                            return Err(self.err("expected string key"));
                        };
                        let kspan = Span::new(ks, self.i);
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return Err(self.err("expected ':'"));
                        }
                        self.i += 1;
                        self.ws();
                        let v = self.value()?;
                        items.push((k, kspan, v));
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected ',' or '}'")),
                        }
                    }
                }
                self.depth -= 1;
                JKind::Obj(items)
            }
            b'[' => {
                self.depth += 1;
                if self.depth > super::limits::MAX_NESTING {
                    return Err(self.err("nesting too deep"));
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected ',' or ']'")),
                        }
                    }
                }
                self.depth -= 1;
                JKind::Arr(items)
            }
            b'"' => self.string()?,
            b't' if self.s[self.i..].starts_with("true") => {
                self.i += 4;
                JKind::Bool(true)
            }
            b'f' if self.s[self.i..].starts_with("false") => {
                self.i += 5;
                JKind::Bool(false)
            }
            b'n' if self.s[self.i..].starts_with("null") => {
                self.i += 4;
                JKind::Null
            }
            b'-' | b'0'..=b'9' => {
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let n: f64 = self.s[start..self.i]
                    .parse()
                    .map_err(|_| self.err("invalid number"))?;
                JKind::Num(n)
            }
            _ => return Err(self.err("invalid character")),
        };
        Ok(JNode {
            kind,
            span: Span::new(start, self.i),
        })
    }

    fn string(&mut self) -> Result<JKind, JsonError> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(self.err("expected string"));
        }
        self.i += 1;
        let content_start = self.i;
        let mut out = String::new();
        let mut exact = true;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    exact = false;
                    let Some(&e) = self.b.get(self.i + 1) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                let c = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3ff);
                                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                            } else {
                                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                _ => {
                    // Copy one UTF-8 character.
                    let ch_len = utf8_len(c);
                    let end = (self.i + ch_len).min(self.b.len());
                    out.push_str(self.s.get(self.i..end).unwrap_or("\u{fffd}"));
                    self.i = end;
                }
            }
        }
        let _ = content_start;
        Ok(JKind::Str(out, exact))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("invalid unicode escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("invalid unicode escape"))?;
        self.i += 4;
        Ok(v)
    }
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
