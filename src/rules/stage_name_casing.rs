//! DF001 `stage-name-casing` (BuildKit: `StageNameCasing`).
//!
//! BuildKit lowercases stage names when it stores them, so `AS Builder`
//! defines the stage `builder`; `COPY --from=Builder` still finds it, but
//! `FROM Builder` is read as an image reference and fails. The fix renames
//! the stage and every reference to it to lowercase in one go.

use std::collections::HashMap;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Instruction, InstructionKind};
use crate::rules::stage_walk::work;
use crate::rules::stages::effective;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF001",
    name: "stage-name-casing",
    aliases: &["StageNameCasing"],
    severity: Severity::Warning,
    summary: "Stage names should be lowercase",
    doc: include_str!("../../rules/DF001.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// One pass over the instructions: each reference goes to the fix of the
/// latest stage of that name defined before it (a later stage of the same
/// name shadows an earlier one, as in BuildKit), so the work is linear.
fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    // Lowercased name → index in `found` of the stage that now owns it
    // (`None` when that stage is already lowercase).
    let mut latest: HashMap<String, Option<usize>> = HashMap::new();
    let mut found: Vec<(Diagnostic, Vec<Edit>)> = Vec::new();
    for (_, ins) in df.instructions() {
        for (text, span) in references(ins) {
            let lower = text.to_lowercase();
            if *text == lower {
                continue;
            }
            if let Some(Some(owner)) = latest.get(&lower) {
                found[*owner].1.push(Edit::replace(ctx.path, span, lower));
            }
        }
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let Some(name) = &from.stage_name else {
            continue;
        };
        let lower = name.value.to_lowercase();
        if name.value == lower {
            latest.insert(lower, None);
            continue;
        }
        latest.insert(lower.clone(), Some(found.len()));
        let message = format!("Stage name '{}' should be lowercase", name.value);
        let diag = ctx.diagnostic(name.span, message).with_help(format!(
            "rename the stage to `{lower}` (BuildKit lowercases stage names anyway)"
        ));
        found.push((diag, vec![Edit::replace(ctx.path, name.span, lower)]));
    }
    for (diag, edits) in found {
        let name = diag.span.slice(ctx.source()).to_string();
        let lower = name.to_lowercase();
        out.push(diag.with_fix(Fix::safe(
            format!("Rename stage `{name}` to `{lower}` everywhere"),
            edits,
        )));
    }
}

/// The stage references of an instruction, as written, with their spans:
/// `FROM name`, `COPY --from=name`, `RUN --mount=...,from=name`, also under
/// ONBUILD.
fn references(ins: &Instruction) -> Vec<(String, Span)> {
    work::add(1);
    let mut refs = Vec::new();
    let ins = effective(ins);
    match &ins.kind {
        InstructionKind::From(from) => refs.push((from.image.value.clone(), from.image.span)),
        InstructionKind::Copy(_) => {
            if let Some(value) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                // BuildKit removes quotes from flag values: `--from="Build"`.
                let (text, span) = unquoted(&value.value, value.span);
                refs.push((text.to_string(), span));
            }
        }
        InstructionKind::Run(_) => {
            for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for option in flag.options() {
                    if option.key.value != "from" {
                        continue;
                    }
                    if let Some(value) = option.value {
                        refs.push((value.value, value.span));
                    }
                }
            }
        }
        _ => {}
    }
    refs
}

/// A flag value without one pair of surrounding quotes, with the span of
/// what is inside them.
fn unquoted(value: &str, span: Span) -> (&str, Span) {
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    if quoted && span.len() == value.len() {
        (
            &value[1..value.len() - 1],
            Span::new(span.start + 1, span.end - 1),
        )
    } else {
        (value, span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lines, lint, slices};

    #[test]
    fn many_uppercase_stages_read_each_instruction_once() {
        // Scanning every later instruction for every uppercase stage was
        // quadratic (about 4.5 million reads for 3,000 stages).
        let n = 3_000;
        let mut src = String::from("FROM alpine AS Stage0\n");
        for i in 1..n {
            src += &format!(
                "FROM Stage{} AS Stage{i}\nCOPY --from=STAGE0 /a /b\n",
                i - 1
            );
        }
        work::take();
        let diags = lint(&RULE, &src);
        let read = work::take() as usize;
        assert_eq!(diags.len(), n);
        assert!(read <= 2 * n, "{read} reads for {} instructions", 2 * n - 1);
        // The first stage's fix renames every reference to it; the others
        // only their own name and the FROM of the next stage.
        let edits = |i: usize| diags[i].fix.as_ref().map_or(0, |f| f.edits.len());
        assert_eq!(edits(0), n + 1);
        assert_eq!(edits(1), 2);
        assert_eq!(edits(n - 1), 1);
    }

    #[test]
    fn a_reference_belongs_to_the_latest_stage_of_that_name() {
        // Two stages share a name (DF005); each reference is renamed by the
        // fix of the stage it resolves to, never by both.
        let src = "FROM alpine AS Build\nFROM Build AS x\nFROM alpine AS BUILD\nCOPY --from=Build /a /b\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), ["Build", "BUILD"]);
        let edits = |i: usize| diags[i].fix.as_ref().map_or(0, |f| f.edits.len());
        assert_eq!((edits(0), edits(1)), (2, 2));
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine AS build\nFROM build AS x\nFROM alpine AS build\nCOPY --from=build /a /b\n",
        );
    }

    #[test]
    fn flags_uppercase_stage_name_with_exact_span() {
        let src = "FROM alpine AS Builder\nRUN true\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["Builder"]);
        assert_eq!(diags[0].message, "Stage name 'Builder' should be lowercase");
    }

    #[test]
    fn lowercase_and_unnamed_stages_are_fine() {
        assert!(lint(&RULE, "FROM alpine AS builder\nFROM alpine\nFROM builder\n").is_empty());
        assert!(lint(&RULE, "from alpine as build-1.x_y\n").is_empty());
    }

    #[test]
    fn fix_renames_every_reference() {
        let src = "FROM golang AS Build\n\
                   RUN go build\n\
                   FROM Build AS Test\n\
                   FROM alpine\n\
                   COPY --from=Build /out /bin/\n\
                   RUN --mount=type=bind,from=BUILD,target=/src ls /src\n\
                   ONBUILD COPY --from=Build /a /b\n";
        let expected = "FROM golang AS build\n\
                        RUN go build\n\
                        FROM build AS test\n\
                        FROM alpine\n\
                        COPY --from=build /out /bin/\n\
                        RUN --mount=type=bind,from=build,target=/src ls /src\n\
                        ONBUILD COPY --from=build /a /b\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["Build", "Test"]);
        let edits = diags[0].fix.as_ref().map_or(0, |f| f.edits.len());
        assert_eq!(edits, 5);
        assert_fixes_to(&RULE, src, expected);
    }

    #[test]
    fn other_stages_and_images_are_left_alone() {
        let src =
            "FROM alpine AS Base\nFROM other AS x\nCOPY --from=basement /a /b\nFROM baseline\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].fix.as_ref().map_or(0, |f| f.edits.len()), 1);
    }

    #[test]
    fn multiline_and_crlf() {
        let src = "FROM alpine \\\r\n  AS Dev\r\nFROM Dev\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["Dev"]);
        assert_fixes_to(&RULE, src, "FROM alpine \\\r\n  AS dev\r\nFROM dev\r\n");
    }

    #[test]
    fn quoted_copy_from_value() {
        let src = "FROM alpine AS Base\nFROM alpine\nCOPY --from=\"Base\" /a /b\n";
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine AS base\nFROM alpine\nCOPY --from=\"base\" /a /b\n",
        );
    }

    #[test]
    fn non_ascii_name_never_panics() {
        let src = "FROM alpine AS Ünïcode\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["Ünïcode"]);
    }

    #[test]
    fn buildkit_lint_test_case() {
        let src = "\n# warning: stage name should be lowercase\n#\nFROM scratch AS BadStageName\n\n# warning: 'as' should match 'FROM' cmd casing.\n#\nFROM scratch as base2\n\nFROM scratch AS base3\n";
        let diags = lint(&RULE, src);
        assert_eq!(lines(src, &diags), vec![4]);
        assert_eq!(
            diags[0].message,
            "Stage name 'BadStageName' should be lowercase"
        );
    }
}
