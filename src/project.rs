//! Finding the files to lint.

use std::path::{Path, PathBuf};

use crate::linter::FileError;

/// What kind of file a path is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Dockerfile,
    Bake,
}

/// Classifies a file by name: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `*.dockerfile`, `Containerfile`; `docker-bake*.hcl|json`.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".dockerignore") {
        return None;
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
    None
}

/// Files found under the given paths, sorted, plus the paths that could not be read.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<(PathBuf, FileKind)>,
    pub errors: Vec<FileError>,
}

/// Explicit files are taken as they are (a file with an unknown name is
/// linted as a Dockerfile); directories are walked, honouring `.gitignore`
/// and `.ignore`, skipping `.git`.
pub fn discover(paths: &[PathBuf]) -> Discovery {
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
            Ok(meta) if meta.is_dir() => walk(path, &mut out),
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

fn walk(root: &Path, out: &mut Discovery) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .ignore(true)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                if file_type.is_file() {
                    if let Some(kind) = classify(entry.path()) {
                        out.files.push((entry.path().to_path_buf(), kind));
                    }
                } else if is_special(&file_type) && is_input_name(entry.path()) {
                    // A FIFO or device named like an input is never opened
                    // (it could block or never end), but it is reported.
                    out.errors
                        .extend(crate::fsread::regular_file_metadata(entry.path()).err());
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
        std::fs::create_dir_all(d.join("vendor")).expect("mkdir");
        std::fs::write(d.join("app/Dockerfile"), "FROM a\n").expect("w");
        std::fs::write(d.join("vendor/Dockerfile"), "FROM a\n").expect("w");
        std::fs::write(d.join(".gitignore"), "vendor/\n").expect("w");
        let found = discover(&[d.to_path_buf()]);
        let names: Vec<_> = found
            .files
            .iter()
            .map(|(p, _)| p.strip_prefix(d).map(Path::to_path_buf))
            .collect();
        assert_eq!(names, vec![Ok(PathBuf::from("app/Dockerfile"))]);
    }
}
