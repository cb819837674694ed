//! One logical instruction line → [`Instruction`] with typed arguments.
//!
//! Everything here works on the joined [`LogicalText`] and maps each piece
//! back to the source through it, so spans stay exact across continuations.

use crate::dockerfile::ast::*;
use crate::dockerfile::image_ref::image_ref_with;
use crate::dockerfile::line_parsers::{
    escaped_whitespace_split, go_quote, parse_json_array, parse_name_val, parse_words,
    split_command, split_health, whitespace_delimited, JsonArgs, NameVal, Word,
};
use crate::span::Span;

/// How deep `ONBUILD ONBUILD ...` is unwrapped (BuildKit rejects chaining anyway).
const MAX_ONBUILD_DEPTH: usize = 4;

/// An instruction and the problems found in it. The caller sets the
/// instruction span and the line-level parts (heredocs, dropped lines).
pub(super) struct Built {
    pub ins: Instruction,
    pub errors: Vec<ParseError>,
}

/// Builds an instruction; `Err` when the text cannot be an instruction
/// (no keyword-like first word, or arguments BuildKit refuses to parse).
pub(super) fn build(lt: &LogicalText, escape: char, depth: usize) -> Result<Built, ParseError> {
    let map = |s: usize, e: usize| lt.source_span(Span::new(s, e));
    let Some(split) = split_command(&lt.text) else {
        return Err(ParseError {
            span: map(0, lt.text.len()),
            message: "line continuation without an instruction".into(),
        });
    };
    let (ks, ke) = split.keyword;
    let kw_text = &lt.text[ks..ke];
    let keyword_span = map(ks, ke);
    if !is_keyword_like(kw_text) {
        return Err(ParseError {
            span: keyword_span,
            message: format!(
                "unexpected {}: expected an instruction keyword",
                go_quote(kw_text)
            ),
        });
    }
    let keyword = Keyword::parse(kw_text);
    let flags = split.flags.iter().map(|&(s, e)| flag(lt, s, e)).collect();
    let (args_start, args_end) = split.args;
    let args = lt.slice(args_start, args_end);
    let args_span = map(args_start, args_end);
    let mut errors = Vec::new();
    let kind = Typer {
        args: &args,
        args_span,
        escape,
        errors: &mut errors,
    }
    .kind(keyword, depth)?;
    check_arity(keyword, &kind, &args, keyword_span, &mut errors);
    let ins = Instruction {
        span: keyword_span,
        keyword,
        keyword_span,
        flags,
        args,
        args_span,
        kind,
        heredocs: Vec::new(),
        empty_continuation_lines: Vec::new(),
        inner_comments: Vec::new(),
    };
    Ok(Built { ins, errors })
}

/// BuildKit's `unknown instruction: ARGGG (did you mean ARG?)`: the
/// suggestion is the closest keyword, in the spelling's case.
pub(super) fn unknown_instruction(word: &str, span: Span) -> ParseError {
    let names: Vec<String> = Keyword::ALL
        .iter()
        .map(|k| k.as_str().to_ascii_lowercase())
        .collect();
    let lower = word.to_ascii_lowercase();
    let hint =
        crate::rules::suggest::suggest(&lower, names.iter().map(String::as_str)).map(|name| {
            if word == word.to_ascii_uppercase() {
                name.to_ascii_uppercase()
            } else {
                name.to_string()
            }
        });
    let message = match hint {
        Some(name) => format!("unknown instruction: {word} (did you mean {name}?)"),
        None => format!("unknown instruction: {word}"),
    };
    ParseError { span, message }
}

/// Instruction keywords are words; anything else is a stray line.
fn is_keyword_like(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `--name[=value]` with name and value kept as written.
fn flag(lt: &LogicalText, start: usize, end: usize) -> Flag {
    let raw = &lt.text[start..end];
    let piece = |s: usize, e: usize| {
        Spanned::new(
            lt.text.get(s..e).unwrap_or("").to_string(),
            lt.source_span(Span::new(s, e)),
        )
    };
    let name_start = (start + 2).min(end);
    match raw.find('=') {
        Some(eq) => Flag {
            span: lt.source_span(Span::new(start, end)),
            name: piece(name_start, start + eq),
            value: Some(piece(start + eq + 1, end)),
        },
        None => Flag {
            span: lt.source_span(Span::new(start, end)),
            name: piece(name_start, end),
            value: None,
        },
    }
}

/// Errors for instructions that need arguments (BuildKit's instruction layer).
fn check_arity(
    keyword: Keyword,
    kind: &InstructionKind,
    args: &LogicalText,
    keyword_span: Span,
    errors: &mut Vec<ParseError>,
) {
    use Keyword::*;
    let needs_args = matches!(
        keyword,
        From | Run
            | Copy
            | Add
            | Env
            | Label
            | Arg
            | Expose
            | Workdir
            | User
            | Volume
            | StopSignal
            | Maintainer
            | Onbuild
            | Shell
            | Healthcheck
    );
    if needs_args && args.text.is_empty() {
        errors.push(ParseError {
            span: keyword_span,
            message: format!("{} requires at least one argument", keyword.as_str()),
        });
        return;
    }
    if let InstructionKind::Copy(c) | InstructionKind::Add(c) = kind {
        if c.destination.is_none() {
            errors.push(ParseError {
                span: keyword_span,
                message: format!("{} requires at least two arguments", keyword.as_str()),
            });
        }
    }
}

/// Builds the typed view of one instruction's arguments.
struct Typer<'a> {
    args: &'a LogicalText,
    args_span: Span,
    escape: char,
    errors: &'a mut Vec<ParseError>,
}

impl Typer<'_> {
    fn span(&self, s: usize, e: usize) -> Span {
        self.args.source_span(Span::new(s, e))
    }

    fn spanned(&self, w: &Word) -> Spanned<String> {
        Spanned::new(w.text.clone(), self.span(w.start, w.end))
    }

    /// Like `spanned`, reusing the word's string.
    fn owned(&self, w: Word) -> Spanned<String> {
        let span = self.span(w.start, w.end);
        Spanned::new(w.text, span)
    }

    fn error(&mut self, message: String) {
        self.errors.push(ParseError {
            span: self.args_span,
            message,
        });
    }

    fn kind(mut self, keyword: Keyword, depth: usize) -> Result<InstructionKind, ParseError> {
        Ok(match keyword {
            Keyword::From => self.from(),
            Keyword::Run => InstructionKind::Run(self.command_form(self.args)?),
            Keyword::Cmd => InstructionKind::Cmd(self.command_form(self.args)?),
            Keyword::Entrypoint => InstructionKind::Entrypoint(self.command_form(self.args)?),
            Keyword::Shell => {
                let form = self.command_form(self.args)?;
                if matches!(form, CommandForm::Shell(_)) && !self.args.text.is_empty() {
                    self.error("SHELL requires the arguments to be in JSON form".into());
                }
                InstructionKind::Shell(form)
            }
            Keyword::Healthcheck => self.healthcheck()?,
            Keyword::Env => InstructionKind::Env(self.name_vals("ENV")),
            Keyword::Label => InstructionKind::Label(self.name_vals("LABEL")),
            Keyword::Arg => InstructionKind::Arg(self.arg_decls()),
            Keyword::Copy => InstructionKind::Copy(self.copy_add()?),
            Keyword::Add => InstructionKind::Add(self.copy_add()?),
            Keyword::Expose => InstructionKind::Expose(
                whitespace_delimited(&self.args.text)
                    .into_iter()
                    .map(|w| self.owned(w))
                    .collect(),
            ),
            Keyword::Volume => InstructionKind::Volume(self.json_or_words(false)?.0),
            Keyword::Workdir => InstructionKind::Workdir(self.whole()),
            Keyword::User => InstructionKind::User(self.whole()),
            Keyword::StopSignal => InstructionKind::StopSignal(self.whole()),
            Keyword::Maintainer => InstructionKind::Maintainer(self.whole()),
            Keyword::Onbuild => self.onbuild(depth)?,
            Keyword::Unknown => InstructionKind::Other,
        })
    }

    fn whole(&self) -> Spanned<String> {
        Spanned::new(self.args.text.clone(), self.args_span)
    }

    /// `parseMaybeJSON`.
    fn command_form(&self, args: &LogicalText) -> Result<CommandForm, ParseError> {
        if args.text.is_empty() {
            return Ok(CommandForm::Shell(args.clone()));
        }
        match parse_json_array(&args.text) {
            JsonArgs::Array(words) => Ok(CommandForm::Exec(
                words
                    .iter()
                    .map(|w| {
                        Spanned::new(w.text.clone(), args.source_span(Span::new(w.start, w.end)))
                    })
                    .collect(),
            )),
            JsonArgs::NotJson => Ok(CommandForm::Shell(args.clone())),
            JsonArgs::NotStringArray => Err(not_string_array(self.args_span)),
        }
    }

    /// `parseMaybeJSONToList`; the flag says whether the shell form respects
    /// the escape character (COPY/ADD) or splits on whitespace only.
    fn json_or_words(&self, escaped: bool) -> Result<(Vec<Spanned<String>>, bool), ParseError> {
        match parse_json_array(&self.args.text) {
            JsonArgs::Array(words) => {
                Ok((words.into_iter().map(|w| self.owned(w)).collect(), true))
            }
            JsonArgs::NotStringArray => Err(not_string_array(self.args_span)),
            JsonArgs::NotJson => {
                let words = if escaped {
                    escaped_whitespace_split(&self.args.text, self.escape)
                } else {
                    whitespace_delimited(&self.args.text)
                };
                Ok((words.into_iter().map(|w| self.owned(w)).collect(), false))
            }
        }
    }

    fn copy_add(&self) -> Result<CopyAdd, ParseError> {
        let (mut sources, exec_form) = self.json_or_words(true)?;
        let destination = if sources.len() >= 2 {
            sources.pop()
        } else {
            None
        };
        Ok(CopyAdd {
            sources,
            destination,
            exec_form,
        })
    }

    fn from(&mut self) -> InstructionKind {
        let words = whitespace_delimited(&self.args.text);
        let Some(image) = words.first() else {
            return InstructionKind::Other;
        };
        if words.len() != 1 && words.len() != 3 {
            self.error("FROM requires either one or three arguments".into());
        }
        let stage = words
            .get(1)
            .filter(|w| w.text.eq_ignore_ascii_case("as"))
            .zip(words.get(2));
        if words.len() == 3 && stage.is_none() {
            self.error("FROM requires either one or three arguments".into());
        }
        let image_ref = image_ref_with(&image.text, |s, e| {
            self.span(image.start + s, image.start + e)
        });
        InstructionKind::From(FromInstruction {
            image: self.spanned(image),
            image_ref,
            as_keyword: stage.map(|(a, _)| self.spanned(a)),
            stage_name: stage.map(|(_, n)| self.spanned(n)),
        })
    }

    fn healthcheck(&mut self) -> Result<InstructionKind, ParseError> {
        let Some((typ, next)) = split_health(&self.args.text) else {
            return Ok(InstructionKind::Other);
        };
        let rest = self.args.slice(next, self.args.text.len());
        let form = self.command_form(&rest)?;
        if typ.text.eq_ignore_ascii_case("none") {
            if !rest.text.is_empty() {
                self.error("HEALTHCHECK NONE takes no arguments".into());
            }
            Ok(InstructionKind::Healthcheck(Healthcheck::None))
        } else if typ.text.eq_ignore_ascii_case("cmd") {
            if rest.text.is_empty() {
                self.error("Missing command after HEALTHCHECK CMD".into());
            }
            Ok(InstructionKind::Healthcheck(Healthcheck::Cmd(form)))
        } else {
            self.error(format!(
                "Unknown type {} in HEALTHCHECK (try CMD)",
                go_quote(&typ.text)
            ));
            Ok(InstructionKind::Other)
        }
    }

    /// ENV / LABEL pairs, new `k=v` or legacy `k v` form.
    fn name_vals(&mut self, keyword: &str) -> Vec<KeyValue> {
        match parse_name_val(&self.args.text, keyword, self.escape) {
            Ok(NameVal::Empty) => Vec::new(),
            Ok(NameVal::Legacy { key, value }) => vec![KeyValue {
                span: self.span(key.start, value.end),
                key: self.owned(key),
                value: self.owned(value),
                legacy: true,
            }],
            Ok(NameVal::Pairs(pairs)) => pairs
                .iter()
                .map(|(w, eq)| KeyValue {
                    span: self.span(w.start, w.end),
                    key: Spanned::new(w.text[..*eq].to_string(), self.span(w.start, w.start + eq)),
                    value: Spanned::new(
                        w.text[eq + 1..].to_string(),
                        self.span(w.start + eq + 1, w.end),
                    ),
                    legacy: false,
                })
                .collect(),
            Err(message) => {
                self.error(message);
                Vec::new()
            }
        }
    }

    fn arg_decls(&self) -> Vec<ArgDecl> {
        parse_words(&self.args.text, self.escape)
            .iter()
            .map(|w| match w.text.find('=') {
                Some(eq) => ArgDecl {
                    span: self.span(w.start, w.end),
                    name: Spanned::new(w.text[..eq].to_string(), self.span(w.start, w.start + eq)),
                    default: Some(Spanned::new(
                        w.text[eq + 1..].to_string(),
                        self.span(w.start + eq + 1, w.end),
                    )),
                },
                None => ArgDecl {
                    span: self.span(w.start, w.end),
                    name: self.spanned(w),
                    default: None,
                },
            })
            .collect()
    }

    fn onbuild(&mut self, depth: usize) -> Result<InstructionKind, ParseError> {
        if self.args.text.is_empty() {
            return Ok(InstructionKind::Other);
        }
        if depth >= MAX_ONBUILD_DEPTH {
            self.error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into());
            return Ok(InstructionKind::Other);
        }
        let inner = build(self.args, self.escape, depth + 1)?;
        self.errors.extend(inner.errors);
        let message = match inner.ins.keyword {
            Keyword::Onbuild => Some("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
            Keyword::From | Keyword::Maintainer => Some(format!(
                "{} isn't allowed as an ONBUILD trigger",
                inner.ins.keyword.as_str()
            )),
            _ => None,
        };
        if let Some(message) = message {
            self.errors.push(ParseError {
                span: inner.ins.keyword_span,
                message,
            });
        }
        Ok(InstructionKind::Onbuild(Box::new(inner.ins)))
    }
}

fn not_string_array(span: Span) -> ParseError {
    ParseError {
        span,
        message: "when using JSON array syntax, arrays must be comprised of strings only".into(),
    }
}
