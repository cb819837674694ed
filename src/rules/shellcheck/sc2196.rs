//! SC2196 `egrep-deprecated`: `egrep` is non-standard and deprecated.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2196",
    name: "egrep-deprecated",
    aliases: &[],
    severity: Severity::Info,
    summary: "`egrep` is non-standard and deprecated",
    doc: include_str!("../../../rules/SC2196.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use `grep -E` instead of `egrep`";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN egrep -q '^(bookworm|trixie)' /etc/debian_version || true\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["egrep"]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN grep -Eq '^(bookworm|trixie)' /etc/debian_version || true\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN egrep -q '^(bookworm|trixie)' /etc/debian_version || true\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
