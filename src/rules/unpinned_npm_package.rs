//! DL3016 `unpinned-npm-package`: Pin versions in npm.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::NPM`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3016",
    name: "unpinned-npm-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`",
    doc: include_str!("../../rules/DL3016.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(
        ctx,
        &package_pins::NPM,
        out,
        "Pin versions in npm install",
        help,
    );
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!(
        "`npm view {} versions` lists the versions; a git dependency takes `#<commit>`",
        package_pins::npm_name(package)
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
        let src = "FROM node:20\nRUN npm install -g express@4 sax @org/x @org/y@1 npm@latest ./dir x.tgz git+https://h/a/b.git git://h/a/b.git#v1\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["sax", "@org/x", "npm@latest", "git+https://h/a/b.git"]
        );
        // One finding for the command, the other packages as labels.
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            "Pin versions in npm install: `sax`, `@org/x`, `npm@latest` and `git+https://h/a/b.git` have no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `sax@<version>`"));
    }

    #[test]
    fn project_installs_and_other_commands() {
        assert!(
            flagged("RUN npm install\nRUN npm ci\nRUN npm install --progress=false\n").is_empty()
        );
        assert!(flagged("RUN npm run --crazy install\n").is_empty());
        assert_eq!(
            flagged("RUN npm install --registry https://example.com express\n"),
            vec!["express"]
        );
        assert_eq!(flagged("RUN npm i -g pm2\n"), vec!["pm2"]);
    }
}
