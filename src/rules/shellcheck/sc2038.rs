//! SC2038 `find-xargs-without-null`: `find | xargs` without `-print0` / `-0`.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2038",
    name: "find-xargs-without-null",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`find | xargs` without `-print0` / `-0`",
    doc: include_str!("../../../rules/SC2038.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use `find ... -print0 | xargs -0 ...` or `find ... -exec ... +`";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN find /usr/share/doc -name '*.gz' | xargs rm -f\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["find /usr/share/doc -name '*.gz'"]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN find /usr/share/doc -name '*.gz' -print0 | xargs -0 rm -f\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN find /usr/share/doc -name '*.gz' | xargs rm -f\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
