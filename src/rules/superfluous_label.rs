//! DL3050 `superfluous-label` (hadolint DL3050).
//!
//! With a strict label schema (hadolint's `strict-labels`), only the labels
//! of the schema may be set: the `labels` option lists them, and every
//! other label key is flagged.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::{configured, labels, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3050",
    name: "superfluous-label",
    aliases: &[],
    severity: Severity::Info,
    summary: "Superfluous label(s) present",
    doc: include_str!("../../rules/DL3050.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let allowed = configured(ctx);
    if allowed.is_empty() {
        return;
    }
    for label in labels(ctx.dockerfile) {
        if allowed.contains(&label.key) {
            continue;
        }
        out.push(
            ctx.diagnostic(
                label.key_span(),
                format!(
                    "Superfluous label present: `{}` is not in the label schema.",
                    label.key
                ),
            )
            .with_help(format!(
                "remove the label, or add it to the schema ({})",
                allowed.join(", ")
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::slices;

    #[test]
    fn labels_outside_the_schema_are_flagged_at_their_key() {
        let opts = "labels = [\"required\"]";
        let src = "LABEL required=\"foo\" other=\"bar\"\n";
        let diags = lint_with_options(&RULE, src, opts);
        assert_eq!(slices(src, &diags), vec!["other"]);
        assert_eq!(
            diags[0].message,
            "Superfluous label present: `other` is not in the label schema."
        );
        assert!(lint_with_options(&RULE, "LABEL required=\"foo\"\n", opts).is_empty());
        assert!(lint_with_options(&RULE, "\n", opts).is_empty());
        // Not strict (no list): nothing to enforce.
        assert!(lint_with_options(&RULE, src, "").is_empty());
    }
}
