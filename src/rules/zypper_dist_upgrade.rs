//! DL3035 `zypper-dist-upgrade`: `zypper dist-upgrade` in a Dockerfile
//! moves the base image to whatever the repositories hold today.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{
    for_each_run, manager_command, subcommand_is, ZYPPER_VALUE_OPTIONS,
};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3035",
    name: "zypper-dist-upgrade",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Do not use `zypper dist-upgrade`",
    doc: include_str!("../../rules/DL3035.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["zypper"]) {
        return;
    }
    for_each_run(ctx, |site| {
        for script in site.scripts.iter() {
            for command in script.commands() {
                let Some(cmd) = manager_command(command, &["zypper"], ZYPPER_VALUE_OPTIONS) else {
                    continue;
                };
                if !subcommand_is(&cmd, &["dist-upgrade", "dup"]) {
                    continue;
                }
                let span = cmd.span();
                out.push(
                    ctx.diagnostic(span, format!("Do not use `{}` in a Dockerfile", span.slice(ctx.source())))
                        .with_help("Use a newer base image instead, and install or update only the packages you need (`zypper -n install`, `zypper -n update <package>`): a distribution upgrade makes the build depend on the day it runs"),
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn cases() {
        let src = "FROM opensuse/leap:15.6\nRUN zypper -n dist-upgrade\n";
        assert_eq!(
            slices(src, &lint(&RULE, src)),
            vec!["zypper -n dist-upgrade"]
        );
        assert_eq!(lint(&RULE, "RUN zypper dup\n").len(), 1);
        assert!(lint(&RULE, "RUN zypper -n update\n").is_empty());
        assert!(lint(&RULE, "RUN echo zypper dup\n").is_empty());
    }
}
