//! DL3008 `unpinned-apt-package`: Pin versions in apt get install.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::APT`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3008",
    name: "unpinned-apt-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`",
    doc: include_str!("../../rules/DL3008.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::APT,
        out,
        "Pin versions in apt-get install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    [
        "pin the version: `",
        pinned,
        "` (`apt-cache policy ",
        package,
        "` lists the versions; a `=1.2.*` wildcard keeps security updates)",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, package_slices as slices};

    fn flagged(src: &str) -> Vec<&str> {
        slices(src, &lint(&RULE, src))
    }

    #[test]
    fn one_finding_per_install_command() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl git=1:2.5.0* \\\n    vim/bookworm-backports ./x.deb python-demjson=2.2.* wget\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["curl", "wget"]);
        assert_eq!(
            diags[0].message,
            "Pin versions in apt-get install: `curl` and `wget` have no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `curl=<version>`"));
    }

    #[test]
    fn option_values_are_not_packages() {
        // A simulation installs nothing.
        assert!(
            flagged("RUN if apt-get install -s \"postgresql-$PG_MAJOR-jit\"; then :; fi\n")
                .is_empty()
        );
        assert!(
            flagged("RUN apt-get install -y -t jessie-backports openjdk-8-jdk=8u131\n").is_empty()
        );
        assert!(
            flagged("RUN apt-get -o Dpkg::Options::=--force-confold install -y curl=1\n")
                .is_empty()
        );
        assert!(
            flagged("RUN apt-get -yqq --no-install-recommends install nodejs=0.10\n").is_empty()
        );
    }

    #[test]
    fn variables_holding_package_lists() {
        // An ENV list is read: its unpinned packages are named.
        let src = "FROM debian\nENV PKGS=\"curl git=1:2.39*\"\nRUN apt-get install -y \"$PKGS\" wget=${V}\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["\"$PKGS\""]);
        assert_eq!(
            diags[0].message,
            "Pin versions in apt-get install: `$PKGS` holds packages without a version: `curl`"
        );
        // A list assigned in the script, pinned through ARGs.
        let src = "ARG V=1\nRUN pkgs=\"nginx=${V} njs=${V}\"; apt-get install -y $pkgs\n";
        assert!(flagged(src).is_empty());
        // A list the file does not show (a command's output, no value) is not guessed.
        assert!(flagged("RUN deps=\"$(cat list)\"; apt-get install -y $deps $UNSET\n").is_empty());
        assert!(flagged("RUN apt-get install -y $(cat /tmp/packages.txt) `cat x`\n").is_empty());
        // A word built from a declared variable is shown as written.
        let diags = lint(
            &RULE,
            "ARG PHP=8.2\nRUN apt-get install -y \"php${PHP}-cli\"\n",
        );
        assert_eq!(
            diags[0].message,
            "Pin versions in apt-get install: `php${PHP}-cli` has no version"
        );
    }

    #[test]
    fn onbuild_apt_and_sudo() {
        assert_eq!(
            flagged("ONBUILD RUN apt-get install python\n"),
            vec!["python"]
        );
        assert_eq!(
            flagged("FROM ubuntu\nRUN sudo apt install -y curl\n"),
            vec!["curl"]
        );
    }

    #[test]
    fn not_on_powershell() {
        let src = "FROM debian\nSHELL [\"pwsh\", \"-Command\"]\nRUN apt-get install -y curl\n";
        assert!(flagged(src).is_empty());
    }
}
