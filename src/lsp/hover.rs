//! Hover: the rule's documentation on a diagnostic, or on a rule name in a
//! suppression comment (`# bakelint ignore=DF001,stage-name-casing`,
//! `# hadolint ignore=...`, `# check=skip=...`).

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::state::State;
use crate::rules::{self, RuleDef};
use crate::span::Span;

pub fn hover(state: &mut State, params: &HoverParams) -> Option<Hover> {
    let uri = &params.text_document_position_params.text_document.uri;
    state.ensure_linted(uri);
    let doc = state.docs.get(uri)?;
    let offset = doc
        .text
        .offset(params.text_document_position_params.position);

    // On a diagnostic: its message and the rule's doc.
    let hits: Vec<_> = doc
        .diagnostics
        .iter()
        .filter(|d| d.span.contains(offset) || (d.span.is_empty() && d.span.start == offset))
        .collect();
    if let Some(first) = hits.first() {
        let mut parts = Vec::new();
        let mut span = first.span;
        for d in &hits {
            span = span.cover(d.span);
            let doc_md = rules::find(d.code).map_or("", |r| r.doc.trim_end());
            parts.push(format!(
                "**{}** `{}`: {}\n\n{doc_md}",
                d.code, d.name, d.message
            ));
        }
        return Some(markdown(parts.join("\n\n---\n\n"), doc.text.range(span)));
    }

    // On a rule name in a suppression comment.
    let line = doc.text.line_span(offset);
    let (rule, span) = suppression_rule_at(
        line.slice(&doc.text.text),
        offset.saturating_sub(line.start),
    )?;
    Some(markdown(
        rule.doc.trim_end().to_string(),
        doc.text.range(span.offset(line.start)),
    ))
}

fn markdown(value: String, range: lsp_types::Range) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    }
}

/// The rule named at `col` (a byte offset into `line`) of a suppression
/// comment line, with the name's span in the line.
pub fn suppression_rule_at(line: &str, col: usize) -> Option<(&'static RuleDef, Span)> {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let body = trimmed.strip_prefix('#')?;
    let body_start = lead + 1;
    // The list after `ignore=` (bakelint/hadolint) or `skip=` (check).
    let lower = body.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let list_start = match words.first().copied() {
        Some("bakelint") | Some("hadolint") => lower.find("ignore=").map(|i| i + "ignore=".len()),
        Some(w) if w.starts_with("check") => lower.find("skip=").map(|i| i + "skip=".len()),
        _ => None,
    }?;
    let rest = body.get(list_start..)?;
    let list_len = rest
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(rest.len());
    let mut pos = body_start + list_start;
    for name in rest.get(..list_len)?.split(',') {
        let start = pos;
        let end = pos + name.len();
        pos = end + 1;
        if col >= start && col <= end && !name.is_empty() {
            let rule = rules::find(name)?;
            return Some((rule, Span::new(start, end)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_in_comments() {
        let line = "# bakelint ignore=DF001,maintainer-deprecated reason";
        let at = |needle: &str| line.find(needle).unwrap_or(0);
        let (r, span) = suppression_rule_at(line, at("DF001") + 2).expect("DF001");
        assert_eq!(r.code, "DF001");
        assert_eq!(span.slice(line), "DF001");
        let (r, _) = suppression_rule_at(line, at("maintainer")).expect("name");
        assert_eq!(r.code, "DF008");
        assert!(suppression_rule_at(line, at("reason")).is_none());
        assert!(suppression_rule_at(line, 0).is_none());
        let (r, _) = suppression_rule_at("  # check=skip=StageNameCasing", 20).expect("check");
        assert_eq!(r.code, "DF001");
        let (r, _) = suppression_rule_at("# bakelint global ignore=DF008", 27).expect("global");
        assert_eq!(r.code, "DF008");
        assert!(suppression_rule_at("RUN echo ignore=DF001", 18).is_none());
        assert!(suppression_rule_at("# bakelint ignore=NOPE", 19).is_none());
    }
}
