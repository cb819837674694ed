//! Open documents, their diagnostics and the settings that apply to them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::Notification;
use lsp_types::notification::{Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::{MessageType, PublishDiagnosticsParams, ShowMessageParams, Url};

use super::convert::{self, path_to_uri, uri_to_path, Text};
use crate::config::{CliSelection, Settings};
use crate::diagnostic::Diagnostic;
use crate::project::{self, FileKind};
use crate::workspace::{self, Plan};

/// One open document.
#[derive(Debug)]
pub struct Document {
    pub path: PathBuf,
    pub kind: FileKind,
    pub version: i32,
    pub text: Text,
    pub diagnostics: Vec<Diagnostic>,
    /// The text changed since the last lint.
    pub stale: bool,
    /// The diagnostics changed since the last publish.
    pub unpublished: bool,
    /// The size of a document too large to lint ([`MAX_DOCUMENT_BYTES`]);
    /// its text is then not kept.
    pub too_large: Option<usize>,
}

/// The largest document linted: the limit on files read from disk.
pub const MAX_DOCUMENT_BYTES: usize = crate::fsread::MAX_FILE_BYTES as usize;

/// A document's text, or nothing and its size when it is too large to lint.
fn document_text(text: String) -> (Text, Option<usize>) {
    if text.len() > MAX_DOCUMENT_BYTES {
        (Text::new(String::new()), Some(text.len()))
    } else {
        (Text::new(text), None)
    }
}

/// The one diagnostic of a document too large to lint.
fn too_large_diagnostic(size: usize) -> lsp_types::Diagnostic {
    use crate::fsread::human_size;
    lsp_types::Diagnostic {
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        source: Some("bakelint".to_string()),
        message: format!(
            "file too large to lint ({}; the limit is {})",
            human_size(size as u64),
            human_size(MAX_DOCUMENT_BYTES as u64)
        ),
        ..lsp_types::Diagnostic::default()
    }
}

/// The server's state.
#[derive(Default)]
pub struct State {
    pub docs: BTreeMap<Url, Document>,
    /// Settings per directory (the config search starts there).
    settings: HashMap<PathBuf, Arc<Settings>>,
    /// Notifications to send besides diagnostics (config errors).
    messages: Vec<Notification>,
}

fn is_config_file(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("bakelint.toml" | ".bakelint.toml")
    )
}

impl State {
    pub fn open(&mut self, uri: Url, language_id: &str, version: i32, text: String) {
        let path = uri_to_path(&uri);
        if is_config_file(&path) {
            self.config_changed();
            return;
        }
        let kind = match project::classify(&path) {
            Some(k) => k,
            None if language_id.eq_ignore_ascii_case("dockerfile")
                || language_id.eq_ignore_ascii_case("containerfile") =>
            {
                FileKind::Dockerfile
            }
            None => return,
        };
        let (text, too_large) = document_text(text);
        self.docs.insert(
            uri,
            Document {
                path,
                kind,
                version,
                text,
                diagnostics: Vec::new(),
                stale: true,
                unpublished: true,
                too_large,
            },
        );
    }

    pub fn change(&mut self, uri: &Url, version: i32, text: String) {
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.version = version;
            (doc.text, doc.too_large) = document_text(text);
            doc.stale = true;
            doc.unpublished = true;
        }
        self.mark_dependents(uri);
    }

    /// A bake file and the Dockerfiles its targets build depend on each
    /// other (args, stages, inline Dockerfiles): when one changes, the open
    /// documents on the other side of the link are re-linted too.
    fn mark_dependents(&mut self, changed: &Url) {
        let Some(doc) = self.docs.get(changed) else {
            return;
        };
        let changed_path = doc.path.clone();
        let changed_kind = doc.kind;
        let dependents: Vec<Url> = self
            .docs
            .iter()
            .filter(|(u, d)| *u != changed && d.kind != changed_kind)
            .filter(|(_, d)| match changed_kind {
                // A bake file: the open Dockerfiles it builds.
                FileKind::Bake => bake_set_for(&d.path, d.kind)
                    .is_some_and(|set| set.iter().any(|p| same_file(p, &changed_path))),
                // A Dockerfile: the open bake files whose definition builds it.
                FileKind::Dockerfile => bake_set_for(&changed_path, changed_kind)
                    .is_some_and(|set| set.iter().any(|p| same_file(p, &d.path))),
            })
            .map(|(u, _)| u.clone())
            .collect();
        for uri in dependents {
            if let Some(doc) = self.docs.get_mut(&uri) {
                doc.stale = true;
                doc.unpublished = true;
            }
        }
    }

    /// The texts of the open documents, which win over the files on disk
    /// (a document too large to lint has none).
    fn overlay(&self) -> BTreeMap<PathBuf, String> {
        self.docs
            .values()
            .filter(|d| d.too_large.is_none())
            .map(|d| (d.path.clone(), d.text.text.clone()))
            .collect()
    }

    pub fn save(&mut self, uri: &Url, text: Option<String>) {
        if is_config_file(&uri_to_path(uri)) {
            self.config_changed();
            return;
        }
        if let Some(doc) = self.docs.get_mut(uri) {
            if let Some(text) = text {
                (doc.text, doc.too_large) = document_text(text);
            }
            doc.stale = true;
            doc.unpublished = true;
        }
        self.mark_dependents(uri);
    }

    pub fn close(&mut self, uri: &Url) {
        if self.docs.remove(uri).is_some() {
            // Clear what was shown for it.
            self.messages.push(publish(uri.clone(), Vec::new(), None));
        }
    }

    /// A config file changed: forget cached settings, re-lint everything.
    pub fn config_changed(&mut self) {
        self.settings.clear();
        for doc in self.docs.values_mut() {
            doc.stale = true;
            doc.unpublished = true;
        }
    }

    /// Whether some document waits to be linted and published.
    pub fn has_pending(&self) -> bool {
        self.docs.values().any(|d| d.unpublished)
    }

    fn settings_dir(path: &Path) -> PathBuf {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
    }

    /// Lints without touching the settings cache (used while fixing, after
    /// the document was linted once): cached settings, else a fresh lookup.
    pub fn lint_with_cached_settings(
        &self,
        path: &Path,
        kind: FileKind,
        text: &str,
    ) -> Vec<Diagnostic> {
        let dir = Self::settings_dir(path);
        let settings = match self.settings.get(&dir) {
            Some(s) => Arc::clone(s),
            None => Arc::new(
                Settings::discover(None, &dir, &CliSelection::default()).unwrap_or_default(),
            ),
        };
        lint_with(path, kind, text, &settings, self.overlay())
    }

    fn settings_for(&mut self, path: &Path) -> Arc<Settings> {
        let dir = Self::settings_dir(path);
        if let Some(s) = self.settings.get(&dir) {
            return Arc::clone(s);
        }
        let settings = match Settings::discover(None, &dir, &CliSelection::default()) {
            Ok(s) => s,
            Err(e) => {
                let where_ = e
                    .path
                    .as_deref()
                    .map(|p| format!("{}: ", p.display()))
                    .unwrap_or_default();
                self.messages.push(Notification::new(
                    ShowMessage::METHOD.to_string(),
                    ShowMessageParams {
                        typ: MessageType::ERROR,
                        message: format!(
                            "bakelint: invalid configuration, using defaults: {where_}{}",
                            e.message
                        ),
                    },
                ));
                Settings::default()
            }
        };
        let settings = Arc::new(settings);
        self.settings.insert(dir, Arc::clone(&settings));
        settings
    }

    /// Lints `text` as the document at `path` would be linted.
    pub fn lint_text(&mut self, path: &Path, kind: FileKind, text: &str) -> Vec<Diagnostic> {
        let settings = self.settings_for(path);
        let overlay = self.overlay();
        lint_with(path, kind, text, &settings, overlay)
    }

    /// Lints the document if its text changed since the last lint.
    pub fn ensure_linted(&mut self, uri: &Url) {
        let Some(doc) = self.docs.get_mut(uri).filter(|d| d.stale) else {
            return;
        };
        if doc.too_large.is_some() {
            doc.diagnostics.clear();
            doc.stale = false;
            return;
        }
        let (path, kind, text) = (doc.path.clone(), doc.kind, doc.text.text.clone());
        let diagnostics = self.lint_text(&path, kind, &text);
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.diagnostics = diagnostics;
            doc.stale = false;
        }
    }

    /// Lints what changed and returns the notifications publishing it.
    pub fn publish_pending(&mut self) -> Vec<Notification> {
        let uris: Vec<Url> = self
            .docs
            .iter()
            .filter(|(_, d)| d.unpublished)
            .map(|(u, _)| u.clone())
            .collect();
        let mut out = Vec::new();
        for uri in uris {
            self.ensure_linted(&uri);
            let Some(doc) = self.docs.get_mut(&uri) else {
                continue;
            };
            doc.unpublished = false;
            let Some(doc) = self.docs.get(&uri) else {
                continue;
            };
            let diagnostics = self.lsp_diagnostics(&uri, doc);
            out.push(publish(uri.clone(), diagnostics, Some(doc.version)));
        }
        out
    }

    /// The document's diagnostics in LSP form.
    pub fn lsp_diagnostics(&self, uri: &Url, doc: &Document) -> Vec<lsp_types::Diagnostic> {
        if let Some(size) = doc.too_large {
            return vec![too_large_diagnostic(size)];
        }
        doc.diagnostics
            .iter()
            .map(|d| convert::to_lsp(d, &doc.text, uri, &mut |p| self.file_text(p)))
            .collect()
    }

    /// The URI and text of a file: the open document's, or the file on disk.
    pub fn file_text(&self, path: &Path) -> Option<(Url, Text)> {
        if let Some((uri, doc)) = self.docs.iter().find(|(_, d)| d.path == path) {
            return doc
                .too_large
                .is_none()
                .then(|| (uri.clone(), doc.text.clone()));
        }
        let uri = path_to_uri(path)?;
        let text = crate::fsread::read_text(path).ok()?;
        Some((uri, Text::new(text)))
    }

    pub fn take_messages(&mut self) -> Vec<Notification> {
        std::mem::take(&mut self.messages)
    }
}

/// The bake files to load with a document: for a Dockerfile, the default
/// bake files of the nearest directory above it (up to the repository root);
/// for a bake file, the default set of its directory (or itself alone).
fn bake_set_for(path: &Path, kind: FileKind) -> Option<Vec<PathBuf>> {
    match kind {
        FileKind::Dockerfile => workspace::find_bake_for(path).map(|(_, set)| set),
        FileKind::Bake => {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !workspace::DEFAULT_BAKE_FILES.contains(&name) {
                return Some(vec![path.to_path_buf()]);
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            let mut set: Vec<PathBuf> = workspace::DEFAULT_BAKE_FILES
                .iter()
                .map(|n| dir.join(n))
                .filter(|p| p.is_file() || p == path)
                .collect();
            set.dedup();
            Some(set)
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    workspace::normalize(a) == workspace::normalize(b)
}

/// Where a bake definition's relative paths resolve: the repository root
/// (where `docker buildx bake` usually runs), else the bake file's directory.
fn bake_cwd(bake_file: &Path) -> PathBuf {
    let dir = bake_file.parent().unwrap_or(Path::new(".")).to_path_buf();
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Lints one document the way `bakelint check` lints it in its project: a
/// Dockerfile with the bake target that builds it, a bake file with its
/// whole definition and linked Dockerfiles; only the document's own
/// findings are returned.
fn lint_with(
    path: &Path,
    kind: FileKind,
    text: &str,
    settings: &Settings,
    mut overlay: BTreeMap<PathBuf, String>,
) -> Vec<Diagnostic> {
    overlay.insert(path.to_path_buf(), text.to_string());
    let mut plan = Plan {
        env: std::env::vars().collect(),
        cwd: PathBuf::from("."),
        ..Plan::default()
    };
    if kind == FileKind::Dockerfile {
        plan.dockerfiles.push(path.to_path_buf());
    }
    if let Some(set) = bake_set_for(path, kind) {
        if let Some(first) = set.first() {
            plan.cwd = bake_cwd(first);
        }
        plan.bake_sets.push(set);
    }
    let out = workspace::lint(&plan, &overlay, settings);
    let mut diagnostics: Vec<Diagnostic> = out
        .diagnostics
        .into_iter()
        .filter(|d| same_file(&d.file, path))
        .collect();
    // A fix that would write outside the project is shown, not offered,
    // and its help says why (as `bakelint check` reports it).
    super::actions::document_scope(path).confine(&mut diagnostics);
    diagnostics
}

fn publish(
    uri: Url,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}
