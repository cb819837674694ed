//! Byte edits on a workflow's jobs that keep everything else as it is:
//! deleting a job (its whole entry under `jobs:` and the comment lines
//! above it that belong to it), making the jobs that needed it need what
//! it needed (`needs:` as a scalar, a flow list or a block list), and
//! giving a job an `if:` line.
//!
//! Pure functions of the workflow text: each reads the text with the
//! span-keeping YAML reader and returns `(span, replacement)` pairs, or
//! `None` when the text is not laid out so that a line edit is certain
//! (flow-style `jobs`, a key that does not start its line, odd list items).
//! Callers load the edited text again before offering the change.

use crate::span::Span;
use crate::yaml::{self, Node, NodeKind};

/// One replacement in the workflow text.
pub type TextEdit = (Span, String);

/// The `jobs:` entries: `(id, key node, value node)` in document order.
fn jobs(root: &Node) -> Vec<(&str, &Node, &Node)> {
    root.get("jobs").map(Node::entries).unwrap_or_default()
}

fn root(text: &str) -> Option<Node> {
    yaml::parse(text).ok()?.into_iter().next()
}

/// The start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset after the newline that ends the line holding `offset` (or
/// the end of the text).
fn next_line(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The end of the line holding `offset`, before its newline (`\r\n`
/// included).
fn line_end(text: &str, offset: usize) -> usize {
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The indentation of a key that starts its line (only spaces before it).
fn key_indent(text: &str, key: &Node) -> Option<usize> {
    let start = line_start(text, key.span.start);
    let prefix = &text[start..key.span.start];
    prefix.bytes().all(|b| b == b' ').then_some(prefix.len())
}

/// The lines of the text as `(start, end_with_newline)`.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let end = next_line(text, at);
        out.push((at, end));
        at = end;
    }
    out
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The bytes to delete to remove job `id`: from the comment lines right
/// above its key that are indented like it (they describe it) to the last
/// line of its body. When another job follows, the blank lines before it
/// go with the deleted job; when none follows, the blank lines before the
/// job go instead, so the file keeps its layout either way.
pub fn job_deletion(text: &str, id: &str) -> Option<TextEdit> {
    let root = root(text)?;
    let entries = jobs(&root);
    let (_, key, _) = entries.iter().find(|(name, _, _)| *name == id)?;
    let indent = key_indent(text, key)?;
    let all = lines(text);
    let key_line = all
        .iter()
        .position(|(s, _)| *s == line_start(text, key.span.start))?;
    let line = |i: usize| -> &str { &text[all[i].0..all[i].1] };
    // Comment lines above that belong to the job.
    let mut first = key_line;
    while first > 0 {
        let above = line(first - 1);
        if is_comment(above) && indent_of(above) == indent {
            first -= 1;
        } else {
            break;
        }
    }
    // The body: lines after the key that are blank or indented deeper.
    let mut stop = key_line + 1;
    while stop < all.len() {
        let l = line(stop);
        if !is_blank(l) && indent_of(l) <= indent {
            break;
        }
        stop += 1;
    }
    let sibling_follows =
        stop < all.len() && indent_of(line(stop)) == indent && !is_blank(line(stop)) && {
            // Another job, or the comments above one.
            entries
                .iter()
                .any(|(name, k, _)| *name != id && k.span.start >= all[stop].0)
        };
    let mut start = all[first].0;
    let mut end = all.get(stop).map_or(text.len(), |(s, _)| *s);
    if !sibling_follows {
        let mut last = stop;
        while last > key_line + 1 && is_blank(line(last - 1)) {
            last -= 1;
        }
        end = all.get(last).map_or(text.len(), |(s, _)| *s);
        let mut before = first;
        while before > 0 && is_blank(line(before - 1)) {
            before -= 1;
        }
        start = all[before].0;
        // A last line without a newline: keep the newline that ended the line before.
        if end == text.len() && !text.ends_with('\n') && start > 0 {
            start -= 1;
        }
    }
    Some((Span::new(start, end), String::new()))
}

/// Whether a collection is written in flow style (`[a, b]`), past an
/// anchor or tag written before it (`&after [a, b]`).
fn is_flow(text: &str, node: &Node) -> bool {
    let mut rest = &text[node.span.start..];
    while rest.starts_with(['&', '!']) {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest.starts_with('[') || rest.starts_with('{')
}

/// Whether a job id can be written as a plain YAML scalar.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !id.starts_with('-')
}

/// Edits that make job `dependent` need `replacement` instead of
/// `removed`, keeping the style of its `needs:` (scalar, flow or block
/// list) and leaving out jobs it already needs.
pub fn rewire_needs(
    text: &str,
    dependent: &str,
    removed: &str,
    replacement: &[String],
) -> Option<Vec<TextEdit>> {
    if !replacement.iter().all(|r| plain_id(r)) {
        return None;
    }
    let root = root(text)?;
    let entries = jobs(&root);
    let (_, _, job) = entries.iter().find(|(name, _, _)| *name == dependent)?;
    let (_, needs) = job.get_entry("needs")?;
    match &needs.kind {
        NodeKind::Scalar { value, .. } => {
            if value != removed {
                return None;
            }
            let content = match replacement {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            Some(vec![(needs.span, content)])
        }
        NodeKind::Seq(items) => {
            let values: Vec<&str> = items.iter().map(|i| i.as_str()).collect::<Option<_>>()?;
            let at = values.iter().position(|v| *v == removed)?;
            let added: Vec<&String> = replacement
                .iter()
                .filter(|r| !values.contains(&r.as_str()))
                .fold(Vec::new(), |mut acc, r| {
                    if !acc.contains(&r) {
                        acc.push(r);
                    }
                    acc
                });
            if added.is_empty() && values.len() == 1 {
                return None;
            }
            let flow = is_flow(text, needs);
            if flow {
                flow_list_edit(items, at, &added)
            } else {
                block_list_edit(text, items, at, &added)
            }
        }
        NodeKind::Map(_) => None,
    }
}

fn flow_list_edit(items: &[Node], at: usize, added: &[&String]) -> Option<Vec<TextEdit>> {
    let item = &items[at];
    if !added.is_empty() {
        let names: Vec<&str> = added.iter().map(|s| s.as_str()).collect();
        return Some(vec![(item.span, names.join(", "))]);
    }
    let span = match (
        items.get(at + 1),
        at.checked_sub(1).and_then(|p| items.get(p)),
    ) {
        (Some(next), _) => Span::new(item.span.start, next.span.start),
        (None, Some(previous)) => Span::new(previous.span.end, item.span.end),
        (None, None) => return None,
    };
    Some(vec![(span, String::new())])
}

fn block_list_edit(
    text: &str,
    items: &[Node],
    at: usize,
    added: &[&String],
) -> Option<Vec<TextEdit>> {
    let item = &items[at];
    let start = line_start(text, item.span.start);
    let prefix = &text[start..item.span.start];
    // `    - name`: spaces, a dash, spaces.
    let dash = prefix.trim_end_matches(' ');
    if !dash.ends_with('-') || !dash[..dash.len() - 1].bytes().all(|b| b == b' ') {
        return None;
    }
    if line_end(text, item.span.end) != item.span.end
        && !text[item.span.end..line_end(text, item.span.end)]
            .trim_start()
            .starts_with('#')
    {
        return None;
    }
    let Some((first, rest)) = added.split_first() else {
        return Some(vec![(
            Span::new(start, next_line(text, item.span.end)),
            String::new(),
        )]);
    };
    let mut edits = vec![(item.span, first.to_string())];
    if !rest.is_empty() {
        let end = line_end(text, item.span.end);
        let lines: String = rest.iter().map(|r| format!("\n{prefix}{r}")).collect();
        edits.push((Span::empty(end), lines));
    }
    Some(edits)
}

/// An `if: <condition>` line for job `id`, right after its `needs:` (or
/// as its first key), indented like its other keys. `condition` is the
/// source text of a single-line scalar.
pub fn add_condition(text: &str, id: &str, condition: &str) -> Option<TextEdit> {
    if condition.contains('\n') {
        return None;
    }
    let root = root(text)?;
    let entries = jobs(&root);
    let (_, _, job) = entries.iter().find(|(name, _, _)| *name == id)?;
    let map = job.as_map()?;
    let (first_key, _) = map.first()?;
    let indent = key_indent(text, first_key)?;
    let after = match job.get_entry("needs") {
        Some((key, needs)) => {
            key_indent(text, key)?;
            let last = match &needs.kind {
                NodeKind::Seq(items) if !is_flow(text, needs) => {
                    items.last().map_or(needs.span.end, |i| i.span.end)
                }
                _ => needs.span.end,
            };
            line_end(text, last)
        }
        None => line_start(text, first_key.span.start).checked_sub(1)?,
    };
    Some((
        Span::empty(after),
        format!("\n{}if: {condition}", " ".repeat(indent)),
    ))
}

/// Whether the workflow reads anything of job `id` through the `needs`
/// context (`needs.<id>.outputs`, `needs.<id>.result`, `needs['<id>']`),
/// or the whole context (`toJSON(needs)`, `needs.*`), which would include it.
pub fn reads_needs_context(text: &str, id: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("needs") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "needs".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            continue;
        }
        let after = after.trim_start();
        if let Some(member) = after.strip_prefix('.') {
            let name: String = member
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if name == id || member.starts_with('*') {
                return true;
            }
        } else if let Some(index) = after.strip_prefix('[') {
            let key = index.trim_start().trim_start_matches(['\'', '"']);
            if key.starts_with(id) || !key.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                return true;
            }
        } else if after.starts_with(')') || after.starts_with('}') || after.starts_with(',') {
            // `toJSON(needs)`, `${{ needs }}`: the whole context.
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;

    fn apply(text: &str, mut edits: Vec<TextEdit>) -> String {
        edits.sort_by_key(|(s, _)| (s.start, s.end));
        apply_edits(text, &edits)
    }

    const CI: &str = "on: push\njobs:\n  build:\n    runs-on: x\n\n  test:\n    needs: build\n    steps:\n      - run: make test\n\n  # Re-tags the tested images.\n  tag:\n    needs: test\n    steps:\n      - run: |\n          crane copy a b\n\n      # trailing comment of the step list\n\n  # Deploys.\n  deploy:\n    needs: tag\n    steps:\n      - run: ./deploy\n";

    #[test]
    fn deleting_a_job_in_the_middle() {
        let out = apply(CI, vec![job_deletion(CI, "tag").unwrap()]);
        assert_eq!(
            out,
            "on: push\njobs:\n  build:\n    runs-on: x\n\n  test:\n    needs: build\n    steps:\n      - run: make test\n\n  # Deploys.\n  deploy:\n    needs: tag\n    steps:\n      - run: ./deploy\n"
        );
    }

    #[test]
    fn deleting_the_last_job() {
        let out = apply(CI, vec![job_deletion(CI, "deploy").unwrap()]);
        assert!(
            out.ends_with("      # trailing comment of the step list\n"),
            "{out}"
        );
        let text = "jobs:\n  a:\n    x: 1\n\n  b:\n    x: 2\n\n# the end\n";
        let out = apply(text, vec![job_deletion(text, "b").unwrap()]);
        assert_eq!(out, "jobs:\n  a:\n    x: 1\n\n# the end\n");
        let text = "jobs:\n  a:\n    x: 1\n  b:\n    x: 2";
        let out = apply(text, vec![job_deletion(text, "b").unwrap()]);
        assert_eq!(out, "jobs:\n  a:\n    x: 1");
        // Top-level keys after `jobs:` stay.
        let text = "jobs:\n  a:\n    x: 1\n  b:\n    x: 2\nenv:\n  A: 1\n";
        let out = apply(text, vec![job_deletion(text, "b").unwrap()]);
        assert_eq!(out, "jobs:\n  a:\n    x: 1\nenv:\n  A: 1\n");
    }

    #[test]
    fn flow_jobs_are_not_edited() {
        assert!(job_deletion("jobs: {a: {x: 1}, b: {x: 2}}\n", "b").is_none());
        assert!(job_deletion(CI, "nope").is_none());
    }

    #[test]
    fn needs_as_a_scalar() {
        let out = apply(
            CI,
            rewire_needs(CI, "deploy", "tag", &["test".into()]).unwrap(),
        );
        assert!(out.contains("  deploy:\n    needs: test\n"), "{out}");
        let many = rewire_needs(CI, "deploy", "tag", &["test".into(), "lint".into()]).unwrap();
        assert!(apply(CI, many).contains("    needs: [test, lint]\n"));
        assert!(rewire_needs(CI, "deploy", "other", &["test".into()]).is_none());
        assert!(rewire_needs(CI, "deploy", "tag", &["a b".into()]).is_none());
    }

    #[test]
    fn needs_as_a_flow_list() {
        let text = "jobs:\n  d:\n    needs: [lint, tag]  # waits\n";
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["test".into()]).unwrap(),
        );
        assert_eq!(out, "jobs:\n  d:\n    needs: [lint, test]  # waits\n");
        // Already needed: the item goes, with its comma.
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["lint".into()]).unwrap(),
        );
        assert_eq!(out, "jobs:\n  d:\n    needs: [lint]  # waits\n");
        let text = "jobs:\n  d:\n    needs: [tag, lint, test]\n";
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["test".into()]).unwrap(),
        );
        assert_eq!(out, "jobs:\n  d:\n    needs: [lint, test]\n");
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["a".into(), "test".into()]).unwrap(),
        );
        assert_eq!(out, "jobs:\n  d:\n    needs: [a, lint, test]\n");
    }

    #[test]
    fn needs_as_a_block_list() {
        let text = "jobs:\n  d:\n    needs:\n      - lint\n      - tag\n    steps: []\n";
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["test".into(), "e2e".into()]).unwrap(),
        );
        assert_eq!(
            out,
            "jobs:\n  d:\n    needs:\n      - lint\n      - test\n      - e2e\n    steps: []\n"
        );
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["lint".into()]).unwrap(),
        );
        assert_eq!(
            out,
            "jobs:\n  d:\n    needs:\n      - lint\n    steps: []\n"
        );
        // The only item, and nothing new to need: no edit can keep a list.
        let text = "jobs:\n  d:\n    needs:\n      - tag\n";
        assert!(rewire_needs(text, "d", "tag", &[]).is_none());
    }

    #[test]
    fn conditions() {
        let edit = add_condition(CI, "deploy", "github.ref == 'refs/heads/main'").unwrap();
        let out = apply(CI, vec![edit]);
        assert!(
            out.contains(
                "  deploy:\n    needs: tag\n    if: github.ref == 'refs/heads/main'\n    steps:"
            ),
            "{out}"
        );
        let text = "jobs:\n  d:\n    needs:\n      - a\n      - b\n    steps: []\n";
        let out = apply(text, vec![add_condition(text, "d", "x").unwrap()]);
        assert_eq!(
            out,
            "jobs:\n  d:\n    needs:\n      - a\n      - b\n    if: x\n    steps: []\n"
        );
        let text = "jobs:\n  d:\n    runs-on: x\n";
        let out = apply(text, vec![add_condition(text, "d", "x").unwrap()]);
        assert_eq!(out, "jobs:\n  d:\n    if: x\n    runs-on: x\n");
        assert!(add_condition(text, "d", "a\nb").is_none());
    }

    #[test]
    fn anchored_lists() {
        let text = "jobs:\n  d:\n    needs: &after [lint, tag]\n";
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["test".into()]).unwrap(),
        );
        assert_eq!(out, "jobs:\n  d:\n    needs: &after [lint, test]\n");
    }

    #[test]
    fn crlf_files() {
        let text = CI.replace('\n', "\r\n");
        let mut edits = rewire_needs(&text, "deploy", "tag", &["test".into()]).unwrap();
        edits.push(job_deletion(&text, "tag").unwrap());
        edits.push(add_condition(&text, "deploy", "x").unwrap());
        let out = apply(&text, edits);
        assert!(
            out.contains("  # Deploys.\r\n  deploy:\r\n    needs: test\r\n    if: x\r\n    steps:"),
            "{out:?}"
        );
        assert!(!out.contains("tag:"), "{out:?}");
        assert!(!out.replace("\r\n", "").contains('\r'), "{out:?}");
        let text = "jobs:\r\n  d:\r\n    needs:\r\n      - lint\r\n      - tag\r\n";
        let out = apply(
            text,
            rewire_needs(text, "d", "tag", &["a".into(), "b".into()]).unwrap(),
        );
        assert_eq!(
            out,
            "jobs:\r\n  d:\r\n    needs:\r\n      - lint\r\n      - a\r\n      - b\r\n"
        );
    }

    #[test]
    fn needs_context_reads() {
        assert!(reads_needs_context(
            "if: needs.tag.result == 'success'",
            "tag"
        ));
        assert!(reads_needs_context(
            "run: echo ${{ needs.tag.outputs.digest }}",
            "tag"
        ));
        assert!(reads_needs_context(
            "run: echo ${{ needs['tag'].result }}",
            "tag"
        ));
        assert!(reads_needs_context(
            "run: echo '${{ toJSON(needs) }}'",
            "tag"
        ));
        assert!(reads_needs_context(
            "if: contains(needs.*.result, 'failure')",
            "tag"
        ));
        assert!(!reads_needs_context(
            "needs: tag\nif: needs.test.result",
            "tag"
        ));
        assert!(!reads_needs_context("if: needs.tagger.result", "tag"));
    }
}
