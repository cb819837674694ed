//! SC2102 `char-range-duplicates`: a `[...]` in an unquoted word matches one character, not the string written.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2102",
    name: "char-range-duplicates",
    aliases: &[],
    severity: Severity::Info,
    summary: "A `[...]` in an unquoted word matches one character, not the string written",
    doc: include_str!("../../../rules/SC2102.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "quote the word (`\".[dev,test]\"`): unquoted, `[...]` is a glob class matching one of its characters";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM python:3.12\nRUN pip install --no-cache-dir uvicorn[standard]==0.30.0\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["[standard]"]);
        let good =
            "FROM python:3.12\nRUN pip install --no-cache-dir \"uvicorn[standard]==0.30.0\"\n";
        assert!(lint(&RULE, good).is_empty());
    }

    #[test]
    fn a_class_of_distinct_characters_is_a_class() {
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN ls /dev/sd[a-z] /etc/rc[0-6].d\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = "FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN pip install uvicorn[standard]\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
