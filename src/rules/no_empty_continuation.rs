//! DF003 `no-empty-continuation` (BuildKit: `NoEmptyContinuation`).
//!
//! BuildKit's parser warns once per instruction that has empty lines inside
//! a `\` continuation (reported at the instruction's last line); we point at
//! the first empty line and delete them all. Deleting them keeps the
//! instruction's meaning: the parser skips them already.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF003",
    name: "no-empty-continuation",
    aliases: &["NoEmptyContinuation", "NoEmptyContinuations"],
    severity: Severity::Warning,
    summary: "Empty continuation lines will become errors in a future release",
    doc: include_str!("../../rules/DF003.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let source = ctx.source();
    for (_, ins) in ctx.dockerfile.instructions() {
        let Some(first) = ins.empty_continuation_lines.first() else {
            continue;
        };
        // Point at the empty line itself, without its line ending.
        let line = first.slice(source);
        let content_len = line.trim_end_matches(['\n', '\r']).len();
        let span = Span::new(first.start, first.start + content_len);
        let count = ins.empty_continuation_lines.len();
        let edits = ins
            .empty_continuation_lines
            .iter()
            .map(|line| Edit::delete(ctx.path, *line))
            .collect();
        let what = if count == 1 {
            "the empty line".to_string()
        } else {
            format!("the {count} empty lines")
        };
        let mut diag = ctx
            .diagnostic(span, "Empty continuation line")
            .with_help(format!(
                "remove {what} inside the continuation, or end the instruction before it"
            ))
            .with_fix(Fix::safe(format!("Delete {what}"), edits));
        for extra in &ins.empty_continuation_lines[1..] {
            diag = diag.with_label(Span::empty(extra.start), "another empty continuation line");
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint};

    #[test]
    fn one_finding_per_instruction_at_first_empty_line() {
        let src = "FROM scratch\nCOPY Dockerfile \\\n\n.\nCOPY Dockerfile \\\n.\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "Empty continuation line");
        // The empty line is line 3.
        let pos = crate::span::LineIndex::new(src).position(src, diags[0].span.start);
        assert_eq!(pos.line, 3);
        assert_fixes_to(
            &RULE,
            src,
            "FROM scratch\nCOPY Dockerfile \\\n.\nCOPY Dockerfile \\\n.\n",
        );
    }

    #[test]
    fn several_empty_lines_whitespace_and_crlf() {
        let src = "FROM alpine\r\nRUN apk add \\\r\n\r\n   \r\n    curl \\\r\n\r\n    git\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].labels.len(), 2);
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine\r\nRUN apk add \\\r\n    curl \\\r\n    git\r\n",
        );
    }

    #[test]
    fn comments_and_plain_continuations_are_fine() {
        let src = "FROM alpine\nRUN apk add \\\n# a comment\n    curl\n\nRUN true\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn empty_lines_in_heredoc_bodies_are_fine() {
        let src = "FROM alpine\nRUN <<EOF\necho hi\n\necho there\nEOF\nCOPY <<EOT /x\n\nEOT\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn onbuild_and_lowercase() {
        let src = "from alpine\nonbuild run echo \\\n\n  hi\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_fixes_to(&RULE, src, "from alpine\nonbuild run echo \\\n  hi\n");
    }
}
