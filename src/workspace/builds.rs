//! Which Dockerfiles to lint, and with which build info: every Dockerfile a
//! bake set's targets build, once per set with what that set's targets pass
//! to it (args, target stage, context); the stand-alone ones; and the
//! Dockerfiles a fix created in this run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::project::{self, FileKind};
use crate::rules::BuildInfo;

use super::bake_sets::LoadedSet;
use super::{identity, normalize, InMemory, Plan};

/// A Dockerfile some bake target builds, with what the set's targets pass to it.
struct DockerfileUse {
    path: PathBuf,
    build: BuildInfo,
}

/// A Dockerfile to lint with one build info.
pub struct Build {
    /// The path to lint it under: as discovery found it, else as the first
    /// bake target that builds it spells it.
    pub path: PathBuf,
    pub build: BuildInfo,
    /// Every spelling bake targets use for it (`./app/Dockerfile`,
    /// `../app/Dockerfile` from a base above the working directory).
    pub spellings: Vec<PathBuf>,
}

/// The Dockerfiles to lint, each once per bake set that builds it (with
/// that set's build info), else once on its own.
pub fn dockerfile_builds(
    plan: &Plan,
    sets: &[LoadedSet],
    overlay: &BTreeMap<PathBuf, String>,
    in_memory: &InMemory,
) -> Vec<Build> {
    // A compose file whose services only run images builds nothing: it
    // does not make the Dockerfiles beside it part of a bake project.
    let in_bake_project = sets.iter().any(|s| {
        let p = &s.project;
        !p.targets().is_empty() || p.files().len() > p.compose_files().len()
    });
    let per_set: Vec<BTreeMap<PathBuf, DockerfileUse>> =
        sets.iter().map(|set| uses_of(set, in_memory)).collect();
    // One spelling per file, discovery's first; then the built Dockerfiles
    // discovery did not find (outside the linted paths, or when only bake
    // files were named) that exist on disk or in memory.
    let mut order: Vec<PathBuf> = Vec::new();
    let mut spelling: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut add = |id: PathBuf, path: &PathBuf| {
        if !spelling.contains_key(&id) {
            spelling.insert(id.clone(), path.clone());
            order.push(id);
        }
    };
    for path in &plan.dockerfiles {
        add(identity(path), path);
    }
    for uses in &per_set {
        for (id, u) in uses {
            if in_memory.files.contains(&normalize(&u.path)) || u.path.is_file() {
                add(id.clone(), &u.path);
            }
        }
    }
    let mut builds: Vec<Build> = Vec::new();
    for id in &order {
        let Some(path) = spelling.get(id) else {
            continue;
        };
        let uses: Vec<&DockerfileUse> = per_set.iter().filter_map(|u| u.get(id)).collect();
        let spellings: Vec<PathBuf> = uses.iter().map(|u| u.path.clone()).collect();
        if uses.is_empty() {
            builds.push(Build {
                path: path.clone(),
                build: stand_alone(path, in_bake_project, in_memory),
                spellings: Vec::new(),
            });
        }
        for u in uses {
            builds.push(Build {
                path: path.clone(),
                build: u.build.clone(),
                spellings: spellings.clone(),
            });
        }
    }
    let seen: HashSet<PathBuf> = spelling.into_keys().collect();
    for path in created_by_fixes(plan, overlay, &seen) {
        builds.push(Build {
            build: stand_alone(&path, in_bake_project, in_memory),
            path,
            spellings: Vec::new(),
        });
    }
    builds
}

/// The build info of a Dockerfile no target builds.
fn stand_alone(path: &Path, in_bake_project: bool, in_memory: &InMemory) -> BuildInfo {
    BuildInfo {
        context: path.parent().map(Path::to_path_buf),
        virtual_files: in_memory.files.clone(),
        virtual_texts: in_memory.texts.clone(),
        in_bake_project,
        ..BuildInfo::default()
    }
}

/// The Dockerfiles one set's targets build, by [`identity`]. Targets of
/// the set that build the same Dockerfile share one build info: their args
/// merged, the first context, the last `target` stage.
fn uses_of(set: &LoadedSet, in_memory: &InMemory) -> BTreeMap<PathBuf, DockerfileUse> {
    let mut uses: BTreeMap<PathBuf, DockerfileUse> = BTreeMap::new();
    let templates = crate::rules::bake_targets::Templates::of(&set.project);
    for target in set.project.targets().values() {
        let Some(path) = target.dockerfile() else {
            continue;
        };
        let entry = uses
            .entry(identity(&path))
            .or_insert_with(|| DockerfileUse {
                path: path.clone(),
                build: BuildInfo {
                    from_bake: true,
                    in_bake_project: true,
                    virtual_files: in_memory.files.clone(),
                    virtual_texts: in_memory.texts.clone(),
                    ..BuildInfo::default()
                },
            });
        entry.build.args.extend(target.args());
        entry.build.image_names.push(target.name.clone());
        entry.build.image_names.extend(target.tags());
        entry
            .build
            .named_contexts
            .extend(target.contexts().into_keys());
        if entry.build.context.is_none() {
            entry.build.context = target.context_path();
            entry.build.bake_base = Some(target.cwd.clone());
        }
        if let Some(stage) = target.target() {
            entry.build.target = Some(stage.to_string());
        }
        // Templates (`_common`, inherited-only targets) are not built.
        let stage = target.target().map(str::to_string);
        if !templates.is_abstract(target) && !entry.build.target_stages.contains(&stage) {
            entry.build.target_stages.push(stage);
        }
    }
    uses
}

/// Dockerfiles a fix created in this run (`Dockerfile.base`, a merged
/// multi-stage file) that nothing else reached yet: linted as discovery
/// would on the next run, so the fix loop reaches the same result now.
fn created_by_fixes(
    plan: &Plan,
    overlay: &BTreeMap<PathBuf, String>,
    seen: &HashSet<PathBuf>,
) -> Vec<PathBuf> {
    let roots: Vec<PathBuf> = plan.roots.iter().map(|r| normalize(r)).collect();
    let mut created = Vec::new();
    let mut taken = HashSet::new();
    for path in overlay.keys() {
        let under_a_root = roots.iter().any(|r| normalize(path).starts_with(r));
        let id = identity(path);
        if under_a_root
            && !path.is_file()
            && project::classify(path) == Some(FileKind::Dockerfile)
            && !seen.contains(&id)
            && taken.insert(id)
        {
            created.push(path.clone());
        }
    }
    created
}
