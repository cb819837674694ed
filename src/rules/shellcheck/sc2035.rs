//! SC2035 `glob-as-option`: a glob starting with `*` may expand to names that look like options.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2035",
    name: "glob-as-option",
    aliases: &[],
    severity: Severity::Info,
    summary: "A glob starting with `*` may expand to names that look like options",
    doc: include_str!("../../../rules/SC2035.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use `./*glob*` or put `--` before the glob so file names starting with `-` are not read as options";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad = "FROM debian:12\nWORKDIR /src\nRUN rm *.tmp\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["*.tmp"]);
        assert!(lint(&RULE, "FROM debian:12\nWORKDIR /src\nRUN rm ./*.tmp\n").is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nWORKDIR /src\nRUN rm *.tmp\n".replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
