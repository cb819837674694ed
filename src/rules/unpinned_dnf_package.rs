//! DL3041 `unpinned-dnf-package`: Specify version with `dnf install -y <package>-<version>`.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::DNF`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3041",
    name: "unpinned-dnf-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Specify version with `dnf install -y <package>-<version>`",
    doc: include_str!("../../rules/DL3041.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::DNF,
        out,
        "Specify a version in dnf install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!("`dnf --showduplicates list {package}` lists the versions; a module takes a stream: `<module>:<stream>`");
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
        let src = "FROM fedora\nRUN dnf install -y tomcat rpm-sign-4.16.1.3 gcc-c++-1.1.1 python3-pip && dnf clean all\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["tomcat", "python3-pip"]);
        assert_eq!(
            diags[0].message,
            "Specify a version in dnf install: `tomcat` and `python3-pip` have no version"
        );
        assert_eq!(
            flagged("RUN microdnf install -y rpm-sign\n"),
            vec!["rpm-sign"]
        );
    }

    #[test]
    fn modules_groups_and_kernel_versions() {
        assert_eq!(
            flagged("RUN microdnf module install -y tomcat\n"),
            vec!["tomcat"]
        );
        assert!(flagged("RUN dnf module install -y tomcat:9\n").is_empty());
        assert!(flagged("RUN dnf -y --setopt=group_package_types=mandatory group install \"Development Tools\"\n").is_empty());
        assert!(flagged("RUN dnf install -y kernel-devel-$(uname -r)\n").is_empty());
        assert_eq!(
            flagged("RUN dnf install -y --enablerepo epel curl\n"),
            vec!["curl"]
        );
    }
}
