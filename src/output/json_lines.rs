//! JSON Lines: one compact JSON object per finding, same schema as the
//! elements of the `json` format's array.

use std::io::{self, Write};

use super::json::diagnostic_value;
use super::Sources;
use crate::diagnostic::Diagnostic;

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let value = diagnostic_value(d, sources);
        serde_json::to_writer(&mut *out, &value).map_err(io::Error::other)?;
        writeln!(out)?;
    }
    Ok(())
}
