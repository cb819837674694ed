//! DL3049 `missing-label` (hadolint DL3049).
//!
//! Every image the Dockerfile builds must carry each label of the schema
//! (the `labels` option, from hadolint's `label-schema`). A stage has a
//! label when it sets it or inherits it from the stage it is built `FROM`.
//! A stage without it is still fine when it is not an image of its own: a
//! later stage copies from it (`COPY --from=name`), or a later stage that
//! sets the label is built from it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{Instruction, InstructionKind};
use crate::rules::labels::{configured, LABELS_OPTION};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3049",
    name: "missing-label",
    aliases: &[],
    severity: Severity::Info,
    summary: "A label of the schema is missing",
    doc: include_str!("../../rules/DL3049.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[LABELS_OPTION],
    check: CheckFn::Dockerfile(check),
};

/// The label keys an instruction sets (quotes removed).
fn keys(ins: &Instruction, lex: &crate::dockerfile::expand::ShellLex) -> Vec<String> {
    let env = std::collections::HashMap::<String, String>::new();
    match &ins.kind {
        InstructionKind::Label(pairs) => pairs
            .iter()
            .map(|p| {
                lex.process_word(&p.key.value, &env)
                    .unwrap_or_else(|_| p.key.value.clone())
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let wanted = configured(ctx);
    if wanted.is_empty() {
        return;
    }
    let df = ctx.dockerfile;
    let lex = crate::dockerfile::expand::ShellLex::new(df.escape);
    let stages = df.stages();
    let froms: Vec<_> = stages.iter().map(|s| df.stage_from(s)).collect();
    let mut by_alias: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, from) in froms.iter().enumerate() {
        if let Some(name) = from.and_then(|f| f.stage_name.as_ref()) {
            by_alias
                .entry(name.value.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
    // What each stage sets and which stage names it copies from, read once.
    let mut sets: Vec<Vec<String>> = Vec::with_capacity(stages.len());
    let mut copies: Vec<Vec<String>> = Vec::with_capacity(stages.len());
    for stage in stages {
        let mut s = Vec::new();
        let mut c = Vec::new();
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            s.extend(keys(ins, &lex));
            if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                c.push(v.value.to_ascii_lowercase());
            }
        }
        sets.push(s);
        copies.push(c);
    }
    for label in &wanted {
        let mut has = vec![false; stages.len()];
        let mut silent = vec![false; stages.len()];
        for i in 0..stages.len() {
            has[i] = sets[i].contains(label) || df.stage_parent(i).is_some_and(|p| has[p]);
            for name in &copies[i] {
                for &j in by_alias.get(name).into_iter().flatten() {
                    if j < i {
                        silent[j] = true;
                    }
                }
            }
            // A stage that sets the label makes the stage it is built from
            // a base, not an image of its own.
            if sets[i].contains(label) {
                if let Some(p) = df.stage_parent(i) {
                    silent[p] = true;
                }
            }
        }
        for i in 0..stages.len() {
            if has[i] || silent[i] {
                continue;
            }
            let Some(from) = froms[i] else { continue };
            out.push(
                ctx.diagnostic(from.image.span, format!("Label `{label}` is missing."))
                    .with_help(format!("add `LABEL {label}=...` to this stage")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::labels::lint_with_options;
    use crate::rules::testing::{lines, slices};

    fn lint(src: &str) -> Vec<Diagnostic> {
        lint_with_options(&RULE, src, "labels = [\"foo\"]")
    }

    #[test]
    fn single_stage() {
        let src = "FROM baseimage\nLABEL bar=\"baz\"\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["baseimage"]);
        assert_eq!(diags[0].message, "Label `foo` is missing.");
        assert!(lint("FROM baseimage\nLABEL foo=\"bar\"\n").is_empty());
        assert!(lint("LABEL bar=1\n").is_empty());
    }

    #[test]
    fn stages_inherit_and_bases_are_not_images() {
        assert_eq!(lines("", &lint("FROM stage1\nFROM stage2\n")).len(), 2);
        let src = "FROM baseimage\nLABEL foo=\"bar\"\nFROM newimage\n";
        assert_eq!(lines(src, &lint(src)), vec![3]);
        assert_eq!(lint("FROM baseimage as base\nFROM base\n").len(), 2);
        assert!(lint("FROM baseimage as base\nFROM base\nLABEL foo=\"bar\"\n").is_empty());
        assert!(lint("FROM baseimage as base\nLABEL foo=\"bar\"\nFROM base\n").is_empty());
        assert!(lint(
            "FROM baseimage as base\nFROM anotherimage\nLABEL foo=\"bar\"\nCOPY --from=base /bar /baz\n"
        )
        .is_empty());
        let src = "FROM baseimage as base\nFROM anotherimage\nLABEL foo=\"bar\"\n";
        assert_eq!(lines(src, &lint(src)), vec![1]);
        let src = "FROM baseimage as base\nFROM base\nLABEL foo=\"bar\"\n\nFROM base\n";
        assert_eq!(lines(src, &lint(src)), vec![5]);
        let src = "FROM baseimage as base\nFROM base\n\nFROM base\nLABEL foo=\"bar\"\n";
        assert_eq!(lines(src, &lint(src)), vec![2]);
        // One finding per missing label and stage.
        let two = lint_with_options(&RULE, "FROM a\n", "labels = [\"x\", \"y\"]");
        assert_eq!(two.len(), 2);
    }
}
