//! DF008 `maintainer-deprecated` (BuildKit: `MaintainerDeprecated`).
//!
//! `MAINTAINER` sets the image's `author` field; the OCI label
//! `org.opencontainers.image.authors` is its replacement. MAINTAINER takes
//! its text verbatim (no variable expansion, no quote removal), so the fix
//! double-quotes it and escapes what LABEL would otherwise interpret.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::Keyword;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF008",
    name: "maintainer-deprecated",
    aliases: &["MaintainerDeprecated", "DL4000"],
    severity: Severity::Warning,
    summary:
        "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    doc: include_str!("../../rules/DF008.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The OCI annotation for image authors.
const AUTHORS_LABEL: &str = "org.opencontainers.image.authors";

/// `value` as a double-quoted LABEL value that expands back to `value`:
/// inside double quotes BuildKit's lexer interprets only `"`, `$` and the
/// escape character, so exactly those get escaped.
fn label_value(value: &str, escape: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '$' || c == escape {
            out.push(escape);
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for (_, ins) in df.instructions() {
        if ins.keyword != Keyword::Maintainer {
            continue;
        }
        let mut diag = ctx
            .diagnostic(
                ins.keyword_span,
                "Maintainer instruction is deprecated in favor of using label",
            )
            .with_help(format!("use `LABEL {AUTHORS_LABEL}=\"...\"` instead"));
        let value = ins.args.text.trim();
        if !value.is_empty() && ins.inner_comments.is_empty() && ins.heredocs.is_empty() {
            let keyword = ins.keyword_span.slice(ctx.source());
            let label = if keyword == keyword.to_lowercase() {
                "label"
            } else {
                "LABEL"
            };
            let replacement = format!("{label} {AUTHORS_LABEL}={}", label_value(value, df.escape));
            let span = Span::new(
                ins.keyword_span.start,
                ins.args_span.end.max(ins.keyword_span.end),
            );
            diag = diag.with_fix(Fix::safe(
                format!("Replace with `{replacement}`"),
                vec![Edit::replace(ctx.path, span, replacement.clone())],
            ));
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_keyword_and_fixes_to_label() {
        let src = "FROM scratch\nMAINTAINER me@example.org\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["MAINTAINER"]);
        assert_eq!(
            diags[0].message,
            "Maintainer instruction is deprecated in favor of using label"
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM scratch\nLABEL org.opencontainers.image.authors=\"me@example.org\"\n",
        );
    }

    #[test]
    fn quotes_and_dollars_are_escaped() {
        let src = "FROM scratch\nMAINTAINER Jane \"JD\" Doe <jane$@x.org> \\o/\n";
        assert_fixes_to(
            &RULE,
            src,
            "FROM scratch\nLABEL org.opencontainers.image.authors=\"Jane \\\"JD\\\" Doe <jane\\$@x.org> \\\\o/\"\n",
        );
    }

    #[test]
    fn backtick_escape_directive() {
        let src = "# escape=`\nFROM scratch\nMAINTAINER C:\\Users\\me `x` y\n";
        assert_fixes_to(
            &RULE,
            src,
            "# escape=`\nFROM scratch\nLABEL org.opencontainers.image.authors=\"C:\\Users\\me ``x`` y\"\n",
        );
    }

    #[test]
    fn lowercase_keyword_and_crlf() {
        let src = "from alpine\r\nmaintainer Jane Doe\r\nrun true\r\n";
        assert_fixes_to(
            &RULE,
            src,
            "from alpine\r\nlabel org.opencontainers.image.authors=\"Jane Doe\"\r\nrun true\r\n",
        );
    }

    #[test]
    fn continuation_is_joined() {
        let src = "FROM alpine\nMAINTAINER Jane \\\n  Doe\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        let fixed = crate::rules::testing::apply_fixes(src, &diags);
        assert!(fixed.starts_with("FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane "));
        assert!(fixed.ends_with("Doe\"\n"));
    }

    #[test]
    fn label_is_fine() {
        let src = "FROM scratch\nLABEL org.opencontainers.image.authors=\"me@example.org\"\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
