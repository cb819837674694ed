//! DL3051 `empty-label` (hadolint DL3051).
//!
//! A label of the schema (the `labels` option, from hadolint's
//! `label-schema`) is set to the empty string.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{configured, labels, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3051",
    name: "empty-label",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A label in the schema is empty",
    doc: include_str!("../../rules/DL3051.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let names = configured(ctx);
    if names.is_empty() {
        return;
    }
    for label in labels(ctx.dockerfile) {
        if names.contains(&label.key) && label.value.as_deref() == Some("") {
            let span = if label.value_span().is_empty() {
                label.pair.span
            } else {
                label.value_span()
            };
            out.push(
                ctx.diagnostic(span, format!("Label `{}` is empty.", label.key))
                    .with_help("give the label a value, or drop it"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn empty_schema_labels_are_flagged() {
        let src = "FROM a\nLABEL emptylabel=\"\" other=\"\"\nLABEL emptylabel=''\n";
        let diags = lint_with_options(&RULE, src, "labels = [\"emptylabel\"]");
        assert_eq!(slices(src, &diags), vec!["\"\"", "''"]);
        assert_eq!(diags[0].message, "Label `emptylabel` is empty.");
    }

    #[test]
    fn values_variables_and_no_schema_pass() {
        let opts = "labels = [\"emptylabel\"]";
        assert!(lint_with_options(&RULE, "LABEL emptylabel=\"foo\"\n", opts).is_empty());
        assert!(lint_with_options(&RULE, "LABEL emptylabel=\"${X}\"\n", opts).is_empty());
        assert!(lint_with_options(&RULE, "LABEL emptylabel=\"\"\n", "").is_empty());
    }
}
