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

/// The targets of a project that are never built on their own:
/// `_`-prefixed, or inherited by another target and listed in no group.
/// The inherited and grouped names are collected once, so asking about
/// every target is linear in the project.
pub struct Templates<'a> {
    inherited: BTreeSet<&'a str>,
    grouped: BTreeSet<&'a str>,
}

impl<'a> Templates<'a> {
    pub fn of(project: &'a BakeProject) -> Self {
        let inherited = project
            .targets()
            .values()
            .flat_map(|t| {
                t.inherits_chain
                    .iter()
                    .filter(move |parent| **parent != t.name)
                    .map(String::as_str)
            })
            .collect();
        let grouped = project
            .groups()
            .values()
            .flat_map(|g| g.targets.iter().map(String::as_str))
            .collect();
        Templates { inherited, grouped }
    }

    /// Whether `target` is a template (see [`Templates`]).
    pub fn is_abstract(&self, target: &Target) -> bool {
        let name = target.name.as_str();
        target.is_hidden() || (self.inherited.contains(name) && !self.grouped.contains(name))
    }
}

/// The targets that are built, in name order.
pub fn concrete_targets(project: &BakeProject) -> impl Iterator<Item = &Target> {
    let templates = Templates::of(project);
    project
        .targets()
        .values()
        .filter(move |t| !templates.is_abstract(t))
}

/// The targets one `docker buildx bake NAME` builds together, and the
/// command that does.
pub struct BuildSet {
    /// `docker buildx bake` for `default`, else `docker buildx bake NAME`.
    pub command: String,
    pub targets: BTreeSet<String>,
}

/// The target sets `docker buildx bake` builds in one invocation naming
/// one group or target: every group (expanded through nested groups; a
/// matrix target is a group of its expansions), `default` first, and every
/// target that links others through `target:` contexts — each set closed
/// over those links, since buildx builds a linked target with its user.
/// `docker buildx bake a b` can combine any targets; that is an explicit
/// choice and makes no set.
pub fn build_sets(project: &BakeProject) -> Vec<BuildSet> {
    let mut names: Vec<&str> = project
        .group_order()
        .iter()
        .map(String::as_str)
        .chain(project.groups().keys().map(String::as_str))
        .chain(project.target_order().iter().map(String::as_str))
        .collect();
    names.sort_by_key(|n| *n != "default");
    let mut seen = BTreeSet::new();
    let mut sets = Vec::new();
    for name in names {
        if !seen.insert(name) {
            continue;
        }
        let mut targets = BTreeSet::new();
        expand_group(project, name, &mut BTreeSet::new(), &mut targets);
        close_over_links(project, &mut targets);
        let is_group = project.groups().contains_key(name);
        if is_group || targets.len() > 1 {
            let command = if name == "default" {
                "docker buildx bake".to_string()
            } else {
                format!("docker buildx bake {name}")
            };
            sets.push(BuildSet { command, targets });
        }
    }
    sets
}

/// Adds the targets `name` (a group or a target) stands for.
fn expand_group<'a>(
    project: &'a BakeProject,
    name: &'a str,
    visiting: &mut BTreeSet<&'a str>,
    out: &mut BTreeSet<String>,
) {
    if let Some(group) = project.groups().get(name) {
        if visiting.insert(name) {
            for member in &group.targets {
                expand_group(project, member, visiting, out);
            }
        }
    } else if project.targets().contains_key(name) {
        out.insert(name.to_string());
    }
}

/// Adds, transitively, the targets the set's `target:` contexts link.
fn close_over_links(project: &BakeProject, targets: &mut BTreeSet<String>) {
    let mut todo: Vec<String> = targets.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let Some(target) = project.targets().get(&name) else {
            continue;
        };
        for value in target.contexts().values() {
            if let Some(link) = value.strip_prefix("target:") {
                if project.targets().contains_key(link) && targets.insert(link.to_string()) {
                    todo.push(link.to_string());
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_hidden_or_inherited_and_in_no_group() {
        let hcl = r#"group "default" {
  targets = ["grouped", "_hidden"]
}
target "_hidden" {}
target "base" {}
target "grouped" {}
target "plain" {}
target "app" {
  inherits = ["base", "grouped"]
}
target "m" {
  inherits = ["plain"]
  matrix = { v = ["1", "2"] }
  name = "m-${v}"
}
"#;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("docker-bake.hcl"), hcl).expect("write");
        let project = crate::bake::load(&crate::bake::LoadOptions {
            files: vec![std::path::PathBuf::from("docker-bake.hcl")],
            cwd: dir.path().to_path_buf(),
            env: Default::default(),
            vars: Vec::new(),
            overrides: Vec::new(),
            overlay: Default::default(),
        })
        .expect("bake loads");
        let templates = Templates::of(&project);
        let abstract_names: Vec<&str> = project
            .targets()
            .values()
            .filter(|t| templates.is_abstract(t))
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(abstract_names, ["_hidden", "base", "plain"]);
        let concrete: Vec<&str> = concrete_targets(&project)
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(concrete, ["app", "grouped", "m-1", "m-2"]);
    }
}
