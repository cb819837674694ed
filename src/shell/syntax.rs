//! tree-sitter-bash tree → simple commands with guards, in script-local byte offsets.
//!
//! The walk is error tolerant: `ERROR` nodes are descended like any other
//! node, so a script with a syntax error still yields the commands that
//! parsed. Long `&&` chains (left-nested `list` nodes) are flattened with a
//! loop, and other nesting is cut off at [`MAX_DEPTH`], so no input can
//! overflow the stack.

use std::cell::RefCell;

use tree_sitter::{Parser, Tree};

use super::tree::{Node, SyntaxTree};

use super::word::{variable_names, Word};
use super::{Guard, GuardKind, SimpleCommand};
use crate::span::Span;

/// Deeper nesting than this (`$($($(...)))`, nested subshells) is not analysed.
const MAX_DEPTH: usize = 200;

/// Commands whose success or failure is a test, so an `&&`/`||` after them is a guard.
const TEST_COMMANDS: &[&str] = &[
    "[", "[[", "test", "command", "which", "type", "hash", "true", "false", "grep", "getent", "id",
    "dpkg", "rpm", "uname", "expr",
];

thread_local! {
    /// One parser per thread: creating one costs more than parsing a typical RUN.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `text` as bash. `None` only if tree-sitter refuses (it does not for any text in practice).
pub fn parse_bash(text: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        parser.reset();
        parser.parse(text, None)
    })
}

/// Collects the simple commands of a script, in source order, and hands
/// back the syntax tree when the grammar was needed (the ShellCheck-style
/// checks walk the same tree instead of parsing the script again).
pub fn collect_commands_keeping_tree(text: &str) -> (Vec<SimpleCommand>, bool, Option<SyntaxTree>) {
    if let Some(commands) = super::flat::flat_commands(text) {
        return (commands, false, None);
    }
    let Some(tree) = parse_bash(text) else {
        return (Vec::new(), true, None);
    };
    let tree = SyntaxTree::new(&tree);
    let (commands, has_error, _) = walk_tree(&tree, text);
    (commands, has_error, Some(tree))
}

/// The tree-sitter walk (what [`collect_commands_keeping_tree`] falls back to).
#[cfg(test)]
pub fn tree_commands(text: &str) -> (Vec<SimpleCommand>, bool) {
    let (commands, has_error, _) = tree_commands_with_repairs(text);
    (commands, has_error)
}

/// [`tree_commands`], also telling whether a command the grammar ran on
/// past a newline had to be split (its `&&` structure may then be off too).
#[cfg(test)]
pub fn tree_commands_with_repairs(text: &str) -> (Vec<SimpleCommand>, bool, bool) {
    let Some(tree) = parse_bash(text) else {
        return (Vec::new(), true, false);
    };
    walk_tree(&SyntaxTree::new(&tree), text)
}

/// The simple commands of a parsed script, whether it has an error, and
/// whether a command had to be split at a newline.
fn walk_tree(tree: &SyntaxTree, text: &str) -> (Vec<SimpleCommand>, bool, bool) {
    let root = tree.root_node();
    let mut walker = Walker {
        text,
        commands: Vec::new(),
        split_lines: false,
        in_pipeline: false,
    };
    walker.visit(root, &[], false, 0);
    walker.commands.sort_by_key(|c| (c.span.start, c.span.end));
    (walker.commands, root.has_error(), walker.split_lines)
}

struct Walker<'t> {
    text: &'t str,
    commands: Vec<SimpleCommand>,
    /// A command had to be split at a newline the grammar ran past.
    split_lines: bool,
    /// Inside a `|` pipeline (reset inside `$( )`).
    in_pipeline: bool,
}

impl<'t> Walker<'t> {
    fn slice(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn word(&self, node: Node) -> Word {
        Word::new(self.slice(node), span_of(node))
    }

    fn visit(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind() {
            "comment" => {}
            // Only the `$( )` of an unquoted body run (the grammar parses none in a quoted one).
            "heredoc_body" => self.substitutions(node, guards, depth + 1),
            "command" => self.command(node, &[], guards, in_sub, depth),
            "redirected_statement" => self.redirected(node, guards, in_sub, depth),
            "test_command" => self.test_command(node, guards, in_sub, depth),
            "declaration_command" | "unset_command" => {
                self.keyword_command(node, guards, in_sub, depth)
            }
            "variable_assignment" | "variable_assignments" => {
                self.assignment_only(node, guards, in_sub, depth)
            }
            "list" => self.list(node, guards, in_sub, depth),
            "if_statement" => self.if_statement(node, guards, in_sub, depth),
            "while_statement" => self.while_statement(node, guards, in_sub, depth),
            "case_statement" => self.case_statement(node, guards, in_sub, depth),
            "command_substitution" | "process_substitution" => {
                self.children_in_pipeline(node, false, guards, true, depth)
            }
            "pipeline" => self.pipeline(node, guards, in_sub, depth),
            _ => self.children(node, guards, in_sub, depth),
        }
    }

    fn children(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.visit(child, guards, in_sub, depth + 1);
        }
    }

    fn push(&mut self, mut command: SimpleCommand) {
        command.in_pipeline = self.in_pipeline;
        command.find_effective_start();
        self.commands.push(command);
    }

    /// Visits `node`'s children with `in_pipeline` set as given.
    fn children_in_pipeline(
        &mut self,
        node: Node,
        in_pipeline: bool,
        guards: &[Guard],
        in_sub: bool,
        depth: usize,
    ) {
        let saved = std::mem::replace(&mut self.in_pipeline, in_pipeline);
        self.children(node, guards, in_sub, depth);
        self.in_pipeline = saved;
    }

    /// `cmd args > file more`: a command with trailing redirections.
    fn redirected(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let body = node.child_by_field_name("body");
        let Some(body) = body.filter(|b| b.kind() == "command") else {
            self.children(node, guards, in_sub, depth);
            return;
        };
        let mut cursor = node.walk();
        let redirects: Vec<Node> = node
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        for redirect in &redirects {
            if redirect.kind() == "heredoc_redirect" {
                // The grammar nests `cat <<EOF && next` under the heredoc redirect.
                self.children(*redirect, guards, in_sub, depth + 1);
            } else {
                self.substitutions(*redirect, guards, depth + 1);
            }
        }
        self.command(body, &redirects, guards, in_sub, depth);
    }

    /// A simple command. `redirects` are redirections the grammar put after
    /// the command node (those of a `redirected_statement`).
    fn command(
        &mut self,
        node: Node,
        redirects: &[Node],
        guards: &[Guard],
        in_sub: bool,
        depth: usize,
    ) {
        let mut name = None;
        let mut args = Vec::new();
        let mut assignments = Vec::new();
        let mut span = span_of(node);
        let mut cursor = node.walk();
        let mut has_field = cursor.goto_first_child();
        while has_field {
            let child = cursor.node();
            match (child.kind(), cursor.field_name()) {
                ("command_name", _) => name = Some(self.word(child)),
                ("variable_assignment", _) => assignments.push(self.word(child)),
                ("comment", _) => {}
                ("file_redirect", _) => self.redirect_arguments(child, &mut args),
                (_, Some("argument")) => args.push(self.word(child)),
                _ => {}
            }
            // Commands nested in words and redirections: `$(...)`, `<(...)`.
            self.substitutions(child, guards, depth + 1);
            has_field = cursor.goto_next_sibling();
        }
        for redirect in redirects {
            let before = args.len();
            self.redirect_arguments(*redirect, &mut args);
            if let Some(last) = args[before..].last() {
                span = span.cover(last.span);
            }
        }
        args.sort_by_key(|w| w.span.start);
        // The grammar sometimes runs a command on past an unescaped newline;
        // in the shell a newline always ends it, so split there.
        let joined = self
            .text
            .get(span.start..span.end)
            .is_some_and(has_unescaped_newline);
        if !joined {
            self.push(SimpleCommand {
                name,
                args,
                assignments,
                span,
                guards: guards.to_vec(),
                in_substitution: in_sub,
                in_pipeline: false,
                effective_start: 0,
            });
            return;
        }
        self.split_lines = true;
        let mut words: Vec<(Word, bool)> = assignments
            .into_iter()
            .map(|w| (w, true))
            .chain(name.into_iter().chain(args).map(|w| (w, false)))
            .collect();
        let mut pieces: Vec<Vec<(Word, bool)>> = Vec::new();
        while let Some(cut) = (1..words.len()).find(|&k| {
            let gap = self
                .text
                .get(words[k - 1].0.span.end..words[k].0.span.start)
                .unwrap_or("");
            has_unescaped_newline(gap)
        }) {
            let rest = words.split_off(cut);
            pieces.push(std::mem::replace(&mut words, rest));
        }
        pieces.push(words);
        for (k, piece) in pieces.into_iter().enumerate() {
            let Some(piece_span) = piece.iter().map(|(w, _)| w.span).reduce(Span::cover) else {
                continue;
            };
            let mut own_assignments = Vec::new();
            let mut piece = piece.into_iter().peekable();
            while let Some((word, _)) =
                piece.next_if(|(w, is_assignment)| *is_assignment || looks_like_assignment(&w.raw))
            {
                own_assignments.push(word);
            }
            let mut rest = piece.map(|(w, _)| w);
            self.push(SimpleCommand {
                name: rest.next(),
                args: rest.collect(),
                assignments: own_assignments,
                span: piece_span,
                guards: guards.to_vec(),
                in_substitution: in_sub,
                in_pipeline: false,
                effective_start: 0,
            });
            // Lines after the first are past the pipeline the grammar saw.
            if k > 0 {
                if let Some(last) = self.commands.last_mut() {
                    last.in_pipeline = false;
                }
            }
        }
    }

    /// The grammar reads `cmd >&2 "msg" x` as one redirection with three
    /// destinations; in the shell only the first is the target and the
    /// rest are arguments of the command.
    fn redirect_arguments(&self, redirect: Node, args: &mut Vec<Word>) {
        if redirect.kind() != "file_redirect" {
            return;
        }
        let mut cursor = redirect.walk();
        let extra = redirect
            .children_by_field_name("destination", &mut cursor)
            .skip(1);
        args.extend(extra.map(|d| self.word(d)));
    }

    /// `[ ... ]` / `[[ ... ]]` as the simple command it is: name `[`, the
    /// expression's words as arguments (the closing bracket included).
    fn test_command(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let mut words = Vec::new();
        self.flatten_words(node, &mut words, depth);
        let mut words = words.into_iter();
        let name = words.next();
        self.push(SimpleCommand {
            name,
            args: words.collect(),
            assignments: Vec::new(),
            span: span_of(node),
            guards: guards.to_vec(),
            in_substitution: in_sub,
            in_pipeline: false,
            effective_start: 0,
        });
        self.substitutions(node, guards, depth + 1);
    }

    fn flatten_words(&self, node: Node, out: &mut Vec<Word>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let atomic = node.child_count() == 0
            || matches!(
                node.kind(),
                "word"
                    | "string"
                    | "raw_string"
                    | "ansi_c_string"
                    | "translated_string"
                    | "concatenation"
                    | "simple_expansion"
                    | "expansion"
                    | "command_substitution"
                    | "process_substitution"
                    | "arithmetic_expansion"
                    | "number"
                    | "regex"
                    | "extglob_pattern"
                    | "test_operator"
            );
        if atomic {
            if node.kind() != "comment" {
                out.push(self.word(node));
            }
            return;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.flatten_words(child, out, depth + 1);
        }
    }

    /// `export A=1 B`, `declare -x`, `unset X`: the keyword is the name.
    fn keyword_command(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let mut words = Vec::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() != "comment" {
                words.push(self.word(child));
            }
            self.substitutions(child, guards, depth + 1);
        }
        let mut words = words.into_iter();
        let name = words.next();
        self.push(SimpleCommand {
            name,
            args: words.collect(),
            assignments: Vec::new(),
            span: span_of(node),
            guards: guards.to_vec(),
            in_substitution: in_sub,
            in_pipeline: false,
            effective_start: 0,
        });
    }

    /// `X=1` alone on a statement: a simple command without a name.
    fn assignment_only(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let assignments = if node.kind() == "variable_assignment" {
            vec![self.word(node)]
        } else {
            let mut cursor = node.walk();
            let named: Vec<Node> = node.named_children(&mut cursor).collect();
            named.into_iter().map(|n| self.word(n)).collect()
        };
        self.push(SimpleCommand {
            name: None,
            args: Vec::new(),
            assignments,
            span: span_of(node),
            guards: guards.to_vec(),
            in_substitution: in_sub,
            in_pipeline: false,
            effective_start: 0,
        });
        self.substitutions(node, guards, depth + 1);
    }

    /// Visits the command substitutions anywhere below `node` (words, redirects).
    fn substitutions(&mut self, node: Node, guards: &[Guard], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if matches!(node.kind(), "command_substitution" | "process_substitution") {
            self.children_in_pipeline(node, false, guards, true, depth);
            return;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.substitutions(child, guards, depth + 1);
        }
    }

    /// `a && b || c`: tree-sitter nests these to the left; flatten them with a
    /// loop, then guard each operand by the earlier test-like operands joined
    /// to it only by the same operator (`t && a && b` guards `b` by `t`;
    /// `t && a || b` does not guard `b`).
    /// `a | b`. The grammar reads `a | b && c` as `a | (b && c)`; in the
    /// shell `|` binds tighter, so only `b` of such a list is in the pipeline.
    fn pipeline(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let saved = std::mem::replace(&mut self.in_pipeline, true);
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == "list" {
                self.list_in_pipeline(child, guards, in_sub, depth + 1, true);
            } else {
                self.visit(child, guards, in_sub, depth + 1);
            }
            self.in_pipeline = true;
        }
        self.in_pipeline = saved;
    }

    fn list(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        self.list_in_pipeline(node, guards, in_sub, depth, false);
    }

    /// [`Self::list`]; `pipe_first_only`: only the first operand continues
    /// the pipeline the grammar wrapped around the list.
    fn list_in_pipeline(
        &mut self,
        node: Node,
        guards: &[Guard],
        in_sub: bool,
        depth: usize,
        pipe_first_only: bool,
    ) {
        let mut operands: Vec<Node> = Vec::new();
        let mut operators: Vec<&'static str> = Vec::new();
        let mut current = node;
        loop {
            let mut left = None;
            let mut op = None;
            let mut right = None;
            let mut cursor = current.walk();
            for child in current.children(&mut cursor) {
                match child.kind() {
                    "&&" => op = Some("&&"),
                    "||" => op = Some("||"),
                    "comment" => {}
                    _ if child.is_named() => {
                        if op.is_none() && left.is_none() {
                            left = Some(child);
                        } else {
                            right = Some(child);
                        }
                    }
                    _ => {}
                }
            }
            if let Some(r) = right {
                operands.push(r);
                operators.push(op.unwrap_or("&&"));
            }
            match left {
                Some(l) if l.kind() == "list" => current = l,
                // The grammar attaches `a && b 2>&1`'s redirection to the
                // whole list; in bash it belongs to `b`, so keep flattening.
                Some(l)
                    if l.kind() == "redirected_statement"
                        && l.child_by_field_name("body")
                            .is_some_and(|b| b.kind() == "list") =>
                {
                    self.substitutions(l, guards, depth + 1);
                    match l.child_by_field_name("body") {
                        Some(body) => current = body,
                        None => break,
                    }
                }
                Some(l) => {
                    operands.push(l);
                    break;
                }
                None => break,
            }
        }
        operands.reverse();
        operators.reverse();
        // operators[k] joins operands[k] and operands[k + 1]. `chain` holds the
        // guards of the current run of equal operators (linear, not quadratic).
        let mut chain: Vec<Guard> = Vec::new();
        for (k, operand) in operands.iter().enumerate() {
            let mut own = guards.to_vec();
            own.extend(chain.iter().cloned());
            if pipe_first_only && k > 0 {
                self.in_pipeline = false;
            }
            self.visit(*operand, &own, in_sub, depth + 1);
            let Some(&op) = operators.get(k) else { break };
            if k > 0 && operators.get(k - 1) != Some(&op) {
                chain.clear();
            }
            if self.is_test_like(*operand, depth + 1) {
                let kind = if op == "||" {
                    GuardKind::Or
                } else {
                    GuardKind::And
                };
                chain.push(self.guard(kind, span_of(*operand), op == "||"));
            }
        }
    }

    fn is_test_like(&self, node: Node, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match node.kind() {
            "test_command" => true,
            "negated_command" | "redirected_statement" | "subshell" => {
                let mut cursor = node.walk();
                let found = node
                    .named_children(&mut cursor)
                    .any(|c| self.is_test_like(c, depth + 1));
                found
            }
            "command" => node
                .child_by_field_name("name")
                .and_then(|n| super::word::static_value(self.slice(n)))
                .is_some_and(|name| is_test_command_name(&name)),
            _ => false,
        }
    }

    fn guard(&self, kind: GuardKind, span: Span, negated: bool) -> Guard {
        let condition_text = self
            .text
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string();
        Guard {
            kind,
            variables: variable_names(&condition_text),
            condition_text,
            span,
            negated,
        }
    }

    /// `if c1; then b1; elif c2; then b2; else b3; fi`: `b1` is guarded by
    /// `c1`, `b2` by `!c1` and `c2`, `b3` by `!c1` and `!c2`.
    fn if_statement(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let mut earlier: Vec<Guard> = Vec::new();
        self.conditional_clause(node, GuardKind::If, guards, &mut earlier, in_sub, depth);
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "elif_clause" => self.conditional_clause(
                    child,
                    GuardKind::Elif,
                    guards,
                    &mut earlier,
                    in_sub,
                    depth + 1,
                ),
                "else_clause" => {
                    let mut own = guards.to_vec();
                    own.extend(earlier.iter().map(|g| Guard {
                        kind: GuardKind::Else,
                        negated: true,
                        ..g.clone()
                    }));
                    self.children(child, &own, in_sub, depth + 1);
                }
                _ => {}
            }
        }
    }

    /// The condition and body of an `if` or `elif` (statements before and after `then`).
    fn conditional_clause(
        &mut self,
        node: Node,
        kind: GuardKind,
        guards: &[Guard],
        earlier: &mut Vec<Guard>,
        in_sub: bool,
        depth: usize,
    ) {
        let mut seen_then = false;
        let mut condition: Option<Span> = None;
        let mut body: Vec<Node> = Vec::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "then" => seen_then = true,
                "elif_clause" | "else_clause" | "comment" => {}
                _ if !child.is_named() => {}
                _ if !seen_then => {
                    // Condition statements are visited under the outer guards only.
                    let s = span_of(child);
                    condition = Some(condition.map_or(s, |c| c.cover(s)));
                    let mut own = guards.to_vec();
                    own.extend(earlier.iter().map(|g| Guard {
                        negated: true,
                        ..g.clone()
                    }));
                    self.visit(child, &own, in_sub, depth + 1);
                }
                _ => body.push(child),
            }
        }
        let mut own = guards.to_vec();
        own.extend(earlier.iter().map(|g| Guard {
            negated: true,
            ..g.clone()
        }));
        if let Some(span) = condition {
            let guard = self.guard(kind, span, false);
            own.push(guard.clone());
            earlier.push(guard);
        }
        for child in body {
            self.visit(child, &own, in_sub, depth + 1);
        }
    }

    /// `while c; do body; done` (and `until`): the body is guarded by `c`.
    fn while_statement(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let negated = node.child(0).is_some_and(|c| c.kind() == "until");
        let mut own = guards.to_vec();
        let mut cursor = node.walk();
        let conditions: Vec<Node> = node
            .children_by_field_name("condition", &mut cursor)
            .filter(|c| c.is_named())
            .collect();
        let condition = conditions
            .iter()
            .map(|c| span_of(*c))
            .reduce(|a, b| a.cover(b));
        for c in &conditions {
            self.visit(*c, guards, in_sub, depth + 1);
        }
        if let Some(span) = condition {
            own.push(self.guard(GuardKind::While, span, negated));
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.visit(body, &own, in_sub, depth + 1);
        }
    }

    /// `case "$X" in a|b) cmd ;; esac`: `cmd` is guarded by `case "$X" in a|b`.
    fn case_statement(&mut self, node: Node, guards: &[Guard], in_sub: bool, depth: usize) {
        let subject = node.child_by_field_name("value");
        if let Some(value) = subject {
            self.substitutions(value, guards, depth + 1);
        }
        let mut cursor = node.walk();
        for item in node.children(&mut cursor) {
            if item.kind() != "case_item" {
                continue;
            }
            let mut patterns: Option<Span> = None;
            let mut item_cursor = item.walk();
            for pattern in item.children_by_field_name("value", &mut item_cursor) {
                let s = span_of(pattern);
                patterns = Some(patterns.map_or(s, |p| p.cover(s)));
            }
            let mut own = guards.to_vec();
            if let Some(value) = subject {
                let value_text = self.slice(value);
                let pattern_text =
                    patterns.map_or("", |p| self.text.get(p.start..p.end).unwrap_or(""));
                let span = patterns.map_or(span_of(value), |p| span_of(value).cover(p));
                let condition_text = format!("case {value_text} in {pattern_text}");
                own.push(Guard {
                    kind: GuardKind::Case,
                    variables: variable_names(value_text),
                    condition_text,
                    span,
                    negated: false,
                });
            }
            let mut body_cursor = item.walk();
            for child in item.named_children(&mut body_cursor) {
                let is_pattern = patterns.is_some_and(|p| {
                    let s = span_of(child);
                    s.start >= p.start && s.end <= p.end
                });
                if !is_pattern {
                    self.visit(child, &own, in_sub, depth + 1);
                }
            }
        }
    }
}

/// `NAME=...` (what the shell takes as an assignment in command position).
fn looks_like_assignment(raw: &str) -> bool {
    match raw.find('=') {
        Some(eq) if eq > 0 => {
            let name = &raw.as_bytes()[..eq];
            !name[0].is_ascii_digit()
                && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        }
        _ => false,
    }
}

/// A newline not escaped by a backslash (a command never continues past one).
fn has_unescaped_newline(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| bytes[i] == b'\n' && (i == 0 || bytes[i - 1] != b'\\'))
}

/// Whether a command (by static name) is a test whose `&&`/`||` is a guard.
pub(super) fn is_test_command_name(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    TEST_COMMANDS.contains(&base)
}

/// A guard whose condition is `text[span]`.
pub(super) fn make_guard(text: &str, kind: GuardKind, span: Span, negated: bool) -> Guard {
    let condition_text = text.get(span.start..span.end).unwrap_or("").to_string();
    Guard {
        kind,
        variables: variable_names(&condition_text),
        condition_text,
        span,
        negated,
    }
}

fn span_of(node: Node) -> Span {
    let r = node.byte_range();
    Span::new(r.start, r.end)
}
