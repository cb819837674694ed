//! What the label rules (DL3048–DL3058) share: every `LABEL` pair of a
//! Dockerfile (also under `ONBUILD`) with its key and value as BuildKit
//! reads them (quotes removed, escapes processed), and the `labels` option
//! that names the labels a schema rule checks (from hadolint's
//! `label-schema`).

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, KeyValue};
use crate::rules::{DockerfileContext, OptionKind, RuleOption};
use crate::span::Span;

/// The `labels` option of the schema rules.
pub const LABELS_OPTION: RuleOption = RuleOption {
    name: "labels",
    kind: OptionKind::StringList,
};

/// One `key=value` of a LABEL, read.
pub struct Label<'a> {
    /// The instruction it belongs to (the `ONBUILD` one for `ONBUILD LABEL`).
    pub instruction: &'a Instruction,
    pub pair: &'a KeyValue,
    /// The key, quotes removed.
    pub key: String,
    /// The value, quotes removed; `None` when it refers to a variable (its
    /// value is not known before the build).
    pub value: Option<String>,
}

impl Label<'_> {
    pub fn key_span(&self) -> Span {
        self.pair.key.span
    }

    /// The value as written (quotes included); an empty span right after
    /// `=` when there is no value text.
    pub fn value_span(&self) -> Span {
        self.pair.value.span
    }
}

/// The LABEL instruction `ins` is or wraps (`ONBUILD LABEL`).
fn label_pairs(ins: &Instruction) -> Option<&[KeyValue]> {
    match &ins.kind {
        InstructionKind::Label(pairs) => Some(pairs),
        InstructionKind::Onbuild(inner) => match &inner.kind {
            InstructionKind::Label(pairs) => Some(pairs),
            _ => None,
        },
        _ => None,
    }
}

/// Every label pair of the file, in order.
pub fn labels(df: &Dockerfile) -> Vec<Label<'_>> {
    let lex = ShellLex::new(df.escape);
    let env: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (_, ins) in df.instructions() {
        let Some(pairs) = label_pairs(ins) else {
            continue;
        };
        for pair in pairs {
            let key = lex
                .process_word(&pair.key.value, &env)
                .unwrap_or_else(|_| pair.key.value.clone());
            let value = if lex.variable_refs(&pair.value.value).is_empty() {
                lex.process_word(&pair.value.value, &env).ok()
            } else {
                None
            };
            out.push(Label {
                instruction: ins,
                pair,
                key,
                value,
            });
        }
    }
    out
}

/// The labels the rule's `labels` option names.
pub fn configured(ctx: &DockerfileContext<'_>) -> Vec<String> {
    ctx.option_str_list(LABELS_OPTION.name).unwrap_or_default()
}

/// The shared check of the value rules (DL3052–DL3056, DL3058): every
/// configured label whose known value `valid` refuses gets `message(label)`
/// at its value, with `help`.
pub fn check_values(
    ctx: &DockerfileContext<'_>,
    out: &mut Vec<Diagnostic>,
    valid: fn(&str) -> bool,
    message: fn(&str) -> String,
    help: &str,
) {
    let names = configured(ctx);
    if names.is_empty() {
        return;
    }
    for label in labels(ctx.dockerfile) {
        if !names.contains(&label.key) {
            continue;
        }
        let Some(value) = &label.value else {
            continue;
        };
        if valid(value) {
            continue;
        }
        out.push(
            ctx.diagnostic(label.value_span(), message(&label.key))
                .with_help(help.to_string()),
        );
    }
}

/// Runs `rule` over `src` with `options` (the body of its `[rules.X]`
/// table, as TOML text).
#[cfg(test)]
pub fn lint_with_options(
    rule: &'static crate::rules::RuleDef,
    src: &str,
    options: &str,
) -> Vec<Diagnostic> {
    let df = crate::dockerfile::parse(src);
    let options: toml::Table = toml::from_str(options).expect("options");
    let build = crate::rules::BuildInfo::default();
    let ctx = DockerfileContext {
        path: std::path::Path::new("Dockerfile"),
        dockerfile: &df,
        rule,
        options: &options,
        build: &build,
    };
    let mut out = Vec::new();
    if let Some(check) = rule.dockerfile_check() {
        check(&ctx, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_are_read_as_buildkit_does() {
        let df = crate::dockerfile::parse(
            "FROM a\nLABEL \"com.x\"='y z' plain=v var=\"${V}\"\nONBUILD LABEL o=1\n",
        );
        let got: Vec<(String, Option<String>)> =
            labels(&df).into_iter().map(|l| (l.key, l.value)).collect();
        assert_eq!(
            got,
            vec![
                ("com.x".to_string(), Some("y z".to_string())),
                ("plain".to_string(), Some("v".to_string())),
                ("var".to_string(), None),
                ("o".to_string(), Some("1".to_string())),
            ]
        );
    }
}
