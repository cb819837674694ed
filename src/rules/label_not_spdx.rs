//! DL3054 `label-not-spdx` (hadolint DL3054).
//!
//! The labels named by the `labels` option (from hadolint's `label-schema`)
//! must hold a valid value. A value built from a variable is not known
//! before the build and is not checked.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{check_values, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3054",
    name: "label-not-spdx",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema is not an SPDX license identifier",
    doc: include_str!("../../rules/DL3054.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// One license identifier of the SPDX list (not an expression).
fn valid(value: &str) -> bool {
    !value.ends_with('+') && spdx::license_id(value).is_some()
}

fn message(label: &str) -> String {
    format!("Label `{label}` is not a valid SPDX identifier.")
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    check_values(
        ctx,
        out,
        valid,
        message,
        "use an SPDX license identifier, e.g. `MIT` or `Apache-2.0` (https://spdx.org/licenses/)",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn bad_values_are_flagged_at_the_value() {
        for value in ["not-spdx", "MIT OR Apache-2.0"] {
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
        for value in ["BSD-3-Clause", "MIT", "Apache-2.0"] {
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
