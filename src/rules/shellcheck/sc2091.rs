//! SC2091 `execute-substitution-output`: `$(...)` used as a command runs its output.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2091",
    name: "execute-substitution-output",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`$(...)` used as a command runs its output",
    doc: include_str!("../../../rules/SC2091.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "remove the surrounding `$(...)` to run the command itself (or use `eval` if running the output is intended)";

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
            "FROM debian:12\nRUN if $(grep -q bookworm /etc/os-release); then echo 12 > /v; fi\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["$(grep -q bookworm /etc/os-release)"]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN if grep -q bookworm /etc/os-release; then echo 12 > /v; fi\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN if $(grep -q bookworm /etc/os-release); then echo 12 > /v; fi\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
