//! DL3018 `unpinned-apk-package`: Pin versions in apk add.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::APK`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3018",
    name: "unpinned-apk-package",
    aliases: &[],
    severity: Severity::Warning,
    summary:
        "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`",
    doc: include_str!("../../rules/DL3018.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::APK,
        out,
        "Pin versions in apk add",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!(
        "`apk policy {package}` lists the versions; `{package}~1.2` accepts patch releases"
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
        let src = "FROM alpine:3\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev=1.2 \"flex>=2\" git~2 git=~2.52 x.apk curl@edge\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["gcc", "curl@edge"]);
        assert_eq!(
            diags[0].message,
            "Pin versions in apk add: `gcc` and `curl@edge` have no version"
        );
    }

    #[test]
    fn repository_values_are_not_packages() {
        assert!(
            flagged("RUN apk add --no-cache -X https://x/edge/testing flow=0.78.0-r0\n").is_empty()
        );
        assert!(flagged("RUN apk add --repository https://x/edge flow=0.78.0-r0\n").is_empty());
        assert!(flagged("RUN apk add -t build-deps python-dev=1.1.1\n").is_empty());
    }

    #[test]
    fn global_options_before_add() {
        assert_eq!(flagged("RUN apk --no-cache add curl\n"), vec!["curl"]);
    }
}
