//! A YAML reader that keeps byte spans: saphyr-parser's spanned events
//! folded into a [`Node`] tree whose every scalar, sequence and mapping
//! knows where it is in the text, so findings on compose files (and CI
//! workflow files) can point at the exact bytes.
//!
//! Anchors and aliases are resolved (an alias is a copy of the anchored
//! node, spans included), merge keys (`<<: *base`) are applied with the
//! mapping's own keys winning, and the tree is bounded: nesting deeper than
//! [`crate::bake::limits::MAX_NESTING`] or more than [`MAX_NODES`] nodes
//! (alias bombs) is an error, never a stack overflow.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::span::Span;

/// The most nodes one document may expand to (aliases included).
pub const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar; `plain` when unquoted (only plain scalars can be null,
    /// booleans or numbers).
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in document order; later duplicates are kept (readers take the
    /// last with [`Node::get`]).
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range in the text.
    pub span: Span,
    /// The tag as written (`!reset`, `!!str`), if any.
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Node {
    fn scalar(value: &str, span: Span) -> Node {
        Node {
            kind: NodeKind::Scalar {
                value: value.to_string(),
                plain: true,
            },
            span,
            tag: None,
        }
    }

    /// A plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            NodeKind::Scalar { value, plain } => {
                *plain
                    && self.tag.is_none()
                    && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The scalar's text (null scalars included), `None` for collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// A YAML 1.2 core-schema boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar { value, plain: true } => match value.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// What kind of node this is, for messages ("a mapping", "a string").
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } if self.is_null() => "null",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(items) => Some(items),
            _ => None,
        }
    }

    /// The value of a mapping key (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value of a mapping key (the last one when repeated).
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Mapping entries with string keys, last duplicate winning, in
    /// document order of their last occurrence.
    pub fn entries(&self) -> Vec<(&str, &Node, &Node)> {
        let Some(items) = self.as_map() else {
            return Vec::new();
        };
        let mut out: Vec<(&str, &Node, &Node)> = Vec::new();
        for (k, v) in items {
            let Some(name) = k.as_str() else { continue };
            out.retain(|(n, _, _)| *n != name);
            out.push((name, k, v));
        }
        out
    }
}

/// Char index → byte offset (saphyr counts characters).
struct Offsets {
    ascii: bool,
    table: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let ascii = text.is_ascii();
        Offsets {
            ascii,
            table: if ascii {
                Vec::new()
            } else {
                text.char_indices().map(|(i, _)| i).collect()
            },
            len: text.len(),
        }
    }

    fn byte(&self, chars: usize) -> usize {
        if self.ascii {
            chars.min(self.len)
        } else {
            self.table.get(chars).copied().unwrap_or(self.len)
        }
    }
}

enum Open {
    Seq {
        anchor: usize,
        start: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        start: usize,
        tag: Option<String>,
        items: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

fn tag_text(t: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    t.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Parses every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, Error> {
    let offsets = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let parser = Parser::new_from_str(text).keep_tags(true);
    for ev in parser {
        let (ev, span) = ev.map_err(|e| Error {
            offset: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let sp = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        let done: Option<(Node, usize)> = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                nodes = 0;
                None
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or_else(|| Node::scalar("", sp)));
                None
            }
            Event::Alias(id) => {
                let n = anchors.get(&id).cloned().ok_or_else(|| Error {
                    offset: sp.start,
                    message: "unknown anchor".into(),
                })?;
                nodes = nodes.saturating_add(count(&n));
                Some((n, 0))
            }
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                Some((
                    Node {
                        kind: NodeKind::Scalar {
                            value: value.into_owned(),
                            plain: style == ScalarStyle::Plain,
                        },
                        span: sp,
                        tag: tag_text(tag),
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, tag) => {
                stack.push(Open::Seq {
                    anchor,
                    start: sp.start,
                    tag: tag_text(tag),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                stack.push(Open::Map {
                    anchor,
                    start: sp.start,
                    tag: tag_text(tag),
                    items: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                nodes += 1;
                match stack.pop() {
                    Some(Open::Seq {
                        anchor,
                        start,
                        tag,
                        items,
                    }) => Some((
                        Node {
                            kind: NodeKind::Seq(items),
                            span: Span::new(start, sp.end.max(start)),
                            tag,
                        },
                        anchor,
                    )),
                    Some(Open::Map {
                        anchor,
                        start,
                        tag,
                        items,
                        ..
                    }) => Some((
                        Node {
                            kind: NodeKind::Map(apply_merge_keys(items)),
                            span: Span::new(start, sp.end.max(start)),
                            tag,
                        },
                        anchor,
                    )),
                    None => None,
                }
            }
        };
        if stack.len() > crate::bake::limits::MAX_NESTING {
            return Err(Error {
                offset: sp.start,
                message: format!(
                    "nesting is deeper than {} levels, bakelint's limit",
                    crate::bake::limits::MAX_NESTING
                ),
            });
        }
        if nodes > MAX_NODES {
            return Err(Error {
                offset: sp.start,
                message: format!("the document expands to more than {MAX_NODES} nodes"),
            });
        }
        let Some((node, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { items, key, .. }) => match key.take() {
                Some(k) => items.push((k, node)),
                None => *key = Some(node),
            },
            None => root = Some(node),
        }
    }
    Ok(docs)
}

fn count(n: &Node) -> usize {
    let mut total = 0;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        total += 1;
        match &n.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(items) => {
                for (k, v) in items {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    total
}

/// `<<: *base` / `<<: [*a, *b]`: the merged mappings' keys, unless the
/// mapping has them itself (earlier merged mappings win over later ones).
fn apply_merge_keys(items: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge =
        |k: &Node| matches!(&k.kind, NodeKind::Scalar { value, plain: true } if value == "<<");
    if !items.iter().any(|(k, _)| is_merge(k)) {
        return items;
    }
    let mut own: Vec<(Node, Node)> = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in items {
        if !is_merge(&k) {
            own.push((k, v));
            continue;
        }
        let sources: Vec<Node> = match v.kind {
            NodeKind::Map(_) => vec![v],
            NodeKind::Seq(list) => list,
            _ => vec![],
        };
        for s in sources {
            if let NodeKind::Map(entries) = s.kind {
                for (mk, mv) in entries {
                    let name = mk.as_str().map(str::to_string);
                    let dup = |x: &(Node, Node)| name.is_some() && x.0.as_str() == name.as_deref();
                    if !merged.iter().any(dup) {
                        merged.push((mk, mv));
                    }
                }
            }
        }
    }
    merged.retain(|(k, _)| {
        let name = k.as_str();
        !own.iter()
            .any(|(o, _)| name.is_some() && o.as_str() == name)
    });
    merged.extend(own);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_kinds() {
        let text = "a: 1\nb:\n  - x\n  - 'y'\nc: {d: é, e: ~}\n";
        let docs = parse(text).expect("parses");
        let root = &docs[0];
        let b = root.get("b").expect("b");
        let items = b.as_seq().expect("seq");
        assert_eq!(&text[items[0].span.start..items[0].span.end], "x");
        assert_eq!(&text[items[1].span.start..items[1].span.end], "'y'");
        let c = root.get("c").expect("c");
        let d = c.get("d").expect("d");
        assert_eq!(&text[d.span.start..d.span.end], "é");
        assert!(c.get("e").expect("e").is_null());
        let e = c.get("e").expect("e");
        assert_eq!(&text[e.span.start..e.span.end], "~");
    }

    #[test]
    fn anchors_and_merge_keys() {
        let text = "base: &b {x: 1, y: 2}\nt:\n  <<: *b\n  y: 3\n";
        let docs = parse(text).expect("parses");
        let t = docs[0].get("t").expect("t");
        assert_eq!(t.get("x").and_then(Node::as_str), Some("1"));
        assert_eq!(t.get("y").and_then(Node::as_str), Some("3"));
    }

    #[test]
    fn bounded() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(parse(&deep).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(&bomb).is_err());
        assert!(parse("a: [1, 2").is_err());
    }
}
