//! DL3044 `env-same-statement-reference` (hadolint: `DL3044`).
//!
//! All the `$VAR`s of one `ENV` are expanded with the environment from
//! before the instruction: in `ENV A=1 B=$A`, `B` does not get `1` but the
//! previous `A` (empty if there was none). Like hadolint, a reference is
//! reported when it names a variable set by another pair of the same `ENV`
//! and that no earlier `ARG` or `ENV` defined (then the old value is likely
//! what is meant, as in `ENV PATH=/x:$PATH`). Single-quoted text and
//! escaped `$` are not expansions.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL3044",
    name: "env-same-statement-reference",
    aliases: &[],
    severity: Severity::Error,
    summary: "Do not refer to an environment variable within the same `ENV` statement where it is defined.",
    doc: include_str!("../../rules/DL3044.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The variable references (`$NAME`, `${NAME}`, `${NAME:-x}`) of a raw
/// ENV value: (name, start, end) relative to the value.
fn references(value: &str, escape: char) -> Vec<(&str, usize, usize)> {
    let b = value.as_bytes();
    let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut in_single = false;
    let mut in_double = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !in_single && c as char == escape {
            i += 2;
            continue;
        }
        match c {
            b'\'' if !in_double => in_single = !in_single,
            b'"' if !in_single => in_double = !in_double,
            b'$' if !in_single => {
                if b.get(i + 1) == Some(&b'{') {
                    let start = i + 2;
                    let mut end = start;
                    while end < b.len() && name_char(b[end]) {
                        end += 1;
                    }
                    if end > start && end < b.len() && matches!(b[end], b'}' | b':') {
                        let close = value[end..].find('}').map_or(b.len(), |p| end + p + 1);
                        out.push((&value[start..end], i, close));
                        i = close;
                        continue;
                    }
                } else {
                    let start = i + 1;
                    let mut end = start;
                    while end < b.len() && name_char(b[end]) {
                        end += 1;
                    }
                    if end > start {
                        out.push((&value[start..end], i, end));
                        i = end;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let mut defined: HashSet<String> = HashSet::new();
    for (_, ins) in df.instructions() {
        match &ins.kind {
            InstructionKind::Arg(decls) => {
                defined.extend(decls.iter().map(|d| d.name.value.clone()));
            }
            InstructionKind::Env(pairs) => {
                // How many pairs of this ENV set each name.
                let mut set_by: std::collections::HashMap<&str, usize> =
                    std::collections::HashMap::new();
                for p in pairs {
                    *set_by.entry(p.key.value.as_str()).or_default() += 1;
                }
                for pair in pairs {
                    for (name, start, end) in references(&pair.value.value, df.escape) {
                        let others = set_by.get(name).copied().unwrap_or(0)
                            - usize::from(pair.key.value == name);
                        let set_here = others > 0;
                        if !set_here || defined.contains(name) {
                            continue;
                        }
                        let span =
                            Span::new(pair.value.span.start + start, pair.value.span.start + end);
                        out.push(
                            ctx.diagnostic(
                                span,
                                format!("Do not refer to an environment variable within the same `ENV` statement where it is defined (`{name}` is set by this `ENV`, so this reads its previous value)"),
                            )
                            .with_help(format!("set `{name}` in an `ENV` of its own before the one that uses it")),
                        );
                    }
                }
                defined.extend(pairs.iter().map(|p| p.key.value.clone()));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_references_to_the_same_statement() {
        let src = "ENV BLA=\"blubb\" BLUBB=\"${BLA}/blubb\"\nENV A=1 B=$A/$AFOO C=${A:-x}\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["${BLA}", "$A", "${A:-x}"]);
    }

    #[test]
    fn self_reference_twice_in_one_env() {
        let src = "ENV PATH=/bla:${PATH} PATH=/blubb:${PATH}\n";
        assert_eq!(lint(&RULE, src).len(), 2);
    }

    #[test]
    fn earlier_definitions_partial_names_and_quotes_are_fine() {
        let src = "ENV BLA=\"blubb\"\nENV BLUBB=\"${BLA}/blubb\"\nENV X=1 Y=\"${FOOX}/$XFOO\" Z='$X' W=\\$X\n\
                   ARG P\nENV P=${P} Q=$P\nENV PATH=/bla:${PATH}\nENV PATH=/b:${PATH}\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }
}
