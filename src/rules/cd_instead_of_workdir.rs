//! DL3003 `cd-instead-of-workdir`: a RUN changes directory with `cd`
//! where `WORKDIR` would say so once, for every later instruction.
//!
//! As in hadolint, any `cd` command of the script counts (in `&&` chains,
//! subshells, `if` branches and `$( )`); one finding per RUN, at its first
//! `cd`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::run_commands::posix_runs;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3003",
    name: "cd-instead-of-workdir",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Use WORKDIR to switch to a directory",
    doc: include_str!("../../rules/DL3003.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        let cd = scripts
            .iter()
            .flat_map(|s| s.commands())
            .find(|c| c.name_str() == Some("cd"));
        let Some(cd) = cd else { continue };
        let Some(word) = cd.name.as_ref() else {
            continue;
        };
        out.push(
            ctx.diagnostic(
                word.span,
                "`cd` in a RUN: use WORKDIR to switch to a directory",
            )
            .with_help(
                "Set the directory with `WORKDIR <dir>` before the RUN: it applies to every \
                     later instruction and is created if missing, where a `cd` lasts only until \
                     the end of this RUN",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_the_first_cd_of_a_run() {
        let src = "FROM debian\nRUN cd /opt && make && cd /\nRUN (cd /x && make)\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["cd", "cd"]);
        assert_eq!(crate::rules::testing::lines(src, &diags), vec![2, 3]);
    }

    #[test]
    fn no_from_onbuild_and_substitutions() {
        assert_eq!(lint(&RULE, "RUN cd /opt\n").len(), 1);
        assert_eq!(
            lint(&RULE, "FROM debian\nONBUILD RUN cd /opt && make\n").len(),
            1
        );
        assert_eq!(lint(&RULE, "FROM debian\nRUN D=$(cd /x; pwd)\n").len(), 1);
    }

    #[test]
    fn workdir_quoted_cd_and_powershell_are_fine() {
        for src in [
            "WORKDIR /opt\n",
            "FROM debian\nRUN echo cd /opt && make -C /opt\n",
            "FROM debian\nSHELL [\"pwsh\", \"-c\"]\nRUN cd C:/x; make\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
