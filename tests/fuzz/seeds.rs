//! The seed projects mutants are made from: rule-doc examples, the
//! BuildKit parser conformance Dockerfiles, the bake `--print` cases, the
//! real-world-sized bake file and the bundled example projects. Generated
//! bake projects (see [`super::generate`]) are made per case.

use std::fs;
use std::path::{Path, PathBuf};

use bakelint::rules::{docs, RULES};

use super::project::Project;

/// Seed projects by family, so a campaign can weigh the families.
#[derive(Debug, Default)]
pub struct Seeds {
    pub rule_docs: Vec<Project>,
    pub dockerfiles: Vec<Project>,
    pub bake: Vec<Project>,
    pub examples: Vec<Project>,
}

impl Seeds {
    pub fn load() -> Seeds {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let testdata = root.join("testdata");
        let mut seeds = Seeds::default();
        for rule in RULES {
            let (bad, good) = docs::examples(rule.doc);
            for example in [bad, good] {
                if example.files.is_empty() {
                    continue;
                }
                seeds.rule_docs.push(Project::new(
                    example
                        .files
                        .into_iter()
                        .map(|f| (f.path, f.content.into_bytes()))
                        .collect(),
                ));
            }
        }
        // BuildKit's parser corpus, read from ../shared (absent: fewer seeds).
        let parser =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/buildkit-parser");
        for set in ["testfiles", "testfiles-negative"] {
            for dir in sorted_entries(&parser.join(set)) {
                if let Ok(bytes) = fs::read(dir.join("Dockerfile")) {
                    seeds
                        .dockerfiles
                        .push(Project::new(vec![("Dockerfile".into(), bytes)]));
                }
            }
        }
        for dir in sorted_entries(&testdata.join("bake/print")) {
            let files: Vec<(String, Vec<u8>)> = sorted_entries(&dir)
                .into_iter()
                .filter(|p| p.is_file())
                .filter_map(|p| {
                    let name = p.file_name()?.to_str()?.to_string();
                    if name.starts_with("expected") || name == "env" || name == "args" {
                        return None;
                    }
                    Some((name, fs::read(&p).ok()?))
                })
                .collect();
            if !files.is_empty() {
                seeds.bake.push(Project::new(files));
            }
        }
        if let Ok(bytes) = fs::read(testdata.join("bake/realworld/docker-bake.hcl")) {
            seeds.bake.push(Project::new(vec![
                ("docker-bake.hcl".into(), bytes),
                ("Dockerfile".into(), b"FROM alpine:3.19 AS base\n".to_vec()),
            ]));
        }
        for example in ["basic", "ci-pipeline"] {
            let dir = testdata.join("examples").join(example);
            let mut files = Vec::new();
            read_tree(&dir, &dir, &mut files);
            if !files.is_empty() {
                seeds.examples.push(Project::new(files));
            }
        }
        seeds
    }

    pub fn count(&self) -> usize {
        self.rule_docs.len() + self.dockerfiles.len() + self.bake.len() + self.examples.len()
    }

    /// Every file of every seed with its path, for splices.
    pub fn all_files(&self) -> Vec<(String, Vec<u8>)> {
        [
            &self.rule_docs,
            &self.dockerfiles,
            &self.bake,
            &self.examples,
        ]
        .into_iter()
        .flatten()
        .flat_map(|p| p.files.iter().cloned())
        .collect()
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for path in sorted_entries(dir) {
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(root), fs::read(&path)) {
            out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
        }
    }
}
