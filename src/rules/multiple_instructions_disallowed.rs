//! DF012 `multiple-instructions-disallowed` (BuildKit: `MultipleInstructionsDisallowed`).
//!
//! BuildKit tracks the last CMD, ENTRYPOINT and HEALTHCHECK of each stage
//! while dispatching it. The finding is reported at the instruction that
//! overrides an earlier one (the one that wins), as hadolint's DL4003,
//! DL4004 and DL3012 do, so `# hadolint ignore=DL4003` above it keeps
//! working; the overridden instruction, which BuildKit points at, is a
//! label. A stage built FROM another stage starts with fresh trackers, and
//! ONBUILD triggers are not counted in the stage that declares them.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{Instruction, Keyword};
use crate::rules::stages::dispatched_stages;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF012",
    name: "multiple-instructions-disallowed",
    aliases: &[
        "MultipleInstructionsDisallowed",
        "DL4003",
        "DL4004",
        "DL3012",
    ],
    severity: Severity::Warning,
    summary: "Multiple instructions of the same type should not be used in the same stage",
    doc: include_str!("../../rules/DF012.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The instructions of which only the last one in a stage takes effect.
const SINGLE_USE: &[Keyword] = &[Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let src = ctx.source();
    for stage in dispatched_stages(df, ctx.build.target.as_deref()) {
        let mut last: HashMap<Keyword, &Instruction> = HashMap::new();
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            if !SINGLE_USE.contains(&ins.keyword) {
                continue;
            }
            if let Some(prev) = last.insert(ins.keyword, ins) {
                // BuildKit names the instruction as written (its casing kept).
                let name = ins.keyword_span.slice(src);
                let earlier = prev.keyword_span.slice(src);
                out.push(
                    ctx.diagnostic(
                        ins.keyword_span,
                        format!(
                            "Multiple {name} instructions should not be used in the same stage because only the last one will be used"
                        ),
                    )
                    .with_label(prev.keyword_span, format!("this {earlier} is ignored"))
                    .with_help(format!(
                        "Remove the earlier {earlier}, or merge it into this one: only the last {} of a stage takes effect",
                        ins.keyword.as_str()
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, slices};

    #[test]
    fn flags_every_overriding_instruction() {
        let src = "FROM scratch\nENTRYPOINT [\"/a\"]\nENTRYPOINT [\"/b\"]\nCMD [\"/a\"]\nCMD [\"/b\"]\nHEALTHCHECK CMD [\"/a\"]\nHEALTHCHECK CMD [\"/b\"]\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["ENTRYPOINT", "CMD", "HEALTHCHECK"]);
        let lines: Vec<usize> = diags
            .iter()
            .map(|d| {
                crate::span::LineIndex::new(src)
                    .position(src, d.span.start)
                    .line
            })
            .collect();
        assert_eq!(lines, [3, 5, 7]);
        assert_eq!(
            diags[0].message,
            "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used"
        );
        assert_eq!(diags[0].labels[0].span.slice(src), "ENTRYPOINT");
        assert!(diags[0].labels[0].span.start < diags[0].span.start);
    }

    #[test]
    fn three_cmds_flag_the_last_two() {
        let src = "FROM scratch\nCMD a\nRUN x\nCMD b\nCMD c\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].span.start, src.find("CMD b").unwrap());
        assert_eq!(diags[1].span.start, src.find("CMD c").unwrap());
        assert_eq!(diags[1].labels[0].span.start, src.find("CMD b").unwrap());
    }

    #[test]
    fn keeps_keyword_casing_in_message() {
        let src = "from scratch\ncmd a\ncmd b\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("Multiple cmd instructions"));
        assert_eq!(slices(src, &diags), ["cmd"]);
    }

    #[test]
    fn healthcheck_none_counts() {
        let src = "FROM scratch\nHEALTHCHECK NONE\nHEALTHCHECK CMD [\"/x\"]\n";
        assert_eq!(slices(src, &run(&RULE, src)), ["HEALTHCHECK"]);
    }

    #[test]
    fn stages_and_onbuild_are_separate() {
        let src = "FROM scratch AS a\nENTRYPOINT [\"/a\"]\nCMD [\"/a\"]\nONBUILD CMD [\"/x\"]\n\nFROM a AS b\nENTRYPOINT [\"/b\"]\nCMD [\"/b\"]\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn multi_line_and_crlf() {
        let src = "FROM scratch\r\nCMD [\"/a\", \\\r\n  \"b\"]\r\nCMD [\"/c\"]\r\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.start, src.rfind("CMD").unwrap());
        assert_eq!(diags[0].labels[0].span.start, src.find("CMD").unwrap());
    }

    #[test]
    fn single_instructions_are_fine() {
        let src = "FROM alpine\nENTRYPOINT [\"/a\"]\nCMD [\"--help\"]\nHEALTHCHECK CMD true\n";
        assert!(run(&RULE, src).is_empty());
    }
}
