//! DL3004 `sudo-in-run`: a RUN uses `sudo`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::run_commands::{posix_runs, program_args};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3004",
    name: "sudo-in-run",
    aliases: &[],
    severity: Severity::Error,
    summary: "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root",
    doc: include_str!("../../rules/DL3004.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        let found = scripts
            .iter()
            .flat_map(|s| s.commands())
            .find_map(|c| program_args(c, "sudo").map(|(word, _)| word));
        let Some(word) = found else { continue };
        out.push(
            ctx.diagnostic(
                word.span,
                "`sudo` in a RUN: it leads to unpredictable behaviour (a TTY, a password, environment resets)",
            )
            .with_help(
                "Run the command without `sudo` as root (switch with `USER root` and back), or use `gosu` / `su-exec` to drop privileges at run time",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_sudo() {
        let src = "RUN apt-get update && sudo apt-get install\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["sudo"]);
        assert_eq!(lint(&RULE, "ONBUILD RUN sudo apt-get update\n").len(), 1);
        assert_eq!(lint(&RULE, "RUN /usr/bin/sudo -u app make\n").len(), 1);
    }

    #[test]
    fn installing_or_configuring_sudo_is_fine() {
        for src in [
            "RUN apt-get install sudo\n",
            "RUN echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers\n",
            "RUN command -v sudo\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
