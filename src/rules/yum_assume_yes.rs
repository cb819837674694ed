//! DL3030 `yum-assume-yes`: a yum install without `-y` waits for an answer the build cannot give.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_assume_yes, AssumeYes, RPM_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3030",
    name: "yum-assume-yes",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Use the -y switch to avoid manual input `yum install -y <package>`",
    doc: include_str!("../../rules/DL3030.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: AssumeYes = AssumeYes {
    programs: &["yum"],
    value_options: RPM_VALUE_OPTIONS,
    subcommands: &["install", "groupinstall", "localinstall", "reinstall", "group install"],
    long: &["--assumeyes"],
    short: &['y'],
    insert: "-y",
    after_program: false,
    why: "yum asks \"Is this ok [y/N]\" before it installs, and a build cannot answer, so yum exits with \"Exiting on user command\"",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["yum"]) {
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
        let src = "FROM centos:7\nRUN yum install httpd-2.4.24 && yum clean all\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["yum install"]);
        assert!(diags[0].message.contains("`-y`"));
        assert_fixes_to(
            &RULE,
            src,
            "FROM centos:7\nRUN yum install -y httpd-2.4.24 && yum clean all\n",
        );
    }

    #[test]
    fn cases() {
        for (src, fires) in [
            ("RUN yum install -y httpd-2.4.24 && yum clean all\n", false),
            ("RUN yum -y install httpd\n", false),
            ("RUN yum install --assumeyes httpd\n", false),
            ("RUN yum install -yq httpd\n", false),
            ("RUN bash -c `# not even a yum command`\n", false),
            ("RUN yum clean all\n", false),
            ("RUN yum localinstall x.rpm\n", true),
            ("RUN yum group install x\n", true),
            ("RUN sudo yum install x\n", true),
            ("ONBUILD RUN yum install x\n", true),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
