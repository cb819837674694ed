//! DL3037 `unpinned-zypper-package`: Specify version with `zypper install -y <package>=<version>`.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::ZYPPER`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3037",
    name: "unpinned-zypper-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Specify version with `zypper install -y <package>=<version>`",
    doc: include_str!("../../rules/DL3037.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::ZYPPER,
        out,
        "Specify a version in zypper install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!(
        "`zypper search -s {package}` lists the versions; `'{package}>=1.2'` sets a lower bound"
    );
    format!("pin the version: `{pinned}` ({hint})")
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
        let src = "FROM opensuse/leap\nRUN zypper install -y tomcat 'curl>=8' tomcat\\>9.0 vim=9 x.rpm && zypper clean\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["tomcat"]);
        assert_eq!(
            diags[0].message,
            "Specify a version in zypper install: `tomcat` has no version"
        );
    }

    #[test]
    fn patterns_are_not_packages() {
        assert!(flagged("RUN zypper in -y -t pattern devel_basis\n").is_empty());
        assert_eq!(
            flagged("RUN zypper --non-interactive in --no-recommends curl\n"),
            vec!["curl"]
        );
    }
}
