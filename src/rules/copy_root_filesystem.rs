//! DL3067 `copy-whole-filesystem` (hadolint: `DL3067`).
//!
//! `COPY --from=<stage> / /` copies every file of another stage over this
//! one: package databases, caches and all, which is rarely what is meant
//! and hides what the image contains.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::unquote;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3067",
    name: "copy-whole-filesystem",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Do not copy an entire filesystem from another stage",
    doc: include_str!("../../rules/DL3067.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::Copy(copy) = &ins.kind else {
            continue;
        };
        if ins.flag("from").is_none() {
            continue;
        }
        let Some(dest) = &copy.destination else {
            continue;
        };
        let Some(root) = copy.sources.iter().find(|s| unquote(&s.value) == "/") else {
            continue;
        };
        if unquote(&dest.value) != "/" {
            continue;
        }
        out.push(
            ctx.diagnostic(
                root.span,
                "Do not copy an entire filesystem from another stage",
            )
            .with_help(
                "copy only the directories the image needs, e.g. `COPY --from=build /app /app`",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_root_to_root_from_another_stage() {
        let src = "COPY --from=build / /\nCOPY --from=build \"/\" \"/\"\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["/", "\"/\""]);
    }

    #[test]
    fn other_copies_are_fine() {
        let src = "COPY / /\nCOPY --from=build /app /\nCOPY --from=build / /app\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
