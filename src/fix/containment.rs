//! Where a fix may write: only inside the project root, decided once per run.
//!
//! A bake file from a pull request can point a target's `context` or
//! `dockerfile` anywhere (`/etc`, `../outside`, a symlink to another tree);
//! the fixes derived from it would then create or edit files there. Every fix
//! is checked here before `--fix`, `--diff` or an editor's code action may use
//! it, and every write is checked again just before it happens.
//!
//! The project root:
//! - `bakelint check [DIR...]`: each directory named (`.` when none is).
//! - Files named (`bakelint check FILE...`, as pre-commit and editors run it),
//!   `-f BAKEFILE`, standard input's `--stdin-filename`, and a document in
//!   the language server: the repository root of the file (the nearest
//!   directory above it holding `.git`); outside a repository, the working
//!   directory when the file lies inside it, else the file's own directory.
//!
//! A path is compared after resolving it: the part that exists through the
//! file system (symlinks and `..` included), the part a fix would create
//! lexically, where `..` is refused. Paths inside a `.git` directory are
//! refused too. When files are named, a fix may moreover change only those
//! files (see [`WriteScope::only_named`]).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Fix};

/// The directories fixes may write in (canonical paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectRoot {
    dirs: Vec<PathBuf>,
}

impl ProjectRoot {
    /// The root of a `check` run over `paths` (directories and files as named
    /// on the command line, relative to `cwd`); `.` when `paths` is empty.
    pub fn for_paths(paths: &[PathBuf], cwd: &Path) -> ProjectRoot {
        let mut dirs = Vec::new();
        // A file's root depends only on its directory (files named by the
        // hundred mostly share one).
        let mut file_roots: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        for path in paths {
            let absolute = cwd.join(path);
            let dir = if absolute.is_dir() {
                absolute.canonicalize().ok()
            } else {
                let parent = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
                file_roots
                    .entry(parent)
                    .or_insert_with(|| root_of_file(&absolute, cwd))
                    .clone()
            };
            dirs.extend(dir);
        }
        if paths.is_empty() {
            dirs.extend(cwd.canonicalize().ok());
        }
        let mut root = ProjectRoot { dirs };
        root.simplify();
        root
    }

    /// The root for one file (a named file, a language-server document).
    pub fn for_file(file: &Path, cwd: &Path) -> ProjectRoot {
        ProjectRoot {
            dirs: root_of_file(&cwd.join(file), cwd).into_iter().collect(),
        }
    }

    /// The root directories, canonical.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Whether a resolved (canonical) path lies inside the root.
    pub fn contains(&self, resolved: &Path) -> bool {
        self.dirs.iter().any(|d| resolved.starts_with(d))
    }

    /// Sorted, without directories inside another root directory.
    fn simplify(&mut self) {
        self.dirs.sort();
        self.dirs.dedup();
        let all = self.dirs.clone();
        self.dirs
            .retain(|d| !all.iter().any(|o| o != d && d.starts_with(o)));
    }

    /// The root for messages: its directories, comma-separated.
    fn shown(&self) -> String {
        if self.dirs.is_empty() {
            return "(none: no directory could be resolved)".to_string();
        }
        self.dirs
            .iter()
            .map(|d| format!("`{}`", d.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The repository root above `file`, else `cwd` when it holds the file,
/// else the file's directory.
fn root_of_file(file: &Path, cwd: &Path) -> Option<PathBuf> {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = parent.canonicalize().ok()?;
    if let Some(repo) = dir.ancestors().find(|d| d.join(".git").exists()) {
        return Some(repo.to_path_buf());
    }
    match cwd.canonicalize() {
        Ok(cwd) if dir.starts_with(&cwd) => Some(cwd),
        _ => Some(dir),
    }
}

/// Why a fix may not write a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The path resolves outside the project root.
    Outside { path: PathBuf, root: String },
    /// The path resolves inside a `.git` directory.
    GitDir { path: PathBuf },
    /// The path cannot be resolved (a dangling symlink, `..` below a
    /// directory that does not exist).
    Unresolvable { path: PathBuf, reason: String },
    /// Files were named on the command line and this is not one of them.
    NotNamed { path: PathBuf },
}

impl Refusal {
    /// Why, in a few words (for write errors and help lines).
    pub fn reason(&self) -> String {
        match self {
            Refusal::Outside { path, root } => format!(
                "it would write `{}`, outside the project root {root}",
                path.display()
            ),
            Refusal::GitDir { path } => format!(
                "it would write `{}`, inside a `.git` directory",
                path.display()
            ),
            Refusal::Unresolvable { path, reason } => {
                format!("`{}` cannot be resolved ({reason})", path.display())
            }
            Refusal::NotNamed { path } => format!(
                "it would also change `{}`, which is not named on the command line",
                path.display()
            ),
        }
    }

    /// The help line a finding gets when its fix is withheld.
    pub fn help(&self) -> String {
        match self {
            Refusal::NotNamed { .. } => format!(
                "the fix is held back: {} (run `bakelint check --fix` on the directory to apply it)",
                self.reason()
            ),
            _ => format!("the fix is not applied: {}", self.reason()),
        }
    }

    /// What fixes withheld for this kind of reason would do, for a count
    /// ("2 fixes not applied: they …").
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Outside { .. } => "would write outside the project root",
            Refusal::GitDir { .. } => "would write inside a `.git` directory",
            Refusal::Unresolvable { .. } => "would write to a path that cannot be resolved",
            Refusal::NotNamed { .. } => "would also change files not named on the command line",
        }
    }

    /// Whether only the named-files restriction withholds the fix.
    pub fn is_not_named(&self) -> bool {
        matches!(self, Refusal::NotNamed { .. })
    }
}

/// A fix `confine` turned display-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    pub code: &'static str,
    pub file: PathBuf,
    /// The fix's applicability before it was withheld.
    pub applicability: Applicability,
    pub refusal: Refusal,
}

/// Where each path a fix writes resolves to, or why it may not be written;
/// and the canonical form of each directory seen (see [`resolve_in_dirs`]).
#[derive(Default)]
struct Verdicts {
    paths: HashMap<PathBuf, Result<PathBuf, Refusal>>,
    dirs: HashMap<PathBuf, Option<PathBuf>>,
    /// The path asked about last and its verdict: fixes come file by file,
    /// and comparing a path is cheaper than hashing it.
    last: Option<(PathBuf, Result<PathBuf, Refusal>)>,
}

impl Verdicts {
    /// Where `path` resolves to, or why it may not be written, worked out
    /// by `check` the first time it is asked about.
    fn verdict(
        &mut self,
        path: &Path,
        check: impl FnOnce(&Path, &mut HashMap<PathBuf, Option<PathBuf>>) -> Result<PathBuf, Refusal>,
    ) -> Result<PathBuf, Refusal> {
        if let Some((last, verdict)) = &self.last {
            if last == path {
                return verdict.clone();
            }
        }
        let verdict = match self.paths.get(path) {
            Some(verdict) => verdict.clone(),
            None => {
                let verdict = check(path, &mut self.dirs);
                self.paths.insert(path.to_path_buf(), verdict.clone());
                verdict
            }
        };
        self.last = Some((path.to_path_buf(), verdict.clone()));
        verdict
    }
}

/// The project root plus the working directory relative paths resolve
/// against, and (when files are named) the only files fixes may change.
#[derive(Debug, Clone)]
pub struct WriteScope {
    root: ProjectRoot,
    cwd: PathBuf,
    /// Resolved paths of the files named on the command line.
    named: Option<HashSet<PathBuf>>,
}

impl WriteScope {
    pub fn new(root: ProjectRoot, cwd: &Path) -> WriteScope {
        WriteScope {
            root,
            cwd: cwd.to_path_buf(),
            named: None,
        }
    }

    /// Fixes may change only `files` (those named on the command line): a
    /// fix that also edits or creates another file is held back.
    pub fn only_named(mut self, files: &[PathBuf]) -> WriteScope {
        let mut dirs: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let named = files
            .iter()
            .map(|f| {
                let absolute = self.cwd.join(f);
                resolve_in_dirs(&absolute, &mut dirs).unwrap_or(absolute)
            })
            .collect();
        self.named = Some(named);
        self
    }

    pub fn root(&self) -> &ProjectRoot {
        &self.root
    }

    /// Where a write of `path` lands (the canonical file behind symlinks),
    /// or why it may not happen. The named-files restriction is not checked
    /// here: see [`WriteScope::check_fix`].
    pub fn check_write(&self, path: &Path) -> Result<PathBuf, Refusal> {
        self.check_write_in(path, &mut HashMap::new())
    }

    /// [`Self::check_write`], with canonical directories kept in `dirs`.
    fn check_write_in(
        &self,
        path: &Path,
        dirs: &mut HashMap<PathBuf, Option<PathBuf>>,
    ) -> Result<PathBuf, Refusal> {
        let absolute = self.cwd.join(path);
        let resolved =
            resolve_in_dirs(&absolute, dirs).map_err(|reason| Refusal::Unresolvable {
                path: path.to_path_buf(),
                reason,
            })?;
        if !self.root.contains(&resolved) {
            return Err(Refusal::Outside {
                path: resolved,
                root: self.root.shown(),
            });
        }
        let inner = self
            .root
            .dirs
            .iter()
            .filter_map(|d| resolved.strip_prefix(d).ok())
            .min_by_key(|rest| rest.components().count());
        if inner.is_some_and(|rest| rest.components().any(|c| c.as_os_str() == ".git")) {
            return Err(Refusal::GitDir { path: resolved });
        }
        Ok(resolved)
    }

    /// Whether every edit of `fix` may be applied: inside the root and, when
    /// files are named, only to them. The first refusal wins.
    pub fn check_fix(&self, fix: &Fix) -> Result<(), Refusal> {
        self.check_fix_with(fix, &mut Verdicts::default())
    }

    /// [`Self::check_fix`], with the verdict on each path kept in `verdicts`:
    /// thousands of fixes to one file resolve its path once.
    fn check_fix_with(&self, fix: &Fix, verdicts: &mut Verdicts) -> Result<(), Refusal> {
        for edit in &fix.edits {
            let path = edit.file();
            let resolved = verdicts.verdict(path, |path, dirs| self.check_write_in(path, dirs))?;
            if let Some(named) = &self.named {
                if !named.contains(&resolved) {
                    return Err(Refusal::NotNamed { path: path.clone() });
                }
            }
        }
        Ok(())
    }

    /// Makes every fix that would write where it may not display-only, with
    /// a help line saying why; returns those fixes. Fixes that are already
    /// display-only are left alone, so confining twice changes nothing.
    pub fn confine(&self, diagnostics: &mut [Diagnostic]) -> Vec<Withheld> {
        let mut withheld = Vec::new();
        let mut verdicts = Verdicts::default();
        for d in diagnostics.iter_mut() {
            let Some(fix) = &mut d.fix else {
                continue;
            };
            if fix.applicability == Applicability::DisplayOnly {
                continue;
            }
            let Err(refusal) = self.check_fix_with(fix, &mut verdicts) else {
                continue;
            };
            withheld.push(Withheld {
                code: d.code,
                file: d.file.clone(),
                applicability: fix.applicability,
                refusal: refusal.clone(),
            });
            fix.applicability = Applicability::DisplayOnly;
            let line = refusal.help();
            d.help = Some(match d.help.take() {
                Some(help) if !help.is_empty() => format!("{help}\n{line}"),
                _ => line,
            });
        }
        withheld
    }
}

/// The canonical path `absolute` names: the longest existing prefix through
/// the file system, the rest (to be created) appended, where `..` and
/// symlinks cannot be resolved and are refused.
pub fn resolve(absolute: &Path) -> Result<PathBuf, String> {
    let mut existing = absolute;
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if std::fs::symlink_metadata(existing).is_ok() {
            break;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                match last {
                    Component::Normal(name) => rest.push(name),
                    Component::CurDir => {}
                    Component::ParentDir => {
                        return Err(format!(
                            "`..` below `{}`, which does not exist",
                            parent.display()
                        ))
                    }
                    Component::RootDir | Component::Prefix(_) => break,
                }
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = existing.canonicalize().map_err(|e| {
        if std::fs::symlink_metadata(existing).is_ok_and(|m| m.file_type().is_symlink()) {
            format!(
                "`{}` is a symbolic link that leads nowhere",
                existing.display()
            )
        } else {
            format!("`{}`: {e}", existing.display())
        }
    })?;
    for name in rest.iter().rev() {
        resolved.push(name);
    }
    Ok(resolved)
}

/// [`resolve`] for many files in few directories: an existing file that is
/// not a symbolic link resolves to its directory's canonical path (kept in
/// `dirs`) joined with its name, one `lstat` instead of a `readlink` per
/// component.
fn resolve_in_dirs(
    absolute: &Path,
    dirs: &mut HashMap<PathBuf, Option<PathBuf>>,
) -> Result<PathBuf, String> {
    if let (Some(parent), Some(Component::Normal(name))) =
        (absolute.parent(), absolute.components().next_back())
    {
        if std::fs::symlink_metadata(absolute).is_ok_and(|m| !m.file_type().is_symlink()) {
            let dir = dirs
                .entry(parent.to_path_buf())
                .or_insert_with(|| parent.canonicalize().ok());
            if let Some(dir) = dir {
                return Ok(dir.join(name));
            }
        }
    }
    resolve(absolute)
}

/// The lexical normal form of a path: `.` dropped, `name/..` folded; a
/// leading `..` stays (`../../a/./b/../c` → `../../a/c`).
pub fn lexical_normal(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(c),
            },
            other => parts.push(other),
        }
    }
    parts.iter().map(|c| c.as_os_str()).collect()
}

/// Two spellings of one file: same lexical normal form, or (for files that
/// exist) same device and inode.
pub fn same_file(a: &Path, b: &Path) -> bool {
    lexical_normal(a) == lexical_normal(b)
        || matches!((FileId::of(a), FileId::of(b)), (Some(x), Some(y)) if x == y)
}

/// A file's identity on disk: device and inode (the canonical path where
/// these are not available).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(IdRepr);

#[cfg(unix)]
type IdRepr = (u64, u64);
#[cfg(not(unix))]
type IdRepr = PathBuf;

impl FileId {
    /// The identity of the file `path` leads to (following symlinks).
    #[cfg(unix)]
    pub fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId((meta.dev(), meta.ino())))
    }

    #[cfg(not(unix))]
    pub fn of(path: &Path) -> Option<FileId> {
        path.canonicalize().ok().map(FileId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Severity};
    use crate::span::Span;

    fn canonical_tempdir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().canonicalize().expect("canonical");
        (dir, path)
    }

    fn scope_at(root: &Path) -> WriteScope {
        WriteScope::new(ProjectRoot::for_paths(&[PathBuf::from(".")], root), root)
    }

    #[test]
    fn lexical_normal_form_keeps_leading_parent_dirs() {
        for (path, normal) in [
            ("../../a/./b/../c", "../../a/c"),
            ("./web/Dockerfile", "web/Dockerfile"),
            ("a/../../b", "../b"),
            ("/../a", "/a"),
            (".", ""),
        ] {
            assert_eq!(lexical_normal(Path::new(path)), Path::new(normal), "{path}");
        }
    }

    #[test]
    fn paths_inside_resolve_and_pass() {
        let (_d, root) = canonical_tempdir();
        std::fs::create_dir(root.join("web")).expect("mkdir");
        std::fs::write(root.join("web/Dockerfile"), "FROM a\n").expect("write");
        let scope = scope_at(&root);
        assert_eq!(
            scope.check_write(Path::new("web/Dockerfile")),
            Ok(root.join("web/Dockerfile"))
        );
        assert_eq!(
            scope.check_write(Path::new("./web/../web/new/dir/Dockerfile")),
            Ok(root.join("web/new/dir/Dockerfile"))
        );
    }

    #[test]
    fn parent_dirs_absolute_paths_and_git_are_refused() {
        let (_d, base) = canonical_tempdir();
        let root = base.join("proj");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        std::fs::create_dir_all(base.join("outside")).expect("mkdir");
        let scope = scope_at(&root);
        let outside = |p: &str| {
            matches!(
                scope.check_write(Path::new(p)),
                Err(Refusal::Outside { .. })
            )
        };
        assert!(outside("../outside/.dockerignore"));
        assert!(outside(&base.join("outside/Dockerfile").to_string_lossy()));
        assert!(outside("../../../../../../../../etc/passwd"));
        assert!(matches!(
            scope.check_write(Path::new(".git/hooks/pre-commit")),
            Err(Refusal::GitDir { .. })
        ));
        assert!(matches!(
            scope.check_write(Path::new("missing/../../outside/x")),
            Err(Refusal::Unresolvable { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn verdicts_of_alternating_paths_stay_their_own() {
        let (_d, base) = canonical_tempdir();
        let root = base.join("proj");
        std::fs::create_dir_all(&root).expect("mkdir");
        let scope = scope_at(&root);
        let fix = |path: &str| Fix::safe("x", vec![Edit::insert(path, 0, "y")]);
        let mut verdicts = Verdicts::default();
        // Inside, outside, the same outside again, inside again: the cached
        // verdict of one path never answers for another.
        for (path, allowed) in [
            ("Dockerfile", true),
            ("../elsewhere", false),
            ("../elsewhere", false),
            ("Dockerfile", true),
            ("web/Dockerfile", true),
            ("../elsewhere", false),
        ] {
            let verdict = scope.check_fix_with(&fix(path), &mut verdicts);
            assert_eq!(verdict.is_ok(), allowed, "{path}");
            assert_eq!(verdict, scope.check_fix(&fix(path)), "{path}");
        }
    }

    #[test]
    fn symlinks_are_followed_before_the_check() {
        let (_d, base) = canonical_tempdir();
        let root = base.join("proj");
        std::fs::create_dir_all(root.join("real")).expect("mkdir");
        std::fs::create_dir_all(base.join("outside")).expect("mkdir");
        std::fs::write(root.join("real/Dockerfile"), "FROM a\n").expect("write");
        std::os::unix::fs::symlink(base.join("outside"), root.join("out")).expect("symlink");
        std::os::unix::fs::symlink("real/Dockerfile", root.join("Dockerfile")).expect("symlink");
        std::os::unix::fs::symlink("nowhere", root.join("dangling")).expect("symlink");
        let scope = scope_at(&root);
        assert_eq!(
            scope.check_write(Path::new("Dockerfile")),
            Ok(root.join("real/Dockerfile"))
        );
        assert!(matches!(
            scope.check_write(Path::new("out/.dockerignore")),
            Err(Refusal::Outside { .. })
        ));
        assert!(matches!(
            scope.check_write(Path::new("dangling")),
            Err(Refusal::Unresolvable { .. })
        ));
    }

    #[test]
    fn root_of_named_files_is_the_repository() {
        let (_d, base) = canonical_tempdir();
        std::fs::create_dir_all(base.join("repo/.git")).expect("mkdir");
        std::fs::create_dir_all(base.join("repo/svc")).expect("mkdir");
        std::fs::create_dir_all(base.join("plain/sub")).expect("mkdir");
        let repo = ProjectRoot::for_paths(&[PathBuf::from("svc/Dockerfile")], &base.join("repo"));
        assert_eq!(repo.dirs(), [base.join("repo")]);
        let plain = ProjectRoot::for_paths(&[PathBuf::from("sub/Dockerfile")], &base.join("plain"));
        assert_eq!(plain.dirs(), [base.join("plain")]);
        let elsewhere =
            ProjectRoot::for_file(&base.join("plain/sub/Dockerfile"), &base.join("repo"));
        assert_eq!(elsewhere.dirs(), [base.join("plain/sub")]);
        let dirs =
            ProjectRoot::for_paths(&[PathBuf::from("plain"), PathBuf::from("plain/sub")], &base);
        assert_eq!(dirs.dirs(), [base.join("plain")]);
    }

    #[test]
    fn confine_makes_outside_fixes_display_only_once() {
        let (_d, base) = canonical_tempdir();
        let root = base.join("proj");
        std::fs::create_dir_all(&root).expect("mkdir");
        let scope = scope_at(&root);
        let fix = Fix::unsafe_(
            "create .dockerignore",
            vec![Edit::Create {
                file: PathBuf::from("../elsewhere/.dockerignore"),
                content: ".git\n".into(),
            }],
        );
        let inside = Fix::safe("x", vec![Edit::insert("Dockerfile", 0, "# x\n")]);
        let diag = |fix: Fix| Diagnostic {
            code: "BP008",
            name: "dockerignore",
            severity: Severity::Warning,
            file: PathBuf::from("Dockerfile"),
            span: Span::new(0, 1),
            message: "m".into(),
            help: Some("add one".into()),
            labels: vec![],
            fix: Some(fix),
        };
        let mut diags = vec![diag(fix), diag(inside)];
        let withheld = scope.confine(&mut diags);
        assert_eq!(withheld.len(), 1);
        assert_eq!(withheld[0].applicability, Applicability::Unsafe);
        let fix = diags[0].fix.as_ref().expect("fix kept for display");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert_eq!(
            diags[0].help.as_deref(),
            Some(
                format!(
                    "add one\nthe fix is not applied: it would write `{}`, outside the project root `{}`",
                    base.join("elsewhere/.dockerignore").display(),
                    root.display()
                )
                .as_str()
            )
        );
        assert_eq!(
            diags[1].fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Safe)
        );
        let before = diags.clone();
        assert!(scope.confine(&mut diags).is_empty());
        assert_eq!(diags, before, "confining twice changes nothing");
    }

    #[test]
    fn named_files_hold_back_fixes_of_other_files() {
        let (_d, root) = canonical_tempdir();
        std::fs::write(root.join("Dockerfile"), "FROM a\n").expect("write");
        std::fs::write(root.join("requirements.txt"), "a\n").expect("write");
        let scope = scope_at(&root).only_named(&[PathBuf::from("./Dockerfile")]);
        let own = Fix::safe("x", vec![Edit::insert("Dockerfile", 0, "# x\n")]);
        assert_eq!(scope.check_fix(&own), Ok(()));
        let both = Fix::unsafe_(
            "move",
            vec![
                Edit::insert("Dockerfile", 0, "# x\n"),
                Edit::insert("requirements.txt", 2, "b\n"),
            ],
        );
        assert_eq!(
            scope.check_fix(&both),
            Err(Refusal::NotNamed {
                path: PathBuf::from("requirements.txt")
            })
        );
    }
}
