//! Unified diffs of fixed files (`--diff`).
//!
//! Lines that occur once in both versions anchor the diff (the patience
//! idea); only the gaps between anchors go through Myers. A fix run that
//! edits 10,000 scattered lines of one file then diffs in milliseconds,
//! where Myers over the whole file takes seconds (its cost grows with the
//! number of edits times the file length).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use similar::algorithms::{myers, Capture, DiffHook, NoFinishHook, Replace};
use similar::DiffOp;

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

/// Up to this many lines (old plus new), Myers runs on the whole file, or
/// on a gap between anchors: at most a few million steps. A larger gap
/// (thousands of repeated, changed lines) is shown replaced wholesale —
/// decided by size, not by a clock, so the output never depends on the
/// machine.
const PLAIN_MYERS_LINES: usize = 4000;

/// A unified diff of one file (`--- a/path` / `+++ b/path`, `/dev/null` for new files).
pub fn unified_diff(path: &Path, old: Option<&str>, new: &str) -> String {
    let name = crate::output::display_path(path);
    let old_header = match old {
        Some(_) => format!("a/{name}"),
        None => "/dev/null".to_string(),
    };
    let old_lines = lines(old.unwrap_or(""));
    let new_lines = lines(new);
    let ops = diff_ops(&old_lines, &new_lines);
    let mut out = String::new();
    for group in similar::group_diff_ops(ops, CONTEXT) {
        if group.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(&format!("--- {old_header}\n+++ b/{name}\n"));
        }
        write_hunk(&mut out, &group, &old_lines, &new_lines);
    }
    out
}

/// The lines of `text`, each with its terminator (`\n`, `\r\n` or a lone `\r`).
fn lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(&text[start..end]);
        start = end;
        i = end;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The edit script from `old` to `new`: plain Myers for files of ordinary
/// size (the diff `git diff` users know), anchored for larger ones.
fn diff_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    if old.len() + new.len() <= PLAIN_MYERS_LINES {
        return similar::capture_diff_slices(similar::Algorithm::Myers, old, new);
    }
    let mut hook = Replace::new(Capture::new());
    let (mut o, mut n) = (0, 0);
    for (ao, an) in anchors(old, new) {
        diff_gap(&mut hook, old, o..ao, new, n..an);
        infallible(hook.equal(ao, an, 1));
        (o, n) = (ao + 1, an + 1);
    }
    diff_gap(&mut hook, old, o..old.len(), new, n..new.len());
    infallible(hook.finish());
    merge_equal_runs(hook.into_inner().into_ops())
}

/// The lines between two anchors: Myers when the gap is small enough,
/// else all of it replaced.
fn diff_gap(
    hook: &mut Replace<Capture>,
    old: &[&str],
    old_range: Range<usize>,
    new: &[&str],
    new_range: Range<usize>,
) {
    if old_range.len() + new_range.len() <= PLAIN_MYERS_LINES {
        let mut gap = NoFinishHook::new(hook);
        infallible(myers::diff(&mut gap, old, old_range, new, new_range));
        return;
    }
    infallible(hook.delete(old_range.start, old_range.len(), new_range.start));
    infallible(hook.insert(old_range.end, new_range.start, new_range.len()));
}

/// One `Equal` op per run of unchanged lines (anchors and gaps each report
/// their own), so hunks trim their context as `diff -u` does.
fn merge_equal_runs(ops: Vec<DiffOp>) -> Vec<DiffOp> {
    let mut merged: Vec<DiffOp> = Vec::with_capacity(ops.len());
    for op in ops {
        if let (Some(DiffOp::Equal { len, .. }), DiffOp::Equal { len: more, .. }) =
            (merged.last_mut(), op)
        {
            *len += more;
            continue;
        }
        merged.push(op);
    }
    merged
}

/// Capturing diff operations cannot fail.
fn infallible(result: Result<(), std::convert::Infallible>) {
    match result {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

/// Pairs of lines that occur exactly once in each version, the longest
/// run of them in the same order in both.
fn anchors(old: &[&str], new: &[&str]) -> Vec<(usize, usize)> {
    // Per line text: (count in old, index in old, count in new, index in new).
    let mut seen: HashMap<&str, (u32, usize, u32, usize)> = HashMap::new();
    for (i, line) in old.iter().enumerate() {
        let entry = seen.entry(line).or_insert((0, i, 0, 0));
        entry.0 += 1;
    }
    for (i, line) in new.iter().enumerate() {
        if let Some(entry) = seen.get_mut(line) {
            entry.2 += 1;
            entry.3 = i;
        }
    }
    let mut pairs: Vec<(usize, usize)> = seen
        .values()
        .filter(|&&(in_old, _, in_new, _)| in_old == 1 && in_new == 1)
        .map(|&(_, o, _, n)| (o, n))
        .collect();
    pairs.sort_unstable();
    longest_increasing(&pairs)
}

/// The longest subsequence of `pairs` (sorted by old index) whose new
/// indexes increase (patience sorting, O(n log n)).
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // tails[k]: index into `pairs` of the smallest tail of a run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (i, &(_, n)) in pairs.iter().enumerate() {
        let k = tails.partition_point(|&t| pairs[t].1 < n);
        previous[i] = k.checked_sub(1).map(|p| tails[p]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(i) = at {
        run.push(pairs[i]);
        at = previous[i];
    }
    run.reverse();
    run
}

/// One `@@ -a,b +c,d @@` hunk and its lines.
fn write_hunk(out: &mut String, ops: &[DiffOp], old: &[&str], new: &[&str]) {
    let (Some(first), Some(last)) = (ops.first(), ops.last()) else {
        return;
    };
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        hunk_range(first.old_range().start, last.old_range().end),
        hunk_range(first.new_range().start, last.new_range().end),
    ));
    for op in ops {
        let (tag, removed, added) = match *op {
            DiffOp::Equal { .. } => (' ', op.old_range(), 0..0),
            _ => ('-', op.old_range(), op.new_range()),
        };
        for line in &old[removed] {
            write_line(out, tag, line);
        }
        for line in &new[added] {
            write_line(out, '+', line);
        }
    }
}

/// `start,len` in 1-based lines; a one-line range is just its line, an
/// empty one starts at the line before it.
fn hunk_range(start: usize, end: usize) -> String {
    match end.saturating_sub(start) {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        len => format!("{},{len}", start + 1),
    }
}

fn write_line(out: &mut String, tag: char, line: &str) {
    out.push(tag);
    out.push_str(line);
    if !line.ends_with(['\n', '\r']) {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(CONTEXT)
            .header("a/f", "b/f")
            .to_string()
    }

    #[test]
    fn agrees_with_a_plain_myers_diff_on_small_edits() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("a\nb\nc\n", "a\nc\n"),
            ("", "new\n"),
            ("x\n", ""),
            ("a\nb", "a\nc"),
            ("a\r\nb\r\n", "a\r\nc\r\n"),
            (
                "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
                "1\n2\nx\n4\n5\n6\n7\n8\ny\n10\n",
            ),
            ("same\nsame\nsame\n", "same\nother\nsame\n"),
            (
                "FROM p\n\nENV A=1 \\\n    B=2\n\nRUN x \\\n    y\n\nWORKDIR /app\nCOPY . /app\nRUN pip\n\nCMD c\n",
                "FROM p\n\nENV A=1 \\\n    B=2\n\nRUN m x \\\n    y\n\nWORKDIR /app\nCOPY r /\nRUN pip\nCOPY . /app\n\nCMD c\n",
            ),
        ];
        for (old, new) in cases {
            assert_eq!(
                unified_diff(Path::new("f"), Some(old), new),
                reference(old, new),
                "{old:?} -> {new:?}"
            );
        }
    }

    #[test]
    fn a_new_file_is_diffed_against_dev_null() {
        let diff = unified_diff(Path::new("./d/.dockerignore"), None, ".git\n");
        assert_eq!(
            diff,
            "--- /dev/null\n+++ b/d/.dockerignore\n@@ -0,0 +1 @@\n+.git\n"
        );
    }

    #[test]
    fn identical_texts_have_no_diff() {
        assert_eq!(unified_diff(Path::new("f"), Some("a\n"), "a\n"), "");
    }

    /// `old` with `diff` applied (hunks of this module's output only).
    fn patch(old: &str, diff: &str) -> String {
        let old = lines(old);
        let (mut out, mut at) = (String::new(), 0);
        for line in diff.split_inclusive('\n').skip(2) {
            if let Some(header) = line.strip_prefix("@@ -") {
                let start: usize = header
                    .split([',', ' '])
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("hunk start");
                let first = start.saturating_sub(1);
                out.extend(old[at..first].iter().copied());
                at = first;
            } else if let Some(text) = line.strip_prefix('+') {
                out.push_str(text);
            } else if line.starts_with('-') {
                at += 1;
            } else if let Some(text) = line.strip_prefix(' ') {
                out.push_str(text);
                at += 1;
            }
        }
        out.extend(old[at..].iter().copied());
        out
    }

    #[test]
    fn large_files_diff_by_anchors_and_the_diff_applies() {
        let old: String = (0..3000)
            .map(|i| format!("FROM s{i} AS Stage{i}\nRUN echo {i}\nCOPY --from=Stage0 /a /b\n\n"))
            .collect();
        let mut new = old.replace("Stage", "stage").replace("RUN echo 7\n", "");
        new.insert_str(0, "# syntax=docker/dockerfile:1\n");
        let diff = unified_diff(Path::new("f"), Some(&old), &new);
        assert_eq!(patch(&old, &diff), new);
    }

    #[test]
    fn a_huge_gap_without_anchors_is_replaced_and_the_diff_applies() {
        let old = format!("{}UNIQUE\n{}", "same\n".repeat(5000), "tail\n".repeat(3));
        let new = format!("{}UNIQUE\n{}", "other\n".repeat(5000), "tail\n".repeat(3));
        let diff = unified_diff(Path::new("f"), Some(&old), &new);
        assert_eq!(patch(&old, &diff), new);
        assert_eq!(
            diff.lines().filter(|l| l.starts_with("-same")).count(),
            5000
        );
    }

    #[test]
    fn thousands_of_scattered_edits_keep_every_change() {
        let old: String = (0..PLAIN_MYERS_LINES)
            .map(|i| format!("FROM s{i} AS Stage{i}\nRUN echo {i}\nCOPY --from=Stage0 /a /b\n"))
            .collect();
        let new = old.replace("Stage", "stage");
        let diff = unified_diff(Path::new("f"), Some(&old), &new);
        let removed = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"));
        let added = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"));
        assert_eq!(removed.count(), 2 * PLAIN_MYERS_LINES);
        assert_eq!(added.count(), 2 * PLAIN_MYERS_LINES);
    }
}
