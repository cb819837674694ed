//! DL3002 `last-user-root` (hadolint: `DL3002`).
//!
//! A stage whose last `USER` is `root` (or uid `0`, with any group) runs its
//! container as root. Like hadolint, every stage is judged on its own
//! `USER` instructions; a stage without any `USER` is not reported (its
//! user comes from the base image, which the linter cannot see).

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{InstructionKind, Spanned};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3002",
    name: "last-user-root",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Last USER should not be root",
    doc: include_str!("../../rules/DL3002.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// `root`, `0`, `root:<group>` or `0:<group>`.
fn is_root(user: &str) -> bool {
    let uid = user.split(':').next().unwrap_or(user);
    uid == "root" || uid == "0"
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for stage in df.stages() {
        let last: Option<&Spanned<String>> = stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| match &df.instruction(n)?.kind {
                InstructionKind::User(user) => Some(user),
                _ => None,
            })
            .last();
        let Some(user) = last else { continue };
        if !is_root(user.value.trim()) {
            continue;
        }
        out.push(
            ctx.diagnostic(user.span, "Last USER should not be root")
                .with_help(
                    "switch to an unprivileged user at the end of the stage, e.g. `USER 10001`",
                ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_root_as_last_user() {
        for user in ["root", "0", "root:root", "0:0"] {
            let src = format!("FROM scratch\nUSER {user}\n");
            let diags = lint(&RULE, &src);
            assert_eq!(slices(&src, &diags), vec![user]);
        }
    }

    #[test]
    fn switching_back_is_fine() {
        let src = "FROM scratch\nUSER root\nRUN something\nUSER foo\n";
        assert!(lint(&RULE, src).is_empty());
        let src = "FROM scratch\nUSER rootless\nUSER 1000:0\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn each_stage_is_judged() {
        let src = "FROM debian:12 AS base\nUSER root\nRUN x\nFROM scratch\nUSER foo\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["root"]);
        let src = "FROM debian:12 AS base\nUSER root\nUSER foo\nFROM base\nRUN x\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn user_before_from_is_ignored() {
        assert!(lint(&RULE, "USER root\n").is_empty());
    }
}
