//! The human report: miette's graphical rendering with the source snippet,
//! labels and help.

use std::fmt;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use super::{display_path, Sources};
use crate::diagnostic::{Applicability, Diagnostic, Severity};

/// A diagnostic prepared for miette (one source file per report; labels in
/// other files become related reports).
#[derive(Debug)]
pub struct MietteReport {
    title: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
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

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info | Severity::Style => miette::Severity::Advice,
    }
}

/// Builds the miette report of one diagnostic.
pub fn to_miette(d: &Diagnostic, sources: &mut Sources) -> MietteReport {
    let text = sources
        .get(&d.file)
        .map(|s| s.text.clone())
        .unwrap_or_default();
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
            d.span.start.min(text.len()),
            d.span.len().min(text.len().saturating_sub(d.span.start)),
        ),
    )];
    let mut related = Vec::new();
    for l in &d.labels {
        match &l.file {
            Some(f) if f != &d.file => {
                let other = sources.get(f).map(|s| s.text.clone()).unwrap_or_default();
                related.push(MietteReport {
                    title: l.message.clone(),
                    code: String::new(),
                    severity: miette::Severity::Advice,
                    help: None,
                    labels: vec![LabeledSpan::new_with_span(
                        Some(l.message.clone()),
                        (l.span.start, l.span.len()),
                    )],
                    source: NamedSource::new(display_path(f), other),
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
        source: NamedSource::new(display_path(&d.file), text),
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
