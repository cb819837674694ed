//! DL4005 `ln-bin-sh` (hadolint: `DL4005`).
//!
//! Replacing `/bin/sh` with a symlink (`ln -sf /bin/bash /bin/sh`) changes
//! the shell of every script in the image, not just of the Dockerfile's
//! `RUN`s; `SHELL ["/bin/bash", "-c"]` changes the latter only. RUNs under a
//! non-POSIX `SHELL` (PowerShell, cmd) are not read.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::run_shell::run_shells;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL4005",
    name: "ln-bin-sh",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Use SHELL to change the default shell",
    doc: include_str!("../../rules/DL4005.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let shells = run_shells(df);
    for (node, ins) in df.instructions() {
        if shells
            .get(node)
            .and_then(Option::as_ref)
            .is_some_and(|s| !s.is_posix())
        {
            continue;
        }
        for script in df.run_scripts(ins).iter() {
            for command in script.commands_named("ln") {
                let Some((_, args)) = command.effective() else {
                    continue;
                };
                if !args.iter().any(|a| a.is("/bin/sh")) {
                    continue;
                }
                out.push(
                    ctx.diagnostic(command.span, "Use SHELL to change the default shell")
                        .with_help("use `SHELL [\"/bin/bash\", \"-c\"]` instead of replacing `/bin/sh`: the symlink changes the shell of every script in the image"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_ln_over_bin_sh() {
        let src = "FROM debian:12\nRUN ln -sfv /bin/bash /bin/sh\nONBUILD RUN apt-get update && ln -sf bash /bin/sh\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["ln -sfv /bin/bash /bin/sh", "ln -sf bash /bin/sh"]
        );
    }

    #[test]
    fn other_links_and_mentions_are_fine() {
        let src = "FROM debian:12\nRUN ln -sf /bin/true /sbin/initctl\nRUN ln -s foo bar && something_with /bin/sh\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn powershell_is_not_read() {
        let src = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN ln -s x /bin/sh\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
