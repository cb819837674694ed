//! `dockerfile-inline`: the Dockerfile written inside a bake file is linted
//! with every Dockerfile rule, and each finding (and fix) is mapped back to
//! the bytes of the HCL/JSON string it came from.

use std::path::Path;

use crate::bake::{BakeProject, Target};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::linter;
use crate::rules::BuildInfo;
use crate::span::Span;

use super::bake_sets::LoadedSet;

/// How the value's bytes map to the source: `(value_offset, source_offset)`
/// at every character boundary of the value, plus the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineMap {
    points: Vec<(usize, usize)>,
    kind: LiteralKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiteralKind {
    Quoted,
    Heredoc,
}

impl InlineMap {
    /// Builds the map when the expression is a plain string literal or
    /// heredoc whose decoded text equals `value` (no interpolation).
    pub fn new(expr_source: &str, expr_start: usize, value: &str) -> Option<InlineMap> {
        let trimmed = expr_source.trim_end();
        let (decoded, points, kind) = if let Some(rest) = trimmed.strip_prefix('"') {
            let body = rest.strip_suffix('"')?;
            let (d, p) = decode_quoted(body, expr_start + 1)?;
            (d, p, LiteralKind::Quoted)
        } else if trimmed.starts_with("<<") {
            let (d, p) = decode_heredoc(trimmed, expr_start)?;
            (d, p, LiteralKind::Heredoc)
        } else {
            return None;
        };
        (decoded == value).then_some(InlineMap { points, kind })
    }

    /// Source offset of value offset `at`.
    pub fn offset(&self, at: usize) -> Option<usize> {
        let i = self.points.binary_search_by_key(&at, |p| p.0).ok()?;
        self.points.get(i).map(|p| p.1)
    }

    pub fn span(&self, span: Span) -> Option<Span> {
        Some(Span::new(self.offset(span.start)?, self.offset(span.end)?))
    }

    /// Escapes text to be inserted into the literal.
    fn escape(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (self.kind, c) {
                (_, '$') | (_, '%') if chars.peek() == Some(&'{') => {
                    out.push(c);
                    out.push(c);
                }
                (LiteralKind::Quoted, '"') => out.push_str("\\\""),
                (LiteralKind::Quoted, '\\') => out.push_str("\\\\"),
                (LiteralKind::Quoted, '\n') => out.push_str("\\n"),
                (LiteralKind::Quoted, '\t') => out.push_str("\\t"),
                (LiteralKind::Quoted, '\r') => out.push_str("\\r"),
                _ => out.push(c),
            }
        }
        out
    }
}

/// Decodes the body of a quoted HCL (or JSON) string.
fn decode_quoted(body: &str, base: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let mut out = String::new();
    let mut points = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < body.len() {
        points.push((out.len(), base + i));
        let rest = body.get(i..)?;
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(&rest[1..3]);
            // The `{` maps to its own byte.
            points.push((out.len() - 1, base + i + 2));
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("%{") {
            return None; // interpolation: not a plain literal
        }
        if bytes[i] == b'\\' {
            let esc = *bytes.get(i + 1)?;
            let (ch, len) = match esc {
                b'n' => ('\n', 2),
                b't' => ('\t', 2),
                b'r' => ('\r', 2),
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'u' => (
                    char::from_u32(u32::from_str_radix(body.get(i + 2..i + 6)?, 16).ok()?)?,
                    6,
                ),
                b'U' => (
                    char::from_u32(u32::from_str_radix(body.get(i + 2..i + 10)?, 16).ok()?)?,
                    10,
                ),
                _ => return None,
            };
            out.push(ch);
            i += len;
            continue;
        }
        let ch = rest.chars().next()?;
        out.push(ch);
        i += ch.len_utf8();
    }
    points.push((out.len(), base + i));
    Some((out, points))
}

/// Decodes `<<EOT` / `<<-EOT` heredocs (the value is the body lines, with
/// `<<-` removing the common leading whitespace, as HCL does).
fn decode_heredoc(source: &str, base: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let first_nl = source.find('\n')?;
    let header = source[..first_nl].trim_end_matches('\r');
    let (strip, delim) = match header.strip_prefix("<<-") {
        Some(d) => (true, d.trim()),
        None => (false, header.strip_prefix("<<")?.trim()),
    };
    let body_start = first_nl + 1;
    let body_src = source.get(body_start..)?;
    // Body lines up to the closing delimiter line.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = body_start;
    for line in body_src.split_inclusive('\n') {
        if line.trim() == delim {
            break;
        }
        lines.push((off, line));
        off += line.len();
    }
    let indent = if strip {
        lines
            .iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(_, l)| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
            .unwrap_or(0)
    } else {
        0
    };
    let mut out = String::new();
    let mut points = Vec::new();
    for (line_off, line) in lines {
        let skip = indent.min(line.len() - line.trim_start_matches([' ', '\t']).len());
        let text = line.get(skip..)?;
        let (decoded, pts) = decode_template_text(text, base + line_off + skip)?;
        for (v, s) in pts {
            points.push((out.len() + v, s));
        }
        out.push_str(&decoded);
        // The end point of a line equals the start of the next: keep one.
        points.dedup_by_key(|p| p.0);
    }
    points.push((out.len(), base + off));
    points.dedup_by_key(|p| p.0);
    Some((out, points))
}

/// Template text without interpolation (`$${` / `%%{` escapes only).
fn decode_template_text(text: &str, base: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let mut out = String::new();
    let mut points = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = text.get(i..)?;
        points.push((out.len(), base + i));
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(&rest[1..3]);
            points.push((out.len() - 1, base + i + 2));
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("%{") {
            return None;
        }
        let ch = rest.chars().next()?;
        out.push(ch);
        i += ch.len_utf8();
    }
    points.push((out.len(), base + i));
    Some((out, points))
}

/// Lints the `dockerfile-inline` of every target of `set`, the findings in
/// the user's paths of the bake files.
pub fn lint_inline_targets(set: &LoadedSet, settings: &Settings) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for target in set.project.targets().values() {
        if target.dockerfile_inline().is_some() {
            diags.extend(lint_inline(&set.project, target, settings));
        }
    }
    diags.iter_mut().for_each(|d| set.rebase(d));
    diags
}

/// Lints a target's `dockerfile-inline` and maps the findings into the bake file.
fn lint_inline(project: &BakeProject, target: &Target, settings: &Settings) -> Vec<Diagnostic> {
    let Some(attr) = target.attr("dockerfile-inline") else {
        return Vec::new();
    };
    let Some(content) = attr.value.as_str() else {
        return Vec::new();
    };
    let file = attr.origin.file.clone();
    let expr_span = attr.origin.span;
    let map = project
        .file_text(&file)
        .and_then(|t| t.get(expr_span.start..expr_span.end))
        .and_then(|src| InlineMap::new(src, expr_span.start, content));
    let build = BuildInfo {
        args: target.args(),
        target: target.target().map(str::to_string),
        context: target.context_path(),
        bake_base: Some(target.cwd.clone()),
        image_names: std::iter::once(target.name.clone())
            .chain(target.tags())
            .collect(),
        named_contexts: target.contexts().into_keys().collect(),
        ..BuildInfo::default()
    };
    let virtual_path = Path::new(&file).to_path_buf();
    let diags = linter::lint_dockerfile_text(&virtual_path, content, settings, &build);
    diags
        .into_iter()
        .map(|mut d| {
            let note = format!("in the `dockerfile-inline` of target \"{}\"", target.name);
            match map.as_ref().and_then(|m| m.span(d.span)) {
                Some(span) => {
                    d.span = span;
                    d.labels
                        .retain_mut(|l| match map.as_ref().and_then(|m| m.span(l.span)) {
                            Some(s) => {
                                l.span = s;
                                true
                            }
                            None => false,
                        });
                    d.fix = d.fix.take().and_then(|f| map_fix(f, map.as_ref(), &file));
                }
                None => {
                    d.span = expr_span;
                    d.labels.clear();
                    d.fix = None;
                }
            }
            d.file = file.clone();
            d.message = format!("{} ({note})", d.message);
            d
        })
        .collect()
}

fn map_fix(fix: Fix, map: Option<&InlineMap>, file: &Path) -> Option<Fix> {
    let map = map?;
    let mut edits = Vec::new();
    for e in fix.edits {
        match e {
            Edit::Replace { span, content, .. } => edits.push(Edit::Replace {
                file: file.to_path_buf(),
                span: map.span(span)?,
                content: map.escape(&content),
            }),
            Edit::Create { .. } => return None,
        }
    }
    Some(Fix { edits, ..fix })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_literal_maps_through_escapes() {
        let src = r#""FROM alpine\nRUN echo \"$${HOME}\"""#;
        let value = "FROM alpine\nRUN echo \"${HOME}\"";
        let map = InlineMap::new(src, 100, value).expect("plain literal");
        // "RUN" starts at value offset 12; in the source after `"FROM alpine\n`.
        let run = map.offset(12).expect("mapped");
        assert_eq!(&src[run - 100..run - 100 + 3], "RUN");
        let home = value.find("${HOME}").expect("home");
        let s = map.span(Span::new(home, home + 7)).expect("mapped span");
        assert_eq!(&src[s.start - 100..s.end - 100], "$${HOME}");
        assert_eq!(map.escape("a\"b\n${X}"), "a\\\"b\\n$${X}");
    }

    #[test]
    fn heredoc_maps_lines() {
        let src = "<<EOT\nFROM alpine as build\nRUN x\nEOT\n";
        let value = "FROM alpine as build\nRUN x\n";
        let map = InlineMap::new(src, 0, value).expect("heredoc");
        let as_kw = value.find("as").expect("as");
        let s = map.span(Span::new(as_kw, as_kw + 2)).expect("span");
        assert_eq!(&src[s.start..s.end], "as");
    }

    #[test]
    fn indented_heredoc() {
        let src = "<<-EOT\n    FROM alpine\n      RUN x\n    EOT";
        let value = "FROM alpine\n  RUN x\n";
        let map = InlineMap::new(src, 0, value).expect("heredoc");
        let run = value.find("RUN").expect("run");
        let s = map.span(Span::new(run, run + 3)).expect("span");
        assert_eq!(&src[s.start..s.end], "RUN");
    }

    #[test]
    fn interpolation_is_not_mapped() {
        assert!(InlineMap::new("\"FROM ${BASE}\"", 0, "FROM alpine").is_none());
    }
}
