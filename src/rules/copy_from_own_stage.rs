//! DL3023 `copy-from-own-stage` (hadolint: `DL3023`).
//!
//! A stage cannot copy from itself: `COPY --from=<its own name or index>`
//! makes the build fail (a stage depending on itself). Names are compared
//! case-insensitively, as BuildKit stores them.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::unquote;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3023",
    name: "copy-from-own-stage",
    aliases: &[],
    severity: Severity::Error,
    summary: "`COPY --from` cannot reference its own `FROM` alias",
    doc: include_str!("../../rules/DL3023.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // (index, lowercased name) of the current stage.
    let mut current: Option<(usize, Option<String>)> = None;
    for (_, ins) in ctx.dockerfile.instructions() {
        match &ins.kind {
            InstructionKind::From(from) => {
                let index = current.as_ref().map_or(0, |(i, _)| i + 1);
                let name = from.stage_name.as_ref().map(|n| n.value.to_lowercase());
                current = Some((index, name));
            }
            InstructionKind::Copy(_) => {
                let Some((index, name)) = &current else {
                    continue;
                };
                let Some(value) = ins.flag("from").and_then(|f| f.value.as_ref()) else {
                    continue;
                };
                let reference = unquote(&value.value);
                let own = name.as_deref() == Some(reference.to_lowercase().as_str())
                    || reference.parse::<usize>().ok() == Some(*index);
                if own {
                    out.push(
                        ctx.diagnostic(value.span, format!("`COPY --from={reference}` cannot reference its own `FROM` alias"))
                            .with_help("copy from another stage, or use a plain `COPY`/`RUN cp` inside this stage"),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_copy_from_the_same_stage() {
        let src = "FROM node:20 AS foo\nCOPY --from=foo bar .\nCOPY --from=FOO bar .\nCOPY --from=0 bar .\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["foo", "FOO", "0"]);
    }

    #[test]
    fn other_stages_are_fine() {
        let src = "FROM scratch AS build\nRUN foo\nFROM node:20 AS run\nCOPY --from=build foo .\nCOPY --from=0 foo .\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
