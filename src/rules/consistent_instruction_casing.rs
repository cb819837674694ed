//! DF004 `consistent-instruction-casing` (BuildKit: `ConsistentInstructionCasing`).
//!
//! BuildKit counts the keywords of every stage (FROM lines and the
//! instructions under them, not the global ARGs before the first FROM) that
//! are all lowercase or all uppercase; lowercase wins only with a strict
//! majority. Every stage keyword not in that casing is flagged, so mixed-case
//! keywords like `From` always are. ONBUILD's trigger keyword is not checked.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::Keyword;
use crate::rules::source_text::{is_lowercase, is_self_consistent, is_uppercase};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF004",
    name: "consistent-instruction-casing",
    aliases: &["ConsistentInstructionCasing"],
    severity: Severity::Warning,
    summary:
        "All commands within the Dockerfile should use the same casing (either upper or lower)",
    doc: include_str!("../../rules/DF004.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let source = ctx.source();
    // Keyword spans of every instruction BuildKit checks, in order.
    let keywords: Vec<Span> = df
        .stages()
        .iter()
        .flat_map(|stage| {
            std::iter::once(stage.from_node).chain(stage.instruction_nodes.iter().copied())
        })
        .filter_map(|node| df.instruction(node))
        // An unknown keyword makes BuildKit stop with a parse error.
        .filter(|ins| ins.keyword != Keyword::Unknown)
        .map(|ins| ins.keyword_span)
        .collect();

    let (mut lower, mut upper) = (0usize, 0usize);
    for span in &keywords {
        let word = span.slice(source);
        if is_self_consistent(word) {
            if is_lowercase(word) {
                lower += 1;
            } else {
                upper += 1;
            }
        }
    }
    let majority_lower = lower > upper;
    let casing = if majority_lower {
        "lowercase"
    } else {
        "uppercase"
    };

    for span in keywords {
        let word = span.slice(source);
        let consistent = if majority_lower {
            is_lowercase(word)
        } else {
            is_uppercase(word)
        };
        if consistent {
            continue;
        }
        let wanted = if majority_lower {
            word.to_lowercase()
        } else {
            word.to_uppercase()
        };
        let message =
            format!("Command '{word}' should match the case of the command majority ({casing})");
        out.push(
            ctx.diagnostic(span, message)
                .with_help(format!(
                    "write `{wanted}`: most instructions in this file are {casing}"
                ))
                .with_fix(Fix::safe(
                    format!("Change `{word}` to `{wanted}`"),
                    vec![Edit::replace(ctx.path, span, wanted.clone())],
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lines, lint, slices};

    #[test]
    fn minority_lowercase_is_flagged() {
        let src = "FROM scratch\ncopy Dockerfile /foo\nCOPY Dockerfile /bar\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["copy"]);
        assert_eq!(
            diags[0].message,
            "Command 'copy' should match the case of the command majority (uppercase)"
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\n",
        );
    }

    #[test]
    fn minority_uppercase_is_flagged() {
        let src = "FROM scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy a /baz\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["FROM"]);
        assert_eq!(
            diags[0].message,
            "Command 'FROM' should match the case of the command majority (lowercase)"
        );
        assert_fixes_to(
            &RULE,
            src,
            "from scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy a /baz\n",
        );
    }

    #[test]
    fn mixed_case_keywords_and_ties() {
        // Tie (1 lower, 1 upper) goes to uppercase; `From` never counts.
        let src = "From scratch as base\nFROM scratch AS base2\nrun true\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["From", "run"]);
        assert!(diags[0].message.ends_with("(uppercase)"));
        let src = "frOM scratch as base\nfrom scratch as base2\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["frOM"]);
        assert!(diags[0].message.ends_with("(lowercase)"));
    }

    #[test]
    fn consistent_files_are_fine() {
        assert!(lint(&RULE, "from scratch\ncopy a /foo\ncopy b /bar\n").is_empty());
        assert!(lint(&RULE, "FROM alpine\nRUN <<'EOT'\nenv\nEOT\n").is_empty());
    }

    #[test]
    fn global_args_are_not_counted_or_checked() {
        // BuildKit only looks at stages.
        let src = "arg a\narg b\narg c\nFROM alpine\nRUN true\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn onbuild_keyword_only() {
        let src = "FROM alpine\nONBUILD run true\nonbuild RUN true\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["onbuild"]);
    }

    #[test]
    fn continuation_and_crlf() {
        let src = "FROM alpine\r\nrun apk add \\\r\n  curl\r\nRUN true\r\n";
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine\r\nRUN apk add \\\r\n  curl\r\nRUN true\r\n",
        );
    }

    #[test]
    fn buildkit_lint_test_cases() {
        let cases: [(&str, &[usize]); 4] = [
            ("\n#\n#\nFrom scratch as base\nFROM scratch AS base2\n", &[4]),
            ("\nFROM scratch\n# c\ncopy Dockerfile /foo\nCOPY Dockerfile /bar\n", &[4]),
            ("\n# c\n#\nfrom scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\nCOPY Dockerfile /baz\n", &[4]),
            ("\nfrom scratch\n# c\nCOPY Dockerfile /foo\ncopy Dockerfile /bar\n", &[4]),
        ];
        for (src, expected) in cases {
            assert_eq!(lines(src, &lint(&RULE, src)), expected, "{src}");
        }
    }
}
