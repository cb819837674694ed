//! The shell script of a workflow `run:` step for BP012, parsed with the project's
//! shell scanner ([`crate::shell`]) with every span in workflow-file
//! coordinates, so findings point at the bytes of a command and fixes can
//! cut it out of the YAML text.
//!
//! A `run:` value reaches the shell as the YAML scalar's value: block
//! scalars lose their indentation, folded and multi-line plain scalars turn
//! line breaks into spaces, quotes go (a block scalar's span starts at its
//! first content line and runs to the next token). [`scalar_text`] maps the value back
//! onto the file piece by piece (each line's text is copied verbatim; only
//! the whitespace between pieces differs), and gives up on anything it
//! cannot map exactly (escapes in double quotes, multi-line quoted
//! scalars): no analysis is better than wrong spans.
//!
//! GitHub replaces `${{ }}` expressions before the shell runs; the scanner
//! sees each one as a variable of the same length (`$___…`), so the rest of
//! the script still parses and no expression's value is guessed.
//!
//! (Written in parallel with the links branch's `run_script` and the retag
//! branch's `step_script`; what BP012 needs from it: exact file spans or
//! nothing, and [`runs_in_posix_shell`].)

use crate::dockerfile::LogicalText;
use crate::pipeline::workflow::{Job, Scalar, Step, Workflow};
use crate::shell::{analyze_text, RunScript, ScriptOrigin};

/// The value of `scalar` mapped onto `text` (the workflow file), or `None`
/// when it cannot be mapped exactly.
pub fn scalar_text(text: &str, scalar: &Scalar) -> Option<LogicalText> {
    let raw = text.get(scalar.span.start..scalar.span.end)?;
    let value = scalar.value.as_str();
    let start = scalar.span.start;
    if raw == value {
        return Some(LogicalText {
            text: value.to_string(),
            segments: vec![(0, start, value.len())],
        });
    }
    if let Some(q) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        if raw.len() >= 2 && raw.ends_with(q) && inner == value && !inner.contains('\n') {
            return Some(LogicalText {
                text: value.to_string(),
                segments: vec![(0, start + 1, value.len())],
            });
        }
        if !scalar.plain && !raw.contains('\n') {
            return None;
        }
    }
    // Block scalars (their span starts at the content, after the `|`/`>`
    // header line) and multi-line plain scalars: line by line.
    let (body, body_start) = (raw, start);
    let mut segments = Vec::new();
    let mut cursor = 0;
    let mut line_start = 0;
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start_matches([' ', '\t']);
        let lead = content.len() - trimmed.len();
        let piece = trimmed.trim_end_matches([' ', '\t']);
        if !piece.is_empty() {
            cursor += value[cursor..].len() - value[cursor..].trim_start_matches(SEPARATORS).len();
            if !value[cursor..].starts_with(piece) {
                return None;
            }
            segments.push((cursor, body_start + line_start + lead, piece.len()));
            cursor += piece.len();
        }
        line_start += line.len();
    }
    if !value[cursor..].trim_matches(SEPARATORS).is_empty() {
        return None;
    }
    Some(LogicalText {
        text: value.to_string(),
        segments,
    })
}

/// What may stand between two mapped pieces of a value (indentation,
/// folded or kept line breaks).
const SEPARATORS: [char; 4] = [' ', '\t', '\n', '\r'];

/// `text` with each `${{ … }}` replaced by `$___…` of the same byte length.
fn mask_expressions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let len = match after.find("}}") {
            Some(close) => close + 2,
            None => after.len(),
        };
        out.push('$');
        out.extend(std::iter::repeat_n('_', len - 1));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// The shell script of a `run:` value, spans in file coordinates.
pub fn run_script(text: &str, run: &Scalar) -> Option<RunScript> {
    let mut logical = scalar_text(text, run)?;
    logical.text = mask_expressions(&logical.text);
    Some(analyze_text(&logical, ScriptOrigin::ShellForm))
}

/// Shells whose scripts [`run_script`] reads: GitHub's default (`bash -e`
/// on the runner, `sh -e` in a container) and explicit `bash`/`sh`.
const POSIX_SHELLS: &[&str] = &["bash", "sh"];

/// Whether the step's script runs in a POSIX shell: the step's `shell:`,
/// else the job's and then the workflow's `defaults.run.shell`, else the
/// default. A `${{ }}` shell is unknown.
pub fn runs_in_posix_shell(workflow: &Workflow, job: &Job, step: &Step) -> bool {
    let shell = step
        .shell
        .as_ref()
        .or(job.defaults.shell.as_ref())
        .or(workflow.defaults.shell.as_ref());
    match shell {
        None => true,
        Some(s) if s.has_expression() => false,
        Some(s) => s
            .value
            .split_whitespace()
            .next()
            .is_some_and(|program| POSIX_SHELLS.contains(&program)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;

    fn step_run(text: &str) -> Scalar {
        let w = workflow::load(text).expect("workflow");
        w.jobs[0].steps[0].run.clone().expect("run")
    }

    /// Every mapped piece is the same text in the value and in the file.
    fn assert_exact(text: &str, logical: &LogicalText) {
        for &(l, s, len) in &logical.segments {
            assert_eq!(&logical.text[l..l + len], &text[s..s + len]);
        }
    }

    #[test]
    fn scalar_styles_map_back_to_the_file() {
        for text in [
            "jobs:\n  t:\n    steps:\n      - run: pip install a && make test\n",
            "jobs:\n  t:\n    steps:\n      - run: 'pip install a && make test'\n",
            "jobs:\n  t:\n    steps:\n      - run: \"pip install a && make test\"\n",
            "jobs:\n  t:\n    steps:\n      - run: |\n          pip install a \\\n            --no-deps\n\n          make test\n      - run: x\n",
            "jobs:\n  t:\n    steps:\n      - run: |-\n          pip install a\n          make test\n",
            "jobs:\n  t:\n    steps:\n      - run: >\n          pip install a\n          && make test\n",
            "jobs:\n  t:\n    steps:\n      - run: pip install a\n          && make test\n",
        ] {
            let run = step_run(text);
            let logical = scalar_text(text, &run).expect(text);
            assert_exact(text, &logical);
            let script = run_script(text, &run).expect(text);
            let names: Vec<&str> = script
                .commands()
                .iter()
                .filter_map(|c| c.name_str())
                .collect();
            assert_eq!(names, ["pip", "make"], "{text}");
            let pip = &script.commands()[0];
            assert_eq!(&text[pip.args[1].span.start..pip.args[1].span.end], "a");
        }
    }

    #[test]
    fn escapes_are_not_mapped() {
        let text = "jobs:\n  t:\n    steps:\n      - run: \"pip install \\x61\"\n";
        assert!(scalar_text(text, &step_run(text)).is_none());
        let text = "jobs:\n  t:\n    steps:\n      - run: \"pip install\n          a\"\n";
        assert!(scalar_text(text, &step_run(text)).is_none());
    }

    #[test]
    fn expressions_are_unknown_words() {
        let text =
            "jobs:\n  t:\n    steps:\n      - run: pip install ${{ matrix.pkg }} && echo ok\n";
        let script = run_script(text, &step_run(text)).expect("script");
        assert!(!script.has_syntax_error);
        let pip = &script.commands()[0];
        assert_eq!(pip.args.len(), 2);
        assert!(pip.args[1].as_str().is_none());
        assert_eq!(
            &text[pip.args[1].span.start..pip.args[1].span.end],
            "${{ matrix.pkg }}"
        );
        assert_eq!(script.commands()[1].name_str(), Some("echo"));
    }

    #[test]
    fn shells() {
        let text = "defaults:\n  run:\n    shell: pwsh\njobs:\n  a:\n    steps:\n      - run: x\n      - run: x\n        shell: bash -el {0}\n  b:\n    defaults:\n      run:\n        shell: sh\n    steps:\n      - run: x\n      - run: x\n        shell: python\n";
        let w = workflow::load(text).expect("workflow");
        let posix = |j: usize, s: usize| runs_in_posix_shell(&w, &w.jobs[j], &w.jobs[j].steps[s]);
        assert!(!posix(0, 0));
        assert!(posix(0, 1));
        assert!(posix(1, 0));
        assert!(!posix(1, 1));
    }
}
