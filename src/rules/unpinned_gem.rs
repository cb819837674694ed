//! DL3028 `unpinned-gem`: Pin versions in gem install.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::GEM`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3028",
    name: "unpinned-gem",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`",
    doc: include_str!("../../rules/DL3028.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::GEM,
        out,
        "Pin versions in gem install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!(
        "`gem list --remote --exact --all {package}` lists the versions; `-v <version>` works too"
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
    fn one_finding_per_unpinned_gem() {
        let src = "FROM ruby:3\nRUN gem install bundler:2 nokogiri -- --use-system-libraries\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["nokogiri"]);
        assert_eq!(
            diags[0].message,
            "Pin versions in gem install: `nokogiri` has no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `nokogiri:<version>`"));
    }

    #[test]
    fn version_option_pins_the_command() {
        // gem knows no `--use-system-libraries`: the word after it is not a gem.
        assert!(flagged("RUN gem install bundler:2.0.1 --use-system-libraries true\n").is_empty());
        assert!(flagged("RUN gem install bundler -v '2.0.1'\n").is_empty());
        assert!(flagged("RUN gem install bundler --version='2.0.1'\n").is_empty());
        assert_eq!(flagged("RUN gem i bundler\n"), vec!["bundler"]);
        assert_eq!(
            flagged("RUN gem install --no-document bundler\n"),
            vec!["bundler"]
        );
    }
}
