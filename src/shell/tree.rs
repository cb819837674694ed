//! A compact copy of a tree-sitter-bash syntax tree, made in one cursor walk,
//! that the command scan ([`super::syntax`]) and the ShellCheck-style checks
//! ([`super::checks`]) both walk.
//!
//! Why: tree-sitter moves between nodes through its own tree of hidden and
//! visible subtrees, so every step (`goto_next_sibling`, `parent`,
//! `child_by_field_name`, `kind`) costs hundreds of instructions, and the two
//! walks took as long as the parse itself. Here every node is a slot in one
//! array with its kind, field, byte range, parent, first child and next
//! sibling, so each step is an index. The API mirrors the subset of
//! tree-sitter's `Node` and `TreeCursor` the walks use, with the same
//! answers (a test compares them node by node).

use std::ops::Range;

/// No node (the root's parent, a leaf's first child, a last child's next sibling).
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct NodeData {
    kind: &'static str,
    /// The field this node fills in its parent, as a tree cursor reports it.
    field: Option<&'static str>,
    named: bool,
    start: u32,
    end: u32,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    child_count: u32,
}

/// The visible nodes of a parsed script, in document order (a node's
/// descendants directly follow it).
#[derive(Debug, Clone)]
pub struct SyntaxTree {
    nodes: Vec<NodeData>,
    has_error: bool,
    /// tree-sitter's next named sibling of each `!` command and of each
    /// pipeline a `!` opens, by node (see [`Node::next_named_sibling`]).
    next_named: Vec<(u32, u32)>,
}

impl SyntaxTree {
    /// Copies `tree`: the nodes a tree cursor visits, with the field names
    /// it reports.
    pub fn new(tree: &tree_sitter::Tree) -> SyntaxTree {
        let names = Names::of(tree);
        let root = tree.root_node();
        let mut nodes: Vec<NodeData> = Vec::with_capacity(root.descendant_count());
        nodes.push(data(names, root, None, NONE));
        // (node, the range and kind of tree-sitter's next named sibling).
        let mut asked: Vec<(u32, Option<NodeKey>)> = Vec::new();
        let mut cursor = tree.walk();
        // The nodes entered and not yet left, each with its last child so far.
        let mut stack: Vec<(u32, u32)> = vec![(0, NONE)];
        'walk: loop {
            if !cursor.goto_first_child() {
                // Leave nodes until one has a next sibling.
                loop {
                    stack.pop();
                    if stack.is_empty() {
                        break 'walk;
                    }
                    if cursor.goto_next_sibling() {
                        break;
                    }
                    if !cursor.goto_parent() {
                        break 'walk;
                    }
                }
            }
            let Some(&(parent, last)) = stack.last() else {
                break;
            };
            let id = u32::try_from(nodes.len()).unwrap_or(NONE);
            if id == NONE {
                break;
            }
            let node = cursor.node();
            let field = cursor.field_id().and_then(|f| names.field(f.get()));
            nodes.push(data(names, node, field, parent));
            if nodes[id as usize].kind == "negated_command" {
                let key = |n: tree_sitter::Node| (n.start_byte(), n.end_byte(), n.kind());
                asked.push((id, node.next_named_sibling().map(key)));
                // `! a | b`: the checks ask about the pipeline it opens.
                let opens_pipeline = nodes[parent as usize].kind == "pipeline"
                    && !children_of(&nodes, parent).any(|c| nodes[c as usize].named);
                if opens_pipeline {
                    if let Some(pipeline) = node.parent() {
                        asked.push((parent, pipeline.next_named_sibling().map(key)));
                    }
                }
            }
            if last == NONE {
                nodes[parent as usize].first_child = id;
            } else {
                nodes[last as usize].next_sibling = id;
            }
            nodes[parent as usize].child_count += 1;
            if let Some(top) = stack.last_mut() {
                top.1 = id;
            }
            stack.push((id, NONE));
        }
        let mut next_named: Vec<(u32, u32)> = asked
            .into_iter()
            .map(|(id, target)| (id, target.map_or(NONE, |t| find(&nodes, id, t))))
            .collect();
        next_named.sort_unstable();
        SyntaxTree {
            nodes,
            has_error: root.has_error(),
            next_named,
        }
    }

    pub fn root_node(&self) -> Node<'_> {
        Node { tree: self, id: 0 }
    }

    fn node(&self, id: u32) -> Option<Node<'_>> {
        (id != NONE).then_some(Node { tree: self, id })
    }
}

/// A node's byte range and kind.
type NodeKey = (usize, usize, &'static str);

/// The children of `parent` so far.
fn children_of(nodes: &[NodeData], parent: u32) -> impl Iterator<Item = u32> + '_ {
    let mut next = nodes[parent as usize].first_child;
    std::iter::from_fn(move || {
        let id = next;
        if id == NONE {
            return None;
        }
        next = nodes[id as usize].next_sibling;
        Some(id)
    })
}

/// The first node after `after` with this range and kind (nodes are in
/// document order, so their start bytes never decrease).
fn find(nodes: &[NodeData], after: u32, (start, end, kind): NodeKey) -> u32 {
    let first = nodes.partition_point(|n| (n.start as usize) < start);
    (first.max(after as usize + 1)..nodes.len())
        .take_while(|&i| nodes[i].start as usize == start)
        .find(|&i| nodes[i].end as usize == end && nodes[i].kind == kind)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(NONE)
}

/// The kind and field names of the grammar by id: `Node::kind` and
/// `TreeCursor::field_name` check the C string's UTF-8 on every call.
struct Names {
    kinds: Vec<&'static str>,
    fields: Vec<Option<&'static str>>,
}

impl Names {
    /// The names of `tree`'s grammar (tree-sitter-bash, the only one parsed here).
    fn of(tree: &tree_sitter::Tree) -> &'static Names {
        static NAMES: std::sync::OnceLock<Names> = std::sync::OnceLock::new();
        NAMES.get_or_init(|| {
            let language = tree.language();
            let kinds = (0..language.node_kind_count())
                .map(|id| {
                    u16::try_from(id)
                        .ok()
                        .and_then(|id| language.node_kind_for_id(id))
                        .unwrap_or("")
                })
                .collect();
            let fields = (0..=language.field_count())
                .map(|id| {
                    u16::try_from(id)
                        .ok()
                        .and_then(|id| language.field_name_for_id(id))
                })
                .collect();
            Names { kinds, fields }
        })
    }

    fn kind(&self, node: tree_sitter::Node) -> &'static str {
        match self.kinds.get(usize::from(node.kind_id())) {
            Some(kind) if !kind.is_empty() => kind,
            _ => node.kind(),
        }
    }

    fn field(&self, id: u16) -> Option<&'static str> {
        self.fields.get(usize::from(id)).copied().flatten()
    }
}

fn data(
    names: &Names,
    node: tree_sitter::Node,
    field: Option<&'static str>,
    parent: u32,
) -> NodeData {
    let range = node.byte_range();
    NodeData {
        kind: names.kind(node),
        field,
        named: node.is_named(),
        start: u32::try_from(range.start).unwrap_or(u32::MAX),
        end: u32::try_from(range.end).unwrap_or(u32::MAX),
        parent,
        first_child: NONE,
        next_sibling: NONE,
        child_count: 0,
    }
}

/// A node of a [`SyntaxTree`] (tree-sitter's `Node` API, the part in use).
#[derive(Clone, Copy)]
pub struct Node<'t> {
    tree: &'t SyntaxTree,
    id: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && std::ptr::eq(self.tree, other.tree)
    }
}

impl Eq for Node<'_> {}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.kind(), self.byte_range())
    }
}

impl<'t> Node<'t> {
    fn data(&self) -> &'t NodeData {
        &self.tree.nodes[self.id as usize]
    }

    pub fn kind(&self) -> &'static str {
        self.data().kind
    }

    pub fn is_named(&self) -> bool {
        self.data().named
    }

    /// Whether the tree has a syntax error (asked of the root).
    pub fn has_error(&self) -> bool {
        self.tree.has_error
    }

    pub fn start_byte(&self) -> usize {
        self.data().start as usize
    }

    pub fn end_byte(&self) -> usize {
        self.data().end as usize
    }

    pub fn byte_range(&self) -> Range<usize> {
        self.start_byte()..self.end_byte()
    }

    pub fn parent(&self) -> Option<Node<'t>> {
        self.tree.node(self.data().parent)
    }

    pub fn child_count(&self) -> usize {
        self.data().child_count as usize
    }

    /// The children, named or not, in order.
    pub fn all_children(&self) -> Children<'t> {
        Children {
            tree: self.tree,
            next: self.data().first_child,
        }
    }

    pub fn child(&self, index: usize) -> Option<Node<'t>> {
        self.all_children().nth(index)
    }

    pub fn named_child(&self, index: usize) -> Option<Node<'t>> {
        self.all_children().filter(Node::is_named).nth(index)
    }

    pub fn named_child_count(&self) -> usize {
        self.all_children().filter(Node::is_named).count()
    }

    /// The next named sibling. For a `!` command and a pipeline it opens
    /// (what the checks ask), tree-sitter's answer, which goes by position
    /// and differs around syntax errors; else the next named child of the
    /// parent that ends after this node.
    pub fn next_named_sibling(&self) -> Option<Node<'t>> {
        let known = &self.tree.next_named;
        if let Ok(at) = known.binary_search_by_key(&self.id, |&(id, _)| id) {
            return self.tree.node(known[at].1);
        }
        let end = self.data().end;
        let mut next = self.tree.node(self.data().next_sibling);
        while let Some(n) = next {
            if n.is_named() && n.data().end > end {
                return Some(n);
            }
            next = self.tree.node(n.data().next_sibling);
        }
        None
    }

    /// The first child in field `name`. An `ERROR` node has no fields
    /// (tree-sitter's cursor still names the fields of the hidden nodes
    /// under it, see [`TreeCursor::field_name`]).
    pub fn child_by_field_name(&self, name: &str) -> Option<Node<'t>> {
        if self.kind() == "ERROR" {
            return None;
        }
        self.all_children().find(|c| c.data().field == Some(name))
    }

    /// A cursor on this node (kept for tree-sitter's call shape:
    /// `node.children(&mut node.walk())`).
    pub fn walk(&self) -> TreeCursor<'t> {
        TreeCursor {
            tree: self.tree,
            id: self.id,
        }
    }

    pub fn children(&self, _cursor: &mut TreeCursor<'t>) -> Children<'t> {
        self.all_children()
    }

    pub fn named_children(
        &self,
        _cursor: &mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + 't {
        self.all_children().filter(Node::is_named)
    }

    pub fn children_by_field_name(
        &self,
        name: &'t str,
        _cursor: &mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + 't {
        self.all_children()
            .filter(move |c| c.data().field == Some(name))
    }
}

/// The children of a node, in order.
#[derive(Clone)]
pub struct Children<'t> {
    tree: &'t SyntaxTree,
    next: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        let node = self.tree.node(self.next)?;
        self.next = node.data().next_sibling;
        Some(node)
    }
}

/// tree-sitter's `TreeCursor`, the moves the command scan makes: down to
/// the first child, on to the next sibling, with the field of each.
pub struct TreeCursor<'t> {
    tree: &'t SyntaxTree,
    id: u32,
}

impl<'t> TreeCursor<'t> {
    pub fn node(&self) -> Node<'t> {
        Node {
            tree: self.tree,
            id: self.id,
        }
    }

    pub fn field_name(&self) -> Option<&'static str> {
        self.node().data().field
    }

    pub fn goto_first_child(&mut self) -> bool {
        let child = self.node().data().first_child;
        if child == NONE {
            return false;
        }
        self.id = child;
        true
    }

    pub fn goto_next_sibling(&mut self) -> bool {
        let next = self.node().data().next_sibling;
        if next == NONE {
            return false;
        }
        self.id = next;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer of the copy equals tree-sitter's, for every node.
    fn assert_same_as_tree_sitter(text: &str) {
        let Some(ts) = super::super::syntax::parse_bash(text) else {
            return;
        };
        let copy = SyntaxTree::new(&ts);
        let language = ts.language();
        let fields: Vec<&'static str> = (1..=language.field_count() as u16)
            .filter_map(|id| language.field_name_for_id(id))
            .collect();
        // Pair the nodes up in document order.
        let mut ts_nodes = Vec::new();
        let mut stack = vec![ts.root_node()];
        while let Some(n) = stack.pop() {
            ts_nodes.push(n);
            let mut cursor = n.walk();
            let children: Vec<_> = n.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        assert_eq!(ts_nodes.len(), copy.nodes.len(), "{text:?}");
        let index: std::collections::HashMap<usize, u32> = ts_nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id(), i as u32))
            .collect();
        let same = |a: Option<tree_sitter::Node>, b: Option<Node>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => index.get(&a.id()) == Some(&b.id),
            _ => false,
        };
        assert_eq!(ts.root_node().has_error(), copy.root_node().has_error());
        for (i, t) in ts_nodes.iter().enumerate() {
            let c = Node {
                tree: &copy,
                id: i as u32,
            };
            let at = format!("{text:?} node {i} {}", t.kind());
            assert_eq!(t.kind(), c.kind(), "{at}");
            assert_eq!(t.is_named(), c.is_named(), "{at}");
            assert_eq!(t.byte_range(), c.byte_range(), "{at}");
            assert!(same(t.parent(), c.parent()), "{at}: parent");
            assert_eq!(t.child_count(), c.child_count(), "{at}");
            assert_eq!(t.named_child_count(), c.named_child_count(), "{at}");
            for k in 0..=t.child_count() {
                assert!(same(t.child(k), c.child(k)), "{at}: child {k}");
                assert!(same(t.named_child(k), c.named_child(k)), "{at}: named {k}");
            }
            // Exact where the checks ask, and anywhere in a tree without errors.
            let asked = t.kind() == "negated_command"
                || t.kind() == "pipeline"
                    && t.named_child(0)
                        .is_some_and(|n| n.kind() == "negated_command");
            assert!(
                (!asked && ts.root_node().has_error())
                    || same(t.next_named_sibling(), c.next_named_sibling()),
                "{at}: next named {:?} {:?} parent {:?}",
                t.next_named_sibling().map(|n| (n.kind(), n.byte_range())),
                c.next_named_sibling().map(|n| (n.kind(), n.byte_range())),
                t.parent().map(|n| (n.kind(), n.byte_range()))
            );
            for field in &fields {
                assert!(
                    same(t.child_by_field_name(field), c.child_by_field_name(field)),
                    "{at}: field {field} {:?} {:?} children {:?}",
                    t.child_by_field_name(field)
                        .map(|n| (n.kind(), n.byte_range())),
                    c.child_by_field_name(field)
                        .map(|n| (n.kind(), n.byte_range())),
                    c.all_children()
                        .map(|n| (n.kind(), n.byte_range(), n.data().field))
                        .collect::<Vec<_>>()
                );
                let mut tc = t.walk();
                let mut cc = c.walk();
                let a: Vec<_> = t.children_by_field_name(field, &mut tc).collect();
                let b: Vec<_> = c.children_by_field_name(field, &mut cc).collect();
                assert_eq!(a.len(), b.len(), "{at}: field {field}");
                assert!(a.iter().zip(&b).all(|(x, y)| same(Some(*x), Some(*y))));
            }
            // The cursor's field of each child, as the command scan reads it.
            let mut tc = t.walk();
            let mut cc = c.walk();
            let mut more = (tc.goto_first_child(), cc.goto_first_child());
            while more.0 || more.1 {
                assert_eq!(more.0, more.1, "{at}");
                assert_eq!(tc.field_name(), cc.field_name(), "{at}");
                assert!(same(Some(tc.node()), Some(cc.node())), "{at}");
                more = (tc.goto_next_sibling(), cc.goto_next_sibling());
            }
        }
    }

    #[test]
    fn answers_like_tree_sitter() {
        for text in [
            "",
            "echo hi",
            "a && b || c; d | e 2>&1 > f",
            "if [ \"$X\" = 1 ]; then a; elif b; then c; else d; fi",
            "case $x in a|b) y=1 ;; *) exit 1 ;; esac",
            "for i in 1 2 $(seq 3); do echo ${i:-x} \"$i\"; done",
            "while read -r l; do :; done < f; until false; do break; done",
            "export A=$(b) B=\"c $d\"; local x; declare -a arr=(1 2)",
            "f() { echo $1; }; function g { :; }",
            "x=$((1 + 2)); (( y++ )); echo $'\\n' `date` <(ls) <<< s",
            "cat <<EOF\n$x\nEOF\necho done",
            "[[ $a == b* ]] && ! test -f x",
            "echo 'unterminated",
            "if then fi ) (",
            "a=(x y); echo ${a[0]} ${#a[@]} ${!p} ${v/a/b} ${v^^}",
            "# comment\nls -l # trailing\n\n",
        ] {
            assert_same_as_tree_sitter(text);
        }
    }

    /// Random scripts, broken ones included (their `ERROR` nodes answer
    /// differently from the rest: no fields).
    #[test]
    fn answers_like_tree_sitter_on_generated_scripts() {
        let pieces = [
            "if",
            "then",
            "fi",
            "else",
            "elif x;",
            "case $a in",
            "a)",
            ";;",
            "esac",
            "for i in",
            "do",
            "done",
            "while",
            "{",
            "}",
            "(",
            ")",
            "$(",
            "`",
            "[",
            "]",
            "[[",
            "]]",
            "&&",
            "||",
            "|",
            ";",
            "\n",
            "!",
            "x=1",
            "export Y=$(z)",
            "echo",
            "\"$v\"",
            "'s'",
            "${a:-b}",
            "$((1+2))",
            "<<EOF\nbody\nEOF\n",
            "> f",
            "2>&1",
            "<(ls)",
            "#c\n",
            "a=(1 2)",
            "local l",
            "f()",
            "function g",
            "$",
            "\"",
            "'",
            "\\",
        ];
        let mut state: u64 = 0x2545F4914F6CDD1D;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..1500 {
            let mut text = String::new();
            for _ in 0..(1 + next(14)) {
                text.push_str(pieces[next(pieces.len())]);
                text.push(if next(4) == 0 { '\n' } else { ' ' });
            }
            assert_same_as_tree_sitter(&text);
        }
    }
}
