//! SC2154 `unassigned-variable` and SC2153 `possible-misspelling`: a
//! variable the script reads but nothing assigns.
//!
//! Every RUN is a new shell: a variable set in an earlier RUN is gone, and
//! only ENV, ARG (declared in the stage) and Docker's proxy variables reach
//! the script. [`crate::shell::checks`] finds the first read of each
//! variable the script never assigns; the rules drop the ENV/ARG names in
//! scope, as hadolint does by telling ShellCheck about them. Like
//! ShellCheck, all-uppercase names are taken for environment variables and
//! only reported (SC2153) when a name one edit away is assigned.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::checks::one_edit_apart;

pub static RULE: RuleDef = RuleDef {
    code: "SC2154",
    name: "unassigned-variable",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A variable is referenced but not assigned",
    doc: include_str!("../../../rules/SC2154.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

pub static MISSPELLING: RuleDef = RuleDef {
    code: "SC2153",
    name: "possible-misspelling",
    aliases: &[],
    severity: Severity::Info,
    summary: "A variable may not be assigned: a similar name is",
    doc: include_str!("../../../rules/SC2153.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check_misspelling),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::for_each_finding(ctx, RULE.code, |_, finding, run| {
        let Some(name) = finding.expansion.as_ref().and_then(|e| e.name.as_deref()) else {
            return;
        };
        if run.defines(name) {
            return;
        }
        out.push(
            ctx.diagnostic(finding.span, finding.message.clone())
                .with_help(format!(
                    "assign `{name}` in this RUN, declare it with ARG or ENV, or use `${{{name}:-default}}` (each RUN is a new shell: variables set in another RUN are gone)"
                )),
        );
    });
}

fn check_misspelling(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::for_each_finding(ctx, MISSPELLING.code, |_, finding, run| {
        let Some(name) = finding.expansion.as_ref().and_then(|e| e.name.as_deref()) else {
            return;
        };
        if run.defines(name) {
            return;
        }
        let mut from_env: Vec<&str> = run
            .variable_names()
            .filter(|v| one_edit_apart(v, name))
            .collect();
        from_env.sort();
        let Some(similar) = finding
            .suggestion
            .clone()
            .or_else(|| from_env.first().map(|s| s.to_string()))
        else {
            return;
        };
        out.push(
            ctx.diagnostic(
                finding.span,
                format!("{}. Did you mean {similar}?", finding.message),
            )
            .with_help(format!(
                "check the spelling: `{similar}` is assigned, `{name}` is not"
            )),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn lowercase_variables_nothing_assigns() {
        let src = "FROM debian:12\nARG foo\nRUN echo \"$foo\" \"$bar\" \"$bar\" && baz=1 && echo $baz ${qux:-x}\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["$bar"]);
        // A variable from another RUN is gone.
        let src = "FROM debian:12\nRUN v=1\nRUN echo \"$v\"\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["$v"]);
        // read, for and declarations assign.
        let src =
            "FROM debian:12\nRUN read -r a; for b in 1; do :; done; export c; echo $a $b $c\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn onbuild_and_global_args_are_not_in_scope() {
        let src = "ARG foo=bar\nFROM debian:12\nRUN echo \"$foo\"\nONBUILD RUN echo \"$foo\"\n";
        assert_eq!(
            crate::rules::testing::lines(src, &lint(&RULE, src)),
            vec![3, 4]
        );
    }

    #[test]
    fn misspelled_uppercase_names() {
        let src = "FROM debian:12\nRUN echo \"$RTTP_PROXY\" \"$HOME\"\n";
        let d = lint(&MISSPELLING, src);
        assert_eq!(slices(src, &d), vec!["$RTTP_PROXY"]);
        assert!(d[0].message.ends_with("Did you mean HTTP_PROXY?"));
        let src = "FROM debian:12\nRUN APP_DIR=/app; cd \"$APP_DIRS\"\n";
        assert_eq!(slices(src, &lint(&MISSPELLING, src)), vec!["$APP_DIRS"]);
        assert!(lint(&RULE, src).is_empty());
    }
}
