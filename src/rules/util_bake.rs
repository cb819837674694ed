//! Helpers shared by the bake rules BK001–BK010: a syntax view of every
//! loaded bake file (blocks, attribute keys and their spans, for HCL and
//! JSON alike), spans of map keys, did-you-mean, which targets are really
//! built, labels for inherited values, and the Dockerfile stages a target
//! builds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use crate::bake::json::{self, JKind, JNode};
use crate::bake::{BakeProject, FileKind, Provenance, SourceFile, Target};
use crate::diagnostic::Diagnostic;
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Dockerfile, InstructionKind, Keyword};
use crate::rules::util_b::global_arg_env;
use crate::rules::util_bp2::{indentation_at, line_start};
use crate::rules::BakeContext;
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

fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// The syntax view of one loaded file (`None` for compose files or text
/// that does not parse).
pub fn syntax_file(file: &SourceFile) -> Option<SyntaxFile> {
    let base = bom_len(&file.text);
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

/// Did-you-mean: the unique closest candidate (case-insensitive, `_` and
/// `-` alike) within an edit distance that grows with the name's length.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wanted = norm(name);
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    let mut tie = false;
    let mut seen = BTreeSet::new();
    for cand in candidates {
        if !seen.insert(cand) || cand == name {
            continue;
        }
        let dist = strsim::osa_distance(&wanted, &norm(cand));
        if dist > limit {
            continue;
        }
        match best {
            Some((d, _)) if dist > d => {}
            Some((d, _)) if dist == d => tie = true,
            _ => {
                best = Some((dist, cand));
                tie = false;
            }
        }
    }
    match best {
        Some((_, c)) if !tie => Some(c),
        _ => None,
    }
}

/// `" (did you mean `x`?)"` or "".
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Names every group lists, and every `target:` context names.
fn referenced_names(project: &BakeProject) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = project
        .groups()
        .values()
        .flat_map(|g| g.targets.iter().cloned())
        .collect();
    for t in project.targets().values() {
        for v in t.contexts().values() {
            if let Some(link) = v.strip_prefix("target:") {
                names.insert(link.to_string());
            }
        }
    }
    names
}

/// The targets `docker buildx bake` plausibly builds: every target except
/// templates. A template is a hidden `_` target, or — when the definition
/// has groups saying what gets built — a target other targets inherit from;
/// either way, only when no group lists it and no `target:` context links
/// to it.
pub fn built_targets(project: &BakeProject) -> Vec<&Target> {
    let referenced = referenced_names(project);
    let has_groups = project.groups().values().any(|g| g.block.is_some());
    let inherited: BTreeSet<&str> = project
        .targets()
        .values()
        .flat_map(|t| t.inherits_chain.iter().map(String::as_str))
        .collect();
    project
        .target_order()
        .iter()
        .filter_map(|n| project.targets().get(n))
        .filter(|t| {
            let template = t.is_hidden() || (has_groups && inherited.contains(t.name.as_str()));
            !template || referenced.contains(&t.name) || t.name == "default"
        })
        .collect()
}

/// Whether a provenance points into a bake file (not `--set`, not unknown).
pub fn in_file(origin: &Provenance) -> bool {
    !origin.is_override() && !origin.file.as_os_str().is_empty()
}

/// Adds, for a value `target` inherited from a parent block, a label at the
/// target's own block naming the inheritance path.
pub fn with_inherit_label(diag: Diagnostic, target: &Target, origin: &Provenance) -> Diagnostic {
    if origin.inherited_from.is_empty() {
        return diag;
    }
    let Some(block) = &target.block else {
        return diag;
    };
    let path = origin
        .inherited_from
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    diag.with_file_label(
        block.file.clone(),
        block.span,
        format!("target `{}` inherits this from {path}", target.name),
    )
}

/// Collects diagnostics once per (file, span, message).
#[derive(Default)]
pub struct Findings {
    seen: BTreeSet<(PathBuf, Span, String)>,
}

impl Findings {
    /// Whether this is the first finding at this place with this message.
    pub fn first(&mut self, file: &Path, span: Span, message: &str) -> bool {
        self.seen
            .insert((file.to_path_buf(), span, message.to_string()))
    }
}

/// A Dockerfile a target builds: shared (from a file) or parsed inline.
pub enum BuiltDockerfile<'a> {
    File(&'a Dockerfile),
    Inline(Box<Dockerfile>),
}

impl std::ops::Deref for BuiltDockerfile<'_> {
    type Target = Dockerfile;
    fn deref(&self) -> &Dockerfile {
        match self {
            BuiltDockerfile::File(d) => d,
            BuiltDockerfile::Inline(d) => d,
        }
    }
}

/// The Dockerfile `target` builds, when bakelint has it.
pub fn built_dockerfile<'a>(
    ctx: &'a BakeContext<'_>,
    target: &Target,
) -> Option<BuiltDockerfile<'a>> {
    if let Some(inline) = target.dockerfile_inline() {
        return Some(BuiltDockerfile::Inline(Box::new(crate::dockerfile::parse(
            inline,
        ))));
    }
    let path = target.dockerfile()?;
    ctx.dockerfile(&path).map(BuiltDockerfile::File)
}

/// Stage names of a Dockerfile as written, by stage index.
pub fn stage_names(df: &Dockerfile) -> Vec<Option<String>> {
    df.stages()
        .iter()
        .map(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .map(|n| n.value.clone())
        })
        .collect()
}

/// The index of the stage named `name` (case-insensitive, as BuildKit).
pub fn find_stage(df: &Dockerfile, name: &str) -> Option<usize> {
    stage_names(df)
        .iter()
        .rposition(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// The stages a build of `target_stage` (the last stage when `None`) runs:
/// the stage and, transitively, every stage it uses through `FROM`,
/// `COPY --from` or `RUN --mount=from=`. `None` when the target stage does
/// not exist. `FROM` is expanded with the global ARGs (`build_args` win
/// over their defaults); any other reference bakelint cannot resolve (a
/// variable) makes every stage count.
pub fn built_stages(
    df: &Dockerfile,
    target_stage: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> Option<BTreeSet<usize>> {
    let stages = df.stages();
    if stages.is_empty() {
        return None;
    }
    let start = match target_stage {
        Some(name) => find_stage(df, name)?,
        None => stages.len() - 1,
    };
    let names = stage_names(df);
    let lex = ShellLex::new(df.escape);
    let global_env = global_arg_env(df, Some(build_args));
    let resolve = |reference: &str, before: usize| -> Result<Option<usize>, ()> {
        if reference.contains('$') {
            return Err(());
        }
        if let Some(i) = names[..before.min(names.len())].iter().rposition(|n| {
            n.as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(reference))
        }) {
            return Ok(Some(i));
        }
        match reference.parse::<usize>() {
            Ok(i) if i < before => Ok(Some(i)),
            _ => Ok(None),
        }
    };
    let mut built = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(index) = todo.pop() {
        if !built.insert(index) {
            continue;
        }
        let Some(stage) = stages.get(index) else {
            continue;
        };
        let mut references: Vec<String> = Vec::new();
        if let Some(from) = df.stage_from(stage) {
            let image = &from.image.value;
            let expanded = if image.contains('$') {
                lex.process_word(image, &global_env)
                    .unwrap_or_else(|_| image.clone())
            } else {
                image.clone()
            };
            references.push(expanded);
        }
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&i| df.instruction(i))
        {
            if matches!(ins.keyword, Keyword::Copy | Keyword::Add) {
                if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                    references.push(v.value.clone());
                }
            }
            if ins.keyword == Keyword::Run {
                for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                    for opt in flag.options() {
                        if opt.key.value.eq_ignore_ascii_case("from") {
                            if let Some(v) = opt.value {
                                references.push(v.value);
                            }
                        }
                    }
                }
            }
        }
        for reference in references {
            match resolve(&reference, index) {
                Ok(Some(i)) => todo.push(i),
                Ok(None) => {}
                Err(()) => return Some((0..stages.len()).collect()),
            }
        }
    }
    Some(built)
}

/// The ARG names declared before the first FROM and in the given stages.
pub fn declared_args(df: &Dockerfile, stages: &BTreeSet<usize>) -> BTreeSet<String> {
    let mut nodes: Vec<usize> = df.global_instructions();
    for (i, stage) in df.stages().iter().enumerate() {
        if stages.contains(&i) {
            nodes.extend(stage.instruction_nodes.iter().copied());
        }
    }
    nodes
        .iter()
        .filter_map(|&n| df.instruction(n))
        .filter_map(|ins| match &ins.kind {
            InstructionKind::Arg(decls) => Some(decls),
            _ => None,
        })
        .flatten()
        .map(|d| d.name.value.clone())
        .collect()
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
pub mod testing {
    //! Test support: lint a little project with one bake rule.

    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::config::{CliSelection, Settings};
    use crate::diagnostic::Diagnostic;
    use crate::rules::RuleDef;
    use crate::workspace::{self, Plan};

    pub struct Linted {
        pub dir: tempfile::TempDir,
        pub diagnostics: Vec<Diagnostic>,
    }

    impl Linted {
        /// The source text each diagnostic's span covers.
        pub fn slices(&self) -> Vec<String> {
            self.diagnostics
                .iter()
                .map(|d| {
                    let text = std::fs::read_to_string(self.dir.path().join(&d.file))
                        .or_else(|_| std::fs::read_to_string(&d.file))
                        .unwrap_or_default();
                    d.span.slice(&text).to_string()
                })
                .collect()
        }

        pub fn messages(&self) -> Vec<&str> {
            self.diagnostics
                .iter()
                .map(|d| d.message.as_str())
                .collect()
        }
    }

    /// Writes `files` into a temp dir and lints it with `rule` only.
    pub fn lint(rule: &'static RuleDef, files: &[(&str, &str)]) -> Linted {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bake = Vec::new();
        let mut dockerfiles = Vec::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&p, text).expect("write");
            if name.ends_with(".hcl") || name.ends_with(".json") {
                bake.push(p);
            } else if name.ends_with("Dockerfile") {
                dockerfiles.push(p);
            }
        }
        let plan = Plan {
            dockerfiles,
            bake_sets: vec![bake],
            env: BTreeMap::new(),
            vars: Vec::new(),
            cwd: dir.path().to_path_buf(),
            roots: vec![dir.path().to_path_buf()],
            ..Plan::default()
        };
        let cli = CliSelection {
            select: Some(vec![rule.code.to_string()]),
            ..CliSelection::default()
        };
        let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
        let out = workspace::lint(&plan, &BTreeMap::new(), &settings);
        let diagnostics = out
            .diagnostics
            .into_iter()
            .filter(|d| d.code == rule.code)
            .collect();
        Linted { dir, diagnostics }
    }

    /// Applies every fix of the diagnostics to `file`'s text.
    pub fn fixed(linted: &Linted, file: &str) -> String {
        let path = linted.dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut edits: Vec<(crate::span::Span, String)> = linted
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .flat_map(|f| f.edits.iter())
            .filter_map(|e| match e {
                crate::diagnostic::Edit::Replace {
                    file,
                    span,
                    content,
                } if *file == path => Some((*span, content.clone())),
                _ => None,
            })
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
        for (span, content) in edits {
            text.replace_range(span.start..span.end, &content);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, map_key_span};
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

    #[test]
    fn did_you_mean_is_unique_and_bounded() {
        assert_eq!(
            closest("cache_from", ["cache-from", "cache-to"]),
            Some("cache-from")
        );
        assert_eq!(closest("bsae", ["base", "app"]), Some("base"));
        assert_eq!(closest("xyz", ["base", "app"]), None);
        // Two equally close candidates: no suggestion.
        assert_eq!(closest("ab", ["aa", "bb"]), None);
        assert_eq!(closest("a", ["a"]), None);
    }
}
