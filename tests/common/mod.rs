//! Helpers shared by the integration tests: temporary projects, the lint
//! plan `bakelint check DIR` would make for them, running the binary
//! (`cli`) and talking to its language server (`lsp_client`).
// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

pub mod cli;
pub mod lsp_client;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::project::discover;
use bakelint::workspace::Plan;

/// A folder of the read-only material in `../shared` (next to the project:
/// BuildKit's parser corpus, the real-world corpus), or `None` with a note
/// on stderr when it is absent, so the tests that need it skip.
pub fn shared_material(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.is_dir() {
        return Some(path);
    }
    eprintln!(
        "skipped: {} is absent (the read-only material in ../shared is not next to the project)",
        path.display()
    );
    None
}

/// BuildKit's Dockerfile parser test corpus (`../shared/conformance/buildkit-parser`).
pub fn buildkit_parser_corpus() -> Option<PathBuf> {
    shared_material("conformance/buildkit-parser")
}

/// A temporary directory holding `files` (path, content).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }
    dir
}

/// The plan for linting `dir` as the working directory, with an empty environment.
pub fn plan(dir: &Path) -> Plan {
    let found = discover(&[dir.to_path_buf()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.to_path_buf();
    plan.env = BTreeMap::new();
    plan
}

/// Makes `cmd` run as an unprivileged user when the tests run as root, so
/// that file permissions mean what they mean to a user (root may write a
/// read-only file). `tree` is opened up for that user: directories become
/// 0777, owner-writable files 0666; read-only files stay read-only.
#[cfg(unix)]
pub fn as_normal_user(cmd: &mut std::process::Command, tree: &Path) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    fn open_up(path: &Path) {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let mode = if meta.is_dir() {
            0o777
        } else if meta.is_file() && meta.permissions().mode() & 0o200 != 0 {
            0o666
        } else {
            return;
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        if meta.is_dir() {
            for entry in std::fs::read_dir(path).expect("read_dir").flatten() {
                open_up(&entry.path());
            }
        }
    }
    open_up(tree);
    // `nobody`
    cmd.uid(65534).gid(65534);
}
