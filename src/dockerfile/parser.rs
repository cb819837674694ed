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
use lines::{continuation_end, join_continuations, leading_space_len, split_lines, Joined, Line};

pub use super::image_ref::parse_image_ref;

/// Parses a Dockerfile. Never fails: problems become [`ParseError`]s.
pub fn parse(source: &str) -> Dockerfile {
    parse_with(source, source.len() >= PARALLEL_BUILD_MIN_BYTES)
}

/// [`parse`], building the instructions on every core or not.
fn parse_with(source: &str, parallel: bool) -> Dockerfile {
    let bom = source.starts_with('\u{feff}');
    let crlf = source
        .find('\n')
        .is_some_and(|i| i > 0 && source.as_bytes()[i - 1] == b'\r');
    let lines = split_lines(source, bom);
    let mut p = Parser {
        src: source,
        lines: &lines,
        escape: '\\',
        directives: Vec::new(),
        nodes: Vec::new(),
        errors: Vec::new(),
    };
    let first = p.read_directives();
    p.read_body(first, parallel);
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
        shell_finding_nodes: Default::default(),
        install_managers: Default::default(),
        run_sites: Default::default(),
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
    lines: &'a [Line],
    escape: char,
    directives: Vec<Directive>,
    nodes: Vec<Node>,
    errors: Vec<ParseError>,
}

/// What building an instruction reads, fixed once the parser directives
/// are read: the source, its lines, the escape character, and whether
/// BuildKit's frontend checks apply.
#[derive(Clone, Copy)]
struct Reader<'a> {
    src: &'a str,
    lines: &'a [Line],
    escape: char,
    buildkit: bool,
}

/// An instruction whose lines are read but which is not typed yet: it
/// has no heredoc, so building it cannot move where the next one starts.
struct Unbuilt {
    /// Its slot in `nodes` (a placeholder until it is built).
    node: usize,
    /// Where its errors go in `errors` (before those of later lines).
    errors_at: usize,
    first: usize,
    start: usize,
    /// Its lines joined, when they already were.
    joined: Option<Joined>,
}

/// A built instruction (or the error that stopped it).
struct Finished {
    node: Node,
    errors: Vec<ParseError>,
    /// The first line after it (after its heredoc bodies).
    next: usize,
}

/// Files from this size build their instructions on every core (the
/// corpus' largest real Dockerfile is 15 KB).
const PARALLEL_BUILD_MIN_BYTES: usize = 16 * 1024;

/// How many read instructions are handed to another core at a time.
const BUILD_BATCH: usize = 32;

/// Built instructions: their node slot, where their errors go, the result.
type Built = Vec<(usize, usize, Finished)>;

/// BuildKit's line scanner refuses longer lines (`bufio.MaxScanTokenSize`).
pub const MAX_LINE: usize = 65_535;

/// The start of the error for a line longer than [`MAX_LINE`].
pub const LINE_TOO_LONG: &str = "dockerfile line greater than max allowed size";

impl Parser<'_> {
    /// Reports lines BuildKit could not read, in source order with the rest.
    fn check_line_lengths(&mut self) {
        let before = self.errors.len();
        for line in self.lines {
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

    /// Reads the leading parser directives; returns the first line after them.
    fn read_directives(&mut self) -> usize {
        let mut i = 0;
        while let Some(&line) = self.lines.get(i) {
            let text = &self.src[line.content_start..line.content_end];
            let start = line.content_start + leading_space_len(text);
            if !self.directive(line, start) {
                break;
            }
            i += 1;
        }
        i
    }

    /// Reads the lines from `first` on: blank lines, comments and
    /// instructions. Instructions without a heredoc are built in batches,
    /// on another core while reading goes on when `parallel`.
    fn read_body(&mut self, first: usize, parallel: bool) {
        let reader = Reader {
            src: self.src,
            lines: self.lines,
            escape: self.escape,
            buildkit: self.buildkit_frontend(),
        };
        if !parallel {
            let mut built = Built::new();
            self.scan(first, reader, |batch| built.extend(reader.build_all(batch)));
            self.place(built);
            return;
        }
        let batches = std::sync::Mutex::new(Vec::new());
        rayon::scope(|scope| {
            self.scan(first, reader, |batch| {
                let batches = &batches;
                scope.spawn(move |_| {
                    let built = reader.build_all(batch);
                    if let Ok(mut all) = batches.lock() {
                        all.push(built);
                    }
                });
            });
        });
        let mut batches = batches.into_inner().unwrap_or_default();
        batches.sort_by_key(|b: &Built| b.first().map(|(node, _, _)| *node));
        self.place(batches.into_iter().flatten().collect());
    }

    /// Reads lines from `first` on; gives the instructions left for later to
    /// `hand_off`, [`BUILD_BATCH`] at a time, in source order.
    fn scan(&mut self, first: usize, reader: Reader<'_>, mut hand_off: impl FnMut(Vec<Unbuilt>)) {
        let mut unbuilt = Vec::with_capacity(BUILD_BATCH);
        let mut i = first;
        while let Some(&line) = self.lines.get(i) {
            let text = &self.src[line.content_start..line.content_end];
            let start = line.content_start + leading_space_len(text);
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
                i = self.instruction(reader, i, start, &mut unbuilt);
                if unbuilt.len() == BUILD_BATCH {
                    hand_off(std::mem::replace(
                        &mut unbuilt,
                        Vec::with_capacity(BUILD_BATCH),
                    ));
                }
            }
        }
        if !unbuilt.is_empty() {
            hand_off(unbuilt);
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
    /// returns the index of the first line after it. One without a
    /// heredoc is left to `unbuilt`, to be built later: only a heredoc
    /// moves where the next instruction starts.
    fn instruction(
        &mut self,
        reader: Reader<'_>,
        first: usize,
        start: usize,
        unbuilt: &mut Vec<Unbuilt>,
    ) -> usize {
        let next = continuation_end(self.src, self.lines, first, start, self.escape);
        let raw_end = self.lines[next - 1].content_end.max(start);
        // Without a `<` among its lines the joined text has no `<<` either:
        // it is joined later too.
        let joined = if memchr::memchr(b'<', &self.src.as_bytes()[start..raw_end]).is_none() {
            None
        } else {
            let joined = reader.join(first, start);
            if joined.text.text.contains("<<") {
                let finished = reader.finish(first, start, joined);
                self.errors.extend(finished.errors);
                self.nodes.push(finished.node);
                return finished.next;
            }
            Some(joined)
        };
        unbuilt.push(Unbuilt {
            node: self.nodes.len(),
            errors_at: self.errors.len(),
            first,
            start,
            joined,
        });
        self.nodes.push(Node {
            span: Span::new(self.lines[first].start, self.lines[next - 1].end),
            kind: NodeKind::Blank,
        });
        next
    }

    /// Puts built instructions (in source order) and their errors where
    /// they belong.
    fn place(&mut self, built: Built) {
        let mut earlier = std::mem::take(&mut self.errors).into_iter();
        let mut placed = 0;
        for (node, errors_at, finished) in built {
            self.errors
                .extend(earlier.by_ref().take(errors_at - placed));
            placed = errors_at;
            self.errors.extend(finished.errors);
            if let Some(slot) = self.nodes.get_mut(node) {
                *slot = finished.node;
            }
        }
        self.errors.extend(earlier);
    }
}

impl Reader<'_> {
    /// Joins the lines of the instruction starting on line `first` at byte `start`.
    fn join(&self, first: usize, start: usize) -> Joined {
        join_continuations(self.src, self.lines, first, start, self.escape)
    }

    /// Builds instructions left for later, in order.
    fn build_all(&self, batch: Vec<Unbuilt>) -> Built {
        batch
            .into_iter()
            .map(|u| {
                let joined = u.joined.unwrap_or_else(|| self.join(u.first, u.start));
                (u.node, u.errors_at, self.finish(u.first, u.start, joined))
            })
            .collect()
    }

    /// Types the joined instruction starting on line `first` at byte
    /// `start` and reads its heredoc bodies.
    fn finish(&self, first: usize, start: usize, joined: Joined) -> Finished {
        let Joined {
            text,
            empty_lines,
            comments,
            last,
            mut next,
        } = joined;
        let built = match instruction::build(&text, self.escape, 0) {
            Ok(built) => built,
            Err(mut error) => {
                if text.segments.is_empty() {
                    // Only a continuation (a lone `\`): point at it, not at 0.
                    error.span = Span::new(start, self.lines[first].content_end);
                }
                return Finished {
                    node: Node {
                        span: Span::new(self.lines[first].start, self.lines[next - 1].end),
                        kind: NodeKind::Invalid(error.clone()),
                    },
                    errors: vec![error],
                    next,
                };
            }
        };
        let mut ins = built.ins;
        let mut errors = built.errors;
        if self.buildkit {
            if ins.keyword == Keyword::Unknown {
                let word = text.text.split(char::is_whitespace).next().unwrap_or("");
                errors.push(instruction::unknown_instruction(word, ins.keyword_span));
            }
            errors.extend(flags::check(&ins));
            errors.sort_by_key(|e| e.span.start);
        }
        let mut end = self.lines[last].content_end;
        if can_contain_heredoc(&ins) {
            let markers = heredoc::markers(&text.text);
            if !markers.is_empty() {
                let (docs, after, error) =
                    heredoc::read_bodies(self.src, self.lines, &text, &markers, next);
                if after > next {
                    end = self.lines[after - 1].content_end;
                }
                next = after;
                errors.extend(error);
                ins.heredocs = docs;
            }
        }
        ins.span = Span::new(start, end.max(start));
        ins.empty_continuation_lines = empty_lines;
        ins.inner_comments = comments;
        share_with_onbuild_trigger(&mut ins);
        Finished {
            node: Node {
                span: Span::new(self.lines[first].start, self.lines[next - 1].end),
                kind: NodeKind::Instruction(Box::new(ins)),
            },
            errors,
            next,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of line the parser reads, errors included.
    const SAMPLE: &str = "FROM debian:12 AS base\n\
        RUN apt-get update \\\n  # a comment inside\n\n  && apt-get install -y curl\n\
        RUN --mount=type=cache,target=/x <<EOF\nset -e\necho hi\nEOF\n\
        COPY <<A /a\nbody\nA\n\
        RUN cat < /etc/hosts \\\n  && wc -l\n\
        RUN cat <\\\n<SPLIT\nmarker split over a continuation\nSPLIT\n\
        RUN --bogus=1 echo flagged\n\
        FORM typo\n\
        (nope)\n\
        ONBUILD RUN echo later\n\
        ENV A=1 B=\"two words\"\n\
        LABEL x=\"unterminated\n\
        # plain comment\n\
        HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n\
        EXPOSE 80/tcp\n\
        \\\n";

    #[test]
    fn building_on_every_core_gives_the_sequential_tree() {
        let source = format!("# syntax=docker/dockerfile:1\n{}", SAMPLE.repeat(60));
        assert!(source.len() >= PARALLEL_BUILD_MIN_BYTES);
        let parallel = parse_with(&source, true);
        let sequential = parse_with(&source, false);
        assert!(sequential.errors.len() >= 3 * 60, "{:?}", sequential.errors);
        // Errors of deferred instructions sit among the others in source order.
        let starts: Vec<usize> = sequential.errors.iter().map(|e| e.span.start).collect();
        assert!(starts.is_sorted(), "{starts:?}");
        assert_eq!(
            format!("{:?}", parallel.nodes),
            format!("{:?}", sequential.nodes)
        );
        assert_eq!(
            format!("{:?}", parallel.errors),
            format!("{:?}", sequential.errors)
        );
        let heredocs = sequential
            .instructions()
            .filter(|(_, ins)| !ins.heredocs.is_empty())
            .count();
        assert_eq!(heredocs, 3 * 60);
    }

    #[test]
    fn a_lone_continuation_is_reported_where_it_is() {
        let df = parse("FROM alpine:3\nRUN true\n\\\n");
        let messages: Vec<(&str, Span)> = df
            .errors
            .iter()
            .map(|e| (e.message.as_str(), e.span))
            .collect();
        assert_eq!(
            messages,
            vec![(
                "line continuation without an instruction",
                Span::new(23, 24)
            )]
        );
    }
}
