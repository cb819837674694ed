//! DF006 `reserved-stage-name` (BuildKit: `ReservedStageName`).
//!
//! `scratch` is the empty image and `context` the build context; a stage
//! with either name is shadowed by them. Compared lowercased, as BuildKit
//! stores stage names. No fix: the new name is the author's choice.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::go_quote;
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF006",
    name: "reserved-stage-name",
    aliases: &["ReservedStageName", "DL3063"],
    severity: Severity::Warning,
    summary: "Reserved words should not be used as stage names",
    doc: include_str!("../../rules/DF006.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Names BuildKit gives a meaning of its own.
const RESERVED_STAGE_NAMES: &[&str] = &["context", "scratch"];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let Some(name) = &from.stage_name else {
            continue;
        };
        let key = name.value.to_lowercase();
        if !RESERVED_STAGE_NAMES.contains(&key.as_str()) {
            continue;
        }
        let message = format!(
            "Stage name should not use the same name as reserved stage {}",
            go_quote(&key)
        );
        out.push(
            ctx.diagnostic(name.span, message)
                .with_help("choose another stage name and update the references to it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn scratch_and_context_are_reserved() {
        let src = "FROM scratch AS scratch\nFROM scratch AS context\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["scratch", "context"]);
        assert_eq!(
            diags[0].message,
            "Stage name should not use the same name as reserved stage \"scratch\""
        );
        assert_eq!(
            diags[1].message,
            "Stage name should not use the same name as reserved stage \"context\""
        );
        assert_eq!(diags[0].span.start, 16);
    }

    #[test]
    fn case_insensitive_multiline() {
        let src = "from alpine \\\n  as Context\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["Context"]);
        assert!(diags[0].message.ends_with("\"context\""));
    }

    #[test]
    fn base_image_scratch_and_other_names_are_fine() {
        assert!(lint(
            &RULE,
            "FROM scratch\nFROM scratch AS a\nFROM alpine AS scratchpad\n"
        )
        .is_empty());
    }
}
