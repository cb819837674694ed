//! Code actions: a quick fix per diagnostic fix, and "Fix all safe
//! problems" for the file. Neither offers an edit outside the document's
//! project root (see `fix::containment`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CreateFile,
    CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, ResourceOp, TextDocumentEdit, TextEdit, Url,
    WorkspaceEdit,
};

use super::convert::{path_to_uri, Text};
use super::state::State;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::fix::{fix_all_within, same_file, FileSource, FixMode, ProjectRoot, WriteScope};

/// The kind of the file-wide "fix all safe problems" action.
pub const FIX_ALL_KIND: &str = "source.fixAll.bakelint";

/// Whether `kind` passes the client's `only` filter (kinds are hierarchical:
/// `source` admits `source.fixAll.bakelint`).
fn wanted(only: Option<&Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds.iter().any(|k| {
            let k = k.as_str();
            kind == k
                || kind
                    .strip_prefix(k)
                    .is_some_and(|rest| rest.starts_with('.'))
        }),
    }
}

pub fn code_actions(state: &mut State, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    state.ensure_linted(uri);
    let Some(doc) = state.docs.get(uri) else {
        return Vec::new();
    };
    let only = params.context.only.as_ref();
    let scope = document_scope(&doc.path);
    let mut out = Vec::new();
    if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
        let start = doc.text.offset(params.range.start);
        let end = doc.text.offset(params.range.end);
        // The client names the diagnostics it wants fixes for (those under
        // the cursor, or the one clicked): ours among them decide; without
        // any, the range does.
        let requested: Vec<(String, lsp_types::Range)> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.source.as_deref().is_none_or(|s| s == "bakelint"))
            .filter_map(|d| match &d.code {
                Some(lsp_types::NumberOrString::String(code)) => Some((code.clone(), d.range)),
                _ => None,
            })
            .collect();
        let mut fixes: Vec<(u8, CodeAction)> = Vec::new();
        for d in &doc.diagnostics {
            let Some(fix) = &d.fix else {
                continue;
            };
            // Published diagnostics are confined to the project already: a
            // fix that would write outside it is display-only.
            if fix.applicability == Applicability::DisplayOnly {
                continue;
            }
            if requested.is_empty() {
                // Overlap of [start, end] with the diagnostic (touching counts:
                // a cursor right after a word still gets its fix).
                if d.span.start > end || d.span.end < start {
                    continue;
                }
            } else {
                let range = doc.text.range(d.span);
                if !requested.iter().any(|(c, r)| c == d.code && *r == range) {
                    continue;
                }
            }
            let Some(edit) = fix_edit(state, fix) else {
                continue;
            };
            let title = match fix.applicability {
                Applicability::Unsafe => format!("{} (unsafe)", fix.message),
                _ => fix.message.clone(),
            };
            let lsp_diag = super::convert::to_lsp(d, &doc.text, uri, &mut |p| state.file_text(p));
            let safe = fix.applicability == Applicability::Safe;
            fixes.push((
                u8::from(!safe),
                CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag]),
                    edit: Some(edit),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                },
            ));
        }
        // The preferred, safe fixes first; unsafe ones after, labelled.
        fixes.sort_by_key(|(rank, _)| *rank);
        out.extend(
            fixes
                .into_iter()
                .map(|(_, action)| CodeActionOrCommand::CodeAction(action)),
        );
    }
    if wanted(only, FIX_ALL_KIND) {
        if let Some(action) = fix_all_action(state, uri, &scope) {
            out.push(CodeActionOrCommand::CodeAction(action));
        }
    }
    out
}

/// Where a document's fixes may write: its project root, found as for a file
/// named on the command line (from the server's working directory).
pub(super) fn document_scope(path: &Path) -> WriteScope {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    WriteScope::new(ProjectRoot::for_file(path, &cwd), &cwd)
}

/// The workspace edit of one fix.
fn fix_edit(state: &State, fix: &Fix) -> Option<WorkspaceEdit> {
    let creates = fix.edits.iter().any(|e| matches!(e, Edit::Create { .. }));
    // Replacements per file, in order.
    let mut per_file: Vec<(Url, Vec<TextEdit>)> = Vec::new();
    let mut texts: HashMap<PathBuf, (Url, Text)> = HashMap::new();
    let mut ops: Vec<DocumentChangeOperation> = Vec::new();
    for edit in &fix.edits {
        match edit {
            Edit::Replace {
                file,
                span,
                content,
            } => {
                if !texts.contains_key(file) {
                    let ft = state.file_text(file)?;
                    texts.insert(file.clone(), ft);
                }
                let (uri, text) = texts.get(file)?;
                let te = TextEdit::new(text.range(*span), content.clone());
                match per_file.iter_mut().find(|(u, _)| u == uri) {
                    Some((_, edits)) => edits.push(te),
                    None => per_file.push((uri.clone(), vec![te])),
                }
            }
            Edit::Create { file, content } => {
                let uri = path_to_uri(file)?;
                ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                    CreateFile {
                        uri: uri.clone(),
                        options: Some(CreateFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
                let te = TextEdit::new(
                    lsp_types::Range::new(
                        lsp_types::Position::new(0, 0),
                        lsp_types::Position::new(0, 0),
                    ),
                    content.clone(),
                );
                per_file.push((uri, vec![te]));
            }
        }
    }
    if creates {
        for (uri, edits) in per_file {
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }));
        }
        Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..WorkspaceEdit::default()
        })
    } else {
        Some(WorkspaceEdit {
            changes: Some(per_file.into_iter().collect()),
            ..WorkspaceEdit::default()
        })
    }
}

/// Reads open documents first, then the disk.
struct Overlay<'a> {
    state: &'a State,
}

impl FileSource for Overlay<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        if let Some(doc) = self.state.docs.values().find(|d| d.path == path) {
            return doc.too_large.is_none().then(|| doc.text.text.clone());
        }
        crate::fsread::read_text(path).ok()
    }
}

/// "Fix all safe problems": every safe fix of the document applied in
/// rounds (re-linting in between), as one edit replacing the whole text.
fn fix_all_action(state: &mut State, uri: &Url, scope: &WriteScope) -> Option<CodeAction> {
    let doc = state.docs.get(uri)?;
    let has_safe = doc.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe)
    });
    if !has_safe {
        return None;
    }
    let path = doc.path.clone();
    let kind = doc.kind;
    let initial: Vec<Diagnostic> = doc.diagnostics.clone();
    let old = doc.text.clone();

    // Settings were resolved (and cached) when the document was linted.
    let state_ref: &State = state;
    let lint = |overlay: &BTreeMap<PathBuf, String>| -> Vec<Diagnostic> {
        match overlay.get(&path) {
            Some(text) => state_ref.lint_with_cached_settings(&path, kind, text),
            None => initial.clone(),
        }
    };
    let result = fix_all_within(
        initial.clone(),
        FixMode {
            unsafe_fixes: false,
        },
        scope,
        &Overlay { state: state_ref },
        &lint,
    );
    let new = result.content_of(&path)?;
    if new == &old.text {
        return None;
    }
    let mut changes = HashMap::new();
    changes.insert(
        uri.clone(),
        vec![TextEdit::new(old.full_range(), new.clone())],
    );
    // Other files the fixes touched (rare: cross-file fixes).
    for (p, text) in &result.contents {
        if same_file(p, &path) {
            continue;
        }
        if let Some((u, t)) = state_ref.file_text(p) {
            changes.insert(u, vec![TextEdit::new(t.full_range(), text.clone())]);
        }
    }
    Some(CodeAction {
        title: "Fix all safe problems".to_string(),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}
