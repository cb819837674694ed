//! DL3061 `instruction-before-from` (hadolint: `DL3061`).
//!
//! Only `ARG` (and comments and parser directives) may come before the
//! first `FROM`; BuildKit rejects anything else. Each such instruction is
//! reported; a word that is no instruction at all is left to DF000.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::Keyword;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3061",
    name: "instruction-before-from",
    aliases: &[],
    severity: Severity::Error,
    summary: "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.",
    doc: include_str!("../../rules/DL3061.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        match ins.keyword {
            Keyword::From => break,
            // A line whose first word is no instruction is DF000's
            // (`unknown instruction`): template lines (`{{ def x: }}`) and
            // other files read as Dockerfiles would each be one more finding.
            Keyword::Arg | Keyword::Unknown => continue,
            _ => {}
        }
        let keyword = ins.keyword_span.slice(ctx.source()).to_uppercase();
        out.push(
            ctx.diagnostic(
                ins.keyword_span,
                format!("Invalid instruction order: `{keyword}` before the first `FROM`. Dockerfile must begin with `FROM`, `ARG` or comment."),
            )
            .with_help("move the instruction below a `FROM`; only `ARG` may precede the first `FROM`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_instructions_before_from() {
        let src = "# syntax=docker/dockerfile:1\nARG A=B\nLABEL foo=bar\nenv X=1\nFROM foo:1\nLABEL ok=1\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["LABEL", "env"]);
        assert!(diags[1].message.contains("`ENV` before the first `FROM`"));
    }

    #[test]
    fn unknown_words_are_left_to_the_syntax_error() {
        let src = "{{\n\tdef dnf:\n\t\tif .x then\n-}}\nLABEL a=b\nFROM foo:1\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["LABEL"]);
    }

    #[test]
    fn args_comments_and_from_first_are_fine() {
        let src = "# comment\nARG A=B\nFROM foo:1\nARG C\nRUN echo\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
