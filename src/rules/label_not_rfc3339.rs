//! DL3053 `label-not-rfc3339` (hadolint DL3053).
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
    code: "DL3053",
    name: "label-not-rfc3339",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema is not an RFC 3339 date-time",
    doc: include_str!("../../rules/DL3053.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, fields in range.
fn valid(value: &str) -> bool {
    static RFC3339: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$",
        )
        .expect("regex")
    });
    let Some(c) = RFC3339.captures(value) else {
        return false;
    };
    let n = |i: usize| {
        c.get(i)
            .map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(99))
    };
    (1..=12).contains(&n(2))
        && (1..=31).contains(&n(3))
        && n(4) < 24
        && n(5) < 60
        && n(6) <= 60
        && n(9) < 24
        && n(10) < 60
}

fn message(label: &str) -> String {
    format!("Label `{label}` is not a valid time format - must be conform to RFC3339.")
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    check_values(
        ctx,
        out,
        valid,
        message,
        "write the date-time as RFC 3339, e.g. `2024-05-01T12:00:00Z` (`date -u +%Y-%m-%dT%H:%M:%SZ`)",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn bad_values_are_flagged_at_the_value() {
        for value in ["not-date", "2021-03-10", "2021-13-10T10:26:33Z"] {
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
        for value in [
            "2021-03-10T10:26:33.564595127+01:00",
            "2024-05-01T12:00:00Z",
        ] {
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
