//! Report formats, one module each.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::span::{LineIndex, Position};

pub mod checkstyle;
pub mod concise;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod json_lines;
pub mod junit;
pub mod sarif;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// miette report with source snippet, labels and help (default on a terminal)
    Full,
    /// `path:line:col: CODE message`, one per line (default otherwise)
    Concise,
    /// A stable JSON array of findings
    Json,
    /// One JSON object per line, same schema as `json`
    JsonLines,
    /// GitHub Actions workflow commands (annotations); default when GITHUB_ACTIONS=true
    Github,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitLab Code Quality JSON
    Gitlab,
    /// Checkstyle XML
    Checkstyle,
    /// JUnit XML, one test case per file
    Junit,
}

impl OutputFormat {
    /// Formats read by people, which the summary line may follow on the same stream.
    pub fn is_human(self) -> bool {
        matches!(
            self,
            OutputFormat::Full | OutputFormat::Concise | OutputFormat::Github
        )
    }
}

/// A file's text with its line index, shared by every report on it.
/// Both are shared (`Arc`) so a report never copies the file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub text: Arc<str>,
    pub index: Arc<LineIndex>,
}

impl SourceFile {
    pub fn new(text: String) -> Self {
        let index = Arc::new(LineIndex::new(&text));
        SourceFile {
            text: Arc::from(text),
            index,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        self.index.position(&self.text, offset)
    }
}

/// The texts of the files diagnostics point into. Line indexes are built
/// on first use, so files without findings cost nothing.
#[derive(Debug, Default)]
pub struct Sources {
    texts: HashMap<PathBuf, String>,
    files: HashMap<PathBuf, SourceFile>,
}

impl Sources {
    pub fn insert(&mut self, path: PathBuf, text: String) {
        self.files.remove(&path);
        self.texts.insert(path, text);
    }

    /// The paths whose text is known (given or already read), in no particular order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.texts
            .keys()
            .chain(self.files.keys())
            .map(PathBuf::as_path)
    }

    /// The text of `path` with its line index, reading it from disk if it was not given.
    pub fn get(&mut self, path: &Path) -> Option<&SourceFile> {
        if !self.files.contains_key(path) {
            let text = match self.texts.remove(path) {
                Some(t) => t,
                None => crate::fsread::read_text(path).ok()?,
            };
            self.files.insert(path.to_path_buf(), SourceFile::new(text));
        }
        self.files.get(path)
    }
}

/// Renders `diagnostics` in `format`.
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Full => full::render(diagnostics, sources, color, out),
        OutputFormat::Concise => concise::render(diagnostics, sources, color, out),
        OutputFormat::Json => json::render(diagnostics, sources, out),
        OutputFormat::JsonLines => json_lines::render(diagnostics, sources, out),
        OutputFormat::Github => github::render(diagnostics, sources, out),
        OutputFormat::Sarif => sarif::render(diagnostics, sources, out),
        OutputFormat::Gitlab => gitlab::render(diagnostics, sources, out),
        OutputFormat::Checkstyle => checkstyle::render(diagnostics, sources, out),
        OutputFormat::Junit => junit::render(diagnostics, sources, out),
    }
}

/// A path as shown to users: relative, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
