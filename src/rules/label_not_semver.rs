//! DL3056 `label-not-semver` (hadolint DL3056).
//!
//! The labels named by the `labels` option (from hadolint's `label-schema`)
//! must hold a valid value. A value built from a variable is not known
//! before the build and is not checked.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{check_values, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3056",
    name: "label-not-semver",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema does not follow semantic versioning",
    doc: include_str!("../../rules/DL3056.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// A Semantic Versioning 2.0.0 version.
fn valid(value: &str) -> bool {
    static SEMVER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$",
        )
        .expect("regex")
    });
    SEMVER.is_match(value)
}

fn message(label: &str) -> String {
    format!("Label `{label}` does not conform to semantic versioning.")
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    check_values(
        ctx,
        out,
        valid,
        message,
        "use a semantic version `MAJOR.MINOR.PATCH`, e.g. `1.4.2` or `2.0.1-rc1`",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn bad_values_are_flagged_at_the_value() {
        for value in ["not-sem-ver", "1.0", "v1.0.0", "01.0.0"] {
            let src = format!("FROM a\nLABEL other=\"x\" checked=\"{value}\"\n");
            let diags = lint_with_options(&RULE, &src, "labels = [\"checked\"]");
            assert_eq!(
                slices(&src, &diags),
                vec![format!("\"{value}\"")],
                "{value}"
            );
            assert_eq!(diags[0].message, message("checked"));
        }
    }

    #[test]
    fn good_values_other_labels_and_variables_pass() {
        for value in ["1.0.0", "2.0.1-rc1", "1.0.0+build.5"] {
            assert!(valid(value), "{value}");
            let src = format!("FROM a\nLABEL checked={value}\n");
            let diags = lint_with_options(&RULE, &src, "labels = [\"checked\"]");
            assert!(diags.is_empty(), "{value}: {diags:?}");
        }
        let src = "FROM a\nLABEL other=\"bad value\" checked=\"${V}\"\n";
        assert!(lint_with_options(&RULE, src, "labels = [\"checked\"]").is_empty());
        // No schema, no check.
        assert!(lint_with_options(&RULE, "LABEL checked=\"\"\n", "").is_empty());
    }
}
