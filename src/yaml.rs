//! A YAML document as a tree of nodes that know their exact bytes.
//!
//! Built on `saphyr-parser`'s event stream (YAML 1.2, every event with its
//! start and end marker): each key, value and collection keeps its byte span
//! in the source, so configuration errors point at the offending text and
//! rules on YAML files (`.hadolint.yaml` today, workflows and compose files
//! next) can report and rewrite exact byte ranges. Mappings keep their keys
//! in source order, duplicates included (a linter wants to see them).
//! Scalars are not typed here: `true`, `1` and `null` stay strings with
//! their style, and [`Node::as_bool`] / [`Node::is_null`] read them as the
//! YAML 1.2 core schema does.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};

use crate::span::Span;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar's value (escapes and folding applied) and how it was written.
    Scalar(String, Style),
    Sequence(Vec<Node>),
    /// Key/value pairs in source order.
    Mapping(Vec<(Node, Node)>),
}

/// One node with the byte span of its text (for a quoted scalar, the
/// quotes included; for a block collection, from its first item to the end
/// of its last).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
    /// The anchor's `&name` did not survive the parser: aliases are
    /// resolved to a copy of the anchored node, with the alias's span.
    pub from_alias: bool,
}

/// A YAML syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

impl Node {
    /// The value of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// A plain `null`, `~`, `Null`, `NULL` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s, Style::Plain)
            if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A plain boolean scalar (YAML 1.2 core schema).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar(s, Style::Plain) => match s.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Mapping(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The value of the first key equal to `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What kind of node this is, for messages ("a mapping", "a string").
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(..) if self.is_null() => "null",
            NodeKind::Scalar(..) => "a scalar",
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
        }
    }
}

/// Converts the parser's character offsets to byte offsets (one pass).
struct Offsets {
    /// Byte offset of every char index (plus the end).
    bytes: Vec<usize>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        Offsets { bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or_else(|| *self.bytes.last().unwrap_or(&0))
    }

    fn span(&self, span: &YamlSpan) -> Span {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index()).max(start);
        Span::new(start, end)
    }
}

enum Frame {
    Sequence(Span, Vec<Node>, usize),
    Mapping(Span, Vec<(Node, Node)>, Option<Node>, usize),
}

/// Parses every document of `text`; an empty stream has none.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let offsets = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut current: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, yspan) = event.map_err(|e| YamlError {
            offset: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let span = offsets.span(&yspan);
        let (node, anchor) = match event {
            Event::Scalar(value, style, anchor, _tag) => (
                Node {
                    span,
                    kind: NodeKind::Scalar(value_string(value), style_of(style)),
                    from_alias: false,
                },
                anchor,
            ),
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => (
                    Node {
                        span,
                        kind: n.kind.clone(),
                        from_alias: true,
                    },
                    0,
                ),
                None => {
                    return Err(YamlError {
                        offset: span.start,
                        message: "alias to an unknown anchor".to_string(),
                    })
                }
            },
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Sequence(span, Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Mapping(span, Vec::new(), None, anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Sequence(start, items, anchor)) => {
                    let end = items.last().map_or(start.end, |n| n.span.end);
                    let end = end.max(span.end.min(text.len()));
                    (
                        Node {
                            span: Span::new(start.start, trim_end(text, start.start, end)),
                            kind: NodeKind::Sequence(items),
                            from_alias: false,
                        },
                        anchor,
                    )
                }
                _ => continue,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Mapping(start, pairs, _, anchor)) => {
                    let end = pairs.last().map_or(start.end, |(_, v)| v.span.end);
                    let end = end.max(span.end.min(text.len()));
                    (
                        Node {
                            span: Span::new(start.start, trim_end(text, start.start, end)),
                            kind: NodeKind::Mapping(pairs),
                            from_alias: false,
                        },
                        anchor,
                    )
                }
                _ => continue,
            },
            Event::DocumentEnd => {
                docs.extend(current.take());
                continue;
            }
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Frame::Sequence(_, items, _)) => items.push(node),
            Some(Frame::Mapping(_, pairs, key, _)) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => current = Some(node),
        }
    }
    docs.extend(current.take());
    Ok(docs)
}

/// Parses the first document of `text` (`None` for an empty stream).
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    Ok(parse_documents(text)?.into_iter().next())
}

/// A block collection's end event sits at the next token: pull the end
/// back over trailing whitespace and comments' newlines.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let end = crate::span::clamp_to_char_boundary(text, end.min(text.len()));
    let trimmed = text[start..end].trim_end();
    start + trimmed.len()
}

fn value_string(v: Cow<'_, str>) -> String {
    v.into_owned()
}

fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice<'a>(text: &'a str, n: &Node) -> &'a str {
        &text[n.span.start..n.span.end]
    }

    #[test]
    fn keys_and_scalars_have_byte_spans() {
        let text = "ignored:\n  - DL3008 # pin\n  - \"SC2086\"\nlabel-schema:\n  é: url\n";
        let doc = parse(text).unwrap().unwrap();
        let pairs = doc.as_mapping().unwrap();
        assert_eq!(slice(text, &pairs[0].0), "ignored");
        let items = pairs[0].1.as_sequence().unwrap();
        assert_eq!(slice(text, &items[0]), "DL3008");
        assert_eq!(slice(text, &items[1]), "\"SC2086\"");
        assert_eq!(items[1].as_str(), Some("SC2086"));
        let schema = doc.get("label-schema").unwrap().as_mapping().unwrap();
        // Offsets are bytes, after a two-byte character.
        assert_eq!(slice(text, &schema[0].0), "é");
        assert_eq!(slice(text, &schema[0].1), "url");
        assert_eq!(slice(text, &pairs[0].1), "- DL3008 # pin\n  - \"SC2086\"");
    }

    #[test]
    fn flow_collections_duplicates_and_aliases() {
        let text = "a: [x, 'y']\na: {k: &v 1}\nb: *v\n";
        let doc = parse(text).unwrap().unwrap();
        let pairs = doc.as_mapping().unwrap();
        assert_eq!(pairs.len(), 3);
        assert_eq!(slice(text, &pairs[0].1), "[x, 'y']");
        assert_eq!(slice(text, &pairs[1].1), "{k: &v 1}");
        assert_eq!(pairs[2].1.as_str(), Some("1"));
        assert!(pairs[2].1.from_alias);
        assert_eq!(slice(text, &pairs[2].1), "*v");
    }

    #[test]
    fn scalars_read_as_the_core_schema() {
        let doc = parse("a: true\nb: 'true'\nc: ~\nd:\n").unwrap().unwrap();
        assert_eq!(doc.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(doc.get("b").unwrap().as_bool(), None);
        assert!(doc.get("c").unwrap().is_null());
        assert!(doc.get("d").unwrap().is_null());
    }

    #[test]
    fn errors_have_byte_offsets() {
        let text = "a: b\n  c: [d\n";
        let err = parse(text).unwrap_err();
        assert!(err.offset <= text.len(), "{err:?}");
        assert!(!err.message.is_empty());
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }
}
