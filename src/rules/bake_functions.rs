//! User `function` blocks of a bake definition: their source text, which
//! of them use given variables, and whether an expression calls them.

use std::collections::BTreeMap;

use crate::bake::BakeProject;
use crate::rules::bake_syntax::hcl_span_base;

/// Whether `text` uses the identifier `name` (not as part of a longer name).
pub fn mentions_identifier(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name).any(|(at, _)| {
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(at + name.len()..).and_then(|t| t.chars().next());
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// The source text of each user `function` block of the HCL files, by name.
pub fn function_sources(project: &BakeProject) -> BTreeMap<String, String> {
    use hcl_edit::Span as _;
    let mut out = BTreeMap::new();
    for file in project.files() {
        let Some(body) = &file.body else { continue };
        for block in body.get_blocks("function") {
            let (Some(label), Some(range)) = (block.labels.first(), block.span()) else {
                continue;
            };
            let base = hcl_span_base(&file.text);
            let range = range.start + base..range.end + base;
            if let Some(text) = file.text.get(range) {
                out.insert(label.as_str().to_string(), text.to_string());
            }
        }
    }
    out
}

/// The user functions whose body uses one of `variables`, directly or
/// through another user function.
pub fn functions_using(
    project: &BakeProject,
    variables: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    let sources = function_sources(project);
    let mut using: std::collections::BTreeSet<String> = sources
        .iter()
        .filter(|(_, text)| variables.iter().any(|v| mentions_identifier(text, v)))
        .map(|(name, _)| name.clone())
        .collect();
    loop {
        let more: Vec<String> = sources
            .iter()
            .filter(|(name, text)| {
                !using.contains(*name)
                    && using
                        .iter()
                        .any(|f| calls_any(text, &std::collections::BTreeSet::from([f.clone()])))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            return using;
        }
        using.extend(more);
    }
}

/// Whether the expression text calls one of `functions`.
pub fn calls_any(text: &str, functions: &std::collections::BTreeSet<String>) -> bool {
    functions.iter().any(|f| {
        text.match_indices(f.as_str()).any(|(at, _)| {
            let before = text.get(..at).and_then(|t| t.chars().next_back());
            let after = text.get(at + f.len()..).map(str::trim_start);
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && after.is_some_and(|a| a.starts_with('('))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_calls() {
        assert!(mentions_identifier("${GIT_SHA}", "GIT_SHA"));
        assert!(!mentions_identifier("${GIT_SHA1}", "GIT_SHA"));
        assert!(!mentions_identifier("x", ""));
        let f = std::collections::BTreeSet::from(["tag".to_string()]);
        assert!(calls_any("[tag (\"a\")]", &f));
        assert!(!calls_any("[tags(\"a\")]", &f));
        assert!(!calls_any("tag", &f));
    }
}
