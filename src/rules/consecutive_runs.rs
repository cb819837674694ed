//! DL3059 `consecutive-runs`: a RUN right after another RUN (only comments
//! or blank lines between), both with the same flags and each running a
//! single command, as hadolint decides: such RUNs are usually one step
//! split by accident, and each RUN is a layer.
//!
//! hadolint's exact conditions: a RUN with two or more commands (`a && b`,
//! `a; b`, `a | b`) was split on purpose and neither fires nor lets the
//! next RUN fire; different flags (`--mount`, `--network`, `--security`)
//! break the run; any other instruction (`ONBUILD RUN` too) resets it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{CommandForm, Instruction, InstructionKind, Keyword, NodeKind};
use crate::rules::run_commands::is_counted;
use crate::rules::run_shell::run_shells;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL3059",
    name: "consecutive-runs",
    aliases: &[],
    severity: Severity::Info,
    summary: "Multiple consecutive `RUN` instructions. Consider consolidation.",
    doc: include_str!("../../rules/DL3059.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The RUN's flags as a comparable key (sorted `name=value`).
fn flags_key(ins: &Instruction) -> Vec<String> {
    let mut key: Vec<String> = ins
        .flags
        .iter()
        .map(|f| {
            format!(
                "{}={}",
                f.name.value,
                f.value.as_ref().map_or("", |v| v.value.as_str())
            )
        })
        .collect();
    key.sort();
    key
}

/// How many commands hadolint counts in a RUN: simple commands with a
/// static name, `$( )` included; an exec-form RUN of a program is one.
fn command_count(ctx: &DockerfileContext<'_>, ins: &Instruction) -> usize {
    let scripts = ctx.dockerfile.run_scripts(ins);
    if scripts.is_empty() {
        return usize::from(matches!(
            ins.kind,
            InstructionKind::Run(CommandForm::Exec(_))
        ));
    }
    scripts
        .iter()
        .flat_map(|s| s.commands())
        .filter(|c| is_counted(c))
        .count()
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let shells = run_shells(df);
    // The previous RUN of the current run: its keyword span and flags.
    let mut previous: Option<(Span, Vec<String>)> = None;
    for (index, node) in df.nodes.iter().enumerate() {
        let ins = match &node.kind {
            NodeKind::Comment | NodeKind::Blank | NodeKind::Directive(_) => continue,
            NodeKind::Instruction(ins) if ins.keyword == Keyword::Run => ins,
            _ => {
                previous = None;
                continue;
            }
        };
        let posix = shells
            .get(index)
            .and_then(|s| s.as_ref())
            .is_none_or(|s| s.is_posix());
        let flags = flags_key(ins);
        // A PowerShell or cmd script is not shell: how many commands it
        // runs is not known, so it is taken as several.
        if !posix || command_count(ctx, ins) > 1 {
            previous = None;
            continue;
        }
        match &previous {
            Some((earlier, earlier_flags)) if *earlier_flags == flags => {
                out.push(
                    ctx.diagnostic(
                        ins.keyword_span,
                        "Multiple consecutive `RUN` instructions. Consider consolidation.",
                    )
                    .with_label(*earlier, "the previous RUN")
                    .with_help(
                        "Join this command to the previous RUN with `&&`: each RUN adds a layer \
                         and a build step",
                    ),
                );
            }
            _ => previous = Some((ins.keyword_span, flags)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, lint, slices};

    #[test]
    fn consecutive_single_command_runs() {
        let src = "FROM debian:12\nRUN foo\n# a comment\n\nRUN bar\nRUN baz\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["RUN", "RUN"]);
        assert_eq!(lines(src, &diags), vec![5, 6]);
        assert_eq!(diags[0].labels.len(), 1);
    }

    #[test]
    fn hadolints_conditions() {
        for (src, n) in [
            ("RUN /foo.sh\nWORKDIR /\nRUN /bar.sh\n", 0),
            ("RUN --mount=type=secret,id=foo /foo.sh\nRUN /bar.sh\n", 0),
            ("RUN --mount=type=secret,id=foo /foo.sh\nRUN --mount=type=secret,id=bar /bar.sh\n", 0),
            ("RUN --mount=type=secret,id=foo /foo.sh\nRUN --mount=type=secret,id=foo /bar.sh\n", 1),
            ("RUN foo && bar\nRUN foobar\n", 0),
            ("RUN foobar\nRUN foo; bar\n", 0),
            ("RUN foo | bar\nRUN foobar\n", 0),
            ("RUN foo && bar\nRUN foo\nRUN bar\n", 1),
            ("RUN x=$(foo)\nRUN bar\n", 1),
            ("RUN [\"foo\"]\nRUN [\"bar\"]\n", 1),
            ("RUN foo\nONBUILD RUN bar\nRUN baz\n", 0),
            ("RUN foo\nFROM debian\nRUN bar\n", 0),
            ("RUN <<EOF\nfoo\nbar\nEOF\nRUN baz\n", 0),
            ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN Write-Host a\nRUN Write-Host b\n", 0),
        ] {
            assert_eq!(lint(&RULE, src).len(), n, "{src}");
        }
    }
}
