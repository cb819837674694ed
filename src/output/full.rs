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

/// A file for miette that finds the lines around a span with the line
/// index (a binary search) instead of scanning from the start of the file,
/// so each report costs the same wherever it is in the file.
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
    let text_len = file.text.len();
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
        (
            d.span.start.min(text_len),
            d.span.len().min(text_len.saturating_sub(d.span.start)),
        ),
    )];
    let mut related = Vec::new();
    for l in &d.labels {
        match &l.file {
            Some(f) if f != &d.file => {
                let other = sources
                    .get(f)
                    .cloned()
                    .unwrap_or_else(|| SourceFile::new(String::new()));
                related.push(MietteReport {
                    title: l.message.clone(),
                    code: String::new(),
                    severity: miette::Severity::Advice,
                    help: None,
                    labels: vec![LabeledSpan::new_with_span(
                        Some(l.message.clone()),
                        (l.span.start, l.span.len()),
                    )],
                    source: IndexedSource::new(display_path(f), other),
                    related: Vec::new(),
                });
            }
            _ => labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                (l.span.start, l.span.len()),
            )),
        }
    }
    MietteReport {
        title: d.message.clone(),
        code: d.code.to_string(),
        severity: miette_severity(d.severity),
        help,
        source: IndexedSource::new(display_path(&d.file), file),
        labels,
        related,
    }
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
