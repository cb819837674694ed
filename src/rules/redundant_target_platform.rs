//! DF014 `redundant-target-platform` (BuildKit: `RedundantTargetPlatform`).
//!
//! BuildKit expands the `--platform` value of each FROM with the global
//! build arguments and warns when the only variable used is
//! `TARGETPLATFORM`, no unknown variable is used, and the result equals the
//! value of `TARGETPLATFORM`: the flag then asks for the default.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Flag, Keyword};
use crate::rules::build_args::global_arg_env;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF014",
    name: "redundant-target-platform",
    aliases: &["RedundantTargetPlatform", "DL3065"],
    severity: Severity::Warning,
    summary: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    doc: include_str!("../../rules/DF014.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const TARGET_PLATFORM: &str = "TARGETPLATFORM";

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    let env = global_arg_env(df, Some(&ctx.build.args));
    for stage in df.stages() {
        let Some(from) = df.instruction(stage.from_node) else {
            continue;
        };
        if from.keyword != Keyword::From {
            continue;
        }
        let Some(flag) = from.flag("platform") else {
            continue;
        };
        let Some(value) = &flag.value else { continue };
        if !is_redundant(&lex, &value.value, &env) {
            continue;
        }
        let mut diag = ctx
            .diagnostic(
                flag.span,
                format!(
                    "Setting platform to predefined {} in FROM is redundant as this is the default behavior",
                    value.value
                ),
            )
            .with_help("Remove the `--platform` flag: a stage is built for the target platform by default");
        if let Some(span) = removal_span(ctx.source(), flag, df.escape) {
            diag = diag.with_fix(Fix::safe(
                "Remove `--platform=$TARGETPLATFORM`",
                vec![Edit::delete(ctx.path, span)],
            ));
        }
        out.push(diag);
    }
}

/// BuildKit's condition: exactly one variable matched, it is
/// `TARGETPLATFORM`, none unmatched, and the expansion equals its value.
fn is_redundant(lex: &ShellLex, value: &str, env: &BTreeMap<String, String>) -> bool {
    let Ok(expansion) = lex.process_word_with_matches(value, env) else {
        return false;
    };
    expansion.matched.len() == 1
        && expansion.matched.contains(TARGET_PLATFORM)
        && expansion.unmatched.is_empty()
        && env.get(TARGET_PLATFORM).map(String::as_str) == Some(expansion.value.as_str())
}

/// The flag and the blanks after it; a line continuation right after the flag
/// goes too, with the indentation of the next line, unless that line is a
/// comment or empty.
fn removal_span(src: &str, flag: &Flag, escape: char) -> Option<Span> {
    let rest = src.get(flag.span.end..)?;
    let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let mut end = flag.span.end + blanks;
    let after = &rest[blanks..];
    if let Some(cont) = after.strip_prefix(escape) {
        let cont_trimmed = cont.trim_start_matches([' ', '\t']);
        let newline = if cont_trimmed.starts_with("\r\n") {
            2
        } else if cont_trimmed.starts_with('\n') {
            1
        } else {
            0
        };
        if newline > 0 {
            let next = &cont_trimmed[newline..];
            let indent = next.len() - next.trim_start_matches([' ', '\t']).len();
            let next_line = &next[indent..];
            if !next_line.is_empty() && !next_line.starts_with(['#', '\r', '\n']) {
                end = src.len() - next_line.len();
            }
        }
    }
    if blanks == 0 && end == flag.span.end {
        // the flag is not followed by a separator we understand
        return None;
    }
    Some(Span::new(flag.span.start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, run, slices};

    #[test]
    fn flags_both_spellings() {
        let src = "FROM --platform=$TARGETPLATFORM scratch\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["--platform=$TARGETPLATFORM"]);
        assert_eq!(
            diags[0].message,
            "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior"
        );
        let src = "FROM --platform=${TARGETPLATFORM} scratch\n";
        let diags = run(&RULE, src);
        assert_eq!(
            diags[0].message,
            "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior"
        );
    }

    #[test]
    fn other_platform_values_are_fine() {
        for src in [
            "FROM --platform=$BUILDPLATFORM golang AS build\n",
            "FROM --platform=linux/amd64 alpine\n",
            "FROM --platform=$TARGETOS/$TARGETARCH alpine\n",
            "FROM --platform=${TARGETPLATFORM:+linux/arm64} alpine\n",
            "FROM --platform=${TARGETPLATFORM}${SUFFIX} alpine\n",
            "FROM alpine\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn fix_removes_flag_and_space() {
        assert_fixes_to(
            &RULE,
            "FROM --platform=$TARGETPLATFORM alpine AS base\nRUN true\n",
            "FROM alpine AS base\nRUN true\n",
        );
    }

    #[test]
    fn fix_lowercase_and_crlf() {
        assert_fixes_to(
            &RULE,
            "from --platform=${TARGETPLATFORM}  alpine\r\nrun true\r\n",
            "from alpine\r\nrun true\r\n",
        );
    }

    #[test]
    fn fix_across_continuation() {
        assert_fixes_to(
            &RULE,
            "FROM --platform=$TARGETPLATFORM \\\n    alpine\n",
            "FROM alpine\n",
        );
    }

    #[test]
    fn quoted_value_keeps_quotes_in_message() {
        let src = "FROM --platform=\"$TARGETPLATFORM\" alpine\n";
        let diags = run(&RULE, src);
        assert_eq!(
            diags[0].message,
            "Setting platform to predefined \"$TARGETPLATFORM\" in FROM is redundant as this is the default behavior"
        );
        assert_fixes_to(&RULE, src, "FROM alpine\n");
    }

    #[test]
    fn continuation_followed_by_comment_keeps_the_line_break() {
        assert_fixes_to(
            &RULE,
            "FROM --platform=$TARGETPLATFORM \\\n# base\n  alpine\n",
            "FROM \\\n# base\n  alpine\n",
        );
    }

    #[test]
    fn every_stage_is_checked() {
        let src = "FROM --platform=$BUILDPLATFORM golang AS build\nFROM --platform=$TARGETPLATFORM alpine\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.start, src.rfind("--platform").unwrap());
    }
}
