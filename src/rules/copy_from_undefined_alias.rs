//! DL3022 `copy-from-undefined-stage` (hadolint: `DL3022`).
//!
//! `COPY --from=<name>` takes files from the stage `<name>`, or, when no
//! stage is called that, from the image `<name>`. A bare word that names no
//! earlier stage is most often a typo or a stage defined further down (a
//! stage can only copy from stages before it), so it is reported. A value
//! that is clearly an image reference (with a tag, digest, registry or
//! path: `nginx:1.27`, `ghcr.io/org/tool`) is not, nor a value with a
//! variable, nor a stage index below the current stage's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::unquote;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3022",
    name: "copy-from-undefined-stage",
    aliases: &[],
    severity: Severity::Warning,
    summary: "COPY --from should reference a previously defined FROM alias",
    doc: include_str!("../../rules/DL3022.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // Lowercased names of the stages so far (the current one included).
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut stages = 0usize;
    for (_, ins) in ctx.dockerfile.instructions() {
        match &ins.kind {
            InstructionKind::From(from) => {
                stages += 1;
                if let Some(name) = &from.stage_name {
                    names.insert(name.value.to_lowercase());
                }
            }
            InstructionKind::Copy(_) => {
                let Some(flag) = ins.flag("from") else {
                    continue;
                };
                let Some(value) = &flag.value else { continue };
                let reference = unquote(&value.value);
                if reference.is_empty()
                    || reference.contains([':', '/', '@', '$'])
                    || reference.parse::<usize>().is_ok_and(|n| n < stages)
                    || names.contains(&reference.to_lowercase())
                    || ctx.build.is_named_context(reference)
                {
                    continue;
                }
                let message = if reference.bytes().all(|b| b.is_ascii_digit()) {
                    format!("`COPY --from={reference}` names stage {reference}, which is not defined before this COPY")
                } else {
                    format!("`COPY --from={reference}` should reference a previously defined FROM alias")
                };
                out.push(ctx.diagnostic(value.span, message).with_help(
                    "name a stage defined above (`FROM ... AS name`), or give the image a tag (`name:tag`) if it is an image",
                ));
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
    fn named_contexts_of_the_bake_targets_are_defined() {
        use crate::rules::testing::bake;
        let hcl =
            "target \"app\" {\n  contexts = { golang-base = \"docker-image://golang:1.22\" }\n}\n";
        let dockerfile =
            "FROM debian:12\nCOPY --from=golang-base /usr/local/go /go\nCOPY --from=tools /x /x\n";
        let l = bake::lint(
            &RULE,
            &[("docker-bake.hcl", hcl), ("Dockerfile", dockerfile)],
        );
        assert_eq!(l.slices(), vec!["tools"], "{:?}", l.messages());
        assert_eq!(
            slices(dockerfile, &lint(&RULE, dockerfile)),
            vec!["golang-base", "tools"]
        );
    }

    #[test]
    fn flags_unknown_and_later_stages() {
        let src = "FROM scratch\nCOPY --from=build foo .\nCOPY --from=0 a .\nCOPY --from=1 a .\nFROM node:20 AS build\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["build", "1"]);
        assert_eq!(
            diags[0].message,
            "`COPY --from=build` should reference a previously defined FROM alias"
        );
    }

    #[test]
    fn stages_images_indexes_and_variables_are_fine() {
        let src = "FROM scratch AS Build\nFROM node:20\nCOPY --from=build foo .\nCOPY --from=BUILD foo .\n\
                   COPY --from=0 a .\nCOPY --from=haskell:latest bar .\nCOPY --from=ghcr.io/org/tool /t /t\n\
                   COPY --from=node@sha256:abc a .\nCOPY --from=${STAGE} a .\nCOPY --from=\"build\" a .\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }

    #[test]
    fn without_any_from() {
        let src = "COPY --from=foo bar .\nCOPY --from=0 bar .\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["foo", "0"]);
    }
}
