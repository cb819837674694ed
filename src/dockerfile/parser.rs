//! Dockerfile text → [`Dockerfile`] tree, following BuildKit's reading of
//! the format (`frontend/dockerfile/parser`) while keeping every byte.
//!
//! The file is read line by line: leading parser directives, then blank
//! lines, comments and instructions. An instruction collects its
//! continuation lines into a [`LogicalText`] (comment and empty lines are
//! dropped from it, as BuildKit does), is typed by [`instruction::build`],
//! and then owns any heredoc bodies that follow it.

mod directives;
mod flags;
mod heredoc;
mod instruction;
mod lines;

use super::ast::*;
use crate::span::{LineIndex, Span};
use lines::{join_continuations, leading_space_len, split_lines, Joined, Line};

pub use super::image_ref::parse_image_ref;

/// Parses a Dockerfile. Never fails: problems become [`ParseError`]s.
pub fn parse(source: &str) -> Dockerfile {
    let bom = source.starts_with('\u{feff}');
    let crlf = source
        .find('\n')
        .is_some_and(|i| i > 0 && source.as_bytes()[i - 1] == b'\r');
    let mut p = Parser {
        src: source,
        lines: split_lines(source, bom),
        escape: '\\',
        directives_done: false,
        directives: Vec::new(),
        nodes: Vec::new(),
        errors: Vec::new(),
    };
    p.run();
    p.check_line_lengths();
    p.check_build_stage();
    let has_instruction = p
        .nodes
        .iter()
        .any(|n| matches!(n.kind, NodeKind::Instruction(_)));
    if !has_instruction {
        p.errors.push(ParseError {
            span: Span::empty(source.len()),
            message: "file with no instructions".into(),
        });
    }
    let mut df = Dockerfile {
        source: source.to_string(),
        bom,
        crlf,
        escape: p.escape,
        directives: p.directives,
        nodes: p.nodes,
        errors: p.errors,
        line_index: LineIndex::new(source),
        run_analysis: Default::default(),
        stage_list: Default::default(),
        stage_parents: Default::default(),
        resolved_stage_parents: Default::default(),
        run_shells: Default::default(),
        shell_scope: Default::default(),
        script_cache: None,
    };
    // Expansion limits (hostile input) are reported with the syntax errors.
    let limits = super::expand::limit_errors(&df);
    if !limits.is_empty() {
        df.errors.extend(limits);
        df.errors.sort_by_key(|e| e.span.start);
    }
    df
}

struct Parser<'a> {
    src: &'a str,
    lines: Vec<Line>,
    escape: char,
    directives_done: bool,
    directives: Vec<Directive>,
    nodes: Vec<Node>,
    errors: Vec<ParseError>,
}

/// BuildKit's line scanner refuses longer lines (`bufio.MaxScanTokenSize`).
pub const MAX_LINE: usize = 65_535;

/// The start of the error for a line longer than [`MAX_LINE`].
pub const LINE_TOO_LONG: &str = "dockerfile line greater than max allowed size";

impl Parser<'_> {
    /// Reports lines BuildKit could not read, in source order with the rest.
    fn check_line_lengths(&mut self) {
        let before = self.errors.len();
        for line in &self.lines {
            if line.content_end - line.content_start > MAX_LINE {
                self.errors.push(ParseError {
                    span: Span::new(line.content_start, line.content_end),
                    message: format!("{LINE_TOO_LONG} of {MAX_LINE}"),
                });
            }
        }
        if self.errors.len() > before {
            self.errors.sort_by_key(|e| e.span.start);
        }
    }

    /// Whether the file is built by BuildKit's Dockerfile frontend (only
    /// then are its instructions and flags checked).
    fn buildkit_frontend(&self) -> bool {
        crate::dockerfile::buildkit_frontend(&self.directives)
    }

    /// BuildKit's `no build stage in current context`: before the first
    /// FROM only ARG may appear (reported once, at the first offender).
    fn check_build_stage(&mut self) {
        if !self.buildkit_frontend() {
            return;
        }
        let offender = self
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Instruction(ins) => Some(ins),
                _ => None,
            })
            .take_while(|ins| ins.keyword != Keyword::From)
            .find(|ins| !matches!(ins.keyword, Keyword::Arg | Keyword::Unknown));
        if let Some(ins) = offender {
            self.errors.push(ParseError {
                span: ins.keyword_span,
                message: "no build stage in current context".into(),
            });
            self.errors.sort_by_key(|e| e.span.start);
        }
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.lines[i];
            let text = &self.src[line.content_start..line.content_end];
            let start = line.content_start + leading_space_len(text);
            if !self.directives_done {
                if self.directive(line, start) {
                    i += 1;
                    continue;
                }
                self.directives_done = true;
            }
            let span = Span::new(line.start, line.end);
            if start == line.content_end {
                self.nodes.push(Node {
                    span,
                    kind: NodeKind::Blank,
                });
                i += 1;
            } else if self.src.as_bytes()[start] == b'#' {
                self.nodes.push(Node {
                    span,
                    kind: NodeKind::Comment,
                });
                i += 1;
            } else {
                i = self.instruction(i, start);
            }
        }
    }

    /// Reads line `line` as a parser directive; `false` ends the directives.
    fn directive(&mut self, line: Line, start: usize) -> bool {
        let text = &self.src[start..line.content_end];
        let Some(raw) = directives::match_line(text) else {
            return false;
        };
        let piece = |(s, e): (usize, usize)| {
            Spanned::new(text[s..e].to_string(), Span::new(start + s, start + e))
        };
        let directive = Directive {
            name: Spanned::new(raw.name.clone(), piece(raw.name_range).span),
            value: piece(raw.value_range),
            span: Span::new(line.content_start, line.content_end),
        };
        let node_span = Span::new(line.start, line.end);
        let problem = if self.directives.iter().any(|d| d.name.value == raw.name) {
            Some(format!(
                "only one {} parser directive can be used",
                raw.name
            ))
        } else if raw.name == "escape" && !matches!(directive.value.value.as_str(), "\\" | "`") {
            Some(format!(
                "invalid escape token '{}' does not match ` or \\",
                directive.value.value
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            let error = ParseError {
                span: directive.span,
                message,
            };
            self.errors.push(error.clone());
            self.nodes.push(Node {
                span: node_span,
                kind: NodeKind::Invalid(error),
            });
            return true;
        }
        if raw.name == "escape" {
            self.escape = if directive.value.value == "`" {
                '`'
            } else {
                '\\'
            };
        }
        self.directives.push(directive.clone());
        self.nodes.push(Node {
            span: node_span,
            kind: NodeKind::Directive(directive),
        });
        true
    }

    /// Reads the instruction starting on line `first` at byte `start`;
    /// returns the index of the first line after it.
    fn instruction(&mut self, first: usize, start: usize) -> usize {
        let Joined {
            text,
            empty_lines,
            comments,
            last,
            mut next,
        } = join_continuations(self.src, &self.lines, first, start, self.escape);
        let built = match instruction::build(&text, self.escape, 0) {
            Ok(built) => built,
            Err(error) => {
                self.errors.push(error.clone());
                self.nodes.push(Node {
                    span: Span::new(self.lines[first].start, self.lines[next - 1].end),
                    kind: NodeKind::Invalid(error),
                });
                return next;
            }
        };
        let mut ins = built.ins;
        let mut errors = built.errors;
        if self.buildkit_frontend() {
            if ins.keyword == Keyword::Unknown {
                let word = text.text.split(char::is_whitespace).next().unwrap_or("");
                errors.push(instruction::unknown_instruction(word, ins.keyword_span));
            }
            errors.extend(flags::check(&ins));
            errors.sort_by_key(|e| e.span.start);
        }
        self.errors.extend(errors);
        let mut end = self.lines[last].content_end;
        if can_contain_heredoc(&ins) {
            let markers = heredoc::markers(&text.text);
            if !markers.is_empty() {
                let (docs, after, error) =
                    heredoc::read_bodies(self.src, &self.lines, &text, &markers, next);
                if after > next {
                    end = self.lines[after - 1].content_end;
                }
                next = after;
                self.errors.extend(error);
                ins.heredocs = docs;
            }
        }
        ins.span = Span::new(start, end.max(start));
        ins.empty_continuation_lines = empty_lines;
        ins.inner_comments = comments;
        share_with_onbuild_trigger(&mut ins);
        self.nodes.push(Node {
            span: Span::new(self.lines[first].start, self.lines[next - 1].end),
            kind: NodeKind::Instruction(Box::new(ins)),
        });
        next
    }
}

/// BuildKit's `canContainHeredoc`: shell-form RUN, non-JSON COPY/ADD, also
/// as an ONBUILD trigger.
fn can_contain_heredoc(ins: &Instruction) -> bool {
    match &ins.kind {
        InstructionKind::Run(CommandForm::Shell(_)) => true,
        InstructionKind::Copy(c) | InstructionKind::Add(c) => !c.exec_form,
        InstructionKind::Onbuild(inner) => {
            !matches!(inner.kind, InstructionKind::Onbuild(_)) && can_contain_heredoc(inner)
        }
        _ => false,
    }
}

/// Gives an ONBUILD trigger its real extent: from its keyword to the end
/// of the ONBUILD, with the heredocs and dropped lines that fall inside.
fn share_with_onbuild_trigger(ins: &mut Instruction) {
    let outer_span = ins.span;
    let heredocs = ins.heredocs.clone();
    let empty = ins.empty_continuation_lines.clone();
    let comments = ins.inner_comments.clone();
    if let InstructionKind::Onbuild(inner) = &mut ins.kind {
        inner.span = Span::new(inner.keyword_span.start, outer_span.end);
        let inside = |s: &Span| s.start >= inner.span.start;
        inner.heredocs = heredocs;
        inner.empty_continuation_lines = empty.into_iter().filter(inside).collect();
        inner.inner_comments = comments.into_iter().filter(inside).collect();
        share_with_onbuild_trigger(inner);
    }
}
