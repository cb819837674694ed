//! The `run:` script of a workflow step as the shell gets it, scanned with
//! the project's shell scanner ([`crate::shell`]): simple commands with
//! their words, spans in the workflow file.
//!
//! GitHub substitutes `${{ }}` expressions before the shell runs, so they
//! are not shell syntax: each is masked with a shell variable of the same
//! length (`$_GHX0____…`) before the scan — the grammar then sees one
//! expansion, and offsets stay exact — and [`StepScript::expression`]
//! gives the expression a masked variable stands for. Expressions are never
//! evaluated.

use crate::dockerfile::LogicalText;
use crate::pipeline::workflow::Scalar;
use crate::shell::{analyze_text, RunScript, ScriptOrigin};

/// The prefix of a masked expression's variable name.
const MASK_PREFIX: &str = "$_GHX";

/// A step's `run:` script, scanned.
#[derive(Debug)]
pub struct StepScript {
    pub script: RunScript,
    /// `(mask, expression)`: the same-length variable each `${{ }}` became.
    masks: Vec<(String, String)>,
}

impl StepScript {
    /// The expression (`${{ github.sha }}`) that a masked variable at the
    /// start of `text` stands for, and the mask's length.
    pub fn expression<'a>(&'a self, text: &str) -> Option<(&'a str, usize)> {
        if !text.starts_with(MASK_PREFIX) {
            return None;
        }
        self.masks
            .iter()
            .find(|(mask, _)| text.starts_with(mask.as_str()))
            .map(|(mask, expr)| (expr.as_str(), mask.len()))
    }

    /// `text` with every masked variable replaced by its expression again.
    pub fn unmask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (mask, expr) in &self.masks {
            out = out.replace(mask.as_str(), expr);
        }
        out
    }
}

/// Scans the script of a `run:` scalar of the workflow `text`.
pub fn parse(text: &str, run: &Scalar) -> StepScript {
    let mut logical = map_to_source(text, run);
    let masks = mask_expressions(&mut logical.text);
    StepScript {
        script: analyze_text(&logical, ScriptOrigin::ShellForm),
        masks,
    }
}

/// The decoded value with a map back to the file: each line of the value
/// is found, in order, in the scalar's source (block scalars lose only
/// their indentation, so every line maps; a line that folding or escapes
/// changed maps to nothing and its spans fall on the previous line's end).
fn map_to_source(text: &str, run: &Scalar) -> LogicalText {
    let source = run.span.slice(text);
    let mut segments = Vec::new();
    let mut cursor = 0;
    let mut logical = 0;
    for line in run.value.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if !content.is_empty() {
            if let Some(found) = source.get(cursor..).and_then(|s| s.find(content)) {
                let at = cursor + found;
                segments.push((logical, run.span.start + at, content.len()));
                cursor = at + content.len();
            }
        }
        logical += line.len();
    }
    LogicalText {
        text: run.value.clone(),
        segments,
    }
}

/// Replaces each `${{ ... }}` with a shell variable of the same length;
/// returns the masks. An expression too short for a mask stays as it is.
fn mask_expressions(text: &mut String) -> Vec<(String, String)> {
    let mut masks: Vec<(String, String)> = Vec::new();
    let mut from = 0;
    while let Some(start) = text
        .get(from..)
        .and_then(|t| t.find("${{"))
        .map(|i| from + i)
    {
        let Some(end) = text
            .get(start + 3..)
            .and_then(|t| t.find("}}"))
            .map(|i| start + 3 + i + 2)
        else {
            break;
        };
        let expr = text[start..end].to_string();
        let name = format!("{MASK_PREFIX}{}", masks.len());
        if expr.len() > name.len() && expr.is_ascii() {
            let mask = format!("{name}{}", "_".repeat(expr.len() - name.len()));
            text.replace_range(start..end, &mask);
            masks.push((mask, expr));
        }
        from = end;
    }
    masks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;

    #[test]
    fn block_script_words_map_to_the_file() {
        let text = "jobs:\n  a:\n    steps:\n      - run: |\n          docker pull ghcr.io/acme/web:latest\n          docker tag ghcr.io/acme/web:latest ghcr.io/acme/web:${{ github.sha }}\n";
        let w = workflow::load(text).unwrap();
        let run = w.jobs[0].steps[0].run.as_ref().unwrap();
        let s = parse(text, run);
        let commands = s.script.commands();
        assert_eq!(commands.len(), 2);
        let tag = &commands[1];
        assert_eq!(tag.name_str(), Some("docker"));
        let dest = &tag.args[2];
        assert_eq!(dest.span.slice(text), "ghcr.io/acme/web:${{ github.sha }}");
        assert!(!dest.is_static(), "an expression is not static");
        let at = dest.raw.find('$').unwrap();
        let (expr, len) = s.expression(&dest.raw[at..]).unwrap();
        assert_eq!(expr, "${{ github.sha }}");
        assert_eq!(len, expr.len());
        assert_eq!(s.unmask(&dest.raw), "ghcr.io/acme/web:${{ github.sha }}");
        assert_eq!(
            commands[0].args[1].span.slice(text),
            "ghcr.io/acme/web:latest"
        );
    }

    #[test]
    fn quoted_and_plain_scripts() {
        let text = "jobs:\n  a:\n    steps:\n      - run: \"echo ${{ x }} && crane copy a b\"\n";
        let w = workflow::load(text).unwrap();
        let run = w.jobs[0].steps[0].run.as_ref().unwrap();
        let s = parse(text, run);
        let crane = &s.script.commands()[1];
        assert_eq!(crane.name_str(), Some("crane"));
        assert_eq!(crane.args[2].span.slice(text), "b");
        // An expression with a quote inside does not unbalance the script.
        let text = "jobs:\n  a:\n    steps:\n      - run: echo ${{ github.ref == 'x' }} && docker push b\n";
        let w = workflow::load(text).unwrap();
        let s = parse(text, w.jobs[0].steps[0].run.as_ref().unwrap());
        assert_eq!(s.script.commands().len(), 2);
        assert!(!s.script.has_syntax_error);
    }
}
