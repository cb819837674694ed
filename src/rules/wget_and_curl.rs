//! DL4001 `wget-and-curl`: a stage uses both `wget` and `curl`.
//!
//! As hadolint: per stage (a FROM starts over), in file order, every RUN
//! that runs `wget` or `curl` once both have been seen in the stage is
//! reported (the first RUN that completes the pair and each later one using
//! either). `ONBUILD RUN`s are tracked apart, as they run in another build.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::Keyword;
use crate::rules::run_commands::{posix_runs, program_args};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL4001",
    name: "wget-and-curl",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Either use Wget or Curl but not both",
    doc: include_str!("../../rules/DL4001.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const TOOLS: [&str; 2] = ["curl", "wget"];

/// What one stage (or the ONBUILD RUNs of one) has used so far: the first
/// use of each tool.
#[derive(Default)]
struct Seen {
    first: [Option<Span>; 2],
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let runs = posix_runs(df);
    if runs.is_empty() {
        return;
    }
    let mut runs = runs.into_iter().peekable();
    let mut seen = Seen::default();
    let mut seen_onbuild = Seen::default();
    for (node, ins) in df.instructions() {
        if ins.keyword == Keyword::From {
            seen = Seen::default();
            seen_onbuild = Seen::default();
            continue;
        }
        let Some(run) = runs.next_if(|r| r.node == node) else {
            continue;
        };
        let state = if run.top.keyword == Keyword::Onbuild {
            &mut seen_onbuild
        } else {
            &mut seen
        };
        let scripts = run.scripts(df);
        let mut here: [Option<Span>; 2] = [None, None];
        for command in scripts.iter().flat_map(|s| s.commands()) {
            for (t, tool) in TOOLS.iter().enumerate() {
                if here[t].is_none() {
                    if let Some((word, _)) = program_args(command, tool) {
                        here[t] = Some(word.span);
                    }
                }
            }
        }
        let Some(at) = here.iter().flatten().min_by_key(|s| s.start).copied() else {
            continue;
        };
        for (first, now) in state.first.iter_mut().zip(here) {
            if first.is_none() {
                *first = now;
            }
        }
        let (Some(curl), Some(wget)) = (state.first[0], state.first[1]) else {
            continue;
        };
        // Point at this RUN's tool; label the first use of the other one.
        let this = if here[0] == Some(at) { 0 } else { 1 };
        let other = if this == 0 { wget } else { curl };
        let mut diag = ctx
            .diagnostic(
                at,
                "Either use `wget` or `curl` but not both: this stage uses both",
            )
            .with_help(
                "Download with one tool throughout the stage (curl or wget) and install only that one",
            );
        if !other_in_same_run(&here, this) {
            diag = diag.with_label(other, format!("`{}` used here", TOOLS[1 - this]));
        }
        out.push(diag);
    }
}

/// Whether this RUN uses the other tool too.
fn other_in_same_run(here: &[Option<Span>; 2], this: usize) -> bool {
    here[1 - this].is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, lint, slices};

    #[test]
    fn hadolints_cases() {
        for (src, n) in [
            ("FROM node as foo\nRUN wget my.xyz\nRUN curl localhost\n", 1),
            ("FROM node as foo\nRUN wget my.xyz && curl localhost\n", 1),
            ("FROM node as foo\nRUN wget my.xyz\n", 0),
            ("FROM node as foo\nRUN wget my.xyz\nFROM scratch\nRUN curl localhost\n", 0),
            ("FROM node as foo\nRUN wget my.xyz\nRUN curl localhost\nFROM scratch\nRUN curl localhost\n", 1),
            ("FROM node as foo\nRUN wget my.xyz\nRUN curl my.xyz\nRUN echo hello\n", 1),
            ("FROM node as foo\nRUN wget my.xyz\nRUN curl my.xyz\nRUN echo hello\nRUN wget foo.com\n", 2),
            ("FROM node\nRUN wget x\nONBUILD RUN curl y\n", 0),
        ] {
            assert_eq!(lint(&RULE, src).len(), n, "{src}");
        }
    }

    #[test]
    fn points_at_this_runs_tool_and_labels_the_other() {
        let src = "FROM debian\nRUN curl -fsSL x -o y\nRUN echo\nRUN wget z\nRUN curl w\n";
        let diags = lint(&RULE, src);
        assert_eq!(lines(src, &diags), vec![4, 5]);
        assert_eq!(slices(src, &diags), vec!["wget", "curl"]);
        assert_eq!(diags[0].labels[0].span.slice(src), "curl");
        assert!(lint(
            &RULE,
            "FROM debian\nRUN apt-get install -y curl wget && command -v curl\n"
        )
        .is_empty());
    }
}
