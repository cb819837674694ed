//! Helpers shared by the CI build-speed rules (BP001–BP008): which targets
//! are abstract, grouping findings by source expression, and byte-precise,
//! format-preserving edits of HCL / HCL-JSON expressions (list elements,
//! string literals, object keys).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::bake::{BakeProject, Provenance, Resolved, Target};
use crate::rules::util_bp2::indentation_at;
use crate::span::Span;

/// Whether `path` is an HCL-JSON bake file (`.json`).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// A target that is never built on its own: `_`-prefixed, or inherited by
/// another target and listed in no group.
pub fn is_abstract(project: &BakeProject, target: &Target) -> bool {
    if target.is_hidden() {
        return true;
    }
    let inherited = project
        .targets()
        .values()
        .any(|t| t.name != target.name && t.inherits_chain.contains(&target.name));
    let grouped = project
        .groups()
        .values()
        .any(|g| g.targets.contains(&target.name));
    inherited && !grouped
}

/// The targets that are built, in name order.
pub fn concrete_targets(project: &BakeProject) -> impl Iterator<Item = &Target> {
    project
        .targets()
        .values()
        .filter(move |t| !is_abstract(project, t))
}

/// Where an expression lives: file and span. Findings about an expression
/// shared by several targets (inheritance, matrix) are reported once.
pub type SourceKey = (PathBuf, Span);

pub fn source_key(origin: &Provenance) -> SourceKey {
    (origin.file.clone(), origin.span)
}

/// Groups items by source expression, keeping first-seen order.
pub struct BySource<T> {
    order: Vec<SourceKey>,
    groups: BTreeMap<SourceKey, Vec<T>>,
}

impl<T> Default for BySource<T> {
    fn default() -> Self {
        BySource {
            order: Vec::new(),
            groups: BTreeMap::new(),
        }
    }
}

impl<T> BySource<T> {
    pub fn push(&mut self, key: SourceKey, item: T) {
        if !self.groups.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.groups.entry(key).or_default().push(item);
    }

    pub fn into_groups(mut self) -> Vec<(SourceKey, Vec<T>)> {
        self.order
            .into_iter()
            .filter_map(|k| {
                let items = self.groups.remove(&k)?;
                Some((k, items))
            })
            .collect()
    }
}

/// `"a"` or `"a", "b"` for messages.
pub fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `target "a"` or `targets "a", "b"`: the subject of a finding about an
/// expression several targets share.
pub fn targets_subject(names: &[String]) -> String {
    if names.len() == 1 {
        format!("target {}", quoted_list(names))
    } else {
        format!("targets {}", quoted_list(names))
    }
}

/// The source slice of a span.
pub fn slice(text: &str, span: Span) -> Option<&str> {
    text.get(span.start..span.end)
}

/// The content of a quoted string literal at `span` (quotes excluded) and
/// the offset where the content starts. `None` when the expression is not a
/// `"..."` literal (a variable, a function call, a heredoc).
pub fn quoted_literal(text: &str, span: Span) -> Option<(usize, &str)> {
    let src = slice(text, span)?;
    let body = src.strip_prefix('"')?.strip_suffix('"')?;
    // The literal must end at the last quote: no unescaped `"` outside
    // interpolations inside (`"a" == "b"` is not one literal).
    let bytes = body.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            // `$${` is an escaped `${`, not an interpolation.
            b'$' | b'%'
                if bytes.get(i + 1) == Some(&b'{')
                    && !(depth == 0 && i > 0 && bytes[i - 1] == bytes[i]) =>
            {
                depth += 1;
                i += 1;
            }
            b'{' if depth > 0 => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'"' if depth == 0 => return None,
            _ => {}
        }
        i += 1;
    }
    Some((span.start + 1, body))
}

/// Offsets of the bytes outside any `${...}` / `%{...}` of a template.
fn top_level(template: &str) -> Vec<(usize, u8)> {
    let b = template.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if (c == b'$' || c == b'%') && b.get(i + 1) == Some(&b'{') {
            // `$${` is an escaped literal `${`.
            if i > 0 && b[i - 1] == c && depth == 0 {
                out.push((i, c));
                i += 1;
                continue;
            }
            depth += 1;
            i += 2;
            continue;
        }
        if depth > 0 {
            match c {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
        } else {
            out.push((i, c));
        }
        i += 1;
    }
    out
}

/// Splits an image reference template (`${REGISTRY}/web:${TAG}`) into the
/// repository part and the tag part (after the tag colon), ignoring
/// separators inside interpolations. A digest (`@...`) ends the name.
pub fn split_repository(reference: &str) -> (&str, Option<&str>) {
    let bytes = top_level(reference);
    let name_end = bytes
        .iter()
        .find(|(_, c)| *c == b'@')
        .map_or(reference.len(), |(i, _)| *i);
    let last_slash = bytes
        .iter()
        .filter(|(i, c)| *c == b'/' && *i < name_end)
        .map(|(i, _)| *i)
        .next_back();
    let colon = bytes
        .iter()
        .find(|(i, c)| *c == b':' && *i < name_end && last_slash.is_none_or(|s| *i > s))
        .map(|(i, _)| *i);
    match colon {
        Some(c) => (
            reference.get(..c).unwrap_or(reference),
            reference.get(c + 1..name_end),
        ),
        None => (reference.get(..name_end).unwrap_or(reference), None),
    }
}

/// Escapes a plain value for use inside an HCL template (`${` → `$${`).
pub fn escape_template(value: &str) -> String {
    value.replace("${", "$${").replace("%{", "%%{")
}

/// The repository of a tag element, written as its source writes it (so in
/// terms of the same variables) when the tag is a plain string literal,
/// otherwise the resolved repository, escaped.
pub fn repository_source(text: Option<&str>, tag: &Resolved) -> Option<String> {
    let from_source = text
        .and_then(|t| quoted_literal(t, tag.origin.span))
        .map(|(_, body)| split_repository(body).0.to_string());
    match from_source {
        Some(repo) if !repo.is_empty() => Some(repo),
        _ => {
            let value = tag.as_str()?;
            let repo = split_repository(value).0;
            (!repo.is_empty()).then(|| escape_template(repo))
        }
    }
}

/// One field of a CSV string literal (`type=gha,scope=web`): its key, value
/// source text and the byte span of the whole field (relative to the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvField<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Splits the body of a CSV string literal at top-level commas.
pub fn csv_fields(body: &str) -> Vec<CsvField<'_>> {
    let mut cuts: Vec<usize> = top_level(body)
        .into_iter()
        .filter(|(_, c)| *c == b',')
        .map(|(i, _)| i)
        .collect();
    cuts.push(body.len());
    let mut out = Vec::new();
    let mut start = 0;
    for end in cuts {
        let part = body.get(start..end).unwrap_or("");
        if !part.trim().is_empty() {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            out.push(CsvField {
                key: key.trim(),
                value,
                start,
                end,
            });
        }
        start = end + 1;
    }
    out
}

/// An insertion of `elements` after the last element (ending at
/// `last_end`) of the list expression at `list_span`, in the list's own
/// style (one line or one element per line, trailing comma or not). `None`
/// when the list is not a `[...]` literal.
pub fn list_append(
    text: &str,
    list_span: Span,
    last_end: usize,
    elements: &[String],
) -> Option<(usize, String)> {
    let list = slice(text, list_span)?;
    if !(list.starts_with('[') && list.ends_with(']')) || elements.is_empty() {
        return None;
    }
    if last_end <= list_span.start || last_end >= list_span.end {
        return None;
    }
    let between = text.get(last_end..list_span.end - 1)?;
    let trailing_comma = between.trim_start().starts_with(',');
    let comma = last_end + between.find(',').unwrap_or(0) + 1;
    let indent = indentation_at(text, last_end);
    let (offset, render): (usize, &dyn Fn(&str) -> String) =
        match (list.contains('\n'), trailing_comma) {
            (true, true) => (comma, &|e| format!("\n{indent}{e},")),
            (true, false) => (last_end, &|e| format!(",\n{indent}{e}")),
            (false, true) => (comma, &|e| format!(" {e},")),
            (false, false) => (last_end, &|e| format!(", {e}")),
        };
    Some((offset, elements.iter().map(|e| render(e)).collect()))
}

/// The span of the key of the object item whose value starts at
/// `value_start` (`key = value`, `"key": value`).
pub fn object_key_span(text: &str, value_start: usize) -> Option<Span> {
    let before = text.get(..value_start)?;
    let trimmed = before.trim_end();
    let sep = trimmed.chars().last()?;
    if sep != '=' && sep != ':' {
        return None;
    }
    let key_part = trimmed.get(..trimmed.len() - 1)?.trim_end();
    let key_end = key_part.len();
    if key_part.ends_with('"') {
        let inner = key_part.get(..key_end - 1)?;
        let open = inner.rfind('"')?;
        return Some(Span::new(open, key_end));
    }
    let key_start = key_part
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |i| i + 1);
    (key_start < key_end).then_some(Span::new(key_start, key_end))
}

/// An object key as written in `file`'s syntax.
pub fn object_item(json: bool, key: &str, value: &str) -> String {
    if json {
        format!("\"{key}\": {value}")
    } else {
        format!("{key} = {value}")
    }
}

/// An insertion of `item` (already rendered) after the last item value
/// (ending at `last_end`) of the object expression at `object_span`.
pub fn object_append(
    text: &str,
    object_span: Span,
    last_end: usize,
    item: &str,
    json: bool,
) -> Option<(usize, String)> {
    let object = slice(text, object_span)?;
    if !(object.starts_with('{') && object.ends_with('}')) {
        return None;
    }
    if last_end <= object_span.start || last_end >= object_span.end {
        return None;
    }
    let between = text.get(last_end..object_span.end - 1)?;
    let trailing_comma = between.trim_start().starts_with(',');
    if object.contains('\n') {
        let indent = indentation_at(text, last_end);
        if trailing_comma {
            let comma = last_end + between.find(',')?;
            Some((comma + 1, format!("\n{indent}{item},")))
        } else if json {
            Some((last_end, format!(",\n{indent}{item}")))
        } else {
            Some((last_end, format!("\n{indent}{item}")))
        }
    } else if trailing_comma {
        let comma = last_end + between.find(',')?;
        Some((comma + 1, format!(" {item},")))
    } else {
        Some((last_end, format!(", {item}")))
    }
}

/// The element of a keyed `Resolved` (an object expression's item).
pub fn keyed<'a>(resolved: &'a Resolved, key: &str) -> Option<&'a Resolved> {
    resolved.elements.iter().find(|e| {
        e.key
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(key))
    })
}

/// The end of the last item value of an object `Resolved` (by position).
pub fn last_item_end(resolved: &Resolved) -> Option<usize> {
    resolved
        .elements
        .iter()
        .filter(|e| e.origin.file == resolved.origin.file)
        .map(|e| e.origin.span.end)
        .filter(|end| *end < resolved.origin.span.end && *end > resolved.origin.span.start)
        .max()
}

/// The offset of `hcl_edit` spans in a source file: the parser reads the text
/// after a byte order mark, so its spans are short by the BOM's length.
fn hcl_span_base(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// Where a new top-level `variable` block goes in an HCL file: after the
/// last `variable` block, else before the first block. Returns the offset
/// and whether the text goes after a block (so it starts with a blank line).
pub fn variable_insertion(project: &BakeProject, file: &Path) -> Option<(usize, bool)> {
    use hcl_edit::Span as _;
    let source = project.files().iter().find(|f| f.path == file)?;
    let body = source.body.as_ref()?;
    let base = hcl_span_base(&source.text);
    let mut last_variable_end = None;
    let mut first_block_start = None;
    for block in body.blocks() {
        let Some(range) = block.span() else { continue };
        let range = range.start + base..range.end + base;
        first_block_start.get_or_insert(range.start);
        if block.ident.as_str() == "variable" {
            last_variable_end = Some(range.end);
        }
    }
    match (last_variable_end, first_block_start) {
        (Some(end), _) => Some((end, true)),
        (None, Some(start)) => Some((start, false)),
        (None, None) => Some((source.text.len(), true)),
    }
}

/// An insertion declaring variable `name` (default `default`) in an
/// HCL-JSON bake file: into its top-level `"variable"` object, or as a new
/// top-level `"variable"` key. `None` when the text does not parse.
pub fn json_variable_insertion(text: &str, name: &str, default: &str) -> Option<(usize, String)> {
    use crate::bake::json::{self, JKind};
    let base = hcl_span_base(text);
    let root = json::parse(text.get(base..)?).ok()?;
    let JKind::Obj(items) = &root.kind else {
        return None;
    };
    let declaration = format!("\"{name}\": {{\"default\": \"{default}\"}}");
    if let Some((_, _, variables)) = items.iter().rev().find(|(k, _, _)| k == "variable") {
        let JKind::Obj(declared) = &variables.kind else {
            return None;
        };
        let span = Span::new(variables.span.start + base, variables.span.end + base);
        return match declared.last() {
            Some((_, _, last)) => {
                object_append(text, span, last.span.end + base, &declaration, true)
            }
            None => Some((span.start + 1, declaration)),
        };
    }
    let (_, first_key, _) = items.first()?;
    let at = first_key.start + base;
    let root_text = text.get(root.span.start + base..at)?;
    let separator = if root_text.contains('\n') {
        format!("\n{}", indentation_at(text, at))
    } else {
        " ".to_string()
    };
    Some((at, format!("\"variable\": {{{declaration}}},{separator}")))
}

/// The text of a `variable "NAME" { default = "..." }` block for insertion
/// at a point from [`variable_insertion`].
pub fn variable_block(name: &str, default: &str, after_block: bool) -> String {
    let block = format!("variable \"{name}\" {{\n  default = \"{default}\"\n}}");
    if after_block {
        format!("\n\n{block}")
    } else {
        format!("{block}\n\n")
    }
}

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
    fn splits_repositories_of_templates() {
        assert_eq!(
            split_repository("${REGISTRY}/web:${TAG}"),
            ("${REGISTRY}/web", Some("${TAG}"))
        );
        assert_eq!(
            split_repository("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        assert_eq!(
            split_repository("app:${V:-a:b}"),
            ("app", Some("${V:-a:b}"))
        );
        assert_eq!(split_repository("app:1@sha256:abc"), ("app", Some("1")));
        assert_eq!(split_repository(""), ("", None));
    }

    #[test]
    fn csv_fields_keep_interpolations_whole() {
        let f = csv_fields("type=gha,scope=${join(\",\", X)},mode=max");
        let keys: Vec<&str> = f.iter().map(|x| x.key).collect();
        assert_eq!(keys, vec!["type", "scope", "mode"]);
        assert_eq!(f[1].value, "${join(\",\", X)}");
    }

    #[test]
    fn list_append_follows_style() {
        let t = "tags = [\"a\"]";
        let s = Span::new(7, t.len());
        let b = vec!["\"b\"".to_string()];
        assert_eq!(list_append(t, s, 10, &b), Some((10, ", \"b\"".into())));
        let t = "tags = [\n    \"a\",\n  ]";
        let s = Span::new(7, t.len());
        assert_eq!(list_append(t, s, 16, &b), Some((17, "\n    \"b\",".into())));
        assert_eq!(list_append("x", Span::new(0, 1), 0, &b), None);
    }

    #[test]
    fn object_keys_are_found() {
        let t = "{ type = \"gha\", \"scope\": \"x\" }";
        let v = t.find("\"gha\"").unwrap_or(0);
        assert_eq!(object_key_span(t, v).map(|s| s.slice(t)), Some("type"));
        let v = t.find("\"x\"").unwrap_or(0);
        assert_eq!(object_key_span(t, v).map(|s| s.slice(t)), Some("\"scope\""));
        assert_eq!(object_key_span("", 0), None);
    }

    #[test]
    fn quoted_literals() {
        let t = r#""type=gha,scope=${join("-", ["a", "b"])}""#;
        assert_eq!(
            quoted_literal(t, Span::new(0, t.len())).map(|(s, _)| s),
            Some(1)
        );
        let t = r#""a" == "b""#;
        assert_eq!(quoted_literal(t, Span::new(0, t.len())), None);
        let t = r#""a\"b""#;
        assert!(quoted_literal(t, Span::new(0, t.len())).is_some());
        assert_eq!(quoted_literal("x", Span::new(0, 5)), None);
        assert_eq!(quoted_literal("\"", Span::new(0, 1)), None);
    }

    #[test]
    fn json_variables() {
        let t = "{\"variable\": {\"A\": {}}, \"target\": {}}";
        assert_eq!(
            json_variable_insertion(t, "S", "dev"),
            Some((21, ", \"S\": {\"default\": \"dev\"}".to_string()))
        );
        let t = "{\n  \"target\": {}\n}";
        assert_eq!(
            json_variable_insertion(t, "S", "dev"),
            Some((
                4,
                "\"variable\": {\"S\": {\"default\": \"dev\"}},\n  ".to_string()
            ))
        );
        assert_eq!(json_variable_insertion("[", "S", "dev"), None);
        assert_eq!(json_variable_insertion("{}", "S", "dev"), None);
    }

    #[test]
    fn odd_input_never_panics() {
        let samples = [
            "",
            "\"",
            "\"\"",
            "[",
            "]",
            "[]",
            "{}",
            "{ü = \"ö\" }",
            "[\"ä\",]",
            "${",
            "$${x}",
            "%{if}",
            "\"${\"",
            "a=b,c",
            ",,,",
            "=",
            "[\n\"a\"\n",
            "\u{feff}[\"x\"]",
        ];
        for text in samples {
            let _ = split_repository(text);
            let _ = csv_fields(text);
            for start in 0..=text.len() + 1 {
                for end in start..=text.len() + 1 {
                    let span = Span::new(start, end);
                    let _ = quoted_literal(text, span);
                    let _ = list_append(text, span, start.saturating_add(1), &["\"x\"".into()]);
                    let _ = object_append(text, span, start.saturating_add(1), "k = 1", false);
                }
                let _ = object_key_span(text, start);
                let _ = indentation_at(text, start);
            }
        }
    }

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
