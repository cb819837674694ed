//! Atomic file writes that keep the file's permissions.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Writes `content` to a temporary file beside `path`, copies the old
/// file's permissions, then renames it over `path`: readers never see a
/// half-written file, and a failure leaves the old file untouched.
/// `create` refuses to overwrite an existing file.
pub fn write_atomic(path: &Path, content: &str, create: bool) -> Result<(), WriteError> {
    write_all_atomic(&[FileWrite {
        path,
        content,
        create,
    }])
    .map_err(|mut errors| {
        errors.pop().unwrap_or_else(|| WriteError {
            path: path.to_path_buf(),
            message: "cannot write file".to_string(),
        })
    })
}

/// One file of a change set.
#[derive(Debug, Clone, Copy)]
pub struct FileWrite<'a> {
    pub path: &'a Path,
    pub content: &'a str,
    /// The file is new: it must not exist yet.
    pub create: bool,
}

/// Writes several files as one change: every new content first goes to a
/// temporary file beside its target (the read-only and already-exists
/// checks run here too), and only when all of them are written are they
/// renamed into place. A multi-file fix (a new Dockerfile plus the bake file
/// pointing at it) is therefore applied completely or not at all: when one
/// file cannot be written, no file is touched and every problem is returned.
pub fn write_all_atomic(changes: &[FileWrite<'_>]) -> Result<(), Vec<WriteError>> {
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut errors = Vec::new();
    for change in changes {
        match stage(change, &mut created_dirs) {
            Ok(tmp) => staged.push((tmp, change.path)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        // Directories made for new files only; `remove_dir` leaves non-empty ones.
        for dir in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(errors);
    }
    for (tmp, path) in &staged {
        if let Err(e) = std::fs::rename(tmp, path) {
            let _ = std::fs::remove_file(tmp);
            errors.push(WriteError {
                path: path.to_path_buf(),
                message: format!("cannot write file: {e}"),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Phase one of [`write_all_atomic`]: the checks and the temporary file.
fn stage(change: &FileWrite<'_>, created_dirs: &mut Vec<PathBuf>) -> Result<PathBuf, WriteError> {
    let path = change.path;
    let err = |message: String| WriteError {
        path: path.to_path_buf(),
        message,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = std::fs::metadata(path).ok();
    if change.create && existing.is_some() {
        return Err(err("file already exists".to_string()));
    }
    if let Some(meta) = &existing {
        if meta.permissions().readonly() {
            return Err(err("file is read-only; not modified".to_string()));
        }
    }
    if change.create && !dir.is_dir() {
        let mut missing = Vec::new();
        let mut d = dir.as_path();
        while !d.as_os_str().is_empty() && !d.exists() {
            missing.push(d.to_path_buf());
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("cannot create directory: {e}")))?;
        created_dirs.extend(missing.into_iter().rev());
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let tmp = dir.join(format!(".{file_name}.bakelint-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(change.content.as_bytes())?;
        f.sync_all()?;
        if let Some(meta) = &existing {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err(format!("cannot write file: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn keeps_mode_and_replaces_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("Dockerfile");
        std::fs::write(&p, "old").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        write_atomic(&p, "new", false).expect("atomic write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        assert!(
            write_atomic(&p, "x", true).is_err(),
            "create must not overwrite"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_stops_the_whole_change() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let bake = dir.path().join("docker-bake.hcl");
        let old = dir.path().join("web.Dockerfile");
        std::fs::write(&bake, "target \"web\" {}\n").expect("write");
        std::fs::write(&old, "FROM a\n").expect("write");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let new = dir.path().join("sub/dir/Dockerfile");
        let errors = write_all_atomic(&[
            FileWrite {
                path: &bake,
                content: "changed",
                create: false,
            },
            FileWrite {
                path: &new,
                content: "FROM b\n",
                create: true,
            },
            FileWrite {
                path: &old,
                content: "FROM c\n",
                create: false,
            },
        ])
        .expect_err("read-only file");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, old);
        assert!(errors[0].message.contains("read-only"), "{}", errors[0]);
        assert_eq!(
            std::fs::read_to_string(&bake).expect("read"),
            "target \"web\" {}\n"
        );
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "FROM a\n");
        assert!(
            !new.exists() && !dir.path().join("sub").exists(),
            "nothing created"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary files left: {names:?}");

        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_all_atomic(&[
            FileWrite {
                path: &bake,
                content: "changed",
                create: false,
            },
            FileWrite {
                path: &new,
                content: "FROM b\n",
                create: true,
            },
            FileWrite {
                path: &old,
                content: "FROM c\n",
                create: false,
            },
        ])
        .expect("writable now");
        assert_eq!(std::fs::read_to_string(&new).expect("read"), "FROM b\n");
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "FROM c\n");
        let mode = std::fs::metadata(&old).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
