//! DF013 `legacy-key-value-format` (BuildKit: `LegacyKeyValueFormat`).
//!
//! BuildKit flags `ENV` and `LABEL` pairs written in the legacy `key value`
//! form (`NoDelim` in its parser). `ARG` has no legacy form (`ARG a b`
//! declares two arguments), so it is never flagged.
//!
//! The fix writes `key=value`. In the legacy form the value is the rest of
//! the line, spaces included; in the `key=value` form the value must be one
//! word for the Dockerfile parser. The fix therefore keeps the value as is
//! when it already is one word, wraps it in double quotes when it has no
//! quotes or escapes of its own, and otherwise escapes each word-splitting
//! space. Each way gives BuildKit's shell lexer the same characters, so the
//! variable keeps the same value.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{InstructionKind, KeyValue};
use crate::rules::stages::dispatched_stages;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF013",
    name: "legacy-key-value-format",
    aliases: &["LegacyKeyValueFormat"],
    severity: Severity::Warning,
    summary: "Legacy key/value format with whitespace separator should not be used",
    doc: include_str!("../../rules/DF013.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let src = ctx.source();
    // BuildKit checks the instructions it dispatches: those of every stage
    // (ONBUILD triggers and instructions before the first FROM are not).
    for stage in dispatched_stages(df, ctx.build.target.as_deref()) {
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let pairs = match &ins.kind {
                InstructionKind::Env(pairs) | InstructionKind::Label(pairs) => pairs,
                _ => continue,
            };
            let name = ins.keyword_span.slice(src);
            for kv in pairs.iter().filter(|kv| kv.legacy) {
                let mut diag = ctx
                    .diagnostic(
                        kv.span,
                        format!("\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"),
                    )
                    .with_help(format!(
                        "Write `{name} {}=<value>`; in the legacy form a second pair cannot follow and the value silently takes the rest of the line",
                        kv.key.value
                    ));
                if let Some(edits) = fix_edits(ctx, kv) {
                    diag = diag.with_fix(Fix::safe(format!("Use `{name} key=value`"), edits));
                }
                out.push(diag);
            }
        }
    }
}

/// Edits turning `key value` into an equivalent `key=value`, if possible.
fn fix_edits(ctx: &DockerfileContext<'_>, kv: &KeyValue) -> Option<Vec<Edit>> {
    let src = ctx.source();
    let escape = ctx.dockerfile.escape;
    let key_end = kv.key.span.end;
    let value_start = kv.value.span.start;
    let separator = src.get(key_end..value_start)?;
    if key_end >= value_start || !is_plain_separator(separator, escape) {
        return None;
    }
    // A quoted or escaped legacy key is split differently in the two forms.
    if kv.key.value.contains(['"', '\'', escape]) {
        return None;
    }
    let file = ctx.path;
    let separator_span = Span::new(key_end, value_start);
    let value = &kv.value.value;
    let words = parse_words(value, escape);
    if words.len() == 1 && words[0] == *value {
        return Some(vec![Edit::replace(file, separator_span, "=")]);
    }
    if !value.contains(['"', '\'', escape]) {
        // The opening quote goes with the `=` so that no two edits touch.
        return Some(vec![
            Edit::replace(file, separator_span, "=\""),
            Edit::insert(file, kv.value.span.end, "\""),
        ]);
    }
    let mut edits = vec![Edit::replace(file, separator_span, "=")];
    // Escape the spaces that split words; only for a value written on one line.
    if kv.value.span.slice(src) != value.as_str() {
        return None;
    }
    for offset in splitting_spaces(value, escape) {
        edits.push(Edit::insert(
            file,
            kv.value.span.start + offset,
            escape.to_string(),
        ));
    }
    let escaped = apply_inserts(value, &edits[1..], kv.value.span.start);
    let words = parse_words(&escaped, escape);
    (words.len() == 1 && words[0] == escaped).then_some(edits)
}

/// Whitespace, possibly with line continuations, and nothing else.
fn is_plain_separator(separator: &str, escape: char) -> bool {
    let mut chars = separator.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape {
            // escape, optional trailing blanks, then the line ending
            while matches!(chars.peek(), Some(' ' | '\t')) {
                chars.next();
            }
            if chars.peek() == Some(&'\r') {
                chars.next();
            }
            if chars.next() != Some('\n') {
                return false;
            }
        } else if !matches!(c, ' ' | '\t' | '\r' | '\n') {
            return false;
        }
    }
    true
}

/// The value with the inserted escapes of `edits` (offsets relative to `base`).
fn apply_inserts(value: &str, edits: &[Edit], base: usize) -> String {
    let mut out = value.to_string();
    for edit in edits.iter().rev() {
        if let Edit::Replace { span, content, .. } = edit {
            out.insert_str(span.start - base, content);
        }
    }
    out
}

/// Byte offsets of the whitespace characters that end a word in BuildKit's
/// `parseWords` (outside quotes, not escaped).
fn splitting_spaces(text: &str, escape: char) -> Vec<usize> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            None => {
                if c.is_whitespace() {
                    out.push(i);
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    chars.next();
                }
            }
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == escape && q != '\'' {
                    chars.next();
                }
            }
        }
    }
    out
}

/// BuildKit's `parseWords`: splits on whitespace outside quotes; quotes and
/// escapes stay in the words; an escape at the very end is dropped.
pub(crate) fn parse_words(text: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut pos = 0;
    loop {
        let ch = chars.get(pos).copied();
        if phase == Phase::Spaces {
            match ch {
                None => break,
                Some(c) if c.is_whitespace() => {
                    pos += 1;
                    continue;
                }
                Some(_) => phase = Phase::Word,
            }
        }
        let Some(mut c) = ch else {
            if blank_ok || !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            break;
        };
        if phase == Phase::Word {
            if c.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                blank_ok = false;
                pos += 1;
                continue;
            }
            if c == '\'' || c == '"' {
                quote = c;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if c == escape {
                if pos + 1 == chars.len() {
                    pos += 1;
                    continue;
                }
                word.push(c);
                pos += 1;
                c = chars[pos];
            }
            word.push(c);
            pos += 1;
            continue;
        }
        // in quotes
        if c == quote {
            phase = Phase::Word;
        }
        if c == escape && quote != '\'' {
            if pos + 1 == chars.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            word.push(c);
            c = chars[pos];
        }
        word.push(c);
        pos += 1;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{apply_fixes, assert_fixes_to, run, slices};

    #[test]
    fn env_and_label_messages() {
        let src = "FROM scratch\nENV testkey value\nLABEL key value\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 2);
        assert_eq!(
            diags[0].message,
            "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format"
        );
        assert_eq!(
            diags[1].message,
            "\"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format"
        );
        assert_eq!(slices(src, &diags), ["testkey value", "key value"]);
    }

    #[test]
    fn lowercase_keyword_in_message() {
        let src = "from scratch\nenv k v\n";
        let diags = run(&RULE, src);
        assert_eq!(
            diags[0].message,
            "\"env key=value\" should be used instead of legacy \"env key value\" format"
        );
    }

    #[test]
    fn new_form_and_arg_are_fine() {
        let src = "FROM scratch\nENV a=b c=\"d e\"\nLABEL k=v\nARG x y\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn global_and_onbuild_are_not_dispatched() {
        let src = "FROM scratch\nONBUILD ENV a b\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn only_stages_the_target_needs() {
        let src =
            "FROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n";
        assert_eq!(run(&RULE, src).len(), 2);
        let build = crate::rules::BuildInfo {
            target: Some("c".into()),
            ..Default::default()
        };
        let path = std::path::Path::new("Dockerfile");
        assert!(crate::rules::testing::run_with(&RULE, src, &build, path).is_empty());
        let build = crate::rules::BuildInfo {
            target: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(
            crate::rules::testing::run_with(&RULE, src, &build, path).len(),
            2
        );
    }

    #[test]
    fn fix_single_word() {
        assert_fixes_to(&RULE, "FROM scratch\nENV A b\n", "FROM scratch\nENV A=b\n");
        assert_fixes_to(
            &RULE,
            "FROM scratch\nENV A   $B\n",
            "FROM scratch\nENV A=$B\n",
        );
        assert_fixes_to(
            &RULE,
            "FROM scratch\nENV A \"b c\"\n",
            "FROM scratch\nENV A=\"b c\"\n",
        );
    }

    #[test]
    fn fix_quotes_values_with_spaces() {
        assert_fixes_to(
            &RULE,
            "FROM scratch\nLABEL description A small  image\n",
            "FROM scratch\nLABEL description=\"A small  image\"\n",
        );
    }

    #[test]
    fn fix_escapes_when_value_has_quotes() {
        assert_fixes_to(
            &RULE,
            "FROM scratch\nENV A \"x\" 'y z' w\n",
            "FROM scratch\nENV A=\"x\"\\ 'y z'\\ w\n",
        );
    }

    #[test]
    fn fix_across_continuation_and_crlf() {
        assert_fixes_to(
            &RULE,
            "FROM scratch\r\nENV A \\\r\n  hello world\r\n",
            "FROM scratch\r\nENV A=\"hello world\"\r\n",
        );
    }

    #[test]
    fn no_fix_when_comment_between_key_and_value() {
        let src = "FROM scratch\nENV A \\\n# note\n  b\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
        assert_eq!(apply_fixes(src, &diags), src);
    }

    #[test]
    fn no_fix_for_quoted_keys() {
        let src = "FROM scratch\nLABEL \"my key\" value\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn value_with_equals_sign() {
        assert_fixes_to(
            &RULE,
            "FROM scratch\nENV A b=c\n",
            "FROM scratch\nENV A=b=c\n",
        );
    }

    #[test]
    fn backtick_escape() {
        assert_fixes_to(
            &RULE,
            "# escape=`\nFROM scratch\nENV A \"x\" y\n",
            "# escape=`\nFROM scratch\nENV A=\"x\"` y\n",
        );
    }

    #[test]
    fn parse_words_like_buildkit() {
        assert_eq!(
            parse_words("a \"b c\" d\\ e", '\\'),
            ["a", "\"b c\"", "d\\ e"]
        );
        assert_eq!(parse_words("'it''s'", '\\'), ["'it''s'"]);
        assert_eq!(parse_words("x\\", '\\'), ["x"]);
    }
}
