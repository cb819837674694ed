//! A fast path for *flat* scripts: simple commands joined by `&&`, `||`,
//! `|`, `;` and newlines, which is what almost every long RUN chain is.
//!
//! Why: tree-sitter-bash parses about 10 MB/s, so a 200-line `&&` chain
//! (~14 KB) costs over a millisecond; this scanner does the same job in a
//! few tens of microseconds. It is deliberately narrow: on anything it does
//! not fully understand (`if`, `(`, `{`, `$(`, backticks, heredocs, `[`,
//! declaration keywords, a redirection followed by more words, syntax
//! errors) it returns `None` and the caller uses the tree-sitter walk. The
//! unit tests check that both produce identical commands on every script
//! this path accepts.

use super::syntax::{is_test_command_name, make_guard};
use super::word::Word;
use super::{Guard, GuardKind, SimpleCommand};
use crate::span::Span;

/// Words that make a command more than a simple one in command position.
const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "case", "esac",
    "in", "function", "select", "coproc", "time", "!", "{", "}", "[", "[[", "]]", "export",
    "declare", "local", "readonly", "typeset", "unset", "let", "eval",
];

/// A pipeline being assembled: its commands and source extent (redirections included).
struct Pipeline {
    commands: Vec<SimpleCommand>,
    /// Commands inside the pipeline's `$( )`s (they get its guards first).
    nested: Vec<SimpleCommand>,
    span: Span,
}

/// One command being assembled.
#[derive(Default)]
struct Pending {
    words: Vec<Word>,
    assignments: Vec<Word>,
    start: Option<usize>,
    /// End of the last name/argument/assignment word.
    words_end: usize,
    /// End including trailing redirections.
    end: usize,
    redirected: bool,
    /// Commands of the `$( )`s in this command's words.
    nested: Vec<SimpleCommand>,
}

/// `$( )` nesting deeper than this is left to the grammar.
const MAX_NESTING: usize = 8;

/// Commands of a flat script, or `None` when the script is not flat.
pub fn flat_commands(text: &str) -> Option<Vec<SimpleCommand>> {
    let mut commands = flat_commands_nested(text, 0)?;
    commands.sort_by_key(|c| (c.span.start, c.span.end));
    Some(commands)
}

fn flat_commands_nested(text: &str, nesting: usize) -> Option<Vec<SimpleCommand>> {
    if nesting > MAX_NESTING {
        return None;
    }
    let bytes = text.as_bytes();
    let mut subs: Vec<(usize, usize)> = Vec::new();
    // Carriage returns (CRLF heredoc bodies) are word characters to a shell
    // and handled unevenly by the grammar: leave them to it.
    if bytes.contains(&b'\r') {
        return None;
    }
    let mut out: Vec<SimpleCommand> = Vec::new();
    let mut operands: Vec<Pipeline> = Vec::new();
    let mut operators: Vec<&'static str> = Vec::new();
    let mut pipeline = Pipeline {
        commands: Vec::new(),
        nested: Vec::new(),
        span: Span::default(),
    };
    let mut pending = Pending::default();
    // An operator was just read and a command must follow.
    let mut expect_command = false;
    // After `&&`, `||` or `|` in the current statement: the grammar reads a
    // later redirection as applying to the whole list, so leave those to it.
    let mut in_chain = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                // A continuation with nothing after it is an error for the grammar.
                if text[i + 2..].trim().is_empty() {
                    return None;
                }
                i += 2;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' | b';' => {
                if b == b';' && (bytes.get(i + 1) == Some(&b';') || bytes.get(i + 1) == Some(&b'&'))
                {
                    return None;
                }
                if expect_command {
                    if b == b';' {
                        return None;
                    }
                    i += 1;
                    continue;
                }
                if pending.start.is_none() && b == b';' {
                    return None;
                }
                end_command(&mut pending, &mut pipeline)?;
                end_pipeline(&mut pipeline, &mut operands);
                flush_chain(text, &mut operands, &mut operators, &mut out);
                in_chain = false;
                i += 1;
            }
            b'&' | b'|' => {
                let two = bytes.get(i + 1) == Some(&b);
                if b == b'&' && !two {
                    if bytes.get(i + 1) == Some(&b'>') && !in_chain {
                        i = redirect(text, i, &mut pending, nesting)?;
                        continue;
                    }
                    return None; // background job
                }
                if b == b'|' && bytes.get(i + 1) == Some(&b'&') {
                    return None;
                }
                if expect_command || pending.start.is_none() {
                    return None;
                }
                end_command(&mut pending, &mut pipeline)?;
                in_chain = true;
                if two {
                    end_pipeline(&mut pipeline, &mut operands);
                    operators.push(if b == b'&' { "&&" } else { "||" });
                    i += 2;
                } else {
                    i += 1;
                }
                expect_command = true;
            }
            b'<' | b'>' => {
                i = redirect(text, i, &mut pending, nesting)?;
                if in_chain {
                    return None;
                }
            }
            b'(' | b')' | b'`' => return None,
            _ => {
                // A command word opening with `\` can make the grammar join it
                // to the line before.
                if pending.words.is_empty() && b == b'\\' {
                    return None;
                }
                subs.clear();
                let end = word_end(bytes, i, &mut subs)?;
                if end <= i {
                    return None;
                }
                substitution_commands(text, &subs, nesting, &mut pending.nested)?;
                // `2>file`: digits directly before a redirection are its descriptor.
                if matches!(bytes.get(end), Some(b'<' | b'>'))
                    && bytes[i..end].iter().all(u8::is_ascii_digit)
                {
                    i = redirect(text, end, &mut pending, nesting)?;
                    if in_chain {
                        return None;
                    }
                    continue;
                }
                let raw = text.get(i..end)?;
                if pending.redirected {
                    return None; // arguments after a redirection: leave to the grammar
                }
                let word = Word::new(raw, Span::new(i, end));
                if pending.words.is_empty() && is_assignment(raw) {
                    pending.assignments.push(word);
                } else {
                    if pending.words.is_empty() && RESERVED.contains(&raw) {
                        return None;
                    }
                    // The grammar reads odd `x-y=z` command words as assignments.
                    if pending.words.is_empty() && (raw.contains('=') || raw.starts_with('-')) {
                        return None;
                    }
                    // `A=1 a:b` is an error for the grammar.
                    if pending.words.is_empty()
                        && !pending.assignments.is_empty()
                        && raw.contains(':')
                    {
                        return None;
                    }
                    if pending.words.is_empty() {
                        pending.words.reserve(8);
                    }
                    pending.words.push(word);
                }
                pending.start.get_or_insert(i);
                pending.words_end = end;
                pending.end = end;
                expect_command = false;
                i = end;
            }
        }
    }
    if expect_command {
        return None;
    }
    end_command(&mut pending, &mut pipeline)?;
    end_pipeline(&mut pipeline, &mut operands);
    flush_chain(text, &mut operands, &mut operators, &mut out);
    Some(out)
}

/// Reads a redirection at `at` (`>`, `>>`, `>&2`, `&>`, `<`, ...) and its
/// target; `None` for heredocs and herestrings.
fn redirect(text: &str, at: usize, pending: &mut Pending, nesting: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = at;
    if bytes.get(i) == Some(&b'&') {
        i += 1;
    }
    let op = *bytes.get(i)?;
    i += 1;
    if op == b'<' && bytes.get(i) == Some(&b'<') {
        return None;
    }
    if matches!(bytes.get(i), Some(b'>' | b'&' | b'|'))
        || (op == b'<' && bytes.get(i) == Some(&b'>'))
    {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let mut subs = Vec::new();
    let end = word_end(bytes, i, &mut subs)?;
    if end == i {
        return None;
    }
    substitution_commands(text, &subs, nesting, &mut pending.nested)?;
    // A redirection before the command name is left to the grammar.
    pending.start?;
    pending.redirected = true;
    pending.end = end;
    Some(end)
}

/// The commands of each `$( )` body (`subs`: body ranges), marked as
/// substituted and shifted to `text` offsets.
fn substitution_commands(
    text: &str,
    subs: &[(usize, usize)],
    nesting: usize,
    out: &mut Vec<SimpleCommand>,
) -> Option<()> {
    for &(start, end) in subs {
        let body = text.get(start..end)?;
        if body.trim().is_empty() {
            return None;
        }
        for mut command in flat_commands_nested(body, nesting + 1)? {
            shift(&mut command, start);
            command.in_substitution = true;
            out.push(command);
        }
    }
    Some(())
}

fn shift(command: &mut SimpleCommand, by: usize) {
    command.span = command.span.offset(by);
    for word in command
        .name
        .iter_mut()
        .chain(command.args.iter_mut())
        .chain(command.assignments.iter_mut())
    {
        word.span = word.span.offset(by);
    }
    for guard in &mut command.guards {
        guard.span = guard.span.offset(by);
    }
}

/// Index of the `)` closing the `$(` at `dollar`; `None` for arithmetic
/// `$((`, comments, backticks or nested quoting the scan cannot follow.
fn substitution_close(bytes: &[u8], dollar: usize) -> Option<usize> {
    let mut i = dollar + 2;
    if bytes.get(i) == Some(&b'(') {
        return None;
    }
    let mut depth = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'\'' => {
                i += 1;
                while bytes.get(i)? != &b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        b'`' | b'$' => return None,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'`' | b'#' => return None,
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// End of the word starting at `start`; `None` for constructs left to the
/// grammar. The bodies of its `$( )`s are added to `subs`.
fn word_end(bytes: &[u8], start: usize, subs: &mut Vec<(usize, usize)>) -> Option<usize> {
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' => break,
            b'(' | b')' | b'`' | b'{' | b'}' | b'[' | b']' => return None,
            b'\\' => {
                if matches!(bytes.get(i + 1), None | Some(b'\n')) {
                    return None;
                }
                i += 2;
            }
            b'\'' => {
                i += 1;
                while bytes.get(i)? != &b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        b'`' => return None,
                        b'$' if bytes.get(i + 1) == Some(&b'(') => {
                            let close = substitution_close(bytes, i)?;
                            subs.push((i + 2, close));
                            i = close + 1;
                        }
                        b'$' if bytes.get(i + 1) == Some(&b'{') => i = braced_name_end(bytes, i)?,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'$' => match bytes.get(i + 1) {
                Some(b'(') => {
                    let close = substitution_close(bytes, i)?;
                    subs.push((i + 2, close));
                    i = close + 1;
                }
                Some(b'\'' | b'"') => return None,
                Some(b'{') => i = braced_name_end(bytes, i)?,
                // `$1` makes the grammar run on past the end of the line.
                Some(c) if c.is_ascii_alphabetic() || *c == b'_' => i += 1,
                // A lone or special `$` trips the grammar: leave it to the slow path.
                _ => return None,
            },
            // Bash keeps a mid-word `#` literal, the grammar starts a comment.
            b'#' => return None,
            b'=' if i == start => return None,
            _ => i += 1,
        }
    }
    Some(i.min(bytes.len()))
}

/// End of `${NAME}` starting at the `$`; anything fancier is left to the grammar.
fn braced_name_end(bytes: &[u8], dollar: usize) -> Option<usize> {
    let mut i = dollar + 2;
    while bytes.get(i)?.is_ascii_alphanumeric() || bytes.get(i) == Some(&b'_') {
        i += 1;
    }
    (bytes.get(i) == Some(&b'}') && i > dollar + 2).then_some(i + 1)
}

fn is_assignment(raw: &str) -> bool {
    let Some(eq) = raw.find('=') else {
        return false;
    };
    let name = &raw[..eq];
    !name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn end_command(pending: &mut Pending, pipeline: &mut Pipeline) -> Option<()> {
    let done = std::mem::take(pending);
    let Some(start) = done.start else {
        return Some(());
    };
    if done.words.is_empty() && done.redirected {
        return None;
    }
    pipeline.nested.extend(done.nested);
    let mut words = done.words.into_iter();
    let mut command = SimpleCommand {
        name: words.next(),
        args: words.collect(),
        assignments: done.assignments,
        span: Span::new(start, done.words_end),
        guards: Vec::new(),
        in_substitution: false,
        in_pipeline: false,
        effective_start: 0,
    };
    command.find_effective_start();
    if pipeline.commands.is_empty() {
        pipeline.span = Span::new(start, done.end);
    } else {
        pipeline.span = pipeline.span.cover(Span::new(start, done.end));
    }
    pipeline.commands.push(command);
    Some(())
}

fn end_pipeline(pipeline: &mut Pipeline, operands: &mut Vec<Pipeline>) {
    if pipeline.commands.len() > 1 {
        for command in &mut pipeline.commands {
            command.in_pipeline = true;
        }
    }
    if !pipeline.commands.is_empty() {
        operands.push(std::mem::replace(
            pipeline,
            Pipeline {
                commands: Vec::new(),
                nested: Vec::new(),
                span: Span::default(),
            },
        ));
    }
}

/// Assigns `&&`/`||` guards exactly like the tree walk does, then emits the commands.
fn flush_chain(
    text: &str,
    operands: &mut Vec<Pipeline>,
    operators: &mut Vec<&'static str>,
    out: &mut Vec<SimpleCommand>,
) {
    let mut chain: Vec<Guard> = Vec::new();
    for (k, operand) in operands.drain(..).enumerate() {
        let test_like = operand.commands.len() == 1
            && operand.commands[0]
                .name
                .as_ref()
                .and_then(|w| w.as_str())
                .is_some_and(is_test_command_name);
        for mut command in operand.commands {
            command.guards = chain.clone();
            out.push(command);
        }
        for mut command in operand.nested {
            let inner = std::mem::replace(&mut command.guards, chain.clone());
            command.guards.extend(inner);
            out.push(command);
        }
        let Some(&op) = operators.get(k) else { break };
        if k > 0 && operators.get(k - 1) != Some(&op) {
            chain.clear();
        }
        if test_like {
            let kind = if op == "||" {
                GuardKind::Or
            } else {
                GuardKind::And
            };
            chain.push(make_guard(text, kind, operand.span, op == "||"));
        }
    }
    operators.clear();
}
