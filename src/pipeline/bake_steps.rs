//! The image builds a workflow's steps run, read as the tools read them:
//!
//! - `docker/bake-action` (any version): `files`, `targets`, `set`,
//!   `push`, `load`, `workdir`, `source`. Lists are split as
//!   `@docker/actions-toolkit`'s `Util.getInputList` splits them: `files`
//!   and `targets` at line breaks and commas, `set` one override a line
//!   (commas and quotes kept). Since v6 the action builds from the Git
//!   context by default: the files are read from the repository root and
//!   `workdir` only matters for `source: .` (or files prefixed `cwd://`);
//!   before v6 everything is read in `workdir`.
//! - `docker buildx bake …` (and `docker bake …`) in a `run:` script:
//!   `-f/--file`, `--set k=v` / `--set=k=v`, `--push`, `--load`, positional
//!   targets; found with the project's shell scanner, in the directory the
//!   step runs in (`working-directory`, `defaults.run`, a preceding `cd`).
//!   Invocations that build nothing (`--print`, `--list`, `--check`,
//!   `--call`) are left out.
//! - `docker/build-push-action`: `context`, `file`, `tags`, `push`, `load`,
//!   `cache-from`, `cache-to`.
//!
//! Every value keeps its bytes in the workflow (see [`super::scalar_bytes`]);
//! `${{ }}` expressions and shell expansions are kept verbatim and mark the
//! value as dynamic (never evaluated).

use std::path::{Component, Path, PathBuf};

use crate::shell::{SimpleCommand, Word};
use crate::span::Span;

use super::run_script::StepScript;
use super::scalar_bytes::{list_items, ListStyle, ScalarBytes};
use super::set_override::SetOverride;
use super::workflow::{Job, Scalar, Step, Workflow};

/// What runs the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// A `docker/bake-action` step.
    BakeAction,
    /// `docker buildx bake` (or `docker bake`) in a `run:` script.
    BakeCommand,
    /// A `docker/build-push-action` step.
    BuildPushAction,
}

impl BuildKind {
    /// Whether the build reads a bake definition.
    pub fn is_bake(self) -> bool {
        matches!(self, BuildKind::BakeAction | BuildKind::BakeCommand)
    }
}

/// A value as the workflow writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The value the tool receives (`${{ }}` expressions and shell
    /// expansions kept verbatim).
    pub value: String,
    /// Its bytes in the workflow (the whole scalar or word when the value
    /// is not written verbatim).
    pub span: Span,
    /// Whether `span` is the value's own bytes.
    pub exact: bool,
    /// Whether the value holds a `${{ }}` expression or a shell expansion.
    pub dynamic: bool,
}

impl Written {
    fn of_scalar(text: &str, scalar: &Scalar) -> Written {
        let bytes = ScalarBytes::of(text, scalar);
        let exact = bytes.exact_span(0, scalar.value.len());
        Written {
            value: scalar.value.clone(),
            span: exact.unwrap_or(scalar.span),
            exact: exact.is_some(),
            dynamic: scalar.has_expression(),
        }
    }

    /// The value as a boolean the way `core.getBooleanInput` and pflag read
    /// it; `None` when dynamic or not a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        if self.dynamic {
            return None;
        }
        match self.value.trim() {
            "true" | "True" | "TRUE" | "1" | "t" | "T" => Some(true),
            "false" | "False" | "FALSE" | "0" | "f" | "F" => Some(false),
            _ => None,
        }
    }
}

/// One bake file a build names, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRef {
    pub written: Written,
    /// Relative to the repository root (lexically normal); `None` when it
    /// cannot be known (an expression, a remote definition).
    pub path: Option<PathBuf>,
}

/// One build a workflow step runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildStep {
    pub kind: BuildKind,
    /// Index of the job in [`Workflow::jobs`].
    pub job: usize,
    /// Index of the step in the job's steps.
    pub step: usize,
    /// The step's `uses` value, or the `docker buildx bake` command.
    pub span: Span,
    /// The bake files named (`files`, `-f`), in order.
    pub files: Vec<FileRef>,
    /// The directory the default bake files are read from when no file is
    /// named (relative to the repository root); `None` when unknown.
    pub dir: Option<PathBuf>,
    /// The targets and groups named (none: `default`).
    pub targets: Vec<Written>,
    /// `set:` lines / `--set` values, in order.
    pub overrides: Vec<SetOverride>,
    pub push: Option<Written>,
    pub load: Option<Written>,
    /// bake-action `source`, `workdir`.
    pub source: Option<Written>,
    pub workdir: Option<Written>,
    /// build-push-action `context`, `file`, `tags`, `cache-from`, `cache-to`.
    pub context: Option<Written>,
    pub file: Option<Written>,
    pub tags: Vec<Written>,
    pub cache_from: Vec<Written>,
    pub cache_to: Vec<Written>,
    /// `NAME=value` prefixes of a `docker buildx bake` command (the step's
    /// `env:` is on the step: [`super::workflow::Step::env`]).
    pub env: Vec<(String, Written)>,
}

impl BuildStep {
    fn new(kind: BuildKind, job: usize, step: usize, span: Span) -> BuildStep {
        BuildStep {
            kind,
            job,
            step,
            span,
            files: Vec::new(),
            dir: None,
            targets: Vec::new(),
            overrides: Vec::new(),
            push: None,
            load: None,
            source: None,
            workdir: None,
            context: None,
            file: None,
            tags: Vec::new(),
            cache_from: Vec::new(),
            cache_to: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Whether the build pushes (`push: true`, `--push`); `None` unknown.
    pub fn pushes(&self) -> Option<bool> {
        match &self.push {
            None => Some(false),
            Some(w) => w.as_bool(),
        }
    }
}

/// The actions whose steps build images.
const BAKE_ACTION: &str = "docker/bake-action";
const BUILD_PUSH_ACTION: &str = "docker/build-push-action";

/// The action a `uses:` names (`owner/repo`, lower-cased) and its ref.
fn action_of(uses: &str) -> Option<(String, &str)> {
    let (name, reference) = uses.split_once('@')?;
    Some((name.trim().to_ascii_lowercase(), reference.trim()))
}

/// The major version of an action step: from its ref (`v6`, `v6.1.0`), or
/// for a commit pin from the `# v6.1.0` comment after it on the line.
fn major_version(text: &str, uses: &Scalar) -> Option<u32> {
    let (_, reference) = action_of(&uses.value)?;
    let from = |s: &str| -> Option<u32> {
        let s = s.trim().trim_start_matches(['v', 'V']);
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if let Some(v) = from(reference).filter(|_| !is_commit(reference)) {
        return Some(v);
    }
    let rest = text.get(uses.span.end..)?;
    let line = rest.split('\n').next().unwrap_or("");
    let comment = line.trim_start().strip_prefix('#')?;
    comment
        .split_whitespace()
        .find_map(|w| w.starts_with(['v', 'V']).then(|| from(w)).flatten())
}

fn is_commit(reference: &str) -> bool {
    reference.len() >= 12 && reference.chars().all(|c| c.is_ascii_hexdigit())
}

/// Every build the workflow's steps run, in job and step order.
pub fn builds(workflow: &Workflow, text: &str) -> Vec<BuildStep> {
    let mut out = Vec::new();
    for (j, job) in workflow.jobs.iter().enumerate() {
        for (s, step) in job.steps.iter().enumerate() {
            if let Some(uses) = &step.uses {
                let Some((name, _)) = action_of(&uses.value) else {
                    continue;
                };
                match name.as_str() {
                    BAKE_ACTION => out.push(bake_action(text, j, s, step, uses)),
                    BUILD_PUSH_ACTION => out.push(build_push_action(text, j, s, step, uses)),
                    _ => {}
                }
            } else if let Some(run) = &step.run {
                out.extend(bake_commands(workflow, text, j, job, s, step, run));
            }
        }
    }
    out
}

fn input<'a>(step: &'a Step, name: &str) -> Option<&'a Scalar> {
    step.with
        .iter()
        .rev()
        .find(|(k, _)| k.value == name)
        .map(|(_, v)| v)
}

fn input_list(text: &str, step: &Step, name: &str, style: ListStyle) -> Vec<Written> {
    let Some(scalar) = input(step, name) else {
        return Vec::new();
    };
    let bytes = ScalarBytes::of(text, scalar);
    list_items(&bytes, style)
        .into_iter()
        .map(|item| Written {
            dynamic: item.value.contains("${{"),
            value: item.value,
            span: item.span,
            exact: item.exact,
        })
        .collect()
}

fn bake_action(text: &str, job: usize, index: usize, step: &Step, uses: &Scalar) -> BuildStep {
    let mut b = BuildStep::new(BuildKind::BakeAction, job, index, uses.span);
    let written = |name: &str| input(step, name).map(|s| Written::of_scalar(text, s));
    b.push = written("push");
    b.load = written("load");
    b.source = written("source");
    b.workdir = written("workdir");
    b.targets = input_list(text, step, "targets", ListStyle::COMMAS);
    if let Some(scalar) = input(step, "set") {
        let bytes = ScalarBytes::of(text, scalar);
        for item in list_items(&bytes, ListStyle::RAW_LINES) {
            let dynamic = item.value.contains("${{");
            if let Some(o) = SetOverride::parse(&item.value, item.span, item.exact, dynamic) {
                b.overrides.push(o);
            }
        }
    }
    // Where relative paths are read: the Git context's root (v6+ without
    // a local source) or the working directory.
    let workdir = match &b.workdir {
        None => Some(PathBuf::new()),
        Some(w) => repository_path(&w.value),
    };
    let local_source = match &b.source {
        None => major_version(text, uses).is_none_or(|v| v < 6),
        Some(s) => matches!(s.value.trim(), "" | "."),
    };
    b.dir = if local_source {
        workdir.clone()
    } else {
        b.source.as_ref().map_or(Some(PathBuf::new()), |s| {
            git_context_subdir(&s.value).map(|sub| normal(&sub))
        })
    };
    let files = input_list(text, step, "files", ListStyle::COMMAS);
    b.files = files
        .into_iter()
        .map(|written| {
            let path = if written.dynamic {
                None
            } else if let Some(local) = written.value.strip_prefix("cwd://") {
                workdir.as_ref().map(|w| normal(&w.join(local)))
            } else {
                b.dir.as_ref().map(|d| normal(&d.join(&written.value)))
            };
            FileRef { written, path }
        })
        .collect();
    b
}

/// The subdirectory a `source` Git context builds from: `{{defaultContext}}`
/// (the repository at the workflow's commit) → the root,
/// `{{defaultContext}}:dir` → `dir`; anything else (another repository, an
/// expression) → `None`.
fn git_context_subdir(source: &str) -> Option<PathBuf> {
    let rest = source.trim().strip_prefix("{{defaultContext}}")?;
    match rest.strip_prefix(':') {
        Some(sub) => repository_path(sub),
        None if rest.is_empty() => Some(PathBuf::new()),
        None => None,
    }
}

fn build_push_action(
    text: &str,
    job: usize,
    index: usize,
    step: &Step,
    uses: &Scalar,
) -> BuildStep {
    let mut b = BuildStep::new(BuildKind::BuildPushAction, job, index, uses.span);
    let written = |name: &str| input(step, name).map(|s| Written::of_scalar(text, s));
    b.push = written("push");
    b.load = written("load");
    b.context = written("context");
    b.file = written("file");
    b.tags = input_list(text, step, "tags", ListStyle::COMMAS);
    b.cache_from = input_list(text, step, "cache-from", ListStyle::LINES);
    b.cache_to = input_list(text, step, "cache-to", ListStyle::LINES);
    b
}

/// A path the workflow writes relative to the workspace (the repository
/// root), lexically normal; `${{ github.workspace }}` and
/// `$GITHUB_WORKSPACE` prefixes are the root. `None` for anything else
/// that is absolute, climbs out of the root or holds an unknown part.
pub fn repository_path(written: &str) -> Option<PathBuf> {
    let mut p = written.trim();
    for root in [
        "${{ github.workspace }}",
        "${{github.workspace}}",
        "$GITHUB_WORKSPACE",
        "${GITHUB_WORKSPACE}",
    ] {
        if let Some(rest) = p.strip_prefix(root) {
            p = rest.trim_start_matches('/');
            break;
        }
    }
    if p.contains("${{") || p.contains('$') || p.starts_with('/') || p.starts_with('~') {
        return None;
    }
    let n = normal(Path::new(p));
    (!n.starts_with("..")).then_some(n)
}

/// The directory `cd <to>` leaves a script in, from `dir`: `None` when it
/// cannot be known (an expansion, outside the repository).
fn change_directory(dir: &Path, to: &str) -> Option<PathBuf> {
    if to.contains("GITHUB_WORKSPACE") || to.contains("github.workspace") {
        return repository_path(to);
    }
    if to.starts_with('/') || to.starts_with('~') || to.contains('$') || to == "-" {
        return None;
    }
    let n = normal(&dir.join(to));
    (!n.starts_with("..")).then_some(n)
}

/// Lexical normal form (`./a/../b` → `b`, `.` → ``).
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `docker buildx bake` flags that take a value (pflag: `--f v`, `--f=v`,
/// `-fv`).
pub(crate) const BAKE_VALUE_FLAGS: &[&str] = &[
    "-f",
    "--file",
    "--set",
    "--progress",
    "--builder",
    "--metadata-file",
    "--provenance",
    "--sbom",
    "--allow",
    "--call",
    "--list",
    "--var",
];

/// Flags that make the invocation build nothing.
const NON_BUILD_FLAGS: &[&str] = &["--print", "--list", "--check"];

/// The builds `docker buildx bake` commands in a `run:` script run.
fn bake_commands(
    workflow: &Workflow,
    text: &str,
    job_index: usize,
    job: &Job,
    step_index: usize,
    step: &Step,
    run: &Scalar,
) -> Vec<BuildStep> {
    if !run.value.contains("bake") {
        return Vec::new();
    }
    let script = StepScript::of(text, run);
    let start_dir = match workflow.run_directory(job, step) {
        None => Some(PathBuf::new()),
        Some(w) if w.has_expression() && !w.value.contains("github.workspace") => None,
        Some(w) => repository_path(&w.value),
    };
    let mut dir = start_dir;
    let mut out = Vec::new();
    for command in script.commands() {
        if command.in_substitution {
            continue;
        }
        if command.program() == Some("cd") {
            dir = match command.effective().and_then(|(_, args)| args.first()) {
                Some(arg) => {
                    let (value, _) = script.word(arg);
                    dir.as_deref().and_then(|d| change_directory(d, &value))
                }
                None => Some(PathBuf::new()),
            };
            continue;
        }
        if let Some(args) = bake_arguments(command) {
            let span = script.command_span(command);
            let mut b = BuildStep::new(BuildKind::BakeCommand, job_index, step_index, span);
            b.dir = dir.clone();
            for word in &command.assignments {
                let (text, dynamic) = script.word(word);
                if let Some((name, value)) = text.split_once('=') {
                    let (span, exact) = script.locate(word, value, name.len() + 1);
                    let written = Written {
                        value: value.to_string(),
                        span,
                        exact,
                        dynamic,
                    };
                    b.env.push((name.to_string(), written));
                }
            }
            if read_bake_flags(&mut b, args, &script) {
                out.push(b);
            }
        }
    }
    out
}

/// The arguments after `bake` when the command is `docker buildx bake`,
/// `docker bake` or `docker-buildx bake`.
fn bake_arguments(command: &SimpleCommand) -> Option<&[Word]> {
    let (_, args) = command.effective()?;
    let rest = match command.program()? {
        "docker" => match args.first()?.as_str()? {
            "buildx" if args.get(1)?.is("bake") => args.get(2..)?,
            "bake" => args.get(1..)?,
            _ => return None,
        },
        "docker-buildx" if args.first()?.is("bake") => args.get(1..)?,
        _ => return None,
    };
    Some(rest)
}

/// Reads the bake flags and targets into `b`; `false` when the command
/// builds nothing (`--print`) or reads a remote definition.
fn read_bake_flags(b: &mut BuildStep, args: &[Word], script: &StepScript) -> bool {
    let mut i = 0;
    let mut positional_only = false;
    let mut positionals: Vec<(&Word, String, bool)> = Vec::new();
    while i < args.len() {
        let word = &args[i];
        let (value, dynamic) = script.word(word);
        i += 1;
        if positional_only || !value.starts_with('-') || value == "-" {
            positionals.push((word, value, dynamic));
            continue;
        }
        if value == "--" {
            positional_only = true;
            continue;
        }
        let (flag, inline) = match value.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ if value.starts_with("-f") && value.len() > 2 && !value.starts_with("--") => {
                ("-f".to_string(), Some(value[2..].to_string()))
            }
            _ => (value.clone(), None),
        };
        if NON_BUILD_FLAGS.contains(&flag.as_str()) {
            return false;
        }
        // The flag's value: after `=`, else the next word.
        let takes_value = BAKE_VALUE_FLAGS.contains(&flag.as_str());
        let (arg, arg_word, arg_dynamic, offset) = match (&inline, takes_value) {
            (Some(v), _) => (Some(v.clone()), Some(word), dynamic, value.len() - v.len()),
            (None, true) => match args.get(i) {
                Some(next) => {
                    i += 1;
                    let (v, d) = script.word(next);
                    (Some(v), Some(next), d, 0)
                }
                None => (None, None, false, 0),
            },
            (None, false) => (None, None, false, 0),
        };
        let located = |w: &Word, v: &str| script.locate(w, v, offset);
        match flag.as_str() {
            "-f" | "--file" => {
                if let (Some(v), Some(w)) = (arg, arg_word) {
                    let (span, exact) = located(w, &v);
                    let path = if arg_dynamic {
                        None
                    } else {
                        let local = v.strip_prefix("cwd://").unwrap_or(&v);
                        b.dir.as_ref().map(|d| normal(&d.join(local)))
                    };
                    b.files.push(FileRef {
                        written: Written {
                            value: v,
                            span,
                            exact,
                            dynamic: arg_dynamic,
                        },
                        path,
                    });
                }
            }
            "--set" => {
                if let (Some(v), Some(w)) = (arg, arg_word) {
                    let (span, exact) = located(w, &v);
                    if let Some(mut o) = SetOverride::parse(&v, span, exact, arg_dynamic) {
                        o.shell_expansion = arg_word.is_some_and(|w| !w.is_static());
                        b.overrides.push(o);
                    }
                }
            }
            "--call" if arg.as_deref().is_some_and(|c| c != "build") => return false,
            "--push" | "--load" => {
                let (span, exact) = script.locate(word, &value, 0);
                let w = Written {
                    value: inline.unwrap_or_else(|| "true".to_string()),
                    span,
                    exact,
                    dynamic,
                };
                if flag == "--push" {
                    b.push = Some(w);
                } else {
                    b.load = Some(w);
                }
            }
            _ => {}
        }
    }
    for (n, (word, value, dynamic)) in positionals.into_iter().enumerate() {
        if n == 0 && is_remote_definition(&value) {
            return false;
        }
        let (span, exact) = script.locate(word, &value, 0);
        b.targets.push(Written {
            value,
            span,
            exact,
            dynamic,
        });
    }
    true
}

/// A remote bake definition (`https://…`, `git@…`, `github.com/…`).
fn is_remote_definition(value: &str) -> bool {
    value.contains("://") || value.starts_with("git@") || value.starts_with("github.com/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow::load;

    fn steps(yaml: &str) -> Vec<BuildStep> {
        builds(&load(yaml).unwrap(), yaml)
    }

    fn at(yaml: &str, span: Span) -> &str {
        span.slice(yaml)
    }

    #[test]
    fn bake_action_inputs() {
        let yaml = r#"jobs:
  build:
    steps:
      - uses: docker/bake-action@v5
        with:
          files: |
            ./docker-bake.hcl
            cwd://${{ steps.meta.outputs.bake-file }}
          targets: default,ci
          push: ${{ github.event_name != 'pull_request' }}
          workdir: app
          set: |
            *.cache-from=type=gha
            *.cache-to=type=gha,mode=max
"#;
        let b = &steps(yaml)[0];
        assert_eq!(b.kind, BuildKind::BakeAction);
        assert_eq!(at(yaml, b.span), "docker/bake-action@v5");
        let files: Vec<(Option<PathBuf>, &str)> = b
            .files
            .iter()
            .map(|f| (f.path.clone(), at(yaml, f.written.span)))
            .collect();
        assert_eq!(
            files,
            [
                (
                    Some(PathBuf::from("app/docker-bake.hcl")),
                    "./docker-bake.hcl"
                ),
                (None, "cwd://${{ steps.meta.outputs.bake-file }}"),
            ]
        );
        let targets: Vec<&str> = b.targets.iter().map(|t| at(yaml, t.span)).collect();
        assert_eq!(targets, ["default", "ci"]);
        assert_eq!(b.pushes(), None);
        assert_eq!(b.dir, Some(PathBuf::from("app")));
        let o = &b.overrides[1];
        assert_eq!(at(yaml, o.span), "*.cache-to=type=gha,mode=max");
        assert_eq!(at(yaml, o.value_span), "type=gha,mode=max");
    }

    #[test]
    fn bake_action_v6_reads_the_git_context_at_the_root() {
        let yaml = "jobs:\n  b:\n    steps:\n      - uses: docker/bake-action@0123456789abcdef0123456789abcdef01234567 # v6.3.0\n        with:\n          workdir: app\n          files: docker-bake.hcl,cwd://local.hcl\n      - uses: docker/bake-action@v6\n        with:\n          source: \"{{defaultContext}}:sub\"\n      - uses: docker/bake-action@v6\n        with:\n          source: https://github.com/o/r.git\n";
        let b = steps(yaml);
        let paths: Vec<Option<PathBuf>> = b[0].files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            [
                Some(PathBuf::from("docker-bake.hcl")),
                Some(PathBuf::from("app/local.hcl"))
            ]
        );
        assert_eq!(b[1].dir, Some(PathBuf::from("sub")));
        assert_eq!(b[2].dir, None);
    }

    #[test]
    fn bake_commands_in_run_scripts() {
        let yaml = r#"jobs:
  build:
    defaults:
      run:
        working-directory: deploy
    steps:
      - run: |
          docker buildx bake --print
          cd images && docker buildx bake -f docker-bake.hcl --set "*.tags=app:${{ github.sha }}" \
            --set=web.cache-to=type=gha --push web api
          V=1 docker bake test --load --file=x.hcl
          echo "$(docker buildx bake --list targets)"
"#;
        let b = steps(yaml);
        assert_eq!(b.len(), 2, "{b:#?}");
        let first = &b[0];
        assert_eq!(first.kind, BuildKind::BakeCommand);
        assert!(at(yaml, first.span).starts_with("docker buildx bake -f docker-bake.hcl"));
        assert_eq!(
            first.files[0].path,
            Some(PathBuf::from("deploy/images/docker-bake.hcl"))
        );
        let o: Vec<(&str, &str, bool)> = first
            .overrides
            .iter()
            .map(|o| (at(yaml, o.span), at(yaml, o.value_span), o.dynamic))
            .collect();
        assert_eq!(
            o,
            [
                (
                    "*.tags=app:${{ github.sha }}",
                    "app:${{ github.sha }}",
                    true
                ),
                ("web.cache-to=type=gha", "type=gha", false),
            ]
        );
        assert_eq!(
            first.overrides[0].value.as_deref(),
            Some("app:${{ github.sha }}")
        );
        assert_eq!(first.pushes(), Some(true));
        let targets: Vec<&str> = first.targets.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(targets, ["web", "api"]);
        let second = &b[1];
        assert_eq!(second.targets[0].value, "test");
        assert_eq!(
            second.files[0].path,
            Some(PathBuf::from("deploy/images/x.hcl"))
        );
        assert_eq!(at(yaml, second.files[0].written.span), "x.hcl");
        assert_eq!(second.load.as_ref().and_then(Written::as_bool), Some(true));
        let (name, value) = &second.env[0];
        assert_eq!((name.as_str(), at(yaml, value.span)), ("V", "1"));
    }

    #[test]
    fn build_push_action_inputs() {
        let yaml = "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          tags: ghcr.io/o/app:latest,ghcr.io/o/app:${{ github.sha }}\n          cache-from: type=gha\n          cache-to: |\n            type=gha,mode=max\n";
        let b = &steps(yaml)[0];
        assert_eq!(b.kind, BuildKind::BuildPushAction);
        assert_eq!(b.tags.len(), 2);
        assert!(b.tags[1].dynamic);
        assert_eq!(at(yaml, b.cache_from[0].span), "type=gha");
        assert_eq!(at(yaml, b.cache_to[0].span), "type=gha,mode=max");
    }

    #[test]
    fn paths() {
        assert_eq!(repository_path("./a/../b"), Some(PathBuf::from("b")));
        assert_eq!(
            repository_path("${{ github.workspace }}/x"),
            Some(PathBuf::from("x"))
        );
        assert_eq!(repository_path("/abs"), None);
        assert_eq!(repository_path("../up"), None);
        assert_eq!(repository_path("${{ inputs.dir }}"), None);
    }
}
