//! BP012 in GitHub Actions workflows: a `run:` step that `pip install`s
//! named packages in a job that tests
//!
//! - inside an image the lint's bake definition builds (the job's
//!   `container:` is a bake target's image): the packages belong in the
//!   requirements file that image installs ([`test_image`]);
//! - from a test requirements file the job installs itself (`pip install
//!   -r requirements/test.txt`, a file named for tests or development):
//!   they belong in that file.
//!
//! Every run of the job installs them again, unpinned, before the tests
//! start. The fix (unsafe) appends them to the requirements file and
//! deletes the install: the whole step when it does nothing else, else the
//! command (a line of a block scalar, or one link of an `&&` chain). Each
//! edit of the workflow is checked by reading the result again: the other
//! steps and jobs are unchanged and the edited script runs the same
//! commands but the install; anything else means no fix.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{adhoc_packages, listed_names, normalized_name, pip_installs, Named};
use crate::bake::Target;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::image_path;
use crate::pipeline::step_shell::{run_script, runs_in_posix_shell};
use crate::pipeline::test_image::{image_requirements, target_for_image, Requirements};
use crate::pipeline::workflow::{self, Job, Step, Workflow};
use crate::rules::WorkflowContext;
use crate::shell::files::working_dirs;
use crate::shell::{RunScript, SimpleCommand};
use crate::span::Span;

/// Tools a CI job installs for itself rather than for the tests: they make
/// their own environments (`tox`, `nox`, `pre-commit`) or publish
/// (`twine`). They are not test dependencies of the image.
const CI_TOOLING: &[&str] = &["tox", "nox", "pre-commit", "twine"];

/// Name parts that mark a test image or a test requirements file
/// (`test`, `shop-test`, `requirements-dev.txt`, `requirements/ci.txt`).
const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "ci",
    "dev",
    "devel",
    "development",
];

/// Programs that run tests (`coverage run`, `python -m pytest` and
/// `manage.py test` are recognised too).
const TEST_RUNNERS: &[&str] = &[
    "pytest", "py.test", "tox", "nox", "nose2", "green", "behave",
];

/// Modules `python -m` runs tests with.
const TEST_MODULES: &[&str] = &["pytest", "unittest", "nose2", "tox", "nox", "green"];

/// Step keys a deleted step may have: none of them has an effect beyond
/// the step itself (an `id` may be read by later steps; an `if` makes the
/// install conditional and is not reported).
const DELETABLE_STEP_KEYS: &[&str] = &[
    "name",
    "run",
    "shell",
    "env",
    "working-directory",
    "timeout-minutes",
    "continue-on-error",
];

/// Whether a name reads as a test (or development) one.
fn is_test_name(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| TEST_WORDS.contains(&word))
}

/// A `run:` step of the job that BP012 reads: unconditional, in a POSIX
/// shell, parsed without syntax errors.
struct StepScript<'a> {
    /// The step's index in the job.
    index: usize,
    step: &'a Step,
    script: RunScript,
    /// Its `docker run`s.
    runs: Vec<DockerRun>,
}

/// A `docker run [options] IMAGE [sh -c 'SCRIPT']` of a step.
struct DockerRun {
    /// The image, as written (static).
    image: String,
    /// The script the container runs (`sh -c '...'`), spans in the file;
    /// `None` when there is none or it cannot be mapped exactly.
    script: Option<RunScript>,
    /// The span of the word that holds the script.
    script_word: Option<Span>,
}

/// `docker run` options that take a value (the next word unless given
/// as `--opt=value`); any other option is taken for a switch.
const DOCKER_RUN_VALUE_OPTIONS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "--mount",
    "-w",
    "--workdir",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "-p",
    "--publish",
    "--expose",
    "-u",
    "--user",
    "--entrypoint",
    "-l",
    "--label",
    "--label-file",
    "--platform",
    "--add-host",
    "--cpus",
    "--cpuset-cpus",
    "-c",
    "--cpu-shares",
    "-m",
    "--memory",
    "--memory-swap",
    "--shm-size",
    "--ulimit",
    "--device",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "--tmpfs",
    "--gpus",
    "-h",
    "--hostname",
    "--ipc",
    "--pid",
    "--restart",
    "--runtime",
    "--stop-signal",
    "--stop-timeout",
    "--log-driver",
    "--log-opt",
    "--dns",
    "--dns-search",
    "--dns-option",
    "--cidfile",
    "--volumes-from",
    "--link",
    "--pull",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-timeout",
    "--health-start-period",
    "--group-add",
    "--userns",
    "--uts",
    "--cgroupns",
    "--isolation",
    "--mac-address",
    "--ip",
    "--ip6",
    "--attach",
    "-a",
    "--sysctl",
    "--storage-opt",
    "--detach-keys",
    "--annotation",
];

/// Shells whose `-c` script is read.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash"];

/// A `docker run` (or `docker container run`) of a step's script.
fn docker_run(text: &str, command: &SimpleCommand) -> Option<DockerRun> {
    let (program, args) = command.effective()?;
    if crate::shell::command_basename(program)? != "docker" {
        return None;
    }
    let mut rest = match (
        args.first()?.as_str()?,
        args.get(1).and_then(|a| a.as_str()),
    ) {
        ("run", _) => &args[1..],
        ("container", Some("run")) => &args[2..],
        _ => return None,
    };
    loop {
        let word = rest.first()?.as_str()?;
        if word == "--" {
            rest = &rest[1..];
            break;
        }
        if !word.starts_with('-') {
            break;
        }
        let takes_value = !word.contains('=') && DOCKER_RUN_VALUE_OPTIONS.contains(&word);
        rest = rest.get(if takes_value { 2 } else { 1 }..)?;
    }
    let image = rest.first()?.as_str()?.to_string();
    let (script, script_word) = match container_script(text, &rest[1..]) {
        Some((script, word)) => (Some(script), Some(word)),
        None => (None, None),
    };
    Some(DockerRun {
        image,
        script,
        script_word,
    })
}

/// The script of `sh -c 'SCRIPT'` (`bash -ec`, `sh -lc`, ...) mapped onto
/// the file: only a word whose text in the file is the value, unquoted or
/// in plain quotes.
fn container_script(text: &str, command: &[crate::shell::Word]) -> Option<(RunScript, Span)> {
    let shell = crate::shell::command_basename(command.first()?)?;
    if !SHELLS.contains(&shell) {
        return None;
    }
    let mut i = 1;
    loop {
        let option = command.get(i)?.as_str()?;
        i += 1;
        if !option.starts_with('-') || option.starts_with("--") {
            return None;
        }
        if option.contains('c') {
            break;
        }
    }
    let word = command.get(i)?;
    let value = word.as_str()?;
    if text.get(word.span.start..word.span.end)? != word.raw {
        return None;
    }
    let start = match word.raw.chars().next()? {
        '\'' | '"' if word.raw.len() >= 2 && &word.raw[1..word.raw.len() - 1] == value => {
            word.span.start + 1
        }
        _ if word.raw == value => word.span.start,
        _ => return None,
    };
    let logical = crate::dockerfile::LogicalText {
        text: value.to_string(),
        segments: vec![(0, start, value.len())],
    };
    let script = crate::shell::analyze_text(&logical, crate::shell::ScriptOrigin::ExecForm);
    (!script.has_syntax_error).then_some((script, word.span))
}

fn step_scripts<'a>(ctx: &WorkflowContext<'_>, job: &'a Job) -> Vec<StepScript<'a>> {
    job.steps
        .iter()
        .enumerate()
        .filter(|(_, step)| step.condition.is_none())
        .filter(|(_, step)| runs_in_posix_shell(ctx.workflow, job, step))
        .filter_map(|(index, step)| {
            let script = run_script(ctx.text, step.run.as_ref()?)?;
            let runs = script
                .commands()
                .iter()
                .filter_map(|c| docker_run(ctx.text, c))
                .collect();
            (!script.has_syntax_error).then_some(StepScript {
                index,
                step,
                script,
                runs,
            })
        })
        .collect()
}

/// Where a job's ad-hoc packages belong.
enum Home<'a> {
    /// The job runs in the image of this bake target.
    Image {
        target: &'a Target,
        requirements: Result<Requirements, String>,
        /// The image (as written) when the job runs it with `docker run`
        /// rather than in its `container:`.
        run_image: Option<String>,
    },
    /// The job installs this test requirements file (as written).
    File {
        written: String,
        requirements: Result<Requirements, String>,
    },
}

impl Home<'_> {
    fn requirements(&self) -> &Result<Requirements, String> {
        match self {
            Home::Image { requirements, .. } | Home::File { requirements, .. } => requirements,
        }
    }
}

/// The job's test image, when its `container:` is a test image the bake
/// definition builds (a target named for tests, or one that installs a
/// test requirements file).
fn image_home<'a>(ctx: &WorkflowContext<'a>, job: &Job) -> Option<Home<'a>> {
    let image = job.container.as_ref()?.image.as_ref()?;
    if image.has_expression() {
        return None;
    }
    test_image_home(ctx, &image.value, None)
}

/// The test image a step of the job runs with `docker run IMAGE sh -c '...'`.
fn run_home<'a>(ctx: &WorkflowContext<'a>, scripts: &[StepScript<'_>]) -> Option<Home<'a>> {
    scripts
        .iter()
        .flat_map(|s| &s.runs)
        .filter(|r| r.script.is_some())
        .find_map(|r| test_image_home(ctx, &r.image, Some(r.image.clone())))
}

/// [`Home::Image`] for `image` when it is a test image a bake target builds.
fn test_image_home<'a>(
    ctx: &WorkflowContext<'a>,
    image: &str,
    run_image: Option<String>,
) -> Option<Home<'a>> {
    let built = target_for_image(ctx.bake, image)?;
    let target = built.target;
    let requirements = image_requirements(target, &|p: &Path| ctx.read_file(p));
    // Not a production image: test deps appended to its requirements
    // would ship.
    let test_image =
        is_test_name(&target.name) || requirements.as_ref().is_ok_and(|r| is_test_name(&r.shown));
    test_image.then_some(Home::Image {
        target,
        requirements,
        run_image,
    })
}

/// The repository a workflow file belongs to (`<repo>/.github/workflows/x.yml`).
fn repository_root(path: &Path) -> PathBuf {
    path.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The directory a step starts in, relative to the repository, as an
/// absolute image-style path (`/` is the repository); `None` when unknown.
fn step_directory(workflow: &Workflow, job: &Job, step: &Step) -> Option<String> {
    match workflow.run_directory(job, step) {
        None => Some("/".to_string()),
        Some(d) if d.has_expression() || d.value.starts_with('/') => None,
        Some(d) => Some(image_path::join("/", &d.value)),
    }
}

/// The test requirements file the job installs itself (its last
/// unconditional `pip install -r` of a file named for tests), when the job
/// runs tests.
fn file_home<'a>(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    scripts: &[StepScript<'_>],
) -> Option<Home<'a>> {
    if !scripts.iter().any(|s| runs_tests(&s.script)) {
        return None;
    }
    let mut last: Option<(String, String)> = None;
    for s in scripts {
        let Some(start) = step_directory(ctx.workflow, job, s.step) else {
            continue;
        };
        let dirs = working_dirs(&s.script, &start);
        for pip in pip_installs(&s.script) {
            if !pip.command.guards.is_empty() || pip.command.in_substitution {
                continue;
            }
            let Some(Some(dir)) = dirs.get(pip.index) else {
                continue;
            };
            for file in &pip.requirement_files {
                if let Some(written) = file.as_str() {
                    let path = image_path::join(dir, written);
                    last = Some((written.to_string(), path));
                }
            }
        }
    }
    let (written, path) = last?;
    if !is_test_name(&path) {
        return None;
    }
    let relative = path.trim_start_matches('/');
    let full = crate::workspace::normalize(&repository_root(ctx.path).join(relative));
    let requirements = match ctx.read_file(&full) {
        Some(text) => Ok(Requirements {
            path: full,
            shown: relative.to_string(),
            text,
            image_adhoc: Vec::new(),
        }),
        None => Err(format!("`{relative}` was not found in the repository")),
    };
    Some(Home::File {
        written,
        requirements,
    })
}

/// Whether the script runs tests.
fn runs_tests(script: &RunScript) -> bool {
    script.commands().iter().any(|c| {
        let Some((program, args)) = c.effective() else {
            return false;
        };
        let Some(name) = crate::shell::command_basename(program) else {
            return false;
        };
        let arg = |i: usize| args.get(i).and_then(|a| a.as_str());
        let python = name.starts_with("python");
        TEST_RUNNERS.contains(&name)
            || (python && arg(0) == Some("-m") && arg(1).is_some_and(|m| TEST_MODULES.contains(&m)))
            || (name == "coverage" && arg(0) == Some("run"))
            || (name == "manage.py" && arg(0) == Some("test"))
            || (python
                && arg(0).is_some_and(|a| a.ends_with("manage.py"))
                && arg(1) == Some("test"))
            || (name == "make" && arg(0).is_some_and(|t| t.starts_with("test")))
    })
}

/// An ad-hoc install found in a step.
struct Found {
    /// Index into the job's [`StepScript`]s.
    script: usize,
    /// Index into its [`StepScript::runs`] when the install is in the
    /// script of a `docker run`.
    run: Option<usize>,
    command: Span,
    named: Named,
}

/// The ad-hoc installs of the job's steps (`run_image: None`), or of the
/// scripts its `docker run`s of `run_image` run.
fn adhoc_installs(scripts: &[StepScript<'_>], run_image: Option<&str>) -> Vec<Found> {
    let mut found = Vec::new();
    for (i, s) in scripts.iter().enumerate() {
        let mut scan = |script: &RunScript, run: Option<usize>| {
            for pip in pip_installs(script) {
                if !pip.requirement_files.is_empty() {
                    continue;
                }
                if let Some(named) = adhoc_packages(&pip, CI_TOOLING) {
                    found.push(Found {
                        script: i,
                        run,
                        command: pip.command.span,
                        named,
                    });
                }
            }
        };
        match run_image {
            None => scan(&s.script, None),
            Some(image) => {
                for (r, docker) in s.runs.iter().enumerate() {
                    if let (true, Some(script)) = (docker.image == image, &docker.script) {
                        scan(script, Some(r));
                    }
                }
            }
        }
    }
    found
}

pub(super) fn check(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    for job in &ctx.workflow.jobs {
        if job.uses.is_some() {
            continue;
        }
        let scripts = step_scripts(ctx, job);
        let home = image_home(ctx, job)
            .or_else(|| run_home(ctx, &scripts))
            .or_else(|| file_home(ctx, job, &scripts));
        let Some(home) = home else {
            continue;
        };
        let run_image = match &home {
            Home::Image { run_image, .. } => run_image.as_deref(),
            Home::File { .. } => None,
        };
        let found = adhoc_installs(&scripts, run_image);
        if found.is_empty() {
            continue;
        }
        report(ctx, job, &home, &scripts, &found, out);
    }
}

fn report(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    home: &Home<'_>,
    scripts: &[StepScript<'_>],
    found: &[Found],
    out: &mut Vec<Diagnostic>,
) {
    let removal = removal_edits(ctx, job, scripts, found);
    let fix = match (home.requirements(), &removal) {
        (Ok(requirements), Ok(deletions)) => Some(job_fix(ctx, requirements, found, deletions)),
        _ => None,
    };
    let reason = match (home.requirements(), &removal) {
        (Err(reason), _) | (Ok(_), Err(reason)) => Some(reason.clone()),
        _ => None,
    };
    for f in found {
        let packages = f.named.packages.join(" ");
        let list = f.named.packages.join(", ");
        let (message, mut help) = match home {
            Home::Image {
                target,
                requirements,
                run_image,
            } => {
                let place = match run_image {
                    None => "which runs in the image of".to_string(),
                    Some(_) => "in a `docker run` of the image of".to_string(),
                };
                let file = match requirements {
                    Ok(r) => format!("`{}` (the requirements file that image installs)", r.shown),
                    Err(_) => "the requirements file that image installs".to_string(),
                };
                (
                    format!(
                        "ad-hoc `pip install {packages}` in job \"{}\", {place} bake target \"{}\"",
                        job.id.value, target.name
                    ),
                    format!(
                        "list {list} in {file}, pinned (`name==x.y`), and delete this install.\n\
                         Every run of the job installs them again before the tests start, at whatever version the index serves that day."
                    ),
                )
            }
            Home::File {
                written,
                requirements,
            } => {
                let shown = requirements
                    .as_ref()
                    .map_or(written.as_str(), |r| r.shown.as_str());
                (
                    format!(
                        "ad-hoc `pip install {packages}` in job \"{}\" next to the requirements file `{written}`",
                        job.id.value
                    ),
                    format!(
                        "list {list} in `{shown}`, pinned (`name==x.y`), so the requirements install covers them.\n\
                         This install takes whatever version the index serves on the day of the run."
                    ),
                )
            }
        };
        let own_reason = if f.named.tooling {
            Some("the same command also installs packaging or build tools".to_string())
        } else {
            reason.clone()
        };
        if let Some(reason) = &own_reason {
            help.push_str(&format!(" (no automatic fix: {reason})"));
        }
        let mut d = ctx.diagnostic(f.named.span, message).with_help(help);
        if own_reason.is_none() {
            if let Some(fix) = &fix {
                d = d.with_fix(fix.clone());
            }
        }
        out.push(d);
    }
}

/// The fix of a job: the packages not yet listed appended to the
/// requirements file, the installs deleted from the workflow.
///
/// The image's Dockerfile may install packages ad hoc too, and BP012's fix
/// there appends them to the same file. A package installed there exactly
/// as here stays in the image either way, so it is not appended again.
/// The appends go before the file's final line ending while the Dockerfile
/// fix's go after it, so both land in the same fix round (a later round
/// may no longer see the Dockerfile as the image's); with the same package
/// spelled differently in both they go to the same point instead, and the
/// fix loop applies them one after the other (no duplicate line).
fn job_fix(
    ctx: &WorkflowContext<'_>,
    requirements: &Requirements,
    found: &[Found],
    deletions: &[Span],
) -> Fix {
    let mut listed: HashSet<String> = listed_names(&requirements.text).into_iter().collect();
    let pending: HashSet<String> = requirements
        .image_adhoc
        .iter()
        .map(|p| normalized_name(p))
        .collect();
    let mut added: Vec<&str> = Vec::new();
    let mut serialize = false;
    for f in found.iter().filter(|f| !f.named.tooling) {
        for package in &f.named.packages {
            let name = normalized_name(package);
            if requirements.image_adhoc.contains(package) || !listed.insert(name.clone()) {
                continue;
            }
            serialize |= pending.contains(&name);
            added.push(package);
        }
    }
    let mut edits: Vec<Edit> = deletions
        .iter()
        .map(|s| Edit::delete(ctx.path, *s))
        .collect();
    let message = if added.is_empty() {
        "Delete the ad-hoc install (its packages are already listed)".to_string()
    } else {
        edits.push(if serialize {
            super::append_edit(&requirements.path, &requirements.text, &added)
        } else {
            append_before_final_newline(&requirements.path, &requirements.text, &added)
        });
        format!(
            "Append {} to {} and delete the ad-hoc install",
            added.join(", "),
            requirements.shown
        )
    };
    Fix::unsafe_(message, edits)
}

/// Appends `packages` to a requirements file, one a line, inserted before
/// its final line ending (the file then ends as it did); at the end, with a
/// line ending first, when it has none.
fn append_before_final_newline(path: &Path, text: &str, packages: &[&str]) -> Edit {
    let ending = if text.ends_with("\r\n") {
        2
    } else if text.ends_with('\n') {
        1
    } else {
        return super::append_edit(path, text, packages);
    };
    let mut content = String::new();
    for package in packages {
        content.push('\n');
        content.push_str(package);
    }
    Edit::insert(path, text.len() - ending, content)
}

/// The workflow bytes to delete so the job's removable installs are gone
/// (installs that also install tools stay), checked by reading the edited
/// workflow again; or why not.
fn removal_edits(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    scripts: &[StepScript<'_>],
    found: &[Found],
) -> Result<Vec<Span>, String> {
    let mut spans = Vec::new();
    let mut deleted_steps = Vec::new();
    let mut edited: Vec<(usize, Vec<Span>)> = Vec::new();
    for (i, s) in scripts.iter().enumerate() {
        let mine = |f: &&Found| f.script == i && !f.named.tooling;
        let removed: Vec<Span> = found.iter().filter(mine).map(|f| f.command).collect();
        if removed.is_empty() {
            continue;
        }
        if found.iter().filter(mine).any(|f| f.run.is_some()) {
            for (r, docker) in s.runs.iter().enumerate() {
                let Some(script) = &docker.script else {
                    continue;
                };
                let inside: Vec<Span> = found
                    .iter()
                    .filter(mine)
                    .filter(|f| f.run == Some(r))
                    .map(|f| f.command)
                    .collect();
                if inside.is_empty() {
                    continue;
                }
                if inside.len() == script.commands().len() {
                    return Err("the install is all the container runs".to_string());
                }
                for command in &inside {
                    spans.push(command_deletion(ctx.text, script, *command)?);
                }
            }
            edited.push((s.index, removed));
            continue;
        }
        if removed.len() == s.script.commands().len() {
            spans.push(step_deletion(ctx, job, s.step)?);
            deleted_steps.push(s.index);
        } else {
            for command in &removed {
                spans.push(command_deletion(ctx.text, &s.script, *command)?);
            }
            edited.push((s.index, removed));
        }
    }
    spans.sort_by_key(|s| (s.start, s.end));
    if spans.windows(2).any(|w| w[0].end > w[1].start) {
        return Err("the installs overlap".to_string());
    }
    let edits: Vec<(Span, String)> = spans.iter().map(|s| (*s, String::new())).collect();
    let after = crate::fix::apply_edits(ctx.text, &edits);
    if !same_but_removed(ctx, job, scripts, &after, &deleted_steps, &edited) {
        return Err("deleting the install would change other parts of the workflow".to_string());
    }
    Ok(spans)
}

/// Where a whole step is in the text: from the start of its `- ` line to
/// the end of its last line; or why it cannot be deleted.
fn step_deletion(ctx: &WorkflowContext<'_>, job: &Job, step: &Step) -> Result<Span, String> {
    if let Some(key) = step
        .keys
        .iter()
        .find(|k| !DELETABLE_STEP_KEYS.contains(&k.value.as_str()))
    {
        return Err(format!("the step also has `{}:`", key.value));
    }
    if job.steps.len() < 2 {
        return Err(format!("it is the only step of job \"{}\"", job.id.value));
    }
    let text = ctx.text;
    let at = |from: usize, to: usize| text.get(from..to).unwrap_or_default();
    let start = step.content.start;
    let line_start = at(0, start).rfind('\n').map_or(0, |i| i + 1);
    let dash = at(line_start, start).trim_start_matches([' ', '\t']);
    let item = dash
        .strip_prefix('-')
        .is_some_and(|gap| !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\t'));
    if !item {
        return Err("the step is not a block list item of its own".to_string());
    }
    let end = start
        + at(start, step.content.end)
            .trim_end_matches([' ', '\t', '\n', '\r'])
            .len();
    let line_end = at(end, text.len())
        .find('\n')
        .map_or(text.len(), |i| end + i + 1);
    Ok(Span::new(line_start, line_end))
}

/// The bytes to delete so one command leaves its script: its line, when
/// it is alone on a line of a block scalar; else the command with the `&&`
/// (or `;`, or line break) before it, or after it when it comes first.
fn command_deletion(text: &str, script: &RunScript, command: Span) -> Result<Span, String> {
    let commands = script.commands();
    if commands
        .iter()
        .any(|c| c.in_substitution || c.in_pipeline || !c.guards.is_empty())
    {
        return Err("the step's script is not a plain list of commands".to_string());
    }
    let Some(index) = commands.iter().position(|c| c.span == command) else {
        return Err("the install could not be located in its step".to_string());
    };
    let at = |from: usize, to: usize| text.get(from..to);
    let line_start = at(0, command.start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = at(command.end, text.len())
        .and_then(|s| s.find('\n'))
        .map(|i| command.end + i);
    let blank =
        |s: Option<&str>| s.is_some_and(|s| s.chars().all(|c| matches!(c, ' ' | '\t' | '\r')));
    if let Some(line_end) = line_end {
        if blank(at(line_start, command.start)) && blank(at(command.end, line_end)) {
            return Ok(Span::new(line_start, line_end + 1));
        }
    }
    let separator = |s: Option<&str>| {
        let Some(mut rest) = s else {
            return false;
        };
        loop {
            rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if let Some(r) = rest.strip_prefix("&&").or_else(|| rest.strip_prefix(';')) {
                rest = r;
            } else if let Some(r) = rest.strip_prefix("\\\n") {
                rest = r;
            } else {
                return rest.is_empty();
            }
        }
    };
    let previous = index.checked_sub(1).and_then(|i| commands.get(i));
    match (previous, commands.get(index + 1)) {
        (Some(p), _) if separator(at(p.span.end, command.start)) => {
            Ok(Span::new(p.span.end, command.end))
        }
        (None, Some(n)) if separator(at(command.end, n.span.start)) => {
            Ok(Span::new(command.start, n.span.start))
        }
        _ => Err("the install is not a command of its own in the step".to_string()),
    }
}

/// A command as the shell runs it: its words and how it is joined.
type Shape = (Vec<String>, usize, bool);

fn command_shape(c: &SimpleCommand) -> Shape {
    shape_without(c, None)
}

/// [`command_shape`] with the word at `hidden` standing for itself (`<script>`).
fn shape_without(c: &SimpleCommand, hidden: Option<Span>) -> Shape {
    let words = c
        .assignments
        .iter()
        .chain(c.words())
        .map(|w| match hidden {
            Some(span) if w.span == span => "<script>".to_string(),
            _ => w.raw.clone(),
        })
        .collect();
    (words, c.guards.len(), c.in_pipeline || c.in_substitution)
}

/// The commands of a step's script and, after each `docker run`, those of
/// the script its container runs (whose own word then stands for it), with
/// their spans.
fn flat_shapes(text: &str, script: &RunScript) -> Vec<(Span, Shape)> {
    let mut out = Vec::new();
    for c in script.commands() {
        let (inner, word) = match docker_run(text, c) {
            Some(d) => (d.script, d.script_word),
            None => (None, None),
        };
        out.push((c.span, shape_without(c, word)));
        for nested in inner.iter().flat_map(|s| s.commands()) {
            out.push((nested.span, command_shape(nested)));
        }
    }
    out
}

/// What a step is, for comparing a workflow before and after an edit.
fn step_shape(step: &Step) -> Vec<Option<String>> {
    let value = |s: &Option<workflow::Scalar>| s.as_ref().map(|s| s.value.clone());
    let mut shape = vec![
        value(&step.name),
        value(&step.uses),
        value(&step.id),
        value(&step.condition),
        value(&step.shell),
        value(&step.working_directory),
    ];
    shape.extend(step.keys.iter().map(|k| Some(k.value.clone())));
    shape.extend(
        step.with
            .iter()
            .flat_map(|(k, v)| [Some(k.value.clone()), Some(v.value.clone())]),
    );
    shape
}

/// Whether `after` (the edited workflow text) still loads, every other
/// job and step is as it was, the `deleted` steps are gone, and each of
/// the `edited` steps runs the commands it ran but the removed ones.
fn same_but_removed(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    scripts: &[StepScript<'_>],
    after: &str,
    deleted: &[usize],
    edited: &[(usize, Vec<Span>)],
) -> bool {
    let Ok(new) = workflow::load(after) else {
        return false;
    };
    let before = ctx.workflow;
    if new.jobs.len() != before.jobs.len() {
        return false;
    }
    for (old_job, new_job) in before.jobs.iter().zip(&new.jobs) {
        if old_job.id.value != new_job.id.value {
            return false;
        }
        let kept: Vec<(usize, &Step)> = old_job
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| old_job.id.value != job.id.value || !deleted.contains(i))
            .collect();
        if kept.len() != new_job.steps.len() {
            return false;
        }
        for ((index, old), new_step) in kept.into_iter().zip(&new_job.steps) {
            if step_shape(old) != step_shape(new_step) {
                return false;
            }
            let changed = (old_job.id.value == job.id.value)
                .then(|| edited.iter().find(|(i, _)| *i == index))
                .flatten();
            let same_run = match changed {
                None => {
                    old.run.as_ref().map(|r| &r.value) == new_step.run.as_ref().map(|r| &r.value)
                }
                Some((_, removed)) => {
                    let Some(old_script) = scripts.iter().find(|s| s.index == index) else {
                        return false;
                    };
                    let expected: Vec<Shape> = flat_shapes(ctx.text, &old_script.script)
                        .into_iter()
                        .filter(|(span, _)| !removed.contains(span))
                        .map(|(_, shape)| shape)
                        .collect();
                    new_step
                        .run
                        .as_ref()
                        .and_then(|r| run_script(after, r))
                        .is_some_and(|s| {
                            !s.has_syntax_error
                                && flat_shapes(after, &s)
                                    .into_iter()
                                    .map(|(_, shape)| shape)
                                    .collect::<Vec<_>>()
                                    == expected
                        })
                }
            };
            if !same_run {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests;
