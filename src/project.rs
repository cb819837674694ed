//! Finding the files to lint.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::linter::FileError;

/// What kind of file a path is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Dockerfile,
    Bake,
    /// A GitHub Actions workflow (`.github/workflows/*.yml|yaml`).
    Workflow,
}

/// Classifies a file by name: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `*.dockerfile`, `Containerfile`; `docker-bake*.hcl|json` and the default
/// compose file names (`compose.yaml`, `docker-compose.yml`, …).
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".dockerignore") {
        return None;
    }
    if crate::pipeline::is_workflow_path(path) {
        return Some(FileKind::Workflow);
    }
    let lower = name.to_ascii_lowercase();
    if name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    if lower.starts_with("docker-bake") && (lower.ends_with(".hcl") || lower.ends_with(".json")) {
        return Some(FileKind::Bake);
    }
    // The compose files buildx loads by default are bake input too.
    if crate::bake::load::DEFAULT_FILES[..4].contains(&name) {
        return Some(FileKind::Bake);
    }
    None
}

/// Files found under the given paths, sorted, plus the paths that could not be read.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<(PathBuf, FileKind)>,
    pub errors: Vec<FileError>,
}

/// What a walk skips by default (the `exclude` setting): vendored trees and
/// the usual tool and environment folders. `.git` is always skipped.
pub const DEFAULT_EXCLUDE: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "bower_components",
    "node_modules",
    "site-packages",
    "third_party",
    "vendor",
    "venv",
];

/// The paths a walk skips, as ruff's `exclude`: a pattern without `/`
/// matches a file or directory name anywhere (`vendor`, `*.tmp`), one with
/// `/` a path relative to `root` (the config file's directory).
#[derive(Debug, Clone)]
pub struct Exclusions {
    root: PathBuf,
    names: GlobSet,
    paths: GlobSet,
}

impl Default for Exclusions {
    fn default() -> Self {
        let patterns: Vec<String> = DEFAULT_EXCLUDE.iter().map(|p| p.to_string()).collect();
        Exclusions::new(Path::new("."), &patterns).unwrap_or_else(|_| Exclusions::none())
    }
}

impl Exclusions {
    /// Nothing excluded (but `.git`).
    pub fn none() -> Exclusions {
        Exclusions {
            root: PathBuf::from("."),
            names: GlobSet::empty(),
            paths: GlobSet::empty(),
        }
    }

    /// The exclusions `patterns` describe, relative paths against `root`.
    /// An invalid glob is an error naming the pattern.
    pub fn new(root: &Path, patterns: &[String]) -> Result<Exclusions, (String, globset::Error)> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for pattern in patterns {
            let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
            let glob = GlobBuilder::new(trimmed)
                .literal_separator(true)
                .build()
                .map_err(|e| (pattern.clone(), e))?;
            if trimmed.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| (patterns.join(", "), e));
        Ok(Exclusions {
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    /// Whether a walk skips `path` (a file, or a directory and all below it).
    pub fn is_excluded(&self, path: &Path) -> bool {
        if path
            .file_name()
            .is_some_and(|n| n == ".git" || self.names.is_match(n))
        {
            return true;
        }
        if self.paths.is_empty() {
            return false;
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(&self.root)
            .is_ok_and(|rel| self.paths.is_match(rel))
    }
}

/// [`discover_excluding`] with the default exclusions.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    discover_excluding(paths, &Exclusions::default())
}

/// Explicit files are taken as they are (a file with an unknown name is
/// linted as a Dockerfile); directories are walked, honouring `.gitignore`
/// and `.ignore` and skipping what `exclude` names below them (a path named
/// on the command line is always linted).
pub fn discover_excluding(paths: &[PathBuf], exclude: &Exclusions) -> Discovery {
    let mut out = Discovery::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.errors.push(FileError {
                path: path.clone(),
                message: format!("cannot read: {e}"),
            }),
            Ok(meta) if meta.is_file() => {
                let kind = classify(path).unwrap_or(FileKind::Dockerfile);
                out.files.push((path.clone(), kind));
            }
            Ok(meta) if meta.is_dir() => walk(path, exclude, &mut out),
            // A FIFO, device or socket named on the command line.
            Ok(_) => out
                .errors
                .extend(crate::fsread::regular_file_metadata(path).err()),
        }
    }
    out.files.sort();
    out.files.dedup();
    out
}

/// Walks `root`. Symbolic links are not followed into directories (no
/// loops, nothing outside the root); the file a link points to is linted
/// when it is inside the root, whatever its name.
fn walk(root: &Path, exclude: &Exclusions, out: &mut Discovery) {
    let skip = exclude.clone();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .ignore(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| e.depth() == 0 || !skip.is_excluded(e.path()))
        .build();
    let mut links: Vec<(PathBuf, FileKind)> = Vec::new();
    let mut found = Vec::new();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if is_special(&file_type) && is_input_name(path) {
                    // A FIFO or device named like an input is never opened
                    // (it could block or never end), but it is reported.
                    out.errors
                        .extend(crate::fsread::regular_file_metadata(path).err());
                    continue;
                }
                let Some(kind) = classify(path) else {
                    continue;
                };
                if file_type.is_file() {
                    found.push((path.to_path_buf(), kind));
                } else if file_type.is_symlink() {
                    links.push((path.to_path_buf(), kind));
                }
            }
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                out.errors.push(FileError {
                    path,
                    message: format!("cannot read: {}", io_message(&err)),
                });
            }
        }
    }
    if !links.is_empty() {
        found.extend(linked_files(root, links, &found));
    }
    out.files.extend(found);
}

/// The files symbolic links point to, to lint: those inside `root` that
/// `found` does not hold already, spelled from `root`. Linting (and fixing)
/// the file itself keeps the link a link.
fn linked_files(
    root: &Path,
    links: Vec<(PathBuf, FileKind)>,
    found: &[(PathBuf, FileKind)],
) -> Vec<(PathBuf, FileKind)> {
    let Ok(real_root) = std::fs::canonicalize(root) else {
        return Vec::new();
    };
    let mut seen: std::collections::BTreeSet<PathBuf> = found
        .iter()
        .filter_map(|(p, _)| std::fs::canonicalize(p).ok())
        .collect();
    let mut out = Vec::new();
    for (link, kind) in links {
        // A dangling link or a loop does not resolve: skipped.
        let Ok(target) = std::fs::canonicalize(&link) else {
            continue;
        };
        let Ok(inside) = target.strip_prefix(&real_root) else {
            continue;
        };
        if target.is_file() && seen.insert(target.clone()) {
            out.push((root.join(inside), kind));
        }
    }
    out
}

/// A FIFO, socket or device: neither a file, a directory nor a symlink.
fn is_special(file_type: &std::fs::FileType) -> bool {
    !(file_type.is_file() || file_type.is_dir() || file_type.is_symlink())
}

/// A name bakelint would read: a Dockerfile, a bake file, a `.dockerignore`.
fn is_input_name(path: &Path) -> bool {
    classify(path).is_some()
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".dockerignore"))
}

fn io_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } => io_message(err),
        ignore::Error::WithDepth { err, .. } => io_message(err),
        ignore::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "Dockerfile.dev",
            "web.Dockerfile",
            "x.dockerfile",
            "Containerfile",
        ] {
            assert_eq!(classify(Path::new(n)), Some(FileKind::Dockerfile), "{n}");
        }
        for n in ["docker-bake.hcl", "docker-bake.override.json"] {
            assert_eq!(classify(Path::new(n)), Some(FileKind::Bake), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            ".dockerignore",
            "README.md",
            "bake.hcl",
        ] {
            assert_eq!(classify(Path::new(n)), None, "{n}");
        }
    }

    #[test]
    fn walk_honours_gitignore() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("app")).expect("mkdir");
        std::fs::create_dir_all(d.join("generated")).expect("mkdir");
        std::fs::write(d.join("app/Dockerfile"), "FROM a\n").expect("w");
        std::fs::write(d.join("generated/Dockerfile"), "FROM a\n").expect("w");
        std::fs::write(d.join(".gitignore"), "generated/\n").expect("w");
        let found = discover(&[d.to_path_buf()]);
        let names: Vec<_> = found
            .files
            .iter()
            .map(|(p, _)| p.strip_prefix(d).map(Path::to_path_buf))
            .collect();
        assert_eq!(names, vec![Ok(PathBuf::from("app/Dockerfile"))]);
    }

    #[test]
    fn name_patterns_match_anywhere_path_patterns_from_the_root() {
        let root = Path::new("/proj");
        let patterns = ["vendor".to_string(), "ci/old/*".to_string()];
        let ex = Exclusions::new(root, &patterns).expect("valid");
        assert!(ex.is_excluded(Path::new("/proj/a/b/vendor")));
        assert!(ex.is_excluded(Path::new("/proj/ci/old/Dockerfile")));
        assert!(!ex.is_excluded(Path::new("/proj/x/ci/old/Dockerfile")));
        assert!(!ex.is_excluded(Path::new("/proj/vendored")));
        assert!(
            ex.is_excluded(Path::new("/proj/.git")),
            ".git is always skipped"
        );
    }
}
