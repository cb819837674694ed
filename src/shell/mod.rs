//! RUN-command analysis: the shell script of a RUN, parsed with a real shell
//! grammar, as simple commands, guards and package installs with exact
//! Dockerfile source spans.
//!
//! Why tree-sitter-bash: it gives byte ranges for every node, it is error
//! tolerant (a half-written RUN still yields the commands that parsed), and
//! it is the maintained grammar editors use for bash, so odd-but-valid
//! syntax (`case`, `[[ ]]`, `$'..'`, process substitution) is covered
//! without bakelint growing its own shell parser.
//!
//! Speed: tree-sitter-bash parses about 10 MB/s, so long flat `&&` chains
//! (by far the most common long RUN) go through a narrow scanner instead
//! (`flat.rs`); it defers to the grammar on anything it does not model, and
//! a differential test keeps the two in agreement.
//!
//! Coordinates: the script is parsed from [`LogicalText::text`] — the
//! command exactly as BuildKit hands it to the shell (continuations joined,
//! comment lines dropped) — and every span is mapped back through
//! [`LogicalText::source_span`]. That equals blanking comment lines in
//! place, and also works with the backtick escape directive. Heredoc bodies
//! are mapped line by line (so `<<-` tab stripping keeps exact columns).
//!
//! ```
//! use bakelint::dockerfile::parse;
//! use bakelint::shell::{analyze_run, PackageManager};
//!
//! let src = "FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl\n";
//! let df = parse(src);
//! let mut seen = 0;
//! for (_, ins) in df.instructions() {
//!     for script in analyze_run(ins, &df.source) {
//!         for install in script.installs() {
//!             assert_eq!(install.manager, PackageManager::AptGet);
//!             assert!(!install.has_flag(&["--no-install-recommends"]));
//!             let curl = &install.packages[0];
//!             let at = df.line_index.position(&df.source, curl.span.start);
//!             assert_eq!((at.line, at.column), (3, 24));
//!             seen += 1;
//!         }
//!     }
//! }
//! assert_eq!(seen, 1);
//! ```

pub mod checks;
pub mod files;
mod flat;
pub mod loops;
mod packages;
mod syntax;
mod tree;
mod word;

pub use packages::{command_basename, is_wrapper, InstallFlag, PackageInstall, PackageManager};
pub use word::{static_value, variable_names, Word};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::dockerfile::{CommandForm, Heredoc, Instruction, InstructionKind, LogicalText};
use crate::span::Span;

/// Why a command is only run conditionally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardKind {
    /// The condition of an enclosing `if`.
    If,
    /// The condition of an `elif` whose branch holds the command.
    Elif,
    /// An `if`/`elif` condition whose `else` branch holds the command (always negated).
    Else,
    /// A test before `&&` (`[ "$X" = 1 ] && cmd`).
    And,
    /// A test before `||` (`[ "$X" = 1 ] || cmd`, negated).
    Or,
    /// The condition of an enclosing `while` (`until`: negated).
    While,
    /// The subject and patterns of an enclosing `case` item.
    Case,
}

/// A condition the command runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    pub kind: GuardKind,
    /// The condition as written (`[ "$SKIP" != "true" ]`).
    pub condition_text: String,
    /// Source span of the condition.
    pub span: Span,
    /// The command runs when the condition is *false* (`||`, `else`, `until`).
    pub negated: bool,
    /// Variables the condition references.
    pub variables: Vec<String>,
}

/// One simple command (`name args...`), wherever it sits: in `&&`/`||`
/// lists, pipelines, `;` sequences, `if`/`case`/loops, subshells, braces
/// or `$( )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The command word; `None` for a bare assignment (`X=1`).
    pub name: Option<Word>,
    pub args: Vec<Word>,
    /// `NAME=value` prefixes (`DEBIAN_FRONTEND=noninteractive apt-get ...`).
    pub assignments: Vec<Word>,
    /// The whole command, redirections included.
    pub span: Span,
    /// Enclosing conditions, outermost first.
    pub guards: Vec<Guard>,
    /// Inside `$( )`, backticks or `<( )`.
    pub in_substitution: bool,
    /// Part of a `a | b` pipeline (its exit status may be masked without `pipefail`).
    pub in_pipeline: bool,
    /// Where the program is in `name + args` after wrappers (`sudo -u x`,
    /// `env A=1`), see [`packages::effective_start`]: found when the command
    /// is built ([`SimpleCommand::find_effective_start`]), as rules ask often.
    pub effective_start: usize,
}

impl SimpleCommand {
    /// Whether any enclosing condition references variable `var`.
    pub fn is_guarded_by(&self, var: &str) -> bool {
        self.guards
            .iter()
            .any(|g| g.variables.iter().any(|v| v == var))
    }

    /// The static command name (`apt-get`, `/usr/bin/pip`).
    pub fn name_str(&self) -> Option<&str> {
        self.name.as_ref().and_then(Word::as_str)
    }

    /// The name and arguments in order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.name.iter().chain(self.args.iter())
    }

    /// Sets [`SimpleCommand::effective_start`] from the words.
    pub fn find_effective_start(&mut self) {
        self.effective_start = self
            .name
            .as_ref()
            .map_or(0, |name| packages::effective_start(name, &self.args));
    }

    /// The program actually run once wrappers (`sudo`, `env A=1`, `nice`,
    /// `timeout 5`, ...) are skipped, and its arguments.
    pub fn effective(&self) -> Option<(&Word, &[Word])> {
        let name = self.name.as_ref()?;
        let start = self.effective_start;
        if start == 0 {
            return Some((name, &self.args));
        }
        let program = self.args.get(start - 1)?;
        Some((program, self.args.get(start..).unwrap_or(&[])))
    }

    /// Basename of the effective program (`pip3` for `sudo /usr/bin/pip3 ...`).
    pub fn program(&self) -> Option<&str> {
        self.effective()
            .and_then(|(program, _)| command_basename(program))
    }

    /// Whether some argument's static value is `text`.
    pub fn has_arg(&self, text: &str) -> bool {
        self.args.iter().any(|a| a.is(text))
    }
}

/// Where an analysed script comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// The shell-form command text of the RUN.
    ShellForm,
    /// The script string of an exec-form `["sh", "-c", "..."]`.
    ExecForm,
    /// The body of the RUN's `index`-th heredoc, run by a shell.
    Heredoc { index: usize },
}

/// One analysed shell script; every span is in Dockerfile source coordinates.
#[derive(Debug, Clone)]
pub struct RunScript {
    pub origin: ScriptOrigin,
    /// The script text the shell runs.
    pub text: String,
    /// The source span the script occupies.
    pub span: Span,
    /// The grammar reported a syntax error (results are partial).
    pub has_syntax_error: bool,
    commands: Vec<SimpleCommand>,
    /// The analysed text and its source mapping (for [`RunScript::shell_findings`]).
    logical: LogicalText,
    /// ShellCheck-style findings, made on first use.
    findings: std::sync::OnceLock<Vec<checks::ShellFinding>>,
    /// The package installs, found on first use.
    installs: std::sync::OnceLock<Vec<packages::InstallShape>>,
    /// What the text gives wherever it is (shared with every RUN of the
    /// lint that has the same text, see [`ScriptCache`]).
    analysis: Arc<TextAnalysis>,
}

/// What analysing a script's text gives, whatever file it is in, in
/// script-local coordinates.
#[derive(Debug)]
struct TextAnalysis {
    commands: Vec<SimpleCommand>,
    has_syntax_error: bool,
    /// The command scanner read it without the grammar.
    flat: bool,
    /// The syntax tree when the grammar was needed, until the checks walk
    /// it (they would otherwise parse the script again).
    tree: Mutex<Option<tree::SyntaxTree>>,
    /// ShellCheck-style findings, made on first use.
    findings: OnceLock<Vec<checks::ShellFinding>>,
}

impl TextAnalysis {
    fn new(text: &str) -> TextAnalysis {
        let (commands, has_syntax_error, tree) = syntax::collect_commands_keeping_tree(text);
        TextAnalysis {
            commands,
            has_syntax_error,
            flat: tree.is_none() && !has_syntax_error,
            tree: Mutex::new(tree),
            findings: OnceLock::new(),
        }
    }

    fn findings(&self, text: &str) -> &[checks::ShellFinding] {
        self.findings.get_or_init(|| {
            let tree = self.tree.lock().map(|mut t| t.take()).unwrap_or(None);
            match tree {
                Some(tree) => checks::check_tree(&tree, text),
                // The scanner read it: most such scripts have nothing to find.
                None if self.flat && !checks::flat_script_may_find(text, &self.commands) => {
                    Vec::new()
                }
                None => checks::check_script(text),
            }
        })
    }

    /// Drops the syntax tree the checks have not used (they parse again if
    /// they ever ask).
    fn release_tree(&self) {
        if let Ok(mut tree) = self.tree.lock() {
            tree.take();
        }
    }
}

/// Script analyses shared by the Dockerfiles of one lint: a RUN whose text
/// another RUN already had (variants generated from one template, stages
/// repeating an install) is not scanned, parsed or checked again.
#[derive(Debug, Default)]
pub struct ScriptCache {
    analyses: Mutex<HashMap<String, Arc<TextAnalysis>>>,
}

impl ScriptCache {
    fn analysis(&self, text: &str) -> Arc<TextAnalysis> {
        if let Some(found) = self.analyses.lock().ok().and_then(|m| m.get(text).cloned()) {
            return found;
        }
        // Analysed outside the lock; a RUN analysed twice at once keeps the first.
        let made = Arc::new(TextAnalysis::new(text));
        match self.analyses.lock() {
            Ok(mut map) => map.entry(text.to_string()).or_insert(made).clone(),
            Err(_) => made,
        }
    }
}

impl RunScript {
    /// The simple commands, in source order.
    pub fn commands(&self) -> &[SimpleCommand] {
        &self.commands
    }

    /// The package-manager installs, in source order (found once per
    /// script, resolved against the commands' words on each call).
    pub fn installs(&self) -> Vec<PackageInstall<'_>> {
        self.installs_of(|_| true)
    }

    /// The installs by managers `wanted` accepts: a rule about one
    /// ecosystem does not build the others' installs.
    pub fn installs_of(
        &self,
        wanted: impl Fn(packages::PackageManager) -> bool,
    ) -> Vec<PackageInstall<'_>> {
        self.install_shapes()
            .iter()
            .filter(|shape| wanted(shape.manager))
            .filter_map(|shape| shape.resolve(self.commands.get(shape.command_index)?))
            .collect()
    }

    /// Finds the installs now (a lint that runs rules in parallel does
    /// this first, rather than have one rule do it while others wait).
    pub fn prepare_installs(&self) {
        self.install_shapes();
    }

    /// The installs' shapes, found on first use (in this script's
    /// coordinates: the words a detection makes up have spans).
    fn install_shapes(&self) -> &[packages::InstallShape] {
        self.installs.get_or_init(|| {
            self.commands
                .iter()
                .enumerate()
                .filter_map(|(i, command)| packages::install_shape(command, i))
                .collect()
        })
    }

    /// The package managers of [`RunScript::installs`], in order, without
    /// building the installs: rules that only care about one manager skip
    /// a file that has none.
    pub fn install_managers(&self) -> impl Iterator<Item = packages::PackageManager> + '_ {
        self.install_shapes().iter().map(|shape| shape.manager)
    }

    /// The command an install was found in.
    pub fn command_of(&self, install: &PackageInstall) -> Option<&SimpleCommand> {
        self.commands.get(install.command_index)
    }

    /// Whether the script has a `|` pipeline (outside `$( )` too).
    pub fn has_pipeline(&self) -> bool {
        self.commands.iter().any(|c| c.in_pipeline)
    }

    /// What ShellCheck would report on the script ([`checks`]), in
    /// Dockerfile coordinates; computed once, on first use.
    pub fn shell_findings(&self) -> &[checks::ShellFinding] {
        self.findings.get_or_init(|| {
            let mut found = self.analysis.findings(&self.logical.text).to_vec();
            for f in &mut found {
                let local = f.span;
                f.span = self.logical.source_span(local);
                if let Some(e) = &mut f.expansion {
                    // One contiguous run of source bytes: quoting is a byte edit.
                    e.quotable = self
                        .logical
                        .segments
                        .iter()
                        .any(|&(l, _, len)| l <= local.start && local.end <= l + len);
                }
            }
            found
        })
    }

    /// The script's `for` loops (variable, words, body), in source
    /// coordinates, outermost first.
    pub fn for_loops(&self) -> Vec<loops::ForLoop> {
        // Only BP013 asks, on a few workflow scripts: parse when a loop may be there.
        if !self.logical.text.contains("for") {
            return Vec::new();
        }
        let Some(tree) = syntax::parse_bash(&self.logical.text) else {
            return Vec::new();
        };
        let mut found = loops::for_loops(&tree, &self.logical.text);
        for l in &mut found {
            l.body = self.logical.source_span(l.body);
            for v in l.values.iter_mut().flatten() {
                v.span = self.logical.source_span(v.span);
            }
        }
        found
    }

    /// Drops the syntax tree kept for the checks if they have not used it
    /// (a lint done with a file, memory).
    pub fn release_tree(&self) {
        self.analysis.release_tree();
    }

    /// Commands whose effective program (wrappers skipped) has basename `name`.
    pub fn commands_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a SimpleCommand> {
        self.commands
            .iter()
            .filter(move |c| c.program() == Some(name))
    }
}

/// Analyses a RUN (also `ONBUILD RUN`): the shell-form text, heredoc bodies
/// run by a shell, and exec-form `["sh", "-c", "script"]`. Other
/// instructions yield nothing.
pub fn analyze_run(ins: &Instruction, source: &str) -> Vec<RunScript> {
    analyze_run_in(ins, source, None)
}

/// [`analyze_run`], sharing the analysis of texts seen before in `cache`.
pub fn analyze_run_in(
    ins: &Instruction,
    source: &str,
    cache: Option<&ScriptCache>,
) -> Vec<RunScript> {
    let form = match &ins.kind {
        InstructionKind::Run(form) => form,
        InstructionKind::Onbuild(inner) => return analyze_run_in(inner, source, cache),
        _ => return Vec::new(),
    };
    let analyze_text = |text: &LogicalText, origin| analyze_text_in(text, origin, cache);
    let mut scripts = Vec::new();
    match form {
        CommandForm::Shell(text) => {
            if ins.heredocs.is_empty() {
                scripts.push(analyze_text(text, ScriptOrigin::ShellForm));
                return scripts;
            }
            let masked = mask_heredoc_markers(text, &ins.heredocs);
            let script = analyze_text(&masked, ScriptOrigin::ShellForm);
            // Report the command as written, markers included.
            scripts.push(RunScript {
                text: text.text.clone(),
                ..script
            });
            for index in shell_run_heredocs(&masked.text, &ins.heredocs) {
                let Some(heredoc) = ins.heredocs.get(index) else {
                    continue;
                };
                let mapped = heredoc_logical_text(heredoc, source);
                scripts.push(analyze_text(&mapped, ScriptOrigin::Heredoc { index }));
            }
        }
        CommandForm::Exec(args) => {
            if let Some(script) = exec_form_script(args, source) {
                scripts.push(analyze_text(&script, ScriptOrigin::ExecForm));
            }
        }
    }
    scripts
}

/// Analyses any shell text that maps back to the source (a RUN's
/// [`LogicalText`], or one built for an embedded script).
pub fn analyze_text(text: &LogicalText, origin: ScriptOrigin) -> RunScript {
    analyze_text_in(text, origin, None)
}

fn analyze_text_in(
    text: &LogicalText,
    origin: ScriptOrigin,
    cache: Option<&ScriptCache>,
) -> RunScript {
    let analysis = match cache {
        Some(cache) => cache.analysis(&text.text),
        None => Arc::new(TextAnalysis::new(&text.text)),
    };
    let mut commands = analysis.commands.clone();
    // Words come mostly in order: each lookup starts where the last ended.
    let mut hint = 0;
    let mut map = |span: Span| text.source_span_near(span, &mut hint);
    for command in &mut commands {
        command.span = map(command.span);
        for word in command
            .name
            .iter_mut()
            .chain(command.args.iter_mut())
            .chain(command.assignments.iter_mut())
        {
            word.span = map(word.span);
        }
        for guard in &mut command.guards {
            guard.span = map(guard.span);
        }
    }
    RunScript {
        origin,
        span: map(Span::new(0, text.text.len())),
        text: text.text.clone(),
        has_syntax_error: analysis.has_syntax_error,
        commands,
        logical: text.clone(),
        findings: OnceLock::new(),
        installs: OnceLock::new(),
        analysis,
    }
}

/// Shells whose stdin script we analyse (`RUN bash -ex <<EOF`).
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"];

/// Which heredocs are shell scripts: all of them when the command is only
/// heredoc markers (BuildKit runs the body as the script), or when the
/// command is a shell reading its script from stdin (`bash -e <<EOF`, not `bash -c`).
fn shell_run_heredocs(command: &str, heredocs: &[Heredoc]) -> Vec<usize> {
    if heredocs.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = command
        .split_whitespace()
        .filter(|w| !w.starts_with("<<"))
        .collect();
    let runs_script = match words.split_first() {
        None => true,
        Some((program, options)) => {
            let base = program.rsplit('/').next().unwrap_or(program);
            SHELLS.contains(&base)
                && options
                    .iter()
                    .all(|o| (o.starts_with('-') && !o.contains('c')) || *o == "-")
        }
    };
    if runs_script {
        // Only the first heredoc is the script when the command is a bare marker.
        if words.is_empty() {
            vec![0]
        } else {
            (0..heredocs.len()).collect()
        }
    } else {
        Vec::new()
    }
}

/// The command text with each `<<EOF` / `<<-'EOF'` marker blanked (same
/// length, so offsets stay valid): the bodies are not part of this text,
/// and a marker without its body would only confuse the grammar.
fn mask_heredoc_markers(text: &LogicalText, heredocs: &[Heredoc]) -> LogicalText {
    if heredocs.is_empty() {
        return text.clone();
    }
    let bytes = text.text.as_bytes();
    let mut masked = bytes.to_vec();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1] == b'<' && bytes.get(i + 2) != Some(&b'<') {
            let start = i;
            let mut end = i + 2;
            if bytes.get(end) == Some(&b'-') {
                end += 1;
            }
            // BuildKit accepts blanks between `<<` and the name (`<<  EOF`).
            while matches!(bytes.get(end), Some(b' ' | b'\t')) {
                end += 1;
            }
            while end < bytes.len()
                && !bytes[end].is_ascii_whitespace()
                && !matches!(bytes[end], b';' | b'&' | b'|' | b'>' | b'<' | b')')
            {
                end += 1;
            }
            let name = text.text.get(start + 2..end).unwrap_or("");
            let name = name
                .trim_start_matches('-')
                .trim_start_matches([' ', '\t'])
                .trim_matches(|c| c == '"' || c == '\'');
            if heredocs.iter().any(|h| h.name == name) {
                for b in &mut masked[start..end] {
                    *b = b' ';
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    LogicalText {
        // Only ASCII bytes were replaced by spaces, so this stays valid UTF-8.
        text: String::from_utf8(masked).unwrap_or_else(|_| text.text.clone()),
        segments: text.segments.clone(),
    }
}

/// A heredoc body as a [`LogicalText`] over its source lines: each content
/// line maps to its source line after the tabs `<<-` stripped.
fn heredoc_logical_text(heredoc: &Heredoc, source: &str) -> LogicalText {
    let body = heredoc.body_span.slice(source);
    let mut segments = Vec::new();
    let mut source_offset = heredoc.body_span.start;
    let mut logical_offset = 0;
    let mut source_lines = body.split_inclusive('\n');
    for content_line in heredoc.content.split_inclusive('\n') {
        let Some(source_line) = source_lines.next() else {
            break;
        };
        let skip = if heredoc.strip_tabs {
            source_line.len() - source_line.trim_start_matches('\t').len()
        } else {
            0
        };
        let from = &source_line.as_bytes()[skip..];
        let same = from
            .iter()
            .zip(content_line.as_bytes())
            .take_while(|(a, b)| a == b)
            .count();
        if same > 0 {
            segments.push((logical_offset, source_offset + skip, same));
        }
        logical_offset += content_line.len();
        source_offset += source_line.len();
    }
    LogicalText {
        text: heredoc.content.clone(),
        segments,
    }
}

/// The script of `["sh", "-c", "script"]` (or `bash -lc`, `-ec`), mapped to
/// the JSON string's source bytes; escape sequences map to no source byte.
fn exec_form_script(
    args: &[crate::dockerfile::Spanned<String>],
    source: &str,
) -> Option<LogicalText> {
    let program = args.first()?;
    let base = program.value.rsplit('/').next().unwrap_or(&program.value);
    if !SHELLS.contains(&base) {
        return None;
    }
    let mut i = 1;
    loop {
        let arg = &args.get(i)?.value;
        if !arg.starts_with('-') && !arg.starts_with('+') {
            return None;
        }
        i += 1;
        // `-o pipefail` / `+o errexit` take the option name as the next argument.
        if arg == "-o" || arg == "+o" {
            i += 1;
            continue;
        }
        if arg.starts_with("--") {
            continue;
        }
        if arg.contains('c') {
            break;
        }
    }
    let script = args.get(i)?;
    let literal = script.span.slice(source);
    let inner_start = script.span.start + 1;
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or("");
    // Walk the JSON literal: verbatim runs become segments.
    let mut segments = Vec::new();
    let mut text = String::new();
    let mut chars = inner.char_indices().peekable();
    let mut run: Option<(usize, usize)> = None; // (logical start, source start)
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            if let Some((ls, ss)) = run.take() {
                segments.push((ls, ss, text.len() - ls));
            }
            let decoded = match chars.next() {
                Some((_, 'n')) => Some('\n'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 'b')) => Some('\u{8}'),
                Some((_, 'f')) => Some('\u{c}'),
                Some((_, 'u')) => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, h)| h))
                        .collect();
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                }
                Some((_, other)) => Some(other),
                None => None,
            };
            if let Some(d) = decoded {
                text.push(d);
            }
            continue;
        }
        if run.is_none() {
            run = Some((text.len(), inner_start + at));
        }
        text.push(c);
    }
    if let Some((ls, ss)) = run {
        segments.push((ls, ss, text.len() - ls));
    }
    if text != script.value {
        // Not what the parser decoded (unexpected literal): map onto the whole string.
        return Some(LogicalText {
            text: script.value.clone(),
            segments: vec![(0, inner_start, 0)],
        });
    }
    Some(LogicalText { text, segments })
}

#[cfg(test)]
mod tests;
