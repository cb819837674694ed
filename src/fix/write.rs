//! Writing a fix run's files: every file or none.
//!
//! Each path is first resolved inside the project root (a symlink is written
//! through to its target, and stays a link) and files are told apart by
//! device and inode, so `Dockerfile` and `/abs/Dockerfile` are one write.
//! Then every new content is staged in a temporary file beside its target
//! (with the old file's permissions) and every file to be replaced gets a
//! backup (a hard link); only then are the temporary files renamed into
//! place. When a rename fails, the files already replaced are put back from
//! their backups and the files already created are removed.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::containment::{FileId, WriteScope};
use super::temp_files::{self, TempKind, Transaction, REGISTRY};

/// One file of a change set.
#[derive(Debug, Clone, Copy)]
pub struct FileWrite<'a> {
    /// The path as the fix names it (resolved before writing).
    pub path: &'a Path,
    pub content: &'a str,
    /// The file is new: it must not exist yet.
    pub create: bool,
}

/// Why one file could not be written (or put back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.message)
    }
}

/// A change set that could not be written, and what that left on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteFailure {
    /// The files that could not be written.
    pub errors: Vec<WriteError>,
    /// Files already written when a later one failed, put back as they were.
    pub restored: Vec<PathBuf>,
    /// Files already written that could not be put back: they stay changed.
    pub not_restored: Vec<WriteError>,
}

impl WriteFailure {
    /// Whether the disk is as it was before the write.
    pub fn wrote_nothing(&self) -> bool {
        self.not_restored.is_empty()
    }

    fn nothing_written(errors: Vec<WriteError>) -> WriteFailure {
        WriteFailure {
            errors,
            ..WriteFailure::default()
        }
    }
}

fn list(paths: &[&Path]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for WriteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("`{}` could not be written: {}", e.path.display(), e.message))
            .collect();
        let errors = errors.join("; ");
        let restored: Vec<&Path> = self.restored.iter().map(PathBuf::as_path).collect();
        if self.wrote_nothing() {
            write!(f, "wrote nothing: {errors}")?;
            if !restored.is_empty() {
                write!(
                    f,
                    "; {} had already been written and {} restored",
                    list(&restored),
                    if restored.len() == 1 { "was" } else { "were" }
                )?;
            }
            return Ok(());
        }
        let changed: Vec<&Path> = self.not_restored.iter().map(|e| e.path.as_path()).collect();
        let failures: Vec<String> = self.not_restored.iter().map(|e| e.to_string()).collect();
        write!(
            f,
            "{errors}; restoring the files already written failed ({}); these files were changed: {}",
            failures.join("; "),
            list(&changed)
        )?;
        if !restored.is_empty() {
            write!(f, "; restored: {}", list(&restored))?;
        }
        Ok(())
    }
}

/// Writes every file of `changes` or none (see the module doc). Every path
/// must lie inside `scope`'s project root. Returns how many files were
/// written (one per file, however many spellings named it).
pub fn write_all_atomic(
    changes: &[FileWrite<'_>],
    scope: &WriteScope,
) -> Result<usize, WriteFailure> {
    write_all_with(changes, scope, &|from, to| std::fs::rename(from, to))
}

/// The rename step, replaceable in tests.
type Rename<'r> = dyn Fn(&Path, &Path) -> io::Result<()> + 'r;

/// One file to write, resolved.
struct Target<'a> {
    /// As the fix names it, for messages.
    shown: &'a Path,
    /// The canonical path the content goes to.
    path: PathBuf,
    content: &'a str,
    create: bool,
}

/// A target whose new content waits in `staged`.
struct Staged<'a> {
    target: Target<'a>,
    staged: PathBuf,
    /// The old content's second name, for a file being replaced.
    backup: Option<PathBuf>,
}

fn write_all_with(
    changes: &[FileWrite<'_>],
    scope: &WriteScope,
    rename: &Rename<'_>,
) -> Result<usize, WriteFailure> {
    let targets = resolve_targets(changes, scope).map_err(WriteFailure::nothing_written)?;
    let mut dirs: Vec<&Path> = targets.iter().filter_map(|t| t.path.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        temp_files::remove_stale(dir);
    }
    temp_files::install_signal_cleanup();
    let mut tx = REGISTRY.begin();
    let mut created_dirs = Vec::new();
    let mut staged = Vec::new();
    let mut errors = Vec::new();
    for target in targets {
        match stage(target, &mut tx, &mut created_dirs) {
            Ok(s) => staged.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        drop(tx);
        remove_dirs(&created_dirs);
        return Err(WriteFailure::nothing_written(errors));
    }
    commit(staged, &mut tx, rename, &created_dirs)
}

/// Resolves every path inside the root and merges the spellings of one
/// file; a refused path or one file with two different contents is an error.
fn resolve_targets<'a>(
    changes: &[FileWrite<'a>],
    scope: &WriteScope,
) -> Result<Vec<Target<'a>>, Vec<WriteError>> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Id(FileId),
        Path(PathBuf),
    }
    let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
    let mut targets: Vec<Target<'a>> = Vec::new();
    let mut errors = Vec::new();
    for change in changes {
        let path = match scope.check_write(change.path) {
            Ok(p) => p,
            Err(refusal) => {
                errors.push(WriteError {
                    path: change.path.to_path_buf(),
                    message: refusal.reason(),
                });
                continue;
            }
        };
        let key = FileId::of(&path).map_or_else(|| Key::Path(path.clone()), Key::Id);
        if let Some(&i) = seen.get(&key) {
            if targets[i].content != change.content {
                errors.push(WriteError {
                    path: change.path.to_path_buf(),
                    message: format!(
                        "it is the same file as `{}`, with other content",
                        targets[i].shown.display()
                    ),
                });
            }
            continue;
        }
        seen.insert(key, targets.len());
        targets.push(Target {
            shown: change.path,
            path,
            content: change.content,
            create: change.create,
        });
    }
    if errors.is_empty() {
        Ok(targets)
    } else {
        Err(errors)
    }
}

/// Why the user may not change an existing file, as the operating system
/// decides it (a read-only file is refused to a normal user; root may write
/// it, as `sed -i` or any editor may): `None` when it may be written. The
/// file keeps its mode either way.
#[cfg(unix)]
fn not_writable(path: &Path, meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `access` only reads the NUL-terminated path it is given.
    let allowed = unsafe { libc::access(c_path.as_ptr(), libc::W_OK) } == 0;
    match (allowed, meta.permissions().readonly()) {
        (true, _) => None,
        (false, true) => Some("file is read-only"),
        (false, false) => Some("permission denied"),
    }
}

#[cfg(not(unix))]
fn not_writable(_path: &Path, meta: &std::fs::Metadata) -> Option<&'static str> {
    meta.permissions().readonly().then_some("file is read-only")
}

/// Phase one: the checks, the temporary file with the new content, the
/// backup of the old one.
fn stage<'a>(
    target: Target<'a>,
    tx: &mut Transaction<'_>,
    created_dirs: &mut Vec<PathBuf>,
) -> Result<Staged<'a>, WriteError> {
    let err = |message: String| WriteError {
        path: target.shown.to_path_buf(),
        message,
    };
    let existing = std::fs::symlink_metadata(&target.path).ok();
    if target.create && existing.is_some() {
        return Err(err("file already exists".to_string()));
    }
    if let Some(meta) = &existing {
        if !meta.is_file() {
            return Err(err("not a regular file".to_string()));
        }
        if let Some(reason) = not_writable(&target.path, meta) {
            return Err(err(reason.to_string()));
        }
    }
    let dir = target.path.parent().unwrap_or(Path::new("/")).to_path_buf();
    if !dir.is_dir() {
        create_dirs(&dir, created_dirs)
            .map_err(|e| err(format!("cannot create directory: {e}")))?;
    }
    let staged = temp_files::temp_path(&target.path, TempKind::Staged);
    let written = (|| -> io::Result<()> {
        let mut f = tx.create(&staged)?;
        f.write_all(target.content.as_bytes())?;
        f.sync_all()?;
        if let Some(meta) = &existing {
            std::fs::set_permissions(&staged, meta.permissions())?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        tx.remove(&staged);
        return Err(err(format!("cannot write a temporary file beside it: {e}")));
    }
    let backup = match existing {
        Some(_) => {
            let backup = temp_files::temp_path(&target.path, TempKind::Backup);
            tx.backup(&target.path, &backup)
                .map_err(|e| err(format!("cannot keep a backup of it: {e}")))?;
            Some(backup)
        }
        None => None,
    };
    Ok(Staged {
        target,
        staged,
        backup,
    })
}

/// `create_dir_all`, remembering the directories it made (outermost first).
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| std::fs::symlink_metadata(d).is_err())
        .map(Path::to_path_buf)
        .collect();
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d)?;
        created.push(d);
    }
    Ok(())
}

/// Removes directories made for new files (innermost first; only empty ones).
fn remove_dirs(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Phase two: the renames; on a failure, the rollback.
fn commit(
    staged: Vec<Staged<'_>>,
    tx: &mut Transaction<'_>,
    rename: &Rename<'_>,
    created_dirs: &[PathBuf],
) -> Result<usize, WriteFailure> {
    for (i, s) in staged.iter().enumerate() {
        if let Err(e) = rename(&s.staged, &s.target.path) {
            let mut failure = WriteFailure::nothing_written(vec![WriteError {
                path: s.target.shown.to_path_buf(),
                message: format!("cannot replace it: {e}"),
            }]);
            roll_back(&staged[..i], tx, rename, &mut failure);
            if failure.wrote_nothing() {
                remove_dirs(created_dirs);
            }
            return Err(failure);
        }
        tx.release(&s.staged);
    }
    for s in &staged {
        if let Some(backup) = &s.backup {
            tx.remove(backup);
        }
    }
    Ok(staged.len())
}

/// Puts back the files of `done` (already renamed into place), last first.
fn roll_back(
    done: &[Staged<'_>],
    tx: &mut Transaction<'_>,
    rename: &Rename<'_>,
    failure: &mut WriteFailure,
) {
    for s in done.iter().rev() {
        let shown = s.target.shown.to_path_buf();
        let undone = match &s.backup {
            Some(backup) => rename(backup, &s.target.path).map_err(|e| {
                // The backup may be the only copy of the original: keep it.
                tx.release(backup);
                format!(
                    "cannot restore it: {e}; its original content is kept in `{}`",
                    backup.display()
                )
            }),
            None => std::fs::remove_file(&s.target.path)
                .map_err(|e| format!("cannot remove the file created: {e}")),
        };
        match undone {
            Ok(()) => {
                if let Some(backup) = &s.backup {
                    tx.release(backup);
                }
                failure.restored.push(shown);
            }
            Err(message) => failure.not_restored.push(WriteError {
                path: shown,
                message,
            }),
        }
    }
    failure.restored.reverse();
    failure.not_restored.reverse();
}

#[cfg(test)]
mod tests {
    use super::super::containment::ProjectRoot;
    use super::*;
    use std::cell::Cell;

    fn scope(dir: &Path) -> WriteScope {
        WriteScope::new(ProjectRoot::for_paths(&[PathBuf::from(".")], dir), dir)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn write(path: &Path, content: &str, create: bool) -> FileWrite<'static> {
        FileWrite {
            path: Box::leak(path.to_path_buf().into_boxed_path()),
            content: Box::leak(content.to_string().into_boxed_str()),
            create,
        }
    }

    #[cfg(unix)]
    #[test]
    fn keeps_mode_and_replaces_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("Dockerfile");
        std::fs::write(&p, "old").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        let s = scope(dir.path());
        assert_eq!(write_all_atomic(&[write(&p, "new", false)], &s), Ok(1));
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        let refused = write_all_atomic(&[write(&p, "x", true)], &s).expect_err("create");
        assert_eq!(
            refused.to_string(),
            format!(
                "wrote nothing: `{}` could not be written: file already exists",
                p.display()
            )
        );
        assert_eq!(names(dir.path()), ["Dockerfile"], "no temporary files left");
    }

    #[test]
    fn a_file_that_cannot_be_written_stops_the_whole_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = scope(dir.path());
        let bake = dir.path().join("docker-bake.hcl");
        let old = dir.path().join("web.Dockerfile");
        std::fs::write(&bake, "target \"web\" {}\n").expect("write");
        // Not a regular file: refused whoever runs the fix (root included).
        std::fs::create_dir(&old).expect("mkdir");
        let new = dir.path().join("sub/dir/Dockerfile");
        let changes = [
            write(&bake, "changed", false),
            write(&new, "FROM b\n", true),
            write(&old, "FROM c\n", false),
        ];
        let failure = write_all_atomic(&changes, &s).expect_err("a directory");
        assert_eq!(
            failure.to_string(),
            format!(
                "wrote nothing: `{}` could not be written: not a regular file",
                old.display()
            )
        );
        assert_eq!(
            std::fs::read_to_string(&bake).expect("read"),
            "target \"web\" {}\n"
        );
        assert!(!dir.path().join("sub").exists(), "nothing created");
        assert_eq!(names(dir.path()), ["docker-bake.hcl", "web.Dockerfile"]);

        std::fs::remove_dir(&old).expect("rmdir");
        std::fs::write(&old, "FROM a\n").expect("write");
        assert_eq!(write_all_atomic(&changes, &s), Ok(3));
        assert_eq!(std::fs::read_to_string(&new).expect("read"), "FROM b\n");
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "FROM c\n");
        assert_eq!(
            names(dir.path()),
            ["docker-bake.hcl", "sub", "web.Dockerfile"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_written_only_when_the_system_allows_it_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let s = scope(dir.path());
        let old = dir.path().join("web.Dockerfile");
        std::fs::write(&old, "FROM a\n").expect("write");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let result = write_all_atomic(&[write(&old, "FROM c\n", false)], &s);
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            assert_eq!(result, Ok(1));
            assert_eq!(std::fs::read_to_string(&old).expect("read"), "FROM c\n");
        } else {
            let failure = result.expect_err("read-only for a normal user");
            assert!(
                failure.to_string().ends_with("file is read-only"),
                "{failure}"
            );
            assert_eq!(std::fs::read_to_string(&old).expect("read"), "FROM a\n");
        }
        let mode = std::fs::metadata(&old).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o444, "the mode is kept");
        assert_eq!(names(dir.path()), ["web.Dockerfile"]);
    }

    /// A rename that fails on its `fail_at`-th call (counting from 1).
    fn failing_rename(
        fail_at: usize,
        calls: &Cell<usize>,
    ) -> impl Fn(&Path, &Path) -> io::Result<()> + '_ {
        move |from, to| {
            calls.set(calls.get() + 1);
            if calls.get() == fail_at {
                Err(io::Error::other("injected failure"))
            } else {
                std::fs::rename(from, to)
            }
        }
    }

    #[test]
    fn a_failed_rename_restores_the_files_already_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let s = scope(d);
        std::fs::write(d.join("Dockerfile"), "FROM a\nRUN pip install x\n").expect("write");
        std::fs::write(d.join("requirements.txt"), "y\n").expect("write");
        let changes = [
            write(&d.join("Dockerfile"), "FROM a\n", false),
            write(&d.join("new/Dockerfile.base"), "FROM base\n", true),
            write(&d.join("requirements.txt"), "y\nx\n", false),
        ];
        let calls = Cell::new(0);
        let failure = write_all_with(&changes, &s, &failing_rename(3, &calls))
            .expect_err("third rename fails");
        assert!(failure.wrote_nothing());
        assert_eq!(
            failure.to_string(),
            format!(
                "wrote nothing: `{}` could not be written: cannot replace it: injected failure; `{}`, `{}` had already been written and were restored",
                d.join("requirements.txt").display(),
                d.join("Dockerfile").display(),
                d.join("new/Dockerfile.base").display(),
            )
        );
        assert_eq!(
            std::fs::read_to_string(d.join("Dockerfile")).expect("read"),
            "FROM a\nRUN pip install x\n"
        );
        assert_eq!(
            std::fs::read_to_string(d.join("requirements.txt")).expect("read"),
            "y\n"
        );
        assert_eq!(
            names(d),
            ["Dockerfile", "requirements.txt"],
            "nothing new, no temporary files"
        );
    }

    #[test]
    fn a_failed_restore_says_which_files_changed_and_keeps_the_original() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let s = scope(d);
        std::fs::write(d.join("a"), "old a\n").expect("write");
        std::fs::write(d.join("b"), "old b\n").expect("write");
        let changes = [
            write(&d.join("a"), "new a\n", false),
            write(&d.join("b"), "new b\n", false),
        ];
        // Rename 1 writes `a`, rename 2 (`b`) fails, rename 3 (restoring `a`) fails.
        let calls = Cell::new(0);
        let rename = |from: &Path, to: &Path| {
            calls.set(calls.get() + 1);
            if calls.get() >= 2 {
                Err(io::Error::other("injected failure"))
            } else {
                std::fs::rename(from, to)
            }
        };
        let failure = write_all_with(&changes, &s, &rename).expect_err("fails");
        assert!(!failure.wrote_nothing());
        let backup = temp_files::temp_path(&d.join("a"), TempKind::Backup);
        assert_eq!(
            failure.to_string(),
            format!(
                "`{b}` could not be written: cannot replace it: injected failure; restoring the files already written failed (`{a}`: cannot restore it: injected failure; its original content is kept in `{bak}`); these files were changed: `{a}`",
                a = d.join("a").display(),
                b = d.join("b").display(),
                bak = backup.display()
            )
        );
        assert_eq!(
            std::fs::read_to_string(d.join("a")).expect("read"),
            "new a\n"
        );
        assert_eq!(std::fs::read_to_string(&backup).expect("read"), "old a\n");
        assert_eq!(
            std::fs::read_to_string(d.join("b")).expect("read"),
            "old b\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn one_file_named_twice_is_written_once_and_links_stay_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().canonicalize().expect("canonical");
        let s = scope(&d);
        std::fs::create_dir(d.join("real")).expect("mkdir");
        std::fs::write(d.join("real/Dockerfile"), "old\n").expect("write");
        std::os::unix::fs::symlink("real/Dockerfile", d.join("Dockerfile")).expect("symlink");
        let changes = [
            write(Path::new("Dockerfile"), "new\n", false),
            write(&d.join("Dockerfile"), "new\n", false),
            write(&d.join("real/./Dockerfile"), "new\n", false),
        ];
        assert_eq!(write_all_atomic(&changes, &s), Ok(1));
        assert!(std::fs::symlink_metadata(d.join("Dockerfile"))
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(d.join("real/Dockerfile")).expect("read"),
            "new\n"
        );
        assert_eq!(names(&d), ["Dockerfile", "real"]);
        assert_eq!(names(&d.join("real")), ["Dockerfile"]);

        let clash = [
            write(Path::new("Dockerfile"), "one\n", false),
            write(&d.join("real/Dockerfile"), "two\n", false),
        ];
        let failure = write_all_atomic(&clash, &s).expect_err("two contents");
        assert_eq!(
            failure.to_string(),
            format!(
                "wrote nothing: `{}` could not be written: it is the same file as `Dockerfile`, with other content",
                d.join("real/Dockerfile").display()
            )
        );
    }

    #[test]
    fn paths_outside_the_root_are_never_written() {
        let base = tempfile::tempdir().expect("tempdir");
        let b = base.path().canonicalize().expect("canonical");
        std::fs::create_dir(b.join("proj")).expect("mkdir");
        std::fs::write(b.join("proj/Dockerfile"), "old\n").expect("write");
        let s = scope(&b.join("proj"));
        let changes = [
            write(&b.join("proj/Dockerfile"), "new\n", false),
            write(&b.join("proj/../.dockerignore"), ".git\n", true),
        ];
        let failure = write_all_atomic(&changes, &s).expect_err("outside");
        assert_eq!(
            failure.to_string(),
            format!(
                "wrote nothing: `{}` could not be written: it would write `{}`, outside the project root `{}`",
                b.join("proj/../.dockerignore").display(),
                b.join(".dockerignore").display(),
                b.join("proj").display()
            )
        );
        assert!(!b.join(".dockerignore").exists());
        assert_eq!(
            std::fs::read_to_string(b.join("proj/Dockerfile")).expect("read"),
            "old\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_beside_a_target_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("Dockerfile"), "old\n").expect("write");
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let dead = child.id();
        child.wait().expect("wait");
        let stale = d.join(format!(".Dockerfile.bakelint-{dead}.tmp"));
        let live = d.join(format!(
            ".Dockerfile.bakelint-{}.tmp",
            std::os::unix::process::parent_id()
        ));
        std::fs::write(&stale, "half").expect("write");
        std::fs::write(&live, "busy").expect("write");
        assert_eq!(
            write_all_atomic(&[write(&d.join("Dockerfile"), "new\n", false)], &scope(d)),
            Ok(1)
        );
        assert!(!stale.exists(), "a dead process's file is removed");
        assert!(live.exists(), "a running process's file is kept");
    }
}
