//! DF002 `from-as-casing` (BuildKit: `FromAsCasing`).
//!
//! Only checked when `FROM` itself is all lowercase or all uppercase: a
//! mixed-case `From` is ConsistentInstructionCasing's business, and BuildKit
//! then says nothing about `AS`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF002",
    name: "from-as-casing",
    aliases: &["FromAsCasing"],
    severity: Severity::Warning,
    summary: "The 'as' keyword should match the case of the 'from' keyword",
    doc: include_str!("../../rules/DF002.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let source = ctx.source();
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        // BuildKit checks `FROM image AS name` (three arguments) only.
        let (Some(as_keyword), Some(_)) = (&from.as_keyword, &from.stage_name) else {
            continue;
        };
        let from_word = ins.keyword_span.slice(source);
        let wanted = if from_word == from_word.to_lowercase() {
            as_keyword.value.to_lowercase()
        } else if from_word == from_word.to_uppercase() {
            as_keyword.value.to_uppercase()
        } else {
            continue;
        };
        if as_keyword.value == wanted {
            continue;
        }
        let message = format!(
            "'{}' and '{}' keywords' casing do not match",
            as_keyword.value, from_word
        );
        out.push(
            ctx.diagnostic(as_keyword.span, message)
                .with_help(format!("write `{wanted}` to match `{from_word}`"))
                .with_fix(Fix::safe(
                    format!("Change `{}` to `{wanted}`", as_keyword.value),
                    vec![Edit::replace(ctx.path, as_keyword.span, wanted.clone())],
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lines, lint, slices};

    #[test]
    fn lowercase_as_after_uppercase_from() {
        let src = "FROM scratch as base2\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["as"]);
        assert_eq!(
            diags[0].message,
            "'as' and 'FROM' keywords' casing do not match"
        );
        assert_fixes_to(&RULE, src, "FROM scratch AS base2\n");
    }

    #[test]
    fn uppercase_as_after_lowercase_from() {
        let src = "# comment\nfrom scratch AS base\n\nfrom scratch as base2\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["AS"]);
        assert_eq!(
            diags[0].message,
            "'AS' and 'from' keywords' casing do not match"
        );
        assert_fixes_to(
            &RULE,
            src,
            "# comment\nfrom scratch as base\n\nfrom scratch as base2\n",
        );
    }

    #[test]
    fn mixed_keywords() {
        // Mixed-case FROM: not this rule's concern.
        assert!(lint(&RULE, "From scratch as base\nFrom scratch AS b\n").is_empty());
        // Mixed-case AS after a consistent FROM is flagged.
        let src = "FROM scratch As base\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["As"]);
        assert_fixes_to(&RULE, src, "FROM scratch AS base\n");
    }

    #[test]
    fn matching_or_absent_as_is_fine() {
        assert!(lint(
            &RULE,
            "FROM scratch AS a\nfrom scratch as b\nFROM scratch\n"
        )
        .is_empty());
    }

    #[test]
    fn continuation_and_crlf() {
        let src = "FROM --platform=$BUILDPLATFORM golang \\\r\n    as build\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["as"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM --platform=$BUILDPLATFORM golang \\\r\n    AS build\r\n",
        );
    }

    #[test]
    fn buildkit_lint_test_case() {
        let src = "\n# warning: stage name should be lowercase\n#\nFROM scratch AS BadStageName\n\n# warning: 'as' should match 'FROM' cmd casing.\n#\nFROM scratch as base2\n\nFROM scratch AS base3\n";
        let diags = lint(&RULE, src);
        assert_eq!(lines(src, &diags), vec![8]);
        let src = "\n# warning: 'AS' should match 'from' cmd casing.\n#\nfrom scratch AS base\n\nfrom scratch as base2\n";
        assert_eq!(lines(src, &lint(&RULE, src)), vec![4]);
    }
}
