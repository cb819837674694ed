//! DL3033 `unpinned-yum-package`: Specify version with `yum install -y <package>-<version>`.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::YUM`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3033",
    name: "unpinned-yum-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Specify version with `yum install -y <package>-<version>`",
    doc: include_str!("../../rules/DL3033.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::YUM,
        out,
        "Specify a version in yum install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!("`yum --showduplicates list {package}` lists the versions; a module takes a stream: `<module>:<stream>`");
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
        let src = "FROM centos:7\nRUN yum install -y tomcat httpd-2.4.6 openssl-1:1.1.1k x.rpm java-11-openjdk && yum clean all\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["tomcat", "java-11-openjdk"]);
        assert_eq!(
            diags[0].message,
            "Specify a version in yum install: `tomcat` and `java-11-openjdk` have no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `tomcat-<version>`"));
    }

    #[test]
    fn modules_and_groups() {
        assert_eq!(
            flagged("RUN yum module install -y nodejs nodejs:18\n"),
            vec!["nodejs"]
        );
        assert!(flagged("RUN yum groupinstall -y \"Development Tools\"\n").is_empty());
        assert_eq!(
            flagged("RUN yum install -y --enablerepo epel curl\n"),
            vec!["curl"]
        );
    }

    #[test]
    fn declared_variables_read_as_versions() {
        assert!(flagged("ARG version=1\nRUN yum -y install git-core-$version\n").is_empty());
        assert!(flagged(
            "FROM f AS a\nARG version=1\nFROM f\nRUN yum -y install git-core-${version}\n"
        )
        .is_empty());
        assert!(flagged(
            "FROM f AS a\nENV version=1\nFROM a\nRUN yum -y install git-core-${version}\n"
        )
        .is_empty());
        let src = "FROM f AS a\nENV version=1\nFROM f\nRUN yum -y install git-core-${version}\n";
        assert_eq!(flagged(src), vec!["git-core-${version}"]);
    }
}
