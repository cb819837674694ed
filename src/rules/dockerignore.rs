//! BP008 `dockerignore`: a local build context without a `.dockerignore`
//! (nor a `<Dockerfile>.dockerignore` next to the Dockerfile), for a build
//! that reads the whole context or a directory of it.
//!
//! BuildKit sends only the paths a build reads: `COPY go.mod go.sum ./`
//! sends two files, never `.git` or the tree, so only broad reads count
//! (`COPY . .`, a directory, `dir/*`, a context bind mount), in the stages
//! the build runs. Only Dockerfiles a bake target builds have a known
//! context, so the check runs on the bake definition: one finding per
//! context (one missing file, one fix), at the first build that reads it,
//! the other Dockerfiles building from it as related locations.

use std::path::{Path, PathBuf};

use crate::image_path::context_relative;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Spanned};
use crate::rules::bake_targets;
use crate::rules::stages::stages_built_for;

use crate::bake::Target;
use crate::rules::{BakeContext, BuildInfo, CheckFn, RuleDef, RuleScope};
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
    check: CheckFn::Bake(check_bake),
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

/// How much of the build context an instruction reads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContextRead {
    /// The whole context (`COPY . .`, `COPY * /app/`, a bind mount of the root).
    Whole,
    /// Everything under one directory of it (`COPY src/ /app/src`).
    Directory(String),
}

/// An instruction that reads the context broadly, and where it does.
#[derive(Debug)]
struct BroadRead {
    span: Span,
    read: ContextRead,
}

/// Characters that make a `COPY` source a pattern.
const GLOB_CHARS: &[char] = &['*', '?', '['];

/// Whether a source is remote or inline (a URL, a git address, a heredoc).
fn is_remote_or_inline(source: &str) -> bool {
    source.starts_with("<<") || source.contains("://") || source.starts_with("git@")
}

/// What a `COPY`/`ADD`/bind-mount source reads from the context: `None`
/// for named files (BuildKit then sends only those, never `.git` or the
/// tree) and for sources bakelint cannot tell apart from files (a
/// variable, a path missing from disk without a trailing `/`).
fn classify_source(source: &str, context: &Path) -> Option<ContextRead> {
    if is_remote_or_inline(source) {
        return None;
    }
    let path = context_relative(source);
    if path.is_empty() {
        return Some(ContextRead::Whole);
    }
    // A variable may name anything (`${APP}/*` is no directory we know).
    if path.contains('$') {
        return None;
    }
    if path.contains(GLOB_CHARS) {
        // `dir/*` reads every entry of `dir`; `app-*.jar`, `package*.json`
        // name files by pattern.
        let (parent, last) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if last != "*" || parent.contains(GLOB_CHARS) {
            return None;
        }
        return Some(if parent.is_empty() {
            ContextRead::Whole
        } else {
            ContextRead::Directory(parent.to_string())
        });
    }
    let directory = source.ends_with('/') || context.join(&path).is_dir();
    directory.then_some(ContextRead::Directory(path))
}

/// The context sources of a `COPY`/`ADD` without `--from`.
fn copy_sources(ins: &Instruction) -> Vec<&Spanned<String>> {
    let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &ins.kind else {
        return Vec::new();
    };
    if ins.flag("from").is_some() {
        return Vec::new();
    }
    c.sources
        .iter()
        .filter(|s| !is_remote_or_inline(&s.value))
        .collect()
}

/// The instructions a build runs: those of the built stages (all stages
/// when the target stage is unknown), never `ONBUILD` triggers (they read
/// the context of a later build).
fn built_instructions<'a>(df: &'a Dockerfile, build: &BuildInfo) -> Vec<&'a Instruction> {
    let built = stages_built_for(df, build);
    df.stages()
        .iter()
        .filter(|s| built.as_ref().is_none_or(|b| b.contains(&s.index)))
        .flat_map(|s| {
            s.instruction_nodes
                .iter()
                .filter_map(|&i| df.instruction(i))
        })
        .collect()
}

/// Whether an instruction reads the whole build context or a directory of
/// it (`COPY . .`, `COPY src/ /src`, `dir/*`, a context bind mount):
/// what an application build does, unlike copying named files (an
/// entrypoint, a config). `context` is where directories are looked up.
pub fn reads_context_broadly(ins: &Instruction, context: &Path) -> bool {
    broad_context_read(&[ins], context).is_some()
}

/// The first instruction that reads the whole context, else the first
/// that reads a directory of it.
fn broad_context_read(instructions: &[&Instruction], context: &Path) -> Option<BroadRead> {
    let mut directory: Option<BroadRead> = None;
    for ins in instructions {
        let mut reads: Vec<(Span, ContextRead)> = copy_sources(ins)
            .into_iter()
            .filter_map(|s| Some((s.span, classify_source(&s.value, context)?)))
            .collect();
        for bind in ins.context_binds() {
            if let Some(read) = classify_source(&bind.source, context) {
                reads.push((bind.span, read));
            }
        }
        for (span, read) in reads {
            if read == ContextRead::Whole {
                return Some(BroadRead { span, read });
            }
            directory.get_or_insert(BroadRead { span, read });
        }
    }
    directory
}

/// Every context path the build copies or mounts, normalised (for keeping
/// the fix from ignoring what the build needs).
fn read_paths(instructions: &[&Instruction]) -> Vec<String> {
    let mut out = Vec::new();
    for ins in instructions {
        out.extend(copy_sources(ins).iter().map(|s| context_relative(&s.value)));
        out.extend(
            ins.context_binds()
                .iter()
                .map(|b| context_relative(&b.source)),
        );
    }
    out
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

/// The `.dockerignore` entries for a context: `.git` plus what fits the languages
/// found at its root or one directory down, less the entries that would
/// hide a path the build reads (`read`: context-relative paths it copies
/// or mounts, such as `dist/app.whl`).
fn ignore_entries(context: &Path, read: &[String]) -> Vec<&'static str> {
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
                if !entries.contains(entry) && !hides_a_read_path(entry, read) {
                    entries.push(entry);
                }
            }
        }
    }
    entries
}

/// Whether an ignore entry naming a path (`dist/`, `vendor/bundle`) covers
/// a path the build reads. Patterns (`*.pyc`) are left as they are.
fn hides_a_read_path(entry: &str, read: &[String]) -> bool {
    let dir = entry.trim_end_matches('/');
    !dir.contains(GLOB_CHARS)
        && read.iter().any(|path| {
            path == dir
                || path
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// The context as the message shows it (`.` for the working directory).
fn shown_context(context: &Path) -> String {
    let normal = crate::workspace::normalize(context);
    if normal.as_os_str().is_empty() {
        ".".to_string()
    } else {
        normal.display().to_string()
    }
}

/// Whether the context holds the repository's `.git`: it has one, or,
/// outside any repository bakelint can see (a copy, a tarball), it is the
/// bake base: the directory `docker buildx bake` runs in, the repository
/// root of a checkout. Not the working directory: the finding must not
/// depend on where bakelint runs from.
fn holds_git(context: &Path, bake_base: Option<&Path>) -> bool {
    let absolute = |p: &Path| {
        crate::workspace::normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
    };
    let context = absolute(context);
    if context.join(".git").exists() {
        return true;
    }
    if context.ancestors().skip(1).any(|a| a.join(".git").exists()) {
        return false;
    }
    bake_base.is_some_and(|base| absolute(base) == context)
}

fn message(context: &Path, read: &ContextRead, git: bool) -> String {
    let shown = shown_context(context);
    match read {
        ContextRead::Whole if git => format!(
            "build context \"{shown}\" has no .dockerignore: the whole tree, .git included, is sent to the builder"
        ),
        ContextRead::Whole => format!(
            "build context \"{shown}\" has no .dockerignore: the whole tree is sent to the builder"
        ),
        ContextRead::Directory(dir) => format!(
            "build context \"{shown}\" has no .dockerignore: everything under `{dir}/` is sent to the builder"
        ),
    }
}

const HELP: &str = "add a .dockerignore listing .git and the dependency and build directories.\n\
                    The context then uploads in seconds instead of minutes, and a commit that \
                    changes nothing the image uses no longer invalidates `COPY . .` and every \
                    layer after it.";

const DIRECTORY_HELP: &str = "add a .dockerignore listing the dependency and build directories \
                              (node_modules, caches, build output).\n\
                              What the image does not need is then neither uploaded nor able to \
                              invalidate this layer and every layer after it.";

fn help(read: &ContextRead) -> &'static str {
    match read {
        ContextRead::Whole => HELP,
        ContextRead::Directory(_) => DIRECTORY_HELP,
    }
}

fn create_fix(context: &Path, content: String) -> Fix {
    // One spelling per file, so two findings never create it twice.
    let file = crate::workspace::normalize(context).join(DOCKERIGNORE);
    Fix::unsafe_(
        format!("create {}", file.display()),
        vec![Edit::Create { file, content }],
    )
}

/// The context directory to look in (`.` for the working directory).
fn context_dir(context: &Path) -> &Path {
    if context.as_os_str().is_empty() {
        Path::new(".")
    } else {
        context
    }
}

/// Whether anything is at `path`: an ignore file that is a FIFO, a device
/// or a dangling link is not missing (reading it is BuildKit's error, and
/// creating one there would fail).
fn is_present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// One build that reads a context broadly: where it is reported and what
/// its build runs.
struct ContextUse<'a> {
    file: PathBuf,
    span: Span,
    /// `Some(target)` for a `dockerfile-inline` target (reported on the bake file).
    inline_target: Option<&'a str>,
    broad: BroadRead,
    instructions: Vec<&'a Instruction>,
}

/// The builds of one context directory.
struct ContextGroup<'a> {
    dir: PathBuf,
    context: PathBuf,
    bake_base: PathBuf,
    uses: Vec<ContextUse<'a>>,
}

/// One finding per context, however many Dockerfiles build from it (the
/// fix is one file): at the first build that reads it broadly, the others
/// as related locations. The `.dockerignore` it writes keeps every path any
/// of those builds copies.
fn check_bake(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let targets: Vec<&Target> = bake_targets::concrete_targets(ctx.project).collect();
    let inline: Vec<Option<Dockerfile>> = targets
        .iter()
        .map(|t| {
            let text = t.attr("dockerfile-inline")?.as_str()?;
            Some(crate::dockerfile::parse(text))
        })
        .collect();
    let mut groups: Vec<ContextGroup<'_>> = Vec::new();
    for (target, inline) in targets.iter().zip(&inline) {
        let Some(context) = target.context_path() else {
            continue;
        };
        let dir = crate::workspace::normalize(context_dir(&context));
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let Some(found) = context_use(ctx, target, inline.as_ref(), &dir) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.dir == dir) {
            Some(group) => {
                if !group
                    .uses
                    .iter()
                    .any(|u| u.file == found.file && u.span == found.span)
                {
                    group.uses.push(found);
                }
            }
            None => groups.push(ContextGroup {
                dir,
                context,
                bake_base: target.cwd.clone(),
                uses: vec![found],
            }),
        }
    }
    for group in groups {
        if let Some(diag) = group_finding(ctx, &group) {
            out.push(diag);
        }
    }
}

/// What `target` reads of its context `dir`, unless an ignore file covers
/// it, its Dockerfile suppresses BP008 there, or it reads no directory.
fn context_use<'a>(
    ctx: &'a BakeContext<'_>,
    target: &'a Target,
    inline: Option<&'a Dockerfile>,
    dir: &Path,
) -> Option<ContextUse<'a>> {
    if !dir.is_dir() {
        return None;
    }
    let exists = |p: &Path| ctx.file_exists(p) || is_present(p);
    let build = BuildInfo {
        target: target.target().map(str::to_string),
        args: target.args(),
        ..BuildInfo::default()
    };
    let (df, path) = match inline {
        Some(df) => (df, None),
        None => {
            let path = target.dockerfile()?;
            (ctx.dockerfile(&path)?, Some(path))
        }
    };
    if has_ignore_file(dir, path.as_deref(), &exists) {
        return None;
    }
    let instructions = built_instructions(df, &build);
    let broad = broad_context_read(&instructions, dir)?;
    let (file, span, inline_target) = match path {
        Some(path) => {
            // The workspace applies only the bake files' suppression
            // comments to bake findings: honour the Dockerfile's own.
            let probe = ctx.diagnostic(&path, broad.span, "");
            if crate::suppress::Suppressions::from_dockerfile(df).is_suppressed(&probe) {
                return None;
            }
            (path, broad.span, None)
        }
        None => {
            let at = target
                .attr("context")
                .or_else(|| target.attr("dockerfile-inline"))?;
            if at.origin.is_override() {
                return None;
            }
            (
                at.origin.file.clone(),
                at.origin.span,
                Some(target.name.as_str()),
            )
        }
    };
    Some(ContextUse {
        file,
        span,
        inline_target,
        broad,
        instructions,
    })
}

/// The finding of one context, if its `.dockerignore` would exclude anything.
fn group_finding(ctx: &BakeContext<'_>, group: &ContextGroup<'_>) -> Option<Diagnostic> {
    let instructions: Vec<&Instruction> = group
        .uses
        .iter()
        .flat_map(|u| u.instructions.iter().copied())
        .collect();
    let entries = ignore_entries(&group.dir, &read_paths(&instructions));
    let git = holds_git(&group.context, Some(&group.bake_base));
    let primary = group
        .uses
        .iter()
        .find(|u| u.broad.read == ContextRead::Whole)
        .or(group.uses.first())?;
    let sends_git = primary.broad.read == ContextRead::Whole && git;
    if !sends_git && entries.len() <= ALWAYS.len() {
        return None;
    }
    // Named as the project names it (relative to where bake runs), so the
    // CLI and the editor word it the same.
    let normal = |p: &Path| crate::workspace::normalize(p);
    let shown = normal(&group.context);
    let shown = shown
        .strip_prefix(normal(&group.bake_base))
        .map(Path::to_path_buf)
        .unwrap_or(shown);
    let mut message = message(&shown, &primary.broad.read, git);
    if let Some(name) = primary.inline_target {
        message = format!("target \"{name}\": {message}");
    }
    let mut diag = ctx
        .diagnostic(&primary.file, primary.span, message)
        .with_help(help(&primary.broad.read))
        .with_fix(create_fix(
            &group.context,
            format!("{}\n", entries.join("\n")),
        ));
    for other in group.uses.iter().filter(|u| !std::ptr::eq(*u, primary)) {
        diag = diag.with_file_label(other.file.clone(), other.span, "the same context");
    }
    Some(diag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_by_what_they_read() {
        let none = Path::new("/nonexistent-context");
        let whole = Some(ContextRead::Whole);
        let dir = |d: &str| Some(ContextRead::Directory(d.to_string()));
        for (source, read) in [
            (".", whole.clone()),
            ("./", whole.clone()),
            ("/", whole.clone()),
            ("..", whole.clone()),
            ("*", whole.clone()),
            ("./*", whole.clone()),
            ("src/", dir("src")),
            ("/configs/", dir("configs")),
            ("conf/*", dir("conf")),
            ("./a/b/../c/", dir("a/c")),
            ("../../jenkins-agent", None),
            ("entrypoint.sh", None),
            ("rootfs", None),
            ("package*.json", None),
            ("dist/*.whl", None),
            ("*/conf", None),
            ("${SRC}", None),
            ("${SRC}/", None),
            ("${APP}/*", None),
            ("https://example.com/x.tar.gz", None),
        ] {
            assert_eq!(classify_source(source, none), read, "{source}");
        }
    }

    #[test]
    fn ignore_entries_that_hide_read_paths_are_left_out() {
        let read = vec!["dist/app.whl".to_string(), "vendor".to_string()];
        assert!(hides_a_read_path("dist/", &read));
        assert!(hides_a_read_path("vendor/", &read));
        assert!(!hides_a_read_path("*.pyc", &read));
        assert!(!hides_a_read_path("distribution/", &read));
        assert!(!hides_a_read_path("node_modules", &read));
    }
}
