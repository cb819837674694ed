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
    let err = |message: String| WriteError {
        path: path.to_path_buf(),
        message,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = std::fs::metadata(path).ok();
    if create && existing.is_some() {
        return Err(err("file already exists".to_string()));
    }
    if let Some(meta) = &existing {
        if meta.permissions().readonly() {
            return Err(err("file is read-only; not modified".to_string()));
        }
    }
    if create {
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("cannot create directory: {e}")))?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let tmp = dir.join(format!(".{file_name}.bakelint-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content.as_bytes())?;
        f.sync_all()?;
        if let Some(meta) = &existing {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(format!("cannot write file: {e}")));
    }
    Ok(())
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
}
