//! SC2251 `negation-skips-errexit`: a `!` statement is not a condition and skips `set -e`.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2251",
    name: "negation-skips-errexit",
    aliases: &[],
    severity: Severity::Info,
    summary: "A `!` statement is not a condition and skips `set -e`",
    doc: include_str!("../../../rules/SC2251.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str =
    "use `cmd && exit 1` (or `if cmd; then exit 1; fi`) to fail when the command succeeds";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad =
            "FROM debian:12\nRUN set -e; ! grep -q sid /etc/apt/sources.list; echo ok > /checked\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["!"]);
        assert!(lint(&RULE, "FROM debian:12\nRUN set -e; if grep -q sid /etc/apt/sources.list; then exit 1; fi; echo ok > /checked\n").is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN set -e; ! grep -q sid /etc/apt/sources.list; echo ok > /checked\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
