//! DL3067 `copy-whole-filesystem` (hadolint: `DL3067`).
//!
//! `COPY --from=<stage> / /` copies every file of another stage over this
//! one: package databases, caches and all, which is rarely what is meant
//! and hides what the image contains. Helper images published to be
//! copied whole (tonistiigi/xx's cross-compilation scripts, crazymax/goxx,
//! crazymax/yasu: `FROM scratch` images of a few tools) are the exception:
//! `COPY --from=xx / /` is their documented use, and hadolint's finding on
//! it was the corpus's most common false positive.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{Dockerfile, InstructionKind, Stage};
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

/// Repositories of images made to be copied whole into another image.
const WHOLE_COPY_IMAGES: &[&str] = &[
    "tonistiigi/xx",
    "crazymax/goxx",
    "crazymax/yasu",
    "crazymax/osxcross",
    "crazymax/goreleaser-xx",
];

/// Whether an image reference (`tonistiigi/xx:1.6`, `docker.io/crazymax/yasu`)
/// names one of [`WHOLE_COPY_IMAGES`].
fn is_whole_copy_image(reference: &str) -> bool {
    let name = reference.split(['@']).next().unwrap_or(reference);
    let name = match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => name,
    };
    let name = name
        .trim_start_matches("docker.io/")
        .trim_start_matches("index.docker.io/");
    WHOLE_COPY_IMAGES
        .iter()
        .any(|i| name.eq_ignore_ascii_case(i))
}

/// Whether `--from=<from>` names such an image, directly or through the
/// stages it is built from (`FROM tonistiigi/xx AS xx`).
fn from_whole_copy_image(df: &Dockerfile, stages: &[Stage], from: &str) -> bool {
    let mut reference = from.to_string();
    for _ in 0..=stages.len() {
        if is_whole_copy_image(&reference) {
            return true;
        }
        let stage = stages.iter().rev().find(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .is_some_and(|n| n.value.eq_ignore_ascii_case(&reference))
        });
        match stage.and_then(|s| df.stage_from(s)) {
            Some(f) => reference = f.image.value.clone(),
            None => return false,
        }
    }
    false
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // The stages, listed once for all the `COPY --from`s of the file.
    let mut stages: Option<&[Stage]> = None;
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::Copy(copy) = &ins.kind else {
            continue;
        };
        let Some(from) = ins.flag("from") else {
            continue;
        };
        let from = from.value.as_ref().map_or("", |v| unquote(&v.value));
        let stages = stages.get_or_insert_with(|| ctx.dockerfile.stages());
        if from_whole_copy_image(ctx.dockerfile, stages, from) {
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
    fn helper_images_made_to_be_copied_whole_are_fine() {
        let src = "FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.6.1 AS xx\nFROM crazymax/goxx AS goxx\nFROM xx AS tools\nFROM alpine:3.20\nCOPY --from=xx / /\nCOPY --from=goxx / /\nCOPY --from=tools / /\nCOPY --from=crazymax/yasu:latest / /\nCOPY --from=docker.io/tonistiigi/xx / /\n";
        assert!(lint(&RULE, src).is_empty());
        // Any other stage is still reported.
        let src = "FROM debian:12 AS build\nFROM scratch\nCOPY --from=build / /\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["/"]);
    }

    #[test]
    fn other_copies_are_fine() {
        let src = "COPY / /\nCOPY --from=build /app /\nCOPY --from=build / /app\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
