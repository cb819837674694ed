//! SC2155 `declare-and-assign-separately`: `export VAR=$(cmd)` masks the command's exit status.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2155",
    name: "declare-and-assign-separately",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`export VAR=$(cmd)` masks the command's exit status",
    doc: include_str!("../../../rules/SC2155.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "declare and assign separately: `VAR=$(cmd)` then `export VAR`";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN set -e; export ARCH=$(dpkg --print-architecture); echo \"$ARCH\" > /arch\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["ARCH"]);
        assert!(lint(&RULE, "FROM debian:12\nRUN set -e; ARCH=$(dpkg --print-architecture); export ARCH; echo \"$ARCH\" > /arch\n").is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!("SHELL [\"pwsh\", \"-c\"]\n{}", "FROM debian:12\nRUN set -e; export ARCH=$(dpkg --print-architecture); echo \"$ARCH\" > /arch\n".replace("FROM debian:12\n", ""));
        assert!(lint(&RULE, &src).is_empty());
    }
}
