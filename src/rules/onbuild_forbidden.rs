//! DL3043 `onbuild-forbidden-trigger` (hadolint: `DL3043`).
//!
//! `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER` are not
//! allowed: the build of an image based on this one fails on the trigger.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{InstructionKind, Keyword};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3043",
    name: "onbuild-forbidden-trigger",
    aliases: &[],
    severity: Severity::Error,
    summary: "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction",
    doc: include_str!("../../rules/DL3043.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::Onbuild(inner) = &ins.kind else {
            continue;
        };
        if !matches!(
            inner.keyword,
            Keyword::Onbuild | Keyword::From | Keyword::Maintainer
        ) {
            continue;
        }
        let keyword = inner.keyword.as_str();
        out.push(
            ctx.diagnostic(
                inner.keyword_span,
                format!("`{keyword}` cannot be triggered from within `ONBUILD`"),
            )
            .with_help(
                "remove the trigger: `ONBUILD` may not wrap `ONBUILD`, `FROM` or `MAINTAINER`",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_forbidden_triggers() {
        let src = "FROM a:1\nONBUILD ONBUILD RUN anything\nONBUILD FROM debian:buster\nonbuild maintainer \"BoJack\"\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["ONBUILD", "FROM", "maintainer"]);
        assert_eq!(
            diags[1].message,
            "`FROM` cannot be triggered from within `ONBUILD`"
        );
    }

    #[test]
    fn other_triggers_are_fine() {
        let src = "FROM a:1\nONBUILD ADD a b\nONBUILD RUN x\nONBUILD USER u\nMAINTAINER me\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
