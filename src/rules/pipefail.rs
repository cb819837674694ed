//! DL4006 `pipe-without-pipefail`: a RUN with a `|` pipeline while no
//! `-o pipefail` is in effect, so only the last command of the pipeline
//! decides whether the RUN (and the build) fails.
//!
//! In effect means: the stage's `SHELL` (inherited from the stage it is
//! built `FROM`) is bash, zsh, ash, ksh or mksh with `-o pipefail`, an
//! exec-form RUN runs such a shell itself, or the script ran `set -o
//! pipefail` before the pipe. The fix (unsafe) inserts one `SHELL` per
//! stage, bash or Alpine's ash, only where the base image surely has it.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{CommandForm, Dockerfile, InstructionKind, Keyword};
use crate::rules::image_shells::{shell_of_image, shell_of_managers, PipefailShell};
use crate::rules::run_commands::{posix_runs, ShellRun};
use crate::rules::run_shell::RunShell;
use crate::rules::source_text::{indentation_at, keyword_case, line_start};
use crate::rules::{CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::shell::{RunScript, ScriptOrigin, SimpleCommand};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL4006",
    name: "pipe-without-pipefail",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Set the SHELL option -o pipefail before RUN with a pipe in it",
    doc: include_str!("../../rules/DL4006.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "every-pipe",
        kind: OptionKind::Bool,
    }],
    check: CheckFn::Dockerfile(check),
};

/// Shells whose `-o pipefail` hadolint accepts, plus the Korn shells (which
/// have it too). `sh` is not one: which shell `/bin/sh` is depends on the
/// image (dash before 0.5.13 rejects the option).
const PIPEFAIL_SHELLS: &[&str] = &["bash", "zsh", "ash", "ksh", "mksh"];

fn shell_has_pipefail(shell: &RunShell) -> bool {
    shell
        .program()
        .is_some_and(|p| PIPEFAIL_SHELLS.contains(&p.as_ref()))
        && shell.has_pipefail()
}

/// The shell an exec-form RUN runs (`["bash", "-o", "pipefail", "-c", ...]`).
fn exec_shell(run: &crate::dockerfile::Instruction) -> Option<RunShell> {
    match &run.kind {
        InstructionKind::Run(CommandForm::Exec(args)) => Some(RunShell {
            argv: args.iter().map(|a| a.value.clone()).collect(),
            set_at: None,
            root_image: None,
        }),
        _ => None,
    }
}

/// Whether `command` is `set` turning pipefail on (`set -o pipefail`,
/// `set -euxo pipefail`).
fn sets_pipefail(command: &SimpleCommand) -> bool {
    if command.name_str() != Some("set") {
        return false;
    }
    let args: Vec<Option<&str>> = command.args.iter().map(|a| a.as_str()).collect();
    args.windows(2).any(|w| {
        matches!(w, [Some(flag), Some("pipefail")]
            if flag.starts_with('-') && !flag.starts_with("--") && flag.ends_with('o'))
    })
}

/// Commands whose failure `pipefail` would not catch or should not: `echo`
/// and `printf` print their arguments (a failed `$( )` in them is masked
/// with or without pipefail), and `yes` ends by SIGPIPE, which pipefail
/// would turn into a failed build.
const HARMLESS_LEFT: &[&str] = &["echo", "printf", "yes", "true"];

/// How many earlier commands to look back at for the left side of a `|`
/// (commands nest in `$( )`; bounded so the search stays linear).
const LOOKBACK: usize = 32;

/// Whether the text between two commands holds a pipe (`|` or `|&`, not
/// `||` or the clobbering redirection `>|`).
fn gap_has_pipe(gap: &str) -> bool {
    let bytes = gap.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'|'
            && bytes.get(i + 1) != Some(&b'|')
            && (i == 0 || !matches!(bytes[i - 1], b'|' | b'>'))
    })
}

/// The first `|` of a script whose left side may fail unnoticed and that
/// no `set -o pipefail` before it protects: the span from the command left
/// of the `|` to the command right of it, and the left command's name.
/// With `every_pipe`, harmless left sides count too (hadolint's behaviour).
fn unprotected_pipe<'s>(
    script: &'s RunScript,
    source: &str,
    every_pipe: bool,
) -> Option<(Span, Option<&'s str>)> {
    let commands = script.commands();
    let protected_from = commands
        .iter()
        .filter(|c| sets_pipefail(c) && !c.in_substitution)
        .map(|c| c.span.start)
        .min();
    for (i, right) in commands.iter().enumerate() {
        if !right.in_pipeline || protected_from.is_some_and(|p| right.span.start > p) {
            continue;
        }
        // The left side: the earlier command ending last before this one.
        let left = commands[i.saturating_sub(LOOKBACK)..i]
            .iter()
            .filter(|c| c.span.end <= right.span.start)
            .max_by_key(|c| c.span.end);
        let Some(left) = left else { continue };
        let gap = source.get(left.span.end..right.span.start).unwrap_or("");
        if !left.in_pipeline || !gap_has_pipe(gap) {
            continue;
        }
        if !every_pipe && left.name_str().is_some_and(|n| HARMLESS_LEFT.contains(&n)) {
            continue;
        }
        return Some((Span::new(left.span.start, right.span.end), left.name_str()));
    }
    None
}

/// Per stage: the package managers its chain runs (for the fix's shell).
fn chain_managers(df: &Dockerfile) -> Vec<Vec<crate::shell::PackageManager>> {
    let stages = df.stages();
    let mut out: Vec<Vec<crate::shell::PackageManager>> = Vec::with_capacity(stages.len());
    for stage in stages {
        let mut managers = df
            .stage_parent(stage.index)
            .and_then(|p| out.get(p).cloned())
            .unwrap_or_default();
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            if ins.keyword != Keyword::Run {
                continue;
            }
            for script in df.run_scripts(ins).iter() {
                for manager in script.install_managers() {
                    if !managers.contains(&manager) {
                        managers.push(manager);
                    }
                }
            }
        }
        out.push(managers);
    }
    out
}

/// The shell the fix can name for a RUN, if the image surely has one.
fn fix_shell(
    run: &ShellRun<'_>,
    managers: Option<&Vec<crate::shell::PackageManager>>,
) -> Option<PipefailShell> {
    match run.shell.program().as_deref() {
        Some("bash") => return Some(PipefailShell::Bash),
        Some("ash") => return Some(PipefailShell::Ash),
        _ => {}
    }
    run.shell
        .root_image
        .as_deref()
        .and_then(shell_of_image)
        .or_else(|| managers.and_then(|m| shell_of_managers(m)))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let source = ctx.source();
    let every_pipe = ctx.option_bool("every-pipe").unwrap_or(false);
    let runs = posix_runs(df);
    if runs.is_empty() {
        return;
    }
    // Stage of each node, and whether a SHELL the fix inserted is in effect.
    let stages = df.stages();
    let mut stage_of = vec![None; df.nodes.len()];
    for stage in stages {
        stage_of[stage.from_node] = Some(stage.index);
        for &n in &stage.instruction_nodes {
            stage_of[n] = Some(stage.index);
        }
    }
    let mut managers: Option<Vec<Vec<crate::shell::PackageManager>>> = None;
    let mut fixed_at_end = vec![false; stages.len()];
    let mut fixed = false;
    let mut current_stage: Option<usize> = None;
    let mut runs = runs.into_iter().peekable();
    for (node, ins) in df.instructions() {
        if ins.keyword == Keyword::From {
            if let Some(s) = current_stage {
                fixed_at_end[s] = fixed;
            }
            current_stage = stage_of[node];
            fixed = current_stage
                .and_then(|s| df.stage_parent(s))
                .is_some_and(|p| fixed_at_end[p]);
            continue;
        }
        if ins.keyword == Keyword::Shell {
            fixed = false;
            continue;
        }
        let Some(run) = runs.next_if(|r| r.node == node) else {
            continue;
        };
        if run.top.keyword != Keyword::Run {
            // ONBUILD RUN runs under the shell of the image that triggers it.
            continue;
        }
        let scripts = run.scripts(df);
        let Some(found) = scripts.iter().find_map(|script| {
            let shell = match script.origin {
                ScriptOrigin::ExecForm => exec_shell(run.run)?,
                _ => run.shell.clone(),
            };
            if shell_has_pipefail(&shell) {
                return None;
            }
            unprotected_pipe(script, source, every_pipe)
        }) else {
            continue;
        };
        let (span, left) = found;
        let mut diag = ctx
            .diagnostic(
                span,
                match left {
                    Some(name) => format!("pipe without `-o pipefail`: if `{name}` fails, the build goes on"),
                    None => "pipe without `-o pipefail`: if the command before `|` fails, the build goes on".to_string(),
                },
            )
            .with_help(
                "Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this RUN \
                 (`/bin/ash` on Alpine), or start the script with `set -o pipefail`",
            );
        if let Some(set_at) = run.shell.set_at {
            diag = diag.with_label(set_at, "the shell in effect, without `-o pipefail`");
        }
        let is_exec = matches!(run.run.kind, InstructionKind::Run(CommandForm::Exec(_)));
        if !fixed && !is_exec {
            let stage = stage_of[node];
            let managers = managers.get_or_insert_with(|| chain_managers(df));
            if let Some(shell) = fix_shell(&run, stage.and_then(|s| managers.get(s))) {
                let at = line_start(source, run.top.span.start);
                let indent = indentation_at(source, run.top.span.start);
                let keyword = keyword_case(source, run.top.keyword_span, "SHELL");
                let line = format!("{indent}{keyword} {}{}", shell.shell_args(), df.newline());
                diag = diag.with_fix(Fix::unsafe_(
                    format!("Insert `SHELL {}` before the RUN", shell.shell_args()),
                    vec![Edit::insert(ctx.path, at, line)],
                ));
                fixed = true;
            }
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{apply_fixes, assert_fixes_to, lint, slices};

    #[test]
    fn flags_the_pipeline() {
        let src = "FROM debian:12\nRUN wget -O - https://x | wc -l > /number\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["wget -O - https://x | wc -l"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN wget -O - https://x | wc -l > /number\n",
        );
    }

    #[test]
    fn pipefail_shells_are_fine() {
        for shell in [
            r#"["/bin/bash", "-eo", "pipefail", "-c"]"#,
            r#"["/bin/bash", "-e", "-o", "pipefail", "-c"]"#,
            r#"["/bin/bash", "-o", "errexit", "-o", "pipefail", "-c"]"#,
            r#"["/bin/zsh", "-o", "pipefail", "-c"]"#,
            r#"["/bin/ash", "-o", "pipefail", "-c"]"#,
            r#"["pwsh", "-c"]"#,
        ] {
            let src = format!("FROM scratch\nSHELL {shell}\nRUN a | b\n");
            assert!(lint(&RULE, &src).is_empty(), "{shell}");
        }
    }

    #[test]
    fn sh_with_pipefail_and_reset_shells_are_flagged() {
        let src = "FROM alpine:3\nSHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].labels.len(), 1);
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine:3\nSHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
        );
        let src = "FROM debian AS a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\nFROM debian\nRUN a | b\n";
        assert_eq!(lint(&RULE, src).len(), 2);
    }

    #[test]
    fn the_left_side_of_the_pipe() {
        let src = "FROM debian\nRUN { echo a; curl x; } | tee f && v=$(git describe | cut -c2-) && echo \"$v\" | sh\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["curl x; } | tee f"]);
        assert!(diags[0].message.contains("`curl` fails"));
        let src = "FROM debian\nRUN echo \"$SHA *f\" | sha256sum -c - && yes | apt-get install x && printf 'a' | tee f\n";
        assert!(lint(&RULE, src).is_empty());
        let src = "FROM debian\nRUN echo $(git describe | cut -c2-) | tee v\n";
        assert_eq!(
            slices(src, &lint(&RULE, src)),
            vec!["git describe | cut -c2-"]
        );
        let src = "FROM debian\nRUN a $(echo x | b) | c\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["a $(echo x | b) | c"]);
        let src = "FROM debian\nRUN a >| f && b || c\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn every_pipe_option_reports_harmless_left_sides() {
        let src = "FROM debian\nRUN echo \"$SHA *f\" | sha256sum -c -\n";
        let df = crate::dockerfile::parse(src);
        let mut options = toml::Table::new();
        options.insert("every-pipe".into(), toml::Value::Boolean(true));
        let build = crate::rules::BuildInfo::default();
        let ctx = DockerfileContext {
            path: std::path::Path::new("Dockerfile"),
            dockerfile: &df,
            rule: &RULE,
            options: &options,
            build: &build,
        };
        let mut out = Vec::new();
        check(&ctx, &mut out);
        assert_eq!(slices(src, &out), vec!["echo \"$SHA *f\" | sha256sum -c -"]);
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn a_child_stage_inherits_pipefail() {
        let src = "FROM debian AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn quotes_or_lists_and_set_pipefail() {
        for ok in [
            "RUN echo \"a | b\" || c\n",
            "RUN set -o pipefail && a | b\n",
            "RUN set -euxo pipefail; a | b\n",
            "RUN [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\", \"a | b\"]\n",
        ] {
            assert!(
                lint(&RULE, &format!("FROM debian\n{ok}")).is_empty(),
                "{ok}"
            );
        }
        for bad in [
            "RUN x=$(a | b)\n",
            "RUN a | b && set -o pipefail\n",
            "RUN [\"sh\", \"-c\", \"a | b\"]\n",
            "RUN <<EOF\na | b\nEOF\n",
        ] {
            assert_eq!(
                lint(&RULE, &format!("FROM debian\n{bad}")).len(),
                1,
                "{bad}"
            );
        }
    }

    #[test]
    fn one_shell_per_stage_and_children_covered() {
        let src = "FROM debian:12 AS a\nRUN a | b\nRUN c | d\nFROM a\nRUN e | f\nFROM python:3\nRUN g | h\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 4);
        assert_eq!(diags.iter().filter(|d| d.fix.is_some()).count(), 2);
        let fixed = apply_fixes(src, &diags);
        assert_eq!(fixed.matches("SHELL").count(), 2);
        assert!(lint(&RULE, &fixed).is_empty());
    }

    #[test]
    fn no_fix_when_the_shell_is_unknown() {
        for src in [
            "FROM myorg/base\nRUN a | b\n",
            "FROM gcr.io/distroless/base\nRUN a | b\n",
        ] {
            let diags = lint(&RULE, src);
            assert_eq!(diags.len(), 1);
            assert!(diags[0].fix.is_none());
        }
        let src = "FROM myorg/base\nRUN apk add --no-cache curl\nRUN curl x | tar x\n";
        assert_fixes_to(
            &RULE,
            src,
            "FROM myorg/base\nRUN apk add --no-cache curl\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | tar x\n",
        );
    }

    #[test]
    fn non_posix_shells_are_skipped() {
        for src in [
            "FROM mcr.microsoft.com/powershell:ubuntu-16.04\nSHELL [ \"pwsh\", \"-c\" ]\nRUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir | findstr x\n",
            "FROM debian\nONBUILD RUN a | b\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
