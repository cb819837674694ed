//! The temporary files a fix run keeps on disk while it writes (the staged
//! new contents, `.NAME.bakelint-PID.tmp`, and the backups of the files
//! being replaced, `.NAME.bakelint-PID.bak`), and their removal.
//!
//! A write runs as one [`Transaction`], which holds the registry's lock from
//! the first temporary file to the last rename (or the rollback). SIGINT and
//! SIGTERM are handled on a thread that takes the same lock: it waits for the
//! transaction to end, removes whatever is still registered, and exits with
//! 130 or 143 — an interrupted run leaves neither temporary files nor a
//! half-written change behind. Files left by a process that could not clean
//! up (SIGKILL, a power cut) are recognised later by name and dead PID
//! ([`remove_stale`]).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What a temporary file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempKind {
    /// A file's new content, renamed over it on commit.
    Staged,
    /// A link to (or copy of) a file's old content, renamed back on rollback.
    Backup,
}

impl TempKind {
    fn extension(self) -> &'static str {
        match self {
            TempKind::Staged => "tmp",
            TempKind::Backup => "bak",
        }
    }
}

/// The temporary file of `kind` for `target`, beside it.
pub fn temp_path(target: &Path, kind: TempKind) -> PathBuf {
    temp_path_for_pid(target, kind, std::process::id())
}

fn temp_path_for_pid(target: &Path, kind: TempKind, pid: u32) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    target.with_file_name(format!(".{name}.bakelint-{pid}.{}", kind.extension()))
}

/// `(target file name, PID, kind)` of a name [`temp_path`] makes.
fn parse_temp_name(name: &str) -> Option<(&str, u32, TempKind)> {
    let rest = name.strip_prefix('.')?;
    let (rest, kind) = if let Some(r) = rest.strip_suffix(".tmp") {
        (r, TempKind::Staged)
    } else {
        (rest.strip_suffix(".bak")?, TempKind::Backup)
    };
    let (target, pid) = rest.rsplit_once(".bakelint-")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: u32 = pid.parse().ok()?;
    (!target.is_empty() && pid > 0).then_some((target, pid, kind))
}

/// Paths registered for removal if the run is interrupted.
pub struct Registry {
    files: Mutex<Vec<PathBuf>>,
}

/// The registry of this process, the one the signal handler empties.
pub static REGISTRY: Registry = Registry::new();

impl Registry {
    pub const fn new() -> Registry {
        Registry {
            files: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<PathBuf>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a write; an interruption waits until it is dropped.
    pub fn begin(&self) -> Transaction<'_> {
        Transaction { files: self.lock() }
    }

    /// What the signal handler does: waits for a running transaction,
    /// removes what is still registered, returns the exit status for `signal`.
    pub fn on_signal(&self, signal: i32) -> i32 {
        let mut files = self.lock();
        remove_all(&mut files);
        128 + signal
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

fn remove_all(files: &mut Vec<PathBuf>) {
    for path in files.drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// One write's temporary files. Dropping it removes every file still
/// registered (a failed or abandoned write leaves nothing behind).
pub struct Transaction<'a> {
    files: MutexGuard<'a, Vec<PathBuf>>,
}

impl Transaction<'_> {
    /// Creates the new file `path`, registered: never opens an existing file
    /// (nor follows a symlink planted there).
    pub fn create(&mut self, path: &Path) -> io::Result<File> {
        self.files.push(path.to_path_buf());
        let created = OpenOptions::new().write(true).create_new(true).open(path);
        if created.is_err() {
            self.files.pop();
        }
        created
    }

    /// Makes `backup` a second name of `file` (a copy where hard links are
    /// not supported), registered.
    pub fn backup(&mut self, file: &Path, backup: &Path) -> io::Result<()> {
        self.files.push(backup.to_path_buf());
        if std::fs::hard_link(file, backup).is_ok() {
            return Ok(());
        }
        self.files.pop();
        let mut copy = self.create(backup)?;
        let copied = (|| {
            io::copy(&mut File::open(file)?, &mut copy)?;
            copy.sync_all()?;
            std::fs::set_permissions(backup, std::fs::metadata(file)?.permissions())
        })();
        if copied.is_err() {
            self.remove(backup);
        }
        copied
    }

    /// `path` is no longer a temporary file (it was renamed into place or
    /// must be kept): it is not removed.
    pub fn release(&mut self, path: &Path) {
        self.files.retain(|p| p != path);
    }

    /// Removes the temporary file `path` now.
    pub fn remove(&mut self, path: &Path) {
        let _ = std::fs::remove_file(path);
        self.release(path);
    }

    /// The files currently registered.
    pub fn registered(&self) -> &[PathBuf] {
        &self.files
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        remove_all(&mut self.files);
    }
}

/// Removes SIGINT/SIGTERM's default action: both now end the process
/// through [`Registry::on_signal`] of [`REGISTRY`]. Installed once.
pub fn install_signal_cleanup() {
    #[cfg(unix)]
    {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
                return;
            };
            let _ = std::thread::Builder::new()
                .name("bakelint-signals".to_string())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        std::process::exit(REGISTRY.on_signal(signal));
                    }
                });
        });
    }
}

/// Removes the temporary files in `dir` that a bakelint process which no
/// longer runs left behind; returns them. Only regular files named exactly
/// as [`temp_path`] names them count. A staged file is garbage; a backup
/// is removed only when it is the same file as (or a byte-equal copy of)
/// the file it backs up, since otherwise it may be the only copy of an
/// original that an interrupted write replaced.
pub fn remove_stale(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((target, pid, kind)) = name.to_str().and_then(parse_temp_name) else {
            continue;
        };
        let path = entry.path();
        let is_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
        if !is_file || pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let garbage = match kind {
            TempKind::Staged => true,
            TempKind::Backup => same_content(&path, &dir.join(target)),
        };
        if garbage && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

fn same_content(a: &Path, b: &Path) -> bool {
    use super::containment::FileId;
    if FileId::of(a).is_some_and(|id| FileId::of(b) == Some(id)) {
        return true;
    }
    matches!((std::fs::read(a), std::fs::read(b)), (Ok(x), Ok(y)) if x == y)
}

/// Whether a process with this PID runs (one of another user counts; on
/// systems where this cannot be asked, every process counts as running).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks the PID.
        let status = unsafe { libc::kill(pid, 0) };
        status == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn temp_names_round_trip() {
        let p = temp_path_for_pid(Path::new("web/Dockerfile"), TempKind::Staged, 42);
        assert_eq!(p, Path::new("web/.Dockerfile.bakelint-42.tmp"));
        assert_eq!(
            parse_temp_name(".Dockerfile.bakelint-42.tmp"),
            Some(("Dockerfile", 42, TempKind::Staged))
        );
        assert_eq!(
            parse_temp_name(".a.b.bakelint-7.bak"),
            Some(("a.b", 7, TempKind::Backup))
        );
        for not_ours in [
            "Dockerfile.bakelint-42.tmp",
            ".Dockerfile.bakelint-.tmp",
            ".Dockerfile.bakelint-4x2.tmp",
            ".Dockerfile.bakelint-+42.tmp",
            ".Dockerfile.bakelint-0.tmp",
            ".bakelint-42.tmp",
            ".Dockerfile.bakelint-42.tmp.orig",
            ".Dockerfile.tmp",
        ] {
            assert_eq!(parse_temp_name(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn a_transaction_removes_what_it_did_not_release() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::new();
        let kept = dir.path().join("kept");
        let dropped = dir.path().join("dropped");
        {
            let mut tx = registry.begin();
            tx.create(&kept).expect("create");
            tx.create(&dropped).expect("create");
            assert!(tx.create(&kept).is_err(), "never reopens an existing file");
            assert_eq!(tx.registered(), [kept.clone(), dropped.clone()]);
            tx.release(&kept);
        }
        assert!(kept.exists());
        assert!(!dropped.exists());
        assert_eq!(registry.begin().registered().len(), 0);
    }

    #[test]
    fn a_signal_waits_for_the_transaction_then_cleans_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
        let staged = dir.path().join(".Dockerfile.bakelint-1.tmp");
        let finished = Arc::new(AtomicBool::new(false));
        let mut tx = registry.begin();
        tx.create(&staged).expect("create");
        let seen = Arc::clone(&finished);
        let handler = std::thread::spawn(move || {
            let status = registry.on_signal(15);
            (status, seen.load(Ordering::SeqCst))
        });
        // The handler cannot get past the lock until the transaction ends.
        finished.store(true, Ordering::SeqCst);
        drop(tx);
        let (status, after_transaction) = handler.join().expect("handler");
        assert_eq!(status, 143);
        assert!(after_transaction, "the handler ran inside the transaction");
        assert!(!staged.exists());
        assert_eq!(registry.on_signal(2), 130);
    }

    #[cfg(unix)]
    #[test]
    fn stale_files_of_dead_processes_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("Dockerfile"), "FROM a\n").expect("write");
        // A PID that is not running: a child that has exited and been reaped.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let dead = child.id();
        child.wait().expect("wait");
        let live = std::process::id();
        let parent = std::os::unix::process::parent_id();
        let names = [
            format!(".Dockerfile.bakelint-{dead}.tmp"),
            format!(".Dockerfile.bakelint-{live}.tmp"),
            format!(".Dockerfile.bakelint-{parent}.tmp"),
            format!(".Dockerfile.bakelint-{dead}.bak"),
            format!(".other.bakelint-{dead}.bak"),
            format!("Dockerfile.bakelint-{dead}.tmp"),
            format!(".Dockerfile.bakelint-{dead}.tmp.keep"),
        ];
        for n in &names {
            std::fs::write(d.join(n), "FROM a\n").expect("write");
        }
        // A backup that differs from its file may be the only original left.
        std::fs::write(d.join("other"), "changed\n").expect("write");
        // A symlink with our name is not ours to delete.
        let link = format!(".link.bakelint-{dead}.tmp");
        std::os::unix::fs::symlink("Dockerfile", d.join(&link)).expect("symlink");
        let mut removed: Vec<String> = remove_stale(d)
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect();
        removed.sort();
        assert_eq!(removed, [names[3].clone(), names[0].clone()]);
        for kept in [&names[1], &names[2], &names[4], &names[5], &names[6], &link] {
            assert!(
                std::fs::symlink_metadata(d.join(kept)).is_ok(),
                "{kept} must stay"
            );
        }
    }
}
