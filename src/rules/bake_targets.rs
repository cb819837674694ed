//! Which bake targets are built: templates (hidden or only inherited)
//! against the targets `docker buildx bake` runs, and the Dockerfile a
//! target builds.

use std::collections::BTreeSet;

use crate::bake::{BakeProject, Target};
use crate::dockerfile::Dockerfile;
use crate::rules::BakeContext;

/// Names every group lists, and every `target:` context names.
fn referenced_names(project: &BakeProject) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = project
        .groups()
        .values()
        .flat_map(|g| g.targets.iter().cloned())
        .collect();
    for t in project.targets().values() {
        for v in t.contexts().values() {
            if let Some(link) = v.strip_prefix("target:") {
                names.insert(link.to_string());
            }
        }
    }
    names
}

/// The targets `docker buildx bake` plausibly builds: every target except
/// templates. A template is a hidden `_` target, or — when the definition
/// has groups saying what gets built — a target other targets inherit from;
/// either way, only when no group lists it and no `target:` context links
/// to it.
pub fn built_targets(project: &BakeProject) -> Vec<&Target> {
    let referenced = referenced_names(project);
    let has_groups = project.groups().values().any(|g| g.block.is_some());
    let inherited: BTreeSet<&str> = project
        .targets()
        .values()
        .flat_map(|t| t.inherits_chain.iter().map(String::as_str))
        .collect();
    project
        .target_order()
        .iter()
        .filter_map(|n| project.targets().get(n))
        .filter(|t| {
            let template = t.is_hidden() || (has_groups && inherited.contains(t.name.as_str()));
            !template || referenced.contains(&t.name) || t.name == "default"
        })
        .collect()
}

/// A target that is never built on its own: `_`-prefixed, or inherited by
/// another target and listed in no group.
pub fn is_abstract(project: &BakeProject, target: &Target) -> bool {
    if target.is_hidden() {
        return true;
    }
    let inherited = project
        .targets()
        .values()
        .any(|t| t.name != target.name && t.inherits_chain.contains(&target.name));
    let grouped = project
        .groups()
        .values()
        .any(|g| g.targets.contains(&target.name));
    inherited && !grouped
}

/// The targets that are built, in name order.
pub fn concrete_targets(project: &BakeProject) -> impl Iterator<Item = &Target> {
    project
        .targets()
        .values()
        .filter(move |t| !is_abstract(project, t))
}

/// A Dockerfile a target builds: shared (from a file) or parsed inline.
pub enum BuiltDockerfile<'a> {
    File(&'a Dockerfile),
    Inline(Box<Dockerfile>),
}

impl std::ops::Deref for BuiltDockerfile<'_> {
    type Target = Dockerfile;
    fn deref(&self) -> &Dockerfile {
        match self {
            BuiltDockerfile::File(d) => d,
            BuiltDockerfile::Inline(d) => d,
        }
    }
}

/// The Dockerfile `target` builds, when bakelint has it.
pub fn built_dockerfile<'a>(
    ctx: &'a BakeContext<'_>,
    target: &Target,
) -> Option<BuiltDockerfile<'a>> {
    if let Some(inline) = target.dockerfile_inline() {
        return Some(BuiltDockerfile::Inline(Box::new(crate::dockerfile::parse(
            inline,
        ))));
    }
    let path = target.dockerfile()?;
    ctx.dockerfile(&path).map(BuiltDockerfile::File)
}
