//! DL3014 `apt-get-assume-yes`: `apt-get install` without `-y` stops at
//! apt's "Do you want to continue?" prompt, which a build cannot answer.

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::package_caches::{for_each_run, insert_after, option_given, APT_SIMULATE};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::{PackageInstall, PackageManager, RunScript};

pub static RULE: RuleDef = RuleDef {
    code: "DL3014",
    name: "apt-get-assume-yes",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Use the `-y` switch to avoid manual input `apt-get -y install <package>`",
    doc: include_str!("../../rules/DL3014.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Whether the install answers apt's prompt: `-y`, `--yes`, `--assume-yes`,
/// quiet level 2 (`-qq`, `-q -q`, `-q=2`, `--quiet --quiet`, which implies
/// `-y`), or `-o APT::Get::Assume-Yes=true`.
fn assumes_yes(install: &PackageInstall<'_>) -> bool {
    let words = || install.command.args.iter();
    if option_given(words(), &["--yes", "--assume-yes"], &['y']) {
        return true;
    }
    let mut quiet = 0;
    for w in words().filter_map(|w| w.as_str()) {
        if let Some(level) = w.strip_prefix("-q=").or_else(|| w.strip_prefix("--quiet=")) {
            quiet += level.parse::<usize>().unwrap_or(1);
        } else if w == "--quiet" {
            quiet += 1;
        } else if let Some(letters) = w.strip_prefix('-').filter(|l| !l.starts_with('-')) {
            if letters.chars().all(|c| c.is_ascii_alphanumeric()) {
                quiet += letters.chars().filter(|&c| c == 'q').count();
            }
        }
        let lower = w.to_ascii_lowercase();
        if lower
            .split_once("apt::get::assume-yes=")
            .is_some_and(|(_, v)| matches!(v, "true" | "1" | "yes" | "on"))
        {
            return true;
        }
    }
    quiet >= 2
}

/// `yes | apt-get install ...`: the pipe answers the prompt.
fn fed_by_yes(script: &RunScript, install: &PackageInstall<'_>) -> bool {
    install.command.in_pipeline
        && script
            .commands_named("yes")
            .any(|c| c.in_pipeline && c.span.end <= install.command.span.start)
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["apt"]) {
        return;
    }
    for_each_run(ctx, |site| {
        if site.facts.apt_assume_yes {
            return;
        }
        for script in site.scripts.iter() {
            for install in
                script.installs_of(|m| matches!(m, PackageManager::AptGet | PackageManager::Apt))
            {
                if !matches!(install.subcommand_str(), Some("install" | "reinstall"))
                    || assumes_yes(&install)
                    || install.has_flag(APT_SIMULATE)
                    || fed_by_yes(script, &install)
                {
                    continue;
                }
                let Some(sub) = install.subcommand.as_ref() else {
                    continue;
                };
                let program = install.program.raw.as_str();
                let span = install.program.span.cover(sub.span);
                let mut diag = ctx
                    .diagnostic(
                        span,
                        format!(
                            "`{program} {}` without `-y` stops at apt's confirmation prompt",
                            sub.raw
                        ),
                    )
                    .with_help(format!(
                        "Add `-y` (`{program} install -y <package>`): a build cannot answer the prompt, so apt aborts as soon as it would ask"
                    ));
                if let Some(fix) = insert_after(ctx, sub, "-y", true) {
                    diag = diag.with_fix(fix);
                }
                out.push(diag);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_install_without_yes_and_fixes_safely() {
        let src =
            "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["apt-get install"]);
        assert_eq!(
            diags[0].fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Safe)
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
        );
    }

    #[test]
    fn hadolint_cases() {
        for (src, fires) in [
            ("RUN apt-get install python\n", true),
            ("RUN apt-get install -q python\n", true),
            ("RUN apt-get install --quiet python\n", true),
            ("RUN apt-get install -yq python\n", false),
            ("RUN apt-get install -y python\n", false),
            ("RUN apt-get -y install python\n", false),
            ("RUN apt-get --yes install python\n", false),
            ("RUN apt-get --assume-yes install python\n", false),
            ("RUN apt-get install -qq python\n", false),
            ("RUN apt-get install -q -q python\n", false),
            ("RUN apt-get install -q=2 python\n", false),
            ("RUN apt-get install --quiet --quiet python\n", false),
            ("ONBUILD RUN apt-get install python\n", true),
            (
                "RUN if apt-get install -s \"pg-jit\" > /dev/null 2>&1; then echo y; fi\n",
                false,
            ),
            ("RUN apt-get install --dry-run python\n", false),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }

    #[test]
    fn other_ways_to_answer_the_prompt() {
        for src in [
            "RUN apt-get -o APT::Get::Assume-Yes=true install python\n",
            "RUN yes | apt-get install python\n",
            "FROM debian AS a\nRUN echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes\nFROM a\nRUN apt-get install python\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
        // `apt` prompts as well.
        assert_eq!(lint(&RULE, "RUN apt install python\n").len(), 1);
    }
}
