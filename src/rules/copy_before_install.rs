//! BP011 `copy-before-install`: `COPY . <dir>` before a dependency install
//! that reads only manifest files, so any source change re-runs the install.
//!
//! Paths are followed as BuildKit sees them: an install's files are resolved
//! against the WORKDIR in effect (inherited through `FROM <stage>`), and
//! mapped back into the build context through the broad COPY's destination.
//! Files the broad COPY does not provide do not make an install depend on it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{CopyAdd, Instruction, InstructionKind, Keyword, Spanned, Stage};
use crate::image_path::{ancestors, context_inside, context_join, join};
use crate::rules::source_text::keyword_case;
use crate::rules::stage_walk::{stage_parents, walk_stages, work, CarriedState};

use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::{command_basename, PackageInstall, PackageManager, Word};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP011",
    name: "copy-before-install",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The whole build context is copied before a dependency install that needs only the manifest files",
    doc: include_str!("../../rules/BP011.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// COPY/ADD sources that mean "the whole context".
const BROAD_SOURCES: &[&str] = &[".", "./", "*", "./*"];

/// COPY flags the manifest COPY keeps (ownership and layer mode of the files).
const KEPT_FLAGS: &[&str] = &["chown", "chmod", "link"];

/// The files one tool's install reads in its working directory.
#[derive(Debug)]
struct Manifests {
    tool: &'static str,
    /// The install cannot run without it.
    required: &'static str,
    /// Read when present.
    optional: &'static [&'static str],
    /// The option that installs the dependencies but not the project itself,
    /// for tools that install the project (and so need its sources) by default.
    no_project: Option<&'static str>,
}

const NPM: Manifests = Manifests {
    tool: "npm",
    required: "package.json",
    optional: &["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
    no_project: None,
};
const YARN: Manifests = Manifests {
    tool: "yarn",
    required: "package.json",
    optional: &["yarn.lock", ".yarnrc.yml", ".yarnrc", ".npmrc"],
    no_project: None,
};
const PNPM: Manifests = Manifests {
    tool: "pnpm",
    required: "package.json",
    optional: &["pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc"],
    no_project: None,
};
const BUNDLE: Manifests = Manifests {
    tool: "bundle",
    required: "Gemfile",
    optional: &["Gemfile.lock"],
    no_project: None,
};
const COMPOSER: Manifests = Manifests {
    tool: "composer",
    required: "composer.json",
    optional: &["composer.lock"],
    no_project: None,
};
const GO_MOD: Manifests = Manifests {
    tool: "go",
    required: "go.mod",
    optional: &["go.sum"],
    no_project: None,
};
const POETRY: Manifests = Manifests {
    tool: "poetry",
    required: "pyproject.toml",
    optional: &["poetry.lock", "poetry.toml"],
    no_project: Some("--no-root"),
};
const UV: Manifests = Manifests {
    tool: "uv",
    required: "pyproject.toml",
    optional: &["uv.lock", ".python-version"],
    no_project: Some("--no-install-project"),
};

/// What `pip install .` reads: the project, i.e. its sources.
const PIP_PROJECT: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg"];

/// Commands that never read the build context, by program and (when not
/// every use is harmless) first argument.
const HARMLESS: &[(&str, Option<&[&str]>)] = &[
    ("apt-get", None),
    ("apt", None),
    ("apk", None),
    ("dnf", None),
    ("yum", None),
    ("microdnf", None),
    ("zypper", None),
    ("echo", None),
    ("true", None),
    (":", None),
    ("set", None),
    ("export", None),
    ("pip", Some(&["config", "cache"])),
    ("pip3", Some(&["config", "cache"])),
    ("npm", Some(&["config", "cache"])),
    ("yarn", Some(&["config", "cache"])),
    ("pnpm", Some(&["config", "store"])),
    ("corepack", None),
    ("bundle", Some(&["config"])),
    ("composer", Some(&["config"])),
    ("poetry", Some(&["config"])),
    ("uv", Some(&["venv", "python", "cache"])),
    ("virtualenv", None),
    ("useradd", None),
    ("groupadd", None),
    ("adduser", None),
    ("addgroup", None),
];

/// Commands that only touch the paths they are given: harmless when every
/// path is absolute and outside the broad COPY's destination.
const PATH_COMMANDS: &[&str] = &["rm", "mkdir", "chmod", "chown", "ln"];

/// Package words that name local files rather than registry packages.
const LOCAL_SUFFIXES: &[&str] = &[
    ".whl", ".tar.gz", ".tgz", ".zip", ".deb", ".rpm", ".apk", ".gem",
];

/// What one install reads, in container paths.
#[derive(Debug, Clone)]
enum Reads {
    /// pip requirement / constraint files.
    Requirements(Vec<String>),
    /// A tool's manifests in a directory; the span is where the tool's
    /// `no_project` option goes when the command lacks it.
    Manifests(&'static Manifests, String, Option<usize>),
    /// `pip install .`: the project in a directory, sources included.
    Project(String),
}

#[derive(Debug, Clone)]
struct InstallUse {
    span: Span,
    reads: Reads,
}

/// A RUN, as far as the build context goes.
#[derive(Debug, Default)]
struct RunUse {
    /// Installs that read files.
    installs: Vec<InstallUse>,
    /// Tools of installs that read nothing local (`pip install pytest`).
    free_tools: BTreeSet<&'static str>,
    /// Some command may read the sources (or we cannot tell).
    reads_sources: bool,
}

/// A COPY/ADD of the whole context.
struct Broad<'a> {
    ins: &'a Instruction,
    copy: &'a CopyAdd,
    dest: &'a Spanned<String>,
    /// Absolute destination in the image.
    dest_abs: String,
    /// The `.` (or `*`) source word.
    source_span: Span,
    /// Only top-level files keep their path (`COPY * /app/` flattens directories).
    glob: bool,
}

/// One path an earlier, narrow COPY put into the image.
#[derive(Debug, Clone)]
struct Copied {
    path: String,
    /// A pattern for the last component (`requirements*.txt`).
    glob: bool,
}

impl Copied {
    fn covers(&self, path: &str) -> bool {
        if self.glob {
            let (dir, name) = split_parent(path);
            let (pdir, pattern) = split_parent(&self.path);
            return dir == pdir && glob_match(pattern, name);
        }
        path == self.path
            || path
                .strip_prefix(self.path.as_str())
                .is_some_and(|rest| rest.starts_with('/') || self.path == "/")
    }
}

/// WORKDIR and narrow COPYs in effect while walking a stage (and the
/// stages it is built on).
struct State {
    /// `None` once a WORKDIR depends on a variable.
    workdir: Option<String>,
    copied: Vec<Copied>,
    /// Indices into `copied` by path, globs by their directory, so a lookup
    /// looks at a path's directories, not at every COPY so far.
    by_path: HashMap<String, Vec<usize>>,
    globs_by_dir: HashMap<String, Vec<usize>>,
}

/// What [`State::undo`] restores: the state when a stage was entered.
struct Mark {
    workdir: Option<String>,
    copied: usize,
}

impl CarriedState for State {
    type Mark = Mark;

    fn mark(&self) -> Mark {
        Mark {
            workdir: self.workdir.clone(),
            copied: self.copied.len(),
        }
    }

    /// Back to `mark`: the COPYs tracked since go (newest first).
    fn undo(&mut self, mark: Mark) {
        while self.copied.len() > mark.copied {
            let Some(copied) = self.copied.pop() else {
                break;
            };
            let list = if copied.glob {
                self.globs_by_dir.get_mut(split_parent(&copied.path).0)
            } else {
                self.by_path.get_mut(&copied.path)
            };
            if let Some(list) = list {
                list.pop();
            }
        }
        self.workdir = mark.workdir;
    }
}

impl State {
    fn new() -> State {
        State {
            workdir: Some("/".to_string()),
            copied: Vec::new(),
            by_path: HashMap::new(),
            globs_by_dir: HashMap::new(),
        }
    }

    fn track(&mut self, ins: &Instruction) {
        work::add(1);
        match &ins.kind {
            InstructionKind::Workdir(dir) => {
                self.workdir = next_workdir(self.workdir.as_deref(), &dir.value);
            }
            InstructionKind::Copy(c) | InstructionKind::Add(c)
                if ins.flag("from").is_none() && broad_source(c).is_none() =>
            {
                for copied in copied_paths(c, self.workdir.as_deref()) {
                    self.add(copied);
                }
            }
            _ => {}
        }
    }

    fn add(&mut self, copied: Copied) {
        let key = if copied.glob {
            (
                &mut self.globs_by_dir,
                split_parent(&copied.path).0.to_string(),
            )
        } else {
            (&mut self.by_path, copied.path.clone())
        };
        key.0.entry(key.1).or_default().push(self.copied.len());
        self.copied.push(copied);
    }

    /// Whether an earlier narrow COPY put image path `path` in place.
    fn covers(&self, path: &str) -> bool {
        let exact = ancestors(path).any(|dir| {
            work::add(1);
            self.by_path.get(dir).is_some_and(|list| !list.is_empty())
        });
        exact
            || self
                .globs_by_dir
                .get(split_parent(path).0)
                .into_iter()
                .flatten()
                .filter_map(|&i| self.copied.get(i))
                .any(|c| c.covers(path))
    }
}

/// The WORKDIR after `WORKDIR dir` in `current` (`None`: unknown).
fn next_workdir(current: Option<&str>, dir: &str) -> Option<String> {
    match (current, static_path(dir)) {
        (Some(wd), Some(dir)) => Some(join(wd, dir)),
        _ => None,
    }
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let stages = df.stages();
    let first = out.len();
    // Stages along their `FROM <stage>` tree: the parents' WORKDIR and
    // COPYs are in effect, restored (not replayed) for each sibling.
    let parents = stage_parents(df, &ctx.build.args);
    walk_stages(&parents, &mut State::new(), |state, index| {
        if let Some(stage) = stages.get(index) {
            check_stage(ctx, stage, state, out);
        }
        true
    });
    out[first..].sort_by_key(|d| (d.span.start, d.span.end));
}

/// The findings of one stage's broad COPYs; `state` ends as the stage does.
fn check_stage(
    ctx: &DockerfileContext<'_>,
    stage: &Stage,
    state: &mut State,
    out: &mut Vec<Diagnostic>,
) {
    let df = ctx.dockerfile;
    let nodes = &stage.instruction_nodes;
    for (pos, &node) in nodes.iter().enumerate() {
        let Some(ins) = df.instruction(node) else {
            continue;
        };
        if let Some(broad) = broad_copy(ins, state.workdir.as_deref()) {
            let rest = nodes.get(pos + 1..).unwrap_or(&[]);
            if let Some(diag) = check_broad(ctx, state, &broad, rest) {
                out.push(diag);
            }
        }
        state.track(ins);
    }
}

/// The finding for one broad COPY: the first install after it (same stage)
/// that reads files this COPY provides.
fn check_broad(
    ctx: &DockerfileContext<'_>,
    state: &State,
    broad: &Broad<'_>,
    rest: &[usize],
) -> Option<Diagnostic> {
    let df = ctx.dockerfile;
    let source = &df.source;
    let line_of = |offset: usize| df.line_index.position(source, offset).line;
    let context = context_dir(ctx);

    let mut workdir = state.workdir.clone();
    let mut saw_workdir = false;
    let mut workdir_changed = false;
    let mut blockers: Vec<String> = Vec::new();
    let mut first: Option<Span> = None;
    let mut files: Vec<String> = Vec::new();
    let mut tools: BTreeSet<&'static str> = BTreeSet::new();
    let mut last_node: Option<usize> = None;
    let mut reinstalls: Vec<usize> = Vec::new();
    let mut flag_inserts: Vec<(usize, &'static str)> = Vec::new();

    for &node in rest {
        work::add(1);
        let Some(ins) = df.instruction(node) else {
            continue;
        };
        let line = line_of(ins.span.start);
        match ins.keyword {
            Keyword::Workdir => {
                if let InstructionKind::Workdir(dir) = &ins.kind {
                    workdir = next_workdir(workdir.as_deref(), &dir.value);
                }
                saw_workdir = true;
                continue;
            }
            Keyword::Env | Keyword::Arg | Keyword::Label | Keyword::Expose => continue,
            Keyword::Run => {}
            _ => {
                if first.is_some() || broad_copy(ins, workdir.as_deref()).is_some() {
                    break;
                }
                blockers.push(format!(
                    "`{}` (line {line}) sits between the COPY and the install",
                    ins.keyword.as_str()
                ));
                continue;
            }
        }
        let run = classify_run(df, ins, workdir.as_deref(), &broad.dest_abs);
        let mut relevant = Vec::new();
        let mut rerun = false;
        for install in &run.installs {
            let Some(needs) = resolve(install, broad, context.as_deref(), ctx) else {
                continue;
            };
            if !needs.container.is_empty() && needs.container.iter().all(|p| state.covers(p)) {
                // Already copied before the broad COPY: a deliberate re-run.
                rerun = true;
                continue;
            }
            relevant.push((install, needs));
        }
        if relevant.is_empty() {
            if run.reads_sources || rerun {
                if first.is_some() {
                    break;
                }
                blockers.push(format!("the RUN on line {line} may read the sources"));
            } else if first.is_some() {
                // Another install of the same tools that reads nothing local.
                if run.free_tools.is_empty() || !run.free_tools.is_subset(&tools) {
                    break;
                }
                last_node = Some(node);
                workdir_changed = saw_workdir;
            }
            continue;
        }
        if first.is_some() && (run.reads_sources || rerun) {
            break;
        }
        for (install, needs) in relevant {
            first.get_or_insert(install.span);
            tools.insert(needs.tool);
            for f in needs.files {
                if !files.contains(&f) {
                    files.push(f);
                }
            }
            blockers.extend(needs.problems);
            if let Reads::Manifests(m, _, Some(at)) = &install.reads {
                if let Some(flag) = m.no_project {
                    flag_inserts.push((*at, flag));
                    if !reinstalls.contains(&node) {
                        reinstalls.push(node);
                    }
                }
            }
        }
        tools.extend(run.free_tools.iter().copied());
        last_node = Some(node);
        // The moved COPY lands after these WORKDIRs.
        workdir_changed = saw_workdir;
        if run.reads_sources || rerun {
            blockers.push(format!(
                "the RUN on line {line} also runs commands that may read the sources"
            ));
            break;
        }
    }

    let install_span = first?;
    let copy_text = broad.ins.normalized(source);
    let install_text = command_text(install_span.slice(source));
    let message = format!(
        "`{copy_text}` comes before `{install_text}` (line {}): any source change re-runs the install",
        line_of(install_span.start)
    );
    let mut diag = ctx.diagnostic(broad.source_span, message).with_label(
        install_span,
        "this install re-runs whenever any file of the context changes",
    );
    if context.is_none() {
        blockers.push("the build context is not a local directory".to_string());
    }
    if files.is_empty() {
        blockers.push("no manifest file to copy first".to_string());
    }
    if broad.copy.exec_form && workdir_changed {
        blockers.push("the COPY is in exec form and a WORKDIR follows it".to_string());
    }
    if let Some(bad) = files.iter().find(|f| needs_quoting(f)) {
        blockers.push(format!("`{bad}` would need quoting"));
    }
    let listed = quoted_list(&files);
    let fix = match (blockers.is_empty(), last_node) {
        (true, Some(last)) => build_fix(
            ctx,
            broad,
            &files,
            last,
            &reinstalls,
            &flag_inserts,
            workdir_changed,
        ),
        _ => None,
    };
    match fix {
        Some(edits) => {
            diag = diag
                .with_help(format!(
                    "copy only {listed} first, run the install, then copy the rest.\nThe install layer is then reused until one of these files changes."
                ))
                .with_fix(Fix::unsafe_(
                    format!("Copy {listed} before the install and the rest of the context after it"),
                    edits,
                ));
        }
        None => {
            let what = if files.is_empty() {
                "the files the install reads".to_string()
            } else {
                listed
            };
            diag = diag.with_help(format!(
                "copy only {what} before the install and the rest of the context after it (no automatic fix: {})",
                blockers.join("; ")
            ));
        }
    }
    Some(diag)
}

/// The edits: the manifest COPY replaces the broad one, which moves after
/// the last install (followed by the installs that also build the project).
fn build_fix(
    ctx: &DockerfileContext<'_>,
    broad: &Broad<'_>,
    files: &[String],
    last_node: usize,
    reinstalls: &[usize],
    flag_inserts: &[(usize, &'static str)],
    workdir_changed: bool,
) -> Option<Vec<Edit>> {
    let df = ctx.dockerfile;
    let source = &df.source;
    let nl = df.newline();
    let keyword = keyword_case(source, broad.ins.keyword_span, "COPY");
    let flags: String = broad
        .ins
        .flags
        .iter()
        .filter(|f| KEPT_FLAGS.contains(&f.name.value.as_str()))
        .map(|f| format!(" {}", f.span.slice(source)))
        .collect();
    // One COPY per directory, in the order the files were found.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for file in files {
        let (dir, _) = split_parent(file);
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, list)) => list.push(file),
            None => groups.push((dir, vec![file])),
        }
    }
    let written = broad.dest.value.as_str();
    let lines: Vec<String> = groups
        .iter()
        .map(|(dir, list)| {
            format!(
                "{keyword}{flags} {} {}",
                list.join(" "),
                destination(written, dir)
            )
        })
        .collect();
    let mut edits = vec![Edit::replace(ctx.path, broad.ins.span, lines.join(nl))];
    for &(at, flag) in flag_inserts {
        edits.push(Edit::insert(ctx.path, at, format!(" {flag}")));
    }
    // The broad COPY, its destination made absolute if a WORKDIR moved.
    let mut moved = broad.ins.span.slice(source).to_string();
    if workdir_changed && !broad.dest.value.starts_with('/') {
        let at = broad.dest.span.start.checked_sub(broad.ins.span.start)?;
        let end = at + broad.dest.span.len();
        moved.get(at..end)?;
        moved.replace_range(at..end, &broad.dest_abs);
    }
    let mut block = vec![moved];
    for &node in reinstalls {
        block.push(df.instruction(node)?.span.slice(source).to_string());
    }
    let end = df.nodes.get(last_node)?.span.end;
    let text = if source.get(..end).is_some_and(|s| s.ends_with('\n')) {
        format!("{}{nl}", block.join(nl))
    } else {
        format!("{nl}{}", block.join(nl))
    };
    edits.push(Edit::insert(ctx.path, end, text));
    Some(edits)
}

/// The manifest COPY's destination for files of context directory `dir`:
/// where the broad COPY (destination as written) would put them.
fn destination(written: &str, dir: &str) -> String {
    let base = written.trim_end_matches('/');
    match (dir.is_empty(), base) {
        (true, "") => "/".to_string(),
        (true, _) => format!("{base}/"),
        (false, "") => format!("/{dir}/"),
        (false, _) => format!("{base}/{dir}/"),
    }
}

/// The files an install needs from the context, and why they cannot be copied first.
struct Needs {
    tool: &'static str,
    /// Context-relative, in copy order.
    files: Vec<String>,
    /// Image paths of the files named or required (an earlier COPY of
    /// them means the layers are already split on purpose).
    container: Vec<String>,
    problems: Vec<String>,
}

/// What `install` needs from the broad COPY, or `None` when the COPY
/// provides none of its files.
fn resolve(
    install: &InstallUse,
    broad: &Broad<'_>,
    context: Option<&Path>,
    ctx: &DockerfileContext<'_>,
) -> Option<Needs> {
    let exists = |rel: &str| context.is_some_and(|c| ctx.file_exists(&c.join(rel)));
    let mut needs = Needs {
        tool: "pip",
        files: Vec::new(),
        container: Vec::new(),
        problems: Vec::new(),
    };
    match &install.reads {
        Reads::Requirements(paths) => {
            let mapped: Vec<(String, String)> = paths
                .iter()
                .filter_map(|p| Some((p.clone(), in_context(broad, p)?)))
                .collect();
            if mapped.is_empty() {
                return None;
            }
            let mut seen = BTreeSet::new();
            for (container, rel) in mapped {
                needs.container.push(container);
                if context.is_some() {
                    collect_requirements(&rel, context, ctx, &mut seen, &mut needs);
                }
            }
        }
        Reads::Manifests(m, dir, _) => {
            let rel_dir = in_context(broad, dir)?;
            needs.tool = m.tool;
            let rel = |name: &str| context_join(&rel_dir, name);
            needs.container.push(join(dir, m.required));
            if context.is_some() && !exists(&rel(m.required)) {
                needs
                    .problems
                    .push(format!("`{}` is not in the build context", rel(m.required)));
                return Some(needs);
            }
            needs.files.push(rel(m.required));
            for name in m.optional {
                if exists(&rel(name)) {
                    needs.files.push(rel(name));
                }
            }
            if let Some(problem) = workspace_problem(ctx, m, context, &rel_dir) {
                needs.problems.push(problem);
            }
        }
        Reads::Project(dir) => {
            let rel_dir = in_context(broad, dir)?;
            for name in PIP_PROJECT {
                let rel = context_join(&rel_dir, name);
                if exists(&rel) {
                    needs.files.push(rel);
                }
            }
            needs.problems.push(
                "`pip install .` builds the project from its sources; install the dependencies from a requirements file first and the project (`--no-deps`) after the COPY".to_string(),
            );
        }
    }
    Some(needs)
}

/// Monorepo layouts whose install needs more than the root manifests.
fn workspace_problem(
    ctx: &DockerfileContext<'_>,
    m: &Manifests,
    context: Option<&Path>,
    rel_dir: &str,
) -> Option<String> {
    let read = |name: &str| ctx.read_file(&context?.join(context_join(rel_dir, name)));
    match m.tool {
        "npm" | "yarn" | "pnpm" => {
            let workspaces = read("package.json").is_some_and(|t| t.contains("\"workspaces\""))
                || read("pnpm-workspace.yaml").is_some_and(|t| t.contains("packages:"));
            workspaces.then(|| {
                "the project uses workspaces (each package's manifest is needed)".to_string()
            })
        }
        "bundle" => read("Gemfile")
            .is_some_and(|t| {
                t.lines()
                    .any(|l| l.trim_start().starts_with("gemspec") || l.contains("path:"))
            })
            .then(|| "the Gemfile reads local gems or a gemspec".to_string()),
        _ => None,
    }
}

/// Adds a requirements file and (first) the files it includes with
/// `-r`/`-c`, guarding against include cycles.
fn collect_requirements(
    rel: &str,
    context: Option<&Path>,
    ctx: &DockerfileContext<'_>,
    seen: &mut BTreeSet<String>,
    needs: &mut Needs,
) {
    let Some(context) = context else { return };
    if seen.len() > 200 || !seen.insert(rel.to_string()) {
        return;
    }
    let full = context.join(rel);
    if !ctx.file_exists(&full) {
        needs
            .problems
            .push(format!("`{rel}` is not in the build context"));
        return;
    }
    // The fix loop's in-memory version counts (a requirements file another fix changed).
    if let Some(text) = ctx.read_file(&full) {
        let (includes, local) = requirement_includes(&text);
        if local {
            needs
                .problems
                .push(format!("`{rel}` installs local sources"));
        }
        let (dir, _) = split_parent(rel);
        for include in includes {
            match context_inside(&format!("{dir}/{include}")) {
                Some(child) => collect_requirements(&child, Some(context), ctx, seen, needs),
                None => needs.problems.push(format!(
                    "`{include}` (from `{rel}`) is outside the build context"
                )),
            }
        }
    }
    if !needs.files.iter().any(|f| f == rel) {
        needs.files.push(rel.to_string());
    }
}

/// The `-r`/`-c` paths of a requirements file, and whether it installs
/// local sources (`-e .`, `./pkg`).
fn requirement_includes(text: &str) -> (Vec<String>, bool) {
    let mut includes = Vec::new();
    let mut local = false;
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        let value = match first {
            "-r" | "--requirement" | "-c" | "--constraint" => words.next().map(str::to_string),
            "-e" | "--editable" => {
                local |= words.next().is_some_and(is_local_path);
                None
            }
            _ => ["--requirement=", "--constraint=", "-r", "-c"]
                .iter()
                .find_map(|p| first.strip_prefix(p))
                .map(str::to_string)
                .or_else(|| {
                    local |= first
                        .strip_prefix("--editable=")
                        .or_else(|| first.strip_prefix("-e"))
                        .map_or(is_local_path(first), is_local_path);
                    None
                }),
        };
        if let Some(v) = value.filter(|v| !v.is_empty() && !v.contains("://")) {
            includes.push(v);
        }
    }
    (includes, local)
}

fn is_local_path(word: &str) -> bool {
    word.starts_with('.')
        || word.starts_with('/')
        || word.starts_with('~')
        || word.starts_with("file:")
        || LOCAL_SUFFIXES.iter().any(|s| word.ends_with(s)) && !word.contains("://")
}

/// What a RUN reads; `workdir` is where it starts, `dest` the broad COPY's destination.
fn classify_run(
    df: &crate::dockerfile::Dockerfile,
    ins: &Instruction,
    workdir: Option<&str>,
    dest: &str,
) -> RunUse {
    let mut out = RunUse::default();
    // A bind mount of the context (`--mount=target=.`, type bind by
    // default) reads sources; one `from` another stage or image does not.
    let bind_mount = !ins.context_binds().is_empty();
    let scripts = df.run_scripts(ins);
    let Some(workdir) = workdir else {
        out.reads_sources = true;
        return out;
    };
    if bind_mount || scripts.is_empty() || scripts.iter().any(|s| s.has_syntax_error) {
        out.reads_sources = true;
        return out;
    }
    for script in scripts.iter() {
        let installs = script.installs();
        let mut wd = workdir.to_string();
        for (i, command) in script.commands().iter().enumerate() {
            if let Some(install) = installs.iter().find(|x| x.command_index == i) {
                classify_install(install, &wd, &mut out);
                continue;
            }
            let Some((program, args)) = command.effective() else {
                continue; // a bare assignment
            };
            let Some(name) = command_basename(program) else {
                out.reads_sources = true;
                continue;
            };
            let first = args.first().and_then(Word::as_str);
            match name {
                "cd" => match first.and_then(static_path) {
                    Some(dir) => wd = join(&wd, dir),
                    None => out.reads_sources = true,
                },
                "poetry" | "uv"
                    if classify_python_tool(name, args, &wd, command.span, &mut out) => {}
                // `python -m venv /opt/venv` creates an environment, reads nothing.
                _ if name.starts_with("python")
                    && first == Some("-m")
                    && args.get(1).and_then(Word::as_str) == Some("venv") => {}
                _ if HARMLESS.iter().any(|(p, subs)| {
                    *p == name && subs.is_none_or(|s| first.is_some_and(|f| s.contains(&f)))
                }) => {}
                _ if PATH_COMMANDS.contains(&name) => {
                    let touches_sources = args.iter().any(|a| match a.as_str() {
                        Some(p) if p.starts_with('-') => false,
                        Some(p) if p.starts_with('/') => {
                            let p = join("/", p);
                            p == dest || p.starts_with(&format!("{}/", dest.trim_end_matches('/')))
                        }
                        _ => true,
                    });
                    out.reads_sources |= touches_sources;
                }
                _ => out.reads_sources = true,
            }
        }
    }
    out
}

/// `poetry install`, `uv sync`, `uv pip install`; false for other subcommands.
fn classify_python_tool(name: &str, args: &[Word], wd: &str, span: Span, out: &mut RunUse) -> bool {
    let texts: Vec<Option<&str>> = args.iter().map(Word::as_str).collect();
    let has = |flag: &str| {
        texts
            .iter()
            .any(|t| *t == Some(flag) || t.is_some_and(|t| t.starts_with(&format!("{flag}="))))
    };
    let manifests = match (name, texts.first().copied().flatten()) {
        ("poetry", Some("install")) => &POETRY,
        ("uv", Some("sync")) => &UV,
        ("uv", Some("pip")) if texts.get(1).copied().flatten() == Some("install") => {
            uv_pip_install(args.get(2..).unwrap_or(&[]), wd, span, out);
            return true;
        }
        _ => return false,
    };
    let Some(subcommand) = args.first() else {
        return false;
    };
    if [
        "-C",
        "--directory",
        "-P",
        "--project",
        "--only-root",
        "--package",
    ]
    .iter()
    .any(|f| has(f))
    {
        out.reads_sources = true;
        return true;
    }
    let missing_flag = manifests
        .no_project
        .filter(|flag| !has(flag))
        .map(|_| subcommand.span.end);
    out.installs.push(InstallUse {
        span,
        reads: Reads::Manifests(manifests, wd.to_string(), missing_flag),
    });
    true
}

/// `uv pip install` takes pip's `-r`/`-c`/`-e` arguments.
fn uv_pip_install(args: &[Word], wd: &str, span: Span, out: &mut RunUse) {
    let mut requirements = Vec::new();
    let mut project = false;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let Some(text) = word.as_str() else {
            out.reads_sources = true;
            return;
        };
        let value = match text {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                match words.next().and_then(Word::as_str) {
                    Some(v) => requirements.push(join(wd, v)),
                    None => out.reads_sources = true,
                }
                continue;
            }
            "-e" | "--editable" => words.next().and_then(Word::as_str),
            _ if text.starts_with('-') => continue,
            _ => Some(text),
        };
        match value {
            Some("." | "./") => project = true,
            Some(v) if is_local_path(v) => out.reads_sources = true,
            Some(_) => {}
            None => out.reads_sources = true,
        }
    }
    push_pip(requirements, project, wd, span, out);
}

fn push_pip(requirements: Vec<String>, project: bool, wd: &str, span: Span, out: &mut RunUse) {
    if project {
        out.installs.push(InstallUse {
            span,
            reads: Reads::Project(wd.to_string()),
        });
    } else if !requirements.is_empty() {
        out.installs.push(InstallUse {
            span,
            reads: Reads::Requirements(requirements),
        });
    } else {
        out.free_tools.insert("pip");
    }
}

/// Sorts an install by what it reads.
fn classify_install(install: &PackageInstall<'_>, wd: &str, out: &mut RunUse) {
    use PackageManager::*;
    let statics: Option<Vec<&str>> = install.packages.iter().map(|w| w.as_str()).collect();
    let Some(packages) = statics else {
        out.reads_sources = true;
        return;
    };
    let any_local = packages.iter().any(|p| is_local_path(p));
    let manifests = |m: &'static Manifests, out: &mut RunUse| {
        out.installs.push(InstallUse {
            span: install.span,
            reads: Reads::Manifests(m, wd.to_string(), None),
        });
    };
    match install.manager {
        Pip => {
            let mut requirements = Vec::new();
            for file in &install.requirement_files {
                match file.as_str() {
                    Some(v) if v.contains("://") => {}
                    Some(v) => requirements.push(join(wd, v)),
                    None => out.reads_sources = true,
                }
            }
            let project = packages.iter().any(|p| matches!(*p, "." | "./"));
            if any_local && !project {
                out.reads_sources = true;
            }
            push_pip(requirements, project, wd, install.span, out);
        }
        Npm | Yarn | Pnpm => {
            let global = install.has_flag(&["-g", "--global"])
                || install.subcommand_str() == Some("global add");
            if any_local
                || install.has_flag(&["--prefix", "--cwd", "-C", "--dir", "-w", "--workspace"])
            {
                out.reads_sources = true;
            } else if global && !packages.is_empty() {
                out.free_tools.insert("npm");
            } else {
                let m = match install.manager {
                    Yarn => &YARN,
                    Pnpm => &PNPM,
                    _ => &NPM,
                };
                manifests(m, out);
            }
        }
        Bundle if install.has_flag(&["--gemfile"]) => out.reads_sources = true,
        Bundle => manifests(&BUNDLE, out),
        Composer if install.has_flag(&["-d", "--working-dir"]) => out.reads_sources = true,
        Composer => manifests(&COMPOSER, out),
        Go if install.subcommand_str() == Some("mod download") => {
            if install.has_flag(&["-modfile"]) {
                out.reads_sources = true;
            } else {
                manifests(&GO_MOD, out);
            }
        }
        Go | Gem | Cargo => {
            let registry_only = !packages.is_empty()
                && !any_local
                && !install.has_flag(&["--path"])
                && matches!(install.subcommand_str(), Some("install" | "i" | "get"))
                && (install.manager != Go || packages.iter().all(|p| p.contains('@')));
            if registry_only {
                out.free_tools.insert(install.manager.as_str());
            } else {
                out.reads_sources = true;
            }
        }
        AptGet | Apt | Apk | Dnf | Yum | Microdnf | Zypper => {
            if any_local {
                out.reads_sources = true;
            } else {
                out.free_tools.insert("system");
            }
        }
    }
}

/// The broad COPY/ADD of an instruction, if it is one.
fn broad_copy<'a>(ins: &'a Instruction, workdir: Option<&str>) -> Option<Broad<'a>> {
    let (InstructionKind::Copy(copy) | InstructionKind::Add(copy)) = &ins.kind else {
        return None;
    };
    if ins.flag("from").is_some() {
        return None;
    }
    let source = broad_source(copy)?;
    let dest = copy.destination.as_ref()?;
    let dest_abs = join(workdir?, static_path(&dest.value)?);
    Some(Broad {
        ins,
        copy,
        dest,
        dest_abs,
        source_span: source.span,
        glob: source.value.contains('*'),
    })
}

fn broad_source(copy: &CopyAdd) -> Option<&Spanned<String>> {
    copy.sources
        .iter()
        .find(|s| BROAD_SOURCES.contains(&s.value.as_str()))
}

/// Image paths a narrow COPY provides.
fn copied_paths(copy: &CopyAdd, workdir: Option<&str>) -> Vec<Copied> {
    let Some(dest) = copy.destination.as_ref() else {
        return Vec::new();
    };
    let (Some(workdir), Some(written)) = (workdir, static_path(&dest.value)) else {
        return Vec::new();
    };
    let dest_abs = join(workdir, written);
    let into_dir = written.ends_with('/') || written == "." || copy.sources.len() > 1;
    copy.sources
        .iter()
        .filter_map(|s| {
            let value = static_path(&s.value)?;
            if value.starts_with("<<") || value.contains("://") {
                return None;
            }
            // A directory source copies its contents.
            if value.ends_with('/') {
                return Some(Copied {
                    path: dest_abs.clone(),
                    glob: false,
                });
            }
            let name = value.rsplit('/').next().unwrap_or(value);
            let path = if into_dir || name.contains(['*', '?']) {
                join(&dest_abs, name)
            } else {
                dest_abs.clone()
            };
            Some(Copied {
                glob: name.contains(['*', '?']),
                path,
            })
        })
        .collect()
}

/// Where an image path under the broad COPY's destination comes from in the context.
fn in_context(broad: &Broad<'_>, path: &str) -> Option<String> {
    let rel = if broad.dest_abs == "/" {
        path.trim_start_matches('/').to_string()
    } else if path == broad.dest_abs {
        String::new()
    } else {
        path.strip_prefix(&format!("{}/", broad.dest_abs))?
            .to_string()
    };
    if broad.glob && rel.contains('/') {
        return None;
    }
    Some(rel)
}

/// The local build context: the bake target's, or the Dockerfile's directory
/// for a stand-alone Dockerfile.
fn context_dir(ctx: &DockerfileContext<'_>) -> Option<PathBuf> {
    match &ctx.build.context {
        Some(c) => Some(c.clone()),
        None if !ctx.build.from_bake => ctx.path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        }),
        None => None,
    }
}

/// A path without variables (`None` when it expands something).
fn static_path(path: &str) -> Option<&str> {
    (!path.contains('$') && !path.is_empty()).then_some(path)
}

/// (`dir`, `name`) of a path (`dir` empty for a bare name, and for `/x`).
fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// `*` and `?` wildcards over one path component.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

fn needs_quoting(path: &str) -> bool {
    path.chars()
        .any(|c| c.is_whitespace() || "\"'$*?[]\\`".contains(c))
}

/// A command's text on one line, shortened for a message.
fn command_text(text: &str) -> String {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| *w != "\\" && *w != "`")
        .collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(72) {
        Some((at, _)) => format!("{}…", &joined[..at]),
        None => joined,
    }
}

fn quoted_list(files: &[String]) -> String {
    files
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::RULE;
    use crate::diagnostic::Diagnostic;
    use crate::rules::testing::{apply_round, fix_until_clean};
    use crate::rules::testing::{run_with, slices};
    use crate::rules::BuildInfo;

    /// A build context holding `files`.
    fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn build(dir: &Path) -> BuildInfo {
        BuildInfo {
            context: Some(dir.to_path_buf()),
            from_bake: true,
            ..BuildInfo::default()
        }
    }

    fn lint(dir: &Path, src: &str) -> Vec<Diagnostic> {
        run_with(&RULE, src, &build(dir), Path::new("Dockerfile"))
    }

    /// Fixes `src` until clean and checks it ends without findings.
    fn fixed(dir: &Path, src: &str) -> String {
        let out = fix_until_clean(&|text| lint(dir, text), src);
        assert!(lint(dir, &out).is_empty(), "still fires on {out}");
        out
    }

    #[test]
    fn narrow_copies_and_workdirs_follow_the_stage_tree() {
        let dir = context(&[("requirements.txt", "flask==3.0\n"), ("package.json", "{}")]);
        // Twenty stages down a chain, the manifest COPY of the first stage
        // is still in place: the later install after `COPY . .` is a re-run.
        let mut src = String::from("FROM python AS s0\nWORKDIR /app\nCOPY requirements.txt ./\n");
        for i in 1..20 {
            src.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
        }
        src.push_str("COPY . .\nRUN pip install -r requirements.txt\n");
        assert!(lint(dir.path(), &src).is_empty(), "{src}");
        // A sibling's COPY and WORKDIR do not reach it.
        let src = "FROM python AS base\nFROM base AS a\nWORKDIR /app\nCOPY requirements.txt ./\nFROM base AS b\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
        assert_eq!(slices(src, &lint(dir.path(), src)), ["."]);
        let src = "FROM python AS base\nWORKDIR /srv\nFROM base AS a\nWORKDIR /app\nFROM base\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n";
        assert_eq!(lint(dir.path(), src).len(), 1);
        // Findings come in source order whatever order the stages are walked in.
        let src = "FROM node AS a\nCOPY . .\nRUN npm ci\nFROM python AS b\nCOPY . .\nRUN pip install -r requirements.txt\nFROM a\nCOPY . /x\nRUN cd /x && npm ci\n";
        let diags = lint(dir.path(), src);
        assert_eq!(diags.len(), 3);
        assert!(diags.windows(2).all(|w| w[0].span.start < w[1].span.start));
    }

    #[test]
    fn pip_requirements_with_nested_includes() {
        let dir = context(&[
            (
                "requirements/base.txt",
                "-c ../constraints.txt\nDjango==5.1\n",
            ),
            (
                "requirements/test.txt",
                "# tests\n-r base.txt\npytest==8.3 # pinned\n",
            ),
            ("constraints.txt", "urllib3<3\n"),
        ]);
        let src = "FROM python:3.12\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/test.txt\nCMD [\"pytest\"]\n";
        let diags = lint(dir.path(), src);
        assert_eq!(slices(src, &diags), ["."]);
        let d = &diags[0];
        assert_eq!(
            d.message,
            "`COPY . /app` comes before `pip install -r requirements/test.txt` (line 4): any source change re-runs the install"
        );
        assert_eq!(
            d.labels[0].span.slice(src),
            "pip install -r requirements/test.txt"
        );
        assert!(d.fix.is_some());
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python:3.12\nWORKDIR /app\nCOPY constraints.txt /app/\nCOPY requirements/base.txt requirements/test.txt /app/requirements/\nRUN pip install -r requirements/test.txt\nCOPY . /app\nCMD [\"pytest\"]\n"
        );
    }

    #[test]
    fn include_cycle_terminates() {
        let dir = context(&[("a.txt", "-r b.txt\nx\n"), ("b.txt", "-r a.txt\ny\n")]);
        let src = "FROM python\nCOPY . .\nRUN pip install -r a.txt\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nCOPY b.txt a.txt ./\nRUN pip install -r a.txt\nCOPY . .\n"
        );
    }

    #[test]
    fn pip_install_project_is_help_only() {
        let dir = context(&[("pyproject.toml", "[project]\nname = \"x\"\n")]);
        let src = "FROM python\nWORKDIR /src\nCOPY . .\nRUN pip install -e .\n";
        let diags = lint(dir.path(), src);
        assert_eq!(slices(src, &diags), ["."]);
        assert!(diags[0].fix.is_none());
        let help = diags[0].help.as_deref().unwrap_or("");
        assert!(
            help.contains("`pyproject.toml`") && help.contains("--no-deps"),
            "{help}"
        );
    }

    #[test]
    fn npm_ci_with_lock_file_and_copy_flags() {
        let dir = context(&[
            ("package.json", "{}"),
            ("package-lock.json", "{}"),
            (".npmrc", "x"),
        ]);
        let src = "FROM node:20\nWORKDIR /app\nCOPY --link --chown=node:node --exclude=*.md . .\nRUN npm ci --omit=dev\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM node:20\nWORKDIR /app\nCOPY --link --chown=node:node package.json package-lock.json .npmrc ./\nRUN npm ci --omit=dev\nCOPY --link --chown=node:node --exclude=*.md . .\n"
        );
    }

    #[test]
    fn other_tools_copy_their_manifests() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (
                &[("package.json", "{}"), ("yarn.lock", "")],
                "RUN yarn install --frozen-lockfile",
                "COPY package.json yarn.lock /app/",
            ),
            (
                &[("go.mod", "module x"), ("go.sum", "")],
                "RUN go mod download",
                "COPY go.mod go.sum /app/",
            ),
            (
                &[("Gemfile", "source 'x'"), ("Gemfile.lock", "")],
                "RUN bundle install",
                "COPY Gemfile Gemfile.lock /app/",
            ),
            (
                &[("composer.json", "{}"), ("composer.lock", "{}")],
                "RUN composer install --no-dev",
                "COPY composer.json composer.lock /app/",
            ),
            (
                &[("package.json", "{}"), ("pnpm-lock.yaml", "")],
                "RUN corepack enable && pnpm install --frozen-lockfile",
                "COPY package.json pnpm-lock.yaml /app/",
            ),
        ];
        for (files, run, copy) in cases {
            let dir = context(files);
            let src = format!("FROM x\nWORKDIR /app\nCOPY . /app\n{run}\n");
            assert_eq!(
                fixed(dir.path(), &src),
                format!("FROM x\nWORKDIR /app\n{copy}\n{run}\nCOPY . /app\n"),
                "{run}"
            );
        }
    }

    #[test]
    fn poetry_and_uv_install_the_project_after_the_sources() {
        let dir = context(&[
            ("pyproject.toml", "[project]"),
            ("poetry.lock", ""),
            ("uv.lock", ""),
        ]);
        let src = "FROM python\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root --only main\nCOPY . .\nRUN poetry install --only main\n"
        );
        let src = "FROM python\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-install-project\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-install-project\nCOPY . .\n"
        );
        let src = "FROM python\nWORKDIR /app\nCOPY . .\nRUN uv pip install --system -r requirements.txt\n";
        let diags = lint(dir.path(), src);
        assert!(diags[0].fix.is_none(), "requirements.txt is missing");
    }

    #[test]
    fn missing_requirements_file_is_help_only() {
        let dir = context(&[("requirements/base.txt", "x\n")]);
        let src =
            "FROM python\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/prod.txt\n";
        let diags = lint(dir.path(), src);
        assert_eq!(slices(src, &diags), ["."]);
        assert!(diags[0].fix.is_none());
        assert!(diags[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("`requirements/prod.txt` is not in the build context")));
        // No local context at all (a remote bake context).
        let remote = BuildInfo {
            from_bake: true,
            ..BuildInfo::default()
        };
        let diags = run_with(&RULE, src, &remote, Path::new("Dockerfile"));
        assert!(diags[0].fix.is_none());
        assert!(diags[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("not a local directory")));
    }

    #[test]
    fn workdir_between_copy_and_install() {
        let dir = context(&[("api/requirements.txt", "x\n")]);
        let src = "FROM python\nWORKDIR /srv\nCOPY . .\nWORKDIR /srv/api\nENV PIP_NO_CACHE_DIR=1\nRUN pip install -r requirements.txt\nCMD [\"x\"]\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /srv\nCOPY api/requirements.txt ./api/\nWORKDIR /srv/api\nENV PIP_NO_CACHE_DIR=1\nRUN pip install -r requirements.txt\nCOPY . /srv\nCMD [\"x\"]\n"
        );
    }

    #[test]
    fn cd_in_the_run_and_parent_stage_workdir() {
        let dir = context(&[("web/package.json", "{}")]);
        let src = "FROM node AS base\nWORKDIR /app\n\nFROM base AS web\nCOPY . /app\nRUN cd web && npm install\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM node AS base\nWORKDIR /app\n\nFROM base AS web\nCOPY web/package.json /app/web/\nRUN cd web && npm install\nCOPY . /app\n"
        );
    }

    #[test]
    fn no_finding_cases() {
        let dir = context(&[("requirements.txt", "x\n"), ("package.json", "{}")]);
        for src in [
            // Manifests already copied first (what the fix produces).
            "FROM python\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
            "FROM python\nWORKDIR /app\nCOPY requirements*.txt ./\nCOPY . .\nRUN pip install -r requirements.txt\n",
            // Install before the COPY.
            "FROM python\nWORKDIR /app\nRUN pip install -r /tmp/r.txt\nCOPY . .\n",
            // Install in another stage.
            "FROM python AS a\nWORKDIR /app\nCOPY . .\nFROM a AS b\nRUN pip install -r requirements.txt\n",
            // Reads a file the broad COPY does not provide.
            "FROM python\nCOPY . /src\nRUN pip install -r /other/req.txt\n",
            // From another stage, registry packages only, bind mounts.
            "FROM python\nWORKDIR /app\nCOPY --from=build . .\nRUN pip install -r requirements.txt\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install pytest && npm install -g pnpm\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN python -m venv /venv && useradd app\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN --mount=type=bind,source=requirements.txt,target=r.txt pip install -r r.txt\n",
            // A bind mount is the default mount type.
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN --mount=source=requirements.txt,target=r.txt pip install -r r.txt\n",
        ] {
            assert!(lint(dir.path(), src).is_empty(), "{src}");
        }
    }

    #[test]
    fn help_only_when_the_install_run_reads_sources() {
        let dir = context(&[
            ("requirements.txt", "x\n"),
            ("package.json", "{\"workspaces\": []}"),
        ]);
        for src in [
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && python manage.py collectstatic\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN ./configure\nRUN pip install -r requirements.txt\n",
            "FROM python\nWORKDIR /app\nCOPY . .\nUSER app\nRUN pip install -r requirements.txt\n",
            "FROM node\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        ] {
            let diags = lint(dir.path(), src);
            assert_eq!(diags.len(), 1, "{src}");
            assert!(diags[0].fix.is_none(), "{src}");
            assert!(diags[0].help.as_deref().is_some_and(|h| h.contains("no automatic fix")));
        }
    }

    #[test]
    fn cache_mount_variant_and_following_installs_move_too() {
        let dir = context(&[("requirements.txt", "x\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY . /app\nRUN --mount=type=cache,target=/root/.cache/pip \\\n    pip install -r requirements.txt\nRUN pip install pytest\nRUN apt-get update && apt-get install -y chromium\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /app\nCOPY requirements.txt /app/\nRUN --mount=type=cache,target=/root/.cache/pip \\\n    pip install -r requirements.txt\nRUN pip install pytest\nCOPY . /app\nRUN apt-get update && apt-get install -y chromium\n"
        );
    }

    #[test]
    fn crlf_and_lowercase_and_no_final_newline() {
        let dir = context(&[("requirements.txt", "x\r\n")]);
        let src = "from python\r\nworkdir /app\r\ncopy . .\r\nrun pip install -r requirements.txt";
        let diags = lint(dir.path(), src);
        let once = apply_round(src, &diags);
        assert_eq!(
            once,
            "from python\r\nworkdir /app\r\ncopy requirements.txt ./\r\nrun pip install -r requirements.txt\r\ncopy . ."
        );
        assert!(lint(dir.path(), &once).is_empty());
    }

    #[test]
    fn stand_alone_dockerfile_uses_its_directory() {
        let dir = context(&[("requirements.txt", "x\n")]);
        let path = dir.path().join("Dockerfile");
        let src = "FROM python\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n";
        let diags = run_with(&RULE, src, &BuildInfo::default(), &path);
        assert_eq!(slices(src, &diags), ["."]);
        assert!(diags[0].fix.is_some());
    }

    #[test]
    fn bake_context_is_the_repository_root() {
        let linted = crate::rules::testing::bake::lint(
            &RULE,
            &[
                (
                    "deployment/docker-bake.hcl",
                    "target \"test\" {\n  context = \".\"\n  dockerfile = \"deployment/docker/test.Dockerfile\"\n}\n",
                ),
                (
                    "deployment/docker/test.Dockerfile",
                    "FROM python\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/test.txt\n",
                ),
                ("requirements/base.txt", "Django\n"),
                ("requirements/test.txt", "-r base.txt\npytest\n"),
            ],
        );
        assert_eq!(linted.slices(), ["."]);
        assert_eq!(
            crate::rules::testing::bake::fixed(&linted, "deployment/docker/test.Dockerfile"),
            "FROM python\nWORKDIR /app\nCOPY requirements/base.txt requirements/test.txt /app/requirements/\nRUN pip install -r requirements/test.txt\nCOPY . /app\n"
        );
    }

    #[test]
    fn virtual_requirements_file_counts_without_includes() {
        let dir = context(&[]);
        let mut info = build(dir.path());
        info.virtual_files = std::sync::Arc::new(
            [crate::workspace::normalize(&dir.path().join("req.txt"))]
                .into_iter()
                .collect(),
        );
        let src = "FROM python\nCOPY . .\nRUN pip install -r req.txt\n";
        let diags = run_with(&RULE, src, &info, Path::new("Dockerfile"));
        assert_eq!(
            apply_round(src, &diags),
            "FROM python\nCOPY req.txt ./\nRUN pip install -r req.txt\nCOPY . .\n"
        );
    }

    #[test]
    fn venv_then_install_moves() {
        let dir = context(&[("requirements.txt", "x\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY --chmod=644 . .\nRUN python3 -m venv /venv && /venv/bin/pip install -r ./requirements.txt\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /app\nCOPY --chmod=644 requirements.txt ./\nRUN python3 -m venv /venv && /venv/bin/pip install -r ./requirements.txt\nCOPY --chmod=644 . .\n"
        );
    }

    #[test]
    fn build_step_after_the_install_stays_after_the_sources() {
        let dir = context(&[
            ("package.json", "{}"),
            ("package-lock.json", "{}"),
            (".npmrc", ""),
        ]);
        let src = "FROM node\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM node\nWORKDIR /app\nCOPY package.json package-lock.json .npmrc ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n"
        );
        // The lock file copied by hand, the install after the sources: left alone.
        let src = "FROM node\nWORKDIR /app\nCOPY package*.json ./\nCOPY . .\nRUN npm ci\n";
        assert!(lint(dir.path(), src).is_empty());
    }

    #[test]
    fn second_broad_copy_and_later_workdir() {
        let dir = context(&[("requirements.txt", "x\n")]);
        let src = "FROM python\nWORKDIR /app\nCOPY . .\nCOPY . .\nRUN pip install -r requirements.txt\nWORKDIR /app/src\n";
        let diags = lint(dir.path(), src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.start, src.rfind(". .").expect("copy"));
        let src = "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nWORKDIR /app/src\n";
        assert_eq!(
            fixed(dir.path(), src),
            "FROM python\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nWORKDIR /app/src\n"
        );
    }

    #[test]
    fn bad_input_does_not_panic() {
        let dir = context(&[("requirements.txt", "-r\n-r ../../x\n-e\n")]);
        let src = "FROM python\nWORKDIR $X\nCOPY . \"/a b\"\nCOPY [\".\", \"/app\"]\nRUN pip install -r requirements.txt -r $R -e\nRUN [\"pip\", \"install\", \"-r\", \"requirements.txt\"]\nRUN cd && poetry install -C x && uv sync --project y\nADD * /\nRUN pip install -r requirements.txt\n";
        for end in 0..src.len() {
            if let Some(prefix) = src.get(..end) {
                let diags = lint(dir.path(), prefix);
                let _ = apply_round(prefix, &diags);
            }
        }
    }
}
