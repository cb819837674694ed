//! Checkstyle XML (read by Jenkins' warnings-ng, reviewdog, Bitbucket, ...):
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <checkstyle version="4.3">
//!   <file name="Dockerfile">
//!     <error line="1" column="14" severity="warning" message="..." source="DF001"/>
//!   </file>
//! </checkstyle>
//! ```
//! Every linted file gets a `<file>` element, clean ones empty.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use super::{display_path, Sources};
use crate::diagnostic::{Diagnostic, Severity};

/// Escapes text for an XML 1.0 attribute or element. Line breaks and tabs
/// become character references (so attribute values keep them); other
/// control characters, which XML 1.0 cannot carry at all, become U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Checkstyle's severity.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}

/// Every file of the run (those linted and those findings point into),
/// sorted, with the indices of its diagnostics.
pub fn group_by_file(
    diagnostics: &[Diagnostic],
    sources: &Sources,
) -> BTreeMap<PathBuf, Vec<usize>> {
    let mut files: BTreeMap<PathBuf, Vec<usize>> = sources
        .paths()
        .map(|p| (p.to_path_buf(), Vec::new()))
        .collect();
    for (i, d) in diagnostics.iter().enumerate() {
        files.entry(d.file.clone()).or_default().push(i);
    }
    files
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let files = group_by_file(diagnostics, sources);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for (path, indices) in files {
        let name = xml_escape(&display_path(&path));
        if indices.is_empty() {
            writeln!(out, r#"  <file name="{name}"/>"#)?;
            continue;
        }
        writeln!(out, r#"  <file name="{name}">"#)?;
        for i in indices {
            let Some(d) = diagnostics.get(i) else {
                continue;
            };
            let pos = sources
                .get(&d.file)
                .map(|s| s.position(d.span.start))
                .unwrap_or(crate::span::Position { line: 1, column: 1 });
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{}" message="{}" source="{}"/>"#,
                pos.line,
                pos.column,
                severity(d.severity),
                xml_escape(&d.message),
                xml_escape(d.code),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}
