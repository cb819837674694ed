//! The human report: miette's graphical rendering with the source snippet,
//! labels and help.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{display_path, SourceFile, Sources};
use crate::diagnostic::{Applicability, Diagnostic, Severity};

/// A diagnostic prepared for miette (one source file per report; labels in
/// other files become related reports).
#[derive(Debug)]
pub struct MietteReport {
    title: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: IndexedSource,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteReport>,
}

impl fmt::Display for MietteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for MietteReport {}

impl miette::Diagnostic for MietteReport {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// Lines longer than this are cut around the span in a snippet: a
/// minified one-line bake file must not be printed whole for each finding
/// (and miette cannot draw an underline past column 65,535).
const MAX_SNIPPET_LINE: usize = 240;
/// On a cut line: the bytes shown before the start of the span, and after it.
const CUT_CONTEXT: usize = 80;
/// A label over more lines than this is drawn on its first line only.
const MAX_LABEL_LINES: usize = 12;

/// The largest char boundary `<= offset`.
fn floor_boundary(text: &str, offset: usize) -> usize {
    crate::span::clamp_to_char_boundary(text, offset)
}

/// The smallest char boundary `>= offset` (and `<= text.len()`).
fn ceil_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o += 1;
    }
    o
}

/// The end of line `line0`, before its line break.
fn line_end(file: &SourceFile, line0: usize) -> usize {
    let end = if line0 + 1 < file.index.line_count() {
        file.index.line_start(line0 + 1)
    } else {
        file.text.len()
    };
    let line = file
        .text
        .get(file.index.line_start(line0)..end)
        .unwrap_or("");
    end - (line.len() - line.trim_end_matches(['\n', '\r']).len())
}

fn is_long_line(file: &SourceFile, line0: usize) -> bool {
    line_end(file, line0) - file.index.line_start(line0) > MAX_SNIPPET_LINE
}

/// The part of a span a snippet shows: inside the file, on its first line
/// only when it covers many lines or a long line, and at most
/// [`CUT_CONTEXT`] bytes on a long line (which is cut around it).
fn fit_label(file: &SourceFile, start: usize, len: usize) -> SourceSpan {
    let text: &str = &file.text;
    let start = floor_boundary(text, start);
    let end = ceil_boundary(text, start.saturating_add(len)).max(start);
    let first = file.index.line_of(start);
    let last = file.index.line_of(end);
    let long = (first..=last.min(first + MAX_LABEL_LINES)).any(|l| is_long_line(file, l));
    let mut end = end;
    if last > first && (long || last - first > MAX_LABEL_LINES) {
        end = line_end(file, first).max(start);
    }
    if long {
        end = floor_boundary(text, end.min(start + CUT_CONTEXT));
    }
    SourceSpan::from((start, end - start))
}

/// A file for miette that finds the lines around a span with the line
/// index (a binary search) instead of scanning from the start of the file,
/// so each report costs the same wherever it is in the file.
/// A window with a line longer than [`MAX_SNIPPET_LINE`] is cut to the
/// span's line, [`CUT_CONTEXT`] bytes around the start of the span.
#[derive(Debug)]
pub struct IndexedSource {
    name: String,
    file: SourceFile,
}

impl IndexedSource {
    pub fn new(name: String, file: SourceFile) -> Self {
        IndexedSource { name, file }
    }
}

impl IndexedSource {
    /// The span's line cut to [`CUT_CONTEXT`] bytes before the start of
    /// the span and up to twice that after it; no context lines.
    fn cut_line_around<'a>(&'a self, start: usize, end: usize) -> Box<dyn SpanContents<'a> + 'a> {
        let text: &'a str = &self.file.text;
        let line0 = self.file.index.line_of(start);
        let line_start = self.file.index.line_start(line0);
        let line_end = line_end(&self.file, line0).max(start);
        let cut_start = floor_boundary(text, start.saturating_sub(CUT_CONTEXT).max(line_start));
        let shown_end = end.min(start + CUT_CONTEXT).max(start);
        let cut_end = floor_boundary(text, (shown_end + CUT_CONTEXT).min(line_end)).max(start);
        Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            text.get(cut_start..cut_end).unwrap_or("").as_bytes(),
            (cut_start, cut_end - cut_start).into(),
            line0,
            start - line_start,
            0,
        ))
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.file.text;
        let index = &self.file.index;
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // Cut a window of whole lines around the span (one spare line each
        // side), let miette's own reader work on it, then shift its answer
        // back: same output as reading the whole file, at the cost of the window.
        let first_line = index
            .line_of(start)
            .saturating_sub(context_lines_before + 1);
        let last_line = index.line_of(end) + context_lines_after + 1;
        if (first_line..=last_line.min(index.line_count() - 1)).any(|l| is_long_line(&self.file, l))
        {
            return Ok(self.cut_line_around(start, end));
        }
        let window_start = index.line_start(first_line);
        let window_end = if last_line + 1 < index.line_count() {
            index.line_start(last_line + 1)
        } else {
            text.len()
        };
        let window: &'a str = text.get(window_start..window_end).unwrap_or("");
        let inner_span = SourceSpan::from((start - window_start, span.len()));
        let inner = window.read_span(&inner_span, context_lines_before, context_lines_after)?;
        let data_offset = inner.span().offset() + window_start;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            (data_offset, inner.span().len()).into(),
            inner.line() + first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info | Severity::Style => miette::Severity::Advice,
    }
}

/// Builds the miette report of one diagnostic.
pub fn to_miette(d: &Diagnostic, sources: &mut Sources) -> MietteReport {
    let file = sources
        .get(&d.file)
        .cloned()
        .unwrap_or_else(|| SourceFile::new(String::new()));
    let mut help = d.help.clone();
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            Applicability::Safe => Some("fixable with --fix"),
            Applicability::Unsafe => Some("fixable with --fix --unsafe-fixes"),
            Applicability::DisplayOnly => None,
        };
        if let Some(how) = how {
            let line = format!("{} ({how})", fix.message);
            help = Some(match help {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
    }
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.name.to_string()),
        fit_label(&file, d.span.start, d.span.len()),
    )];
    let mut also: Vec<String> = Vec::new();
    for l in &d.labels {
        match &l.file {
            Some(f) if f != &d.file => {
                // A reference, not a second snippet: one line per location.
                let at = match sources.get(f) {
                    Some(other) => {
                        let p = other.position(l.span.start);
                        format!("{}:{}:{}", display_path(f), p.line, p.column)
                    }
                    None => display_path(f),
                };
                also.push(format!("also: {at} {}", l.message));
            }
            _ => labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                fit_label(&file, l.span.start, l.span.len()),
            )),
        }
    }
    if !also.is_empty() {
        let references = also.join("\n");
        help = Some(match help {
            Some(h) => format!("{h}\n{references}"),
            None => references,
        });
    }
    MietteReport {
        title: d.message.clone(),
        code: d.code.to_string(),
        severity: miette_severity(d.severity),
        help,
        source: IndexedSource::new(display_path(&d.file), file),
        labels,
        related: Vec::new(),
    }
}

/// An error with one labelled span in a file (a bake or config error),
/// rendered as the diagnostics are: long lines cut, never a panic.
pub fn render_error(
    message: &str,
    help: Option<&str>,
    name: String,
    text: String,
    span: (usize, usize),
    color: bool,
) -> String {
    let file = SourceFile::new(text);
    let (start, end) = span;
    let report = MietteReport {
        title: message.to_string(),
        code: String::new(),
        severity: miette::Severity::Error,
        help: help.map(str::to_string),
        labels: vec![LabeledSpan::new_with_span(
            Some("here".to_string()),
            fit_label(&file, start, end.saturating_sub(start)),
        )],
        source: IndexedSource::new(name, file),
        related: Vec::new(),
    };
    let mut out = String::new();
    if handler(color).render_report(&mut out, &report).is_err() {
        out = format!("error: {message}");
    }
    out
}

/// A handler with or without colour.
pub fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_context_lines(1)
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let handler = handler(color);
    for d in diagnostics {
        let report = to_miette(d, sources);
        let mut buf = String::new();
        handler
            .render_report(&mut buf, &report)
            .map_err(|_| io::Error::other("cannot render report"))?;
        writeln!(out, "{buf}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_labels(text: &str, labels: &[(usize, usize)]) -> String {
        let file = SourceFile::new(text.to_string());
        let labels: Vec<LabeledSpan> = labels
            .iter()
            .enumerate()
            .map(|(i, &(start, len))| {
                let span = fit_label(&file, start, len);
                if i == 0 {
                    LabeledSpan::new_primary_with_span(Some("here".into()), span)
                } else {
                    LabeledSpan::new_with_span(Some(format!("label {i}")), span)
                }
            })
            .collect();
        let report = MietteReport {
            title: "msg".into(),
            code: "BK003".into(),
            severity: miette::Severity::Error,
            help: None,
            source: IndexedSource::new("docker-bake.json".into(), file),
            labels,
            related: Vec::new(),
        };
        let mut out = String::new();
        handler(false)
            .render_report(&mut out, &report)
            .expect("render");
        out
    }

    /// A one-line file of 200 KB: each snippet shows the span and a little
    /// around it, with the real column, wherever the labels are (miette
    /// panics drawing an underline past column 65,535).
    #[test]
    fn long_lines_are_cut_around_the_span() {
        let text = format!(
            "{{\"a\": \"{}\", \"dockerfile\": \"Dockerfile.x\", \"b\": \"{}é\"}}",
            "p".repeat(100_000),
            "q".repeat(100_000)
        );
        let at = text.find("\"Dockerfile.x\"").expect("value");
        let far = text.len() - 10;
        let layouts: Vec<Vec<(usize, usize)>> = vec![
            vec![(at, 14)],
            vec![(at, 0)],
            vec![(at, 14), (at - 16, 12)],
            vec![(at, 14), (at + 30, 5)],
            vec![(at, 14), (far, 3)],
            vec![(far, 3), (at, 14)],
            vec![(0, text.len())],
            vec![(at, text.len() - at)],
            vec![(text.len(), 0)],
            vec![(at, 14), (10, 100_000)],
        ];
        for labels in layouts {
            let out = render_labels(&text, &labels);
            assert!(out.len() < 2_000, "{labels:?}: {} bytes", out.len());
            let (start, _) = labels[0];
            let column = start + 1;
            assert!(
                out.contains(&format!("[docker-bake.json:1:{column}]")),
                "{labels:?}: {out}"
            );
        }
        let out = render_labels(&text, &[(at, 14)]);
        assert!(out.contains("\"Dockerfile.x\""), "{out}");
    }

    /// A span over many lines, or a long line in its context, keeps the
    /// snippet short too.
    #[test]
    fn long_spans_and_long_neighbours_stay_short() {
        let many_lines = "RUN a \\\n".repeat(5_000) + "  && b\n";
        let out = render_labels(&many_lines, &[(0, many_lines.len())]);
        assert!(out.len() < 2_000, "{} bytes", out.len());
        let neighbour = format!(
            "FROM a\n# {}\nRUN b\n# {}\n",
            "x".repeat(70_000),
            "y".repeat(70_000)
        );
        let at = neighbour.find("RUN b").expect("RUN");
        let out = render_labels(&neighbour, &[(at, 5)]);
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains("RUN b") && out.contains(":3:1]"), "{out}");
    }

    /// The indexed source must render exactly what miette renders from the plain text.
    #[test]
    fn indexed_source_renders_like_miette_default() {
        let texts = [
            "FROM alpine as build\nRUN echo hi\nFROM b as c\n",
            "FROM a\r\nRUN x \\\r\n  && y\r\nCMD z",
            "FROM é AS ü\nRUN a\n\n\nRUN b",
        ];
        let handler = handler(false);
        for text in texts {
            for start in 0..text.len() {
                if !text.is_char_boundary(start) {
                    continue;
                }
                for len in [0usize, 1, 4, 12] {
                    let end = (start + len).min(text.len());
                    if !text.is_char_boundary(end) {
                        continue;
                    }
                    let labels = vec![LabeledSpan::new_primary_with_span(
                        Some("here".into()),
                        (start, end - start),
                    )];
                    let make = |source: IndexedSource| MietteReport {
                        title: "msg".into(),
                        code: "DF000".into(),
                        severity: miette::Severity::Warning,
                        help: None,
                        source,
                        labels: labels.clone(),
                        related: Vec::new(),
                    };
                    let ours = make(IndexedSource::new(
                        "Dockerfile".into(),
                        SourceFile::new(text.to_string()),
                    ));
                    let mut a = String::new();
                    handler.render_report(&mut a, &ours).expect("render");
                    let plain = miette::MietteDiagnostic::new("msg")
                        .with_code("DF000")
                        .with_severity(miette::Severity::Warning)
                        .with_labels(labels.clone());
                    let report = miette::Report::new(plain)
                        .with_source_code(miette::NamedSource::new("Dockerfile", text.to_string()));
                    let mut b = String::new();
                    handler
                        .render_report(&mut b, report.as_ref())
                        .expect("render");
                    assert_eq!(a, b, "span {start}..{end} of {text:?}");
                }
            }
        }
    }
}
