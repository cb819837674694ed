//! ShellCheck's checks that matter in Dockerfiles, computed in one walk of a
//! script's tree-sitter-bash tree: unquoted expansions (SC2086, SC2046),
//! declarations that mask a command's status (SC2155), single-quoted
//! expressions (SC2016), and the rest of the codes bakelint implements, plus
//! the bash-only constructs ShellCheck reports in POSIX sh (SC3xxx).
//!
//! What this module knows is independent of the Dockerfile around the
//! script: each finding says what it saw, and the rules decide with the
//! context (the shell in effect, the ENV/ARG names hadolint tells ShellCheck
//! about). Unquoted variables carry how the script itself assigns them, the
//! way ShellCheck's data flow does: `x=1; echo $x` is fine, `x=$(ls); echo
//! $x` is not.
//!
//! Spans are script-local here; [`super::RunScript::shell_findings`] maps them
//! to the Dockerfile.

use std::collections::{HashMap, HashSet};

use super::tree::{Node, SyntaxTree};

use crate::span::Span;

/// Deeper nesting than this is not analysed (no input can overflow the stack).
const MAX_DEPTH: usize = 200;

/// Variables whose value never contains blanks or glob characters.
const NUMERIC_VARIABLES: &[&str] = &[
    "RANDOM",
    "SRANDOM",
    "LINENO",
    "SECONDS",
    "EUID",
    "UID",
    "PPID",
    "BASHPID",
    "OPTIND",
    "SHLVL",
    "COLUMNS",
    "LINES",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "BASH_SUBSHELL",
    "HISTSIZE",
    "HISTFILESIZE",
];

/// Variables POSIX sh does not define (ShellCheck's SC3028).
const BASH_VARIABLES: &[&str] = &[
    "RANDOM",
    "SRANDOM",
    "SECONDS",
    "HOSTNAME",
    "UID",
    "EUID",
    "PPID",
    "BASHPID",
    "BASH_VERSION",
    "BASH_SOURCE",
    "BASH_REMATCH",
    "FUNCNAME",
    "PIPESTATUS",
    "HOSTTYPE",
    "OSTYPE",
    "MACHTYPE",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "DIRSTACK",
    "SHLVL",
];

/// Commands that take a single-quoted `$` on purpose (their own language, or
/// a script for another shell): ShellCheck's SC2016 exemptions.
const OWN_EXPRESSION_COMMANDS: &[&str] = &[
    "trap",
    "sh",
    "bash",
    "ksh",
    "zsh",
    "dash",
    "ash",
    "ssh",
    "eval",
    "xprop",
    "alias",
    "sudo",
    "doas",
    "run0",
    "docker",
    "podman",
    "oc",
    "dpkg-query",
    "jq",
    "rename",
    "rg",
    "unset",
    "su",
];

/// Builtins POSIX sh does not have (SC3044); `local` is SC3043, `let` SC3039.
const BASH_BUILTINS: &[&str] = &[
    "declare",
    "typeset",
    "pushd",
    "popd",
    "dirs",
    "shopt",
    "mapfile",
    "readarray",
    "disown",
    "complete",
    "compgen",
    "caller",
    "suspend",
    "enable",
    "bind",
    "builtin",
    "logout",
];

/// How the script itself assigns a variable (flow-insensitive: every
/// assignment anywhere in the script counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarState {
    /// Never assigned in the script (its value comes from the environment).
    Unassigned,
    /// Every assignment is a value without blanks or glob characters.
    Safe,
    /// Some assignment may hold blanks or globs (`$(cmd)`, `read`, `"a b"`).
    Unsafe,
    /// Assigned only from these variables (and safe literals): safe when they are.
    FromVariables(Vec<String>),
}

/// An unquoted expansion (SC2086): which variable, and what the script does to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnquotedExpansion {
    /// The variable (`None` for positional parameters like `$1`).
    pub name: Option<String>,
    pub state: VarState,
    /// The expansion is one contiguous piece of source, so wrapping it in
    /// double quotes is a byte edit (set by the mapping).
    pub quotable: bool,
}

/// One thing ShellCheck would report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellFinding {
    /// The ShellCheck code (`SC2086`).
    pub code: &'static str,
    /// Script-local span (Dockerfile span once mapped by the `RunScript`).
    pub span: Span,
    pub message: String,
    /// SC2086, SC2154 and SC2153: the variable and how the script assigns it.
    pub expansion: Option<UnquotedExpansion>,
    /// SC2153: a variable the script assigns whose name is one edit away.
    pub suggestion: Option<String>,
    /// Only a finding where declarations split their values: `export
    /// X=$Y` in sh (ShellCheck's sh and dash dialects), not in bash.
    pub sh_only: bool,
}

/// Command names some check looks at (basenames, as the checks compare
/// them), wrappers whose program they look through included. `set` and
/// `echo` are told apart by their arguments (see [`flat_script_may_find`]).
const CHECKED_COMMANDS: &[&str] = &[
    "source", ".", "let", "local", "find", "egrep", "fgrep", "printf", "trap", "read", "getopts",
    "ls", "xargs", "command", "exec", "builtin",
];

/// `set -o` options POSIX sh does not have (SC3040).
const BASH_SET_OPTIONS: &[&str] = &[
    "pipefail",
    "errtrace",
    "functrace",
    "posix",
    "history",
    "histexpand",
];

/// Whether [`check_script`] may find anything in a script the command
/// scanner read without the grammar (`commands`, its words as written): such
/// a script is a chain of simple commands, with no `(`, `{`, `[`, backticks,
/// keywords, heredocs or declarations outside quotes. Without a `$` or a
/// backtick nothing expands, so what is left to find is a command a check
/// looks at, a glob argument (SC2035), `X= cmd` (SC1007) and a few
/// operators; anything else, even quoted, sends the script to the checks.
/// Most flat RUNs (`apt-get install ... && rm -rf /var/lib/apt/lists/*`)
/// then skip the parse the checks would need.
pub fn flat_script_may_find(text: &str, commands: &[super::SimpleCommand]) -> bool {
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|b| matches!(b, b'$' | b'`' | b'(' | b'{' | b'[' | b'!'))
    {
        return true;
    }
    if ["= ", "=\t", "+=", "==", "&>", "<<<"]
        .iter()
        .any(|op| text.contains(op))
    {
        return true;
    }
    commands.iter().any(|c| {
        let named = c.name.as_ref().is_some_and(|n| {
            let base = n.raw.rsplit('/').next().unwrap_or(&n.raw);
            match base {
                // SC3040 names the option; `set -e` alone matters only to `!` (SC2251).
                "set" => c
                    .args
                    .iter()
                    .any(|a| BASH_SET_OPTIONS.contains(&a.raw.as_str())),
                // SC3037 needs a flag, SC2028 a backslash.
                "echo" => c
                    .args
                    .iter()
                    .any(|a| a.raw.starts_with('-') || a.raw.contains('\\')),
                _ => CHECKED_COMMANDS.contains(&base) || BASH_BUILTINS.contains(&base),
            }
        });
        named
            || c.words()
                .chain(c.assignments.iter())
                .any(|w| w.raw.starts_with(['*', '?']))
    })
}

/// The findings of one script, in source order.
pub fn check_script(text: &str) -> Vec<ShellFinding> {
    let Some(tree) = super::syntax::parse_bash(text) else {
        return Vec::new();
    };
    check_tree(&SyntaxTree::new(&tree), text)
}

/// [`check_script`] on a script already parsed.
pub fn check_tree(tree: &SyntaxTree, text: &str) -> Vec<ShellFinding> {
    let mut walker = Walker {
        text,
        findings: Vec::new(),
        assignments: HashMap::new(),
        pending: Vec::new(),
        references: Vec::new(),
        declared: std::collections::HashSet::new(),
        errexit: false,
        decl_value: false,
        sources: false,
    };
    let root = tree.root_node();
    walker.visit(root, Ctx::default(), 0);
    walker.finish()
}

#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// Inside `"..."`.
    quoted: bool,
    /// Where the shell does not split words (assignment values, `[[ ]]`,
    /// `case`, arithmetic, heredoc bodies, `for` word lists as ShellCheck reads them).
    no_split: bool,
    /// Inside `${...}` (the outer expansion is the one reported).
    in_expansion: bool,
    /// The value of `export X=...` / `local X=...`: split by sh, not by bash.
    decl_value: bool,
}

struct Walker<'t> {
    text: &'t str,
    findings: Vec<ShellFinding>,
    /// Variable → how it is assigned.
    assignments: HashMap<String, VarState>,
    /// SC2086 candidates, resolved once every assignment is known.
    pending: Vec<(Span, Option<String>, bool)>,
    /// Every `$name` / `${name}` read without a default (SC2154, SC2153).
    references: Vec<(Span, String)>,
    /// Names declared without a value (`export X`, `local x`, `read x`).
    declared: std::collections::HashSet<String>,
    /// `set -e` seen (SC2251).
    errexit: bool,
    /// The expansion being looked at is in a declaration's value.
    decl_value: bool,
    /// The script sources a file (`. ./env`), which may assign anything.
    sources: bool,
}

impl<'t> Walker<'t> {
    fn slice(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn push(&mut self, code: &'static str, node: Node, message: &str) {
        self.push_span(code, span_of(node), message.to_string());
    }

    fn push_span(&mut self, code: &'static str, span: Span, message: String) {
        self.findings.push(ShellFinding {
            code,
            span,
            message,
            expansion: None,
            suggestion: None,
            sh_only: false,
        });
    }

    fn finish(mut self) -> Vec<ShellFinding> {
        let pending = std::mem::take(&mut self.pending);
        for (span, name, sh_only) in pending {
            let state = match &name {
                Some(n) => self
                    .assignments
                    .get(n)
                    .cloned()
                    .unwrap_or(VarState::Unassigned),
                None => VarState::Unsafe,
            };
            let state = match state {
                // `a=$b; b=$(ls)`: one level of indirection through the script.
                VarState::FromVariables(deps) => {
                    let mut outer = Vec::new();
                    let mut unsafe_dep = false;
                    for d in deps {
                        match self.assignments.get(&d) {
                            // `x` itself, assigned in a branch: the environment's otherwise.
                            _ if name.as_deref() == Some(d.as_str()) => outer.push(d),
                            None => outer.push(d),
                            Some(VarState::Safe) => {}
                            Some(_) => unsafe_dep = true,
                        }
                    }
                    if unsafe_dep {
                        VarState::Unsafe
                    } else if outer.is_empty() {
                        VarState::Safe
                    } else {
                        VarState::FromVariables(outer)
                    }
                }
                other => other,
            };
            if state == VarState::Safe {
                continue;
            }
            self.findings.push(ShellFinding {
                code: "SC2086",
                span,
                message: "Double quote to prevent globbing and word splitting".to_string(),
                expansion: Some(UnquotedExpansion {
                    name,
                    state,
                    quotable: false,
                }),
                suggestion: None,
                sh_only,
            });
        }
        self.unassigned_references();
        self.findings
            .sort_by_key(|f| (f.span.start, f.span.end, f.code));
        self.findings
            .dedup_by(|a, b| a.code == b.code && a.span == b.span);
        self.findings
    }

    /// The first reference to each variable the script never assigns:
    /// SC2154 for names with a lowercase letter, SC2153 for uppercase ones
    /// (environment-like; reported when a near name is assigned). The rules
    /// drop the names ENV/ARG define.
    fn unassigned_references(&mut self) {
        let references = std::mem::take(&mut self.references);
        // Not ShellCheck's choice (it cannot follow the file either, but
        // reports): a sourced file may assign any of them.
        if self.sources {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for (span, name) in references {
            if self.assignments.contains_key(&name)
                || self.declared.contains(&name)
                || !seen.insert(name.clone())
                || NUMERIC_VARIABLES.contains(&name.as_str())
                || BASH_VARIABLES.contains(&name.as_str())
            {
                continue;
            }
            let lowercase = name.bytes().any(|b| b.is_ascii_lowercase());
            let code = if lowercase { "SC2154" } else { "SC2153" };
            let suggestion = if lowercase {
                None
            } else {
                let mut near: Vec<&String> = self
                    .assignments
                    .keys()
                    .filter(|a| one_edit_apart(a, &name))
                    .collect();
                near.sort();
                near.first().map(|s| s.to_string())
            };
            let message = if lowercase {
                format!("{name} is referenced but not assigned")
            } else {
                format!("Possible misspelling: {name} may not be assigned")
            };
            self.findings.push(ShellFinding {
                code,
                span,
                message,
                expansion: Some(UnquotedExpansion {
                    name: Some(name),
                    state: VarState::Unassigned,
                    quotable: false,
                }),
                suggestion,
                sh_only: false,
            });
        }
    }

    fn assign(&mut self, name: &str, state: VarState) {
        let merged = match (self.assignments.remove(name), state) {
            (None, s) => s,
            (Some(VarState::Unsafe), _) | (_, VarState::Unsafe) => VarState::Unsafe,
            (Some(VarState::Safe), s) | (Some(s), VarState::Safe) => s,
            (Some(VarState::FromVariables(mut a)), VarState::FromVariables(b)) => {
                a.extend(b);
                VarState::FromVariables(a)
            }
            (Some(_), _) => VarState::Unsafe,
        };
        self.assignments.insert(name.to_string(), merged);
    }

    fn visit(&mut self, node: Node, ctx: Ctx, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut ctx = ctx;
        match node.kind() {
            "comment" => return,
            "string" => ctx.quoted = true,
            "command_substitution" => {
                self.command_substitution(node, ctx);
                ctx = Ctx::default();
            }
            "process_substitution" => {
                self.push(
                    "SC3001",
                    node,
                    "In POSIX sh, process substitution is undefined",
                );
                ctx = Ctx::default();
            }
            "simple_expansion" => {
                self.simple_expansion(node, ctx);
                return;
            }
            "expansion" => {
                self.expansion(node, ctx);
                ctx.in_expansion = true;
            }
            "arithmetic_expansion" => {
                ctx.no_split = true;
                self.arithmetic(node);
            }
            "raw_string" => {
                self.single_quoted(node);
                return;
            }
            "ansi_c_string" => {
                self.push("SC3003", node, "In POSIX sh, $'..' is undefined");
                return;
            }
            "translated_string" => {
                self.push("SC3004", node, "In POSIX sh, $\"..\" is undefined");
            }
            "brace_expression" if !ctx.quoted => {
                self.push("SC3009", node, "In POSIX sh, brace expansion is undefined");
            }
            "word" | "concatenation" if !ctx.quoted && has_brace_list(self.slice(node)) => {
                self.push("SC3009", node, "In POSIX sh, brace expansion is undefined");
            }
            "compound_statement" if self.slice(node).starts_with("((") => {
                self.push(
                    "SC3006",
                    node,
                    "In POSIX sh, standalone ((..)) is undefined",
                );
                ctx.no_split = true;
                self.arithmetic(node);
            }
            "heredoc_body" => ctx.no_split = true,
            "variable_assignment" => {
                // An array's `[key]=value` elements are indexes, not globs.
                if let Some(value) = node
                    .child_by_field_name("value")
                    .filter(|v| v.kind() != "array")
                {
                    self.char_classes_with_duplicates(&[value]);
                }
                self.variable_assignment(node, ctx, depth);
                return;
            }
            "declaration_command" => self.declaration(node),
            "test_command" => {
                if self.slice(node).starts_with("[[") {
                    self.push("SC3010", node, "In POSIX sh, [[ ]] is undefined");
                    ctx.no_split = true;
                } else if self.slice(node).starts_with("((") {
                    self.push(
                        "SC3006",
                        node,
                        "In POSIX sh, standalone ((..)) is undefined",
                    );
                    ctx.no_split = true;
                    self.arithmetic(node);
                } else {
                    self.single_bracket_test(node);
                }
            }
            "case_statement" => {
                if let Some(value) = node.child_by_field_name("value") {
                    self.visit(
                        value,
                        Ctx {
                            no_split: true,
                            ..ctx
                        },
                        depth + 1,
                    );
                }
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if Some(child) != node.child_by_field_name("value") {
                        self.visit(child, ctx, depth + 1);
                    }
                }
                return;
            }
            "case_item" => {
                let mut cursor = node.walk();
                let patterns: Vec<Node> =
                    node.children_by_field_name("value", &mut cursor).collect();
                self.char_classes_with_duplicates(&patterns);
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    let is_pattern = patterns.contains(&child);
                    let c = if is_pattern {
                        Ctx {
                            no_split: true,
                            ..ctx
                        }
                    } else {
                        ctx
                    };
                    self.visit(child, c, depth + 1);
                }
                return;
            }
            "for_statement" => {
                let mut cursor = node.walk();
                let words: Vec<Node> = node.children_by_field_name("value", &mut cursor).collect();
                self.char_classes_with_duplicates(&words);
                self.for_statement(node, ctx, depth);
                return;
            }
            "c_style_for_statement" => {
                self.push(
                    "SC3005",
                    node,
                    "In POSIX sh, arithmetic for loops are undefined",
                );
                ctx.no_split = true;
                self.arithmetic(node);
            }
            "function_definition" if self.slice(node).starts_with("function") => {
                let keyword = node.child(0).map_or(span_of(node), span_of);
                self.push_span(
                    "SC2113",
                    keyword,
                    "'function' keyword is non-standard. Use 'foo()' instead of 'function foo'"
                        .to_string(),
                );
            }
            "herestring_redirect" => {
                self.push("SC3011", node, "In POSIX sh, here-strings are undefined");
            }
            "file_redirect" => {
                let text = self.slice(node);
                if text.starts_with("&>") {
                    let op = Span::new(node.start_byte(), node.start_byte() + 2);
                    self.push_span("SC3020", op, "In POSIX sh, &> is undefined".to_string());
                }
            }
            "negated_command" => self.negation(node),
            "pipeline" => self.pipeline(node),
            "command" => self.command(node),
            "subscript" => {
                // `${a[0]}`, `a[0]=x`: arrays.
                ctx.no_split = true;
            }
            "array" => {
                self.push("SC3030", node, "In POSIX sh, arrays are undefined");
                ctx.no_split = false;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.visit(child, ctx, depth + 1);
        }
    }

    /// `$(cmd)` / `` `cmd` ``: SC2046 when unquoted where words split, SC2006 for backticks.
    fn command_substitution(&mut self, node: Node, ctx: Ctx) {
        let text = self.slice(node);
        if text.starts_with('`') {
            self.push(
                "SC2006",
                node,
                "Use $(...) notation instead of legacy backticks `...`",
            );
        }
        if ctx.quoted || ctx.no_split || ctx.in_expansion {
            return;
        }
        // The whole command word is SC2091's business, not SC2046's.
        if let Some(parent) = node.parent() {
            if parent.kind() == "command_name" {
                return;
            }
            if parent.kind() == "for_statement" {
                return;
            }
        }
        self.push("SC2046", node, "Quote this to prevent word splitting");
        if ctx.decl_value {
            if let Some(last) = self.findings.last_mut() {
                last.sh_only = true;
            }
        }
    }

    fn simple_expansion(&mut self, node: Node, ctx: Ctx) {
        self.decl_value = ctx.decl_value;
        let text = self.slice(node);
        let name = &text[1.min(text.len())..];
        if is_name(name) {
            self.references.push((span_of(node), name.to_string()));
        }
        if is_bash_variable(name) {
            self.push_span(
                "SC3028",
                span_of(node),
                format!("In POSIX sh, {name} is undefined"),
            );
        }
        if ctx.quoted || ctx.no_split || ctx.in_expansion {
            return;
        }
        self.unquoted_variable(node, name);
    }

    /// An unquoted `$name` / `${name...}` whose value is `name`'s (or a positional parameter).
    fn unquoted_variable(&mut self, node: Node, name: &str) {
        match name {
            // Never blank: count, status, pids, flags. `$@` and `$*` are SC2068/SC2048.
            "#" | "?" | "$" | "!" | "-" | "@" | "*" => return,
            _ => {}
        }
        if name.is_empty() {
            return;
        }
        if name.bytes().all(|b| b.is_ascii_digit()) {
            self.pending.push((span_of(node), None, self.decl_value));
            return;
        }
        if NUMERIC_VARIABLES.contains(&name) {
            return;
        }
        if !is_name(name) {
            return;
        }
        self.pending
            .push((span_of(node), Some(name.to_string()), self.decl_value));
    }

    /// `${...}`: bash-only operators (SC3xxx) and SC2086 when unquoted.
    fn expansion(&mut self, node: Node, ctx: Ctx) {
        self.decl_value = ctx.decl_value;
        let text = self.slice(node);
        let inner = text
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or("");
        let name_len = inner
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let name = &inner[..name_len];
        let rest = &inner[name_len..];
        let defaulted = {
            let op = rest.trim_start_matches(':');
            op.starts_with(['-', '=', '?', '+'])
        };
        if is_name(name) && !defaulted && !inner.starts_with('!') {
            self.references.push((span_of(node), name.to_string()));
        }
        if inner.starts_with('!') {
            self.push(
                "SC3053",
                node,
                "In POSIX sh, indirect expansion is undefined",
            );
        } else if rest.starts_with('[') && !name.is_empty() {
            self.push("SC3030", node, "In POSIX sh, arrays are undefined");
        } else if rest.starts_with(':')
            && rest
                .as_bytes()
                .get(1)
                .is_some_and(|b| !matches!(b, b'-' | b'=' | b'?' | b'+'))
        {
            self.push("SC3057", node, "In POSIX sh, string indexing is undefined");
        } else if rest.starts_with('/') {
            self.push(
                "SC3060",
                node,
                "In POSIX sh, string replacement is undefined",
            );
        } else if rest.starts_with('^') || rest.starts_with(',') {
            self.push(
                "SC3059",
                node,
                "In POSIX sh, case modification is undefined",
            );
        }
        if !name.is_empty() && is_bash_variable(name) && rest.is_empty() {
            self.push_span(
                "SC3028",
                span_of(node),
                format!("In POSIX sh, {name} is undefined"),
            );
        }
        if ctx.quoted || ctx.no_split || ctx.in_expansion {
            return;
        }
        if inner.starts_with('#') && inner.len() > 1 {
            // `${#x}`: a length.
            return;
        }
        if inner.starts_with('!') || rest.starts_with('[') {
            if rest.starts_with("[@]") || rest.starts_with("[*]") {
                return;
            }
            self.pending.push((span_of(node), None, self.decl_value));
            return;
        }
        let op = rest.trim_start_matches(':');
        if let Some(alt) = op.strip_prefix('+') {
            // `${x:+--flag}`: the alternative is what expands.
            if is_safe_literal(alt) {
                return;
            }
            self.pending.push((span_of(node), None, self.decl_value));
            return;
        }
        if (op.starts_with('-') || op.starts_with('=')) && !is_safe_literal(&op[1..]) {
            self.pending.push((span_of(node), None, self.decl_value));
            return;
        }
        let var = if name.is_empty() { inner } else { name };
        self.unquoted_variable(node, var);
    }

    fn arithmetic(&mut self, node: Node) {
        let text = self.slice(node);
        if text.contains("++") || text.contains("--") {
            let at = text.find("++").or_else(|| text.find("--")).unwrap_or(0);
            let start = node.start_byte() + at;
            self.push_span(
                "SC3018",
                Span::new(start, start + 2),
                format!("In POSIX sh, {} is undefined", &text[at..at + 2]),
            );
        }
        if let Some(at) = text.find("**") {
            let start = node.start_byte() + at;
            self.push_span(
                "SC3019",
                Span::new(start, start + 2),
                "In POSIX sh, exponentials are undefined".to_string(),
            );
        }
    }

    /// `'...'` holding something that looks like an expansion (SC2016).
    fn single_quoted(&mut self, node: Node) {
        let text = self.slice(node);
        let body = text
            .strip_prefix('\'')
            .map(|t| t.strip_suffix('\'').unwrap_or(t))
            .unwrap_or("");
        if !looks_like_expansion(body) {
            return;
        }
        let command = closest_command(node);
        let name = command.and_then(|c| self.command_basename(c)).unwrap_or("");
        if self.ok_assignment(node) {
            return;
        }
        if name == "sed" {
            if sed_contra(body) {
                return;
            }
        } else if OWN_EXPRESSION_COMMANDS.contains(&name)
            || name.ends_with("awk")
            || name.starts_with("perl")
            || name == "git" && command.is_some_and(|c| self.is_git_filter_branch(c))
        {
            return;
        } else if name == "find" {
            if let Some(exec) = command.and_then(|c| self.find_exec_program(c)) {
                if OWN_EXPRESSION_COMMANDS.contains(&exec.as_str())
                    || exec.ends_with("awk")
                    || exec.starts_with("perl")
                {
                    return;
                }
            }
        }
        self.push(
            "SC2016",
            node,
            "Expressions don't expand in single quotes, use double quotes for that",
        );
    }

    /// `PS1='$PWD'` and `[ -v 'a[$i]' ]` are fine.
    fn ok_assignment(&self, node: Node) -> bool {
        let mut current = node;
        for _ in 0..3 {
            let Some(parent) = current.parent() else {
                return false;
            };
            if parent.kind() == "variable_assignment" {
                let name = parent
                    .child_by_field_name("name")
                    .map(|n| self.slice(n))
                    .unwrap_or("");
                return matches!(name, "PS1" | "PS2" | "PS3" | "PS4" | "PROMPT_COMMAND");
            }
            current = parent;
        }
        false
    }

    fn command_basename(&self, command: Node) -> Option<&'t str> {
        let name = command.child_by_field_name("name")?;
        let text = self.slice(name);
        let base = text.rsplit('/').next().unwrap_or(text);
        match base {
            "command" | "exec" | "builtin" => {
                // `command jq '$x'`: the program after the wrapper.
                let mut cursor = command.walk();
                let program = command
                    .children_by_field_name("argument", &mut cursor)
                    .map(|a| self.slice(a))
                    .find(|a| !a.starts_with('-'));
                program.map(|p| p.rsplit('/').next().unwrap_or(p))
            }
            _ => Some(base),
        }
    }

    fn is_git_filter_branch(&self, command: Node) -> bool {
        let mut cursor = command.walk();
        let first = command
            .children_by_field_name("argument", &mut cursor)
            .next()
            .map(|a| self.slice(a));
        first == Some("filter-branch")
    }

    /// The program of `find ... -exec PROGRAM ...`.
    fn find_exec_program(&self, command: Node) -> Option<String> {
        let mut cursor = command.walk();
        let args: Vec<&str> = command
            .children_by_field_name("argument", &mut cursor)
            .map(|a| self.slice(a))
            .collect();
        let at = args
            .iter()
            .position(|a| *a == "-exec" || *a == "-execdir")?;
        let program = args.get(at + 1)?;
        Some(program.rsplit('/').next().unwrap_or(program).to_string())
    }

    fn variable_assignment(&mut self, node: Node, ctx: Ctx, depth: usize) {
        let name_node = node.child_by_field_name("name");
        let value = node.child_by_field_name("value");
        let name = name_node.map(|n| self.slice(n)).unwrap_or("");
        let text = self.slice(node);
        if name_node.is_some_and(|n| n.kind() == "subscript") {
            self.push("SC3030", node, "In POSIX sh, arrays are undefined");
        }
        if let Some(eq) = text.find("+=") {
            if name_node.is_some_and(|n| n.end_byte() == node.start_byte() + eq) {
                self.push("SC3024", node, "In POSIX sh, += is undefined");
            }
        }
        if is_name(name) {
            let state = match value {
                None => VarState::Safe,
                Some(v) => self.value_state(v),
            };
            // Assigned in one branch only: elsewhere the value is the
            // environment's (ShellCheck's data flow merges both).
            let state = if state == VarState::Safe && in_branch(node, name, self.text) {
                VarState::FromVariables(vec![name.to_string()])
            } else {
                state
            };
            self.assign(name, state);
        }
        // SC1007: `X= cmd`: an empty assignment before more words.
        if value.is_none() && text.ends_with('=') {
            let next = self.text.as_bytes().get(node.end_byte());
            if matches!(next, Some(b' ' | b'\t')) && self.followed_by_word(node) {
                self.push(
                    "SC1007",
                    node,
                    "Remove space after = if trying to assign a value (for empty string, use var='' ... )",
                );
            }
        }
        // `export X=$Y`: sh splits the value, bash does not.
        let declared = node
            .parent()
            .is_some_and(|p| p.kind() == "declaration_command");
        let value_ctx = if declared && !ctx.no_split {
            Ctx {
                decl_value: true,
                ..ctx
            }
        } else {
            Ctx {
                no_split: true,
                ..ctx
            }
        };
        if let Some(n) = name_node {
            self.visit(n, value_ctx, depth + 1);
        }
        if let Some(v) = value {
            self.visit(v, value_ctx, depth + 1);
        }
    }

    /// Whether something other than the line's end follows an assignment.
    fn followed_by_word(&self, node: Node) -> bool {
        let rest = &self.text[node.end_byte()..];
        let rest = rest.trim_start_matches([' ', '\t']);
        !(rest.is_empty()
            || rest.starts_with('\n')
            || rest.starts_with(';')
            || rest.starts_with('&')
            || rest.starts_with('|')
            || rest.starts_with(')')
            || rest.starts_with('#'))
    }

    /// How safe an assigned value is.
    fn value_state(&self, value: Node) -> VarState {
        let text = self.slice(value);
        if value.kind() == "array" {
            return VarState::Unsafe;
        }
        if let Some(v) = super::word::static_value(text) {
            return if is_safe_literal(&v) {
                VarState::Safe
            } else {
                VarState::Unsafe
            };
        }
        // `$((...))` and `${#x}` are numbers.
        let trimmed = text.trim_matches('"');
        if (trimmed.starts_with("$((") && trimmed.ends_with("))") && !trimmed[3..].contains("$("))
            || (trimmed.starts_with("${#") && trimmed.ends_with('}') && !trimmed[3..].contains('$'))
        {
            return VarState::Safe;
        }
        if text.contains("$(") || text.contains('`') {
            return VarState::Unsafe;
        }
        // Made of variables and safe literal pieces: safe when the variables are.
        let mut deps = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut literal = String::new();
        while i < bytes.len() {
            match bytes[i] {
                b'$' => {
                    let (name, end) = reference_at(text, i);
                    match name {
                        Some(n) if NUMERIC_VARIABLES.contains(&n) => {}
                        Some(n) => deps.push(n.to_string()),
                        None => return VarState::Unsafe,
                    }
                    i = end;
                }
                b'"' => i += 1,
                _ => {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    literal.push(c);
                    i += c.len_utf8();
                }
            }
        }
        if !is_safe_literal(&literal) {
            return VarState::Unsafe;
        }
        if deps.is_empty() {
            VarState::Safe
        } else {
            VarState::FromVariables(deps)
        }
    }

    /// `export X=$(cmd)`: SC2155; `local`/`declare` in sh: SC3043/SC3044.
    fn declaration(&mut self, node: Node) {
        let keyword = node.child(0).map(|k| self.slice(k)).unwrap_or("");
        match keyword {
            "local" => self.push_span(
                "SC3043",
                node.child(0).map_or(span_of(node), span_of),
                "In POSIX sh, 'local' is undefined".to_string(),
            ),
            "declare" | "typeset" => self.push_span(
                "SC3044",
                node.child(0).map_or(span_of(node), span_of),
                format!("In POSIX sh, '{keyword}' is undefined"),
            ),
            _ => {}
        }
        if !matches!(
            keyword,
            "export" | "local" | "declare" | "typeset" | "readonly"
        ) {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "variable_name" {
                self.declared.insert(self.slice(child).to_string());
            }
            if child.kind() != "variable_assignment" {
                continue;
            }
            let Some(value) = child.child_by_field_name("value") else {
                continue;
            };
            if contains_kind(value, "command_substitution", 0) {
                let span = child
                    .child_by_field_name("name")
                    .map_or(span_of(child), span_of);
                self.push_span(
                    "SC2155",
                    span,
                    "Declare and assign separately to avoid masking return values".to_string(),
                );
            }
        }
    }

    /// `[ a == b ]` / `test a == b`: SC3014.
    fn single_bracket_test(&mut self, node: Node) {
        let mut cursor = node.walk();
        let mut stack: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 1000 {
                break;
            }
            if n.kind() == "binary_expression" {
                if let Some(op) = n.child_by_field_name("operator") {
                    if self.slice(op) == "==" {
                        self.push("SC3014", op, "In POSIX sh, == in place of = is undefined");
                    }
                }
            }
            if matches!(
                n.kind(),
                "binary_expression" | "unary_expression" | "parenthesized_expression"
            ) {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
        }
    }

    fn for_statement(&mut self, node: Node, ctx: Ctx, depth: usize) {
        let variable = node
            .child_by_field_name("variable")
            .map(|v| self.slice(v))
            .unwrap_or("");
        let mut cursor = node.walk();
        let values: Vec<Node> = node.children_by_field_name("value", &mut cursor).collect();
        // SC2043: one literal word.
        if values.len() == 1 {
            let v = values[0];
            let text = self.slice(v);
            if let Some(value) = super::word::static_value(text) {
                let globbing =
                    !matches!(v.kind(), "string" | "raw_string") && value.contains(['*', '?', '[']);
                let brace = contains_kind(v, "brace_expression", 0);
                if !globbing && !brace {
                    self.push(
                        "SC2043",
                        v,
                        "This loop will only ever run once. Bad quoting or missing glob/expansion?",
                    );
                }
            }
        }
        if is_name(variable) {
            let safe = !values.is_empty()
                && values.iter().all(|v| {
                    super::word::static_value(self.slice(*v)).is_some_and(|s| is_safe_literal(&s))
                });
            self.assign(
                variable,
                if safe {
                    VarState::Safe
                } else {
                    VarState::Unsafe
                },
            );
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            let c = if values.contains(&child) {
                Ctx {
                    no_split: true,
                    ..ctx
                }
            } else {
                ctx
            };
            self.visit(child, c, depth + 1);
        }
    }

    /// `! cmd` as a statement under `set -e` (SC2251).
    fn negation(&mut self, node: Node) {
        if !self.errexit {
            return;
        }
        // `! a | b` negates the whole pipeline.
        let mut node = node;
        if let Some(p) = node.parent() {
            if p.kind() == "pipeline" && p.named_child(0) == Some(node) {
                node = p;
            }
        }
        let Some(parent) = node.parent() else { return };
        if !matches!(
            parent.kind(),
            "program"
                | "compound_statement"
                | "subshell"
                | "do_group"
                | "if_statement"
                | "elif_clause"
                | "else_clause"
                | "case_item"
        ) {
            return;
        }
        // In an `if`/`elif` condition the status is checked.
        if matches!(parent.kind(), "if_statement" | "elif_clause") {
            let mut cursor = parent.walk();
            let mut after_then = false;
            for child in parent.children(&mut cursor) {
                if child.kind() == "then" {
                    after_then = true;
                }
                if child == node {
                    break;
                }
            }
            if !after_then {
                return;
            }
        }
        // The script's last command: its status is the script's.
        let mut next = node.next_named_sibling();
        while next.is_some_and(|n| n.kind() == "comment") {
            next = next.and_then(|n| n.next_named_sibling());
        }
        if next.is_none() && parent.kind() == "program" {
            return;
        }
        let bang = Span::new(node.start_byte(), node.start_byte() + 1);
        self.push_span(
            "SC2251",
            bang,
            "This ! is not on a condition and skips errexit. Use `&& exit 1` instead, or make sure $? is checked"
                .to_string(),
        );
    }

    /// `find | xargs` (SC2038), `ls | ...` (SC2012).
    fn pipeline(&mut self, node: Node) {
        let mut cursor = node.walk();
        let stages: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect();
        for (i, stage) in stages.iter().enumerate() {
            let Some(cmd) = simple_command_of(*stage) else {
                continue;
            };
            let name = self.command_basename(cmd).unwrap_or("");
            let is_last = i + 1 == stages.len();
            if is_last {
                continue;
            }
            if name == "ls" {
                let next = stages
                    .get(i + 1)
                    .and_then(|n| simple_command_of(*n))
                    .and_then(|c| self.command_basename(c))
                    .unwrap_or("");
                if next == "grep" {
                    self.push(
                        "SC2010",
                        cmd,
                        "Don't use ls | grep. Use a glob or a for loop with a condition to allow non-alphanumeric filenames",
                    );
                } else {
                    self.push(
                        "SC2012",
                        cmd,
                        "Use find instead of ls to better handle non-alphanumeric filenames",
                    );
                }
            }
            if name == "find" {
                let args = self.args(cmd);
                let print0 = args
                    .iter()
                    .any(|a| a.contains("print0") || a.starts_with("-fprint0") || *a == "-printf");
                let next = stages.get(i + 1).and_then(|n| simple_command_of(*n));
                if let Some(next) = next {
                    if self.command_basename(next) == Some("xargs") && !print0 {
                        let xargs = self.args(next);
                        let null = xargs.iter().any(|a| {
                            *a == "--null"
                                || *a == "-0"
                                || (a.starts_with('-') && !a.starts_with("--") && a.contains('0'))
                        });
                        if !null {
                            self.push(
                                "SC2038",
                                cmd,
                                "Use 'find .. -print0 | xargs -0 ..' or 'find .. -exec .. +' to allow non-alphanumeric filenames",
                            );
                        }
                    }
                }
            }
        }
    }

    fn args(&self, command: Node) -> Vec<&'t str> {
        let mut cursor = command.walk();
        command
            .children_by_field_name("argument", &mut cursor)
            .map(|a| self.slice(a))
            .collect()
    }

    /// Checks on one simple command's words.
    fn command(&mut self, node: Node) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        // SC2091: `$(cmd)` as the command.
        if let Some(word) = name_node.named_child(0) {
            if word.kind() == "command_substitution" && name_node.named_child_count() == 1 {
                let mut cursor = node.walk();
                let has_args = node.children_by_field_name("argument", &mut cursor).count() > 0;
                if !has_args {
                    self.push(
                        "SC2091",
                        word,
                        "Remove surrounding $() to avoid executing output (or use eval if intentional)",
                    );
                }
            }
        }
        let raw_name = self.slice(name_node);
        let name = raw_name.rsplit('/').next().unwrap_or(raw_name);
        if matches!(raw_name, "." | "source") {
            self.sources = true;
        }
        let mut cursor = node.walk();
        let args: Vec<Node> = node
            .children_by_field_name("argument", &mut cursor)
            .collect();
        let arg_text: Vec<&str> = args.iter().map(|a| self.slice(*a)).collect();
        match name {
            "set" => {
                for (i, a) in arg_text.iter().enumerate() {
                    let short = a.starts_with('-') && !a.starts_with("--");
                    if short && a.contains('e') {
                        self.errexit = true;
                    }
                    let Some(opt) = arg_text.get(i + 1).filter(|_| short && a.ends_with('o'))
                    else {
                        continue;
                    };
                    if *opt == "errexit" {
                        self.errexit = true;
                    }
                    if BASH_SET_OPTIONS.contains(opt) {
                        self.push_span(
                            "SC3040",
                            span_of(args[i + 1]),
                            format!("In POSIX sh, set option {opt} is undefined"),
                        );
                    }
                }
            }
            "source" => self.push(
                "SC3046",
                name_node,
                "In POSIX sh, 'source' in place of '.' is undefined",
            ),
            "let" => self.push("SC3039", name_node, "In POSIX sh, 'let' is undefined"),
            "find" => {
                // SC2185: no starting path (GNU find defaults to `.`, BSD and busybox need one).
                let first = arg_text.iter().zip(&args).find(|(t, _)| {
                    !matches!(**t, "-H" | "-L" | "-P")
                        && !t.starts_with("-O")
                        && !t.starts_with("-D")
                });
                if let Some((t, _)) = first {
                    if (t.starts_with('-') && *t != "-") || matches!(*t, "(" | "\\(" | "!") {
                        self.push(
                            "SC2185",
                            name_node,
                            "Some finds don't have a default path. Specify '.' explicitly",
                        );
                    }
                } else if args.is_empty() {
                    self.push(
                        "SC2185",
                        name_node,
                        "Some finds don't have a default path. Specify '.' explicitly",
                    );
                }
            }
            "egrep" | "fgrep" => {
                let (code, flag) = if name == "egrep" {
                    ("SC2196", "-E")
                } else {
                    ("SC2197", "-F")
                };
                self.push_span(
                    code,
                    span_of(name_node),
                    format!("{name} is non-standard and deprecated. Use grep {flag} instead"),
                );
            }
            "echo" => self.echo(&args, &arg_text),
            "printf" => {
                let format = args
                    .iter()
                    .zip(&arg_text)
                    .find(|(_, t)| !(t.starts_with('-') && t.len() > 1));
                if let Some((node, text)) = format {
                    if super::word::static_value(text).is_none()
                        && !text.starts_with("$'")
                        && (text.contains('$') || text.contains('`'))
                    {
                        self.push(
                            "SC2059",
                            *node,
                            "Don't use variables in the printf format string. Use printf '..%s..' \"$foo\"",
                        );
                    }
                    if super::word::static_value(text).is_some_and(|v| v.contains("%q")) {
                        self.push("SC3050", *node, "In POSIX sh, printf %q is undefined");
                    }
                }
            }
            "trap" if arg_text.iter().skip(1).any(|a| *a == "ERR") => {
                self.push("SC3047", node, "In POSIX sh, trapping ERR is undefined");
            }
            "read" | "getopts" | "mapfile" | "readarray" => {
                // The names read into may hold anything.
                let mut skip_value = false;
                let names: Vec<&str> = arg_text
                    .iter()
                    .copied()
                    .filter(|t| {
                        if skip_value {
                            skip_value = false;
                            return false;
                        }
                        if t.starts_with('-') {
                            skip_value =
                                matches!(*t, "-p" | "-d" | "-n" | "-N" | "-t" | "-u" | "-a");
                            return *t == "-a";
                        }
                        true
                    })
                    .filter(|t| is_name(t))
                    .collect();
                let names: Vec<&str> = if name == "getopts" {
                    names.into_iter().skip(1).take(1).collect()
                } else {
                    names
                };
                for n in names {
                    self.assign(n, VarState::Unsafe);
                }
            }
            _ => {}
        }
        if name == "read" {
            {
                for (a, t) in args.iter().zip(&arg_text) {
                    if t.starts_with('-') && t.len() > 1 && *t != "-r" {
                        let flag = &t[..2];
                        self.push_span(
                            "SC3045",
                            span_of(*a),
                            format!("In POSIX sh, read {flag} is undefined"),
                        );
                        break;
                    }
                }
            }
        }
        match name {
            _ if BASH_BUILTINS.contains(&name) => self.push_span(
                "SC3044",
                span_of(name_node),
                format!("In POSIX sh, '{name}' is undefined"),
            ),
            _ => {}
        }
        if !matches!(name, "tr" | "read") {
            self.char_classes_with_duplicates(&args);
        }
        // SC2035: a glob starting with `*` as an argument, taken for an option.
        if !matches!(name, "echo" | "printf") {
            let mut after_dashdash = false;
            for (a, t) in args.iter().zip(&arg_text) {
                if matches!(*t, "--" | ":::" | "::::") {
                    after_dashdash = true;
                }
                if after_dashdash {
                    break;
                }
                if a.kind() == "word" && (t.starts_with('*') || t.starts_with('?')) {
                    self.push(
                        "SC2035",
                        *a,
                        "Use ./*glob* or -- *glob* so names with dashes won't become options",
                    );
                }
            }
        }
    }

    /// SC2102: an unquoted `[...]` in an argument is a character class that
    /// matches one character; a class listing a character twice was meant as
    /// a string (`pip install .[dev,test]`, `ls [10-15]`). `tr` and `read`
    /// take such words as sets and array names, as ShellCheck says. Also
    /// read in assignment values, `for` words and `case` patterns.
    fn char_classes_with_duplicates(&mut self, words: &[Node]) {
        for a in words {
            let t = self.slice(*a);
            for class in char_classes(t) {
                let contents = &t[class.start + 1..class.end - 1];
                let contents = contents.strip_prefix(['!', '^']).unwrap_or(contents);
                // `[:digit:]` is ShellCheck's SC2101 (a named class without its outer []).
                let named =
                    contents.len() > 1 && contents.starts_with(':') && contents.ends_with(':');
                if named || contents.contains('[') || !has_duplicate_char(contents) {
                    continue;
                }
                let start = a.start_byte() + class.start;
                self.push_span(
                    "SC2102",
                    Span::new(start, a.start_byte() + class.end),
                    "Ranges can only match single chars (mentioned due to duplicates)".to_string(),
                );
            }
        }
    }

    /// `echo "a\nb"` (SC2028), `echo -e` (SC3037).
    fn echo(&mut self, args: &[Node], text: &[&str]) {
        let mut has_flag = false;
        for (a, t) in args.iter().zip(text) {
            if t.starts_with('-')
                && t.len() > 1
                && t[1..].bytes().all(|b| matches!(b, b'e' | b'n' | b'E'))
            {
                if !has_flag {
                    self.push("SC3037", *a, "In POSIX sh, echo flags are undefined");
                }
                has_flag = true;
                continue;
            }
            break;
        }
        if text
            .iter()
            .take(1)
            .any(|t| t.starts_with("-e") || t.starts_with("-E") || t.starts_with("-n"))
            && text
                .first()
                .is_some_and(|t| t.contains('e') || t.contains('E'))
        {
            return;
        }
        for (a, t) in args.iter().zip(text) {
            if let Some(value) = super::word::static_value(t) {
                if has_escape(&value) {
                    self.push(
                        "SC2028",
                        *a,
                        "echo may not expand escape sequences. Use printf",
                    );
                    return;
                }
            }
        }
    }
}

/// Whether an assignment to `name` only runs in some branch (an `if`
/// body, a `case` item), so that elsewhere the variable keeps the
/// environment's value. A `case` whose every item assigns `name` or exits
/// (`*) exit 1 ;;`) assigns it on every path that goes on.
fn in_branch(node: Node, name: &str, text: &str) -> bool {
    let mut current = node.parent();
    let mut steps = 0;
    while let Some(n) = current {
        steps += 1;
        if steps > MAX_DEPTH {
            return false;
        }
        match n.kind() {
            "case_item" => {
                let Some(case) = n.parent() else { return true };
                let assign = format!("{name}=");
                let mut cursor = case.walk();
                let every = case
                    .named_children(&mut cursor)
                    .filter(|item| item.kind() == "case_item")
                    .all(|item| {
                        let body = text.get(item.byte_range()).unwrap_or("");
                        body.contains(&assign) || body.contains("exit")
                    });
                // Without a `*)` item no item may match at all.
                let mut cursor = case.walk();
                let has_default = case
                    .named_children(&mut cursor)
                    .filter(|item| item.kind() == "case_item")
                    .any(|item| {
                        item.child_by_field_name("value")
                            .is_some_and(|v| text.get(v.byte_range()) == Some("*"))
                    });
                if !every || !has_default {
                    return true;
                }
                current = case.parent();
            }
            "if_statement" | "elif_clause" | "else_clause" => return true,
            "command_substitution" | "function_definition" | "program" => return false,
            _ => current = n.parent(),
        }
    }
    false
}

/// The `command` node a word belongs to (its closest enclosing command).
fn closest_command(node: Node) -> Option<Node> {
    let mut current = node.parent();
    let mut steps = 0;
    while let Some(n) = current {
        steps += 1;
        if steps > MAX_DEPTH {
            return None;
        }
        match n.kind() {
            "command" => return Some(n),
            "command_substitution"
            | "process_substitution"
            | "program"
            | "test_command"
            | "variable_assignment" => return None,
            _ => current = n.parent(),
        }
    }
    None
}

/// The `command` of a pipeline stage (through redirections and `!`).
fn simple_command_of(node: Node) -> Option<Node> {
    match node.kind() {
        "command" => Some(node),
        "redirected_statement" => node.child_by_field_name("body").and_then(simple_command_of),
        _ => None,
    }
}

fn contains_kind(node: Node, kind: &str, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if node.kind() == kind {
        return true;
    }
    let mut cursor = node.walk();
    let found = node
        .children(&mut cursor)
        .any(|c| contains_kind(c, kind, depth + 1));
    found
}

/// The unquoted bracket expressions (`[...]`, byte ranges including the
/// brackets) of a word as written: outside quotes, escapes and expansions,
/// with no blank, quote or `$` inside; `[:digit:]` names inside are kept.
fn char_classes(word: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = word.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => i = closing(bytes, i + 1, b'\'') + 1,
            b'"' | b'`' => i = closing(bytes, i + 1, bytes[i]) + 1,
            b'$' => i = skip_expansion(bytes, i),
            b'[' => match class_end(bytes, i) {
                Some(end) => {
                    found.push(i..end);
                    i = end;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    found
}

/// The index after the unescaped `quote` closing a quoted run from `from`.
fn closing(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < bytes.len() && bytes[i] != quote {
        i += if quote != b'\'' && bytes[i] == b'\\' {
            2
        } else {
            1
        };
    }
    i.min(bytes.len())
}

/// The index after a `$` expansion starting at `at` (`$x`, `${...}`, `$(...)`).
fn skip_expansion(bytes: &[u8], at: usize) -> usize {
    let (open, close) = match bytes.get(at + 1) {
        Some(b'{') => (b'{', b'}'),
        Some(b'(') => (b'(', b')'),
        _ => return at + 1,
    };
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(at + 1) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
    }
    bytes.len()
}

/// The index after the `]` closing a bracket expression opened at `at`.
fn class_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b']' if i > at + 1 => return Some(i + 1),
            b'[' if bytes.get(i + 1) == Some(&b':') => {
                let name_end = bytes[i + 2..]
                    .iter()
                    .position(|b| !b.is_ascii_alphabetic())?;
                if bytes[i + 2 + name_end..].starts_with(b":]") && name_end > 0 {
                    i += name_end + 4;
                } else {
                    i += 1;
                }
            }
            b'\\' => i += 2,
            b' ' | b'\t' | b'\n' | b'\'' | b'"' | b'$' | b'`' | b']' => return None,
            _ => i += 1,
        }
    }
    None
}

/// Whether a character other than `-` appears twice.
fn has_duplicate_char(contents: &str) -> bool {
    let mut seen = HashSet::new();
    contents
        .chars()
        .filter(|&c| c != '-')
        .any(|c| !seen.insert(c))
}

fn span_of(node: Node) -> Span {
    let r = node.byte_range();
    Span::new(r.start, r.end)
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_bash_variable(name: &str) -> bool {
    BASH_VARIABLES.contains(&name)
}

/// A value that cannot split or glob.
fn is_safe_literal(value: &str) -> bool {
    !value
        .bytes()
        .any(|b| b.is_ascii_whitespace() || matches!(b, b'*' | b'?' | b'['))
}

/// `$name`, `${...}`, `$(`, `$1` in a single-quoted body, or a backtick pair.
fn looks_like_expansion(body: &str) -> bool {
    let bytes = body.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'$' {
            if let Some(&n) = bytes.get(i + 1) {
                if n.is_ascii_alphanumeric() || matches!(n, b'_' | b'{' | b'(') {
                    return true;
                }
            }
        }
    }
    // `` `cmd` ``: two backticks with something between them.
    if let Some(first) = body.find('`') {
        if let Some(second) = body[first + 1..].find('`') {
            if second > 0 {
                return true;
            }
        }
    }
    false
}

/// sed's own `$` (last line) followed by a command: `$d`, `$p`, `${...}`.
fn sed_contra(body: &str) -> bool {
    let bytes = body.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'$' {
            if let Some(&n) = bytes.get(i + 1) {
                if matches!(n, b'{' | b'd' | b'p' | b's' | b'a' | b'i' | b'c')
                    && !bytes.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic())
                {
                    return true;
                }
            }
        }
    }
    false
}

/// `{a,b}` in an unquoted word (tree-sitter keeps it a plain word).
fn has_brace_list(word: &str) -> bool {
    let bytes = word.as_bytes();
    let mut open: Option<usize> = None;
    let mut comma = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' | b'\'' | b'"' | b'$' => return false,
            b'{' => {
                open = Some(i);
                comma = false;
            }
            b',' if open.is_some() => comma = true,
            b'}' if open.is_some() && comma => return true,
            _ => {}
        }
    }
    false
}

/// An escape sequence echo may or may not expand.
fn has_escape(value: &str) -> bool {
    let bytes = value.as_bytes();
    (0..bytes.len().saturating_sub(1)).any(|i| {
        bytes[i] == b'\\'
            && matches!(
                bytes[i + 1],
                b'n' | b't' | b'r' | b'a' | b'b' | b'f' | b'v' | b'c' | b'e' | b'0' | b'\\'
            )
    })
}

/// The variable name referenced by the `$` at `at` and the offset after the reference.
fn reference_at(text: &str, at: usize) -> (Option<&str>, usize) {
    let bytes = text.as_bytes();
    let mut i = at + 1;
    if bytes.get(i) == Some(&b'{') {
        i += 1;
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'}') || i == start {
            return (None, i);
        }
        return (text.get(start..i).filter(|n| is_name(n)), i + 1);
    }
    let start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    if i == start {
        return (None, i + 1);
    }
    (text.get(start..i).filter(|n| is_name(n)), i)
}

/// Whether two names differ by one insertion, deletion or substitution.
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    a.len() - prefix - suffix <= 1 && b.len() - prefix - suffix <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        check_script(text)
            .into_iter()
            .map(|f| (f.code, text[f.span.start..f.span.end].to_string()))
            .collect()
    }

    fn has(text: &str, code: &str) -> Vec<String> {
        codes(text)
            .into_iter()
            .filter(|(c, _)| *c == code)
            .map(|(_, s)| s)
            .collect()
    }

    #[test]
    fn unquoted_expansions() {
        assert_eq!(has("echo $x ${y} \"$z\"", "SC2086"), vec!["$x", "${y}"]);
        assert!(has(
            "x=$y; [[ $x ]]; case $x in a) ;; esac; echo $((x))",
            "SC2086"
        )
        .is_empty());
        assert!(has("x=1; echo $x", "SC2086").is_empty());
        // Assigned in one branch only: the environment's value elsewhere.
        let branch = check_script("case $a in x) v=1 ;; esac; echo $v");
        let state = branch
            .iter()
            .find(|f| f.code == "SC2086")
            .map(|f| f.expansion.clone());
        assert_eq!(
            state.flatten().map(|e| e.state),
            Some(VarState::FromVariables(vec!["v".to_string()]))
        );
        // Every item assigns it or exits: safe.
        assert!(has(
            "case $a in x) v=1 ;; y) v=2 ;; *) exit 1 ;; esac; echo $v",
            "SC2086"
        )
        .is_empty());
        assert_eq!(has("x=$(ls); echo $x", "SC2086"), vec!["$x"]);
        assert!(has("echo $# $? ${#x} $RANDOM ${x:+-v}", "SC2086").is_empty());
        assert_eq!(has("echo $1 > $f", "SC2086"), vec!["$1", "$f"]);
        assert!(has("for i in a b; do echo $i; done", "SC2086").is_empty());
        assert_eq!(has("echo \"$(echo $x)\"", "SC2086"), vec!["$x"]);
        let sh_only: Vec<bool> = check_script("export A=$x B=$(y) C=\"$z\"; echo $x")
            .iter()
            .filter(|f| matches!(f.code, "SC2086" | "SC2046"))
            .map(|f| f.sh_only)
            .collect();
        assert_eq!(sh_only, vec![true, true, false]);
    }

    #[test]
    fn command_substitutions() {
        assert_eq!(
            has("make -j$(nproc) `x`", "SC2046"),
            vec!["$(nproc)", "`x`"]
        );
        assert!(has(
            "x=$(ls); echo \"$(ls)\"; for f in $(ls); do :; done",
            "SC2046"
        )
        .is_empty());
        assert_eq!(has("echo `x`", "SC2006"), vec!["`x`"]);
        assert_eq!(has("export A=$(x) B=1", "SC2155"), vec!["A"]);
        assert!(has("export A=1", "SC2155").is_empty());
        assert_eq!(has("if $(true); then :; fi", "SC2091"), vec!["$(true)"]);
    }

    #[test]
    fn single_quotes() {
        assert_eq!(has("echo '$HOME'", "SC2016"), vec!["'$HOME'"]);
        assert!(has("awk '{print $1}'; sh -c 'echo $x'; sed -n '$p'", "SC2016").is_empty());
        assert!(has("find . -exec sh -c 'echo $1' {} +", "SC2016").is_empty());
        assert_eq!(has("sed 's/$x/y/'", "SC2016").len(), 1);
    }

    #[test]
    fn misc() {
        assert_eq!(has("echo 'a\\nb'", "SC2028").len(), 1);
        assert_eq!(has("find . | xargs rm", "SC2038").len(), 1);
        assert!(has("find . -print0 | xargs -0 rm", "SC2038").is_empty());
        assert_eq!(has("for x in a; do :; done", "SC2043"), vec!["a"]);
        assert!(has("for x in *.c; do :; done", "SC2043").is_empty());
        assert_eq!(has("rm *.txt", "SC2035"), vec!["*.txt"]);
        assert_eq!(
            has("pip install .[dev,test] uvicorn[standard] x[ab]", "SC2102"),
            vec!["[dev,test]", "[standard]"]
        );
        assert_eq!(has("ls [10-15] a[!xx]", "SC2102"), vec!["[10-15]", "[!xx]"]);
        assert!(has(
            "ls [a-zA-Z] *[[:digit:]].jpg *[:digit:].jpg \"x[dd]\" 'y[dd]' z\\[dd] ${a[dd]}",
            "SC2102"
        )
        .is_empty());
        assert!(has(
            "tr -d [aa]; read arr[keykey]; ls a[$x$x] a[\"aa\"]",
            "SC2102"
        )
        .is_empty());
        assert_eq!(
            has(
                "x=a[dd]; for f in [aa]; do :; done; case $x in [bb]) ;; esac; ls a[a\\ a]",
                "SC2102"
            ),
            vec!["[dd]", "[aa]", "[bb]", "[a\\ a]"]
        );
        assert!(has("rm -- *.txt; echo *", "SC2035").is_empty());
        assert_eq!(has("LD= dnf x", "SC1007"), vec!["LD="]);
        assert!(has("X=; Y=", "SC1007").is_empty());
        assert_eq!(has("ls -1 | wc -l", "SC2012").len(), 1);
        assert_eq!(
            has(
                "find -name x; find -L -type f; find . -name x; find /a -L",
                "SC2185"
            ),
            vec!["find", "find"]
        );
        assert_eq!(has("egrep x f", "SC2196"), vec!["egrep"]);
        assert_eq!(has("printf \"$x\"", "SC2059").len(), 1);
        assert_eq!(has("set -e; ! true; echo", "SC2251"), vec!["!"]);
        assert_eq!(
            has("set -e; ! { ldd x | grep y; }; echo", "SC2251"),
            vec!["!"]
        );
        assert_eq!(has("set -e; ! ldd x | grep y; echo", "SC2251"), vec!["!"]);
        assert!(has("! true; echo", "SC2251").is_empty());
        assert!(has("set -e; echo; ! true", "SC2251").is_empty());
    }

    #[test]
    fn flat_scripts_without_anything_to_check_skip_the_checks() {
        let may_find = |text: &str| {
            let commands = super::super::flat::flat_commands(text).expect("flat");
            flat_script_may_find(text, &commands)
        };
        for text in [
            "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
            "set -eux; mkdir -p /app; echo hello > /app/x",
            "pip install --no-cache-dir 'a>=1' \"b[c]\"",
        ] {
            assert_eq!(
                may_find(text),
                !codes(text).is_empty() || text.contains('['),
                "{text}"
            );
        }
        for text in [
            "echo $HOME",
            "set -o pipefail; a | b",
            "echo -e 'a\\nb'",
            "rm *.txt",
            "LD= dnf x",
            "ls -l | wc -l",
            "find -name x",
            "egrep x f",
        ] {
            assert!(may_find(text), "{text}");
            assert!(!codes(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn bashisms() {
        assert_eq!(has("[[ -f x ]]", "SC3010").len(), 1);
        assert_eq!(has("[ a == b ]", "SC3014"), vec!["=="]);
        assert_eq!(has("source x", "SC3046"), vec!["source"]);
        assert_eq!(has("set -eo pipefail", "SC3040"), vec!["pipefail"]);
        assert_eq!(has("echo -e x", "SC3037"), vec!["-e"]);
        assert_eq!(has("echo {a,b}", "SC3009"), vec!["{a,b}"]);
        assert_eq!(has("a=(1 2)", "SC3030").len(), 1);
        assert_eq!(has("echo $'x'", "SC3003"), vec!["$'x'"]);
        assert_eq!(has("cat <<< x", "SC3011").len(), 1);
        assert_eq!(has("echo $RANDOM", "SC3028"), vec!["$RANDOM"]);
    }
}
