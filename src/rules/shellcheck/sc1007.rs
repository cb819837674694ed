//! SC1007 `space-after-assignment`: a space after `=`: the variable is set to empty for the command, not assigned.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC1007",
    name: "space-after-assignment",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A space after `=`: the variable is set to empty for the command, not assigned",
    doc: include_str!("../../../rules/SC1007.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str =
    "remove the space after `=` to assign a value, or write `VAR=''` for an empty value";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN LD_LIBRARY_PATH= ldconfig\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["LD_LIBRARY_PATH="]);
        assert!(lint(&RULE, "FROM debian:12\nRUN LD_LIBRARY_PATH='' ldconfig\n").is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN LD_LIBRARY_PATH= ldconfig\n".replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
