//! DL3034 `zypper-non-interactive`: a zypper command that may prompt, without `-n` / `-y`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_assume_yes, AssumeYes, ZYPPER_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3034",
    name: "zypper-non-interactive",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Non-interactive switch missing from `zypper` command: `zypper install -y`",
    doc: include_str!("../../rules/DL3034.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: AssumeYes = AssumeYes {
    programs: &["zypper"],
    value_options: ZYPPER_VALUE_OPTIONS,
    subcommands: &["install", "in", "remove", "rm", "source-install", "si", "patch"],
    long: &["--non-interactive", "--no-confirm"],
    short: &['n', 'y'],
    insert: "-n",
    after_program: true,
    why: "zypper asks before it changes packages, and a build cannot answer; `zypper -n` (`--non-interactive`) takes the default answers",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["zypper"]) {
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
        let src = "FROM opensuse/leap:15.6\nRUN zypper install httpd && zypper clean\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["zypper install"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM opensuse/leap:15.6\nRUN zypper -n install httpd && zypper clean\n",
        );
    }

    #[test]
    fn cases() {
        for (src, fires) in [
            (
                "RUN zypper install -n httpd=2.4.24 && zypper clean\n",
                false,
            ),
            ("RUN zypper install --non-interactive httpd\n", false),
            ("RUN zypper install -y httpd\n", false),
            ("RUN zypper --no-confirm in httpd\n", false),
            ("RUN zypper -n in httpd\n", false),
            ("RUN zypper remove x\n", true),
            ("RUN zypper patch\n", true),
            ("RUN zypper refresh\n", false),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
