//! DL3001 `meaningless-command-in-container`: a RUN runs a command that
//! makes no sense while building an image (hadolint's list: `free`,
//! `kill`, `mount`, `ps`, `service`, `shutdown`, `ssh`, `top`, `vim`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::run_commands::{posix_runs, program_args_any};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3001",
    name: "meaningless-command-in-container",
    aliases: &[],
    severity: Severity::Info,
    summary: "For some bash commands it makes no sense running them in a Docker container like ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig",
    doc: include_str!("../../rules/DL3001.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// hadolint's list (its message also names `ifconfig`, its check does not).
const COMMANDS: &[&str] = &[
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        let found = scripts
            .iter()
            .flat_map(|s| s.commands())
            .find_map(|c| program_args_any(c, COMMANDS).map(|(name, word, _)| (name, word)));
        let Some((name, word)) = found else { continue };
        out.push(
            ctx.diagnostic(
                word.span,
                format!("`{name}` makes no sense in a RUN: a build step has no services, terminal or other processes to act on"),
            )
            .with_help(
                "Remove the command, or move it to the container's start-up (`CMD`, `ENTRYPOINT` or an entrypoint script)",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_the_command_word() {
        let src = "FROM debian\nRUN service nginx start && sudo top\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["service"]);
        assert_eq!(lint(&RULE, "RUN top\n").len(), 1);
        assert_eq!(lint(&RULE, "ONBUILD RUN top\n").len(), 1);
        assert_eq!(lint(&RULE, "RUN ps aux | grep x | xargs kill\n").len(), 1);
    }

    #[test]
    fn packages_and_arguments_are_fine() {
        for src in [
            "RUN apt-get install ssh\n",
            "ONBUILD RUN apt-get install ssh\n",
            "RUN echo top && command -v ps\n",
            "RUN mkdir -p /root/.ssh && ssh-keyscan github.com >> /root/.ssh/known_hosts\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
