//! Suppression comments.
//!
//! - `# bakelint ignore=CODE[,CODE] reason` on the comment line(s) directly
//!   above an instruction; `# bakelint global ignore=CODE,...` anywhere at
//!   the top level for the whole file.
//! - BuildKit's `# check=skip=Name,...` directive (whole file) and the same
//!   comment directly above an instruction; `skip=all` skips every rule with
//!   a BuildKit name.
//! - hadolint's `# hadolint ignore=DL3006,...` above an instruction, and
//!   `# hadolint global ignore=...`, for rules that carry hadolint aliases.

use crate::diagnostic::Diagnostic;
use crate::dockerfile::{Dockerfile, NodeKind};
use crate::rules::{self, RuleDef};
use crate::span::Span;

/// The suppressions of one Dockerfile.
#[derive(Debug, Default)]
pub struct Suppressions {
    global: Vec<String>,
    /// BuildKit `check=skip=all`.
    skip_all_buildkit: bool,
    /// (instruction span, names suppressed on it)
    local: Vec<(Span, Vec<String>)>,
    /// What `# bakelint ignore=` / `# hadolint ignore=` comments suppress
    /// (global, and per instruction), kept apart so the config's
    /// `disable-ignore-pragma` can turn them off.
    pragma_global: Vec<String>,
    pragma_local: Vec<(Span, Vec<String>)>,
    pragmas_disabled: bool,
}

impl Suppressions {
    pub fn from_dockerfile(df: &Dockerfile) -> Suppressions {
        let mut s = Suppressions::default();
        for d in &df.directives {
            if d.name.value == "check" {
                s.read_check_value(&d.value.value, None);
            }
        }
        let mut pending: Vec<String> = Vec::new();
        let mut pending_pragma: Vec<String> = Vec::new();
        let mut pending_all = false;
        let mut pending_stage: Vec<String> = Vec::new();
        // (start of the stage a `stage ignore=` applies to, names)
        let mut stage_starts: Vec<(usize, Vec<String>)> = Vec::new();
        let mut from_starts: Vec<usize> = Vec::new();
        let mut current_stage_start = 0;
        for node in &df.nodes {
            match &node.kind {
                NodeKind::Comment => {
                    let text = node.span.slice(&df.source);
                    let comment = text.trim().trim_start_matches('#').trim();
                    if let Some((names, PragmaScope::Stage)) = parse_pragma(comment) {
                        pending_stage.extend(names);
                        continue;
                    }
                    if let Some((names, global)) = parse_comment(comment) {
                        let pragma = is_ignore_pragma(comment);
                        if global && pragma {
                            s.pragma_global.extend(names);
                        } else if global {
                            s.global.extend(names);
                        } else if pragma {
                            pending_pragma.extend(names);
                        } else if names.iter().any(|n| n.eq_ignore_ascii_case("all")) {
                            pending_all = true;
                        } else {
                            pending.extend(names);
                        }
                    }
                }
                NodeKind::Instruction(ins) => {
                    if ins.keyword == crate::dockerfile::Keyword::From {
                        current_stage_start = ins.span.start;
                        from_starts.push(ins.span.start);
                    }
                    if !pending_stage.is_empty() {
                        stage_starts
                            .push((current_stage_start, std::mem::take(&mut pending_stage)));
                    }
                    if pending_all {
                        pending.push("all".to_string());
                    }
                    if !pending.is_empty() {
                        s.local.push((ins.span, std::mem::take(&mut pending)));
                    }
                    if !pending_pragma.is_empty() {
                        s.pragma_local
                            .push((ins.span, std::mem::take(&mut pending_pragma)));
                    }
                    pending_all = false;
                }
                // A blank line separates a comment from the instruction below it.
                _ => {
                    pending.clear();
                    pending_pragma.clear();
                    pending_all = false;
                }
            }
        }
        // A stage runs to the next FROM.
        for (start, names) in stage_starts {
            let end = from_starts
                .iter()
                .copied()
                .find(|&f| f > start)
                .unwrap_or(df.source.len());
            s.pragma_local.push((Span::new(start, end), names));
        }
        s
    }

    /// Makes `# bakelint ignore=` and `# hadolint ignore=` comments (and
    /// their `global` forms) suppress nothing (the config's
    /// `disable-ignore-pragma`); BuildKit's `# check=skip=` still counts.
    pub fn disable_ignore_pragmas(&mut self) {
        self.pragmas_disabled = true;
    }

    fn read_check_value(&mut self, value: &str, _span: Option<Span>) {
        for part in value.split(';') {
            let part = part.trim();
            if let Some(list) = part.strip_prefix("skip=") {
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if name.eq_ignore_ascii_case("all") {
                        self.skip_all_buildkit = true;
                    } else {
                        self.global.push(name.to_string());
                    }
                }
            }
        }
    }

    /// Whether `diag` is suppressed.
    pub fn is_suppressed(&self, diag: &Diagnostic) -> bool {
        // Most files suppress nothing: no rule lookup per finding.
        if self.global.is_empty()
            && self.local.is_empty()
            && self.pragma_global.is_empty()
            && self.pragma_local.is_empty()
            && !self.skip_all_buildkit
        {
            return false;
        }
        let Some(rule) = rules::find(diag.code) else {
            return false;
        };
        if self.global.iter().any(|n| names_rule(rule, n)) {
            return true;
        }
        if !self.pragmas_disabled
            && (self.pragma_global.iter().any(|n| names_rule(rule, n))
                || self.pragma_local.iter().any(|(span, names)| {
                    covers(*span, diag) && names.iter().any(|n| names_rule(rule, n))
                }))
        {
            return true;
        }
        if self.skip_all_buildkit && has_buildkit_name(rule) {
            return true;
        }
        self.local.iter().any(|(span, names)| {
            covers(*span, diag)
                && names
                    .iter()
                    .any(|n| names_rule(rule, n) || (n == "all" && has_buildkit_name(rule)))
        })
    }
}

/// Whether a finding lies on the instruction at `span`.
fn covers(span: Span, diag: &Diagnostic) -> bool {
    span.contains(diag.span.start) || (diag.span.is_empty() && diag.span.start == span.end)
}

/// Whether a comment (without `#`) is a `bakelint` / `hadolint` ignore
/// pragma (`ignore=` or `global ignore=`), the comments DL1001 refuses and
/// `disable-ignore-pragma` turns off.
pub fn is_ignore_pragma(comment: &str) -> bool {
    parse_pragma(comment).is_some()
}

fn names_rule(rule: &RuleDef, name: &str) -> bool {
    rule.is_named(name)
}

/// BuildKit check names are CamelCase aliases.
fn has_buildkit_name(rule: &RuleDef) -> bool {
    rule.aliases
        .iter()
        .any(|a| a.chars().next().is_some_and(char::is_uppercase) && !a.starts_with("DL"))
}

/// The names of a pragma's list: `A,B`, `A, B`, up to the first name not
/// followed by a comma.
fn rule_list(list: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = list.trim_start();
    loop {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ',' || c == '#')
            .unwrap_or(rest.len());
        if end > 0 {
            names.push(rest[..end].to_string());
        }
        let after = rest[end..].trim_start();
        match after.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None => break,
        }
    }
    names
}

/// Where a `# bakelint` / `# hadolint` ignore pragma applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PragmaScope {
    /// `ignore=`: the instruction below.
    Instruction,
    /// `stage ignore=`: the stage below (or the one the comment is in).
    Stage,
    /// `global ignore=`: the whole file.
    Global,
}

/// Reads a `bakelint` / `hadolint` ignore pragma (comment without `#`):
/// `ignore=A,B`, as hadolint also reads `ignore = A, B`, after an optional
/// `global` or `stage`. Text after the list (a reason, a `# comment`) is not
/// a name. A `hadolint` pragma naming something that is not a code
/// (`ignore=crazy,DL3002`) is not a pragma at all, as hadolint reads it.
pub fn parse_pragma(comment: &str) -> Option<(Vec<String>, PragmaScope)> {
    let first = comment.split_whitespace().next()?;
    let tool = first.to_ascii_lowercase();
    if tool != "bakelint" && tool != "hadolint" {
        return None;
    }
    let rest = comment[first.len()..].trim_start();
    let (scope, rest) = match rest.split_once(char::is_whitespace) {
        Some((word, after)) if word.eq_ignore_ascii_case("global") => {
            (PragmaScope::Global, after.trim_start())
        }
        Some((word, after)) if word.eq_ignore_ascii_case("stage") => {
            (PragmaScope::Stage, after.trim_start())
        }
        _ => (PragmaScope::Instruction, rest),
    };
    let head = rest.get(..6)?;
    if !head.eq_ignore_ascii_case("ignore") {
        return None;
    }
    let list = rest[6..].trim_start().strip_prefix('=')?;
    let names = rule_list(list);
    if names.is_empty() {
        return None;
    }
    if tool == "hadolint"
        && names
            .iter()
            .any(|n| !n.bytes().all(|b| b"DLSC0123456789".contains(&b)))
    {
        return None;
    }
    Some((names, scope))
}

/// Reads one comment (without `#`): the rule names and whether it is file-wide.
fn parse_comment(comment: &str) -> Option<(Vec<String>, bool)> {
    let split_names = |list: &str| -> Vec<String> {
        list.split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut words = comment.split_whitespace();
    let first = words.next()?;
    match first.to_ascii_lowercase().as_str() {
        "bakelint" | "hadolint" => {
            let (names, scope) = parse_pragma(comment)?;
            Some((names, scope == PragmaScope::Global))
        }
        _ => {
            // `# check=skip=A,B` above an instruction.
            let lower = comment.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("check")?
                .trim_start()
                .strip_prefix('=')?;
            let orig_rest = &comment[comment.len() - rest.len()..];
            let list = orig_rest
                .trim()
                .split(';')
                .find_map(|p| p.trim().strip_prefix("skip="))?;
            Some((split_names(list), false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        assert_eq!(
            parse_comment("bakelint ignore=DF001,DF002 because"),
            Some((vec!["DF001".into(), "DF002".into()], false))
        );
        assert_eq!(
            parse_comment("hadolint global ignore=DL3006"),
            Some((vec!["DL3006".into()], true))
        );
        assert_eq!(
            parse_comment("check=skip=StageNameCasing"),
            Some((vec!["StageNameCasing".into()], false))
        );
        assert_eq!(parse_comment("just a comment"), None);
    }

    #[test]
    fn pragma_lists_as_hadolint_reads_them() {
        let both = Some((vec!["DL3008".into(), "DL3009".into()], false));
        assert_eq!(parse_comment("hadolint ignore=DL3008, DL3009"), both);
        assert_eq!(parse_comment("hadolint ignore = DL3008 ,DL3009"), both);
        assert_eq!(
            parse_comment("hadolint ignore=DL3008,DL3009 # apt is pinned upstream"),
            both
        );
        assert_eq!(
            parse_comment("hadolint  global  ignore=DL3006"),
            Some((vec!["DL3006".into()], true))
        );
        assert_eq!(parse_comment("hadolint shell=powershell"), None);
        assert_eq!(parse_comment("hadolint ignore="), None);
        assert_eq!(parse_comment("hadolint ignored=DL3008"), None);
        assert!(is_ignore_pragma("hadolint ignore=DL3003"));
        assert!(is_ignore_pragma("bakelint global ignore=DF001"));
        assert!(!is_ignore_pragma("check=skip=StageNameCasing"));
        assert!(!is_ignore_pragma("hadolint shell=powershell # foobar"));
        assert!(is_ignore_pragma("hadolint stage ignore=DL3011"));
        // hadolint refuses a pragma that names something other than codes.
        assert_eq!(parse_pragma("hadolint ignore=crazy,DL3002"), None);
        assert_eq!(
            parse_pragma("bakelint ignore=stage-name-casing"),
            Some((vec!["stage-name-casing".into()], PragmaScope::Instruction))
        );
    }

    fn suppressed_lines(src: &str, code: &'static str) -> Vec<usize> {
        let df = crate::dockerfile::parse(src);
        let s = Suppressions::from_dockerfile(&df);
        let rule = crate::rules::find(code).expect("rule");
        let index = crate::span::LineIndex::new(src);
        let mut out = Vec::new();
        for (_, ins) in df.instructions() {
            let diag = Diagnostic {
                code: rule.code,
                name: rule.name,
                severity: rule.severity,
                file: "Dockerfile".into(),
                span: ins.keyword_span,
                message: String::new(),
                help: None,
                labels: Vec::new(),
                fix: None,
            };
            if s.is_suppressed(&diag) {
                out.push(index.line_of(ins.span.start) + 1);
            }
        }
        out
    }

    #[test]
    fn stage_pragmas_cover_their_stage() {
        let src = "# hadolint stage ignore=DL4000
FROM a
MAINTAINER x
FROM b
MAINTAINER y
";
        assert_eq!(suppressed_lines(src, "DF008"), vec![2, 3]);
        let src = "FROM a
MAINTAINER x
# hadolint stage ignore=DL4000
FROM b
MAINTAINER y
";
        assert_eq!(suppressed_lines(src, "DF008"), vec![4, 5]);
        let src = "FROM a
# hadolint ignore=crazy,DL4000
MAINTAINER x
";
        assert!(suppressed_lines(src, "DF008").is_empty());
        let mut s = Suppressions::from_dockerfile(&crate::dockerfile::parse(
            "# hadolint global ignore = DL4000 , DL3000
FROM a
",
        ));
        assert_eq!(s.pragma_global, vec!["DL4000", "DL3000"]);
        s.disable_ignore_pragmas();
        assert!(s.pragmas_disabled);
    }
}

/// Suppression comments in a bake file (`#` or `//` comments): a comment
/// line directly above the line a finding starts on, or a `global` one.
#[derive(Debug, Default)]
pub struct CommentSuppressions {
    global: Vec<String>,
    /// line start offset → names suppressed on that line
    lines: Vec<(usize, usize, Vec<String>)>,
}

impl CommentSuppressions {
    pub fn from_text(text: &str) -> CommentSuppressions {
        let mut s = CommentSuppressions::default();
        let mut pending: Vec<String> = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let trimmed = line.trim();
            let comment = trimmed
                .strip_prefix("//")
                .or_else(|| trimmed.strip_prefix('#'))
                .map(str::trim);
            match comment {
                Some(c) => {
                    if let Some((names, global)) = parse_comment(c) {
                        if global {
                            s.global.extend(names);
                        } else {
                            pending.extend(names);
                        }
                    }
                }
                None if trimmed.is_empty() => pending.clear(),
                None => {
                    if !pending.is_empty() {
                        s.lines.push((start, offset, std::mem::take(&mut pending)));
                    }
                }
            }
        }
        s
    }

    pub fn is_suppressed(&self, diag: &Diagnostic) -> bool {
        let Some(rule) = rules::find(diag.code) else {
            return false;
        };
        self.global.iter().any(|n| names_rule(rule, n))
            || self.lines.iter().any(|(start, end, names)| {
                *start <= diag.span.start
                    && diag.span.start < *end
                    && names.iter().any(|n| names_rule(rule, n))
            })
    }
}
