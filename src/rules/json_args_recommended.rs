//! DF007 `json-args-recommended` (BuildKit: `JSONArgsRecommended`).
//!
//! A shell-form CMD or ENTRYPOINT runs under `/bin/sh -c`, which does not
//! forward signals to the command. BuildKit stays quiet when the stage's
//! image config has a SHELL set by the time the instruction runs: a SHELL
//! earlier in the stage or anywhere in a stage it is built FROM. ONBUILD
//! triggers are not checked (they run in another build).

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{CommandForm, Healthcheck, Instruction, InstructionKind, Keyword};
use crate::rules::stage_walk::work;
use crate::rules::stages::{parent_stage, stage_instructions};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF007",
    name: "json-args-recommended",
    aliases: &["JSONArgsRecommended", "DL3025"],
    severity: Severity::Warning,
    summary: "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    doc: include_str!("../../rules/DF007.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Shell builtins and keywords: as the first word they need a shell, so the
/// exec form would not run the same thing.
const SHELL_ONLY_COMMANDS: &[&str] = &[
    ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "declare", "do", "done",
    "elif", "else", "esac", "eval", "exec", "exit", "export", "fg", "fi", "for", "function",
    "getopts", "hash", "if", "jobs", "let", "local", "read", "readonly", "return", "select", "set",
    "shift", "source", "then", "times", "trap", "type", "typeset", "ulimit", "umask", "unalias",
    "unset", "until", "wait", "while",
];

/// Characters a plain word may contain: nothing the shell would interpret.
fn is_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '_' | '.' | '/' | ':' | ',' | '+' | '@' | '%' | '=')
}

/// The exec-form words of a shell command that the shell would pass on
/// unchanged: a plain whitespace-separated word list, no variable, quote,
/// glob, pipe, redirection, escape, env assignment or builtin.
fn plain_words(command: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let first = *words.first()?;
    let plain = words.iter().all(|w| w.chars().all(is_plain_char));
    if !plain || first.contains('=') || SHELL_ONLY_COMMANDS.contains(&first) {
        return None;
    }
    Some(words)
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let stages = df.stages();
    let has_shell = |ins: &Instruction| {
        work::add(1);
        ins.keyword == Keyword::Shell
    };
    // Whether a SHELL is set by the end of each stage; a parent stage is
    // always earlier, so one pass in order is enough (linear in the file).
    let mut shell_at_end = vec![false; stages.len()];
    for (index, stage) in stages.iter().enumerate() {
        let inherited_shell = parent_stage(df, stages, index)
            .and_then(|parent| shell_at_end.get(parent).copied())
            .unwrap_or(false);
        let mut shell_set = inherited_shell;
        for ins in stage_instructions(df, stage) {
            if has_shell(ins) {
                shell_set = true;
            }
            if !shell_set {
                judge(ctx, ins, out);
            }
        }
        shell_at_end[index] = shell_set;
    }
    // hadolint's DL3025 lints instructions before the first FROM too
    // (not a valid Dockerfile: DL3061).
    for node in df.global_instructions() {
        if let Some(ins) = df.instruction(node) {
            judge(ctx, ins, out);
        }
    }
}

/// Reports a shell-form CMD or ENTRYPOINT, and a shell-form `HEALTHCHECK
/// CMD` made of plain words (with shell syntax such as `|| exit 1` the
/// shell form is what is meant: `["CMD-SHELL", ...]` is the same thing).
fn judge(ctx: &DockerfileContext<'_>, ins: &Instruction, out: &mut Vec<Diagnostic>) {
    let keyword = ins.keyword_span.slice(ctx.source());
    let (command, healthcheck) = match &ins.kind {
        InstructionKind::Cmd(CommandForm::Shell(command))
        | InstructionKind::Entrypoint(CommandForm::Shell(command)) => (command, false),
        InstructionKind::Healthcheck(Healthcheck::Cmd(CommandForm::Shell(command)))
            if plain_words(&command.text).is_some() =>
        {
            (command, true)
        }
        _ => return,
    };
    let fixable = ins.heredocs.is_empty() && ins.inner_comments.is_empty();
    let command_span = command.source_span(Span::new(0, command.text.len()));
    if healthcheck {
        let mut diag = ctx
            .diagnostic(
                command_span,
                format!("JSON arguments recommended for {keyword} CMD: the shell form needs a shell in the image"),
            )
            .with_help(format!(
                "use the exec form, e.g. `{keyword} CMD [\"CMD\", \"executable\", \"arg\"]`, so the check runs without `/bin/sh -c`"
            ));
        if let Some(words) = plain_words(&command.text).filter(|_| fixable) {
            let json: Vec<String> = std::iter::once("CMD")
                .chain(words.iter().copied())
                .map(|w| serde_json::to_string(w).unwrap_or_default())
                .collect();
            let exec = format!("[{}]", json.join(", "));
            diag = diag.with_fix(Fix::unsafe_(
                format!("Rewrite as `{keyword} CMD {exec}`"),
                vec![Edit::replace(ctx.path, command_span, exec)],
            ));
        }
        out.push(diag);
        return;
    }
    let span = if ins.args_span.is_empty() {
        ins.keyword_span
    } else {
        ins.args_span
    };
    let message = format!(
        "JSON arguments recommended for {keyword} to prevent unintended behavior related to OS signals"
    );
    let mut diag = ctx.diagnostic(span, message).with_help(format!(
        "use the exec form, e.g. `{keyword} [\"executable\", \"arg\"]`, so the process receives signals directly"
    ));
    if let Some(words) = plain_words(&command.text).filter(|_| fixable) {
        let json: Vec<String> = words
            .iter()
            .map(|w| serde_json::to_string(w).unwrap_or_default())
            .collect();
        let exec = format!("[{}]", json.join(", "));
        diag = diag.with_fix(Fix::unsafe_(
            format!("Rewrite as `{keyword} {exec}`"),
            vec![Edit::replace(ctx.path, ins.args_span, exec)],
        ));
    }
    out.push(diag);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn a_long_chain_of_stages_is_looked_at_once() {
        // Looking for a SHELL in every ancestor of every stage was quadratic.
        let n = 2_000;
        let mut src = String::from("FROM alpine AS s0\nSHELL [\"/bin/bash\", \"-c\"]\n");
        for i in 1..n {
            src += &format!("FROM s{} AS s{i}\nRUN true\n", i - 1);
        }
        src += "CMD run-it\nFROM alpine\nCMD run-it\n";
        work::take();
        let diags = lint(&RULE, &src);
        let looked = work::take() as usize;
        // Only the stage outside the chain lacks a SHELL.
        assert_eq!(diags.len(), 1);
        assert!(looked <= n + 3, "{looked} looks for {n} stages");
    }

    #[test]
    fn shell_form_cmd_and_entrypoint() {
        let src = "FROM scratch\nCMD mycommand\nENTRYPOINT my-app --port 8080\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["mycommand", "my-app --port 8080"]);
        assert_eq!(
            diags[0].message,
            "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals"
        );
        assert!(diags[1].message.contains(" ENTRYPOINT "));
        let fix = diags[1].fix.as_ref().map(|f| f.applicability);
        assert_eq!(fix, Some(Applicability::Unsafe));
        assert_fixes_to(
            &RULE,
            src,
            "FROM scratch\nCMD [\"mycommand\"]\nENTRYPOINT [\"my-app\", \"--port\", \"8080\"]\n",
        );
    }

    #[test]
    fn message_keeps_keyword_as_written() {
        let src = "from alpine\ncmd run.sh\n";
        let diags = lint(&RULE, src);
        assert!(diags[0].message.contains(" for cmd to "));
        assert_fixes_to(&RULE, src, "from alpine\ncmd [\"run.sh\"]\n");
    }

    #[test]
    fn shell_syntax_gets_no_fix() {
        for cmd in [
            "echo $HOME",
            "echo \"hi\"",
            "ls *.txt",
            "a | b",
            "a && b",
            "a; b",
            "a > log",
            "FOO=bar app",
            "cd /app",
            "exec app",
            "echo ~",
            "a `b`",
            "echo a\\ b",
        ] {
            let src = format!("FROM alpine\nCMD {cmd}\n");
            let diags = lint(&RULE, &src);
            assert_eq!(diags.len(), 1, "{cmd}");
            assert!(diags[0].fix.is_none(), "{cmd} should not be fixable");
        }
    }

    #[test]
    fn exec_form_and_shell_instruction_are_fine() {
        assert!(lint(
            &RULE,
            "FROM alpine\nCMD [\"app\"]\nENTRYPOINT [\"a\", \"b\"]\n"
        )
        .is_empty());
        assert!(lint(
            &RULE,
            "FROM scratch\nSHELL [\"/usr/bin/customshell\"]\nCMD mycommand\n"
        )
        .is_empty());
        let inherited = "FROM scratch AS base\nSHELL [\"/bin/bash\", \"-c\"]\n\nFROM base\nENTRYPOINT mycommand\n";
        assert!(lint(&RULE, inherited).is_empty());
    }

    #[test]
    fn shell_after_cmd_or_in_unrelated_stage_does_not_exempt() {
        let src = "FROM alpine AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM alpine\nCMD app\nSHELL [\"/bin/bash\", \"-c\"]\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["app"]);
    }

    #[test]
    fn invalid_json_is_shell_form() {
        let src = "FROM alpine\nCMD ['app']\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["['app']"]);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn onbuild_and_run_are_not_checked() {
        assert!(lint(&RULE, "FROM alpine\nONBUILD CMD app\nRUN app\n").is_empty());
    }

    #[test]
    fn multiline_crlf_fix() {
        let src = "FROM alpine\r\nCMD app \\\r\n    --flag\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["app \\\r\n    --flag"]);
        assert_fixes_to(&RULE, src, "FROM alpine\r\nCMD [\"app\", \"--flag\"]\r\n");
    }

    #[test]
    fn inner_comment_blocks_the_fix() {
        let src = "FROM alpine\nCMD app \\\n# note\n    --flag\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn healthcheck_cmd_with_plain_words() {
        let src = "FROM alpine:3\nHEALTHCHECK --interval=5s CMD curl -sf http://localhost/\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["curl -sf http://localhost/"]);
        assert!(diags[0]
            .message
            .starts_with("JSON arguments recommended for HEALTHCHECK CMD"));
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine:3\nHEALTHCHECK --interval=5s CMD [\"CMD\", \"curl\", \"-sf\", \"http://localhost/\"]\n",
        );
    }

    #[test]
    fn healthcheck_with_shell_syntax_exec_form_or_none_is_fine() {
        let src = "FROM alpine:3\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD [\"foobar\"]\nHEALTHCHECK NONE\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn before_the_first_from() {
        let src = "HEALTHCHECK CMD foobar\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["foobar"]);
        let src = "CMD [ \"/bin/sh\", \"-c\", \\\n      \"echo foo\" \\\n    ]\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
