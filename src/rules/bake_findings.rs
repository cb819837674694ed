//! How findings on a bake definition are reported: where a value comes from
//! (a file, an inherited block), one finding per place, findings grouped by
//! the source expression several targets share, and their subjects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bake::{Provenance, Target};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Whether a provenance points into a bake file (not `--set`, not unknown).
pub fn in_file(origin: &Provenance) -> bool {
    !origin.is_override() && !origin.file.as_os_str().is_empty()
}

/// Adds, for a value `target` inherited from a parent block, a label at the
/// target's own block naming the inheritance path.
pub fn with_inherit_label(diag: Diagnostic, target: &Target, origin: &Provenance) -> Diagnostic {
    if origin.inherited_from.is_empty() {
        return diag;
    }
    let Some(block) = &target.block else {
        return diag;
    };
    let path = origin
        .inherited_from
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    diag.with_file_label(
        block.file.clone(),
        block.span,
        format!("target `{}` inherits this from {path}", target.name),
    )
}

/// Collects diagnostics once per (file, span, message).
#[derive(Default)]
pub struct Findings {
    seen: BTreeSet<(PathBuf, Span, String)>,
}

impl Findings {
    /// Whether this is the first finding at this place with this message.
    pub fn first(&mut self, file: &Path, span: Span, message: &str) -> bool {
        self.seen
            .insert((file.to_path_buf(), span, message.to_string()))
    }
}

/// Where an expression lives: file and span. Findings about an expression
/// shared by several targets (inheritance, matrix) are reported once.
pub type SourceKey = (PathBuf, Span);

pub fn source_key(origin: &Provenance) -> SourceKey {
    (origin.file.clone(), origin.span)
}

/// Groups items by source expression, keeping first-seen order.
pub struct BySource<T> {
    order: Vec<SourceKey>,
    groups: BTreeMap<SourceKey, Vec<T>>,
}

impl<T> Default for BySource<T> {
    fn default() -> Self {
        BySource {
            order: Vec::new(),
            groups: BTreeMap::new(),
        }
    }
}

impl<T> BySource<T> {
    pub fn push(&mut self, key: SourceKey, item: T) {
        if !self.groups.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.groups.entry(key).or_default().push(item);
    }

    pub fn into_groups(mut self) -> Vec<(SourceKey, Vec<T>)> {
        self.order
            .into_iter()
            .filter_map(|k| {
                let items = self.groups.remove(&k)?;
                Some((k, items))
            })
            .collect()
    }
}

/// `"a"` or `"a", "b"` for messages.
pub fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `target "a"` or `targets "a", "b"`: the subject of a finding about an
/// expression several targets share.
pub fn targets_subject(names: &[String]) -> String {
    if names.len() == 1 {
        format!("target {}", quoted_list(names))
    } else {
        format!("targets {}", quoted_list(names))
    }
}
