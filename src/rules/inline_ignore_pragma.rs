//! DL1001 `inline-ignore-pragma` (hadolint DL1001, off by default).
//!
//! Flags inline suppression comments (`# hadolint ignore=...`,
//! `# bakelint ignore=...` and their `global` forms), for projects whose
//! policy is that exceptions live in the config, where they are reviewed,
//! not next to the code. hadolint gives this rule the severity `ignore`, so
//! it runs only when selected by name (`select` / `extend-select`, or a
//! hadolint `override`). To also stop the comments from suppressing
//! anything, set `disable-ignore-pragma = true`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::NodeKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL1001",
    name: "inline-ignore-pragma",
    aliases: &[],
    severity: Severity::Info,
    summary: "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`",
    doc: include_str!("../../rules/DL1001.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let src = ctx.source();
    for node in &ctx.dockerfile.nodes {
        if !matches!(node.kind, NodeKind::Comment) {
            continue;
        }
        let text = node.span.slice(src);
        let comment = text.trim().trim_start_matches('#').trim();
        if !crate::suppress::is_ignore_pragma(comment) {
            continue;
        }
        let lead = text.len() - text.trim_start().len();
        let span = Span::new(
            node.span.start + lead,
            node.span.start + text.trim_end().len(),
        );
        out.push(
            ctx.diagnostic(
                span,
                "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`.",
            )
            .with_help("move the exception to the config (`ignore`, `per-file-ignores`)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_ignore_pragmas_at_the_comment() {
        let src = "# hadolint ignore=DL3003\nRUN foo bar\n  # bakelint global ignore=DF001\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["# hadolint ignore=DL3003", "# bakelint global ignore=DF001"]
        );
    }

    #[test]
    fn other_comments_pass() {
        for src in [
            "# hadolint shell=powershell\nRUN foo bar\n",
            "# foobar\nRUN foo bar\n",
            "FROM debian\nRUN foo bar\n",
            "# hadolint shell=powershell # foobar\nFROM ubuntu\n",
            "# check=skip=StageNameCasing\nFROM ubuntu\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
