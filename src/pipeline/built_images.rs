//! Which images a workflow's jobs build, as far as BP013 needs to know: a
//! minimal stand-in for the full link model, behind one function
//! ([`built_before`]) that can later be answered by it.
//!
//! A job builds images with a `docker/bake-action` step or a `docker
//! buildx bake` command (the evaluated tags of the targets it builds, from
//! the bake definition loaded in the same lint whose files are the ones the
//! step loads), with `docker/build-push-action` (its `tags:` input) or with
//! `docker build -t` / `docker buildx build -t`. Anything bakelint cannot
//! tie to a known definition — files named by an expression, a
//! `working-directory` it cannot follow, an `env:` that sets a variable the
//! tags use — builds nothing it knows of.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::bake::target::glob_match;
use crate::bake::Target;
use crate::pipeline::bake_steps::BAKE_VALUE_FLAGS;
use crate::pipeline::image_ref::ImageRef;
use crate::pipeline::step_script;
use crate::pipeline::workflow::{Job, Scalar, Step, Workflow};
use crate::shell::{SimpleCommand, Word};
use crate::span::Span;
use crate::workspace::{normalize, LoadedSet, DEFAULT_BAKE_FILES};

/// One image a job builds.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltImage {
    /// The tag it is built with (expressions unknown).
    pub reference: ImageRef,
    /// The id of the job that builds it.
    pub job: String,
    pub by: Builder,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Builder {
    /// A target of the bake definition `bake[set]`.
    Bake {
        set: usize,
        target: String,
        /// The tags come from the bake file (no `set` override in CI).
        tags_in_file: bool,
        /// The build pushes (`push: true`, `--push`, a registry output).
        pushes: bool,
    },
    /// `docker/build-push-action` or `docker build -t`.
    Other,
}

/// The images built by the jobs `job` needs, directly or through other
/// jobs, in the workflow at `path`.
pub fn built_before(
    path: &Path,
    text: &str,
    workflow: &Workflow,
    bake: &[LoadedSet],
    job: &Job,
) -> Vec<BuiltImage> {
    let root = repository_root(path);
    let mut out = Vec::new();
    for earlier in ancestors(workflow, job) {
        for step in &earlier.steps {
            out.extend(step_images(&root, text, workflow, bake, earlier, step));
        }
    }
    out
}

/// Whether any step of `job` builds an image (bake, build-push-action,
/// `docker build`), whatever bakelint knows about the result.
pub fn builds_images(text: &str, job: &Job) -> bool {
    job.steps.iter().any(|step| {
        step.uses.as_ref().is_some_and(|u| {
            let name = action_name(&u.value);
            BUILD_ACTIONS.iter().any(|a| name.eq_ignore_ascii_case(a))
        }) || step.run.as_ref().is_some_and(|run| {
            let script = step_script::parse(text, run);
            script
                .script
                .commands()
                .iter()
                .any(|c| build_command(c).is_some())
        })
    })
}

/// The jobs `job` needs, directly or transitively (each once).
pub fn ancestors<'w>(workflow: &'w Workflow, job: &Job) -> Vec<&'w Job> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut queue: Vec<&str> = job.needs.iter().map(|n| n.value.as_str()).collect();
    let mut out = Vec::new();
    while let Some(id) = queue.pop() {
        if !seen.insert(id) || id == job.id.value {
            continue;
        }
        if let Some(j) = workflow.job(id) {
            queue.extend(j.needs.iter().map(|n| n.value.as_str()));
            out.push(j);
        }
    }
    out
}

const BAKE_ACTION: &str = "docker/bake-action";
const BUILD_PUSH_ACTION: &str = "docker/build-push-action";
const BUILD_ACTIONS: &[&str] = &[BAKE_ACTION, BUILD_PUSH_ACTION];

fn action_name(uses: &str) -> &str {
    uses.split('@').next().unwrap_or("")
}

/// The repository a workflow file belongs to (`<root>/.github/workflows/x.yml`).
fn repository_root(path: &Path) -> PathBuf {
    let root = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.to_path_buf()
    }
}

/// Which file a path names, however it is spelled.
fn identity(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A list input as the actions read it: items separated by newlines and
/// (unless `newlines_only`) commas, trimmed, empty ones dropped.
fn input_list(value: &str, newlines_only: bool) -> Vec<String> {
    value
        .split(|c| c == '\n' || (!newlines_only && c == ','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn input<'s>(step: &'s Step, name: &str) -> Option<&'s Scalar> {
    step.with
        .iter()
        .find(|(k, _)| k.value == name)
        .map(|(_, v)| v)
}

/// What one bake invocation asks for.
struct BakeCall {
    /// The directory it runs in (relative to the repository root).
    workdir: String,
    /// `-f` files (empty: the default files).
    files: Vec<String>,
    targets: Vec<String>,
    /// `--set` overrides.
    set: Vec<String>,
    push: bool,
}

fn step_images(
    root: &Path,
    text: &str,
    workflow: &Workflow,
    bake: &[LoadedSet],
    job: &Job,
    step: &Step,
) -> Vec<BuiltImage> {
    let env: BTreeSet<&str> = workflow
        .env
        .iter()
        .chain(&job.env)
        .chain(&step.env)
        .map(|(k, _)| k.value.as_str())
        .collect();
    let mut out = Vec::new();
    if let Some(uses) = &step.uses {
        let name = action_name(&uses.value);
        if name.eq_ignore_ascii_case(BAKE_ACTION) {
            if let Some(call) = bake_action_call(step) {
                out.extend(bake_images(root, bake, &call, &env, &job.id.value));
            }
        } else if name.eq_ignore_ascii_case(BUILD_PUSH_ACTION) {
            for tag in input(step, "tags")
                .map(|t| input_list(&t.value, false))
                .unwrap_or_default()
            {
                out.push(other_image(&tag, t_span(step), &job.id.value));
            }
        }
    }
    if let Some(run) = &step.run {
        let script = step_script::parse(text, run);
        let mut moved = step
            .working_directory
            .as_ref()
            .is_some_and(|w| w.has_expression());
        let workdir = step
            .working_directory
            .as_ref()
            .map_or(".".to_string(), |w| w.value.clone());
        for command in script.script.commands() {
            if matches!(command.name_str(), Some("cd" | "pushd")) {
                moved = true;
            }
            match build_command(command) {
                Some(BuildCommand::Bake(args)) if !moved => {
                    if let Some(mut call) = bake_command_call(args) {
                        call.workdir = workdir.clone();
                        out.extend(bake_images(root, bake, &call, &env, &job.id.value));
                    }
                }
                Some(BuildCommand::Build(args)) => {
                    for (tag, span) in build_tags(args) {
                        out.push(other_image(&script.unmask(&tag), span, &job.id.value));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn t_span(step: &Step) -> Span {
    input(step, "tags").map_or(step.span, |t| t.span)
}

fn other_image(tag: &str, span: Span, job: &str) -> BuiltImage {
    BuiltImage {
        reference: ImageRef::from_text(tag, span),
        job: job.to_string(),
        by: Builder::Other,
    }
}

fn bake_action_call(step: &Step) -> Option<BakeCall> {
    let list = |name: &str, newlines_only: bool| -> Option<Vec<String>> {
        match input(step, name) {
            Some(v) if v.has_expression() => None,
            Some(v) => Some(input_list(&v.value, newlines_only)),
            None => Some(Vec::new()),
        }
    };
    let workdir = match input(step, "workdir") {
        Some(w) if w.has_expression() => return None,
        Some(w) => w.value.clone(),
        None => ".".to_string(),
    };
    let files = list("files", false)?
        .into_iter()
        .map(|f| f.strip_prefix("cwd://").map(str::to_string).unwrap_or(f))
        .collect::<Vec<_>>();
    // A file bakelint cannot read (a URL, another git context).
    if files.iter().any(|f| f.contains("://")) {
        return None;
    }
    Some(BakeCall {
        workdir,
        files,
        targets: list("targets", false)?,
        set: list("set", true)?,
        push: input(step, "push").is_some_and(|p| p.value.trim() == "true"),
    })
}

enum BuildCommand<'c> {
    /// `docker buildx bake` / `docker bake`: the arguments after `bake`.
    Bake(&'c [Word]),
    /// `docker build` / `docker buildx build` / `docker image build`.
    Build(&'c [Word]),
}

fn build_command(command: &SimpleCommand) -> Option<BuildCommand<'_>> {
    let (program, args) = command.effective()?;
    if crate::shell::command_basename(program)? != "docker" {
        return None;
    }
    let words: Vec<&str> = args
        .iter()
        .take(2)
        .map(|w| w.as_str().unwrap_or(""))
        .collect();
    match words.as_slice() {
        ["buildx", "bake", ..] => Some(BuildCommand::Bake(&args[2..])),
        ["bake", ..] => Some(BuildCommand::Bake(&args[1..])),
        ["buildx", "build", ..] | ["image", "build", ..] => Some(BuildCommand::Build(&args[2..])),
        ["build", ..] => Some(BuildCommand::Build(&args[1..])),
        _ => None,
    }
}

/// Flags that make `docker buildx bake` build nothing.
const BAKE_NO_BUILD: &[&str] = &["--print", "--list", "--check", "--call"];

fn bake_command_call(args: &[Word]) -> Option<BakeCall> {
    let mut call = BakeCall {
        workdir: ".".to_string(),
        files: Vec::new(),
        targets: Vec::new(),
        set: Vec::new(),
        push: false,
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        let value = arg.as_str()?;
        if !value.starts_with('-') {
            call.targets.push(value.to_string());
            continue;
        }
        let (name, inline) = match value.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (value, None),
        };
        if BAKE_NO_BUILD.contains(&name) {
            return None;
        }
        if name == "--push" {
            call.push = true;
            continue;
        }
        if !BAKE_VALUE_FLAGS.contains(&name) {
            continue;
        }
        let flag_value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i - 1)?.as_str()?.to_string()
            }
        };
        match name {
            "-f" | "--file" => call.files.push(flag_value),
            "--set" => call.set.push(flag_value),
            _ => {}
        }
    }
    Some(call)
}

/// The `-t`/`--tag` values of a build command (as written).
fn build_tags(args: &[Word]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        let raw = arg.raw.as_str();
        if raw == "-t" || raw == "--tag" {
            if let Some(v) = args.get(i) {
                let value = v.as_str().map_or_else(|| v.raw.clone(), str::to_string);
                out.push((value, v.span));
                i += 1;
            }
        } else if let Some(v) = raw
            .strip_prefix("--tag=")
            .or_else(|| raw.strip_prefix("-t="))
        {
            out.push((v.to_string(), arg.span));
        }
    }
    out
}

/// The loaded set whose files are exactly the ones the call loads.
fn matching_set(root: &Path, bake: &[LoadedSet], call: &BakeCall) -> Option<usize> {
    let dir = root.join(&call.workdir);
    let wanted: BTreeSet<PathBuf> = if call.files.is_empty() {
        DEFAULT_BAKE_FILES
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .map(|p| identity(&p))
            .collect()
    } else {
        call.files.iter().map(|f| identity(&dir.join(f))).collect()
    };
    if wanted.is_empty() {
        return None;
    }
    bake.iter().position(|set| {
        let files: BTreeSet<PathBuf> = set.rebase.values().map(|p| identity(p)).collect();
        files == wanted
    })
}

/// The images of the targets a bake call builds.
fn bake_images(
    root: &Path,
    bake: &[LoadedSet],
    call: &BakeCall,
    env: &BTreeSet<&str>,
    job: &str,
) -> Vec<BuiltImage> {
    let Some(index) = matching_set(root, bake, call) else {
        return Vec::new();
    };
    let project = &bake[index].project;
    let Ok(names) = project.resolve_names(&call.targets) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in names {
        let Some(target) = project.targets().get(&name) else {
            continue;
        };
        let pushes = call.push || set_pushes(&call.set, &name) || outputs_push(target);
        let overridden: Vec<String> = set_values(&call.set, &name, "tags");
        if !overridden.is_empty() {
            for tag in overridden {
                out.push(BuiltImage {
                    reference: ImageRef::from_text(&tag, Span::empty(0)),
                    job: job.to_string(),
                    by: Builder::Bake {
                        set: index,
                        target: name.clone(),
                        tags_in_file: false,
                        pushes,
                    },
                });
            }
            continue;
        }
        for tag in target_tags(target, env) {
            out.push(BuiltImage {
                reference: ImageRef::from_text(&tag, Span::empty(0)),
                job: job.to_string(),
                by: Builder::Bake {
                    set: index,
                    target: name.clone(),
                    tags_in_file: true,
                    pushes,
                },
            });
        }
    }
    out
}

/// The evaluated tags of a target, unless CI sets (in an `env:`) a
/// variable they depend on: then what CI builds is not what bakelint
/// evaluated.
fn target_tags(target: &Target, env: &BTreeSet<&str>) -> Vec<String> {
    let Some(tags) = target.attr("tags") else {
        return Vec::new();
    };
    let depends_on_env = tags
        .elements
        .iter()
        .map(|e| &e.origin.variables)
        .chain(std::iter::once(&tags.origin.variables))
        .any(|vars| vars.iter().any(|v| env.contains(v.as_str())));
    if depends_on_env {
        return Vec::new();
    }
    tags.elements
        .iter()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

/// `--set pattern.key=value` values for `target` and `key`.
fn set_values(set: &[String], target: &str, key: &str) -> Vec<String> {
    set.iter()
        .filter_map(|s| {
            let (lhs, value) = s.split_once('=')?;
            let (pattern, k) = lhs.rsplit_once('.')?;
            (k.trim_end_matches('+') == key && glob_match(pattern, target))
                .then(|| value.to_string())
        })
        .collect()
}

fn set_pushes(set: &[String], target: &str) -> bool {
    set_values(set, target, "push").iter().any(|v| v == "true")
        || set_values(set, target, "output")
            .iter()
            .any(|v| v.contains("type=registry") || v.contains("push=true"))
}

fn outputs_push(target: &Target) -> bool {
    target.outputs().iter().any(|o| {
        o.typ == "registry"
            || (o.typ == "image" && o.attrs.get("push").is_some_and(|p| p.trim() == "true"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;

    #[test]
    fn lists_and_sets() {
        assert_eq!(input_list("a, b\nc\n", false), ["a", "b", "c"]);
        assert_eq!(
            input_list("*.cache-from=type=gha,scope=x\n", true),
            ["*.cache-from=type=gha,scope=x"]
        );
        let set = vec![
            "*.tags=ghcr.io/acme/x:1".to_string(),
            "web.push=true".to_string(),
        ];
        assert_eq!(set_values(&set, "web", "tags"), ["ghcr.io/acme/x:1"]);
        assert!(set_pushes(&set, "web") && !set_pushes(&set, "api"));
    }

    #[test]
    fn ancestors_and_builders() {
        let text = "on: push\njobs:\n  build:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          tags: ghcr.io/acme/app:latest,ghcr.io/acme/app:${{ github.sha }}\n  cli:\n    steps:\n      - run: docker buildx build -t ghcr.io/acme/cli:1 --push .\n  test:\n    needs: [build]\n    steps:\n      - run: make test\n  retag:\n    needs: [test, cli]\n    steps:\n      - run: echo\n";
        let w = workflow::load(text).unwrap();
        let retag = w.job("retag").unwrap();
        let mut ids: Vec<&str> = ancestors(&w, retag)
            .iter()
            .map(|j| j.id.value.as_str())
            .collect();
        ids.sort();
        assert_eq!(ids, ["build", "cli", "test"]);
        let built = built_before(Path::new(".github/workflows/ci.yml"), text, &w, &[], retag);
        let refs: Vec<(String, &str)> = built
            .iter()
            .map(|b| (b.reference.text(), b.job.as_str()))
            .collect();
        assert!(
            refs.contains(&("ghcr.io/acme/app:latest".to_string(), "build")),
            "{refs:?}"
        );
        assert!(refs.contains(&("ghcr.io/acme/app:${{ github.sha }}".to_string(), "build")));
        assert!(refs.contains(&("ghcr.io/acme/cli:1".to_string(), "cli")));
        assert!(builds_images(text, w.job("build").unwrap()));
        assert!(builds_images(text, w.job("cli").unwrap()));
        assert!(!builds_images(text, w.job("test").unwrap()));
        // Needs that loop back do not hang.
        let text = "jobs:\n  a:\n    needs: b\n  b:\n    needs: a\n";
        let w = workflow::load(text).unwrap();
        assert_eq!(ancestors(&w, &w.jobs[0]).len(), 1);
    }

    #[test]
    fn bake_commands() {
        let text = "jobs:\n  a:\n    steps:\n      - run: docker buildx bake -f ci/docker-bake.hcl --set '*.platform=linux/amd64' --push web api\n";
        let w = workflow::load(text).unwrap();
        let s = step_script::parse(text, w.jobs[0].steps[0].run.as_ref().unwrap());
        let Some(BuildCommand::Bake(args)) = build_command(&s.script.commands()[0]) else {
            panic!("a bake command");
        };
        let call = bake_command_call(args).unwrap();
        assert_eq!(call.files, ["ci/docker-bake.hcl"]);
        assert_eq!(call.targets, ["web", "api"]);
        assert_eq!(call.set, ["*.platform=linux/amd64"]);
        assert!(call.push);
        let text = "jobs:\n  a:\n    steps:\n      - run: docker buildx bake --print\n";
        let w = workflow::load(text).unwrap();
        let s = step_script::parse(text, w.jobs[0].steps[0].run.as_ref().unwrap());
        let Some(BuildCommand::Bake(args)) = build_command(&s.script.commands()[0]) else {
            panic!("a bake command");
        };
        assert!(bake_command_call(args).is_none());
    }
}
