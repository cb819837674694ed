//! SC2012 `ls-in-pipeline`: the output of `ls` piped to another command.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2012",
    name: "ls-in-pipeline",
    aliases: &[],
    severity: Severity::Info,
    summary: "The output of `ls` piped to another command",
    doc: include_str!("../../../rules/SC2012.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use `find` (or a glob) instead of parsing `ls` output";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN ls /etc/apt/sources.list.d | wc -l\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["ls /etc/apt/sources.list.d"]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN find /etc/apt/sources.list.d -mindepth 1 -maxdepth 1 | wc -l\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN ls /etc/apt/sources.list.d | wc -l\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
