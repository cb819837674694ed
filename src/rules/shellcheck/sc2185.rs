//! SC2185 `find-without-path`: `find` without a starting path.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2185",
    name: "find-without-path",
    aliases: &[],
    severity: Severity::Info,
    summary: "`find` without a starting path",
    doc: include_str!("../../../rules/SC2185.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "give the starting directory explicitly (`find . -name ...`)";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM python:3.12-slim\nWORKDIR /app\nRUN find -name '*.pyc' -delete\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["find"]);
        assert!(lint(
            &RULE,
            "FROM python:3.12-slim\nWORKDIR /app\nRUN find . -name '*.pyc' -delete\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM python:3.12-slim\nWORKDIR /app\nRUN find -name '*.pyc' -delete\n"
                .replace("FROM python:3.12-slim\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
