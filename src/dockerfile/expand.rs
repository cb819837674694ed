//! Variable expansion and word splitting as BuildKit's shell lexer does it.
//!
//! A port of the semantics of `frontend/dockerfile/shell/lex.go` in
//! moby/buildkit (`ProcessWord`, `ProcessWords`, `ProcessWordWithMatches`),
//! so that bakelint sees the same values `docker build` would. Notable
//! BuildKit behaviours kept on purpose:
//! - `$1`, `${999}`, `$@`, `$$`, ... are looked up as ordinary (never set)
//!   variables, so they expand to nothing; `$` before anything else is literal.
//! - Supported forms: `${V}`, `${V-w}`, `${V:-w}`, `${V+w}`, `${V:+w}`,
//!   `${V?w}`, `${V:?w}`, `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`,
//!   `${V/p/r}`, `${V//p/r}`. Anything else (`${V:=w}`, `${V:#p}`, ...) is an
//!   error. Patterns know only `*`, `?` and `\` escapes (no brackets), and,
//!   like Go's `regexp`, `*`/`?` never match a newline.
//! - Every lookup of an unset name counts as unmatched, even in a form with a
//!   default (`${V:-x}`), exactly like BuildKit's `Unmatched` set.
//! - Quoted empty strings do not produce a word in [`ShellLex::process_words`].
//!
//! Everything works on `char`s and checked byte offsets: no input can make
//! it panic, and pattern matching is memoised so it cannot blow up.
//!
//! Work is bounded on hostile input: nesting deeper than
//! [`MAX_SUBSTITUTION_DEPTH`] and expansions that produce more than
//! [`MAX_EXPANSION_BYTES`] stop with an error (BuildKit has no such limits,
//! but `ARG A=$A$A` repeated 64 times would need 2^64 bytes there too).
//! [`limit_errors`] reports where a Dockerfile's `ARG`/`ENV` values hit them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::ast::{Dockerfile, InstructionKind, Keyword, ParseError, Spanned};
use crate::span::Span;

/// How deeply `${...}` substitutions may nest in one word. Real Dockerfiles
/// nest two or three levels; the lexer recurses once per level.
pub const MAX_SUBSTITUTION_DEPTH: usize = 100;

/// How many bytes one expansion may produce, counting every variable value
/// looked up and every copy of a nested result: 1 MiB, sixteen times the
/// longest line BuildKit reads.
pub const MAX_EXPANSION_BYTES: usize = 1 << 20;

/// Variables visible to an expansion.
pub trait Environment {
    fn get(&self, name: &str) -> Option<&str>;
}

impl Environment for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        std::collections::HashMap::get(self, name).map(String::as_str)
    }
}

impl Environment for std::collections::BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        std::collections::BTreeMap::get(self, name).map(String::as_str)
    }
}

/// An environment with no variables; used to scan references without values.
struct NoEnv;

impl Environment for NoEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// An expansion failure (`${V?msg}` on an unset variable, bad syntax), with
/// the span of the culprit relative to the input word.
///
/// `message` is BuildKit's inner message (e.g. `syntax error: bad
/// substitution`), without its `failed to process "<word>":` wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub span: Span,
    pub message: String,
    /// A bakelint limit was hit ([`MAX_SUBSTITUTION_DEPTH`],
    /// [`MAX_EXPANSION_BYTES`]), not a BuildKit error.
    pub limit: bool,
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExpandError {}

/// The result of expanding a word, with the variables it used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    pub value: String,
    /// Variables that were referenced and found.
    pub matched: BTreeSet<String>,
    /// Variables that were referenced and not found. As in BuildKit this
    /// includes names used with a default or alternative (`${V:-x}`,
    /// `${V+x}`) and positional/special names (`$1`, `$@`); use
    /// [`ShellLex::variable_refs`] to see the operator of each reference.
    pub unmatched: BTreeSet<String>,
}

/// A `$NAME` / `${NAME...}` reference found in a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Span of the whole reference (`$` to closing `}`), relative to the word.
    pub span: Span,
    /// Span of the name alone, relative to the word.
    pub name_span: Span,
    /// The operator after the name (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `/`), if any.
    /// `//` for replace-all; an unsupported modifier is reported as written (e.g. `:=`).
    pub operator: Option<String>,
}

impl VarRef {
    /// True for positional (`$1`, `${10}`) and special (`$@`, `$#`, `$$`, ...)
    /// parameters, which BuildKit looks up like variables but never sets.
    pub fn is_positional_or_special(&self) -> bool {
        let mut chars = self.name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if is_special_param(c) => true,
            (Some(c), _) => is_go_digit(c),
            (None, _) => false,
        }
    }

    /// True when the reference supplies a value of its own when the variable is
    /// unset (`-`, `:-`) or only uses the variable as a condition (`+`, `:+`).
    pub fn has_default_or_alternative(&self) -> bool {
        matches!(self.operator.as_deref(), Some("-" | ":-" | "+" | ":+"))
    }
}

/// BuildKit's shell lexer, parameterised by the escape character.
#[derive(Debug, Clone, Copy)]
pub struct ShellLex {
    pub escape: char,
}

impl ShellLex {
    pub fn new(escape: char) -> Self {
        ShellLex { escape }
    }

    /// Expands one word (quotes removed, escapes processed).
    pub fn process_word(&self, word: &str, env: &dyn Environment) -> Result<String, ExpandError> {
        self.process_word_with_matches(word, env).map(|e| e.value)
    }

    /// Expands one word and reports which variables it used.
    pub fn process_word_with_matches(
        &self,
        word: &str,
        env: &dyn Environment,
    ) -> Result<Expansion, ExpandError> {
        if self.is_literal(word) {
            return Ok(Expansion {
                value: word.to_string(),
                matched: BTreeSet::new(),
                unmatched: BTreeSet::new(),
            });
        }
        let mut lexer = Lexer::new(word, self.escape, env, false);
        let (value, _) = lexer.run()?;
        Ok(Expansion {
            value,
            matched: lexer.matched,
            unmatched: lexer.unmatched,
        })
    }

    /// A word with no `$`, quote or escape character: it expands to itself
    /// (most label keys, paths and package names).
    fn is_literal(&self, word: &str) -> bool {
        !word
            .chars()
            .any(|c| matches!(c, '$' | '\'' | '"') || c == self.escape)
    }

    /// Expands and splits into words on unquoted whitespace.
    ///
    /// Splitting happens after expansion: whitespace from an unquoted
    /// variable value splits, whitespace inside quotes or escaped does not.
    pub fn process_words(
        &self,
        word: &str,
        env: &dyn Environment,
    ) -> Result<Vec<String>, ExpandError> {
        let mut lexer = Lexer::new(word, self.escape, env, false);
        let (_, words) = lexer.run()?;
        Ok(words)
    }

    /// Fails when `word`'s substitutions nest deeper than
    /// [`MAX_SUBSTITUTION_DEPTH`]; values and other errors are ignored.
    pub fn check_nesting(&self, word: &str) -> Result<(), ExpandError> {
        // Without values each `$` produces at most the word's length, and
        // nesting needs a `$` per level: most words cannot reach a limit.
        let dollars = word.bytes().filter(|&b| b == b'$').count();
        if dollars < MAX_SUBSTITUTION_DEPTH
            && dollars.saturating_mul(word.len()) <= MAX_EXPANSION_BYTES
        {
            return Ok(());
        }
        match Lexer::new(word, self.escape, &NoEnv, true).run() {
            Err(e) if e.limit => Err(e),
            _ => Ok(()),
        }
    }

    /// Every variable reference in `word` (outside single quotes, not
    /// escaped), ordered by position; references nested in a default,
    /// alternative, message, pattern or replacement are included.
    ///
    /// Scanning follows the lexer exactly (same quoting and escape rules).
    /// Errors that depend on values (`${V?msg}`, a bad pattern) are ignored;
    /// a syntax error ends the scan, keeping the references found before it.
    pub fn variable_refs(&self, word: &str) -> Vec<VarRef> {
        if !word.contains('$') {
            return Vec::new();
        }
        let mut lexer = Lexer::new(word, self.escape, &NoEnv, true);
        let _ = lexer.run();
        let mut refs = lexer.refs;
        refs.sort_by_key(|r| (r.span.start, r.span.end));
        refs
    }
}

const MISSING_BRACE: &str = "syntax error: missing '}'";

fn error(span: Span, message: impl Into<String>) -> ExpandError {
    ExpandError {
        span,
        message: message.into(),
        limit: false,
    }
}

fn limit_error(span: Span, message: String) -> ExpandError {
    ExpandError {
        span,
        message,
        limit: true,
    }
}

fn too_large_message() -> String {
    format!(
        "expansion produces more than {} MiB, bakelint's limit",
        MAX_EXPANSION_BYTES >> 20
    )
}

/// Keywords whose arguments BuildKit expands (RUN, CMD, ... go to a shell).
const EXPANDED: &[Keyword] = &[
    Keyword::Add,
    Keyword::Copy,
    Keyword::Expose,
    Keyword::From,
    Keyword::Label,
    Keyword::StopSignal,
    Keyword::User,
    Keyword::Volume,
    Keyword::Workdir,
];

/// A variable an `ARG` or `ENV` sets, and the word it is set to (none for
/// `ARG NAME`).
type Assignment<'d> = (&'d str, Option<&'d Spanned<String>>);

/// The keyword and assignments of an `ARG` or `ENV` instruction.
fn assignments(kind: &InstructionKind) -> Option<(&'static str, Vec<Assignment<'_>>)> {
    match kind {
        InstructionKind::Arg(decls) => Some((
            "ARG",
            decls
                .iter()
                .map(|d| (d.name.value.as_str(), d.default.as_ref()))
                .collect(),
        )),
        InstructionKind::Env(pairs) => Some((
            "ENV",
            pairs
                .iter()
                .map(|p| (p.key.value.as_str(), Some(&p.value)))
                .collect(),
        )),
        _ => None,
    }
}

/// Errors for the places where a Dockerfile hits an expansion limit:
/// `ARG` and `ENV` values expanded in order, as BuildKit would (global
/// `ARG`s, then each stage from scratch), and the arguments of the other
/// instructions BuildKit expands. A variable whose value hits the limit is
/// dropped, so a chain of doubling lines is reported once.
pub fn limit_errors(df: &Dockerfile) -> Vec<ParseError> {
    let lex = ShellLex::new(df.escape);
    let mut out = Vec::new();
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    let mut stage: Option<BTreeMap<String, String>> = None;
    for (_, ins) in df.instructions() {
        let Some((keyword, assigned)) = assignments(&ins.kind) else {
            if ins.keyword == Keyword::From {
                stage = Some(BTreeMap::new());
            }
            if EXPANDED.contains(&ins.keyword) {
                if let Err(e) = lex.check_nesting(&ins.args.text) {
                    out.push(ParseError {
                        span: ins.args_span,
                        message: e.message,
                    });
                }
            }
            continue;
        };
        for (name, word) in assigned {
            let Some(word) = word else {
                // `ARG NAME` in a stage takes the global value.
                if let (Some(scope), Some(v)) = (stage.as_mut(), globals.get(name)) {
                    scope.insert(name.to_string(), v.clone());
                }
                continue;
            };
            let scope = stage.as_mut().unwrap_or(&mut globals);
            match lex.process_word(&word.value, &*scope) {
                Ok(value) => {
                    scope.insert(name.to_string(), value);
                }
                Err(e) if e.limit => {
                    scope.remove(name);
                    out.push(ParseError {
                        span: word.span,
                        message: format!("{keyword} {name}: {}", e.message),
                    });
                }
                Err(_) => {
                    scope.insert(name.to_string(), word.value.clone());
                }
            }
        }
    }
    out
}

/// The state of one expansion: a cursor over the word plus what it found.
struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    escape: char,
    /// Keep escape characters in the output (BuildKit does this while reading
    /// patterns, so `\*` reaches the pattern compiler intact).
    raw_escapes: bool,
    env: &'a dyn Environment,
    /// Scanning for references only: value-dependent errors are ignored.
    lenient: bool,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    refs: Vec<VarRef>,
    /// Substitutions open around the cursor.
    depth: usize,
    /// Bytes produced so far (see [`MAX_EXPANSION_BYTES`]).
    produced: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, escape: char, env: &'a dyn Environment, lenient: bool) -> Self {
        // Go's text/scanner drops a byte order mark at the start of its input.
        let pos = if src.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        Lexer {
            src,
            pos,
            escape,
            raw_escapes: false,
            env,
            lenient,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            refs: Vec::new(),
            depth: 0,
            produced: 0,
        }
    }

    /// Counts `bytes` more output against [`MAX_EXPANSION_BYTES`].
    fn charge(&mut self, bytes: usize, start: usize) -> Result<(), ExpandError> {
        self.produced = self.produced.saturating_add(bytes);
        if self.produced > MAX_EXPANSION_BYTES {
            return Err(limit_error(
                Span::new(start, self.pos.max(start)),
                too_large_message(),
            ));
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(String, Vec<String>), ExpandError> {
        self.process_stop_on(None, false)
    }

    fn peek(&self) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }

    fn to_end(&self, start: usize) -> Span {
        Span::new(start, self.src.len())
    }

    /// A value-dependent failure: fatal when expanding, ignored when scanning.
    fn soft_error(&self, err: ExpandError) -> Result<String, ExpandError> {
        if self.lenient {
            Ok(String::new())
        } else {
            Err(err)
        }
    }

    /// Reads up to (and consumes) `stop`, or to the end of the word when
    /// `stop` is `None`; returns the expanded text and its split words.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        result
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.pos += ch.len_utf8();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let start = self.pos;
                    let value = self.process_dollar()?;
                    self.charge(value.len(), start)?;
                    result.push_str(&value);
                    // Unquoted expansions are subject to word splitting.
                    words.add_string(&value);
                }
                '\'' => {
                    let value = self.process_single_quote()?;
                    result.push_str(&value);
                    words.add_raw_string(&value);
                }
                '"' => {
                    let value = self.process_double_quote()?;
                    result.push_str(&value);
                    words.add_raw_string(&value);
                }
                _ => {
                    self.pos += ch.len_utf8();
                    let mut out = ch;
                    if ch == self.escape {
                        if self.raw_escapes {
                            words.add_raw_char(ch);
                            result.push(ch);
                        }
                        // A trailing escape character is dropped.
                        match self.bump() {
                            None => break,
                            Some(escaped) => {
                                out = escaped;
                                words.add_raw_char(escaped);
                            }
                        }
                    } else {
                        words.add_char(ch);
                    }
                    result.push(out);
                }
            }
        }
        if let Some(stop) = stop {
            return Err(error(
                Span::empty(self.src.len()),
                format!("unexpected end of statement while looking for matching {stop}"),
            ));
        }
        Ok((result, words.finish()))
    }

    /// `'...'`: everything literal, no escapes.
    fn process_single_quote(&mut self) -> Result<String, ExpandError> {
        let start = self.pos;
        self.bump();
        let mut result = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(error(
                        self.to_end(start),
                        "unexpected end of statement while looking for matching single-quote",
                    ))
                }
                Some('\'') => return Ok(result),
                Some(ch) => result.push(ch),
            }
        }
    }

    /// `"..."`: `$` expands; the escape character only escapes `"`, `$` and
    /// itself, and is kept literally before anything else.
    fn process_double_quote(&mut self) -> Result<String, ExpandError> {
        let start = self.pos;
        self.bump();
        let mut result = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(error(
                        self.to_end(start),
                        "unexpected end of statement while looking for matching double-quote",
                    ))
                }
                Some('"') => {
                    self.bump();
                    return Ok(result);
                }
                Some('$') => {
                    let dollar = self.pos;
                    let value = self.process_dollar()?;
                    self.charge(value.len(), dollar)?;
                    result.push_str(&value);
                }
                Some(ch) => {
                    self.pos += ch.len_utf8();
                    let mut out = ch;
                    if ch == self.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // Ignored; the missing quote is reported next turn.
                            None => continue,
                            Some(next) if next == '"' || next == '$' || next == self.escape => {
                                self.pos += next.len_utf8();
                                out = next;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(out);
                }
            }
        }
    }

    /// `$NAME`, `${NAME}` and `${NAME<op>...}`, with the cursor on the `$`.
    fn process_dollar(&mut self) -> Result<String, ExpandError> {
        if self.depth >= MAX_SUBSTITUTION_DEPTH {
            return Err(limit_error(
                Span::new(self.pos, self.pos + 1),
                format!(
                    "substitutions nest more than {MAX_SUBSTITUTION_DEPTH} levels deep, bakelint's limit"
                ),
            ));
        }
        self.depth += 1;
        let result = self.process_dollar_inner();
        self.depth -= 1;
        result
    }

    fn process_dollar_inner(&mut self) -> Result<String, ExpandError> {
        let start = self.pos;
        self.bump();

        if self.peek() != Some('{') {
            let name_start = self.pos;
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            let name_span = Span::new(name_start, self.pos);
            let (value, _) = self.get_env(&name);
            self.record(start, name_span, &name, None);
            return Ok(value);
        }

        self.bump();
        match self.peek() {
            None => return Err(error(self.to_end(start), MISSING_BRACE)),
            Some(ch @ ('{' | '}' | ':')) => {
                return Err(error(
                    Span::new(start, self.pos + ch.len_utf8()),
                    "syntax error: bad substitution",
                ))
            }
            Some(_) => {}
        }
        let name_start = self.pos;
        let name = self.process_name();
        let name_span = Span::new(name_start, self.pos);

        match self.bump() {
            // BuildKit words this "unsupported modifier (\u{FFFD})"; say what it is.
            None => Err(error(self.to_end(start), MISSING_BRACE)),
            Some('}') => {
                let (value, _) = self.get_env(&name);
                self.record(start, name_span, &name, None);
                Ok(value)
            }
            Some(ch @ (':' | '+' | '-' | '?' | '#' | '%')) => {
                self.process_modifier(start, &name, name_span, ch)
            }
            Some('/') => self.process_replace(start, &name, name_span),
            Some(ch) => Err(error(
                Span::new(start, self.pos),
                format!("unsupported modifier ({ch}) in substitution"),
            )),
        }
    }

    /// `${NAME<op>word}` for `-`, `+`, `?`, `#`, `%` and their `:` forms;
    /// the cursor is after the first operator character `first`.
    fn process_modifier(
        &mut self,
        start: usize,
        name: &str,
        name_span: Span,
        first: char,
    ) -> Result<String, ExpandError> {
        let mut chs = String::from(first);
        let mut null_is_unset = false;
        let mut op = Some(first);
        if first == ':' {
            null_is_unset = true;
            op = self.bump();
            chs.push(op.unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        let is_trim = matches!(op, Some('#' | '%'));
        if null_is_unset && is_trim {
            return Err(error(
                Span::new(start, self.pos),
                format!("unsupported modifier ({chs}) in substitution"),
            ));
        }
        let word = match self.process_stop_on(Some('}'), is_trim) {
            Ok((word, _)) => word,
            Err(err) if self.peek().is_none() => {
                let _ = err;
                return Err(error(self.to_end(start), MISSING_BRACE));
            }
            Err(err) => return Err(err),
        };
        let span = Span::new(start, self.pos);

        let (value, set) = self.get_env(name);
        let empty_counts_as_unset = !set || (null_is_unset && value.is_empty());
        match op {
            Some('-') => {
                self.record(start, name_span, name, Some(chs));
                Ok(if empty_counts_as_unset { word } else { value })
            }
            Some('+') => {
                self.record(start, name_span, name, Some(chs));
                Ok(if empty_counts_as_unset {
                    String::new()
                } else {
                    word
                })
            }
            Some('?') => {
                self.record(start, name_span, name, Some(chs));
                let default_message = if !set {
                    "is not allowed to be unset"
                } else if null_is_unset && value.is_empty() {
                    "is not allowed to be empty"
                } else {
                    return Ok(value);
                };
                let message = if word.is_empty() {
                    default_message
                } else {
                    word.as_str()
                };
                self.soft_error(error(span, format!("{name}: {message}")))
            }
            Some(trim @ ('#' | '%')) => {
                // A doubled operator (`##`, `%%`) asks for the longest match.
                let (pattern, greedy) = match word.strip_prefix(trim) {
                    Some(rest) => (rest, true),
                    None => (word.as_str(), false),
                };
                let mut operator = String::from(trim);
                if greedy {
                    operator.push(trim);
                }
                self.record(start, name_span, name, Some(operator));
                let trimmed = if trim == '%' {
                    trim_suffix(pattern, &value, greedy)
                } else {
                    trim_prefix(pattern, &value, greedy)
                };
                match trimmed {
                    Ok(v) => Ok(v),
                    Err(msg) => self.soft_error(error(
                        span,
                        format!("invalid pattern ({pattern}) in substitution: {msg}"),
                    )),
                }
            }
            _ => {
                self.record(start, name_span, name, Some(chs.clone()));
                self.soft_error(error(
                    span,
                    format!("unsupported modifier ({chs}) in substitution"),
                ))
            }
        }
    }

    /// `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`; the
    /// cursor is after the first `/`.
    fn process_replace(
        &mut self,
        start: usize,
        name: &str,
        name_span: Span,
    ) -> Result<String, ExpandError> {
        let replace_all = self.peek() == Some('/');
        if replace_all {
            self.bump();
        }
        let pattern = match self.process_stop_on(Some('/'), true) {
            Ok((pattern, _)) => pattern,
            Err(_) if self.peek().is_none() => {
                return Err(error(
                    self.to_end(start),
                    "syntax error: missing '/' in ${}",
                ))
            }
            Err(err) => return Err(err),
        };
        let replacement = match self.process_stop_on(Some('}'), true) {
            Ok((replacement, _)) => replacement,
            Err(_) if self.peek().is_none() => {
                return Err(error(self.to_end(start), MISSING_BRACE))
            }
            Err(err) => return Err(err),
        };
        let span = Span::new(start, self.pos);

        let (value, _) = self.get_env(name);
        let operator = if replace_all { "//" } else { "/" };
        self.record(start, name_span, name, Some(operator.to_string()));
        let compiled = match Pattern::compile(&pattern, true, false) {
            Ok(compiled) => compiled,
            Err(msg) => {
                return self.soft_error(error(
                    span,
                    format!("invalid pattern ({pattern}) in substitution: {msg}"),
                ))
            }
        };
        let text: Vec<char> = value.chars().collect();
        if replace_all {
            let limit = MAX_EXPANSION_BYTES.saturating_sub(self.produced);
            compiled
                .replace_all(&text, &replacement, limit)
                .ok_or_else(|| limit_error(span, too_large_message()))
        } else {
            Ok(compiled.replace_first(&text, &replacement))
        }
    }

    /// A name: letters, digits and `_`; or a run of digits (positional); or
    /// one special-parameter character. Empty when none of these follows.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_go_digit(ch) {
                while let Some(digit) = self.peek().filter(|c| is_go_digit(*c)) {
                    self.pos += digit.len_utf8();
                    name.push(digit);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.pos += ch.len_utf8();
                name.push(ch);
                return name;
            }
            if !is_go_letter(ch) && !is_go_digit(ch) && ch != '_' {
                break;
            }
            self.pos += ch.len_utf8();
            name.push(ch);
        }
        name
    }

    /// Looks a name up, noting it as matched or unmatched.
    fn get_env(&mut self, name: &str) -> (String, bool) {
        match self.env.get(name) {
            Some(value) => {
                self.matched.insert(name.to_string());
                // Counted now, checked at the next [`Lexer::charge`].
                self.produced = self.produced.saturating_add(value.len());
                (value.to_string(), true)
            }
            None => {
                self.unmatched.insert(name.to_string());
                (String::new(), false)
            }
        }
    }

    /// Notes a reference that ends at the cursor.
    fn record(&mut self, start: usize, name_span: Span, name: &str, operator: Option<String>) {
        if name.is_empty() {
            return;
        }
        self.refs.push(VarRef {
            name: name.to_string(),
            span: Span::new(start, self.pos),
            name_span,
            operator,
        });
    }
}

/// Word splitting state: the word being built and the words finished so far.
#[derive(Default)]
struct Words {
    current: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    /// An unquoted character: whitespace ends a non-empty word.
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() {
            if self.in_word && !self.current.is_empty() {
                self.words.push(std::mem::take(&mut self.current));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.current.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.current.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.words.push(std::mem::take(&mut self.current));
        }
        self.words
    }
}

fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// One element of a shell pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatTok {
    Lit(char),
    /// `?`: any one character except newline.
    Any,
    /// `*`: any run of characters without a newline.
    Star,
}

/// A shell wildcard pattern, matched the way BuildKit's translation to a Go
/// regular expression matches: leftmost start, then backtracking priority
/// (`*` is `.*` when greedy, `.*?` otherwise).
#[derive(Debug, Clone)]
struct Pattern {
    toks: Vec<PatTok>,
    greedy: bool,
    anchored: bool,
}

impl Pattern {
    fn compile(pattern: &str, greedy: bool, anchored: bool) -> Result<Pattern, String> {
        // The Go scanner reading the pattern also skips a leading BOM.
        let body = pattern.strip_prefix('\u{FEFF}').unwrap_or(pattern);
        let mut toks = Vec::new();
        let mut chars = body.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '*' => toks.push(PatTok::Star),
                '?' => toks.push(PatTok::Any),
                '\\' => {
                    // `\}` and `\/` only protect the ${} syntax; drop the escape.
                    if matches!(chars.peek(), Some('}' | '/')) {
                        continue;
                    }
                    match chars.next() {
                        Some(c @ ('*' | '?' | '\\')) => toks.push(PatTok::Lit(c)),
                        Some(c) => return Err(format!("invalid escape '\\{c}'")),
                        None => return Err("invalid escape '\\' at end of pattern".to_string()),
                    }
                }
                c => toks.push(PatTok::Lit(c)),
            }
        }
        Ok(Pattern {
            toks,
            greedy,
            anchored,
        })
    }

    /// The first match at or after `from`, as a char range.
    fn find(&self, text: &[char], from: usize) -> Option<(usize, usize)> {
        let last_start = if self.anchored {
            if from != 0 {
                return None;
            }
            0
        } else {
            text.len()
        };
        // States already explored without success; their outcome does not
        // depend on where the match started, so they are shared across starts.
        let mut failed = HashSet::new();
        (from..=last_start).find_map(|start| {
            self.match_at(text, start, &mut failed)
                .map(|end| (start, end))
        })
    }

    /// Depth-first search in priority order over (token, char) states.
    fn match_at(
        &self,
        text: &[char],
        start: usize,
        failed: &mut HashSet<(usize, usize)>,
    ) -> Option<usize> {
        let mut stack = vec![(0usize, start)];
        while let Some((pi, ti)) = stack.pop() {
            if !failed.insert((pi, ti)) {
                continue;
            }
            let Some(tok) = self.toks.get(pi) else {
                return Some(ti);
            };
            let current = text.get(ti).copied();
            let can_take = matches!(current, Some(c) if c != '\n');
            match *tok {
                PatTok::Lit(c) => {
                    if current == Some(c) {
                        stack.push((pi + 1, ti + 1));
                    }
                }
                PatTok::Any => {
                    if can_take {
                        stack.push((pi + 1, ti + 1));
                    }
                }
                PatTok::Star => {
                    // Pushed last is tried first.
                    if self.greedy {
                        stack.push((pi + 1, ti));
                        if can_take {
                            stack.push((pi, ti + 1));
                        }
                    } else {
                        if can_take {
                            stack.push((pi, ti + 1));
                        }
                        stack.push((pi + 1, ti));
                    }
                }
            }
        }
        None
    }

    /// Replaces the first match with `replacement` taken literally.
    fn replace_first(&self, text: &[char], replacement: &str) -> String {
        match self.find(text, 0) {
            Some((start, end)) => {
                let mut out = chars_between(text, 0, start);
                out.push_str(replacement);
                out.push_str(&chars_between(text, end, text.len()));
                out
            }
            None => text.iter().collect(),
        }
    }

    /// Replaces every match like Go's `Regexp.ReplaceAllString`, including its
    /// `$` template expansion of the replacement; `None` once the result
    /// grows past `limit` bytes.
    fn replace_all(&self, text: &[char], replacement: &str, limit: usize) -> Option<String> {
        let mut out = String::new();
        let mut last_end = 0;
        let mut search = 0;
        while search <= text.len() {
            let Some((start, end)) = self.find(text, search) else {
                break;
            };
            out.push_str(&chars_between(text, last_end, start));
            // No replacement for an empty match right after the previous one.
            if end > last_end || start == 0 {
                let matched = chars_between(text, start, end);
                out.push_str(&expand_template(replacement, &matched));
            }
            if out.len() > limit {
                return None;
            }
            last_end = end;
            search = if search + 1 > end { search + 1 } else { end };
        }
        out.push_str(&chars_between(text, last_end, text.len()));
        Some(out)
    }
}

fn chars_between(text: &[char], start: usize, end: usize) -> String {
    text.get(start..end)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

/// Go's `Regexp.Expand` for a pattern without groups: `$$` is `$`, `$0` /
/// `${0}` the whole match, other well-formed references nothing, and a
/// malformed one a literal `$`.
fn expand_template(template: &str, matched: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(rest.get(..i).unwrap_or(""));
        rest = rest.get(i + 1..).unwrap_or("");
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match extract_template_name(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
    out
}

/// The name of a `name` or `{name}` template reference and the text after it.
fn extract_template_name(s: &str) -> Option<(&str, &str)> {
    let (body, brace) = match s.strip_prefix('{') {
        Some(body) => (body, true),
        None => (s, false),
    };
    let len: usize = body
        .chars()
        .take_while(|&c| is_go_letter(c) || is_go_digit(c) || c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = body.get(..len)?;
    let mut after = body.get(len..)?;
    if brace {
        after = after.strip_prefix('}')?;
    }
    Some((name, after))
}

/// Removes the shortest (or longest) prefix of `value` matching `pattern`.
fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let compiled = Pattern::compile(pattern, greedy, true)?;
    let text: Vec<char> = value.chars().collect();
    Ok(match compiled.find(&text, 0) {
        Some((_, end)) => chars_between(&text, end, text.len()),
        None => value.to_string(),
    })
}

/// Removes the shortest (or longest) suffix, by trimming a prefix of the
/// reversed value with the reversed pattern, as BuildKit does.
fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let reversed_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed_value, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern but keeps each `\x` escape pair in order (`a\*c` -> `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    // Split into units from the front (an escape binds to the next char),
    // then emit the units in reverse order.
    let mut units: Vec<&[char]> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let width = if chars.get(i) == Some(&'\\') && i + 1 < chars.len() {
            2
        } else {
            1
        };
        if let Some(unit) = chars.get(i..i + width) {
            units.push(unit);
        }
        i += width;
    }
    units.iter().rev().flat_map(|unit| unit.iter()).collect()
}

/// Go's `unicode.IsLetter` (general category L, Unicode 15.0).
fn is_go_letter(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_alphabetic();
    }
    in_ranges(LETTER_RANGES, ch)
}

/// Go's `unicode.IsDigit` (general category Nd, Unicode 15.0).
fn is_go_digit(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_digit();
    }
    in_ranges(DIGIT_RANGES, ch)
}

fn in_ranges(ranges: &[(u32, u32)], ch: char) -> bool {
    let cp = u32::from(ch);
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Unicode 15.0 general category L (what Go's `unicode.IsLetter` tests).
#[rustfmt::skip]
const LETTER_RANGES: &[(u32, u32)] = &[
    (0x41, 0x5A), (0x61, 0x7A), (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA), (0xC0, 0xD6),
    (0xD8, 0xF6), (0xF8, 0x2C1), (0x2C6, 0x2D1), (0x2E0, 0x2E4), (0x2EC, 0x2EC), (0x2EE, 0x2EE),
    (0x370, 0x374), (0x376, 0x377), (0x37A, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A),
    (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F), (0x531, 0x556),
    (0x559, 0x559), (0x560, 0x588), (0x5D0, 0x5EA), (0x5EF, 0x5F2), (0x620, 0x64A), (0x66E, 0x66F),
    (0x671, 0x6D3), (0x6D5, 0x6D5), (0x6E5, 0x6E6), (0x6EE, 0x6EF), (0x6FA, 0x6FC), (0x6FF, 0x6FF),
    (0x710, 0x710), (0x712, 0x72F), (0x74D, 0x7A5), (0x7B1, 0x7B1), (0x7CA, 0x7EA), (0x7F4, 0x7F5),
    (0x7FA, 0x7FA), (0x800, 0x815), (0x81A, 0x81A), (0x824, 0x824), (0x828, 0x828), (0x840, 0x858),
    (0x860, 0x86A), (0x870, 0x887), (0x889, 0x88E), (0x8A0, 0x8C9), (0x904, 0x939), (0x93D, 0x93D),
    (0x950, 0x950), (0x958, 0x961), (0x971, 0x980), (0x985, 0x98C), (0x98F, 0x990), (0x993, 0x9A8),
    (0x9AA, 0x9B0), (0x9B2, 0x9B2), (0x9B6, 0x9B9), (0x9BD, 0x9BD), (0x9CE, 0x9CE), (0x9DC, 0x9DD),
    (0x9DF, 0x9E1), (0x9F0, 0x9F1), (0x9FC, 0x9FC), (0xA05, 0xA0A), (0xA0F, 0xA10), (0xA13, 0xA28),
    (0xA2A, 0xA30), (0xA32, 0xA33), (0xA35, 0xA36), (0xA38, 0xA39), (0xA59, 0xA5C), (0xA5E, 0xA5E),
    (0xA72, 0xA74), (0xA85, 0xA8D), (0xA8F, 0xA91), (0xA93, 0xAA8), (0xAAA, 0xAB0), (0xAB2, 0xAB3),
    (0xAB5, 0xAB9), (0xABD, 0xABD), (0xAD0, 0xAD0), (0xAE0, 0xAE1), (0xAF9, 0xAF9), (0xB05, 0xB0C),
    (0xB0F, 0xB10), (0xB13, 0xB28), (0xB2A, 0xB30), (0xB32, 0xB33), (0xB35, 0xB39), (0xB3D, 0xB3D),
    (0xB5C, 0xB5D), (0xB5F, 0xB61), (0xB71, 0xB71), (0xB83, 0xB83), (0xB85, 0xB8A), (0xB8E, 0xB90),
    (0xB92, 0xB95), (0xB99, 0xB9A), (0xB9C, 0xB9C), (0xB9E, 0xB9F), (0xBA3, 0xBA4), (0xBA8, 0xBAA),
    (0xBAE, 0xBB9), (0xBD0, 0xBD0), (0xC05, 0xC0C), (0xC0E, 0xC10), (0xC12, 0xC28), (0xC2A, 0xC39),
    (0xC3D, 0xC3D), (0xC58, 0xC5A), (0xC5D, 0xC5D), (0xC60, 0xC61), (0xC80, 0xC80), (0xC85, 0xC8C),
    (0xC8E, 0xC90), (0xC92, 0xCA8), (0xCAA, 0xCB3), (0xCB5, 0xCB9), (0xCBD, 0xCBD), (0xCDD, 0xCDE),
    (0xCE0, 0xCE1), (0xCF1, 0xCF2), (0xD04, 0xD0C), (0xD0E, 0xD10), (0xD12, 0xD3A), (0xD3D, 0xD3D),
    (0xD4E, 0xD4E), (0xD54, 0xD56), (0xD5F, 0xD61), (0xD7A, 0xD7F), (0xD85, 0xD96), (0xD9A, 0xDB1),
    (0xDB3, 0xDBB), (0xDBD, 0xDBD), (0xDC0, 0xDC6), (0xE01, 0xE30), (0xE32, 0xE33), (0xE40, 0xE46),
    (0xE81, 0xE82), (0xE84, 0xE84), (0xE86, 0xE8A), (0xE8C, 0xEA3), (0xEA5, 0xEA5), (0xEA7, 0xEB0),
    (0xEB2, 0xEB3), (0xEBD, 0xEBD), (0xEC0, 0xEC4), (0xEC6, 0xEC6), (0xEDC, 0xEDF), (0xF00, 0xF00),
    (0xF40, 0xF47), (0xF49, 0xF6C), (0xF88, 0xF8C), (0x1000, 0x102A), (0x103F, 0x103F),
    (0x1050, 0x1055), (0x105A, 0x105D), (0x1061, 0x1061), (0x1065, 0x1066), (0x106E, 0x1070),
    (0x1075, 0x1081), (0x108E, 0x108E), (0x10A0, 0x10C5), (0x10C7, 0x10C7), (0x10CD, 0x10CD),
    (0x10D0, 0x10FA), (0x10FC, 0x1248), (0x124A, 0x124D), (0x1250, 0x1256), (0x1258, 0x1258),
    (0x125A, 0x125D), (0x1260, 0x1288), (0x128A, 0x128D), (0x1290, 0x12B0), (0x12B2, 0x12B5),
    (0x12B8, 0x12BE), (0x12C0, 0x12C0), (0x12C2, 0x12C5), (0x12C8, 0x12D6), (0x12D8, 0x1310),
    (0x1312, 0x1315), (0x1318, 0x135A), (0x1380, 0x138F), (0x13A0, 0x13F5), (0x13F8, 0x13FD),
    (0x1401, 0x166C), (0x166F, 0x167F), (0x1681, 0x169A), (0x16A0, 0x16EA), (0x16F1, 0x16F8),
    (0x1700, 0x1711), (0x171F, 0x1731), (0x1740, 0x1751), (0x1760, 0x176C), (0x176E, 0x1770),
    (0x1780, 0x17B3), (0x17D7, 0x17D7), (0x17DC, 0x17DC), (0x1820, 0x1878), (0x1880, 0x1884),
    (0x1887, 0x18A8), (0x18AA, 0x18AA), (0x18B0, 0x18F5), (0x1900, 0x191E), (0x1950, 0x196D),
    (0x1970, 0x1974), (0x1980, 0x19AB), (0x19B0, 0x19C9), (0x1A00, 0x1A16), (0x1A20, 0x1A54),
    (0x1AA7, 0x1AA7), (0x1B05, 0x1B33), (0x1B45, 0x1B4C), (0x1B83, 0x1BA0), (0x1BAE, 0x1BAF),
    (0x1BBA, 0x1BE5), (0x1C00, 0x1C23), (0x1C4D, 0x1C4F), (0x1C5A, 0x1C7D), (0x1C80, 0x1C88),
    (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF), (0x1CE9, 0x1CEC), (0x1CEE, 0x1CF3), (0x1CF5, 0x1CF6),
    (0x1CFA, 0x1CFA), (0x1D00, 0x1DBF), (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45),
    (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D),
    (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4),
    (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4),
    (0x1FF6, 0x1FFC), (0x2071, 0x2071), (0x207F, 0x207F), (0x2090, 0x209C), (0x2102, 0x2102),
    (0x2107, 0x2107), (0x210A, 0x2113), (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124),
    (0x2126, 0x2126), (0x2128, 0x2128), (0x212A, 0x212D), (0x212F, 0x2139), (0x213C, 0x213F),
    (0x2145, 0x2149), (0x214E, 0x214E), (0x2183, 0x2184), (0x2C00, 0x2CE4), (0x2CEB, 0x2CEE),
    (0x2CF2, 0x2CF3), (0x2D00, 0x2D25), (0x2D27, 0x2D27), (0x2D2D, 0x2D2D), (0x2D30, 0x2D67),
    (0x2D6F, 0x2D6F), (0x2D80, 0x2D96), (0x2DA0, 0x2DA6), (0x2DA8, 0x2DAE), (0x2DB0, 0x2DB6),
    (0x2DB8, 0x2DBE), (0x2DC0, 0x2DC6), (0x2DC8, 0x2DCE), (0x2DD0, 0x2DD6), (0x2DD8, 0x2DDE),
    (0x2E2F, 0x2E2F), (0x3005, 0x3006), (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x3096),
    (0x309D, 0x309F), (0x30A1, 0x30FA), (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E),
    (0x31A0, 0x31BF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA4D0, 0xA4FD),
    (0xA500, 0xA60C), (0xA610, 0xA61F), (0xA62A, 0xA62B), (0xA640, 0xA66E), (0xA67F, 0xA69D),
    (0xA6A0, 0xA6E5), (0xA717, 0xA71F), (0xA722, 0xA788), (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1),
    (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9), (0xA7F2, 0xA801), (0xA803, 0xA805), (0xA807, 0xA80A),
    (0xA80C, 0xA822), (0xA840, 0xA873), (0xA882, 0xA8B3), (0xA8F2, 0xA8F7), (0xA8FB, 0xA8FB),
    (0xA8FD, 0xA8FE), (0xA90A, 0xA925), (0xA930, 0xA946), (0xA960, 0xA97C), (0xA984, 0xA9B2),
    (0xA9CF, 0xA9CF), (0xA9E0, 0xA9E4), (0xA9E6, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA00, 0xAA28),
    (0xAA40, 0xAA42), (0xAA44, 0xAA4B), (0xAA60, 0xAA76), (0xAA7A, 0xAA7A), (0xAA7E, 0xAAAF),
    (0xAAB1, 0xAAB1), (0xAAB5, 0xAAB6), (0xAAB9, 0xAABD), (0xAAC0, 0xAAC0), (0xAAC2, 0xAAC2),
    (0xAADB, 0xAADD), (0xAAE0, 0xAAEA), (0xAAF2, 0xAAF4), (0xAB01, 0xAB06), (0xAB09, 0xAB0E),
    (0xAB11, 0xAB16), (0xAB20, 0xAB26), (0xAB28, 0xAB2E), (0xAB30, 0xAB5A), (0xAB5C, 0xAB69),
    (0xAB70, 0xABE2), (0xAC00, 0xD7A3), (0xD7B0, 0xD7C6), (0xD7CB, 0xD7FB), (0xF900, 0xFA6D),
    (0xFA70, 0xFAD9), (0xFB00, 0xFB06), (0xFB13, 0xFB17), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28),
    (0xFB2A, 0xFB36), (0xFB38, 0xFB3C), (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44),
    (0xFB46, 0xFBB1), (0xFBD3, 0xFD3D), (0xFD50, 0xFD8F), (0xFD92, 0xFDC7), (0xFDF0, 0xFDFB),
    (0xFE70, 0xFE74), (0xFE76, 0xFEFC), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0xFF66, 0xFFBE),
    (0xFFC2, 0xFFC7), (0xFFCA, 0xFFCF), (0xFFD2, 0xFFD7), (0xFFDA, 0xFFDC), (0x10000, 0x1000B),
    (0x1000D, 0x10026), (0x10028, 0x1003A), (0x1003C, 0x1003D), (0x1003F, 0x1004D),
    (0x10050, 0x1005D), (0x10080, 0x100FA), (0x10280, 0x1029C), (0x102A0, 0x102D0),
    (0x10300, 0x1031F), (0x1032D, 0x10340), (0x10342, 0x10349), (0x10350, 0x10375),
    (0x10380, 0x1039D), (0x103A0, 0x103C3), (0x103C8, 0x103CF), (0x10400, 0x1049D),
    (0x104B0, 0x104D3), (0x104D8, 0x104FB), (0x10500, 0x10527), (0x10530, 0x10563),
    (0x10570, 0x1057A), (0x1057C, 0x1058A), (0x1058C, 0x10592), (0x10594, 0x10595),
    (0x10597, 0x105A1), (0x105A3, 0x105B1), (0x105B3, 0x105B9), (0x105BB, 0x105BC),
    (0x10600, 0x10736), (0x10740, 0x10755), (0x10760, 0x10767), (0x10780, 0x10785),
    (0x10787, 0x107B0), (0x107B2, 0x107BA), (0x10800, 0x10805), (0x10808, 0x10808),
    (0x1080A, 0x10835), (0x10837, 0x10838), (0x1083C, 0x1083C), (0x1083F, 0x10855),
    (0x10860, 0x10876), (0x10880, 0x1089E), (0x108E0, 0x108F2), (0x108F4, 0x108F5),
    (0x10900, 0x10915), (0x10920, 0x10939), (0x10980, 0x109B7), (0x109BE, 0x109BF),
    (0x10A00, 0x10A00), (0x10A10, 0x10A13), (0x10A15, 0x10A17), (0x10A19, 0x10A35),
    (0x10A60, 0x10A7C), (0x10A80, 0x10A9C), (0x10AC0, 0x10AC7), (0x10AC9, 0x10AE4),
    (0x10B00, 0x10B35), (0x10B40, 0x10B55), (0x10B60, 0x10B72), (0x10B80, 0x10B91),
    (0x10C00, 0x10C48), (0x10C80, 0x10CB2), (0x10CC0, 0x10CF2), (0x10D00, 0x10D23),
    (0x10E80, 0x10EA9), (0x10EB0, 0x10EB1), (0x10F00, 0x10F1C), (0x10F27, 0x10F27),
    (0x10F30, 0x10F45), (0x10F70, 0x10F81), (0x10FB0, 0x10FC4), (0x10FE0, 0x10FF6),
    (0x11003, 0x11037), (0x11071, 0x11072), (0x11075, 0x11075), (0x11083, 0x110AF),
    (0x110D0, 0x110E8), (0x11103, 0x11126), (0x11144, 0x11144), (0x11147, 0x11147),
    (0x11150, 0x11172), (0x11176, 0x11176), (0x11183, 0x111B2), (0x111C1, 0x111C4),
    (0x111DA, 0x111DA), (0x111DC, 0x111DC), (0x11200, 0x11211), (0x11213, 0x1122B),
    (0x1123F, 0x11240), (0x11280, 0x11286), (0x11288, 0x11288), (0x1128A, 0x1128D),
    (0x1128F, 0x1129D), (0x1129F, 0x112A8), (0x112B0, 0x112DE), (0x11305, 0x1130C),
    (0x1130F, 0x11310), (0x11313, 0x11328), (0x1132A, 0x11330), (0x11332, 0x11333),
    (0x11335, 0x11339), (0x1133D, 0x1133D), (0x11350, 0x11350), (0x1135D, 0x11361),
    (0x11400, 0x11434), (0x11447, 0x1144A), (0x1145F, 0x11461), (0x11480, 0x114AF),
    (0x114C4, 0x114C5), (0x114C7, 0x114C7), (0x11580, 0x115AE), (0x115D8, 0x115DB),
    (0x11600, 0x1162F), (0x11644, 0x11644), (0x11680, 0x116AA), (0x116B8, 0x116B8),
    (0x11700, 0x1171A), (0x11740, 0x11746), (0x11800, 0x1182B), (0x118A0, 0x118DF),
    (0x118FF, 0x11906), (0x11909, 0x11909), (0x1190C, 0x11913), (0x11915, 0x11916),
    (0x11918, 0x1192F), (0x1193F, 0x1193F), (0x11941, 0x11941), (0x119A0, 0x119A7),
    (0x119AA, 0x119D0), (0x119E1, 0x119E1), (0x119E3, 0x119E3), (0x11A00, 0x11A00),
    (0x11A0B, 0x11A32), (0x11A3A, 0x11A3A), (0x11A50, 0x11A50), (0x11A5C, 0x11A89),
    (0x11A9D, 0x11A9D), (0x11AB0, 0x11AF8), (0x11C00, 0x11C08), (0x11C0A, 0x11C2E),
    (0x11C40, 0x11C40), (0x11C72, 0x11C8F), (0x11D00, 0x11D06), (0x11D08, 0x11D09),
    (0x11D0B, 0x11D30), (0x11D46, 0x11D46), (0x11D60, 0x11D65), (0x11D67, 0x11D68),
    (0x11D6A, 0x11D89), (0x11D98, 0x11D98), (0x11EE0, 0x11EF2), (0x11F02, 0x11F02),
    (0x11F04, 0x11F10), (0x11F12, 0x11F33), (0x11FB0, 0x11FB0), (0x12000, 0x12399),
    (0x12480, 0x12543), (0x12F90, 0x12FF0), (0x13000, 0x1342F), (0x13441, 0x13446),
    (0x14400, 0x14646), (0x16800, 0x16A38), (0x16A40, 0x16A5E), (0x16A70, 0x16ABE),
    (0x16AD0, 0x16AED), (0x16B00, 0x16B2F), (0x16B40, 0x16B43), (0x16B63, 0x16B77),
    (0x16B7D, 0x16B8F), (0x16E40, 0x16E7F), (0x16F00, 0x16F4A), (0x16F50, 0x16F50),
    (0x16F93, 0x16F9F), (0x16FE0, 0x16FE1), (0x16FE3, 0x16FE3), (0x17000, 0x187F7),
    (0x18800, 0x18CD5), (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB),
    (0x1AFFD, 0x1AFFE), (0x1B000, 0x1B122), (0x1B132, 0x1B132), (0x1B150, 0x1B152),
    (0x1B155, 0x1B155), (0x1B164, 0x1B167), (0x1B170, 0x1B2FB), (0x1BC00, 0x1BC6A),
    (0x1BC70, 0x1BC7C), (0x1BC80, 0x1BC88), (0x1BC90, 0x1BC99), (0x1D400, 0x1D454),
    (0x1D456, 0x1D49C), (0x1D49E, 0x1D49F), (0x1D4A2, 0x1D4A2), (0x1D4A5, 0x1D4A6),
    (0x1D4A9, 0x1D4AC), (0x1D4AE, 0x1D4B9), (0x1D4BB, 0x1D4BB), (0x1D4BD, 0x1D4C3),
    (0x1D4C5, 0x1D505), (0x1D507, 0x1D50A), (0x1D50D, 0x1D514), (0x1D516, 0x1D51C),
    (0x1D51E, 0x1D539), (0x1D53B, 0x1D53E), (0x1D540, 0x1D544), (0x1D546, 0x1D546),
    (0x1D54A, 0x1D550), (0x1D552, 0x1D6A5), (0x1D6A8, 0x1D6C0), (0x1D6C2, 0x1D6DA),
    (0x1D6DC, 0x1D6FA), (0x1D6FC, 0x1D714), (0x1D716, 0x1D734), (0x1D736, 0x1D74E),
    (0x1D750, 0x1D76E), (0x1D770, 0x1D788), (0x1D78A, 0x1D7A8), (0x1D7AA, 0x1D7C2),
    (0x1D7C4, 0x1D7CB), (0x1DF00, 0x1DF1E), (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D),
    (0x1E100, 0x1E12C), (0x1E137, 0x1E13D), (0x1E14E, 0x1E14E), (0x1E290, 0x1E2AD),
    (0x1E2C0, 0x1E2EB), (0x1E4D0, 0x1E4EB), (0x1E7E0, 0x1E7E6), (0x1E7E8, 0x1E7EB),
    (0x1E7ED, 0x1E7EE), (0x1E7F0, 0x1E7FE), (0x1E800, 0x1E8C4), (0x1E900, 0x1E943),
    (0x1E94B, 0x1E94B), (0x1EE00, 0x1EE03), (0x1EE05, 0x1EE1F), (0x1EE21, 0x1EE22),
    (0x1EE24, 0x1EE24), (0x1EE27, 0x1EE27), (0x1EE29, 0x1EE32), (0x1EE34, 0x1EE37),
    (0x1EE39, 0x1EE39), (0x1EE3B, 0x1EE3B), (0x1EE42, 0x1EE42), (0x1EE47, 0x1EE47),
    (0x1EE49, 0x1EE49), (0x1EE4B, 0x1EE4B), (0x1EE4D, 0x1EE4F), (0x1EE51, 0x1EE52),
    (0x1EE54, 0x1EE54), (0x1EE57, 0x1EE57), (0x1EE59, 0x1EE59), (0x1EE5B, 0x1EE5B),
    (0x1EE5D, 0x1EE5D), (0x1EE5F, 0x1EE5F), (0x1EE61, 0x1EE62), (0x1EE64, 0x1EE64),
    (0x1EE67, 0x1EE6A), (0x1EE6C, 0x1EE72), (0x1EE74, 0x1EE77), (0x1EE79, 0x1EE7C),
    (0x1EE7E, 0x1EE7E), (0x1EE80, 0x1EE89), (0x1EE8B, 0x1EE9B), (0x1EEA1, 0x1EEA3),
    (0x1EEA5, 0x1EEA9), (0x1EEAB, 0x1EEBB), (0x20000, 0x2A6DF), (0x2A700, 0x2B739),
    (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A), (0x31350, 0x323AF),
];

/// Unicode 15.0 general category Nd (what Go's `unicode.IsDigit` tests).
#[rustfmt::skip]
const DIGIT_RANGES: &[(u32, u32)] = &[
    (0x30, 0x39), (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF),
    (0xA66, 0xA6F), (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F), (0xCE6, 0xCEF),
    (0xD66, 0xD6F), (0xDE6, 0xDEF), (0xE50, 0xE59), (0xED0, 0xED9), (0xF20, 0xF29),
    (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819), (0x1946, 0x194F),
    (0x19D0, 0x19D9), (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59), (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49), (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909),
    (0xA9D0, 0xA9D9), (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19),
    (0x104A0, 0x104A9), (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9),
    (0x11136, 0x1113F), (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459),
    (0x114D0, 0x114D9), (0x11650, 0x11659), (0x116C0, 0x116C9), (0x11730, 0x11739),
    (0x118E0, 0x118E9), (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9), (0x11F50, 0x11F59), (0x16A60, 0x16A69), (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF), (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9),
    (0x1E4F0, 0x1E4F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn lex() -> ShellLex {
        ShellLex::new('\\')
    }

    #[test]
    fn nesting_checks_agree_with_the_lexer_where_they_skip_it() {
        let lex = lex();
        // Words the quick count lets through: the lexer finds no limit either.
        for word in [
            "${a:-${b:-${c:-x}}}",
            "${a//x/${b}}$c$d",
            "${#a}${a%%*}${a:?msg}",
            &"$a".repeat(99),
            &("${x:-".repeat(99) + "y" + &"}".repeat(99)),
        ] {
            let direct = Lexer::new(word, '\\', &NoEnv, true).run();
            assert!(
                !matches!(direct, Err(ref e) if e.limit),
                "{word}: {direct:?}"
            );
            assert!(lex.check_nesting(word).is_ok(), "{word}");
        }
        // One level more than the limit is still reported.
        let depth = MAX_SUBSTITUTION_DEPTH + 1;
        let deep = "${x:-".repeat(depth) + "y" + &"}".repeat(depth);
        assert!(lex.check_nesting(&deep).is_err_and(|e| e.limit));
    }

    /// BuildKit's `TestProcessWithMatches` vectors: value plus matched/unmatched.
    #[test]
    fn matches_like_buildkit() {
        let fb = [("FOO", "xxx"), ("BAR", "")];
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str)>,
            Option<&'a str>,
            Vec<&'a str>,
            Vec<&'a str>,
        );
        let cases: Vec<Case> = vec![
            ("x", vec![("DUMMY", "dummy")], Some("x"), vec![], vec![]),
            (
                "x ${UNUSED}",
                vec![("DUMMY", "dummy")],
                Some("x "),
                vec![],
                vec!["UNUSED"],
            ),
            (
                "x ${FOO}",
                vec![("FOO", "y")],
                Some("x y"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
                fb.to_vec(),
                Some("xxx  ccc"),
                vec!["FOO", "BAR"],
                vec!["BAZ"],
            ),
            (
                "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
                fb.to_vec(),
                Some("xxx bbb ccc"),
                vec!["FOO", "BAR"],
                vec!["BAZ"],
            ),
            ("${FOO:-}", fb.to_vec(), Some("xxx"), vec!["FOO"], vec![]),
            ("${FOO:-}", vec![], Some(""), vec![], vec!["FOO"]),
            (
                "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
                fb.to_vec(),
                Some("aaa bbb "),
                vec!["FOO", "BAR"],
                vec!["BAZ"],
            ),
            (
                "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
                fb.to_vec(),
                Some("aaa  "),
                vec!["FOO", "BAR"],
                vec!["BAZ"],
            ),
            ("${FOO?aaa}", fb.to_vec(), Some("xxx"), vec!["FOO"], vec![]),
            ("${BAR?bbb}", fb.to_vec(), Some(""), vec!["BAR"], vec![]),
            ("${BAZ?ccc}", fb.to_vec(), None, vec![], vec![]),
            ("${FOO:?aaa}", fb.to_vec(), Some("xxx"), vec!["FOO"], vec![]),
            ("${BAR:?bbb}", fb.to_vec(), None, vec![], vec![]),
            ("${BAZ:?ccc}", fb.to_vec(), None, vec![], vec![]),
            ("${BAZ:?}", fb.to_vec(), None, vec![], vec![]),
            ("${FOO=aaa}", fb.to_vec(), None, vec![], vec![]),
            ("${FOO=:aaa}", fb.to_vec(), None, vec![], vec![]),
            ("${FOO=}", vec![], None, vec![], vec![]),
            (
                "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
                vec![("FOO", "()[]{}^$.*?|\\x")],
                Some("x"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO%%\\**}",
                vec![("FOO", "xx**")],
                Some("xx"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO#*x*y}",
                vec![("FOO", "xxyy")],
                Some("y"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO#*}",
                vec![("FOO", "xxyy")],
                Some("xxyy"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO#$BAR}",
                vec![("FOO", "xxyy"), ("BAR", "x")],
                Some("xyy"),
                vec!["FOO", "BAR"],
                vec![],
            ),
            (
                "${FOO#$BAR}",
                vec![("FOO", "xxyy"), ("BAR", "")],
                Some("xxyy"),
                vec!["FOO", "BAR"],
                vec![],
            ),
            (
                "${FOO#}",
                vec![("FOO", "xxyy")],
                Some("xxyy"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO##*x}",
                vec![("FOO", "xxyy")],
                Some("yy"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO##}",
                vec![("FOO", "xxyy")],
                Some("xxyy"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO#?\\?}",
                vec![("FOO", "???y")],
                Some("?y"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${ABC:-.}${FOO%x}${ABC:-.}",
                vec![("FOO", "xxyy")],
                Some(".xxyy."),
                vec!["FOO"],
                vec!["ABC"],
            ),
            (
                "${FOO%%\\**\\*}",
                vec![("FOO", "a***yy*")],
                Some("a"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO%}",
                vec![("FOO", "xxyy")],
                Some("xxyy"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO%%$BAR}",
                vec![("FOO", "xxyy"), ("BAR", "")],
                Some("xxyy"),
                vec!["FOO", "BAR"],
                vec![],
            ),
            ("${FOO:#}", vec![], None, vec![], vec![]),
            ("${FOO:##}", vec![], None, vec![], vec![]),
            ("${FOO:%}", vec![], None, vec![], vec![]),
            ("${FOO:%%}", vec![], None, vec![], vec![]),
            (
                "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
                vec![("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
                Some("/foo.*/*.txt - /foo..*.txt"),
                vec!["FOO", "NEEDLE"],
                vec![],
            ),
            (
                "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
                vec![("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
                Some("/tmp/bar.txt - /bar.txt"),
                vec!["FOO", "NEEDLE"],
                vec![],
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                vec![
                    ("FOO", "/a/foo/b/c.txt"),
                    ("NEEDLE", "/?/"),
                    ("REPLACEMENT", "/"),
                ],
                Some("/foo/b/c.txt - /foo/c.txt"),
                vec!["FOO", "NEEDLE", "REPLACEMENT"],
                vec![],
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT}",
                vec![
                    ("FOO", "http://google.de"),
                    ("NEEDLE", "http://"),
                    ("REPLACEMENT", "https://"),
                ],
                Some("https://google.de"),
                vec!["FOO", "NEEDLE", "REPLACEMENT"],
                vec![],
            ),
            (
                "${FOO//\\//\\/}",
                vec![("FOO", "/tmp/foo.txt")],
                Some("\\/tmp\\/foo.txt"),
                vec!["FOO"],
                vec![],
            ),
            (
                "${FOO/$BAR/ww}",
                vec![("FOO", "xxyy"), ("BAR", "")],
                Some("wwxxyy"),
                vec!["FOO", "BAR"],
                vec![],
            ),
            ("${FOO//ww}", vec![("FOO", "xxyy")], None, vec![], vec![]),
            ("${FOO//}", vec![("FOO", "xxyy")], None, vec![], vec![]),
            (
                "${FOO///}",
                vec![("FOO", "xxyy")],
                Some("xxyy"),
                vec!["FOO"],
                vec![],
            ),
            ("${FOO///}", vec![], Some(""), vec![], vec!["FOO"]),
        ];
        for (input, vars, expected, matched, unmatched) in cases {
            let got = lex().process_word_with_matches(input, &env(&vars));
            match expected {
                None => assert!(got.is_err(), "{input:?} should fail, got {got:?}"),
                Some(expected) => {
                    let got = got.unwrap_or_else(|e| panic!("{input:?}: {e:?}"));
                    assert_eq!(got.value, expected, "{input:?}");
                    assert_eq!(got.matched, set(&matched), "matched of {input:?}");
                    assert_eq!(got.unmatched, set(&unmatched), "unmatched of {input:?}");
                }
            }
        }
    }

    #[test]
    fn platform_release_name() {
        let word = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
        let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
        let mut vars = base.to_vec();
        vars.extend([("TARGETARCH", "arm"), ("TARGETVARIANT", "v7")]);
        let got = lex().process_word_with_matches(word, &env(&vars)).unwrap();
        assert_eq!(got.value, "something-v1.2.3.linux-arm-v7.tar.gz");
        assert!(got.unmatched.is_empty());

        let mut vars = base.to_vec();
        vars.push(("TARGETARCH", "arm64"));
        let got = lex().process_word_with_matches(word, &env(&vars)).unwrap();
        assert_eq!(got.value, "something-v1.2.3.linux-arm64.tar.gz");
        assert_eq!(got.unmatched, set(&["TARGETVARIANT"]));
    }

    #[test]
    fn mandatory_vars_messages() {
        let no_empty = "${VAR:?message here$ARG}";
        let no_unset = "${VAR?message here$ARG}";
        let set_env = env(&[("VAR", "plain"), ("ARG", "x")]);
        let empty_env = env(&[("VAR", ""), ("ARG", "x")]);
        let unset_env = env(&[("ARG", "x")]);

        assert_eq!(lex().process_word(no_empty, &set_env).unwrap(), "plain");
        let err = lex().process_word(no_empty, &empty_env).unwrap_err();
        assert_eq!(err.message, "VAR: message herex");
        assert_eq!(err.span, Span::new(0, no_empty.len()));
        let err = lex().process_word(no_empty, &unset_env).unwrap_err();
        assert_eq!(err.message, "VAR: message herex");

        assert_eq!(lex().process_word(no_unset, &set_env).unwrap(), "plain");
        assert_eq!(lex().process_word(no_unset, &empty_env).unwrap(), "");
        let err = lex().process_word(no_unset, &unset_env).unwrap_err();
        assert_eq!(err.message, "VAR: message herex");

        let err = lex().process_word("a${X?}", &unset_env).unwrap_err();
        assert_eq!(err.message, "X: is not allowed to be unset");
        assert_eq!(err.span, Span::new(1, 6));
        let err = lex().process_word("${VAR:?}", &empty_env).unwrap_err();
        assert_eq!(err.message, "VAR: is not allowed to be empty");
    }

    #[test]
    fn error_spans() {
        let e = HashMap::new();
        let err = |w: &str| lex().process_word(w, &e).unwrap_err();

        let x = err("ab${}cd");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(2, 5), "syntax error: bad substitution")
        );
        let x = err("ab${PWD");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(2, 7), MISSING_BRACE)
        );
        let x = err("ab${");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(2, 4), MISSING_BRACE)
        );
        let x = err("x${A:-${B}");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(1, 10), MISSING_BRACE)
        );
        let x = err("a 'bc");
        assert_eq!(x.span, Span::new(2, 5));
        let x = err("안\"녕");
        assert_eq!(x.span, Span::new(3, 7));
        let x = err("y${A:=1}z");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(1, 8), "unsupported modifier (:=) in substitution")
        );
        let x = err("${A.}");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(0, 4), "unsupported modifier (.) in substitution")
        );
        let x = err("${A:#x}");
        assert_eq!(x.span, Span::new(0, 5));
        let x = err("${A/x}");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(0, 6), "syntax error: missing '/' in ${}")
        );
        let x = err("${A#\\x}");
        assert!(
            x.message
                .starts_with("invalid pattern (\\x) in substitution"),
            "{x:?}"
        );
        assert_eq!(x.span, Span::new(0, 7));
        // An error inside a default is reported where it happens.
        let x = err("${A:-${}}");
        assert_eq!(
            (x.span, x.message.as_str()),
            (Span::new(5, 8), "syntax error: bad substitution")
        );
    }

    #[test]
    fn variable_refs_spans() {
        let word = "a$FOO-${BAR:-$BAZ}'$NO'\\$NOPE\"${Q}\"${R//x/$S}${T##*}";
        let refs = lex().variable_refs(word);
        let got: Vec<(&str, &str, &str, Option<&str>)> = refs
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.span.slice(word),
                    r.name_span.slice(word),
                    r.operator.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("FOO", "$FOO", "FOO", None),
                ("BAR", "${BAR:-$BAZ}", "BAR", Some(":-")),
                ("BAZ", "$BAZ", "BAZ", None),
                ("Q", "${Q}", "Q", None),
                ("R", "${R//x/$S}", "R", Some("//")),
                ("S", "$S", "S", None),
                ("T", "${T##*}", "T", Some("##")),
            ]
        );
        assert!(refs[1].has_default_or_alternative());
        assert!(!refs[0].has_default_or_alternative());
    }

    #[test]
    fn variable_refs_edge_cases() {
        let names = |w: &str, esc: char| -> Vec<String> {
            ShellLex::new(esc)
                .variable_refs(w)
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        // `?` errors do not stop the scan; the message is scanned too.
        assert_eq!(names("${A?$B}$C", '\\'), ["A", "B", "C"]);
        // A syntax error keeps what came before it.
        assert_eq!(names("$A ${B", '\\'), ["A"]);
        assert_eq!(names("$A ${}", '\\'), ["A"]);
        // Positional and special parameters are references too, and marked.
        let refs = lex().variable_refs("$1${@}$$x");
        let names_only: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names_only, ["1", "@", "$"]);
        assert!(refs.iter().all(VarRef::is_positional_or_special));
        // With the backtick escape a backslash is literal and escapes nothing.
        assert_eq!(names("\\$A`$B", '`'), ["A"]);
        // UTF-8 names and offsets.
        let word = "é${명}$x";
        let refs = lex().variable_refs(word);
        assert_eq!(refs[0].span.slice(word), "${명}");
        assert_eq!(refs[0].name_span, Span::new(4, 7));
        assert_eq!(refs[1].span, Span::new(8, 10));
        // `$` before a non-name character is not a reference.
        assert!(lex().variable_refs("$. $ $-x").len() == 1);
    }

    #[test]
    fn backtick_escape() {
        let e = env(&[("PWD", "/home")]);
        let bt = ShellLex::new('`');
        assert_eq!(bt.process_word("he`$PWD", &e).unwrap(), "he$PWD");
        assert_eq!(bt.process_word("he\\$PWD", &e).unwrap(), "he\\/home");
        assert_eq!(bt.process_word("C:\\dir\\x", &e).unwrap(), "C:\\dir\\x");
        assert_eq!(bt.process_word("\"a``b`\"c\\d\"", &e).unwrap(), "a`b\"c\\d");
        assert_eq!(bt.process_word("end`", &e).unwrap(), "end");
        assert_eq!(bt.process_words("a` b c", &e).unwrap(), ["a b", "c"]);
    }

    #[test]
    fn utf8_values_and_patterns() {
        let e = env(&[("K", "한국어한국어"), ("E", "👽🚀🖖")]);
        assert_eq!(lex().process_word("${K#한}", &e).unwrap(), "국어한국어");
        assert_eq!(lex().process_word("${K%%국*}", &e).unwrap(), "한");
        assert_eq!(lex().process_word("${K%국*}", &e).unwrap(), "한국어한");
        assert_eq!(lex().process_word("${E/?/x}", &e).unwrap(), "x🚀🖖");
        assert_eq!(lex().process_word("${E//?/x}", &e).unwrap(), "xxx");
        assert_eq!(
            lex().process_word("${K:+한}${없음:-어}", &e).unwrap(),
            "한어"
        );
    }

    #[test]
    fn patterns_follow_go_regexp() {
        let e = env(&[("V", "a\nb"), ("W", "xaxbx"), ("P", "aXbXc")]);
        // `*` does not cross a newline, as Go's `.` does not match one.
        assert_eq!(lex().process_word("${V#*b}", &e).unwrap(), "a\nb");
        assert_eq!(lex().process_word("${V#a?b}", &e).unwrap(), "a\nb");
        // Replace-all with an empty pattern inserts between characters.
        assert_eq!(
            lex().process_word("${W//$NONE/-}", &e).unwrap(),
            "-x-a-x-b-x-"
        );
        // Go's template expansion in replace-all: `$0` is the match.
        assert_eq!(
            lex().process_word("${P//X/<\\$0>}", &e).unwrap(),
            "a<\\X>b<\\X>c"
        );
        assert_eq!(lex().process_word("${P/X/\\$0}", &e).unwrap(), "a\\$0bXc");
        // Shortest vs longest suffix/prefix.
        assert_eq!(lex().process_word("${P%X*}", &e).unwrap(), "aXb");
        assert_eq!(lex().process_word("${P%%X*}", &e).unwrap(), "a");
        assert_eq!(lex().process_word("${P#*X}", &e).unwrap(), "bXc");
        assert_eq!(lex().process_word("${P##*X}", &e).unwrap(), "c");
        // A quoted `#` still makes the operator greedy, as in BuildKit.
        assert_eq!(lex().process_word("${P#\"#\"*X}", &e).unwrap(), "c");
    }

    #[test]
    fn reverse_pattern_keeps_escapes() {
        assert_eq!(reverse_pattern("a\\*c"), "c\\*a");
        assert_eq!(reverse_pattern("\\\\\\ab"), "b\\a\\\\");
        assert_eq!(reverse_pattern("ab\\"), "\\ba");
        assert_eq!(reverse_pattern("👽\\🚀🖖"), "🖖\\🚀👽");
        assert_eq!(reverse_pattern("\\\\b"), "b\\\\");
        assert!(Pattern::compile("\\", true, true).is_err());
        assert!(Pattern::compile("\\x", true, true).is_err());
        assert!(Pattern::compile("\\\\\\", true, true).is_err());
    }

    #[test]
    fn words_split_after_expansion() {
        let e = env(&[("S", " a  b "), ("E", "")]);
        assert_eq!(
            lex().process_words("x${S}y", &e).unwrap(),
            ["x", "a", "b", "y"]
        );
        assert_eq!(lex().process_words("x\"${S}\"y", &e).unwrap(), ["x a  b y"]);
        // Quoted empty strings vanish, as in BuildKit.
        assert_eq!(
            lex().process_words("a \"\" '' $E b", &e).unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            lex().process_words("   ", &e).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn leading_bom_is_skipped_like_go_scanner() {
        let e = env(&[("A", "1")]);
        assert_eq!(lex().process_word("\u{FEFF}$A", &e).unwrap(), "1");
        let refs = lex().variable_refs("\u{FEFF}$A");
        assert_eq!(refs[0].span, Span::new(3, 5));
    }

    /// Deterministic pseudo-random words over the lexer's special characters:
    /// no panic, spans in range and on char boundaries.
    #[test]
    fn never_panics() {
        let alphabet: Vec<char> = "${}:-+?#%/\\`'\" a1_é한\n*@".chars().collect();
        let e = env(&[("a", "x*y"), ("a1_", ""), ("é", "한\n")]);
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 14) as usize;
            let mut word = String::new();
            let mut s = seed;
            for _ in 0..len {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                word.push(alphabet[((s >> 33) as usize) % alphabet.len()]);
            }
            for escape in ['\\', '`'] {
                let lx = ShellLex::new(escape);
                if let Err(err) = lx.process_word(&word, &e) {
                    assert!(err.span.end <= word.len(), "{word:?}: {err:?}");
                    assert!(
                        word.is_char_boundary(err.span.start)
                            && word.is_char_boundary(err.span.end)
                    );
                }
                let _ = lx.process_words(&word, &e);
                for r in lx.variable_refs(&word) {
                    assert!(r.span.end <= word.len() && r.span.start <= r.name_span.start);
                    assert!(
                        word.is_char_boundary(r.span.start) && word.is_char_boundary(r.span.end)
                    );
                    assert_eq!(r.name_span.slice(&word), r.name);
                }
            }
        }
    }

    /// Backtracking is memoised: a pathological pattern stays fast.
    #[test]
    fn pattern_matching_is_not_exponential() {
        let value = "a".repeat(2000);
        let e = env(&[("V", value.as_str())]);
        let word = "${V#*a*a*a*a*a*a*a*a*b}";
        assert_eq!(lex().process_word(word, &e).unwrap(), value);
    }

    #[test]
    fn go_letters_and_digits() {
        assert!(is_go_letter('한') && is_go_letter('é') && is_go_letter('ª'));
        assert!(!is_go_letter('Ⅻ') && !is_go_letter('\u{0301}') && !is_go_letter('_'));
        assert!(is_go_digit('٣') && !is_go_digit('²') && !is_go_digit('½'));
        // `$٣x`: a non-ASCII digit starts a positional parameter.
        assert_eq!(lex().process_word("$٣x", &HashMap::new()).unwrap(), "x");
    }

    #[test]
    fn literal_words_expand_to_what_the_lexer_gives() {
        let words = [
            "org.opencontainers.image.title",
            "two words  and\ttabs",
            "~/x/*.txt",
            "ünïcode-✓",
            "C:\\path\\to",
            "a`b",
            "",
            "$HOME",
            "'quoted'",
            "\"dq\"",
        ];
        for escape in ['\\', '`'] {
            let lex = ShellLex::new(escape);
            for word in words {
                let (lexed, _) = Lexer::new(word, escape, &NoEnv, false)
                    .run()
                    .expect("lexes");
                let fast = lex
                    .process_word_with_matches(word, &NoEnv)
                    .expect("expands");
                assert_eq!(fast.value, lexed, "{word:?} with escape {escape:?}");
                let refs = lex.variable_refs(word);
                assert_eq!(refs.is_empty(), !word.contains('$'), "{word:?}");
            }
        }
    }
}
