//! The hook definitions in `.pre-commit-hooks.yaml`, run through the real
//! `pre-commit` tool on a temporary git repository: a failing commit, a
//! clean commit, the fix hook, and which files the hooks see.
//!
//! The hooks under test are the `language: system` variants (no network
//! build); the binary under test is put first on PATH. When `pre-commit` is
//! not installed the test prints a notice and passes, except under CI
//! (`CI` set), where it fails: CI must install it (`pip install pre-commit`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit_available() -> bool {
    Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `true` when the test may run; panics under CI when pre-commit is missing.
fn require_pre_commit() -> bool {
    if pre_commit_available() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if ci {
        panic!("`pre-commit` is not on PATH but CI is set: install it (pip install pre-commit)");
    }
    eprintln!("NOTICE: skipping the pre-commit test: `pre-commit` is not on PATH (pip install pre-commit)");
    false
}

struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    path_env: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let bin = Path::new(env!("CARGO_BIN_EXE_bakelint"));
        let bin_dir = bin.parent().expect("binary directory");
        let path_env = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![bin_dir.to_path_buf()];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs)
                    .expect("PATH")
                    .to_string_lossy()
                    .into_owned()
            }
            None => bin_dir.to_string_lossy().into_owned(),
        };
        std::fs::write(root.join("gitconfig"), "").expect("gitconfig");
        Sandbox {
            _dir: dir,
            root,
            path_env,
        }
    }

    fn cmd(&self, program: &str, cwd: &Path) -> Command {
        let mut c = Command::new(program);
        c.current_dir(cwd)
            .env("PATH", &self.path_env)
            .env("PRE_COMMIT_HOME", self.root.join("pre-commit-home"))
            .env("GIT_CONFIG_GLOBAL", self.root.join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        c
    }

    fn run(&self, program: &str, cwd: &Path, args: &[&str]) -> Output {
        self.cmd(program, cwd)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
    }

    fn ok(&self, program: &str, cwd: &Path, args: &[&str]) -> String {
        let out = self.run(program, cwd, args);
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A git repository holding only this project's `.pre-commit-hooks.yaml`
    /// (as it is in the working tree), committed; returns (path, commit).
    fn hooks_repo(&self) -> (PathBuf, String) {
        let repo = self.root.join("hooks");
        std::fs::create_dir(&repo).expect("mkdir");
        self.ok("git", &repo, &["init", "-q", "-b", "main"]);
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
        std::fs::copy(&manifest, repo.join(".pre-commit-hooks.yaml")).expect("copy manifest");
        self.ok("git", &repo, &["add", "."]);
        self.ok("git", &repo, &["commit", "-q", "-m", "hooks"]);
        let sha = self
            .ok("git", &repo, &["rev-parse", "HEAD"])
            .trim()
            .to_string();
        (repo, sha)
    }

    /// A fresh repository using `hook_id` from the hooks repository.
    fn work_repo(&self, name: &str, hooks: &(PathBuf, String), hook_id: &str) -> PathBuf {
        let repo = self.root.join(name);
        std::fs::create_dir(&repo).expect("mkdir");
        self.ok("git", &repo, &["init", "-q", "-b", "main"]);
        let config = format!(
            "repos:\n- repo: {}\n  rev: {}\n  hooks:\n  - id: {hook_id}\n",
            hooks.0.display(),
            hooks.1
        );
        std::fs::write(repo.join(".pre-commit-config.yaml"), config).expect("config");
        self.ok("pre-commit", &repo, &["install"]);
        self.ok("git", &repo, &["add", ".pre-commit-config.yaml"]);
        repo
    }

    /// `git commit`, returning (success, combined output).
    fn commit(&self, repo: &Path, message: &str) -> (bool, String) {
        let out = self.run("git", repo, &["commit", "-m", message]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

#[test]
fn manifest_is_valid() {
    if !require_pre_commit() {
        return;
    }
    let sb = Sandbox::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let manifest = manifest.to_string_lossy().into_owned();
    sb.ok("pre-commit", &sb.root, &["validate-manifest", &manifest]);
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    for id in [
        "bakelint",
        "bakelint-fix",
        "bakelint-system",
        "bakelint-fix-system",
        "bakelint-python",
        "bakelint-fix-python",
    ] {
        assert!(text.contains(&format!("- id: {id}\n")), "hook {id}");
    }
    assert_eq!(text.matches("\n  language: rust\n").count(), 2);
    assert_eq!(text.matches("\n  language: system\n").count(), 2);
    // The `language: python` hooks install this repository with pip (the
    // maturin backend of pyproject.toml, binary packaging); they are run end
    // to end by scripts/wheel-smoke.sh, which `.ci/run` calls.
    assert_eq!(text.matches("\n  language: python\n").count(), 2);
    // Every hook runs on the same files.
    let files: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("  files: "))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
}

#[test]
fn lint_hook_blocks_a_failing_commit_and_passes_a_clean_one() {
    if !require_pre_commit() {
        return;
    }
    let sb = Sandbox::new();
    let hooks = sb.hooks_repo();
    let repo = sb.work_repo("work", &hooks, "bakelint-system");

    // Failing: a stage name in capitals. Files the hook must not see carry
    // the same content.
    let bad = "FROM node:8 AS Builder\nRUN echo hi\n";
    std::fs::write(repo.join("Dockerfile"), bad).expect("write");
    std::fs::create_dir_all(repo.join("svc")).expect("mkdir");
    std::fs::write(repo.join("svc/api.Dockerfile"), bad).expect("write");
    std::fs::write(repo.join("svc/Dockerfile.dev"), bad).expect("write");
    std::fs::write(repo.join("svc/Containerfile"), "FROM node:8\n").expect("write");
    std::fs::write(repo.join("notes.md"), bad).expect("write");
    std::fs::write(repo.join("Dockerfile.dockerignore"), "*.md\n").expect("write");
    sb.ok("git", &repo, &["add", "."]);
    let (ok, out) = sb.commit(&repo, "bad");
    assert!(!ok, "the commit must be blocked:\n{out}");
    assert!(out.contains("bakelint") && out.contains("Failed"), "{out}");
    assert!(out.contains("Dockerfile:1:16: DF001"), "{out}");
    assert!(out.contains("svc/api.Dockerfile:1:16: DF001"), "{out}");
    assert!(
        !out.contains("notes.md"),
        "non-Docker files are not passed: {out}"
    );
    assert!(!out.contains("dockerignore"), "{out}");
    assert!(out.contains("svc/Dockerfile.dev:1:16: DF001"), "{out}");
    assert!(out.contains("Found 3 problems"), "{out}");

    // Clean: fix both files; the commit goes through.
    let good = "FROM node:8 AS builder\nRUN echo hi\n";
    std::fs::write(repo.join("Dockerfile"), good).expect("write");
    std::fs::write(repo.join("svc/api.Dockerfile"), good).expect("write");
    std::fs::write(repo.join("svc/Dockerfile.dev"), good).expect("write");
    sb.ok("git", &repo, &["add", "."]);
    let (ok, out) = sb.commit(&repo, "good");
    assert!(ok, "the clean commit must pass:\n{out}");
    assert!(out.contains("bakelint") && out.contains("Passed"), "{out}");

    // A commit without Docker files skips the hook.
    std::fs::write(repo.join("notes.md"), "text\n").expect("write");
    sb.ok("git", &repo, &["add", "."]);
    let (ok, out) = sb.commit(&repo, "docs");
    assert!(ok, "{out}");
    assert!(
        out.contains("Skipped") || out.contains("no files to check"),
        "{out}"
    );
}

#[test]
fn fix_hook_rewrites_files_then_passes() {
    if !require_pre_commit() {
        return;
    }
    let sb = Sandbox::new();
    let hooks = sb.hooks_repo();
    let repo = sb.work_repo("fixwork", &hooks, "bakelint-fix-system");
    std::fs::write(
        repo.join("Dockerfile"),
        "FROM node:8 AS Builder\nRUN echo hi\n",
    )
    .expect("write");
    sb.ok("git", &repo, &["add", "."]);
    let (ok, out) = sb.commit(&repo, "needs fixing");
    assert!(!ok, "pre-commit fails a hook that modified files:\n{out}");
    assert!(out.contains("files were modified by this hook"), "{out}");
    let fixed = std::fs::read_to_string(repo.join("Dockerfile")).expect("read");
    assert_eq!(fixed, "FROM node:8 AS builder\nRUN echo hi\n");
    sb.ok("git", &repo, &["add", "."]);
    let (ok, out) = sb.commit(&repo, "fixed");
    assert!(ok, "{out}");
    assert!(out.contains("Passed"), "{out}");
}
