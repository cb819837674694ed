//! SC2016 `single-quoted-expansion`: an expansion in single quotes does not expand.
//!
//! Found by [`crate::shell::checks`]; this rule reports it on RUN scripts
//! that run under a POSIX shell (see [`super`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "SC2016",
    name: "single-quoted-expansion",
    aliases: &[],
    severity: Severity::Info,
    summary: "An expansion in single quotes does not expand",
    doc: include_str!("../../../rules/SC2016.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const HELP: &str = "use double quotes if the variable should expand; keep single quotes if the text is meant literally";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::report(ctx, RULE.code, HELP, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn fires_on_the_example_and_not_on_the_fix() {
        let bad =
            "FROM debian:12\nRUN echo 'export PATH=$HOME/bin:$PATH' > /etc/profile.d/home.sh\n";
        let d = lint(&RULE, bad);
        assert_eq!(slices(bad, &d), vec!["'export PATH=$HOME/bin:$PATH'"]);
        assert!(lint(&RULE, "FROM debian:12\nRUN echo \"export PATH=\\$HOME/bin:\\$PATH\" > /etc/profile.d/home.sh\n").is_empty());
    }

    #[test]
    fn not_under_powershell() {
        let src = format!(
            "SHELL [\"pwsh\", \"-c\"]\n{}",
            "FROM debian:12\nRUN echo 'export PATH=$HOME/bin:$PATH' > /etc/profile.d/home.sh\n"
                .replace("FROM debian:12\n", "")
        );
        assert!(lint(&RULE, &src).is_empty());
    }
}
