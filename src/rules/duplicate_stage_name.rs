//! DF005 `duplicate-stage-name` (BuildKit: `DuplicateStageName`).
//!
//! Stage names are compared lowercased, as BuildKit stores them; the message
//! names the lowercased stage. Every redefinition is flagged, with a label on
//! the first definition. No fix: which stage was meant is the author's call.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::go_quote;
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF005",
    name: "duplicate-stage-name",
    aliases: &["DuplicateStageName", "DL3024"],
    severity: Severity::Warning,
    summary: "Stage names should be unique",
    doc: include_str!("../../rules/DF005.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut first_definition: HashMap<String, Span> = HashMap::new();
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let Some(name) = &from.stage_name else {
            continue;
        };
        let key = name.value.to_lowercase();
        match first_definition.get(&key) {
            Some(&first) => {
                let message = format!(
                    "Duplicate stage name {}, stage names should be unique",
                    go_quote(&key)
                );
                out.push(
                    ctx.diagnostic(name.span, message)
                        .with_help("rename one of the stages: a reference finds only the latest one defined before it")
                        .with_label(first, "first defined here"),
                );
            }
            None => {
                first_definition.insert(key, name.span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn second_definition_is_flagged_with_label() {
        let src = "FROM scratch AS b\nFROM scratch AS b\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["b"]);
        assert_eq!(diags[0].span.start, 34);
        assert_eq!(
            diags[0].message,
            "Duplicate stage name \"b\", stage names should be unique"
        );
        assert_eq!(diags[0].labels.len(), 1);
        assert_eq!(diags[0].labels[0].span.start, 16);
    }

    #[test]
    fn case_insensitive_and_every_repeat() {
        let src = "FROM a AS Build\nfrom b as build\nFROM c AS BUILD\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["build", "BUILD"]);
        assert!(diags.iter().all(|d| d.message.contains("\"build\"")));
        assert!(diags.iter().all(|d| d.labels[0].span.slice(src) == "Build"));
    }

    #[test]
    fn unique_names_are_fine() {
        assert!(lint(
            &RULE,
            "FROM scratch AS b1\nFROM scratch AS b2\nFROM b1\nFROM b1\n"
        )
        .is_empty());
    }
}
