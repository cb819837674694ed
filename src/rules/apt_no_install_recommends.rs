//! DL3015 `apt-no-install-recommends`: `apt-get install` (or `apt install`)
//! without `--no-install-recommends` also installs every package the
//! requested ones recommend.

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::package_caches::{for_each_run, insert_after, APT_SIMULATE};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::{PackageInstall, PackageManager};

pub static RULE: RuleDef = RuleDef {
    code: "DL3015",
    name: "apt-no-install-recommends",
    aliases: &[],
    severity: Severity::Info,
    summary: "Avoid additional packages by specifying `--no-install-recommends`",
    doc: include_str!("../../rules/DL3015.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Whether `-o APT::Install-Recommends=false` (or `0`, `no`, `off`) is given.
fn option_disables_recommends(install: &PackageInstall<'_>) -> bool {
    install
        .command
        .args
        .iter()
        .filter_map(|w| w.as_str())
        .any(|w| {
            let lower = w.to_ascii_lowercase();
            lower
                .split_once("apt::install-recommends=")
                .is_some_and(|(_, v)| {
                    matches!(v.trim_matches(['"', '\'']), "false" | "0" | "no" | "off")
                })
        })
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["apt"]) {
        return;
    }
    for_each_run(ctx, |site| {
        if site.facts.apt_no_recommends {
            return;
        }
        for script in site.scripts.iter() {
            for install in
                script.installs_of(|m| matches!(m, PackageManager::AptGet | PackageManager::Apt))
            {
                if install.subcommand_str() != Some("install")
                    || install.has_flag(&["--no-install-recommends"])
                    || install.has_flag(APT_SIMULATE)
                    || option_disables_recommends(&install)
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
                        format!("`{program} install` without `--no-install-recommends` also installs recommended packages"),
                    )
                    .with_help(
                        "Add `--no-install-recommends` and name the packages you need: recommended packages make the image bigger and are rarely needed in a container",
                    );
                if let Some(fix) = insert_after(ctx, sub, "--no-install-recommends", false) {
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
    fn flags_install_and_fixes_by_adding_the_flag() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["apt-get install"]);
        assert!(diags[0].message.contains("--no-install-recommends"));
        assert_eq!(
            diags[0].fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Unsafe)
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl\n",
        );
    }

    #[test]
    fn accepts_the_flag_and_the_apt_option() {
        for src in [
            "RUN apt-get install --no-install-recommends python\n",
            "RUN apt-get install -y python --no-install-recommends\n",
            "RUN apt-get -o APT::Install-Recommends=false install python\n",
            "RUN apt-get install -y -o APT::Install-Recommends=0 python\n",
            "RUN apt-get install -y --option=APT::Install-Recommends=false python\n",
            "RUN apt-get update\n",
            "RUN apt-get -y remove python\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn apt_wrappers_and_paths_are_installs_too() {
        for src in [
            "RUN apt install python\n",
            "RUN sudo apt-get install -y python\n",
            "RUN /usr/bin/apt-get install -y python\n",
            "ONBUILD RUN apt-get -y install python\n",
        ] {
            assert_eq!(lint(&RULE, src).len(), 1, "{src}");
        }
    }

    #[test]
    fn an_apt_config_written_earlier_in_the_stage_chain_counts() {
        let src = "FROM debian:12 AS base\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norecommends\nFROM base\nRUN apt-get install -y curl\n";
        assert!(lint(&RULE, src).is_empty());
        let src = "FROM debian:12\nRUN cat <<EOF > /etc/apt/apt.conf.d/90norecommends\nAPT::Install-Recommends \"false\";\nEOF\nRUN apt-get install -y curl\n";
        assert!(lint(&RULE, src).is_empty());
        // Not in an unrelated stage.
        let src = "FROM debian:12 AS base\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norecommends\nFROM debian:12\nRUN apt-get install -y curl\n";
        assert_eq!(lint(&RULE, src).len(), 1);
    }

    #[test]
    fn every_install_of_a_run_is_reported_at_its_command() {
        let src = "FROM debian:12\nRUN apt-get install -y a \\\n && apt-get install -y b\n";
        let diags = lint(&RULE, src);
        assert_eq!(crate::rules::testing::lines(src, &diags), vec![2, 3]);
    }

    #[test]
    fn powershell_runs_are_not_read_as_sh() {
        let src = "FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN apt-get install -y curl\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
