//! SC2043 `loop-runs-once`: a `for` loop over a single literal word runs once.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2043",
    name: "loop-runs-once",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A `for` loop over a single literal word runs once",
    doc: include_str!("../../../rules/SC2043.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "list the words separately (unquoted), or use a glob or an expansion; a single word needs no loop";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN for pkg in \"curl git\"; do echo \"$pkg\"; done\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["\"curl git\""]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN for pkg in curl git; do echo \"$pkg\"; done\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN for pkg in \"curl git\"; do echo \"$pkg\"; done\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
