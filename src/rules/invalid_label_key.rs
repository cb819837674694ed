//! DL3048 `invalid-label-key` (hadolint DL3048).
//!
//! Docker's label key convention: lowercase letters, digits, `.`, `-` and
//! `_` (hadolint 2.15 accepts `_`);
//! starting with a letter and ending with a letter or digit; no `..` or
//! `--`; and not in the namespaces Docker reserves for itself
//! (`com.docker.*`, `io.docker.*`, `org.dockerproject.*`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::labels::labels;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3048",
    name: "invalid-label-key",
    aliases: &[],
    severity: Severity::Style,
    summary: "Invalid label key",
    doc: include_str!("../../rules/DL3048.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const RESERVED: &[&str] = &["com.docker.", "io.docker.", "org.dockerproject."];

/// Why `key` breaks the convention, if it does.
fn problem(key: &str) -> Option<String> {
    let first = key.chars().next();
    let last = key.chars().last();
    if let Some(prefix) = RESERVED.iter().find(|p| key.starts_with(*p)) {
        return Some(format!("`{prefix}*` is reserved for Docker"));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')))
    {
        return Some(if c.is_ascii_uppercase() {
            "label keys are lowercase".to_string()
        } else {
            format!("`{c}` is not allowed (only a-z, 0-9, `.`, `-` and `_`)")
        });
    }
    if !first.is_some_and(|c| c.is_ascii_lowercase()) {
        return Some("a label key starts with a lowercase letter".to_string());
    }
    if !last.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("a label key ends with a letter or digit".to_string());
    }
    if key.contains("..") || key.contains("--") {
        return Some("`..` and `--` are not allowed".to_string());
    }
    None
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let lex = crate::dockerfile::expand::ShellLex::new(ctx.dockerfile.escape);
    for label in labels(ctx.dockerfile) {
        // A key built from a variable is checked as written, `$` and all
        // (as hadolint does): its value is not known before the build.
        let key = if lex.variable_refs(&label.pair.key.value).is_empty() {
            label.key.clone()
        } else {
            label
                .pair
                .key
                .value
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string()
        };
        let Some(why) = problem(&key) else {
            continue;
        };
        out.push(
            ctx.diagnostic(
                label.key_span(),
                format!("Invalid label key `{key}`: {why}"),
            )
            .with_help(
                "use a reverse-DNS key of lowercase letters, digits, `.` and `-` \
                 (e.g. `org.opencontainers.image.title`)",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_each_kind_of_bad_key_at_the_key() {
        for key in [
            "com.docker.label",
            "io.docker.label",
            "org.dockerproject.label",
            "invalid$character",
            ".invalid",
            "-invalid",
            "1invalid",
            "invalid.",
            "invalid..character",
            "invalid--character",
            "Version",
            "_a",
            "a_",
        ] {
            let src = format!("FROM a\nLABEL {key}=\"foo\"\n");
            let diags = lint(&RULE, &src);
            assert_eq!(slices(&src, &diags), vec![key], "{key}");
        }
    }

    #[test]
    fn valid_quoted_and_variable_keys_pass() {
        let src = "FROM a\nLABEL org.valid-key.label3=\"foo\" validlabel=x \"org.opencontainers.image.title\"=t build_version=1 a__b=2\n";
        assert!(lint(&RULE, src).is_empty());
        let diags = lint(&RULE, "LABEL ${KEY}=v\n");
        assert_eq!(
            diags[0].message,
            "Invalid label key `${KEY}`: `$` is not allowed (only a-z, 0-9, `.`, `-` and `_`)"
        );
        let diags = lint(&RULE, "LABEL \"Bad\"=x\n");
        assert_eq!(
            diags[0].message,
            "Invalid label key `Bad`: label keys are lowercase"
        );
    }
}
