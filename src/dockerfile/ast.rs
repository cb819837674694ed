//! The lossless Dockerfile syntax tree.
//!
//! A [`Dockerfile`] is a list of [`Node`]s whose spans tile the source text
//! exactly (no gaps, no overlaps), so concatenating the nodes' source slices
//! reproduces the file byte for byte. Every part of an instruction keeps the
//! span of the bytes it came from in the *original* text, even when the part
//! is spread over continuation lines.

use crate::span::{LineIndex, Span};

/// A value together with the source bytes it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The full original text, BOM included.
    pub source: String,
    /// Whether the text starts with a UTF-8 byte order mark (it is part of the first node).
    pub bom: bool,
    /// Whether lines end in `\r\n` (decided by the first line ending).
    pub crlf: bool,
    /// The escape character (`\` or `` ` ``), from the `escape` directive.
    pub escape: char,
    /// Top-of-file parser directives, in order.
    pub directives: Vec<Directive>,
    /// Nodes in source order; their spans tile `source`.
    pub nodes: Vec<Node>,
    /// Syntax errors (each also present as a [`NodeKind::Invalid`] node or attached to a node).
    pub errors: Vec<ParseError>,
    pub line_index: LineIndex,
    /// The shell analysis of every RUN, made once on first use and shared by
    /// every rule (see [`Dockerfile::run_scripts`]).
    pub run_analysis: RunAnalysis,
    /// The build stages, made once on first use (see [`Dockerfile::stages`]).
    pub stage_list: StageList,
    /// The stage each stage is built `FROM`, made once on first use (see
    /// [`Dockerfile::stage_parent`]).
    pub stage_parents: StageParents,
    /// The stage parents through global ARG defaults, without build args
    /// (see [`crate::rules::stage_walk::stage_parents`]), made on first use.
    pub resolved_stage_parents: StageParents,
    /// The shell in effect at every instruction, made once on first use
    /// (see [`crate::rules::run_shell::run_shells`]).
    pub run_shells: RunShells,
    /// The shell and ENV/ARG names at each RUN as the ShellCheck-style rules
    /// see them, made once on first use.
    pub shell_scope: ShellScope,
    /// The RUNs with ShellCheck-style findings, by code, made once on first
    /// use (see [`crate::rules::shellcheck::for_each_finding`]).
    pub shell_finding_nodes: ShellFindingNodes,
    /// The package managers the file's RUNs install with, made once on
    /// first use (see [`Dockerfile::installs_with`]).
    pub install_managers: InstallManagers,
    /// The RUNs as the package-cache rules see them for a build without
    /// build args or targets, made once on first use.
    pub run_sites: RunSites,
    /// Script analyses shared with the other Dockerfiles of the lint, if any
    /// (see [`crate::shell::ScriptCache`]).
    pub script_cache: Option<std::sync::Arc<crate::shell::ScriptCache>>,
}

/// Lazily computed [`Stage`]s of a Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct StageList(std::sync::OnceLock<Vec<Stage>>);

/// Lazily computed parent stage of every stage.
#[derive(Debug, Clone, Default)]
pub struct StageParents(pub std::sync::OnceLock<Vec<Option<usize>>>);

/// Lazily computed [`crate::rules::shellcheck::Scope`].
#[derive(Debug, Clone, Default)]
pub struct ShellScope(pub std::sync::OnceLock<crate::rules::shellcheck::Scope>);

/// Lazily computed package managers of a file's installs.
#[derive(Debug, Clone, Default)]
pub struct InstallManagers(std::sync::OnceLock<Vec<crate::shell::PackageManager>>);

/// Lazily computed node indices of the RUNs whose scripts have a
/// ShellCheck-style finding, by code, in file order.
#[derive(Debug, Clone, Default)]
pub struct ShellFindingNodes(
    pub std::sync::OnceLock<std::collections::HashMap<&'static str, Vec<usize>>>,
);

/// Lazily computed [`crate::rules::package_caches::SiteFacts`] of every RUN.
#[derive(Debug, Clone, Default)]
pub struct RunSites(pub std::sync::OnceLock<Vec<crate::rules::package_caches::SiteFacts>>);

/// Lazily computed shell of every instruction, by node index.
#[derive(Debug, Clone, Default)]
pub struct RunShells(
    pub std::sync::OnceLock<Vec<Option<std::sync::Arc<crate::rules::run_shell::RunShell>>>>,
);

/// Which RUN an analysis is of: its span and keyword position, so an
/// `ONBUILD RUN` and its trigger are told apart.
type RunKey = (usize, usize, usize);

/// The [`crate::shell::RunScript`]s of a Dockerfile's RUNs, each analysed
/// on first use (see [`RunIndex`]).
#[derive(Debug, Clone, Default)]
pub struct RunAnalysis(std::sync::OnceLock<RunIndex>);

/// Every RUN (and `ONBUILD RUN`) of a file with a cell for its analysis.
/// The cells are filled one RUN at a time, by whichever core asks first,
/// so rules can start while the RUNs are still being analysed on the
/// other cores; none of them waits for more than the RUN it reads.
#[derive(Debug, Clone)]
pub struct RunIndex {
    /// Slot of each key, sorted by key: looked up by binary search (a
    /// dozen rules ask per RUN; hashing the key cost more than comparing a few).
    keys: Vec<(RunKey, usize)>,
    slots: Vec<RunSlot>,
    /// Without a cache shared with other files, RUNs of this file with the
    /// same text still share one analysis.
    local_cache: Option<std::sync::Arc<crate::shell::ScriptCache>>,
}

/// One RUN's analysis, made on first use.
#[derive(Debug, Clone)]
struct RunSlot {
    /// The node of the RUN (or of the ONBUILD holding it).
    node: usize,
    scripts: std::sync::OnceLock<Vec<crate::shell::RunScript>>,
}

/// A top-level piece of the file.
#[derive(Debug, Clone)]
pub struct Node {
    /// The bytes this node owns, including its trailing line ending.
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A parser directive line (`# syntax=...`, `# escape=...`, `# check=...`).
    Directive(Directive),
    /// A `#` comment line (outside any instruction).
    Comment,
    /// A line holding only whitespace.
    Blank,
    Instruction(Box<Instruction>),
    /// Text that could not be parsed as an instruction; the error says why.
    Invalid(ParseError),
}

/// A parser directive such as `# escape=\``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lowercased directive name.
    pub name: Spanned<String>,
    pub value: Spanned<String>,
    /// The whole line without its line ending.
    pub span: Span,
}

/// Whether a file with these directives is built by BuildKit's Dockerfile
/// frontend: no `# syntax=` directive, or one naming `docker/dockerfile`
/// (any tag, mirror or `-upstream`). Other frontends may add instructions,
/// flags and build-arg handling of their own.
pub fn buildkit_frontend(directives: &[Directive]) -> bool {
    directives.iter().all(|d| {
        d.name.value != "syntax"
            || d.value
                .value
                .to_ascii_lowercase()
                .contains("docker/dockerfile")
    })
}

/// A syntax error with the bytes it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

/// Dockerfile instruction keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
    /// Anything else (BuildKit rejects it at build time, the parser keeps it).
    Unknown,
}

impl Keyword {
    /// Every instruction keyword (not [`Keyword::Unknown`]).
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::StopSignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// Case-insensitive lookup.
    pub fn parse(word: &str) -> Keyword {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
            .unwrap_or(Keyword::Unknown)
    }

    /// Canonical upper-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::StopSignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }
}

/// Text assembled from several source pieces (an instruction line joined
/// over continuations, with comment lines dropped), with a map back to the
/// source so any offset in `text` has an exact source offset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalText {
    pub text: String,
    /// `(logical_start, source_start, len)` runs, sorted, copied verbatim from the source.
    pub segments: Vec<(usize, usize, usize)>,
}

impl LogicalText {
    /// Source offset of logical offset `at` (an offset at a segment end maps
    /// to the end of that segment's source run).
    pub fn source_offset(&self, at: usize) -> usize {
        self.source_offset_near(at, &mut 0)
    }

    /// Source span of a logical span. A span that crosses a continuation
    /// covers the continuation bytes too.
    pub fn source_span(&self, span: Span) -> Span {
        self.source_span_near(span, &mut 0)
    }

    /// [`LogicalText::source_span`] for spans that mostly come in order
    /// (every word of a script): the search starts at the segment `hint`
    /// names, and leaves there the one it found.
    pub fn source_span_near(&self, span: Span, hint: &mut usize) -> Span {
        let start = if span.is_empty() {
            self.source_offset_near(span.start, hint)
        } else {
            self.source_start_near(span.start, hint)
        };
        Span::new(start, self.source_offset_near(span.end, hint).max(start))
    }

    fn source_offset_near(&self, at: usize, hint: &mut usize) -> usize {
        let idx = self.segment_near(hint, |&(lstart, _, len)| lstart + len < at);
        match self.segments.get(idx) {
            Some(&(lstart, sstart, _)) if at >= lstart => sstart + (at - lstart),
            _ => idx
                .checked_sub(1)
                .and_then(|i| self.segments.get(i))
                .map_or(0, |&(_, sstart, len)| sstart + len),
        }
    }

    /// Like `source_offset`, but an offset at a segment boundary maps to the
    /// start of the *next* segment (what a span's start wants).
    fn source_start_near(&self, at: usize, hint: &mut usize) -> usize {
        let idx = self.segment_near(hint, |&(lstart, _, len)| lstart + len <= at);
        match self.segments.get(idx) {
            Some(&(lstart, sstart, _)) if at >= lstart => sstart + (at - lstart),
            _ => self.source_offset_near(at, hint),
        }
    }

    /// The partition point of `before` over the segments (which are sorted
    /// and disjoint): at `hint` or just after it when it is there, else by
    /// binary search, so mapping every word of a long continued
    /// instruction stays linear overall. Leaves the result in `hint`.
    fn segment_near(
        &self,
        hint: &mut usize,
        before: impl Fn(&(usize, usize, usize)) -> bool,
    ) -> usize {
        let segments = &self.segments;
        let is_point = |i: usize| {
            i <= segments.len()
                && (i == 0 || before(&segments[i - 1]))
                && segments.get(i).is_none_or(|s| !before(s))
        };
        let idx = if is_point(*hint) {
            *hint
        } else if is_point(*hint + 1) {
            *hint + 1
        } else {
            segments.partition_point(before)
        };
        *hint = idx;
        idx
    }

    /// The logical sub-text `start..end` (clamped to char boundaries), with
    /// its own segments rebased to 0 and still pointing into the source.
    pub fn slice(&self, start: usize, end: usize) -> LogicalText {
        let start = crate::span::clamp_to_char_boundary(&self.text, start);
        let end = crate::span::clamp_to_char_boundary(&self.text, end.max(start));
        // Segments are sorted and do not overlap: skip those that end
        // before `start`, stop at the first that begins at `end`.
        let first = self
            .segments
            .partition_point(|&(l, _, len)| l + len <= start);
        let rest = &self.segments[first..];
        let mut segments = Vec::with_capacity(rest.len());
        for &(lstart, sstart, len) in rest {
            if lstart >= end {
                break;
            }
            let (s, e) = (lstart.max(start), (lstart + len).min(end));
            if s < e {
                segments.push((s - start, sstart + (s - lstart), e - s));
            }
        }
        LogicalText {
            text: self.text.get(start..end).unwrap_or("").to_string(),
            segments,
        }
    }

    /// Appends a verbatim source run.
    pub fn push_source(&mut self, source: &str, span: Span) {
        let piece = span.slice(source);
        if !piece.is_empty() {
            self.segments
                .push((self.text.len(), span.start, piece.len()));
            self.text.push_str(piece);
        }
    }
}

/// One instruction, possibly spread over continuation lines and followed by heredoc bodies.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// From the first byte of the keyword to the end of the last line it
    /// occupies (heredoc bodies included), without the final line ending.
    pub span: Span,
    pub keyword: Keyword,
    /// The keyword as written (for casing checks).
    pub keyword_span: Span,
    /// `--name[=value]` flags between the keyword and the arguments.
    pub flags: Vec<Flag>,
    /// The argument text after the flags, continuations joined, comment
    /// lines removed, trailing whitespace trimmed; maps back to the source.
    pub args: LogicalText,
    /// Source span of the arguments (first to last argument byte).
    pub args_span: Span,
    pub kind: InstructionKind,
    /// Heredocs in marker order. An `ONBUILD RUN <<EOF` carries them both on
    /// the ONBUILD and on its trigger instruction.
    pub heredocs: Vec<Heredoc>,
    /// Whole lines (with line ending) that were empty inside a continuation.
    pub empty_continuation_lines: Vec<Span>,
    /// Comment lines inside the continuation (with line ending).
    pub inner_comments: Vec<Span>,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name.value == name)
    }

    /// The `--mount`s of a `RUN` that bind the build context (type `bind`,
    /// the default, without `from`).
    pub fn context_binds(&self) -> Vec<ContextBind> {
        if self.keyword != Keyword::Run {
            return Vec::new();
        }
        let mut out = Vec::new();
        for flag in self.flags.iter().filter(|f| f.name.value == "mount") {
            let options = flag.options();
            let get = |keys: &[&str]| {
                options
                    .iter()
                    .find(|o| keys.contains(&o.key.value.as_str()))
                    .map(|o| o.value.as_ref().map_or(String::new(), |v| v.value.clone()))
            };
            let kind = get(&["type"]).unwrap_or_else(|| "bind".to_string());
            if kind == "bind" && get(&["from"]).is_none() {
                out.push(ContextBind {
                    span: flag.span,
                    source: get(&["source", "src"]).unwrap_or_default(),
                    target: get(&["target", "dst", "destination"]),
                });
            }
        }
        out
    }

    /// The instruction as BuildKit sees it, independent of layout: keyword
    /// upper-cased, flags and arguments with continuations and comment lines
    /// removed and whitespace runs collapsed, heredoc bodies verbatim. Two
    /// instructions with the same normalised text build the same layer (for
    /// the same parent), which is what rules comparing Dockerfiles need.
    pub fn normalized(&self, source: &str) -> String {
        let keyword = match self.keyword {
            Keyword::Unknown => self.keyword_span.slice(source).to_ascii_uppercase(),
            k => k.as_str().to_string(),
        };
        let mut out = keyword;
        for flag in &self.flags {
            out.push(' ');
            out.push_str(flag.span.slice(source));
        }
        let args = collapse_whitespace(&self.args.text);
        if !args.is_empty() {
            out.push(' ');
            out.push_str(&args);
        }
        for heredoc in &self.heredocs {
            out.push('\n');
            out.push_str(&heredoc.content);
            out.push_str(&heredoc.name);
        }
        out
    }
}

/// A file with at least this many RUNs has them analysed in parallel.
const PARALLEL_RUNS_MIN: usize = 32;

fn run_key(ins: &Instruction) -> RunKey {
    (ins.span.start, ins.span.end, ins.keyword_span.start)
}

/// `text` with every run of whitespace replaced by one space, trimmed.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `--name=value` (or `--name` alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The whole flag, `--` included.
    pub span: Span,
    /// Name without the leading `--`.
    pub name: Spanned<String>,
    /// Raw value text after `=` (quotes kept).
    pub value: Option<Spanned<String>>,
}

/// A `RUN --mount=type=bind` of the build context (see [`Instruction::context_binds`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextBind {
    /// The whole `--mount=...` flag.
    pub span: Span,
    /// The context path mounted (`""`: the context root).
    pub source: String,
    /// Where it is mounted, if given.
    pub target: Option<String>,
}

/// A `key=value` element of a CSV flag value such as `--mount=type=cache,target=/x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagOption {
    pub span: Span,
    pub key: Spanned<String>,
    pub value: Option<Spanned<String>>,
}

impl Flag {
    /// Splits the flag's value on commas into `key=value` options (spans into the source).
    /// Works for values on one source line, which is how flags are written in practice.
    pub fn options(&self) -> Vec<FlagOption> {
        let Some(value) = &self.value else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut offset = value.span.start;
        for part in value.value.split(',') {
            let start = offset;
            let end = start + part.len();
            offset = end + 1;
            if part.is_empty() {
                continue;
            }
            let (key, val) = match part.find('=') {
                Some(eq) => (
                    Spanned::new(part[..eq].to_string(), Span::new(start, start + eq)),
                    Some(Spanned::new(
                        part[eq + 1..].to_string(),
                        Span::new(start + eq + 1, end),
                    )),
                ),
                None => (Spanned::new(part.to_string(), Span::new(start, end)), None),
            };
            out.push(FlagOption {
                span: Span::new(start, end),
                key,
                value: val,
            });
        }
        out
    }
}

/// Typed view of an instruction's arguments.
// `From` is the large variant; boxing it would change the interface lint
// rules match on, and instructions are already boxed inside `NodeKind`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum InstructionKind {
    From(FromInstruction),
    Run(CommandForm),
    Cmd(CommandForm),
    Entrypoint(CommandForm),
    Shell(CommandForm),
    Healthcheck(Healthcheck),
    /// `ENV`: one entry per variable.
    Env(Vec<KeyValue>),
    /// `LABEL`: one entry per label.
    Label(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Copy(CopyAdd),
    Add(CopyAdd),
    /// Each port spec as written (`80`, `8080/tcp`, `${PORT}`).
    Expose(Vec<Spanned<String>>),
    Workdir(Spanned<String>),
    User(Spanned<String>),
    Volume(Vec<Spanned<String>>),
    StopSignal(Spanned<String>),
    Maintainer(Spanned<String>),
    Onbuild(Box<Instruction>),
    /// Unknown keyword or an instruction whose arguments could not be typed.
    Other,
}

/// Exec (JSON array) or shell form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandForm {
    /// `["executable", "arg"]`: decoded strings with the span of each JSON string literal.
    Exec(Vec<Spanned<String>>),
    /// The command text as given to the shell (continuations joined, comment lines removed).
    Shell(LogicalText),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Healthcheck {
    None,
    Cmd(CommandForm),
}

/// `FROM [--platform=...] image [AS name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromInstruction {
    /// The image reference as written (may contain `$VAR`).
    pub image: Spanned<String>,
    pub image_ref: ImageRef,
    /// The `AS` keyword as written.
    pub as_keyword: Option<Spanned<String>>,
    /// Stage name as written (not lowercased).
    pub stage_name: Option<Spanned<String>>,
}

/// `[registry/]repository[:tag][@digest]`, each part with its span.
/// Parsed textually; parts containing variables are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageRef {
    /// Explicit registry host (`ghcr.io`, `localhost:5000`), if any.
    pub registry: Option<Spanned<String>>,
    /// Path without registry (`library/postgres` is written `postgres`; kept as written).
    pub repository: Spanned<String>,
    pub tag: Option<Spanned<String>>,
    pub digest: Option<Spanned<String>>,
}

/// One `key=value` (or legacy `key value`) of ENV or LABEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub span: Span,
    pub key: Spanned<String>,
    /// Raw value text, quotes and escapes kept as written.
    pub value: Spanned<String>,
    /// `true` for the legacy whitespace-separated `ENV key value` form.
    pub legacy: bool,
}

/// One name of an `ARG` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub span: Span,
    pub name: Spanned<String>,
    /// Raw default text after `=`, if any.
    pub default: Option<Spanned<String>>,
}

/// COPY / ADD arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyAdd {
    pub sources: Vec<Spanned<String>>,
    pub destination: Option<Spanned<String>>,
    pub exec_form: bool,
}

/// A heredoc attached to a RUN/COPY/ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// Delimiter word, quotes removed.
    pub name: String,
    /// The `<<EOF` / `<<-"EOF"` marker in the instruction line.
    pub marker_span: Span,
    /// Source bytes of the body lines (from the line after the marker up to
    /// the terminator line, exclusive).
    pub body_span: Span,
    /// Body content as BuildKit passes it on (tabs stripped for `<<-`).
    pub content: String,
    /// Quoted delimiter: no variable expansion in the body.
    pub quoted: bool,
    /// `<<-`: leading tabs stripped.
    pub strip_tabs: bool,
    /// The terminator line, `None` when the heredoc is unterminated.
    pub terminator_span: Option<Span>,
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// Index into [`Dockerfile::nodes`] of the FROM.
    pub from_node: usize,
    /// Indices into [`Dockerfile::nodes`] of the stage's other instructions.
    pub instruction_nodes: Vec<usize>,
}

impl Dockerfile {
    /// All instructions in order, with their node index.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &Instruction)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match &n.kind {
                NodeKind::Instruction(ins) => Some((i, ins.as_ref())),
                _ => None,
            })
    }

    /// The instruction of node `i`, if it is one.
    pub fn instruction(&self, i: usize) -> Option<&Instruction> {
        match &self.nodes.get(i)?.kind {
            NodeKind::Instruction(ins) => Some(ins),
            _ => None,
        }
    }

    /// Instructions before the first FROM (global ARGs), by node index.
    pub fn global_instructions(&self) -> Vec<usize> {
        self.instructions()
            .take_while(|(_, ins)| ins.keyword != Keyword::From)
            .map(|(i, _)| i)
            .collect()
    }

    /// The build stages, in order (found once: most rules ask).
    pub fn stages(&self) -> &[Stage] {
        self.stage_list.0.get_or_init(|| {
            let mut stages: Vec<Stage> = Vec::new();
            for (i, ins) in self.instructions() {
                if ins.keyword == Keyword::From {
                    stages.push(Stage {
                        index: stages.len(),
                        from_node: i,
                        instruction_nodes: Vec::new(),
                    });
                } else if let Some(stage) = stages.last_mut() {
                    stage.instruction_nodes.push(i);
                }
            }
            stages
        })
    }

    /// The FROM of a stage.
    pub fn stage_from(&self, stage: &Stage) -> Option<&FromInstruction> {
        match &self.instruction(stage.from_node)?.kind {
            InstructionKind::From(f) => Some(f),
            _ => None,
        }
    }

    /// Whether some RUN of the file (`ONBUILD RUN` included) installs
    /// packages with a manager `wanted` accepts: rules about one ecosystem
    /// skip the files that never use it.
    pub fn installs_with(&self, wanted: impl Fn(crate::shell::PackageManager) -> bool) -> bool {
        self.install_managers().iter().any(|&m| wanted(m))
    }

    /// The package managers some RUN of the file installs with, once each
    /// (a dozen rules ask).
    fn install_managers(&self) -> &[crate::shell::PackageManager] {
        self.install_managers.0.get_or_init(|| {
            let mut used = Vec::new();
            for (_, top) in self.instructions() {
                let ins = match &top.kind {
                    InstructionKind::Onbuild(inner) => inner.as_ref(),
                    _ => top,
                };
                if !matches!(ins.kind, InstructionKind::Run(_)) {
                    continue;
                }
                for manager in self
                    .run_scripts(ins)
                    .iter()
                    .flat_map(|s| s.install_managers())
                {
                    if !used.contains(&manager) {
                        used.push(manager);
                    }
                }
            }
            used
        })
    }

    /// The shell analysis of a RUN (or `ONBUILD RUN`) of this file, computed
    /// once: rules ask for the same scripts again and again, and the shell
    /// parse is the most expensive part of linting a RUN. An instruction
    /// from elsewhere is analysed on the spot.
    pub fn run_scripts(
        &self,
        ins: &Instruction,
    ) -> std::borrow::Cow<'_, [crate::shell::RunScript]> {
        let index = self.run_index();
        let key = run_key(ins);
        let slot = index
            .keys
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .and_then(|at| index.slots.get(index.keys[at].1));
        match slot.and_then(|slot| self.slot_scripts(index, slot)) {
            Some(scripts) => std::borrow::Cow::Borrowed(scripts),
            None => std::borrow::Cow::Owned(crate::shell::analyze_run(ins, &self.source)),
        }
    }

    /// Analyses every RUN of the file now, on every core for a file with
    /// many (the usual few are not worth the hand-off).
    pub fn analyze_runs(&self) {
        let index = self.run_index();
        if index.slots.len() >= PARALLEL_RUNS_MIN {
            use rayon::prelude::*;
            index.slots.par_iter().with_max_len(1).for_each(|slot| {
                self.slot_scripts(index, slot);
            });
        } else {
            for slot in &index.slots {
                self.slot_scripts(index, slot);
            }
        }
    }

    /// Analyses every RUN, finds the package installs of every script and
    /// runs their ShellCheck-style checks, on every core.
    pub fn prepare_runs(&self) {
        use rayon::prelude::*;
        let index = self.run_index();
        index.slots.par_iter().with_max_len(1).for_each(|slot| {
            for script in self.slot_scripts(index, slot).unwrap_or_default() {
                script.prepare_installs();
                script.shell_findings();
            }
        });
    }

    /// The scripts of the RUN in `slot`, analysed now if no one has yet.
    /// The analysis of one RUN never waits for another core's work, so a
    /// core may fill a slot while the other cores run rules.
    fn slot_scripts<'a>(
        &'a self,
        index: &'a RunIndex,
        slot: &'a RunSlot,
    ) -> Option<&'a [crate::shell::RunScript]> {
        let top = self.instruction(slot.node)?;
        let cache = self
            .script_cache
            .as_deref()
            .or(index.local_cache.as_deref());
        Some(
            slot.scripts
                .get_or_init(|| crate::shell::analyze_run_in(top, &self.source, cache)),
        )
    }

    /// The RUNs of the file and their (still empty) analysis cells.
    fn run_index(&self) -> &RunIndex {
        self.run_analysis.0.get_or_init(|| {
            let run = |i: &Instruction| matches!(i.kind, InstructionKind::Run(_));
            let mut keys = Vec::new();
            let mut slots = Vec::new();
            for (node, top) in self.instructions() {
                let inner = match &top.kind {
                    InstructionKind::Onbuild(inner) if run(inner) => Some(inner),
                    _ if run(top) => None,
                    _ => continue,
                };
                // An `ONBUILD RUN` is found by either instruction.
                if let Some(inner) = inner {
                    keys.push((run_key(inner), slots.len()));
                }
                keys.push((run_key(top), slots.len()));
                slots.push(RunSlot {
                    node,
                    scripts: std::sync::OnceLock::new(),
                });
            }
            // The last entry of a key wins (stable sort of the reversed list).
            keys.reverse();
            keys.sort_by_key(|(key, _)| *key);
            keys.dedup_by_key(|(key, _)| *key);
            let local_cache = (self.script_cache.is_none() && slots.len() > 1)
                .then(|| std::sync::Arc::new(crate::shell::ScriptCache::default()));
            RunIndex {
                keys,
                slots,
                local_cache,
            }
        })
    }

    /// Drops the shell analysis of the RUNs (a lint done with the file
    /// keeps its syntax, not every RUN's words and trees), and the syntax
    /// trees the checks did not use in the analyses shared with other files.
    pub fn release_run_analysis(&mut self) {
        if let Some(index) = self.run_analysis.0.get() {
            let analysed = index.slots.iter().filter_map(|slot| slot.scripts.get());
            for script in analysed.flatten() {
                script.release_tree();
            }
        }
        self.run_analysis = Default::default();
        self.script_cache = None;
    }

    /// The index of the earlier stage stage `index` is built `FROM`, if any.
    ///
    /// BuildKit looks the base name up in a map keyed by lowercased stage
    /// names, without lowercasing the base name, so `FROM base` finds
    /// `AS Base` but `FROM Base` does not; a later stage of the same name
    /// shadows an earlier one. Computed for all stages at once: rules ask
    /// for the chain of every stage, which must not be quadratic.
    pub fn stage_parent(&self, index: usize) -> Option<usize> {
        let parents = self.stage_parents.0.get_or_init(|| {
            let mut seen: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            let mut parents = Vec::new();
            for stage in self.stages() {
                let from = self.stage_from(stage);
                parents.push(from.and_then(|f| seen.get(&f.image.value).copied()));
                if let Some(name) = from.and_then(|f| f.stage_name.as_ref()) {
                    seen.insert(name.value.to_lowercase(), stage.index);
                }
            }
            parents
        });
        parents.get(index).copied().flatten()
    }

    /// The line ending this file uses.
    pub fn newline(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Reassembles the file from its nodes (equals `source` by construction).
    pub fn to_source(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.span.slice(&self.source))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_with_sees_every_run_form() {
        use crate::shell::PackageManager as M;
        let df = crate::dockerfile::parse(
            "FROM x\nONBUILD RUN pip install flask\nRUN [\"sh\", \"-c\", \"npm ci\"]\nRUN <<EOF\napk add curl\nEOF\n",
        );
        for wanted in [M::Pip, M::Npm, M::Apk] {
            assert!(df.installs_with(|m| m == wanted), "{wanted:?}");
        }
        assert!(!df.installs_with(|m| m == M::AptGet));
        let none = crate::dockerfile::parse("FROM x\nRUN echo pip install x\nCOPY a b\n");
        assert!(!none.installs_with(|_| true));
    }

    #[test]
    fn normalized_ignores_layout_but_not_content() {
        let a = crate::dockerfile::parse(
            "FROM x\nrun  apt-get update \\\n  # comment\n  && apt-get install -y  curl\n",
        );
        let b = crate::dockerfile::parse("FROM x\nRUN apt-get update && apt-get install -y curl\n");
        let c = crate::dockerfile::parse("FROM x\nRUN apt-get update && apt-get install -y wget\n");
        let norm = |df: &Dockerfile| -> Vec<String> {
            df.instructions()
                .map(|(_, i)| i.normalized(&df.source))
                .collect()
        };
        assert_eq!(norm(&a), norm(&b));
        assert_eq!(norm(&b)[1], "RUN apt-get update && apt-get install -y curl");
        assert_ne!(norm(&b), norm(&c));
        let h1 = crate::dockerfile::parse(
            "FROM x\nRUN --mount=type=cache,target=/r <<EOF\necho a\nEOF\n",
        );
        let h2 = crate::dockerfile::parse(
            "FROM x\nRUN --mount=type=cache,target=/r <<EOF\necho b\nEOF\n",
        );
        assert_ne!(norm(&h1), norm(&h2));
        assert!(norm(&h1)[1].starts_with("RUN --mount=type=cache,target=/r <<EOF"));
    }

    #[test]
    fn each_run_is_analysed_once_whoever_asks_first() {
        let mut text = String::from("FROM debian:12\n");
        for i in 0..40 {
            text.push_str(&format!("RUN apt-get install -y curl-{i} && echo {i}\n"));
        }
        text.push_str("ONBUILD RUN pip install flask\nRUN apt-get install -y curl-0 && echo 0\n");
        let df = crate::dockerfile::parse(&text);
        let runs: Vec<&Instruction> = df.instructions().map(|(_, i)| i).skip(1).collect();
        // Rules on both cores ask for the scripts while the analyses are made.
        let (asked, ()) = rayon::join(
            || {
                runs.iter()
                    .map(|ins| df.run_scripts(ins).as_ptr() as usize)
                    .collect::<Vec<_>>()
            },
            || df.prepare_runs(),
        );
        let again: Vec<usize> = runs
            .iter()
            .map(|ins| df.run_scripts(ins).as_ptr() as usize)
            .collect();
        assert_eq!(asked, again, "one analysis per RUN, kept");
        // An ONBUILD RUN is found by its trigger too, as the same analysis.
        let onbuild = runs[40];
        let InstructionKind::Onbuild(trigger) = &onbuild.kind else {
            panic!("not an ONBUILD: {onbuild:?}");
        };
        assert_eq!(
            df.run_scripts(trigger).as_ptr(),
            df.run_scripts(onbuild).as_ptr()
        );
        let scripts = df.run_scripts(onbuild);
        assert_eq!(scripts[0].installs()[0].packages[0].as_str(), Some("flask"));
        // A RUN from another file is analysed on the spot, not cached.
        let other = crate::dockerfile::parse("FROM a\nRUN echo elsewhere\n");
        let (_, foreign) = other.instructions().nth(1).expect("RUN");
        assert!(matches!(
            df.run_scripts(foreign),
            std::borrow::Cow::Owned(_)
        ));
        // The same text in two RUNs: two analyses with their own spans.
        let first = df.run_scripts(runs[0]);
        let last = df.run_scripts(runs[41]);
        assert_eq!(first[0].text, last[0].text);
        assert_ne!(first[0].span, last[0].span);
    }

    #[test]
    fn logical_text_maps_across_segments() {
        // "RUN a \\\n b" joined as "a  b": segment "a " at source 4, segment " b" at source 8
        let lt = LogicalText {
            text: "a  b".into(),
            segments: vec![(0, 4, 2), (2, 8, 2)],
        };
        assert_eq!(lt.source_offset(0), 4);
        assert_eq!(lt.source_offset(3), 9);
        assert_eq!(lt.source_span(Span::new(3, 4)), Span::new(9, 10));
        assert_eq!(lt.source_span(Span::new(2, 4)), Span::new(8, 10));
        assert_eq!(lt.source_span(Span::new(0, 4)), Span::new(4, 10));
    }

    #[test]
    fn spans_mapped_from_a_hint_match_a_search_from_scratch() {
        // Segments of 3 bytes at logical 0, 3, 6, 9 (plus an empty text end),
        // each 10 source bytes after the last.
        let lt = LogicalText {
            text: "abcdefghijkl".into(),
            segments: vec![(0, 5, 3), (3, 15, 3), (6, 25, 3), (9, 35, 3)],
        };
        // The search the hint shortcuts: a partition point from scratch.
        let offset = |at: usize, before_end: bool| {
            let idx =
                lt.segments.partition_point(
                    |&(l, _, n)| if before_end { l + n <= at } else { l + n < at },
                );
            match lt.segments.get(idx) {
                Some(&(l, s, _)) if at >= l => Some(s + (at - l)),
                _ => None,
            }
        };
        let expected = |span: Span| {
            // Past the last segment: the end of its source run.
            let at_or_after = |at: usize| offset(at, false).unwrap_or(38);
            let end = at_or_after(span.end);
            let start = if span.is_empty() {
                at_or_after(span.start)
            } else {
                offset(span.start, true).unwrap_or_else(|| at_or_after(span.start))
            };
            Span::new(start, end.max(start))
        };
        let mut spans = Vec::new();
        for start in 0..=12 {
            for end in start..=12 {
                spans.push(Span::new(start, end));
            }
        }
        // In order, backwards, and jumping about: the hint never changes an answer.
        let mut jumbled = spans.clone();
        jumbled.sort_by_key(|s| (s.start * 7 + s.end * 3) % 11);
        for order in [
            spans.clone(),
            spans.iter().rev().copied().collect(),
            jumbled,
        ] {
            let mut hint = 0;
            for span in order {
                assert_eq!(
                    lt.source_span_near(span, &mut hint),
                    expected(span),
                    "{span:?}"
                );
                assert_eq!(lt.source_span(span), expected(span), "{span:?}");
            }
        }
    }

    #[test]
    fn logical_text_slices_keep_source_offsets() {
        let src = "RUN a \\\n  bc";
        let mut lt = LogicalText::default();
        lt.push_source(src, Span::new(4, 6));
        lt.push_source(src, Span::new(8, 12));
        lt.push_source(src, Span::new(12, 12));
        assert_eq!(lt.text, "a   bc");
        assert_eq!(lt.segments, vec![(0, 4, 2), (2, 8, 4)]);
        let tail = lt.slice(4, 6);
        assert_eq!(tail.text, "bc");
        assert_eq!(tail.source_span(Span::new(0, 2)), Span::new(10, 12));
        assert_eq!(lt.slice(1, 3).segments, vec![(0, 5, 1), (1, 8, 1)]);
        assert_eq!(lt.source_offset(100), 12);
        assert_eq!(LogicalText::default().source_offset(3), 0);
    }

    #[test]
    fn every_slice_keeps_the_segments_it_overlaps() {
        let src = "RUN ab \\\n cd \\\n\\\n ef \\\n g";
        let mut lt = LogicalText::default();
        for piece in ["ab ", " cd ", " ef ", " g"] {
            let start = src.find(piece).unwrap();
            lt.push_source(src, Span::new(start, start + piece.len()));
        }
        assert_eq!(lt.text, "ab  cd  ef  g");
        let len = lt.text.len();
        for start in 0..=len {
            for end in start..=len + 1 {
                // Every segment, clipped to the slice and rebased.
                let expected: Vec<(usize, usize, usize)> = lt
                    .segments
                    .iter()
                    .filter_map(|&(l, s, n)| {
                        let (from, to) = (l.max(start), (l + n).min(end));
                        (from < to).then(|| (from - start, s + from - l, to - from))
                    })
                    .collect();
                let part = lt.slice(start, end);
                assert_eq!(part.segments, expected, "slice {start}..{end}");
                assert_eq!(part.text, lt.text[start..end.min(len)]);
            }
        }
    }

    #[test]
    fn flag_options_have_spans() {
        let src = "RUN --mount=type=cache,target=/root/.cache x";
        let flag = Flag {
            span: Span::new(4, 42),
            name: Spanned::new("mount".into(), Span::new(6, 11)),
            value: Some(Spanned::new(
                "type=cache,target=/root/.cache".into(),
                Span::new(12, 42),
            )),
        };
        let opts = flag.options();
        assert_eq!(opts.len(), 2);
        assert_eq!(opts[0].key.span.slice(src), "type");
        assert_eq!(
            opts[1].value.as_ref().map(|v| v.span.slice(src)),
            Some("/root/.cache")
        );
    }
}
