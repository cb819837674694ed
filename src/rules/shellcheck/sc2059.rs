//! SC2059 `printf-format-variable`: a variable in the `printf` format string.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2059",
    name: "printf-format-variable",
    aliases: &[],
    severity: Severity::Info,
    summary: "A variable in the `printf` format string",
    doc: include_str!("../../../rules/SC2059.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str =
    "use a constant format and pass the values as arguments: `printf '%s\\n' \"$x\"`";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nARG GREETING=hello\nRUN printf \"$GREETING\\n\" > /greeting\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["\"$GREETING\\n\""]);
        assert!(lint(
            &RULE,
            "FROM debian:12\nARG GREETING=hello\nRUN printf '%s\\n' \"$GREETING\" > /greeting\n"
        )
        .is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nARG GREETING=hello\nRUN printf \"$GREETING\\n\" > /greeting\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
