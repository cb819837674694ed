//! JUnit XML (GitLab `junit` reports, Jenkins, Azure Pipelines): one
//! `<testcase>` per linted file, one `<failure>` per finding in it; clean
//! files are passing test cases.
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <testsuites name="bakelint" tests="1" failures="1" errors="0">
//!   <testsuite name="bakelint" tests="1" failures="1" errors="0" skipped="0">
//!     <testcase name="Dockerfile" classname="bakelint" file="Dockerfile">
//!       <failure type="DF001" message="DF001 stage-name-casing: ...">Dockerfile:1:14: DF001 ...</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//! `failures` counts failing test cases (files), as JUnit consumers expect.

use std::io::{self, Write};

use super::checkstyle::{group_by_file, xml_escape};
use super::{display_path, Sources};
use crate::diagnostic::Diagnostic;

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let files = group_by_file(diagnostics, sources);
    let tests = files.len();
    let failing = files.values().filter(|v| !v.is_empty()).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="bakelint" tests="{tests}" failures="{failing}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="bakelint" tests="{tests}" failures="{failing}" errors="0" skipped="0">"#
    )?;
    for (path, indices) in files {
        let name = xml_escape(&display_path(&path));
        if indices.is_empty() {
            writeln!(
                out,
                r#"    <testcase name="{name}" classname="bakelint" file="{name}"/>"#
            )?;
            continue;
        }
        writeln!(
            out,
            r#"    <testcase name="{name}" classname="bakelint" file="{name}">"#
        )?;
        for i in indices {
            let Some(d) = diagnostics.get(i) else {
                continue;
            };
            let pos = sources
                .get(&d.file)
                .map(|s| s.position(d.span.start))
                .unwrap_or(crate::span::Position { line: 1, column: 1 });
            let mut body = format!(
                "{}:{}:{}: {} {}",
                display_path(&d.file),
                pos.line,
                pos.column,
                d.code,
                d.message
            );
            if let Some(h) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(h);
            }
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                xml_escape(d.code),
                xml_escape(&format!("{} {}: {}", d.code, d.name, d.message)),
                xml_escape(&body),
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
