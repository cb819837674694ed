//! A syntax view of bake files, HCL and JSON alike: blocks, labels and
//! attributes as written, with their spans and the shape of each value,
//! before any evaluation.

use std::path::PathBuf;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use crate::bake::json::{self, JKind, JNode};
use crate::bake::{BakeProject, FileKind, SourceFile};
use crate::span::Span;

/// The rough shape of an attribute's value, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    String,
    Bool,
    Number,
    Null,
    List,
    Map,
    /// A variable, call, conditional…: shape unknown until evaluated.
    Computed,
}

/// An attribute as written: key, spans, shape, and its literal strings
/// (the value itself, or the elements of a list, when plain literals).
#[derive(Debug, Clone)]
pub struct SyntaxAttr {
    pub name: String,
    /// The key as written (quotes included in JSON).
    pub name_span: Span,
    pub value_span: Span,
    pub shape: ValueShape,
    /// Literal string elements (no interpolation) with their spans,
    /// quotes included.
    pub strings: Vec<(String, Span)>,
}

/// A block as written.
#[derive(Debug, Clone)]
pub struct SyntaxBlock {
    pub kind: String,
    /// The block type keyword (or JSON key).
    pub kind_span: Span,
    pub labels: Vec<(String, Span)>,
    pub attrs: Vec<SyntaxAttr>,
    pub blocks: Vec<SyntaxBlock>,
    pub span: Span,
}

impl SyntaxBlock {
    pub fn label(&self) -> Option<&str> {
        self.labels.first().map(|(l, _)| l.as_str())
    }

    /// The label span, or the keyword's when unlabelled.
    pub fn label_span(&self) -> Span {
        self.labels.first().map_or(self.kind_span, |(_, s)| *s)
    }

    pub fn attr(&self, name: &str) -> Option<&SyntaxAttr> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }
}

/// One bake file as written.
#[derive(Debug, Clone)]
pub struct SyntaxFile {
    pub path: PathBuf,
    pub is_json: bool,
    pub attrs: Vec<SyntaxAttr>,
    pub blocks: Vec<SyntaxBlock>,
}

/// The syntax view of every HCL and JSON file of the definition.
pub fn syntax_files(project: &BakeProject) -> Vec<SyntaxFile> {
    project.files().iter().filter_map(syntax_file).collect()
}

/// The offset of `hcl_edit` spans in a source file: the parser reads the text
/// after a byte order mark, so its spans are short by the BOM's length.
pub fn hcl_span_base(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// The syntax view of one loaded file (`None` for compose files or text
/// that does not parse).
pub fn syntax_file(file: &SourceFile) -> Option<SyntaxFile> {
    let base = hcl_span_base(&file.text);
    match file.kind {
        FileKind::Compose => None,
        FileKind::Hcl => {
            let parsed;
            let body = match &file.body {
                Some(b) => b,
                None => {
                    parsed = hcl_edit::parser::parse_body(file.text.get(base..)?).ok()?;
                    &parsed
                }
            };
            let (attrs, blocks) = hcl_body(body, base);
            Some(SyntaxFile {
                path: file.path.clone(),
                is_json: false,
                attrs,
                blocks,
            })
        }
        FileKind::Json => {
            let root = json::parse(file.text.get(base..)?).ok()?;
            let (attrs, blocks) = json_root(&root, base);
            Some(SyntaxFile {
                path: file.path.clone(),
                is_json: true,
                attrs,
                blocks,
            })
        }
    }
}

fn range(r: Option<std::ops::Range<usize>>, base: usize) -> Span {
    r.map(|r| Span::from(r).offset(base))
        .unwrap_or(Span::empty(base))
}

fn hcl_body(body: &Body, base: usize) -> (Vec<SyntaxAttr>, Vec<SyntaxBlock>) {
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => attrs.push(SyntaxAttr {
                name: a.key.value().as_str().to_string(),
                name_span: range(a.key.span(), base),
                value_span: range(a.value.span(), base),
                shape: hcl_shape(&a.value),
                strings: hcl_strings(&a.value, base),
            }),
            Structure::Block(b) => {
                let (inner_attrs, inner_blocks) = hcl_body(&b.body, base);
                blocks.push(SyntaxBlock {
                    kind: b.ident.value().as_str().to_string(),
                    kind_span: range(b.ident.span(), base),
                    labels: b
                        .labels
                        .iter()
                        .map(|l| (l.as_str().to_string(), range(l.span(), base)))
                        .collect(),
                    attrs: inner_attrs,
                    blocks: inner_blocks,
                    span: range(b.span(), base),
                });
            }
        }
    }
    (attrs, blocks)
}

fn hcl_shape(e: &Expression) -> ValueShape {
    match e {
        Expression::Null(_) => ValueShape::Null,
        Expression::Bool(_) => ValueShape::Bool,
        Expression::Number(_) => ValueShape::Number,
        Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            ValueShape::String
        }
        Expression::Array(_) => ValueShape::List,
        Expression::Object(_) => ValueShape::Map,
        Expression::Parenthesis(p) => hcl_shape(p.inner()),
        Expression::ForExpr(f) => {
            if f.key_expr.is_some() {
                ValueShape::Map
            } else {
                ValueShape::List
            }
        }
        _ => ValueShape::Computed,
    }
}

fn hcl_strings(e: &Expression, base: usize) -> Vec<(String, Span)> {
    match e {
        Expression::String(s) => vec![(s.value().to_string(), range(e.span(), base))],
        Expression::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Expression::String(s) => Some((s.value().to_string(), range(item.span(), base))),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The block types buildx reads at the top level of a bake file.
pub const BLOCK_TYPES: &[&str] = &["variable", "target", "group", "function"];

fn json_root(root: &JNode, base: usize) -> (Vec<SyntaxAttr>, Vec<SyntaxBlock>) {
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    let JKind::Obj(items) = &root.kind else {
        return (attrs, blocks);
    };
    for (key, key_span, value) in items {
        let key_span = key_span.offset(base);
        if !BLOCK_TYPES.contains(&key.as_str()) {
            attrs.push(json_attr(key, key_span, value, base));
            continue;
        }
        let JKind::Obj(labelled) = &value.kind else {
            continue;
        };
        for (label, label_span, body) in labelled {
            for b in json_bodies(body) {
                blocks.push(json_block(
                    key,
                    key_span,
                    vec![(label.clone(), label_span.offset(base))],
                    b,
                    base,
                ));
            }
        }
    }
    (attrs, blocks)
}

fn json_bodies(node: &JNode) -> Vec<&JNode> {
    match &node.kind {
        JKind::Arr(items) => items.iter().collect(),
        _ => vec![node],
    }
}

fn json_block(
    kind: &str,
    kind_span: Span,
    labels: Vec<(String, Span)>,
    body: &JNode,
    base: usize,
) -> SyntaxBlock {
    let mut block = SyntaxBlock {
        kind: kind.to_string(),
        kind_span,
        labels,
        attrs: Vec::new(),
        blocks: Vec::new(),
        span: body.span.offset(base),
    };
    let JKind::Obj(items) = &body.kind else {
        return block;
    };
    for (key, key_span, value) in items {
        let key_span = key_span.offset(base);
        if kind == "variable" && key == "validation" {
            for b in json_bodies(value) {
                block
                    .blocks
                    .push(json_block("validation", key_span, Vec::new(), b, base));
            }
            continue;
        }
        block.attrs.push(json_attr(key, key_span, value, base));
    }
    block
}

fn json_literal(node: &JNode, base: usize) -> Option<(String, Span)> {
    match &node.kind {
        JKind::Str(s, _) if !s.contains("${") && !s.contains("%{") => {
            Some((s.clone(), node.span.offset(base)))
        }
        _ => None,
    }
}

fn json_attr(key: &str, key_span: Span, value: &JNode, base: usize) -> SyntaxAttr {
    let shape = match &value.kind {
        JKind::Null => ValueShape::Null,
        JKind::Bool(_) => ValueShape::Bool,
        JKind::Num(_) => ValueShape::Number,
        JKind::Str(..) => ValueShape::String,
        JKind::Arr(_) => ValueShape::List,
        JKind::Obj(_) => ValueShape::Map,
    };
    let strings = match &value.kind {
        JKind::Arr(items) => items.iter().filter_map(|i| json_literal(i, base)).collect(),
        _ => json_literal(value, base).into_iter().collect(),
    };
    SyntaxAttr {
        name: key.to_string(),
        name_span: key_span,
        value_span: value.span.offset(base),
        shape,
        strings,
    }
}

/// The span of the key of the map entry whose value starts at `value_span`
/// (`KEY = "v"`, `"KEY": "v"`), when the text there names `key`.
pub fn map_key_span(text: &str, value_span: Span, key: &str) -> Option<Span> {
    let before = text.get(..value_span.start)?;
    let trimmed = before.trim_end();
    let sep = trimmed.chars().last()?;
    if sep != '=' && sep != ':' {
        return None;
    }
    let before_sep = trimmed.get(..trimmed.len() - 1)?.trim_end();
    let end = before_sep.len();
    let start = if before_sep.ends_with('"') {
        let inner = before_sep.get(..end - 1)?;
        inner.rfind('"')?
    } else {
        before_sep
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '-'))
            .last()
            .map(|(i, _)| i)?
    };
    let written = before_sep.get(start..end)?;
    let unquoted = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(written);
    (unquoted == key).then_some(Span::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::map_key_span;
    use crate::span::Span;

    #[test]
    fn map_keys_before_values() {
        let hcl = "args = {\n  A_B = \"1\"\n  \"C-D\" = \"2\"\n}";
        let value = hcl
            .find("\"1\"")
            .map_or(Span::default(), |i| Span::new(i, i + 3));
        let key = map_key_span(hcl, value, "A_B").expect("key");
        assert_eq!(key.slice(hcl), "A_B");
        let value = hcl
            .find("\"2\"")
            .map_or(Span::default(), |i| Span::new(i, i + 3));
        assert_eq!(
            map_key_span(hcl, value, "C-D").map(|s| s.slice(hcl)),
            Some("\"C-D\"")
        );
        assert_eq!(map_key_span(hcl, value, "X"), None);
        let json = "{\"K\": \"v\"}";
        assert_eq!(
            map_key_span(json, Span::new(6, 9), "K").map(|s| s.slice(json)),
            Some("\"K\"")
        );
        // Out of range or nothing before: no panic, no span.
        assert_eq!(map_key_span("", Span::new(5, 6), "K"), None);
        assert_eq!(map_key_span("= x", Span::new(2, 3), "K"), None);
        assert_eq!(
            map_key_span("é=x", Span::new(3, 4), "é"),
            Some(Span::new(0, 2))
        );
    }
}
