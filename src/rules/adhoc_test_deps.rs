//! BP012 `adhoc-test-deps`: `pip install name...` of named packages in a
//! stage that also installs a requirements file (`pip install -r
//! requirements/test.txt`). The named packages get their own layer and
//! whatever version PyPI serves that day; they belong in the file.
//!
//! The requirements file is the last `-r` file the stage installs, resolved
//! against the WORKDIR in effect and mapped back into the build context
//! through the COPY (or bind mount) that put it there. The fix (unsafe,
//! multi-file) appends the packages to that file and deletes the ad-hoc
//! installs. One fix covers every ad-hoc install of the stage: the appends
//! all go to the end of the same file, and a later fix round could not
//! read the file (it is then only in memory), so the stage is fixed at once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Stage};
use crate::image_path::{self, ancestors, context_join, context_relative};
use crate::rules::stage_walk::{stage_parents, walk_stages, work, CarriedState};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::files::{made_paths, working_dirs};
use crate::shell::{PackageManager, RunScript, ScriptOrigin, SimpleCommand, Word};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP012",
    name: "adhoc-test-deps",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Named packages pip-installed next to a requirements file instead of listed in it",
    doc: include_str!("../../rules/BP012.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::DockerfileAndWorkflow(check, workflow::check),
};

mod workflow;

/// Packaging and build tools, not dependencies of the project: `pip
/// install -U pip setuptools wheel` or `pip install maturin` before a
/// requirements install bootstraps it (a package there needs the tool to
/// build), it is no ad-hoc dependency.
const TOOLING: &[&str] = &[
    "pip",
    "setuptools",
    "wheel",
    "uv",
    "pip-tools",
    "build",
    "installer",
    "virtualenv",
    "pipenv",
    "pipx",
    "poetry",
    "poetry-core",
    "poetry-plugin-export",
    "pdm",
    "pdm-backend",
    "hatch",
    "hatchling",
    "flit",
    "flit-core",
    "maturin",
    "setuptools-rust",
    "setuptools-scm",
    "cython",
    "scikit-build",
    "scikit-build-core",
    "meson",
    "meson-python",
    "ninja",
    "cmake",
    "pybind11",
];

/// An install with this option builds its packages against what is already
/// installed: the named installs before it in the same RUN are its build
/// dependencies (`pip install "cython<3" && pip install pyyaml==5.4.1
/// --no-build-isolation`), and it is no plain install of names either.
const NO_BUILD_ISOLATION: &str = "--no-build-isolation";

/// Options whose value is a requirements file.
const REQUIREMENT_OPTIONS: &[&str] = &["-r", "--requirement"];

/// Options that make an install something other than "these names from
/// the default index into the environment": constraints pin it, editable
/// installs are local paths, another index or target directory would be
/// lost by moving the names into the requirements file.
const NOT_ADHOC_OPTIONS: &[&str] = &[
    "-c",
    "--constraint",
    "--override",
    "-e",
    "--editable",
    "--no-index",
    "-i",
    "--index-url",
    "--extra-index-url",
    "--index",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--no-deps",
    NO_BUILD_ISOLATION,
];

/// `uv pip install` options that take a value (`-r` and the
/// [`NOT_ADHOC_OPTIONS`] ones are handled too).
const UV_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "--override",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "--index",
    "--default-index",
    "-f",
    "--find-links",
    "-p",
    "--python",
    "--target",
    "--prefix",
    "--index-strategy",
    "--keyring-provider",
    "-P",
    "--upgrade-package",
    "--reinstall-package",
    "--no-binary",
    "--only-binary",
    "-C",
    "--config-settings",
    "--resolution",
    "--prerelease",
    "--exclude-newer",
    "--link-mode",
    "--python-platform",
    "--python-version",
    "--no-build-package",
    "--extra",
    "--group",
    "--cache-dir",
    "--directory",
    "--project",
    "--config-file",
    "--color",
];

/// One `pip install` / `python -m pip install` / `uv pip install`.
struct PipInstall<'a> {
    command: &'a SimpleCommand,
    /// The command's index in the script.
    index: usize,
    /// `--no-build-isolation` is given.
    no_build_isolation: bool,
    /// Package arguments, in order.
    packages: Vec<Word>,
    /// `-r` files, in order.
    requirement_files: Vec<Word>,
    /// An option of [`NOT_ADHOC_OPTIONS`] is given: not a plain install of names.
    special: bool,
}

/// The pip installs of a script, in order.
fn pip_installs(script: &RunScript) -> Vec<PipInstall<'_>> {
    let mut found: Vec<PipInstall> = Vec::new();
    for install in script.installs_of(|m| m == PackageManager::Pip) {
        if install.subcommand_str() != Some("install") {
            continue;
        }
        let mut pip = PipInstall {
            command: install.command,
            index: install.command_index,
            no_build_isolation: false,
            packages: install.packages.iter().cloned().collect(),
            requirement_files: Vec::new(),
            special: false,
        };
        for flag in &install.flags {
            let Some(text) = flag.flag.as_str() else {
                continue;
            };
            classify_option(&mut pip, flag.flag, text, flag.value);
        }
        found.push(pip);
    }
    for (index, command) in script.commands().iter().enumerate() {
        if let Some(pip) = uv_pip_install(command, index) {
            found.push(pip);
        }
    }
    found.sort_by_key(|p| p.command.span.start);
    found
}

/// Records what option `text` (the word `word`, value `value`) means for the install.
fn classify_option(pip: &mut PipInstall, word: &Word, text: &str, value: Option<&Word>) {
    let (name, inline) = match text.find('=') {
        Some(eq) if text.starts_with("--") => (&text[..eq], Some(eq + 1)),
        // `-rfile`: a short option with its value attached.
        _ if text.len() > 2 && !text.starts_with("--") && text.is_char_boundary(2) => {
            (&text[..2], Some(2))
        }
        _ => (text, None),
    };
    if REQUIREMENT_OPTIONS.contains(&name) {
        let file = match inline {
            Some(at) => sub_word(word, at),
            None => value.cloned(),
        };
        if let Some(file) = file {
            pip.requirement_files.push(file);
        }
    } else if NOT_ADHOC_OPTIONS.contains(&name) {
        pip.special = true;
        pip.no_build_isolation |= name == NO_BUILD_ISOLATION;
    }
}

/// The value part of `--opt=value` / `-rvalue` (span exact only for plain words).
fn sub_word(word: &Word, at: usize) -> Option<Word> {
    let value = word.as_str()?.get(at..)?;
    let plain = word.as_str() == Some(word.raw.as_str());
    let span = if plain && word.raw.len() == word.span.len() {
        Span::new(word.span.start + at, word.span.end)
    } else {
        word.span
    };
    Some(Word::with_value(
        value.to_string(),
        Some(value.to_string()),
        span,
    ))
}

/// `uv pip install ...` (the pip interface of uv).
fn uv_pip_install(command: &SimpleCommand, index: usize) -> Option<PipInstall<'_>> {
    let (program, args) = command.effective()?;
    if crate::shell::command_basename(program)? != "uv" {
        return None;
    }
    if !(args.first()?.is("pip") && args.get(1)?.is("install")) {
        return None;
    }
    let mut pip = PipInstall {
        command,
        index,
        no_build_isolation: false,
        packages: Vec::new(),
        requirement_files: Vec::new(),
        special: false,
    };
    let mut i = 2;
    while let Some(word) = args.get(i) {
        i += 1;
        let text = word.as_str().unwrap_or("");
        if !(text.starts_with('-') && text.len() > 1) {
            pip.packages.push(word.clone());
            continue;
        }
        let value = if UV_VALUE_OPTIONS.contains(&text) {
            i += 1;
            args.get(i - 1)
        } else {
            None
        };
        classify_option(&mut pip, word, text, value);
    }
    Some(pip)
}

/// Whether a package argument names a package from the index (`name`,
/// `name==1.2`, `Name[extra]>=1,<2`), not a path, URL or direct reference.
fn is_named_requirement(text: &str) -> bool {
    let name_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let name = &text[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return false;
    }
    let mut rest = &text[name_len..];
    if let Some(extras) = rest.strip_prefix('[') {
        let Some(close) = extras.find(']') else {
            return false;
        };
        let list = &extras[..close];
        if !list
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ',' | ' '))
        {
            return false;
        }
        rest = &extras[close + 1..];
    }
    if rest.is_empty() {
        // `pkg.whl`, `pkg.tar.gz`, `pkg.zip` are local files.
        return ![".whl", ".gz", ".zip", ".bz2", ".tgz"]
            .iter()
            .any(|ext| name.ends_with(ext));
    }
    rest.starts_with(['=', '<', '>', '!', '~'])
        && rest.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '=' | '<' | '>' | '!' | '~' | '.' | '*' | '+' | ',' | '-' | '_'
                )
        })
}

/// The PEP 503 normalised project name of a requirement (`Foo_Bar[x]>=1` → `foo-bar`).
fn normalized_name(requirement: &str) -> String {
    let name_len = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let mut out = String::new();
    for c in requirement[..name_len].chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The normalised names a requirements file lists (options and comments skipped).
fn listed_names(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let line = match line.find(" #").or_else(|| line.find("\t#")) {
                Some(i) => &line[..i],
                None => line,
            };
            line.trim()
        })
        .filter(|line| !line.is_empty() && !line.starts_with(['#', '-']))
        .map(normalized_name)
        .filter(|n| !n.is_empty())
        .collect()
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory of a path (`/` for `/x`, `""` for `x`).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

/// `*` and `?` matching of one path component.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            (0..=text.len()).any(|i| glob_match(rest, text.get(i..).unwrap_or(&[])))
        }
        Some((b'?', rest)) => text.split_first().is_some_and(|(_, t)| glob_match(rest, t)),
        Some((c, rest)) => text
            .split_first()
            .is_some_and(|(t, ts)| t == c && glob_match(rest, ts)),
    }
}

/// Context files placed in the image by one COPY source (or bind mount).
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// Context-relative source, normalised (`""` is the whole context).
    source: String,
    /// Absolute destination in the image.
    dest: String,
    /// The destination is a directory (`/`-terminated, `.`, several sources).
    dest_is_dir: bool,
    /// The source can be a directory whose files land below `dest` (see
    /// [`may_be_directory`]); else it is one file.
    may_be_dir: bool,
}

/// Whether a COPY source (as written, and context-relative) can be a
/// directory: the whole context, a `/`-terminated path, a pattern (it
/// matches directories too), or a name without an extension (`deps`,
/// `requirements`, `.config`). `fN.txt` and `requirements.txt` are files.
fn may_be_directory(written: &str, source: &str) -> bool {
    let name = basename(source);
    source.is_empty()
        || written.ends_with('/')
        || source.contains(['*', '?', '['])
        || !name.get(1..).is_some_and(|rest| rest.contains('.'))
}

impl Placement {
    /// The key of [`PathState::by_name`]: destination and source file name.
    fn name_key(&self) -> (String, String) {
        (self.dest.clone(), basename(&self.source).to_string())
    }

    /// Where image path `path` comes from in the context, if this placement can have put it there.
    pub(crate) fn candidates(&self, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        let src = self.source.as_str();
        if src.contains(['*', '?', '[']) {
            if parent(path) == self.dest
                && glob_match(basename(src).as_bytes(), basename(path).as_bytes())
            {
                out.push(context_join(parent(src), basename(path)));
            }
            return out;
        }
        let under = if self.dest == "/" {
            path.strip_prefix('/')
        } else {
            path.strip_prefix(self.dest.as_str())
                .and_then(|r| r.strip_prefix('/'))
        };
        if let Some(rest) = under {
            if rest == basename(src) && !src.is_empty() {
                out.push(src.to_string());
            }
            if self.may_be_dir {
                out.push(context_join(src, rest));
            }
        }
        if !self.dest_is_dir && path == self.dest && !src.is_empty() {
            out.push(src.to_string());
        }
        out
    }
}

/// The COPYs of sources that may be directories ([`Placement::may_be_dir`])
/// into one image directory: one group per source, its placements in order.
/// A later COPY of the same source replaces what an earlier one put there,
/// so a lookup looks at each source's latest COPY only.
#[derive(Debug, Clone, Default)]
struct DirPlacements {
    groups: Vec<Vec<usize>>,
    /// The group of each source.
    by_source: HashMap<String, usize>,
}

/// WORKDIR, the context files copied so far in a stage (and the stages it
/// is built on), and the paths the image fetched or wrote itself.
#[derive(Debug, Clone)]
pub(crate) struct PathState {
    pub(crate) workdir: String,
    placements: Vec<Placement>,
    /// Placements of sources that may be directories, by destination, so
    /// finding where a path can come from looks at its directories, not at
    /// every COPY so far.
    by_dest: HashMap<String, DirPlacements>,
    /// Placements of single files by destination and file name (`/app` +
    /// `requirements.txt` for `COPY requirements.txt /app/`) ...
    by_name: HashMap<(String, String), Vec<usize>>,
    /// ... and by exact destination (`COPY deps/dev.txt ./requirements.txt`).
    by_exact: HashMap<String, Vec<usize>>,
    /// Image paths fetched from elsewhere or written in a RUN (a clone, an
    /// unpacked archive, an export), in order; everything below one is not
    /// the build context's.
    made: Vec<String>,
    made_index: HashMap<String, usize>,
}

/// What [`PathState::undo`] restores: the state when a stage was entered.
pub(crate) struct Mark {
    workdir: String,
    placements: usize,
    made: usize,
}

impl CarriedState for PathState {
    type Mark = Mark;

    fn mark(&self) -> Mark {
        Mark {
            workdir: self.workdir.clone(),
            placements: self.placements.len(),
            made: self.made.len(),
        }
    }

    /// Back to `mark`: what was added since goes (newest first).
    fn undo(&mut self, mark: Mark) {
        while self.placements.len() > mark.placements {
            let Some(placement) = self.placements.pop() else {
                break;
            };
            if placement.may_be_dir {
                if let Some(dir) = self.by_dest.get_mut(&placement.dest) {
                    let group = dir.by_source.get(&placement.source).copied();
                    if let Some(list) = group.and_then(|g| dir.groups.get_mut(g)) {
                        list.pop();
                        if list.is_empty() {
                            // The source's first COPY here: its group is the newest.
                            dir.groups.pop();
                            dir.by_source.remove(&placement.source);
                        }
                    }
                }
                continue;
            }
            if let Some(list) = self.by_name.get_mut(&placement.name_key()) {
                list.pop();
            }
            if !placement.dest_is_dir {
                if let Some(list) = self.by_exact.get_mut(&placement.dest) {
                    list.pop();
                }
            }
        }
        while self.made.len() > mark.made {
            let Some(path) = self.made.pop() else { break };
            if let Some(count) = self.made_index.get_mut(&path) {
                *count -= 1;
                if *count == 0 {
                    self.made_index.remove(&path);
                }
            }
        }
        self.workdir = mark.workdir;
    }
}

impl PathState {
    pub(crate) fn new() -> Self {
        PathState {
            workdir: "/".to_string(),
            placements: Vec::new(),
            by_dest: HashMap::new(),
            by_name: HashMap::new(),
            by_exact: HashMap::new(),
            made: Vec::new(),
            made_index: HashMap::new(),
        }
    }

    fn place(&mut self, placement: Placement) {
        let index = self.placements.len();
        if placement.may_be_dir {
            let dir = self.by_dest.entry(placement.dest.clone()).or_default();
            match dir
                .by_source
                .get(&placement.source)
                .and_then(|&group| dir.groups.get_mut(group))
            {
                Some(group) => group.push(index),
                None => {
                    dir.by_source
                        .insert(placement.source.clone(), dir.groups.len());
                    dir.groups.push(vec![index]);
                }
            }
        } else {
            self.by_name
                .entry(placement.name_key())
                .or_default()
                .push(index);
            if !placement.dest_is_dir {
                self.by_exact
                    .entry(placement.dest.clone())
                    .or_default()
                    .push(index);
            }
        }
        self.placements.push(placement);
    }

    fn add_made(&mut self, path: String) {
        *self.made_index.entry(path.clone()).or_default() += 1;
        self.made.push(path);
    }

    /// Whether `path` (absolute, normalised) is, or is below, a path the image made.
    fn is_made(&self, path: &str) -> bool {
        ancestors(path).any(|dir| {
            work::add(1);
            self.made_index.contains_key(dir)
        })
    }

    /// Where image path `path` can come from in the context, latest COPY
    /// first: the latest COPY of a file of its name into its directory, or
    /// of a file to exactly its path, and the latest COPY of each source
    /// that may be a directory into each of its directories. A later COPY
    /// of the same file or source replaces the earlier one, so repeated
    /// COPYs add no candidates; single files are never looked up as
    /// directories, so thousands of them in one directory add none either.
    pub(crate) fn candidates(&self, path: &str) -> Vec<String> {
        let named = self
            .by_name
            .get(&(parent(path).to_string(), basename(path).to_string()))
            .and_then(|list| list.last());
        let exact = self.by_exact.get(path).and_then(|list| list.last());
        let mut indices: Vec<usize> = ancestors(path)
            .filter_map(|dir| self.by_dest.get(dir))
            .flat_map(|dir| dir.groups.iter().filter_map(|group| group.last()))
            .chain(named)
            .chain(exact)
            .copied()
            .collect();
        work::add(indices.len() + 1);
        indices.sort_unstable_by(|a, b| b.cmp(a));
        indices.dedup();
        let mut out: Vec<String> = Vec::new();
        for candidate in indices
            .iter()
            .filter_map(|&i| self.placements.get(i))
            .flat_map(|p| p.candidates(path))
        {
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
        out
    }

    pub(crate) fn apply(&mut self, ins: &Instruction) {
        work::add(1);
        match &ins.kind {
            InstructionKind::Workdir(dir) => {
                self.workdir = image_path::join(&self.workdir, dir.value.trim_matches('"'));
            }
            InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                if ins.flag("from").is_some() || !ins.heredocs.is_empty() {
                    return;
                }
                let Some(dest) = &copy.destination else {
                    return;
                };
                let raw_dest = dest.value.as_str();
                let dest = image_path::join(&self.workdir, raw_dest);
                // The WORKDIR and the directories above it exist: a COPY
                // to one of them (`WORKDIR /js` then `COPY package.json
                // /js`) copies into it.
                let dest_is_dir = raw_dest.ends_with('/')
                    || matches!(raw_dest, "." | "./" | "..")
                    || copy.sources.len() > 1
                    || ancestors(&self.workdir).any(|dir| dir == dest);
                for source in &copy.sources {
                    let value = source.value.as_str();
                    if value.contains("://") || value.starts_with("<<") || value.contains('$') {
                        continue;
                    }
                    let source = context_relative(value);
                    self.place(Placement {
                        may_be_dir: may_be_directory(value, &source),
                        source,
                        dest: dest.clone(),
                        dest_is_dir,
                    });
                }
            }
            _ => {}
        }
    }

    /// Bind mounts of the build context on a RUN (`--mount=type=bind,source=x,target=/y`).
    pub(crate) fn bind_mounts(&self, ins: &Instruction) -> Vec<Placement> {
        ins.context_binds()
            .into_iter()
            .filter_map(|bind| {
                let source = context_relative(&bind.source);
                Some(Placement {
                    may_be_dir: may_be_directory(&bind.source, &source),
                    source,
                    dest: image_path::join(&self.workdir, &bind.target?),
                    dest_is_dir: false,
                })
            })
            .collect()
    }
}

/// A `-r` file a stage installs.
struct RequirementsInstall {
    /// The path as written after `-r`.
    written: String,
    /// Context-relative candidates (latest placement first).
    candidates: Vec<String>,
}

/// How a fix would remove an ad-hoc install from the Dockerfile.
enum Removal {
    Spans(Vec<Span>),
    /// Why it cannot be removed automatically.
    No(&'static str),
}

/// One ad-hoc install found in a stage.
struct Adhoc {
    /// The named packages (tooling excluded), as written.
    packages: Vec<String>,
    span: Span,
    removal: Removal,
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    // Every finding is about a pip install: most files have none.
    if !df.installs_with(|m| m == PackageManager::Pip) || !installs_named_and_requirements(df) {
        return;
    }
    let stages = df.stages();
    let first = out.len();
    // Stages along their `FROM <stage>` tree: a stage starts with what the
    // stages it is built on copied, restored (not replayed) for its siblings.
    let parents = stage_parents(df, &ctx.build.args);
    walk_stages(&parents, &mut PathState::new(), |state, index| {
        if let Some(stage) = stages.get(index) {
            check_stage(ctx, stage, state, out);
        }
        true
    });
    out[first..].sort_by_key(|d| (d.span.start, d.span.end));
}

/// Whether the RUNs of `df` have both an install of named packages that
/// could be ad hoc and an install of a requirements file. Every finding
/// needs both, and the stage walk that decides (paths, COPYs, working
/// directories) costs far more than looking at the installs alone.
fn installs_named_and_requirements(df: &Dockerfile) -> bool {
    let (mut named, mut requirements) = (false, false);
    for (_, ins) in df.instructions() {
        if !matches!(ins.kind, InstructionKind::Run(_)) {
            continue;
        }
        for script in df.run_scripts(ins).iter() {
            for pip in pip_installs(script) {
                if pip.requirement_files.is_empty() {
                    named |= adhoc_packages(&pip, &[]).is_some();
                } else {
                    requirements = true;
                }
                if named && requirements {
                    return true;
                }
            }
        }
    }
    false
}

/// One pip install of interest found while walking a script.
enum Seen {
    /// A requirements install whose file comes from the build context.
    Requirements(RequirementsInstall),
    /// An install of named packages (the command's span).
    Named(Span, Named),
}

fn check_stage(
    ctx: &DockerfileContext<'_>,
    stage: &Stage,
    state: &mut PathState,
    out: &mut Vec<Diagnostic>,
) {
    let (requirements, adhoc) = scan_stage(ctx.dockerfile, stage, state);
    let Some(last) = requirements.last() else {
        return;
    };
    report(ctx, last, &adhoc, out);
}

/// A stage's requirements installs and ad-hoc installs, in order, with
/// `state` carried through its instructions.
fn scan_stage(
    df: &Dockerfile,
    stage: &Stage,
    state: &mut PathState,
) -> (Vec<RequirementsInstall>, Vec<Adhoc>) {
    let mut requirements: Vec<RequirementsInstall> = Vec::new();
    let mut adhoc: Vec<Adhoc> = Vec::new();
    for &node in &stage.instruction_nodes {
        let Some(ins) = df.instruction(node) else {
            continue;
        };
        if matches!(ins.kind, InstructionKind::Run(_)) {
            let mounts = state.bind_mounts(ins);
            let scripts = df.run_scripts(ins);
            let scripts: &[crate::shell::RunScript] = &scripts;
            let total_commands: usize = scripts.iter().map(|s| s.commands().len()).sum();
            for script in scripts {
                let mut found: Vec<(Span, Named)> = Vec::new();
                for item in walk_script(df, script, &mounts, state) {
                    match item {
                        Seen::Requirements(install) => requirements.push(install),
                        Seen::Named(command, named) => found.push((command, named)),
                    }
                }
                let removed: Vec<Span> = found
                    .iter()
                    .filter(|(_, named)| !named.tooling)
                    .map(|(command, _)| *command)
                    .collect();
                let removals = Removals::new(df, node, script, &removed, total_commands);
                for (command, named) in found {
                    let removal = if named.tooling {
                        Removal::No("the same command also installs packaging or build tools")
                    } else {
                        removals.of(command)
                    };
                    adhoc.push(Adhoc {
                        packages: named.packages,
                        span: named.span,
                        removal,
                    });
                }
            }
        }
        state.apply(ins);
    }
    (requirements, adhoc)
}

/// The requirements file a stage installs (its last unconditional `pip
/// install -r` of a file the build context provides).
pub(crate) struct StageRequirements {
    /// The path as written after `-r`.
    pub written: String,
    /// Where it can come from in the build context, latest COPY first.
    pub candidates: Vec<String>,
    /// The packages the stage installs ad hoc (as written) that BP012's
    /// fix of the Dockerfile moves into this file.
    pub adhoc: Vec<String>,
}

/// The requirements file stage `stage` of `df` installs itself (not one of
/// the stage it is built on: that one is shared with other images), as
/// BP012 finds it in a Dockerfile; `build_args` resolve `FROM ${X}`.
pub(crate) fn stage_requirements(
    df: &Dockerfile,
    build_args: &std::collections::BTreeMap<String, String>,
    stage: usize,
) -> Option<StageRequirements> {
    let stages = df.stages();
    let parents = stage_parents(df, build_args);
    let mut found = None;
    walk_stages(&parents, &mut PathState::new(), |state, index| {
        if let Some(current) = stages.get(index) {
            let (mut requirements, adhoc) = scan_stage(df, current, state);
            if index == stage {
                found = requirements.pop().map(|r| (r, adhoc));
            }
        }
        true
    });
    let (requirements, adhoc) = found?;
    Some(StageRequirements {
        written: requirements.written,
        candidates: requirements.candidates,
        adhoc: adhoc
            .into_iter()
            .filter(|a| matches!(a.removal, Removal::Spans(_)))
            .flat_map(|a| a.packages)
            .collect(),
    })
}

/// The pip installs of one script that matter, in order, with `state`
/// updated as the script goes: the paths its commands fetch or write (a
/// clone, an unpacked archive, an export) are the image's own. A
/// requirements file there, or one no COPY of the context put in place,
/// belongs to other software: it is no home for the project's packages.
fn walk_script(
    df: &Dockerfile,
    script: &RunScript,
    mounts: &[Placement],
    state: &mut PathState,
) -> Vec<Seen> {
    let dirs = working_dirs(script, &state.workdir);
    let mut seen: Vec<Seen> = Vec::new();
    let mut next = 0;
    let record_made = |state: &mut PathState, upto: usize, next: &mut usize| {
        while *next < upto {
            work::add(1);
            if let Some(Some(dir)) = dirs.get(*next) {
                for path in made_paths(script, *next, &df.source) {
                    state.add_made(image_path::join(dir, &path));
                }
            }
            *next += 1;
        }
    };
    for pip in pip_installs(script) {
        record_made(state, pip.index, &mut next);
        if pip.no_build_isolation {
            // What the RUN installed before it are its build dependencies.
            seen.retain(|s| matches!(s, Seen::Requirements(_)));
        }
        if !pip.requirement_files.is_empty() {
            // A conditional requirements install may not run, and one in a
            // directory bakelint cannot follow may read anything.
            let Some(Some(cwd)) = dirs.get(pip.index) else {
                continue;
            };
            if !pip.command.guards.is_empty() {
                continue;
            }
            for file in &pip.requirement_files {
                let Some(written) = file.as_str() else {
                    continue;
                };
                let path = image_path::join(cwd, written);
                if state.is_made(&path) {
                    continue;
                }
                let candidates: Vec<String> = mounts
                    .iter()
                    .flat_map(|p| p.candidates(&path))
                    .chain(state.candidates(&path))
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                seen.push(Seen::Requirements(RequirementsInstall {
                    written: written.to_string(),
                    candidates,
                }));
            }
        } else if let Some(named) = adhoc_packages(&pip, &[]) {
            seen.push(Seen::Named(pip.command.span, named));
        }
    }
    record_made(state, script.commands().len(), &mut next);
    seen
}

/// The named packages of an ad-hoc install.
struct Named {
    /// As written, packaging tools left out.
    packages: Vec<String>,
    /// From the first to the last of them.
    span: Span,
    /// The command also installs packaging tools.
    tooling: bool,
}

/// The named packages of `pip`, if it is an ad-hoc install; packages of
/// [`TOOLING`] and `more_tooling` are tools, not dependencies.
fn adhoc_packages(pip: &PipInstall, more_tooling: &[&str]) -> Option<Named> {
    if pip.special
        || pip.packages.is_empty()
        || !pip.command.guards.is_empty()
        || pip.command.in_substitution
    {
        return None;
    }
    let mut named: Vec<&Word> = Vec::new();
    let mut has_tooling = false;
    for word in &pip.packages {
        let text = word.as_str()?;
        if !is_named_requirement(text) {
            return None;
        }
        let name = normalized_name(text);
        if TOOLING.contains(&name.as_str()) || more_tooling.contains(&name.as_str()) {
            has_tooling = true;
        } else {
            named.push(word);
        }
    }
    let (first, last) = (named.first()?, named.last()?);
    let packages = named
        .iter()
        .filter_map(|w| w.as_str())
        .map(str::to_string)
        .collect();
    Some(Named {
        packages,
        span: first.span.cover(last.span),
        tooling: has_tooling,
    })
}

/// How to delete the `removed` commands of a script from their RUN: the
/// whole instruction when nothing else is in it, else each command and one
/// `&&` of a plain `&&` chain (the `&&` before it, or after it when no kept
/// command precedes it, so removals never overlap). Worked out once per
/// script, so a RUN of thousands of installs stays linear.
struct Removals<'a> {
    script: &'a RunScript,
    /// The whole RUN goes, or why nothing can.
    whole: Option<Result<Span, &'static str>>,
    /// Index of each command by its span.
    index: HashMap<Span, usize>,
    /// The first command that stays.
    first_kept: Option<usize>,
}

impl<'a> Removals<'a> {
    fn new(
        df: &Dockerfile,
        node: usize,
        script: &'a RunScript,
        removed: &[Span],
        total_commands: usize,
    ) -> Removals<'a> {
        let mut out = Removals {
            script,
            whole: None,
            index: HashMap::new(),
            first_kept: None,
        };
        if removed.is_empty() {
            return out;
        }
        out.whole = Removals::blocker(df, node, script, removed.len(), total_commands);
        if out.whole.is_some() {
            return out;
        }
        let commands = script.commands();
        let removed: HashSet<Span> = removed.iter().copied().collect();
        work::add(commands.len());
        out.index = commands
            .iter()
            .enumerate()
            .map(|(i, c)| (c.span, i))
            .collect();
        out.first_kept = commands.iter().position(|c| !removed.contains(&c.span));
        out
    }

    /// The whole RUN when every command goes, or why no command can be cut out.
    fn blocker(
        df: &Dockerfile,
        node: usize,
        script: &RunScript,
        removed: usize,
        total_commands: usize,
    ) -> Option<Result<Span, &'static str>> {
        if total_commands == removed {
            return Some(df.nodes.get(node).map(|n| n.span).ok_or(LOST));
        }
        let Some(ins) = df.instruction(node) else {
            return Some(Err(LOST));
        };
        if script.origin != ScriptOrigin::ShellForm || !ins.heredocs.is_empty() {
            return Some(Err(
                "the install shares an exec-form or heredoc RUN with other commands",
            ));
        }
        if !plain_and_chain(&df.source, script.commands(), df.escape) {
            return Some(Err("the RUN is not a plain `&&` chain of commands"));
        }
        None
    }

    fn of(&self, command: Span) -> Removal {
        match self.whole {
            Some(Ok(span)) => return Removal::Spans(vec![span]),
            Some(Err(reason)) => return Removal::No(reason),
            None => {}
        }
        let commands = self.script.commands();
        let Some(&at) = self.index.get(&command) else {
            return Removal::No(LOST);
        };
        let kept_before = self.first_kept.is_some_and(|k| k < at);
        let previous = at.checked_sub(1).and_then(|i| commands.get(i));
        let span = match (kept_before, previous, commands.get(at + 1)) {
            (true, Some(previous), _) => Span::new(previous.span.end, command.end),
            (false, _, Some(next)) => Span::new(command.start, next.span.start),
            _ => return Removal::No(LOST),
        };
        Removal::Spans(vec![span])
    }
}

/// Why an install found in a RUN could not be cut out of it.
const LOST: &str = "the install could not be located in its RUN";

/// Whether the commands are top-level commands joined only by `&&` (line
/// continuations allowed between them).
pub(crate) fn plain_and_chain(source: &str, commands: &[SimpleCommand], escape: char) -> bool {
    if commands
        .iter()
        .any(|c| !c.guards.is_empty() || c.in_substitution || c.in_pipeline)
    {
        return false;
    }
    commands.windows(2).all(|pair| {
        let between = source
            .get(pair[0].span.end..pair[1].span.start)
            .unwrap_or("");
        let mut rest = between;
        // `&&` with continuations (`\` + line end) on either side.
        let mut ands = 0;
        loop {
            rest = rest.trim_start_matches([' ', '\t']);
            if let Some(r) = rest.strip_prefix("&&") {
                ands += 1;
                rest = r;
            } else if let Some(r) = rest.strip_prefix(escape) {
                match r.strip_prefix("\r\n").or_else(|| r.strip_prefix('\n')) {
                    Some(r) => rest = skip_comment_lines(r),
                    None => return false,
                }
            } else {
                break;
            }
        }
        rest.is_empty() && ands == 1
    })
}

/// `text` after the comment lines it starts with (BuildKit drops them
/// from a continued instruction).
fn skip_comment_lines(mut text: &str) -> &str {
    while text.trim_start_matches([' ', '\t']).starts_with('#') {
        match text.find('\n') {
            Some(i) => text = &text[i + 1..],
            None => return "",
        }
    }
    text
}

/// Whether `path` is a bake file (the Dockerfile is a `dockerfile-inline`).
fn is_bake_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("hcl") || e.eq_ignore_ascii_case("json"))
}

/// Where the stage's requirements file is on disk and its current text, or why not.
fn requirements_file(
    ctx: &DockerfileContext<'_>,
    install: &RequirementsInstall,
) -> Result<(PathBuf, String), String> {
    let context: PathBuf = match &ctx.build.context {
        Some(c) => c.clone(),
        None => ctx.path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let Some(first) = install.candidates.first() else {
        return Err(format!(
            "no COPY of the build context puts `{}` in the image",
            install.written
        ));
    };
    for candidate in &install.candidates {
        let path = crate::workspace::normalize(&context.join(candidate));
        let path = if path.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            path
        };
        if ctx.file_exists(&path) {
            return ctx
                .read_file(&path)
                .map(|text| (path, text))
                .ok_or_else(|| format!("`{candidate}` could not be read"));
        }
    }
    Err(format!("`{first}` was not found in the build context"))
}

fn report(
    ctx: &DockerfileContext<'_>,
    requirements: &RequirementsInstall,
    adhoc: &[Adhoc],
    out: &mut Vec<Diagnostic>,
) {
    if adhoc.is_empty() {
        return;
    }
    let file = if is_bake_file(ctx.path) {
        // Findings of a `dockerfile-inline` are mapped into the bake file,
        // edits included: an edit of another file cannot be.
        Err("the Dockerfile is a `dockerfile-inline`".to_string())
    } else {
        requirements_file(ctx, requirements)
    };
    let shown = match &file {
        Ok(_) => requirements
            .candidates
            .iter()
            .find(|c| {
                file.as_ref()
                    .is_ok_and(|(p, _)| p.ends_with(Path::new(c.as_str())))
            })
            .cloned()
            .unwrap_or_else(|| requirements.written.clone()),
        Err(_) => requirements.written.clone(),
    };
    let fix = match &file {
        Ok((path, text)) => stage_fix(ctx, path, text, &shown, adhoc),
        Err(_) => None,
    };
    for found in adhoc {
        let list = found.packages.join(", ");
        let message = format!(
            "ad-hoc `pip install {}` next to the requirements file `{}`",
            found.packages.join(" "),
            requirements.written
        );
        let mut help = format!(
            "list {list} in `{shown}`, pinned (`name==x.y`), so the requirements install covers them.\n\
             This install adds a layer and takes whatever version the index serves on the day of the build."
        );
        let reason = match (&file, &found.removal) {
            (Err(reason), _) => Some(reason.clone()),
            (Ok(_), Removal::No(reason)) => Some((*reason).to_string()),
            (Ok(_), Removal::Spans(_)) => None,
        };
        if let Some(reason) = &reason {
            help.push_str(&format!(" (no automatic fix: {reason})"));
        }
        let mut diag = ctx.diagnostic(found.span, message).with_help(help);
        if reason.is_none() {
            if let Some(fix) = &fix {
                diag = diag.with_fix(fix.clone());
            }
        }
        out.push(diag);
    }
}

/// The fix for a stage: every removable ad-hoc install's packages appended
/// to the requirements file (those not listed yet), the installs deleted.
fn stage_fix(
    ctx: &DockerfileContext<'_>,
    path: &Path,
    text: &str,
    shown: &str,
    adhoc: &[Adhoc],
) -> Option<Fix> {
    let mut listed: HashSet<String> = listed_names(text).into_iter().collect();
    let mut added: Vec<&str> = Vec::new();
    let mut deletions: Vec<Span> = Vec::new();
    for found in adhoc {
        let Removal::Spans(spans) = &found.removal else {
            continue;
        };
        deletions.extend(spans.iter().copied());
        for package in &found.packages {
            if listed.insert(normalized_name(package)) {
                added.push(package);
            }
        }
    }
    // Installs sharing a RUN: one deletion per RUN, touching ones merged.
    deletions.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::new();
    for span in deletions {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    if merged.is_empty() {
        return None;
    }
    let mut edits: Vec<Edit> = merged.iter().map(|s| Edit::delete(ctx.path, *s)).collect();
    let message = if added.is_empty() {
        "Delete the ad-hoc install (its packages are already listed)".to_string()
    } else {
        edits.push(append_edit(path, text, &added));
        format!(
            "Append {} to {shown} and delete the ad-hoc install",
            added.join(", ")
        )
    };
    Some(Fix::unsafe_(message, edits))
}

/// The edit that appends `packages` to a requirements file, one a line,
/// in the file's line endings (a final line ending added first when the
/// file lacks one).
fn append_edit(path: &Path, text: &str, packages: &[&str]) -> Edit {
    let newline = if crate::fix::uses_crlf(text) {
        "\r\n"
    } else {
        "\n"
    };
    let mut content = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        content.push_str(newline);
    }
    for package in packages {
        content.push_str(package);
        content.push_str(newline);
    }
    Edit::insert(path, text.len(), content)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::RULE;
    use crate::diagnostic::{Diagnostic, Edit};
    use crate::rules::testing::{run_with, slices};
    use crate::rules::BuildInfo;
    use crate::span::Span;

    /// A build context on disk with `files`, the Dockerfile at `Dockerfile`.
    struct Project {
        dir: tempfile::TempDir,
    }

    impl Project {
        fn new(files: &[(&str, &str)]) -> Project {
            let dir = tempfile::tempdir().expect("tempdir");
            for (name, text) in files {
                let p = dir.path().join(name);
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                std::fs::write(&p, text).expect("write");
            }
            Project { dir }
        }

        fn dockerfile(&self) -> PathBuf {
            self.dir.path().join("Dockerfile")
        }

        fn lint(&self, src: &str) -> Vec<Diagnostic> {
            let build = BuildInfo {
                context: Some(self.dir.path().to_path_buf()),
                ..BuildInfo::default()
            };
            run_with(&RULE, src, &build, &self.dockerfile())
        }

        fn read(&self, name: &str) -> String {
            std::fs::read_to_string(self.dir.path().join(name)).expect("read")
        }

        /// One engine round: non-overlapping fixes in position order, other
        /// files written to disk; returns the new Dockerfile text.
        fn fix_round(&self, src: &str, diags: &[Diagnostic]) -> String {
            let mut fixes: Vec<&crate::diagnostic::Fix> =
                diags.iter().filter_map(|d| d.fix.as_ref()).collect();
            fixes.sort_by_key(|f| {
                f.edits
                    .iter()
                    .map(|e| match e {
                        Edit::Replace { file, span, .. } => (file.clone(), span.start),
                        Edit::Create { file, .. } => (file.clone(), 0),
                    })
                    .min()
            });
            let mut taken: BTreeMap<PathBuf, Vec<Span>> = BTreeMap::new();
            let mut per_file: BTreeMap<PathBuf, Vec<(Span, String)>> = BTreeMap::new();
            for fix in fixes {
                let clash = fix.edits.iter().any(|e| match e {
                    Edit::Replace { file, span, .. } => taken
                        .get(file)
                        .is_some_and(|spans| spans.iter().any(|s| s.overlaps(span))),
                    Edit::Create { .. } => true,
                });
                if clash {
                    continue;
                }
                for e in &fix.edits {
                    if let Edit::Replace {
                        file,
                        span,
                        content,
                    } = e
                    {
                        taken.entry(file.clone()).or_default().push(*span);
                        per_file
                            .entry(file.clone())
                            .or_default()
                            .push((*span, content.clone()));
                    }
                }
            }
            let mut out = src.to_string();
            for (file, mut edits) in per_file {
                edits.sort_by_key(|(s, _)| (s.start, s.end));
                if file == self.dockerfile() {
                    out = crate::fix::apply_edits(src, &edits);
                } else {
                    let text = std::fs::read_to_string(&file).expect("read");
                    std::fs::write(&file, crate::fix::apply_edits(&text, &edits)).expect("write");
                }
            }
            out
        }

        /// Fixes once, then asserts the result is clean and a second run changes nothing.
        fn fixed(&self, src: &str) -> String {
            let diags = self.lint(src);
            assert!(!diags.is_empty(), "no finding for {src:?}");
            let out = self.fix_round(src, &diags);
            let again = self.lint(&out);
            assert!(again.is_empty(), "still fires after the fix: {again:?}");
            out
        }
    }

    const EXAMPLE: &str = "FROM python:3.12-slim\n\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements/test.txt\nRUN pip install unittest-xml-reporting pytest-json-report\n\nWORKDIR /app/app\nCMD [\"pytest\", \"-q\"]\n";

    fn example_project() -> Project {
        Project::new(&[(
            "requirements/test.txt",
            "-r base.txt\npytest==8.3.3\npytest-django==4.9.0\n",
        )])
    }

    #[test]
    fn example_appends_and_deletes_the_run() {
        let p = example_project();
        let diags = p.lint(EXAMPLE);
        assert_eq!(
            slices(EXAMPLE, &diags),
            ["unittest-xml-reporting pytest-json-report"]
        );
        let d = &diags[0];
        assert_eq!(d.code, "BP012");
        assert!(d.message.contains("requirements/test.txt"), "{}", d.message);
        assert!(d.help.as_deref().is_some_and(|h| h.contains("pinned")));
        let fixed = p.fixed(EXAMPLE);
        assert_eq!(
            fixed,
            "FROM python:3.12-slim\n\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements/test.txt\n\nWORKDIR /app/app\nCMD [\"pytest\", \"-q\"]\n"
        );
        assert_eq!(
            p.read("requirements/test.txt"),
            "-r base.txt\npytest==8.3.3\npytest-django==4.9.0\nunittest-xml-reporting\npytest-json-report\n"
        );
    }

    #[test]
    fn versions_and_extras_are_kept() {
        let p = Project::new(&[("requirements.txt", "django==5.1\n")]);
        let src = "FROM python:3.12\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN pip install -U \"pytest-cov>=5,<6\" 'requests[socks]==2.32.3' Foo_Bar~=1.0\n";
        let diags = p.lint(src);
        assert_eq!(
            slices(src, &diags),
            ["\"pytest-cov>=5,<6\" 'requests[socks]==2.32.3' Foo_Bar~=1.0"]
        );
        let fixed = p.fixed(src);
        assert_eq!(
            fixed,
            "FROM python:3.12\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        );
        assert_eq!(
            p.read("requirements.txt"),
            "django==5.1\npytest-cov>=5,<6\nrequests[socks]==2.32.3\nFoo_Bar~=1.0\n"
        );
    }

    #[test]
    fn already_listed_packages_are_not_appended_twice() {
        let p = Project::new(&[(
            "requirements.txt",
            "# test deps\nPytest_Cov==5.0.0  # coverage\n--extra-index-url https://x\n",
        )]);
        let src = "FROM python:3.12\nCOPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\nRUN pip install pytest.cov pytest-xdist pytest-xdist\n";
        let fixed = p.fixed(src);
        assert_eq!(
            fixed,
            "FROM python:3.12\nCOPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\n"
        );
        assert_eq!(
            p.read("requirements.txt"),
            "# test deps\nPytest_Cov==5.0.0  # coverage\n--extra-index-url https://x\npytest-xdist\n"
        );
        // Everything listed already: the install just goes.
        let src = "FROM python:3.12\nCOPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\nRUN pip install PYTEST-XDIST\n";
        let before = p.read("requirements.txt");
        let diags = p.lint(src);
        let fix = diags[0].fix.as_ref().expect("fix");
        assert_eq!(fix.edits.len(), 1);
        p.fixed(src);
        assert_eq!(p.read("requirements.txt"), before);
    }

    #[test]
    fn chains_lose_only_the_adhoc_command() {
        let p = Project::new(&[("r.txt", "flask\n")]);
        let cases = [
            (
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt && pip install foo\n",
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt\n",
            ),
            (
                "FROM python\nCOPY r.txt .\nRUN pip install foo && pip install -r r.txt\n",
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt\n",
            ),
            (
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt && \\\n    pip install foo && \\\n    python -c 'import foo'\n",
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt && \\\n    python -c 'import foo'\n",
            ),
            (
                "FROM python\nCOPY r.txt .\nRUN pip install foo \\\n && pip3 install bar \\\n && pip install -r r.txt\n",
                "FROM python\nCOPY r.txt .\nRUN pip install -r r.txt\n",
            ),
        ];
        for (src, expected) in cases {
            std::fs::write(p.dir.path().join("r.txt"), "flask\n").expect("write");
            assert_eq!(p.fixed(src), expected, "{src}");
        }
        assert_eq!(p.read("r.txt"), "flask\nfoo\nbar\n");
    }

    #[test]
    fn multi_line_span_is_exact() {
        let p = Project::new(&[("requirements.txt", "a==1\n")]);
        let src = "FROM python\nCOPY . .\nRUN pip install -r requirements.txt \\\n # test tools\n && pip install --no-cache-dir \\\n      pytest-xdist \\\n      pytest-cov==5.0.0\n";
        let diags = p.lint(src);
        assert_eq!(
            slices(src, &diags),
            ["pytest-xdist \\\n      pytest-cov==5.0.0"]
        );
        // The comment line inside the chain goes with the command.
        assert_eq!(
            p.fixed(src),
            "FROM python\nCOPY . .\nRUN pip install -r requirements.txt\n"
        );
        std::fs::write(p.dir.path().join("requirements.txt"), "a==1\n").expect("write");
        let src = "FROM python\nCOPY . .\nRUN pip install -r requirements.txt \\\n && pip install --no-cache-dir \\\n      pytest-xdist \\\n      pytest-cov==5.0.0\n";
        assert_eq!(
            p.fixed(src),
            "FROM python\nCOPY . .\nRUN pip install -r requirements.txt\n"
        );
        assert_eq!(
            p.read("requirements.txt"),
            "a==1\npytest-xdist\npytest-cov==5.0.0\n"
        );
    }

    #[test]
    fn tooling_upgrades_are_not_flagged() {
        let p = Project::new(&[("requirements.txt", "a==1\n")]);
        let src = "FROM python\nCOPY . .\nRUN pip install --upgrade pip setuptools wheel\nRUN python -m pip install -U pip && uv pip install --system uv\nRUN pip install -r requirements.txt\n";
        assert!(p.lint(src).is_empty());
        // Mixed with a real package: reported, but deleting would drop the upgrade.
        let src = "FROM python\nCOPY . .\nRUN pip install -U pip pytest\nRUN pip install -r requirements.txt\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["pytest"]);
        assert!(diags[0].fix.is_none());
        assert!(diags[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("packaging or build tools")));
    }

    #[test]
    fn no_requirements_install_in_the_stage() {
        let p = Project::new(&[("requirements.txt", "a==1\n")]);
        assert!(p
            .lint("FROM python\nCOPY . .\nRUN pip install pytest\n")
            .is_empty());
        // The parent stage's requirements do not count.
        let src = "FROM python AS base\nCOPY . .\nRUN pip install -r requirements.txt\nFROM base AS dev\nRUN pip install ipython\n";
        assert!(p.lint(src).is_empty());
        // Requirements in the parent, test requirements in the child: the child's file.
        let p = Project::new(&[
            ("requirements/base.txt", "a==1\n"),
            ("requirements/test.txt", "-r base.txt\n"),
        ]);
        let src = "FROM python AS base\nWORKDIR /app\nCOPY requirements/ requirements/\nRUN pip install -r requirements/base.txt\nFROM base AS test\nRUN pip install -r requirements/test.txt\nRUN pip install pytest\n";
        let fixed = p.fixed(src);
        assert!(!fixed.contains("pip install pytest"));
        assert_eq!(p.read("requirements/test.txt"), "-r base.txt\npytest\n");
        assert_eq!(p.read("requirements/base.txt"), "a==1\n");
    }

    #[test]
    fn missing_requirements_file_gives_help_only() {
        let p = Project::new(&[("other.txt", "x\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/test.txt\nRUN pip install pytest\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["pytest"]);
        assert!(diags[0].fix.is_none());
        let help = diags[0].help.as_deref().unwrap_or("");
        assert!(
            help.contains("`requirements/test.txt` was not found in the build context"),
            "{help}"
        );
        // Not copied from the context at all: the requirements file of
        // something else (a base image's, a download's), no finding.
        let src = "FROM python\nRUN pip install -r /opt/req.txt\nRUN pip install pytest\n";
        assert!(p.lint(src).is_empty());
        // Only in memory (another fix is creating it): help only.
        let virtual_files = std::sync::Arc::new(
            [crate::workspace::normalize(
                &p.dir.path().join("requirements/test.txt"),
            )]
            .into_iter()
            .collect(),
        );
        let build = BuildInfo {
            context: Some(p.dir.path().to_path_buf()),
            virtual_files,
            ..BuildInfo::default()
        };
        let src = "FROM python\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/test.txt\nRUN pip install pytest\n";
        let diags = run_with(&RULE, src, &build, &p.dockerfile());
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
        // With its in-memory text known, the fix appends to that text.
        let path = crate::workspace::normalize(&p.dir.path().join("requirements/test.txt"));
        let build = BuildInfo {
            virtual_texts: std::sync::Arc::new(
                [(path.clone(), "django==5.1\n".to_string())]
                    .into_iter()
                    .collect(),
            ),
            ..build
        };
        let diags = run_with(&RULE, src, &build, &p.dockerfile());
        let edits = &diags[0].fix.as_ref().expect("fix").edits;
        assert!(
            edits.iter().any(|e| matches!(
                e,
                crate::diagnostic::Edit::Replace { file, span, content }
                    if crate::workspace::normalize(file) == path
                        && span.start == "django==5.1\n".len()
                        && content == "pytest\n"
            )),
            "{edits:?}"
        );
    }

    #[test]
    fn requirements_of_software_fetched_in_the_image_do_not_count() {
        let p = Project::new(&[("requirements.txt", "flask==3.0\n")]);
        // Cloned into the WORKDIR, over the project's own COPY.
        for src in [
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN git clone --depth=1 https://github.com/librenms/librenms.git . && pip install -r requirements.txt\nRUN pip install python-memcached\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN git clone https://github.com/x/tool.git && cd tool && pip install -r requirements.txt\nRUN pip install pytest\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN curl -fsSL https://x/tool.tgz | tar -xz -C /app/vendor\nRUN pip install -r vendor/requirements.txt\nRUN pip install pytest\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN curl -o /app/req.txt https://x/req.txt && pip install -r req.txt && pip install pytest\n",
            // Generated in the image from the project's lock file.
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN poetry export -o requirements.txt && pip install -r requirements.txt\nRUN pip install pytest\n",
            // The clone happened in the stage this one is built on.
            "FROM python AS src\nWORKDIR /app\nCOPY . .\nRUN git clone https://github.com/x/y.git /opt/y\nFROM src\nRUN pip install -r /opt/y/requirements.txt && pip install pytest\n",
            // ... also when the stage names it through a global ARG.
            "ARG BASE=src\nFROM python AS src\nWORKDIR /app\nCOPY . .\nRUN git clone https://github.com/x/y.git /opt/y\nFROM ${BASE}\nRUN pip install -r /opt/y/requirements.txt && pip install pytest\n",
            // A clone the WORKDIR variable hides, no COPY of the context there.
            "FROM python\nWORKDIR ${APP_PATH}\nRUN pip3 install --upgrade pip && pip3 install python-memcached mysqlclient --upgrade\nRUN git clone https://github.com/librenms/librenms.git . && pip3 install -r requirements.txt\n",
        ] {
            assert!(p.lint(src).is_empty(), "{src}");
        }
        // The project's own file next to a clone still counts, and `cd` is followed.
        let src = "FROM python\nCOPY . /app\nRUN git clone https://github.com/x/y.git /opt/y && cd /app && pip install -r requirements.txt\nRUN pip install pytest\n";
        assert_eq!(slices(src, &p.lint(src)), ["pytest"]);
        // A sibling stage's clone does not reach this stage.
        let src = "FROM python AS a\nWORKDIR /app\nRUN git clone https://github.com/x/y.git .\nFROM python AS b\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && pip install pytest\n";
        assert_eq!(slices(src, &p.lint(src)), ["pytest"]);
    }

    #[test]
    fn many_copies_into_one_directory_keep_the_right_file() {
        let mut files: Vec<(String, String)> = Vec::new();
        let mut src = String::from("FROM python\nWORKDIR /app\n");
        for i in 0..200 {
            files.push((format!("r{i}.txt"), format!("p{i}==1\n")));
            src.push_str(&format!("COPY r{i}.txt ./\n"));
        }
        src.push_str("RUN pip install -r r7.txt\nRUN pip install pytest\n");
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let p = Project::new(&refs);
        assert_eq!(
            p.fixed(&src).matches("COPY").count(),
            200,
            "the fix keeps the COPYs"
        );
        assert_eq!(p.read("r7.txt"), "p7==1\npytest\n");
    }

    #[test]
    fn file_copies_do_not_hide_the_whole_context_copy() {
        let mut files: Vec<(String, String)> = vec![("requirements.txt".into(), "a==1\n".into())];
        let mut src = String::from("FROM python\nWORKDIR /app\nCOPY . .\n");
        for i in 0..40 {
            files.push((format!("f{i}.txt"), String::new()));
            src.push_str(&format!("COPY f{i}.txt ./\n"));
        }
        src.push_str("RUN pip install -r requirements.txt\nRUN pip install pytest\n");
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let p = Project::new(&refs);
        let diags = p.lint(&src);
        assert_eq!(slices(&src, &diags), ["pytest"]);
        let help = diags[0].help.as_deref().unwrap_or("");
        assert!(
            help.starts_with("list pytest in `requirements.txt`"),
            "{help}"
        );
        assert!(diags[0].fix.is_some(), "{help}");
        p.fixed(&src);
        assert_eq!(p.read("requirements.txt"), "a==1\npytest\n");
    }

    #[test]
    fn a_source_copied_again_is_one_candidate() {
        // `deps` (no extension) may be a directory; copied twice it is still
        // looked up once, and its latest COPY counts.
        let p = Project::new(&[("deps/r.txt", "a\n"), ("other/r.txt", "b\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY other ./\nCOPY deps ./\nCOPY deps ./\nRUN pip install -r r.txt\nRUN pip install pytest\n";
        p.fixed(src);
        assert_eq!(p.read("deps/r.txt"), "a\npytest\n");
        assert_eq!(p.read("other/r.txt"), "b\n");
    }

    #[test]
    fn bootstrap_installs_are_not_adhoc() {
        let p = Project::new(&[("requirements.txt", "flask==3.0\n")]);
        for src in [
            "FROM python\nCOPY requirements.txt /tmp/\nRUN python3 -m pip install maturin\nRUN pip install -r /tmp/requirements.txt\n",
            "FROM python\nCOPY requirements.txt /app/requirements.txt\nRUN pip install \"cython<3.0.0\" wheel && pip install pyyaml==5.4.1 --no-build-isolation\nRUN pip install -r /app/requirements.txt\n",
            "FROM python\nCOPY requirements.txt /tmp\nRUN python3 -m pip install pyyaml==5.4.1 --no-build-isolation\nRUN python3 -m pip install -r /tmp/requirements.txt\n",
            "FROM python\nCOPY requirements.txt .\nRUN pip install \"numpy<2\" && pip install --no-build-isolation -r requirements.txt\n",
            "FROM python\nCOPY requirements.txt .\nRUN pip install -U pip setuptools wheel setuptools-scm && pip install -r requirements.txt\n",
        ] {
            assert!(p.lint(src).is_empty(), "{src}");
        }
        // Build tools next to a real dependency: only the dependency is named.
        let src = "FROM python\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN pip install cython pytest\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["pytest"]);
        assert!(
            diags[0].message.contains("`pip install pytest`"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let p = Project::new(&[("a.txt", "x==1\r\ny==2\r\n"), ("b.txt", "x==1")]);
        let src = "FROM python\r\nCOPY . .\r\nRUN pip install -r a.txt\r\nRUN pip install z\r\n";
        assert_eq!(
            p.fixed(src),
            "FROM python\r\nCOPY . .\r\nRUN pip install -r a.txt\r\n"
        );
        assert_eq!(p.read("a.txt"), "x==1\r\ny==2\r\nz\r\n");
        let src = "FROM python\nCOPY . .\nRUN pip install -r b.txt\nRUN pip install z";
        assert_eq!(
            p.fixed(src),
            "FROM python\nCOPY . .\nRUN pip install -r b.txt\n"
        );
        assert_eq!(p.read("b.txt"), "x==1\nz\n");
    }

    #[test]
    fn pip_spellings() {
        let p = Project::new(&[("requirements.txt", "")]);
        let src = "FROM python\nCOPY requirements.txt /app/\nWORKDIR /app\nRUN python3 -m pip install -r requirements.txt\nRUN python -m pip install --user black\nRUN --mount=type=cache,target=/root/.cache/pip pip3.12 install mypy\nRUN uv pip install --system -r requirements.txt && uv pip install --system ruff\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["black", "mypy", "ruff"]);
        let fixed = p.fixed(src);
        assert_eq!(
            fixed,
            "FROM python\nCOPY requirements.txt /app/\nWORKDIR /app\nRUN python3 -m pip install -r requirements.txt\nRUN uv pip install --system -r requirements.txt\n"
        );
        assert_eq!(p.read("requirements.txt"), "black\nmypy\nruff\n");
    }

    #[test]
    fn conditional_and_non_index_installs_are_not_flagged() {
        let p = Project::new(&[("requirements.txt", "a\n")]);
        let src = "FROM python\nARG DEV\nCOPY . .\nRUN pip install -r requirements.txt\n\
RUN if [ \"$DEV\" = \"1\" ]; then pip install ipython; fi\n\
RUN [ -n \"$DEV\" ] && pip install debugpy\n\
RUN pip install -e . && pip install ./wheels/x.whl /tmp/y.tar.gz\n\
RUN pip install git+https://github.com/a/b.git 'b @ https://x/b.whl'\n\
RUN pip install -c constraints.txt pytest\n\
RUN pip install $EXTRA_PACKAGES\n\
RUN pip install -r requirements.txt pytest\n\
RUN pip install --target /opt/x pytest && pip install -i https://pypi.example/simple pytest\n";
        assert!(p.lint(src).is_empty(), "{:?}", p.lint(src));
        // A conditional requirements install is not the stage's.
        let src = "FROM python\nARG DEV\nCOPY . .\nRUN if [ -n \"$DEV\" ]; then pip install -r requirements.txt; fi\nRUN pip install pytest\n";
        assert!(p.lint(src).is_empty());
    }

    #[test]
    fn several_installs_in_a_stage_are_fixed_together() {
        let p = Project::new(&[("requirements.txt", "a\n")]);
        let src = "FROM python\nCOPY requirements*.txt ./\nRUN pip install x\nRUN pip install -r requirements.txt\nRUN pip install y z\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["x", "y z"]);
        assert_eq!(diags[0].fix, diags[1].fix);
        let fixed = p.fixed(src);
        assert_eq!(
            fixed,
            "FROM python\nCOPY requirements*.txt ./\nRUN pip install -r requirements.txt\n"
        );
        assert_eq!(p.read("requirements.txt"), "a\nx\ny\nz\n");
    }

    #[test]
    fn exec_form_and_heredocs() {
        let p = Project::new(&[("requirements.txt", "a\n")]);
        let src = "FROM python\nCOPY . .\nRUN pip install -r requirements.txt\nRUN [\"sh\", \"-c\", \"pip install x && echo ok\"]\nRUN <<EOF\nset -e\npip install y\nEOF\n";
        let diags = p.lint(src);
        assert_eq!(slices(src, &diags), ["x", "y"]);
        assert!(diags.iter().all(|d| d.fix.is_none()));
        // A heredoc or exec form holding only the install: the whole RUN goes.
        let src = "FROM python\nCOPY . .\nRUN pip install -r requirements.txt\nRUN [\"sh\", \"-c\", \"pip install x\"]\nRUN <<EOF\npip install y\nEOF\nCMD [\"x\"]\n";
        assert_eq!(
            p.fixed(src),
            "FROM python\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"x\"]\n"
        );
    }

    #[test]
    fn requirements_reach_the_image_in_several_ways() {
        let p = Project::new(&[("deps/dev.txt", "a\n"), ("deps/prod.txt", "b\n")]);
        let cases = [
            "FROM python\nCOPY deps /opt/deps\nRUN pip install -r /opt/deps/dev.txt\nRUN pip install q\n",
            "FROM python\nWORKDIR /w\nCOPY deps/dev.txt ./requirements.txt\nRUN pip install -r requirements.txt\nRUN pip install q\n",
            "FROM python\nRUN --mount=type=bind,source=deps/dev.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\nRUN pip install q\n",
            "FROM python AS a\nWORKDIR /w\nCOPY deps/ deps/\nFROM a\nRUN pip install -r deps/prod.txt -r deps/dev.txt\nRUN pip install q\n",
        ];
        for src in cases {
            std::fs::write(p.dir.path().join("deps/dev.txt"), "a\n").expect("write");
            let diags = p.lint(src);
            assert_eq!(slices(src, &diags), ["q"], "{src}");
            assert!(diags[0].fix.is_some(), "{src}: {:?}", diags[0].help);
            p.fixed(src);
            assert_eq!(p.read("deps/dev.txt"), "a\nq\n", "{src}");
        }
        assert_eq!(p.read("deps/prod.txt"), "b\n");
    }

    /// The layout BP011's fix leaves: manifests copied first, the install,
    /// then the whole context; the ad-hoc install after the broad COPY.
    #[test]
    fn after_copy_before_install_fix() {
        let p = Project::new(&[
            ("requirements/base.txt", "django\n"),
            ("requirements/test.txt", "-r base.txt\n"),
        ]);
        let src = "FROM python AS test\nWORKDIR /app\nCOPY --chown=app requirements/test.txt requirements/base.txt /app/requirements/\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements/test.txt\nCOPY . /app\nRUN pip install pytest-json-report\n\nFROM python AS web\nWORKDIR /app\nCOPY requirements/ requirements/\nRUN pip install -r requirements/base.txt\nRUN pip install gunicorn==23.0.0\n";
        let diags = p.lint(src);
        assert_eq!(
            slices(src, &diags),
            ["pytest-json-report", "gunicorn==23.0.0"]
        );
        // Two stages, two files, two independent fixes in one round.
        let fixed = p.fixed(src);
        assert_eq!(
            fixed,
            "FROM python AS test\nWORKDIR /app\nCOPY --chown=app requirements/test.txt requirements/base.txt /app/requirements/\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements/test.txt\nCOPY . /app\n\nFROM python AS web\nWORKDIR /app\nCOPY requirements/ requirements/\nRUN pip install -r requirements/base.txt\n"
        );
        assert_eq!(
            p.read("requirements/test.txt"),
            "-r base.txt\npytest-json-report\n"
        );
        assert_eq!(
            p.read("requirements/base.txt"),
            "django\ngunicorn==23.0.0\n"
        );
    }

    #[test]
    fn bake_context_is_the_target_context() {
        let linted = crate::rules::testing::bake::lint(
            &RULE,
            &[
                (
                    "deployment/docker-bake.hcl",
                    "target \"test\" {\n  context = \".\"\n  dockerfile = \"deployment/docker/test.Dockerfile\"\n}\n",
                ),
                ("deployment/docker/test.Dockerfile", EXAMPLE),
                ("requirements/test.txt", "pytest==8.3.3\n"),
            ],
        );
        assert_eq!(
            linted.slices(),
            ["unittest-xml-reporting pytest-json-report"]
        );
        let fix = linted.diagnostics[0].fix.as_ref().expect("fix");
        let files: Vec<&Path> = fix.edits.iter().map(|e| e.file().as_path()).collect();
        assert!(files
            .iter()
            .any(|f| f.ends_with("deployment/docker/test.Dockerfile")));
        assert!(files.iter().any(|f| f.ends_with("requirements/test.txt")));
        assert_eq!(
            crate::rules::testing::bake::fixed(&linted, "requirements/test.txt"),
            "pytest==8.3.3\nunittest-xml-reporting\npytest-json-report\n"
        );
    }

    #[test]
    fn inline_dockerfiles_get_help_only() {
        let linted = crate::rules::testing::bake::lint(
            &RULE,
            &[
                (
                    "docker-bake.hcl",
                    "target \"test\" {\n  context = \".\"\n  dockerfile-inline = <<EOT\nFROM python\nCOPY . .\nRUN pip install -r requirements.txt\nRUN pip install pytest\nEOT\n}\n",
                ),
                ("requirements.txt", "a\n"),
            ],
        );
        assert_eq!(linted.slices(), ["pytest"]);
        assert!(linted.diagnostics[0].fix.is_none());
        assert!(linted.diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("dockerfile-inline")));
    }

    #[test]
    fn odd_input_does_not_panic() {
        let p = Project::new(&[("requirements.txt", "a\n")]);
        let src = "FROM python AS b\r\nWORKDIR $X/é\r\nCOPY [\"requirements.txt\", \"./\"]\r\nRUN --mount=type=bind pip install -rrequirements.txt --requirement=requirements.txt\r\nRUN pip install 'é' x[ y== \"$(pip install z)\" && pip install -- -q \\\r\n  ok\r\nFROM b\r\nRUN uv pip install -r\r\nRUN <<EOF\r\npip install w\r\n";
        let inputs: Vec<&str> = src.char_indices().map(|(i, _)| &src[..i]).collect();
        for input in inputs {
            let diags = p.lint(input);
            for d in &diags {
                assert!(d.span.end <= input.len());
            }
        }
    }

    #[test]
    fn a_copy_to_the_workdir_copies_into_it() {
        let p = Project::new(&[("requirements.txt", "a\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY requirements.txt /app\nRUN pip install -r requirements.txt\nRUN pip install pytest\n";
        assert_eq!(slices(src, &p.lint(src)), ["pytest"]);
        p.fixed(src);
        assert_eq!(p.read("requirements.txt"), "a\npytest\n");
    }
}
