//! A step's `run:` script, read with the project's shell scanner
//! ([`crate::shell`]): its simple commands with their words, each mapped back
//! to the workflow's bytes.
//!
//! GitHub substitutes `${{ }}` expressions before the shell runs, so they
//! are masked with same-length placeholder bytes for the grammar (one plain
//! word piece, offsets unchanged) and put back, verbatim, in word values; a
//! word holding one is dynamic, like a word with a shell expansion. The
//! script is a YAML scalar: offsets in its value map to file bytes only
//! where the scalar writes the value verbatim (plain, literal or folded
//! block lines); elsewhere a span is the whole scalar's.

use crate::dockerfile::LogicalText;
use crate::shell::{analyze_text, RunScript, ScriptOrigin, SimpleCommand, Word};
use crate::span::Span;

use super::scalar_bytes::{expression_ranges, ScalarBytes};
use super::workflow::Scalar;

/// The placeholder byte for expressions (a control character no script writes).
const MASK: char = '\u{1}';

/// A scanned `run:` script.
pub struct StepScript {
    /// The script's value aligned with the file.
    pub bytes: ScalarBytes,
    script: RunScript,
}

impl StepScript {
    /// Scans the `run:` value `run` of the workflow `text`.
    pub fn of(text: &str, run: &Scalar) -> StepScript {
        let mut masked = run.value.clone();
        for (s, e) in expression_ranges(&run.value) {
            masked.replace_range(s..e, &MASK.to_string().repeat(e - s));
        }
        let logical = LogicalText {
            segments: vec![(0, 0, masked.len())],
            text: masked,
        };
        StepScript {
            bytes: ScalarBytes::of(text, run),
            script: analyze_text(&logical, ScriptOrigin::ShellForm),
        }
    }

    /// The simple commands, in source order; spans are offsets in the
    /// script's value (map them with [`StepScript::command_span`] and
    /// [`StepScript::locate`]).
    pub fn commands(&self) -> &[SimpleCommand] {
        self.script.commands()
    }

    /// The script as written.
    pub fn value(&self) -> &str {
        self.bytes.value()
    }

    /// The workflow bytes of a command (the whole scalar when its ends are
    /// not written verbatim).
    pub fn command_span(&self, command: &SimpleCommand) -> Span {
        self.bytes
            .covering_span(command.span.start, command.span.end)
    }

    /// A word's value (quotes removed, expressions back in place) and
    /// whether it is dynamic (an expression or a shell expansion, kept
    /// verbatim; a word with a shell expansion keeps its text without the
    /// quotes around it).
    pub fn word(&self, word: &Word) -> (String, bool) {
        let original = self
            .value()
            .get(word.span.start..word.span.end)
            .unwrap_or(&word.raw);
        match word.as_str() {
            Some(v) if !v.contains(MASK) => (v.to_string(), false),
            Some(v) => {
                let mut expressions = expression_ranges(original)
                    .into_iter()
                    .map(|(s, e)| &original[s..e]);
                let mut out = String::new();
                let mut in_run = false;
                for c in v.chars() {
                    if c == MASK {
                        if !in_run {
                            out.push_str(expressions.next().unwrap_or(""));
                        }
                        in_run = true;
                    } else {
                        in_run = false;
                        out.push(c);
                    }
                }
                (out, true)
            }
            None => (strip_quotes(original).to_string(), true),
        }
    }

    /// The workflow bytes of `value` — a word's value, or its part from
    /// byte `offset` of the word's unquoted text (`--set=` + value) — and
    /// whether they are exactly its text (the word writes it verbatim,
    /// unquoted or quoted as a whole); else the word's bytes.
    pub fn locate(&self, word: &Word, value: &str, offset: usize) -> (Span, bool) {
        let original = self
            .value()
            .get(word.span.start..word.span.end)
            .unwrap_or("");
        let inner = strip_quotes(original);
        let quote = usize::from(inner.len() < original.len());
        let start = word.span.start + quote + offset;
        let verbatim = inner.get(offset..) == Some(value);
        if verbatim {
            if let Some(span) = self.bytes.exact_span(start, start + value.len()) {
                return (span, true);
            }
        }
        (
            self.bytes.covering_span(word.span.start, word.span.end),
            false,
        )
    }
}

/// A word's text without the quotes around it as a whole.
fn strip_quotes(word: &str) -> &str {
    for q in ['"', '\''] {
        if word.len() >= 2 && word.starts_with(q) && word.ends_with(q) {
            return &word[1..word.len() - 1];
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow::load;

    #[test]
    fn words_keep_expressions_and_map_to_the_file() {
        let yaml = "jobs:\n  a:\n    steps:\n      - run: |\n          docker pull \"ghcr.io/o/app:${{ github.sha }}\"\n          docker run --rm $IMAGE echo 'hi there'\n";
        let w = load(yaml).unwrap();
        let run = w.jobs[0].steps[0].run.clone().unwrap();
        let s = StepScript::of(yaml, &run);
        let pull = &s.commands()[0];
        let (value, dynamic) = s.word(&pull.args[1]);
        assert_eq!(value, "ghcr.io/o/app:${{ github.sha }}");
        assert!(dynamic);
        let (span, exact) = s.locate(&pull.args[1], &value, 0);
        assert!(exact);
        assert_eq!(span.slice(yaml), "ghcr.io/o/app:${{ github.sha }}");
        let run_cmd = &s.commands()[1];
        assert_eq!(s.word(&run_cmd.args[2]), ("$IMAGE".to_string(), true));
        assert_eq!(s.word(&run_cmd.args[4]), ("hi there".to_string(), false));
        assert_eq!(
            s.command_span(run_cmd).slice(yaml),
            "docker run --rm $IMAGE echo 'hi there'"
        );
    }
}
