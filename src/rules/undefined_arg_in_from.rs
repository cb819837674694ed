//! DF009 `undefined-arg-in-from` (BuildKit: `UndefinedArgInFrom`).
//!
//! A FROM line (its image and its `--platform`) can only use ARGs declared
//! before the first FROM, BuildKit's predefined platform ARGs, and (here)
//! the args a bake target passes. As in BuildKit, every reference counts,
//! also those with a default (`${V:-x}`). The suggestion follows BuildKit:
//! the declared name at the smallest edit distance below 3.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{InstructionKind, Spanned};
use crate::rules::build_args::PLATFORM_ARG_DEFAULTS;
use crate::rules::suggest::suggest;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF009",
    name: "undefined-arg-in-from",
    aliases: &["UndefinedArgInFrom"],
    severity: Severity::Warning,
    summary: "FROM command must use declared ARGs",
    doc: include_str!("../../rules/DF009.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let mut declared: BTreeSet<String> = PLATFORM_ARG_DEFAULTS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    declared.extend(ctx.build.args.keys().cloned());
    for node in df.global_instructions() {
        if let Some(InstructionKind::Arg(decls)) = df.instruction(node).map(|i| &i.kind) {
            declared.extend(decls.iter().map(|d| d.name.value.clone()));
        }
    }

    let lexer = ShellLex::new(df.escape);
    for (_, ins) in df.instructions() {
        let InstructionKind::From(from) = &ins.kind else {
            continue;
        };
        let platform = ins.flag("platform").and_then(|f| f.value.as_ref());
        for word in std::iter::once(&from.image).chain(platform) {
            report_word(ctx, &lexer, word, &declared, out);
        }
    }
}

/// Reports each undeclared variable of one FROM word once.
fn report_word(
    ctx: &DockerfileContext<'_>,
    lexer: &ShellLex,
    word: &Spanned<String>,
    declared: &BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    // Spans of references map straight into the source only when the word
    // was written in one piece.
    let contiguous = word.span.slice(ctx.source()) == word.value;
    let mut reported = BTreeSet::new();
    for var in lexer.variable_refs(&word.value) {
        if declared.contains(&var.name) || !reported.insert(var.name.clone()) {
            continue;
        }
        let span = if contiguous {
            let start = word.span.start + var.span.start;
            let end = (word.span.start + var.span.end).min(word.span.end);
            Span::new(start.min(end), end)
        } else {
            word.span
        };
        let suggestion = suggest(&var.name, declared.iter().map(String::as_str));
        let mut message = format!("FROM argument '{}' is not declared", var.name);
        if let Some(s) = suggestion {
            message.push_str(&format!(" (did you mean {s}?)"));
        }
        let help = match suggestion {
            Some(s) => format!(
                "use `{s}`, or declare `ARG {}` before the first FROM",
                var.name
            ),
            None => format!("declare `ARG {}` before the first FROM", var.name),
        };
        out.push(ctx.diagnostic(span, message).with_help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, lint_with, slices};
    use crate::rules::BuildInfo;

    #[test]
    fn misspelled_predefined_arg_gets_suggestion() {
        let src = "FROM --platform=$BULIDPLATFORM scratch\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["$BULIDPLATFORM"]);
        assert_eq!(
            diags[0].message,
            "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"
        );
    }

    #[test]
    fn suggestion_from_declared_args() {
        let src = "ARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["${MYARCH}"]);
        assert_eq!(
            diags[0].message,
            "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)"
        );
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let src = "ARG tag=latest\nFROM busybox:${tag}${version} AS b\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["${version}"]);
        assert_eq!(diags[0].message, "FROM argument 'version' is not declared");
    }

    #[test]
    fn declared_and_predefined_args_are_fine() {
        for src in [
            "ARG base=scratch\nFROM $base\n",
            "ARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM scratch\n",
            "FROM --platform=$BUILDPLATFORM scratch\n",
            "ARG DEBUG\nFROM scratch${DEBUG}\n",
            "ARG DEBUG\nFROM scra${DEBUG:-tch}\n",
            "ARG DEBUG=\"\"\nFROM scratch${DEBUG-@bogus}\n",
            "FROM alpine AS a\nFROM a\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn defaults_still_count_as_use() {
        let src = "FROM ${IMAGE:-alpine}\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["${IMAGE:-alpine}"]);
    }

    #[test]
    fn args_in_a_stage_do_not_declare_for_later_from() {
        let src = "FROM alpine\nARG VERSION=1\nFROM busybox:$VERSION\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["$VERSION"]);
    }

    #[test]
    fn bake_args_count_as_declared() {
        let src = "FROM node:$NODE_VERSION\n";
        let mut build = BuildInfo::default();
        build.args.insert("NODE_VERSION".into(), "20".into());
        assert!(lint_with(&RULE, src, &build).is_empty());
        assert_eq!(lint(&RULE, src).len(), 1);
    }

    #[test]
    fn each_name_once_per_word_and_single_quotes_ignored() {
        let src = "FROM $A/$A:$B\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["$A", "$B"]);
        assert!(lint(&RULE, "FROM alpine AS x\nCOPY $NOPE .\n").is_empty());
    }

    #[test]
    fn lowercase_crlf_and_continuation() {
        let src = "arg TAG\r\nfrom \\\r\n  alpine:$TAGG\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["$TAGG"]);
        assert!(diags[0].message.ends_with("(did you mean TAG?)"));
    }
}
