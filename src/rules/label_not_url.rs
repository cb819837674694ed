//! DL3052 `label-not-url` (hadolint DL3052).
//!
//! The labels named by the `labels` option (from hadolint's `label-schema`)
//! must hold a valid value. A value built from a variable is not known
//! before the build and is not checked.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{check_values, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3052",
    name: "label-not-url",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema is not a valid URL",
    doc: include_str!("../../rules/DL3052.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// An absolute URI as RFC 3986 writes it: a scheme, `:`, then only URI
/// characters (what hadolint's `Network.URI.parseURI` accepts).
fn valid(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

fn message(label: &str) -> String {
    format!("Label `{label}` is not a valid URL.")
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    check_values(
        ctx,
        out,
        valid,
        message,
        "give an absolute URL with a scheme, e.g. `https://example.com/project`",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn bad_values_are_flagged_at_the_value() {
        for value in ["not-url", "http//x", "https://exa mple.com"] {
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
            "http://example.com",
            "https://github.com/o/r/tree/main?x=1#y",
            "mailto:me@example.com",
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
