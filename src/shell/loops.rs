//! `for NAME in WORDS; do ...; done` loops of a script: which variable a
//! loop sets, to which words, over which body. The command scan
//! ([`super::RunScript::commands`]) sees the commands inside a loop body
//! but not the loop header; rules that need to know what `$NAME` stands
//! for in a body command (image names a CI step loops over) read it here.

use tree_sitter::Node;

use super::word::Word;
use crate::span::Span;

/// One `for` (or `select`) loop, in script-local byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForLoop {
    /// The loop variable (`img` in `for img in a b; do`).
    pub variable: String,
    /// The words after `in`, as written; `None` for `for x; do` (the
    /// positional parameters) and C-style `for ((...))` loops.
    pub values: Option<Vec<Word>>,
    /// The `do ... done` body.
    pub body: Span,
}

/// Deeper nesting than this is not searched.
const MAX_DEPTH: usize = 200;

/// The `for` loops of a parsed script, outermost first.
pub fn for_loops(tree: &tree_sitter::Tree, text: &str) -> Vec<ForLoop> {
    let mut out = Vec::new();
    let mut stack = vec![(tree.root_node(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            continue;
        }
        if node.kind() == "for_statement" {
            if let Some(l) = read_loop(node, text) {
                out.push(l);
            }
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for child in children.into_iter().rev() {
            stack.push((child, depth + 1));
        }
    }
    out.sort_by_key(|l| (l.body.start, std::cmp::Reverse(l.body.end)));
    out
}

fn read_loop(node: Node, text: &str) -> Option<ForLoop> {
    let variable = node.child_by_field_name("variable")?;
    let body = node.child_by_field_name("body")?;
    let slice = |n: Node| text.get(n.byte_range()).unwrap_or("");
    let mut cursor = node.walk();
    let values: Vec<Word> = node
        .children_by_field_name("value", &mut cursor)
        .map(|v| {
            let r = v.byte_range();
            Word::new(slice(v), Span::new(r.start, r.end))
        })
        .collect();
    let has_in = {
        let mut c = node.walk();
        let found = node.children(&mut c).any(|n| n.kind() == "in");
        found
    };
    let r = body.byte_range();
    Some(ForLoop {
        variable: slice(variable).to_string(),
        values: has_in.then_some(values),
        body: Span::new(r.start, r.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loops(text: &str) -> Vec<ForLoop> {
        let tree = super::super::syntax::parse_bash(text).expect("parses");
        for_loops(&tree, text)
    }

    #[test]
    fn loop_variable_values_and_body() {
        let text = "for img in web \"celery-worker\" $EXTRA; do\n  docker pull $img\ndone\n";
        let found = loops(text);
        assert_eq!(found.len(), 1);
        let l = &found[0];
        assert_eq!(l.variable, "img");
        let values: Vec<Option<&str>> = l
            .values
            .as_ref()
            .expect("in list")
            .iter()
            .map(Word::as_str)
            .collect();
        assert_eq!(values, [Some("web"), Some("celery-worker"), None]);
        assert!(l.body.slice(text).starts_with("do"));
        assert!(l.body.slice(text).contains("docker pull $img"));
    }

    #[test]
    fn nested_and_positional_loops() {
        let text = "for a in 1 2; do for b; do echo $a $b; done; done";
        let found = loops(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].variable, "a");
        assert_eq!(found[1].variable, "b");
        assert!(found[1].values.is_none());
        assert!(found[0].body.start < found[1].body.start);
        assert!(loops("echo for x in a").is_empty());
    }
}
