//! DL3013 `unpinned-pip-package`: Pin versions in pip.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::PIP`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3013",
    name: "unpinned-pip-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`",
    doc: include_str!("../../rules/DL3013.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::PIP,
        out,
        "Pin versions in pip install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!("`pip index versions {package}` lists the versions; a requirements or constraints file can hold the pins");
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
        let src = "FROM python:3\nRUN pip install --upgrade pip flask==2 'alabaster>=0.7' . ./dist/x.whl git+https://g/a/b.git#egg=b\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["pip", "git+https://g/a/b.git#egg=b"]
        );
        assert_eq!(
            diags[0].message,
            "Pin versions in pip install: `pip` and `git+https://g/a/b.git#egg=b` have no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `pip==<version>`"));
    }

    #[test]
    fn requirement_and_constraint_files() {
        assert!(flagged("RUN pip install -r requirements.txt\n").is_empty());
        assert_eq!(
            flagged("RUN pip install -r requirements.txt flask\n"),
            vec!["flask"]
        );
        assert!(flagged("RUN pip install pykafka -c http://foo.bar.baz\n").is_empty());
        assert!(flagged("RUN pip install --constraint c.txt pykafka\n").is_empty());
    }

    #[test]
    fn option_values_are_not_packages() {
        assert!(
            flagged("RUN python3 -m pip install --timeout 60 -i https://x/simple flask==1\n")
                .is_empty()
        );
        assert!(flagged(
            "RUN pip install --no-cache-dir --root-user-action ignore poetry==1.8.5\n"
        )
        .is_empty());
        assert_eq!(
            flagged("RUN pip install --root-user-action=ignore mypkg\n"),
            vec!["mypkg"]
        );
    }

    #[test]
    fn pipx() {
        let src = "RUN pipx install --python \"$(which python)\" black \"poetry==1.8.5\"\n";
        assert_eq!(flagged(src), vec!["black"]);
        assert!(flagged("RUN pipenv install black\n").is_empty());
    }

    #[test]
    fn vcs_revision_and_user() {
        assert!(flagged("RUN pip install git+ssh://git@github.com/a/b.git@0.6#egg=b\n").is_empty());
        assert_eq!(
            flagged("RUN pip install git+ssh://git@github.com/a/b.git#egg=b\n").len(),
            1
        );
    }
}
