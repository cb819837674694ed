//! DL3038 `dnf-assume-yes`: a dnf or microdnf install without `-y` waits for an answer the build cannot give.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_assume_yes, AssumeYes, RPM_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3038",
    name: "dnf-assume-yes",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Use the -y switch to avoid manual input `dnf install -y <package>`",
    doc: include_str!("../../rules/DL3038.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: AssumeYes = AssumeYes {
    programs: &["dnf", "dnf5", "dnf-3", "microdnf"],
    value_options: RPM_VALUE_OPTIONS,
    subcommands: &[
        "install",
        "in",
        "groupinstall",
        "localinstall",
        "reinstall",
        "group install",
        "module install",
    ],
    long: &["--assumeyes"],
    short: &['y'],
    insert: "-y",
    after_program: false,
    why: "dnf asks \"Is this ok [y/N]\" before it installs, and a build cannot answer, so the install aborts",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["dnf"]) {
        return;
    }
    check_assume_yes(ctx, out, &SPEC);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_and_fixes() {
        let src = "FROM fedora:40\nRUN microdnf install httpd && microdnf clean all\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["microdnf install"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM fedora:40\nRUN microdnf install -y httpd && microdnf clean all\n",
        );
    }

    #[test]
    fn cases() {
        for (src, fires) in [
            ("RUN dnf install httpd-2.4.24 && dnf clean all\n", true),
            ("RUN dnf install -y httpd-2.4.24 && dnf clean all\n", false),
            (
                "RUN microdnf install -y httpd-2.4.24 && microdnf clean all\n",
                false,
            ),
            ("RUN dnf --assumeyes install httpd\n", false),
            ("RUN notdnf install httpd\n", false),
            ("RUN dnf group install x\n", true),
            ("RUN dnf --setopt=tsflags=nodocs install x\n", true),
            ("RUN dnf --setopt tsflags=nodocs install -y x\n", false),
            ("RUN dnf upgrade\n", false),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
