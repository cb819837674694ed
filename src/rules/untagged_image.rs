//! DL3006 `untagged-image` (hadolint: `DL3006`).
//!
//! `FROM debian` pulls whatever `debian:latest` is on the day of the build.
//! Not reported: `scratch`, a digest (`debian@sha256:...`), an earlier stage
//! (`FROM build`, compared as BuildKit does and as written), and an image
//! written with a variable (`FROM ${BASE}`): its tag is the build's choice.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3006",
    name: "untagged-image",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Always tag the version of an image explicitly",
    doc: include_str!("../../rules/DL3006.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    // Earlier stage names, as written and lowercased (BuildKit's key).
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut stage = 0usize;
    for (_, ins) in df.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let image = &from.image.value;
        let not_an_image = df.stage_parent(stage).is_some()
            || names.contains(image.as_str())
            || ctx.build.is_named_context(image);
        stage += 1;
        let untagged = from.image_ref.tag.is_none() && from.image_ref.digest.is_none();
        if untagged
            && !not_an_image
            && !image.contains('$')
            && !image.eq_ignore_ascii_case("scratch")
        {
            out.push(
                ctx.diagnostic(
                    from.image.span,
                    format!("Always tag the version of an image explicitly (`{image}` has no tag)"),
                )
                .with_help(format!(
                    "pin a tag, e.g. `{image}:<version>`, or a digest (`{image}@sha256:...`)"
                )),
            );
        }
        if let Some(name) = &from.stage_name {
            names.insert(name.value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn named_contexts_of_the_bake_targets_are_not_images() {
        use crate::rules::testing::bake;
        let hcl =
            "target \"app\" {\n  contexts = { golang-base = \"docker-image://golang:1.22\" }\n}\n";
        let dockerfile = "FROM golang-base AS go\nFROM debian\nCOPY --from=go /usr/local/go /go\n";
        let l = bake::lint(
            &RULE,
            &[("docker-bake.hcl", hcl), ("Dockerfile", dockerfile)],
        );
        assert_eq!(l.slices(), vec!["debian"], "{:?}", l.messages());
        // Without the bake file the context name reads as an untagged image.
        assert_eq!(
            slices(dockerfile, &lint(&RULE, dockerfile)),
            vec!["golang-base", "debian"]
        );
    }

    #[test]
    fn flags_untagged_images() {
        let src = "FROM debian\nFROM node AS build\nFROM ghcr.io/org/app\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["debian", "node", "ghcr.io/org/app"]
        );
        assert_eq!(
            diags[0].message,
            "Always tag the version of an image explicitly (`debian` has no tag)"
        );
    }

    #[test]
    fn tags_digests_scratch_variables_and_stages_are_fine() {
        let src = "ARG BASE=alpine:3.20\nFROM ruby:2\nFROM ruby@sha256:f1dbca0f5dbc9\nFROM scratch\n\
                   FROM ${BASE}\nFROM $REGISTRY/app\nFROM golang:1.22 AS Build\nFROM build\nFROM Build AS test\n\
                   FROM test\nFROM localhost:5000/app:1\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }

    #[test]
    fn a_stage_defined_later_is_an_image() {
        let src = "FROM build\nFROM alpine:3 AS build\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["build"]);
    }

    #[test]
    fn platform_flag_does_not_hide_the_image() {
        let src = "FROM --platform=$BUILDPLATFORM golang\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["golang"]);
    }
}
