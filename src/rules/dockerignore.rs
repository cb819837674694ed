//! BP008 `dockerignore`: a local build context without a `.dockerignore`
//! (nor a `<Dockerfile>.dockerignore` next to the Dockerfile), for a build
//! that copies from the context.
//!
//! Dockerfiles (stand-alone or built by a bake target) are checked with the
//! context the build uses; `dockerfile-inline` targets are checked on the
//! bake side, where the fix (a new file) can be offered.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, InstructionKind};
use crate::rules::bake_targets;
use crate::rules::stages::effective;

use crate::rules::{BakeContext, CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP008",
    name: "dockerignore",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A local build context without a .dockerignore",
    doc: include_str!("../../rules/BP008.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::DockerfileAndBake(check_dockerfile, check_bake),
};

const DOCKERIGNORE: &str = ".dockerignore";

/// Always ignored: version control metadata.
const ALWAYS: &[&str] = &[".git"];

/// Files or directories at the root of the context that say which language
/// is there, and what that language's tooling leaves behind.
const LANGUAGES: &[(&[&str], &[&str])] = &[
    (
        &["package.json", "node_modules"],
        &["node_modules", "npm-debug.log*", "yarn-error.log*"],
    ),
    (
        &[
            "pyproject.toml",
            "requirements.txt",
            "setup.py",
            "setup.cfg",
            "Pipfile",
            "poetry.lock",
            "manage.py",
            "requirements",
        ],
        &[
            "__pycache__",
            "*.pyc",
            ".venv",
            ".pytest_cache",
            ".mypy_cache",
            "dist/",
            "*.egg-info",
        ],
    ),
    (&["Cargo.toml"], &["target/"]),
    (&["pom.xml"], &["target/"]),
    (
        &["build.gradle", "build.gradle.kts"],
        &[".gradle", "build/"],
    ),
    (&["Gemfile"], &[".bundle", "vendor/bundle", "log/", "tmp/"]),
    (&["composer.json"], &["vendor/"]),
    (&["go.mod"], &["bin/"]),
];

/// Where the context's ignore file would be, and whether one applies.
fn has_ignore_file(
    context: &Path,
    dockerfile: Option<&Path>,
    exists: &dyn Fn(&Path) -> bool,
) -> bool {
    if exists(&context.join(DOCKERIGNORE)) {
        return true;
    }
    dockerfile.is_some_and(|df| {
        let Some(name) = df.file_name() else {
            return false;
        };
        let mut specific = name.to_os_string();
        specific.push(DOCKERIGNORE);
        exists(&df.with_file_name(specific))
    })
}

/// The first `COPY`/`ADD` (ONBUILD included) that reads from the build
/// context: no `--from`, a source that is neither a URL nor a heredoc.
/// Returns the span of its sources.
fn first_context_copy(df: &Dockerfile) -> Option<Span> {
    for (_, ins) in df.instructions() {
        let ins = effective(ins);
        let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &ins.kind else {
            continue;
        };
        if ins.flag("from").is_some() {
            continue;
        }
        let local: Vec<Span> = c
            .sources
            .iter()
            .filter(|s| {
                let v = s.value.as_str();
                !(v.starts_with("<<") || v.contains("://") || v.starts_with("git@"))
            })
            .map(|s| s.span)
            .collect();
        if let (Some(first), Some(last)) = (local.first(), local.last()) {
            return Some(first.cover(*last));
        }
    }
    None
}

/// The directories whose files say which languages a context holds: its
/// root and the directories directly under it (`app/`, `services/api/`...).
fn marker_dirs(context: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![context.to_path_buf()];
    if let Ok(read) = std::fs::read_dir(context) {
        let mut children: Vec<PathBuf> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| !n.starts_with('.') && !SKIPPED_DIRS.contains(&n))
            })
            .collect();
        children.sort();
        // A context with hundreds of directories (a monorepo root) would
        // cost a directory read each: the first few tell the languages.
        children.truncate(MAX_MARKER_DIRS);
        dirs.extend(children);
    }
    dirs
}

/// How many subdirectories are searched for language markers.
const MAX_MARKER_DIRS: usize = 32;

/// Directories not searched for language markers (dependencies, output).
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor", "dist", "build"];

/// The `.dockerignore` for a context: `.git` plus what fits the languages
/// found at its root or one directory down.
pub fn ignore_content(context: &Path) -> String {
    let mut entries: Vec<&str> = ALWAYS.to_vec();
    // One directory read per searched directory, then name lookups.
    let names: std::collections::HashSet<String> = marker_dirs(context)
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|read| {
            read.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    for (markers, ignores) in LANGUAGES {
        if markers.iter().any(|m| names.contains(*m)) {
            for entry in *ignores {
                if !entries.contains(entry) {
                    entries.push(entry);
                }
            }
        }
    }
    let mut out = entries.join("\n");
    out.push('\n');
    out
}

fn message(context: &Path) -> String {
    let normal = crate::workspace::normalize(context);
    let shown = if normal.as_os_str().is_empty() {
        ".".to_string()
    } else {
        normal.display().to_string()
    };
    format!(
        "build context \"{shown}\" has no .dockerignore: the whole tree, .git included, is sent to the builder"
    )
}

const HELP: &str = "add a .dockerignore listing .git and the dependency and build directories: \
                    the context uploads in seconds instead of minutes, and a commit that changes \
                    nothing the image uses no longer invalidates `COPY . .` and every layer (and \
                    dependency install) after it";

fn create_fix(context: &Path) -> Fix {
    // One spelling per file, so two findings never create it twice.
    let file = crate::workspace::normalize(context).join(DOCKERIGNORE);
    Fix::unsafe_(
        format!("create {}", file.display()),
        vec![Edit::Create {
            file,
            content: ignore_content(context),
        }],
    )
}

/// Whether `path` is a bake file (the Dockerfile is a `dockerfile-inline`).
fn is_bake_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("hcl") || e.eq_ignore_ascii_case("json"))
}

fn check_dockerfile(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // In a bake project, a Dockerfile no target builds has no known context
    // (its directory is a guess, often wrong: the example's Dockerfiles live
    // in deployment/docker but build with the repository root as context).
    if is_bake_file(ctx.path) || ctx.build.unbuilt_in_bake_project() {
        return;
    }
    let context: PathBuf = match &ctx.build.context {
        Some(c) => c.clone(),
        None => ctx.path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let dir = if context.as_os_str().is_empty() {
        Path::new(".")
    } else {
        context.as_path()
    };
    if !dir.is_dir() || has_ignore_file(dir, Some(ctx.path), &|p| ctx.file_exists(p)) {
        return;
    }
    let Some(span) = first_context_copy(ctx.dockerfile) else {
        return;
    };
    out.push(
        ctx.diagnostic(span, message(&context))
            .with_help(HELP)
            .with_fix(create_fix(&context)),
    );
}

fn check_bake(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    for target in bake_targets::concrete_targets(ctx.project) {
        let Some(inline) = target.attr("dockerfile-inline") else {
            continue;
        };
        let Some(content) = inline.as_str() else {
            continue;
        };
        let Some(context) = target.context_path() else {
            continue;
        };
        let dir = if context.as_os_str().is_empty() {
            Path::new(".")
        } else {
            context.as_path()
        };
        if !dir.is_dir() || has_ignore_file(dir, None, &|p| ctx.file_exists(p)) {
            continue;
        }
        if first_context_copy(&crate::dockerfile::parse(content)).is_none() {
            continue;
        }
        let at = target.attr("context").unwrap_or(inline);
        if at.origin.is_override() {
            continue;
        }
        out.push(
            ctx.diagnostic(
                &at.origin.file,
                at.origin.span,
                format!("target \"{}\": {}", target.name, message(&context)),
            )
            .with_help(HELP)
            .with_fix(create_fix(&context)),
        );
    }
}
