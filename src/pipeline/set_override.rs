//! One `--set` override as a workflow writes it (a line of
//! `docker/bake-action`'s `set:` input, or a `--set` word of a `docker
//! buildx bake` command): `pattern.key=value`, `pattern.key+=value`, where
//! the pattern is a target name or a glob (`*`, `web-*`), with where its
//! text and its value are in the workflow file.

use crate::bake::target::glob_match;
use crate::span::Span;

use super::scalar_bytes::expression_ranges;

/// A parsed override.
#[derive(Debug, Clone, PartialEq)]
pub struct SetOverride {
    /// The override as the build receives it (`*.cache-to=type=gha`).
    pub text: String,
    /// The target name or glob before the first `.`.
    pub pattern: String,
    /// The attribute path after it (`cache-to`, `args.VERSION`).
    pub key: String,
    /// `+=`: appended to the target's list instead of replacing it.
    pub append: bool,
    /// The value after `=`; `None` for `args.NAME` without one (read from
    /// the environment).
    pub value: Option<String>,
    /// The text holds a `${{ }}` expression or a shell expansion: the
    /// parts it stands for are unknown.
    pub dynamic: bool,
    /// A shell expansion makes the text the build receives unknown (a
    /// `${{ }}` expression alone does not: the text is passed as written,
    /// with its expressions standing for unknown parts).
    pub shell_expansion: bool,
    /// The override's bytes in the workflow (the whole line or word).
    pub span: Span,
    /// The value's bytes (`span` when they cannot be told apart).
    pub value_span: Span,
    /// Whether `span` and `value_span` are the text's own bytes (else they
    /// are the whole scalar or word holding it).
    pub exact: bool,
}

impl SetOverride {
    /// Parses `text`, whose bytes start at `span.start` when `exact`.
    /// `None` when it is not `pattern.key[+]=value` (buildx rejects it).
    pub fn parse(text: &str, span: Span, exact: bool, dynamic: bool) -> Option<SetOverride> {
        // The first `=` outside `${{ }}` (an expression may hold `==`); a
        // key path that is, or ends inside, an expression is unknown.
        let expressions = expression_ranges(text);
        let equals = text
            .char_indices()
            .find(|(i, c)| *c == '=' && !expressions.iter().any(|(s, e)| s <= i && i < e))
            .map(|(i, _)| i);
        let (lhs, value, value_at) = match equals {
            Some(i) => (&text[..i], Some(text[i + 1..].to_string()), i + 1),
            None => (text, None, text.len()),
        };
        if expressions
            .iter()
            .any(|(s, e)| *s < lhs.len() && *e > lhs.len())
        {
            return None;
        }
        let append = lhs.ends_with('+');
        let key_path = lhs.trim_end_matches('+');
        // The pattern ends at the first `.` outside an expression.
        let dot = key_path
            .char_indices()
            .find(|(i, c)| *c == '.' && !expressions.iter().any(|(s, e)| s <= i && i < e))
            .map(|(i, _)| i)?;
        let (pattern, key) = (&key_path[..dot], &key_path[dot + 1..]);
        if pattern.is_empty() || key.is_empty() || key.contains("${{") {
            return None;
        }
        if value.is_none() && !key.starts_with("args.") {
            return None;
        }
        let value_span = if exact {
            Span::new(span.start + value_at, span.start + text.len())
        } else {
            span
        };
        Some(SetOverride {
            text: text.to_string(),
            pattern: pattern.to_string(),
            key: key.to_string(),
            append,
            value,
            dynamic,
            shell_expansion: false,
            span,
            value_span,
            exact,
        })
    }

    /// The attribute it sets, as bake files name it (`cache-from`, `args`;
    /// `platform` → `platforms`, `secrets` → `secret`).
    pub fn attribute(&self) -> &str {
        let first = self.key.split('.').next().unwrap_or("");
        match first {
            "platform" => "platforms",
            "secrets" => "secret",
            other => other,
        }
    }

    /// Whether the override applies to target `name` (buildx: the exact
    /// name, else a glob match). A pattern with an expression matches no
    /// known name: which targets it names is unknown.
    pub fn matches(&self, name: &str) -> bool {
        !self.pattern_is_dynamic() && (self.pattern == name || glob_match(&self.pattern, name))
    }

    /// Whether buildx's view of the override is known: its text (shell
    /// expansions hide it) and its targets (an expression in the pattern
    /// hides them). Only known overrides are applied to the evaluation of
    /// the build ([`super::links::Build::evaluated`]).
    pub fn is_known(&self) -> bool {
        !self.shell_expansion && !self.pattern_is_dynamic()
    }

    /// Whether the target pattern holds an expression or a shell expansion.
    pub fn pattern_is_dynamic(&self) -> bool {
        self.pattern.contains("${{") || (self.shell_expansion && self.pattern.contains('$'))
    }

    /// Whether the value part holds an unknown (`${{ }}`, `$VAR`).
    pub fn value_is_dynamic(&self) -> bool {
        self.dynamic
            && self
                .value
                .as_deref()
                .is_some_and(|v| v.contains("${{") || v.contains('$'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_buildx_takes() {
        let o = SetOverride::parse(
            "*.cache-to=type=gha,mode=max",
            Span::new(10, 38),
            true,
            false,
        )
        .unwrap();
        assert_eq!((o.pattern.as_str(), o.key.as_str()), ("*", "cache-to"));
        assert_eq!(o.value.as_deref(), Some("type=gha,mode=max"));
        assert_eq!(o.value_span, Span::new(21, 38));
        assert!(!o.append);
        assert!(o.matches("web") && o.matches("_common"));
        let o = SetOverride::parse("web-*.tags+=a:1", Span::new(0, 15), true, false).unwrap();
        assert!(o.append);
        assert_eq!(o.attribute(), "tags");
        assert!(o.matches("web-api") && !o.matches("api"));
        let o = SetOverride::parse("app.args.V", Span::new(0, 10), true, false).unwrap();
        assert_eq!(o.value, None);
        assert_eq!(o.attribute(), "args");
        let o =
            SetOverride::parse("app.platform=linux/arm64", Span::new(0, 9), false, false).unwrap();
        assert_eq!(o.attribute(), "platforms");
        assert_eq!(o.value_span, Span::new(0, 9));
        assert!(SetOverride::parse("app=1", Span::default(), true, false).is_none());
        assert!(SetOverride::parse("app.tags", Span::default(), true, false).is_none());
        assert!(SetOverride::parse(".tags=a", Span::default(), true, false).is_none());
    }

    #[test]
    fn expressions_in_keys() {
        let o = SetOverride::parse(
            "builder-${{ matrix.v }}.cache-to=type=gha,scope=${{ a.b }}",
            Span::new(0, 56),
            true,
            true,
        )
        .unwrap();
        assert_eq!(o.pattern, "builder-${{ matrix.v }}");
        assert_eq!(o.key, "cache-to");
        assert!(o.pattern_is_dynamic() && !o.matches("builder-x"));
        let whole = "${{ (github.event_name == 'pull_request') && '*.args.A=1' || '' }}";
        assert!(SetOverride::parse(whole, Span::default(), true, true).is_none());
        let o = SetOverride::parse("*.tags=", Span::new(0, 7), true, false).unwrap();
        assert_eq!(o.value.as_deref(), Some(""));
    }

    #[test]
    fn dynamic_values() {
        let o =
            SetOverride::parse("*.tags=a:${{ github.sha }}", Span::default(), true, true).unwrap();
        assert!(o.value_is_dynamic());
    }
}
