//! SC2028 `echo-escape-sequences`: `echo` with escape sequences that it may not expand.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2028",
    name: "echo-escape-sequences",
    aliases: &[],
    severity: Severity::Info,
    summary: "`echo` with escape sequences that it may not expand",
    doc: include_str!("../../../rules/SC2028.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use `printf` (`printf 'a\\nb\\n'`) where escape sequences must expand";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nRUN echo 'line one\\nline two' > /etc/motd\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["'line one\\nline two'"]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nRUN printf 'line one\\nline two\\n' > /etc/motd\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN echo 'line one\\nline two' > /etc/motd\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
