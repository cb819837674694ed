//! Diagnostics and the fixes they carry.

use std::path::PathBuf;

use serde::Serialize;

use crate::span::Span;

/// How serious a finding is. Ordered from most to least severe. Also the
/// fail level (`--fail-level`): the least severe finding that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    #[value(alias = "warn")]
    Warning,
    Info,
    Style,
}

impl Severity {
    /// Whether a finding of this severity fails a run at `fail_level`.
    pub fn fails_at(self, fail_level: Severity) -> bool {
        self <= fail_level
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "style" => Some(Severity::Style),
            _ => None,
        }
    }
}

/// Whether a fix may be applied without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the meaning of the build; applied by `--fix`.
    Safe,
    /// May change the built image; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown as a suggestion, never applied.
    DisplayOnly,
}

/// One change to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Edit {
    /// Replace the bytes of `span` in `file` with `content` (an empty span inserts).
    Replace {
        file: PathBuf,
        span: Span,
        content: String,
    },
    /// Create `file` with `content`; fails if it already exists.
    Create { file: PathBuf, content: String },
}

impl Edit {
    pub fn replace(file: impl Into<PathBuf>, span: Span, content: impl Into<String>) -> Edit {
        Edit::Replace {
            file: file.into(),
            span,
            content: content.into(),
        }
    }

    pub fn insert(file: impl Into<PathBuf>, offset: usize, content: impl Into<String>) -> Edit {
        Edit::replace(file, Span::empty(offset), content)
    }

    pub fn delete(file: impl Into<PathBuf>, span: Span) -> Edit {
        Edit::replace(file, span, "")
    }

    pub fn file(&self) -> &PathBuf {
        match self {
            Edit::Replace { file, .. } | Edit::Create { file, .. } => file,
        }
    }
}

/// A set of edits that together resolve one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            message: message.into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            message: message.into(),
            applicability: Applicability::Unsafe,
            edits,
        }
    }

    pub fn display_only(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            message: message.into(),
            applicability: Applicability::DisplayOnly,
            edits,
        }
    }
}

/// A secondary location that explains a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// `None` means the diagnostic's own file.
    pub file: Option<PathBuf>,
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Rule code, e.g. `DF001`.
    pub code: &'static str,
    /// Rule name, e.g. `stage-name-casing`.
    pub name: &'static str,
    pub severity: Severity,
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file: None,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_file_label(
        mut self,
        file: impl Into<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        self.labels.push(Label {
            file: Some(file.into()),
            span,
            message: message.into(),
        });
        self
    }
}
