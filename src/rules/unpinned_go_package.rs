//! DL3062 `unpinned-go-package`: Pin versions in go install, go get and go run.
//!
//! One finding per package argument without a version; what a pin looks
//! like for this ecosystem is [`package_pins::GO`]. No fix: the version
//! to pin is not in the Dockerfile.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_pins;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3062",
    name: "unpinned-go-package",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Pin versions in go install, go get and go run. Instead of `go install <package>` use `go install <package>@<version>`",
    doc: include_str!("../../rules/DL3062.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    package_pins::check(ctx, &package_pins::GO, out, "Pin versions in go", help);
}

fn help(package: &str, pinned: &str) -> String {
    let hint: String = format!(
        "`go list -m -versions {}` lists a module's versions; `@latest` follows whatever is newest",
        package.split('@').next().unwrap_or(package)
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
        let src = "FROM golang\nRUN go install example.com/a example.com/b@latest example.com/c@v1.2.3 ./cmd/...\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["example.com/a", "example.com/b@latest"]
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            "Pin versions in go: `example.com/a` and `example.com/b@latest` have no version"
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("pin the version: `example.com/a@<version>`"));
    }

    #[test]
    fn go_get_and_go_run() {
        assert!(flagged("RUN go install tool\n").is_empty());
        let src = "RUN CGO_ENABLED=0 go install \\\n    --ldflags \"-s\" -a -installsuffix cgo \\\n    ./cmd/...\n";
        assert!(flagged(src).is_empty());
        assert_eq!(flagged("RUN go get -tool foobar\n"), vec!["foobar"]);
        assert!(flagged("RUN go get -tool foobar@v1.2.3\n").is_empty());
        assert!(flagged("RUN go run example.com/pkg@v1.2.3 --foo bar\n").is_empty());
        assert_eq!(
            flagged("RUN go run -ldflags \"-s\" example.com/x arg\n"),
            vec!["example.com/x"]
        );
        assert!(flagged(
            "RUN go run main.go\nRUN go run .\nRUN go mod download\nRUN go build ./...\n"
        )
        .is_empty());
    }
}
