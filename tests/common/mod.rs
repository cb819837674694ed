//! Helpers shared by the integration tests: temporary projects and the
//! lint plan `bakelint check DIR` would make for them.
// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::project::discover;
use bakelint::workspace::Plan;

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
