//! Byte-precise, format-preserving edits of bake files (HCL and HCL-JSON):
//! string literals and CSV fields inside them, list elements, object items,
//! attributes appended to a block, new `variable` declarations.

use std::path::Path;

use crate::bake::{BakeProject, Resolved};
use crate::rules::bake_syntax::{hcl_span_base, syntax_file, SyntaxBlock};
use crate::rules::source_text::{indentation_at, line_start};
use crate::span::Span;

/// Whether `path` is an HCL-JSON bake file (`.json`).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
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
pub fn top_level(template: &str) -> Vec<(usize, u8)> {
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

/// The `{` and `}` of the last `target "<name>"` block of `file` (HCL).
pub fn target_block_braces(
    project: &BakeProject,
    file: &Path,
    name: &str,
) -> Option<(usize, usize)> {
    let source = project.files().iter().find(|f| f.path == file)?;
    let syntax = syntax_file(source)?;
    if syntax.is_json {
        return None;
    }
    let block = syntax
        .blocks
        .iter()
        .rfind(|b| b.kind == "target" && b.label() == Some(name))?;
    block_braces(&source.text, block)
}

/// The `{` and `}` of an HCL block's body.
pub fn block_braces(text: &str, block: &SyntaxBlock) -> Option<(usize, usize)> {
    let body_start = block
        .labels
        .last()
        .map_or(block.kind_span.end, |(_, s)| s.end);
    let open = body_start + text.get(body_start..block.span.end)?.find('{')?;
    let close = block.span.end.checked_sub(1)?;
    (text.get(close..block.span.end) == Some("}")).then_some((open, close))
}

/// A new attribute line `key = value` at the end of the block whose braces
/// are at `open` and `close` (see [`append_attributes`]).
pub fn append_attribute(
    text: &str,
    open: usize,
    close: usize,
    key: &str,
    value: &str,
) -> Option<(Span, String)> {
    append_attributes(text, open, close, &[(key, value.to_string())])
}

/// New attribute lines at the end of the block whose braces are at `open`
/// and `close`, indented like the block's last line, each `=` aligned with
/// the attribute above it when that one pads its `=` (as `hcl fmt` does),
/// in the file's line endings. An empty block gets a body. `None` when the
/// closing brace does not sit on its own line.
pub fn append_attributes(
    text: &str,
    open: usize,
    close: usize,
    attrs: &[(&str, String)],
) -> Option<(Span, String)> {
    let inner = text.get(open + 1..close)?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let block_indent = indentation_at(text, open);
    if inner.trim().is_empty() {
        let lines: String = attrs
            .iter()
            .map(|(key, value)| format!("{newline}{block_indent}  {key} = {value}"))
            .collect();
        return Some((
            Span::new(open + 1, close),
            format!("{lines}{newline}{block_indent}"),
        ));
    }
    let close_line = line_start(text, close);
    let closing_alone = text
        .get(close_line..close)
        .is_some_and(|s| s.trim().is_empty());
    if !closing_alone || !inner.contains('\n') {
        return None;
    }
    let last_content_end = open + 1 + inner.trim_end().len();
    let last_line = line_start(text, last_content_end.saturating_sub(1));
    let indent = indentation_at(text, last_line);
    let indent = if indent.len() > block_indent.len() {
        indent.to_string()
    } else {
        format!("{block_indent}  ")
    };
    let mut previous = text
        .get(last_line..last_content_end)
        .unwrap_or("")
        .to_string();
    let mut out = String::new();
    for (key, value) in attrs {
        let line = format!(
            "{indent}{key}{}= {value}",
            " ".repeat(equals_padding(&previous, key))
        );
        out.push_str(&line);
        out.push_str(newline);
        previous = line;
    }
    Some((Span::empty(close_line), out))
}

/// Spaces between `key` and `=`: `hcl fmt` aligns the `=` of consecutive
/// one-line attributes (and object entries), so line up with the one on
/// `previous_line` when it is such a line and its `=` is further right.
pub fn equals_padding(previous_line: &str, key: &str) -> usize {
    let content = previous_line.trim();
    let Some(eq) = content.find('=') else {
        return 1;
    };
    let previous_key = content[..eq].trim_end();
    let simple_key = !previous_key.is_empty()
        && previous_key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '"'));
    let one_line = !content.ends_with(['{', '[', '(']) && !content.starts_with(['}', ']', ')']);
    if simple_key && one_line && eq > key.len() {
        eq - key.len()
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image_tags::split_repository;

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
}
