//! A fuzz case: a small project as a list of files, written to a directory
//! before it is linted.

use std::fs;
use std::io;
use std::path::Path;

/// What a file is to the mutator: which dictionary of fragments fits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Dockerfile,
    Hcl,
    Json,
    Other,
}

impl Flavor {
    pub fn of(path: &str) -> Flavor {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".hcl") {
            Flavor::Hcl
        } else if lower.ends_with(".json") && lower.starts_with("docker-bake") {
            Flavor::Json
        } else if lower.contains("dockerfile") || lower.contains("containerfile") {
            Flavor::Dockerfile
        } else {
            Flavor::Other
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// `(relative path with '/', content)`, sorted by path, paths unique.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Project {
    pub fn new(mut files: Vec<(String, Vec<u8>)>) -> Project {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files.dedup_by(|a, b| a.0 == b.0);
        Project { files }
    }

    pub fn from_texts(files: &[(&str, &str)]) -> Project {
        Project::new(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        )
    }

    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|(_, c)| c.len()).sum()
    }

    /// Replaces the directory's content with the project's files. An empty
    /// `.git` directory makes `dir` the repository root, so nothing above
    /// it (the worktree the tests run in) is taken for part of the project.
    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        fs::create_dir_all(dir.join(".git"))?;
        for (rel, content) in &self.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(path, content)?;
        }
        Ok(())
    }

    /// Rust source that builds this project, for a regression test.
    pub fn as_rust(&self) -> String {
        let mut out = String::from("&[\n");
        for (path, content) in &self.files {
            out += &format!(
                "    ({path:?}, {:?}),\n",
                String::from_utf8_lossy(content).as_ref()
            );
        }
        out + "]"
    }
}
