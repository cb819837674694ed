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
    /// What the document's lint found in other files of its project (a
    /// parent bake file, the Dockerfiles a bake file builds), published for
    /// the files that are not open.
    pub others: Vec<Diagnostic>,
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
    /// Settings per directory (the config search starts there), with the
    /// config files they were read from as they were on disk then.
    settings: HashMap<PathBuf, (Arc<Settings>, ConfigStamp)>,
    /// Notifications to send besides diagnostics (config errors).
    messages: Vec<Notification>,
    /// What was last published for files that are not open.
    external: BTreeMap<Url, Vec<lsp_types::Diagnostic>>,
    /// A lint ran or a document closed since `external` was computed.
    external_dirty: bool,
}

/// The file names a config search looks for in each directory.
const CONFIG_NAMES: &[&str] = &[
    "bakelint.toml",
    ".bakelint.toml",
    "pyproject.toml",
    ".hadolint.yaml",
    ".hadolint.yml",
];

fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CONFIG_NAMES.contains(&n))
}

/// Besides the config files, what a stamp watches in each directory: an
/// ignore file created, changed or removed changes what BP008 reports.
const STAMPED_NAMES: &[&str] = &[".dockerignore"];

/// Every config file a search from a directory could find (and the
/// `.dockerignore` files above it), with its modification time and size
/// (`None`: absent): when this changes, the settings are read again and the
/// documents re-linted. Clients that cannot watch files are served by
/// comparing stamps on each round of linting and while the server is idle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigStamp(Vec<(PathBuf, Option<(std::time::SystemTime, u64)>)>);

impl ConfigStamp {
    fn of(dir: &Path) -> ConfigStamp {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut files = Vec::new();
        for ancestor in absolute.ancestors() {
            for name in CONFIG_NAMES.iter().chain(STAMPED_NAMES) {
                let path = ancestor.join(name);
                let meta = std::fs::metadata(&path)
                    .ok()
                    .and_then(|m| Some((m.modified().ok()?, m.len())));
                files.push((path, meta));
            }
        }
        ConfigStamp(files)
    }
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
                others: Vec::new(),
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
                FileKind::Workflow => false,
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
            self.external_dirty = true;
            // Clear what was shown for it.
            self.messages.push(publish(uri.clone(), Vec::new(), None));
        }
    }

    /// Whether a config file changed on disk since the settings were read
    /// (for clients that do not send `workspace/didChangeWatchedFiles`):
    /// then everything is re-linted.
    pub fn check_config_on_disk(&mut self) {
        let changed = self
            .settings
            .iter()
            .any(|(dir, (_, stamp))| ConfigStamp::of(dir) != *stamp);
        if changed {
            self.config_changed();
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
            Some((s, _)) => Arc::clone(s),
            None => Arc::new(
                Settings::discover(None, &dir, &CliSelection::default()).unwrap_or_default(),
            ),
        };
        lint_with(path, kind, text, &settings, self.overlay()).0
    }

    fn settings_for(&mut self, path: &Path) -> Arc<Settings> {
        let dir = Self::settings_dir(path);
        if let Some((s, _)) = self.settings.get(&dir) {
            return Arc::clone(s);
        }
        let stamp = ConfigStamp::of(&dir);
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
        self.settings.insert(dir, (Arc::clone(&settings), stamp));
        settings
    }

    /// Lints `text` as the document at `path` would be linted.
    /// Lints `text` as the document at `path` would be linted: its own
    /// findings, and those the lint made in other files.
    pub fn lint_text(
        &mut self,
        path: &Path,
        kind: FileKind,
        text: &str,
    ) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
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
        let (diagnostics, others) = self.lint_text(&path, kind, &text);
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.diagnostics = diagnostics;
            doc.others = others;
            self.external_dirty = true;
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
        out.extend(self.publish_external());
        out
    }

    /// Publishes what the open documents' lints found in files that are not
    /// open (as workspace diagnostics), and clears what went away.
    fn publish_external(&mut self) -> Vec<Notification> {
        if !std::mem::take(&mut self.external_dirty) {
            return Vec::new();
        }
        let mut by_file: BTreeMap<PathBuf, Vec<&Diagnostic>> = BTreeMap::new();
        for doc in self.docs.values() {
            for d in &doc.others {
                let file = workspace::normalize(&d.file);
                if self.docs.values().any(|open| same_file(&open.path, &file)) {
                    continue;
                }
                let list = by_file.entry(file).or_default();
                if !list.contains(&d) {
                    list.push(d);
                }
            }
        }
        let mut now: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for (file, diagnostics) in by_file {
            let Some((uri, text)) = self.file_text(&file) else {
                continue;
            };
            let converted = diagnostics
                .iter()
                .map(|d| convert::to_lsp(d, &text, &uri, &mut |p| self.file_text(p)))
                .collect();
            now.insert(uri, converted);
        }
        let mut out = Vec::new();
        for (uri, diagnostics) in &now {
            if self.external.get(uri) != Some(diagnostics) {
                out.push(publish(uri.clone(), diagnostics.clone(), None));
            }
        }
        for uri in self.external.keys() {
            if !now.contains_key(uri) && !self.docs.contains_key(uri) {
                out.push(publish(uri.clone(), Vec::new(), None));
            }
        }
        self.external = now;
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
        // A workflow: the bake definition nearest above it (the repository
        // root's, usually), which its steps may build.
        FileKind::Dockerfile | FileKind::Workflow => {
            workspace::find_bake_for(path).map(|(_, set)| set)
        }
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
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    overlay.insert(path.to_path_buf(), text.to_string());
    let mut plan = Plan {
        env: std::env::vars().collect(),
        cwd: PathBuf::from("."),
        ..Plan::default()
    };
    match kind {
        FileKind::Dockerfile => plan.dockerfiles.push(path.to_path_buf()),
        FileKind::Workflow => plan.workflows.push(path.to_path_buf()),
        FileKind::Bake => {}
    }
    if let Some(set) = bake_set_for(path, kind) {
        if let Some(first) = set.first() {
            plan.cwd = bake_cwd(first);
        }
        plan.bake_sets.push(set);
    }
    let out = workspace::lint(&plan, &overlay, settings);
    let (mut own, mut others): (Vec<Diagnostic>, Vec<Diagnostic>) = out
        .diagnostics
        .into_iter()
        .partition(|d| same_file(&d.file, path));
    // A fix that would write outside the project is shown, not offered,
    // and its help says why (as `bakelint check` reports it).
    let scope = super::actions::document_scope(path);
    scope.confine(&mut own);
    scope.confine(&mut others);
    (own, others)
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
