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
        let path = crate::workspace::normalize(&path);
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
        let path = crate::workspace::normalize(path);
        if !self.files.contains_key(&path) {
            let text = match self.texts.remove(&path) {
                Some(t) => t,
                None => crate::fsread::read_text(&path).ok()?,
            };
            self.files.insert(path.clone(), SourceFile::new(text));
        }
        self.files.get(&path)
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

/// A path as shown to users: relative to the working directory when it is
/// inside it, lexically normalised (no `./`, no `a/../`), `/`-separated
/// components as the platform prints them. Every format spells a file the
/// same way, however the linter reached it.
pub fn display_path(path: &Path) -> String {
    let normal = crate::workspace::normalize(path);
    let shown = if normal.is_absolute() {
        working_dir()
            .and_then(|cwd| normal.strip_prefix(cwd).ok())
            .filter(|rel| !rel.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or(normal)
    } else {
        normal
    };
    if shown.as_os_str().is_empty() {
        return ".".to_string();
    }
    shown.display().to_string()
}

/// The working directory, read once (every path of a report is shown
/// against the same one).
fn working_dir() -> Option<&'static Path> {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| {
        std::env::current_dir()
            .ok()
            .map(|d| crate::workspace::normalize(&d))
    })
    .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_path() {
        assert_eq!(display_path(Path::new("./a/b")), "a/b");
        assert_eq!(display_path(Path::new("././a/./b")), "a/b");
        assert_eq!(display_path(Path::new("a/../a/b")), "a/b");
        assert_eq!(display_path(Path::new("../x/y")), "../x/y");
        assert_eq!(display_path(Path::new(".")), ".");
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(display_path(&cwd.join("a/./b")), "a/b");
    }
}
