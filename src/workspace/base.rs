//! Where a bake file set's relative paths resolve.
//!
//! buildx resolves `context`, `dockerfile` and local `contexts` against the
//! directory it runs in, and nothing says which one that is: a bake file
//! may be meant for `docker buildx bake` in its own directory
//! (`demo/04-test/docker-bake.hcl` building the `Dockerfile` next to it) or
//! for `docker buildx bake -f deployment/docker-bake.hcl` at the repository
//! root (`context = "."` meaning the root). So each set of bake files gets
//! one base, chosen by what resolves there:
//!
//! - the candidates are the bake file's directory and its parents, up to
//!   the repository root (the first directory with `.git`), else up to the
//!   innermost linted directory that holds it, else up to the working
//!   directory when it holds it;
//! - each candidate scores one point per target context directory, built
//!   Dockerfile, `target` stage and local named context that exists there;
//! - on a tie, default-named files (`docker-bake.*`, `compose.*`: what
//!   `docker buildx bake` run in their directory loads) prefer the candidate
//!   nearest to them, other files (passed with `-f`) the farthest.
//!
//! The candidates do not depend on where bakelint runs inside a repository,
//! so neither do the findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bake::{BakeProject, Target};
use crate::dockerfile;

use super::{normalize, read};

/// The directories a bake file in `bake_dir` may be meant to run from,
/// nearest first, spelled as the user's paths are (`demo/04-test`, `.`,
/// `..`; see the module doc). `roots` are the linted directories, `cwd`
/// the working directory.
pub fn candidates(bake_dir: &Path, roots: &[PathBuf], cwd: &Path) -> Vec<PathBuf> {
    let bake_dir = shown_dir(bake_dir);
    let Ok(real) = std::fs::canonicalize(&bake_dir) else {
        return vec![bake_dir];
    };
    let ancestors: Vec<&Path> = real.ancestors().collect();
    let position = |dir: &Path| {
        let dir = std::fs::canonicalize(dir).ok()?;
        ancestors.iter().position(|a| *a == dir)
    };
    let repository = ancestors.iter().position(|a| a.join(".git").exists());
    let lint_root = roots.iter().filter_map(|r| position(r)).min();
    let last = repository
        .or(lint_root)
        .or_else(|| position(cwd))
        .unwrap_or(0);
    let mut out = vec![bake_dir];
    while out.len() <= last {
        let Some(parent) = out.last().map(|d| shown_parent(d)) else {
            break;
        };
        out.push(parent);
    }
    out
}

/// The base of a set named with `-f`: the caller's directory.
pub fn fixed(cwd: &Path) -> PathBuf {
    shown_dir(cwd)
}

/// A directory in normal form (`./a/../b` → `b`), `.` for the empty path.
fn shown_dir(dir: &Path) -> PathBuf {
    let dir = normalize(dir);
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// The parent of a directory as the user would spell it: `a/b` → `a`,
/// `a` → `.`, `.` → `..`, `..` → `../..`.
fn shown_parent(dir: &Path) -> PathBuf {
    let n = normalize(dir);
    match n.file_name() {
        Some(_) if !n.ends_with("..") => shown_dir(n.parent().unwrap_or(Path::new(""))),
        _ if n.has_root() => n,
        _ => n.join(".."),
    }
}

/// Whether a bake file has a name `docker buildx bake` loads by default.
pub fn is_default_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    crate::bake::load::DEFAULT_FILES.contains(&name)
}

/// What scoring may look at: the files the fix loop holds in memory, and
/// the stage names of the Dockerfiles read so far.
pub struct Resolver<'a> {
    pub overlay: &'a BTreeMap<PathBuf, String>,
    pub virtual_files: &'a BTreeSet<PathBuf>,
    stages: BTreeMap<PathBuf, Vec<String>>,
}

impl<'a> Resolver<'a> {
    pub fn new(
        overlay: &'a BTreeMap<PathBuf, String>,
        virtual_files: &'a BTreeSet<PathBuf>,
    ) -> Self {
        Resolver {
            overlay,
            virtual_files,
            stages: BTreeMap::new(),
        }
    }

    /// Whether something other than a directory is at `path`: a FIFO or
    /// device named like the Dockerfile is there, as for BK003 (reading it
    /// reports it as not a regular file).
    fn file_exists(&self, path: &Path) -> bool {
        self.virtual_files.contains(&normalize(path)) || path.metadata().is_ok_and(|m| !m.is_dir())
    }

    fn has_stage(&mut self, dockerfile: &Path, stage: &str) -> bool {
        let overlay = self.overlay;
        let names = self
            .stages
            .entry(normalize(dockerfile))
            .or_insert_with(|| stage_names(overlay, dockerfile));
        names.iter().any(|n| n.eq_ignore_ascii_case(stage))
    }

    /// How many of `project`'s paths resolve against `base`.
    fn score(&mut self, project: &BakeProject, base: &Path) -> usize {
        project
            .targets()
            .values()
            .map(|t| self.score_target(&at_base(t, base)))
            .sum()
    }

    fn score_target(&mut self, target: &Target) -> usize {
        let mut score = 0;
        if target.context_path().is_some_and(|c| c.is_dir()) {
            score += 1;
        }
        if let Some(path) = target.dockerfile().filter(|p| self.file_exists(p)) {
            score += 1;
            if target.target().is_some_and(|s| self.has_stage(&path, s)) {
                score += 1;
            }
        }
        score
            + target
                .local_contexts()
                .values()
                .filter(|p| p.exists())
                .count()
    }

    /// The candidate `project` resolves best against (ties as the module
    /// doc says); `files` are the set's bake files.
    pub fn choose(
        &mut self,
        project: &BakeProject,
        files: &[PathBuf],
        candidates: Vec<PathBuf>,
    ) -> Option<PathBuf> {
        let prefer_nearest = files.iter().all(|f| is_default_name(f));
        let scored: Vec<(usize, PathBuf)> = candidates
            .into_iter()
            .map(|c| (self.score(project, &c), c))
            .collect();
        let best = scored.iter().map(|(s, _)| *s).max()?;
        let mut tied = scored.into_iter().filter(|(s, _)| *s == best);
        let chosen = if prefer_nearest {
            tied.next()
        } else {
            tied.next_back()
        };
        chosen.map(|(_, c)| c)
    }
}

/// `target` with every relative path resolving against `base` only.
fn at_base(target: &Target, base: &Path) -> Target {
    let mut t = target.clone();
    t.cwd = base.to_path_buf();
    t.file_dir = base.to_path_buf();
    t
}

/// The stage names of the Dockerfile at `path` (none when it cannot be read).
fn stage_names(overlay: &BTreeMap<PathBuf, String>, path: &Path) -> Vec<String> {
    let Ok(text) = read(overlay, path) else {
        return Vec::new();
    };
    let df = dockerfile::parse(&text);
    df.stages()
        .iter()
        .filter_map(|s| Some(df.stage_from(s)?.stage_name.as_ref()?.value.clone()))
        .collect()
}

/// The base a target's paths resolved against, for a finding's help:
/// "`demo`, the bake file's directory (as for `docker buildx bake` run
/// there)" or "`.` (as for `docker buildx bake -f demo/docker-bake.hcl` run
/// there)".
pub fn describe(target: &Target) -> String {
    let file = target
        .block
        .as_ref()
        .map(|b| b.file.clone())
        .unwrap_or_default();
    let own_dir = normalize(&target.cwd) == normalize(&target.file_dir);
    let command = if own_dir && is_default_name(&file) {
        "docker buildx bake".to_string()
    } else {
        format!("docker buildx bake -f {}", file.display())
    };
    let whose = if own_dir {
        ", the bake file's directory"
    } else {
        ""
    };
    format!(
        "`{}`{whose} (as for `{command}` run there)",
        target.cwd.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_as_the_user_spells_them() {
        assert_eq!(shown_parent(Path::new("a/b")), PathBuf::from("a"));
        assert_eq!(shown_parent(Path::new("./a")), PathBuf::from("."));
        assert_eq!(shown_parent(Path::new(".")), PathBuf::from(".."));
        assert_eq!(shown_parent(Path::new("..")), PathBuf::from("../.."));
        assert_eq!(shown_parent(Path::new("/x/y")), PathBuf::from("/x"));
        assert_eq!(shown_parent(Path::new("/")), PathBuf::from("/"));
    }

    #[test]
    fn candidates_stop_at_the_lint_root_without_a_repository() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
        let found = candidates(
            &root.join("a/b"),
            std::slice::from_ref(&root),
            Path::new("."),
        );
        assert_eq!(found, vec![root.join("a/b"), root.join("a"), root.clone()]);
    }

    #[test]
    fn candidates_reach_the_repository_root_from_a_subdirectory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.join("a/b")).expect("mkdir");
        let sub = repo.join("a/b");
        let found = candidates(&sub, std::slice::from_ref(&sub), Path::new("."));
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[2], repo);
    }
}
