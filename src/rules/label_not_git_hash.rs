//! DL3055 `label-not-git-hash` (hadolint DL3055).
//!
//! The labels named by the `labels` option (from hadolint's `label-schema`)
//! must hold a valid value. A value built from a variable is not known
//! before the build and is not checked.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{check_values, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3055",
    name: "label-not-git-hash",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema is not a git commit hash",
    doc: include_str!("../../rules/DL3055.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// A full (40) or short (7) lowercase hex commit hash.
fn valid(value: &str) -> bool {
    (value.len() == 40 || value.len() == 7)
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn message(label: &str) -> String {
    format!("Label `{label}` is not a valid git hash.")
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    check_values(
        ctx,
        out,
        valid,
        message,
        "use the commit's full (40) or short (7) lowercase hex hash, e.g. from `git rev-parse HEAD`",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn bad_values_are_flagged_at_the_value() {
        for value in ["not-git-hash", "2DBFAE9", "2dbfae"] {
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
        for value in ["2dbfae9", "43c572f1272b6b3171dd1db9e41b7027128ce080"] {
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
