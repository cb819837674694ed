//! DL3007 `latest-tag` (hadolint: `DL3007`).
//!
//! `FROM debian:latest` says "no particular version" in so many words. A
//! digest next to the tag (`debian:latest@sha256:...`) pins the image, so it
//! is not reported. Tags are case-sensitive: `LATEST` is another tag.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3007",
    name: "latest-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag",
    doc: include_str!("../../rules/DL3007.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let Some(tag) = &from.image_ref.tag else {
            continue;
        };
        if tag.value != "latest" || from.image_ref.digest.is_some() {
            continue;
        }
        out.push(
            ctx.diagnostic(
                tag.span,
                "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag",
            )
            .with_help("pin a release tag (e.g. `debian:12.5`) or a digest (`@sha256:...`) instead of `latest`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_the_latest_tag() {
        let src = "FROM debian:latest\nFROM node:latest AS build\nFROM localhost:5000/app:latest\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["latest", "latest", "latest"]);
        assert_eq!(diags[0].span.start, 12);
    }

    #[test]
    fn other_tags_digests_and_untagged_are_fine() {
        let src = "FROM debian:jessie\nFROM debian\nFROM hub.docker.io/debian@sha256:7959ed\n\
                   FROM debian:latest@sha256:7959ed\nFROM debian:LATEST\nFROM debian:latest-slim\nFROM app:${TAG:-latest}\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }
}
