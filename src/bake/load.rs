//! Reading bake files and turning HCL and HCL-JSON into one document form.

use std::path::{Path, PathBuf};

use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use super::expr::{self, Expr, ExprKind};
use super::json::{self, JKind, JNode};
use super::limits::MAX_NESTING;
use super::value::Value;
use super::{BakeError, FileKind, SourceFile};
use crate::span::Span;

/// The buildx default file set, in buildx's order (compose files first).
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-bake.json",
    "docker-bake.hcl",
    "docker-bake.override.json",
    "docker-bake.override.hcl",
];

/// An attribute `name = expr` (HCL) or `"name": value` (JSON).
#[derive(Debug, Clone)]
pub struct AttrDef {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
    pub span: Span,
    pub file: usize,
}

#[derive(Debug, Clone)]
pub struct BlockDef {
    pub kind: String,
    pub labels: Vec<(String, Span)>,
    pub attrs: Vec<AttrDef>,
    pub blocks: Vec<BlockDef>,
    pub span: Span,
    pub file: usize,
}

impl BlockDef {
    pub fn attr(&self, name: &str) -> Option<&AttrDef> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }

    pub fn label(&self) -> (&str, Span) {
        self.labels
            .first()
            .map(|(l, s)| (l.as_str(), *s))
            .unwrap_or(("", self.span))
    }
}

/// All top-level attributes and blocks of every loaded file, in file order.
#[derive(Debug, Default)]
pub struct Document {
    pub attrs: Vec<AttrDef>,
    pub blocks: Vec<BlockDef>,
}

/// Resolves the list of files to read. Errors name the missing file; a
/// file held in memory (`overlay`: standard input, an unsaved buffer) needs
/// no copy on disk.
pub fn file_set(
    files: &[PathBuf],
    cwd: &Path,
    overlay: &std::collections::BTreeMap<PathBuf, String>,
) -> Result<Vec<(PathBuf, bool)>, BakeError> {
    if files.is_empty() {
        let mut out = Vec::new();
        for name in DEFAULT_FILES {
            let p = cwd.join(name);
            if p.is_file() {
                out.push((PathBuf::from(name), true));
            }
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for f in files {
        let full = if f.is_absolute() {
            f.clone()
        } else {
            cwd.join(f)
        };
        if full.is_dir() {
            // Directory walking: pick up docker-bake*.hcl|json in that directory.
            let mut found: Vec<PathBuf> = std::fs::read_dir(&full)
                .map_err(|e| BakeError::file(f, format!("failed to read directory: {e}")))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.starts_with("docker-bake") && (n.ends_with(".hcl") || n.ends_with(".json"))
                })
                .collect();
            found.sort_by_key(|p| default_rank(p));
            for p in found {
                let rel = p.strip_prefix(cwd).map(Path::to_path_buf).unwrap_or(p);
                out.push((rel, false));
            }
            continue;
        }
        if !full.exists() && !overlay.contains_key(f) {
            return Err(BakeError::file(
                f,
                format!(
                    "failed to read {}: open {}: no such file or directory",
                    f.display(),
                    f.display()
                ),
            ));
        }
        out.push((f.clone(), false));
    }
    Ok(out)
}

fn default_rank(p: &Path) -> (usize, String) {
    let n = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let r = DEFAULT_FILES
        .iter()
        .position(|d| *d == n)
        .unwrap_or(usize::MAX);
    (r, n)
}

pub fn is_compose_name(p: &Path) -> bool {
    let n = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    n.ends_with(".yml") || n.ends_with(".yaml")
}

/// Reads and parses one file into a `SourceFile` and adds its content to `doc`.
pub fn read_file(path: &Path, cwd: &Path) -> Result<SourceFile, BakeError> {
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let text = crate::fsread::read_text(&full).map_err(|e| BakeError::file(path, e.message))?;
    Ok(source_file(path, text))
}

/// A loaded file, its kind decided by name and content.
fn source_file(path: &Path, text: String) -> SourceFile {
    // As buildx: the extension decides (.yml/.yaml compose, .hcl HCL, .json
    // JSON); any other name is compose when it reads as one, else JSON or HCL.
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match ext.as_deref() {
        _ if is_compose_name(path) => FileKind::Compose,
        Some("hcl") => FileKind::Hcl,
        Some("json") => FileKind::Json,
        _ if super::compose::sniff(&text) => FileKind::Compose,
        _ if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{') =>
        {
            FileKind::Json
        }
        _ => FileKind::Hcl,
    };
    SourceFile {
        path: path.to_path_buf(),
        text,
        body: None,
        kind,
    }
}

/// Parses one source file into the document.
pub fn parse_into(file: &mut SourceFile, idx: usize, doc: &mut Document) -> Result<(), BakeError> {
    // Strip a BOM by blanking it out of the parse input (spans stay valid).
    let bom = if file.text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    if let Some(off) = too_deep(&file.text) {
        return Err(BakeError {
            file: file.path.clone(),
            span: Span::new(off, off + 1),
            message: format!(
                "expression nesting is deeper than {MAX_NESTING} brackets, bakelint's limit"
            ),
            help: None,
        });
    }
    match file.kind {
        FileKind::Compose => Ok(()),
        FileKind::Hcl => {
            let input = &file.text[bom..];
            let body = hcl_edit::parser::parse_body(input).map_err(|e| {
                let off = line_col_offset(input, e.location().line(), e.location().column()) + bom;
                // The character there (it may be several bytes long).
                let width = file.text[off..].chars().next().map_or(0, char::len_utf8);
                BakeError {
                    file: file.path.clone(),
                    span: Span::new(off, off + width),
                    message: format!("parse error: {}", e.message()),
                    help: None,
                }
            })?;
            let (attrs, blocks) = convert_body(&body, idx, bom);
            doc.attrs.extend(attrs);
            doc.blocks.extend(blocks);
            file.body = Some(body);
            Ok(())
        }
        FileKind::Json => {
            let node = json::parse(&file.text[bom..]).map_err(|e| {
                // The parser may stop inside a multi-byte character.
                let at = crate::span::clamp_to_char_boundary(&file.text, e.offset + bom);
                BakeError {
                    file: file.path.clone(),
                    span: Span::new(at, at),
                    message: format!("invalid JSON: {}", e.message),
                    help: None,
                }
            })?;
            let node = shift(node, bom);
            convert_json_root(&node, idx, &file.path, doc)
        }
    }
}

/// Guards the recursive parsers (hcl-edit's too): the offset where bracket
/// nesting exceeds [`MAX_NESTING`].
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn shift(mut n: JNode, by: usize) -> JNode {
    if by == 0 {
        return n;
    }
    n.span = n.span.offset(by);
    n.kind = match n.kind {
        JKind::Arr(items) => JKind::Arr(items.into_iter().map(|i| shift(i, by)).collect()),
        JKind::Obj(items) => JKind::Obj(
            items
                .into_iter()
                .map(|(k, s, v)| (k, s.offset(by), shift(v, by)))
                .collect(),
        ),
        other => other,
    };
    n
}

fn line_col_offset(text: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let c = l
                .char_indices()
                .nth(col.saturating_sub(1))
                .map(|(o, _)| o)
                .unwrap_or(l.len());
            return off + c;
        }
        off += l.len();
    }
    text.len()
}

fn rng(r: Option<std::ops::Range<usize>>, base: usize) -> Span {
    r.map(|r| Span::from(r).offset(base))
        .unwrap_or(Span::empty(base))
}

fn convert_body(body: &Body, file: usize, base: usize) -> (Vec<AttrDef>, Vec<BlockDef>) {
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let e = expr::from_hcl(&a.value, base);
                attrs.push(AttrDef {
                    name: a.key.value().as_str().to_string(),
                    name_span: rng(a.key.span(), base),
                    expr: e,
                    span: rng(a.span(), base),
                    file,
                });
            }
            Structure::Block(b) => {
                let (a, bl) = convert_body(&b.body, file, base);
                let labels = b
                    .labels
                    .iter()
                    .map(|l| (l.as_str().to_string(), rng(l.span(), base)))
                    .collect();
                blocks.push(BlockDef {
                    kind: b.ident.value().as_str().to_string(),
                    labels,
                    attrs: a,
                    blocks: bl,
                    span: rng(b.span(), base),
                    file,
                });
            }
        }
    }
    (attrs, blocks)
}

const BLOCK_TYPES: &[&str] = &["variable", "target", "group", "function"];

fn convert_json_root(
    node: &JNode,
    file: usize,
    path: &Path,
    doc: &mut Document,
) -> Result<(), BakeError> {
    let JKind::Obj(items) = &node.kind else {
        return Err(BakeError {
            file: path.to_path_buf(),
            span: node.span,
            message: "the root of a JSON bake file must be an object".into(),
            help: None,
        });
    };
    for (k, kspan, v) in items {
        if BLOCK_TYPES.contains(&k.as_str()) {
            // HCL-JSON allows an array of objects wherever an object of
            // blocks goes: `"target": [{"a": [{...}]}]`.
            let groups: Vec<&JNode> = match &v.kind {
                JKind::Arr(items) => items.iter().collect(),
                _ => vec![v],
            };
            let mut labels: Vec<&(String, Span, JNode)> = Vec::new();
            for g in groups {
                let JKind::Obj(items) = &g.kind else {
                    return Err(jerr(
                        path,
                        g.span,
                        format!("{k} must be an object of labelled blocks"),
                    ));
                };
                labels.extend(items.iter());
            }
            for (label, lspan, body) in labels {
                let bodies: Vec<&JNode> = match &body.kind {
                    JKind::Arr(a) => a.iter().collect(),
                    _ => vec![body],
                };
                for b in bodies {
                    let blk = json_block(k, vec![(label.clone(), *lspan)], b, file, path)?;
                    doc.blocks.push(blk);
                }
            }
        } else {
            doc.attrs.push(AttrDef {
                name: k.clone(),
                name_span: *kspan,
                expr: json_expr(v, path)?,
                span: kspan.cover(v.span),
                file,
            });
        }
    }
    Ok(())
}

fn jerr(path: &Path, span: Span, message: String) -> BakeError {
    BakeError {
        file: path.to_path_buf(),
        span,
        message,
        help: None,
    }
}

fn json_block(
    kind: &str,
    labels: Vec<(String, Span)>,
    body: &JNode,
    file: usize,
    path: &Path,
) -> Result<BlockDef, BakeError> {
    let JKind::Obj(items) = &body.kind else {
        return Err(jerr(
            path,
            body.span,
            format!("{kind} block body must be an object"),
        ));
    };
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for (k, kspan, v) in items {
        if kind == "variable" && k == "validation" {
            let bodies: Vec<&JNode> = match &v.kind {
                JKind::Arr(a) => a.iter().collect(),
                _ => vec![v],
            };
            for b in bodies {
                blocks.push(json_block("validation", vec![], b, file, path)?);
            }
            continue;
        }
        let expr = if kind == "variable" && k == "type" {
            // A type is written as an expression string: "list(string)".
            match &v.kind {
                JKind::Str(s, _) => match hcl_edit::parser::parse_expr(s) {
                    Ok(e) => {
                        let mut x = expr::from_hcl(&e, v.span.start + 1);
                        x.span = v.span;
                        x
                    }
                    Err(e) => {
                        return Err(jerr(path, v.span, format!("invalid type: {}", e.message())))
                    }
                },
                _ => json_expr(v, path)?,
            }
        } else if kind == "function" && (k == "params" || k == "variadic_params") {
            json_keywords(v)
        } else {
            json_expr(v, path)?
        };
        attrs.push(AttrDef {
            name: k.clone(),
            name_span: *kspan,
            expr,
            span: kspan.cover(v.span),
            file,
        });
    }
    Ok(BlockDef {
        kind: kind.to_string(),
        labels,
        attrs,
        blocks,
        span: body.span,
        file,
    })
}

/// `params = ["a", "b"]` in JSON names identifiers.
fn json_keywords(v: &JNode) -> Expr {
    match &v.kind {
        JKind::Arr(items) => Expr::new(
            ExprKind::Tuple(items.iter().map(json_keywords).collect()),
            v.span,
        ),
        JKind::Str(s, _) => Expr::new(ExprKind::Var(s.clone()), v.span),
        _ => Expr::lit(Value::Null, v.span),
    }
}

/// JSON values as expressions: strings are templates.
pub fn json_expr(v: &JNode, path: &Path) -> Result<Expr, BakeError> {
    Ok(match &v.kind {
        JKind::Null => Expr::lit(Value::Null, v.span),
        JKind::Bool(b) => Expr::lit(Value::Bool(*b), v.span),
        JKind::Num(n) => Expr::lit(Value::Number(*n), v.span),
        JKind::Str(s, exact) => {
            let base = if *exact { v.span.start + 1 } else { usize::MAX };
            let e = if base == usize::MAX {
                expr::template_from_str(s, 0, v.span).map(|mut e| {
                    clamp_spans(&mut e, v.span);
                    e
                })
            } else {
                expr::template_from_str(s, base, v.span)
            };
            e.map_err(|m| jerr(path, v.span, format!("invalid template: {m}")))?
        }
        JKind::Arr(items) => Expr::new(
            ExprKind::Tuple(
                items
                    .iter()
                    .map(|i| json_expr(i, path))
                    .collect::<Result<_, _>>()?,
            ),
            v.span,
        ),
        JKind::Obj(items) => Expr::new(
            ExprKind::Object(
                items
                    .iter()
                    .map(|(k, ks, val)| {
                        Ok((
                            Expr::lit(Value::String(k.clone()), *ks),
                            json_expr(val, path)?,
                        ))
                    })
                    .collect::<Result<_, BakeError>>()?,
            ),
            v.span,
        ),
    })
}

/// When a JSON string had escapes, inner spans can't be mapped: use the
/// whole string's span.
fn clamp_spans(e: &mut Expr, span: Span) {
    e.span = span;
    match &mut e.kind {
        ExprKind::Template(parts) => clamp_parts(parts, span),
        ExprKind::Tuple(items) => items.iter_mut().for_each(|i| clamp_spans(i, span)),
        ExprKind::Object(items) => items.iter_mut().for_each(|(k, v)| {
            clamp_spans(k, span);
            clamp_spans(v, span)
        }),
        ExprKind::Traversal(b, ops) => {
            clamp_spans(b, span);
            for op in ops {
                match op {
                    expr::TravOp::Index(i) => clamp_spans(i, span),
                    expr::TravOp::GetAttr(_, s) => *s = span,
                    expr::TravOp::Splat => {}
                }
            }
        }
        ExprKind::Call { args, .. } => args.iter_mut().for_each(|i| clamp_spans(i, span)),
        ExprKind::Unary(_, a) => clamp_spans(a, span),
        ExprKind::Binary(_, a, b) => {
            clamp_spans(a, span);
            clamp_spans(b, span)
        }
        ExprKind::Cond(a, b, c) => {
            clamp_spans(a, span);
            clamp_spans(b, span);
            clamp_spans(c, span)
        }
        ExprKind::For(f) => {
            clamp_spans(&mut f.coll, span);
            clamp_spans(&mut f.value_expr, span);
            if let Some(k) = &mut f.key_expr {
                clamp_spans(k, span);
            }
            if let Some(c) = &mut f.cond {
                clamp_spans(c, span);
            }
        }
        ExprKind::Lit(_) | ExprKind::Var(_) => {}
    }
}

fn clamp_parts(parts: &mut [expr::Part], span: Span) {
    for p in parts {
        match p {
            expr::Part::Lit(_) => {}
            expr::Part::Interp(e) => clamp_spans(e, span),
            expr::Part::If(c, a, b) => {
                clamp_spans(c, span);
                clamp_parts(a, span);
                clamp_parts(b, span);
            }
            expr::Part::For { coll, body, .. } => {
                clamp_spans(coll, span);
                clamp_parts(body, span);
            }
        }
    }
}

/// Like [`read_file`], but an in-memory text in `overlay` wins over the disk.
pub fn read_file_or_overlay(
    path: &Path,
    cwd: &Path,
    overlay: &std::collections::BTreeMap<PathBuf, String>,
) -> Result<SourceFile, BakeError> {
    match overlay.get(path) {
        Some(text) => Ok(source_file(path, text.clone())),
        None => read_file(path, cwd),
    }
}
