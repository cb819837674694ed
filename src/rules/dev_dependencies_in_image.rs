//! BP015 `dev-dependencies-in-image`: `npm ci` / `npm install` / `yarn
//! install` / `pnpm install` without production-only flags in the stage
//! that becomes the image (or a stage it is built `FROM`), when the
//! manifest it installs from has `devDependencies`: test runners, linters,
//! compilers and type packages ship in every pull of the image.
//!
//! The manifest is the `package.json` of the install's directory, mapped
//! back into the build context through the COPY (or bind mount) that put it
//! there, as BP012 maps requirements files ([`PathState`]); no manifest in
//! sight, no finding. Not findings: installs made production-only (flags,
//! `NODE_ENV=production` from ENV, ARG or the command, npm config in the
//! environment or a copied `.npmrc`), installs pruned later in the image
//! (`npm prune --omit=dev`, a production reinstall, `rm -rf node_modules`),
//! installs in stages that are not the image, and images for tests or
//! development (a stage, target or Dockerfile named so, or a CMD that runs
//! the tests).
//!
//! The fix adds the manager's production flag (`--omit=dev`, `--production`
//! for npm 6 and Yarn 1, `--prod` for pnpm); it is safe only when nothing
//! later in the image runs a package script (a RUN, the CMD, the manifest's
//! install hooks), unsafe otherwise. When the stage builds with the dev
//! dependencies (`npm run build`, `tsc`, `npx ...` after the install) the
//! help points to a build stage, and only an install and build in one RUN
//! get a fix: `&& npm prune --omit=dev` after the build in that RUN (a prune
//! in a later RUN would leave the files in the install's layer).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{CommandForm, Dockerfile, Instruction, InstructionKind};
use crate::image_path;
use crate::rules::adhoc_test_deps::{plain_and_chain, Mark, PathState, Placement};
use crate::rules::build_args::global_arg_env;
use crate::rules::stage_walk::{stage_parents, walk_stages, CarriedState};
use crate::rules::stages::{find_stage, stage_names};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::files::working_dirs;
use crate::shell::{
    analyze_text, command_basename, PackageInstall, PackageManager, RunScript, ScriptOrigin,
    SimpleCommand,
};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP015",
    name: "dev-dependencies-in-image",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A Node.js install in the image's stage that installs devDependencies",
    doc: include_str!("../../rules/BP015.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Name parts of a stage or Dockerfile that make an image for tests or
/// development, where the dev dependencies are the point.
const DEV_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "dev",
    "devel",
    "development",
    "develop",
    "ci",
    "debug",
    "local",
    "e2e",
    "lint",
    "storybook",
];

/// Install subcommands that install the manifest's dependencies.
const MANIFEST_INSTALLS: &[&str] = &["install", "i", "ci", "in", "isntall"];

/// Manifest keys of the scripts npm (and Yarn 1, pnpm) run during an
/// install: with the dev dependencies left out they may fail
/// (`"prepare": "husky install"`).
const INSTALL_HOOKS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "preprepare",
    "prepare",
    "postprepare",
];

/// Programs that build or check with dev dependencies when run after the
/// install (compilers, bundlers, test runners, `node` itself).
const BUILD_PROGRAMS: &[&str] = &[
    "npx",
    "node",
    "tsc",
    "next",
    "nuxt",
    "vite",
    "webpack",
    "rollup",
    "esbuild",
    "nest",
    "ng",
    "jest",
    "vitest",
    "mocha",
    "eslint",
    "babel",
    "gulp",
    "grunt",
    "turbo",
    "nx",
    "tsx",
    "ts-node",
    "parcel",
    "svelte-kit",
    "astro",
    "remix",
    "react-scripts",
    "vue-cli-service",
    "prisma",
];

/// npm subcommands that run package scripts or package binaries.
const NPM_SCRIPT_COMMANDS: &[&str] = &[
    "run",
    "run-script",
    "rum",
    "urn",
    "test",
    "t",
    "tst",
    "start",
    "stop",
    "restart",
    "exec",
    "x",
];

/// Yarn subcommands that do not run scripts of the project (any other
/// word runs a script or a binary: `yarn build`, `yarn tsc`).
const YARN_NON_SCRIPTS: &[&str] = &[
    "install",
    "add",
    "remove",
    "upgrade",
    "up",
    "cache",
    "config",
    "global",
    "set",
    "policies",
    "plugin",
    "workspaces",
    "info",
    "why",
    "list",
    "licenses",
    "version",
    "import",
    "audit",
    "autoclean",
    "check",
    "link",
    "unlink",
    "pack",
    "publish",
    "login",
    "logout",
    "outdated",
    "owner",
    "tag",
    "team",
    "init",
    "dedupe",
    "npm",
    "constraints",
    "dlx",
    "bin",
    "help",
    "-v",
    "--version",
    "-h",
    "--help",
];

/// pnpm subcommands that do not run scripts of the project.
const PNPM_NON_SCRIPTS: &[&str] = &[
    "install",
    "i",
    "add",
    "remove",
    "rm",
    "update",
    "up",
    "prune",
    "fetch",
    "store",
    "config",
    "setup",
    "env",
    "dlx",
    "create",
    "import",
    "rebuild",
    "link",
    "unlink",
    "list",
    "ls",
    "outdated",
    "why",
    "audit",
    "licenses",
    "deploy",
    "pack",
    "publish",
    "patch",
    "server",
    "root",
    "bin",
    "init",
    "cache",
    "doctor",
    "approve-builds",
    "ignored-builds",
    "help",
    "-v",
    "--version",
    "-h",
    "--help",
];

/// Node.js releases before this one ship npm 6, which has no `--omit`.
const FIRST_NPM7_NODE: u32 = 15;

/// Whether a name reads as a test or development one.
fn is_dev_name(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| DEV_WORDS.contains(&word))
}

/// The node package managers BP015 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manager {
    Npm,
    Yarn,
    Pnpm,
}

impl Manager {
    fn of(manager: PackageManager) -> Option<Manager> {
        match manager {
            PackageManager::Npm => Some(Manager::Npm),
            PackageManager::Yarn => Some(Manager::Yarn),
            PackageManager::Pnpm => Some(Manager::Pnpm),
            _ => None,
        }
    }
}

/// Which Yarn the project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YarnLine {
    Classic,
    Berry,
    Unknown,
}

/// What the install's manifest says.
#[derive(Debug, Clone, Default)]
struct Manifest {
    /// Where it is in the build context.
    shown: String,
    dev_dependencies: Vec<String>,
    /// Install hooks it defines ([`INSTALL_HOOKS`]).
    hooks: Vec<String>,
    /// `packageManager` (`yarn@4.1.0`).
    package_manager: Option<String>,
}

/// An install of a manifest's dependencies that keeps the dev ones.
#[derive(Debug, Clone)]
struct Install {
    stage: usize,
    /// The RUN instruction's node.
    node: usize,
    /// The command within its script.
    command: usize,
    /// Its script within the RUN's scripts.
    script: usize,
    manager: Manager,
    /// From the program to the subcommand (`npm ci`, `yarn`).
    span: Span,
    /// Where a flag goes: after the subcommand (or after `yarn`).
    flag_at: usize,
    /// The directory it runs in.
    dir: String,
    manifest: Manifest,
    yarn: YarnLine,
}

/// What happens in a stage, in order.
#[derive(Debug, Clone)]
enum Event {
    Install(Box<Install>),
    /// A production-only install, a prune or the removal of node_modules.
    Production,
    /// A package script or dev tool run after which the dev dependencies
    /// may be needed.
    Script {
        node: usize,
        script: usize,
        command: usize,
        /// The command as written (for the help).
        text: String,
        dir: Option<String>,
    },
}

/// The stage walk's state: paths (WORKDIR, COPYs) and the environment the
/// stage's RUNs see (ARG and ENV values; `None` when not known). Changes to
/// the environment are logged so a stage is undone in the time it took.
struct State {
    paths: PathState,
    env: BTreeMap<String, Option<String>>,
    /// `(name, value before)` of every change, oldest first.
    log: Vec<(String, Option<Option<String>>)>,
}

impl State {
    fn set(&mut self, name: &str, value: Option<String>) {
        let before = self.env.insert(name.to_string(), value);
        self.log.push((name.to_string(), before));
    }
}

impl CarriedState for State {
    type Mark = (Mark, usize);

    fn mark(&self) -> Self::Mark {
        (self.paths.mark(), self.log.len())
    }

    fn undo(&mut self, mark: Self::Mark) {
        self.paths.undo(mark.0);
        while self.log.len() > mark.1 {
            let Some((name, before)) = self.log.pop() else {
                break;
            };
            match before {
                Some(value) => self.env.insert(name, value),
                None => self.env.remove(&name),
            };
        }
    }
}

/// Whether the environment makes installs production-only (or may: an
/// unknown value counts, so no finding is made on a guess).
fn production_env<'a>(mut get: impl FnMut(&str) -> Option<Option<&'a str>>) -> bool {
    let mut yes = |name: &str, test: fn(&str) -> bool| match get(name) {
        Some(Some(v)) => test(v),
        Some(None) => true,
        None => false,
    };
    yes("NODE_ENV", |v| v.eq_ignore_ascii_case("production"))
        || yes("NPM_CONFIG_PRODUCTION", |v| v.eq_ignore_ascii_case("true"))
        || yes("npm_config_production", |v| v.eq_ignore_ascii_case("true"))
        || yes("NPM_CONFIG_OMIT", |v| v.contains("dev"))
        || yes("npm_config_omit", |v| v.contains("dev"))
        || yes("YARN_PRODUCTION", |v| v.eq_ignore_ascii_case("true"))
}

/// Whether the install's flags make it production-only (or ask for the dev
/// dependencies on purpose: `--include=dev`, `--production=false`).
fn production_or_explicit(install: &PackageInstall) -> bool {
    install.flags.iter().any(|f| {
        let Some(text) = f.flag.as_str() else {
            return true;
        };
        let value = f.value.and_then(|v| v.as_str());
        let (name, inline) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        let value = inline.or(value).unwrap_or("");
        match name {
            "--omit" | "--include" | "--only" => true,
            "--production" | "--prod" | "-P" => true,
            "--dev" | "-D" => true,
            _ => value.contains("production"),
        }
    })
}

/// A manifest file's text read as `package.json`.
fn read_manifest(shown: &str, text: &str) -> Option<Manifest> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = json.as_object()?;
    let dev_dependencies = object
        .get("devDependencies")
        .and_then(|d| d.as_object())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    let hooks = object
        .get("scripts")
        .and_then(|s| s.as_object())
        .map(|s| {
            INSTALL_HOOKS
                .iter()
                .filter(|h| s.contains_key(**h))
                .map(|h| h.to_string())
                .collect()
        })
        .unwrap_or_default();
    Some(Manifest {
        shown: shown.to_string(),
        dev_dependencies,
        hooks,
        package_manager: object
            .get("packageManager")
            .and_then(|p| p.as_str())
            .map(str::to_string),
    })
}

/// Reads build-context files for the walk.
struct Context<'a> {
    ctx: &'a DockerfileContext<'a>,
    dir: PathBuf,
}

impl Context<'_> {
    /// The first of `candidates` (context-relative) that exists, with its text.
    fn read(&self, candidates: &[String]) -> Option<(String, String)> {
        candidates.iter().find_map(|c| {
            let path = crate::workspace::normalize(&self.dir.join(c));
            if !self.ctx.file_exists(&path) {
                return None;
            }
            self.ctx.read_file(&path).map(|t| (c.clone(), t))
        })
    }

    /// Where image path `path` comes from in the context (bind mounts of the
    /// RUN first, then the COPYs so far).
    fn candidates(state: &State, mounts: &[Placement], path: &str) -> Vec<String> {
        mounts
            .iter()
            .flat_map(|m| m.candidates(path))
            .chain(state.paths.candidates(path))
            .collect()
    }
}

/// Whether a copied `.npmrc` in `dir` configures production installs.
fn npmrc_production(context: &Context<'_>, state: &State, mounts: &[Placement], dir: &str) -> bool {
    let candidates = Context::candidates(state, mounts, &image_path::join(dir, ".npmrc"));
    context.read(&candidates).is_some_and(|(_, text)| {
        text.lines().any(|line| {
            let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            line.starts_with("omit=dev")
                || line.starts_with("omit[]=dev")
                || line.eq_ignore_ascii_case("production=true")
        })
    })
}

/// Which Yarn a manifest uses: its `packageManager`, else the format of
/// the `yarn.lock` beside it in the build context (copied or not: it
/// tells the project's Yarn), else a `.yarnrc.yml` there (Yarn 2+).
fn yarn_line(context: &Context<'_>, manifest: &Manifest) -> YarnLine {
    if let Some(pm) = &manifest.package_manager {
        if let Some(version) = pm.strip_prefix("yarn@") {
            return if version.starts_with("1.") {
                YarnLine::Classic
            } else {
                YarnLine::Berry
            };
        }
    }
    let dir = match manifest.shown.rfind('/') {
        Some(i) => &manifest.shown[..i],
        None => "",
    };
    let beside = |name: &str| vec![image_path::context_join(dir, name)];
    if let Some((_, text)) = context.read(&beside("yarn.lock")) {
        if text.contains("# yarn lockfile v1") {
            return YarnLine::Classic;
        }
        if text.contains("__metadata:") {
            return YarnLine::Berry;
        }
    }
    if context.read(&beside(".yarnrc.yml")).is_some() {
        return YarnLine::Berry;
    }
    YarnLine::Unknown
}

/// The manifest installs, prunes and script runs of one RUN, in order.
#[allow(clippy::too_many_arguments)]
fn run_events(
    context: &Context<'_>,
    df: &Dockerfile,
    stage: usize,
    node: usize,
    ins: &Instruction,
    state: &State,
    out: &mut Vec<Event>,
) {
    let mounts = state.paths.bind_mounts(ins);
    let targets = mount_targets(ins, &state.paths.workdir);
    for (script_index, script) in df.run_scripts(ins).iter().enumerate() {
        let dirs = working_dirs(script, &state.paths.workdir);
        let installs: BTreeMap<usize, PackageInstall> = script
            .installs()
            .into_iter()
            .map(|i| (i.command_index, i))
            .collect();
        let mut exported: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (index, command) in script.commands().iter().enumerate() {
            let dir = dirs.get(index).cloned().flatten();
            if export(command, &mut exported) {
                continue;
            }
            let install = installs.get(&index);
            let event = match install.and_then(|i| Manager::of(i.manager).map(|m| (i, m))) {
                Some((install, manager)) => install_event(
                    context,
                    state,
                    &mounts,
                    &exported,
                    &targets,
                    (stage, node, script_index, index),
                    install,
                    manager,
                    dir,
                ),
                None => other_event(command, (node, script_index, index), dir, &df.source),
            };
            if let Some(event) = event {
                out.push(event);
            }
        }
    }
}

/// The targets of a RUN's `--mount`s (any type), absolute.
fn mount_targets(ins: &Instruction, workdir: &str) -> Vec<String> {
    ins.flags
        .iter()
        .filter(|f| f.name.value == "mount")
        .filter_map(|flag| {
            let options = flag.options();
            let target = options
                .iter()
                .find(|o| matches!(o.key.value.as_str(), "target" | "dst" | "destination"))?;
            Some(image_path::join(workdir, &target.value.as_ref()?.value))
        })
        .collect()
}

/// Whether `path` is at or below a mount target: what a RUN writes there
/// (a cache mount's `node_modules`, a bind mount's files) is not in the image.
fn mounted(targets: &[String], path: &str) -> bool {
    targets.iter().any(|t| {
        path == t
            || t == "/"
            || path
                .strip_prefix(t.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Whether the command is `export NAME=value` (or `NAME=value` alone),
/// recorded in `exported`.
fn export(command: &SimpleCommand, exported: &mut BTreeMap<String, Option<String>>) -> bool {
    let words: Vec<&crate::shell::Word> = match command.name_str() {
        Some("export") => command.args.iter().collect(),
        None => command.assignments.iter().collect(),
        _ => return false,
    };
    for word in words {
        if let Some((name, value)) = word.raw.split_once('=') {
            let value = crate::shell::static_value(value);
            exported.insert(name.to_string(), value);
        }
    }
    true
}

/// The event of a package-manager command.
#[allow(clippy::too_many_arguments)]
fn install_event(
    context: &Context<'_>,
    state: &State,
    mounts: &[Placement],
    exported: &BTreeMap<String, Option<String>>,
    ins_mounts: &[String],
    (stage, node, script, command): (usize, usize, usize, usize),
    install: &PackageInstall,
    manager: Manager,
    dir: Option<String>,
) -> Option<Event> {
    let sub = install.subcommand_str();
    let manifest_install = match (manager, sub) {
        (Manager::Yarn, None) => true,
        (_, Some(s)) => MANIFEST_INSTALLS.contains(&s),
        _ => false,
    };
    let global =
        install.has_flag(&["-g", "--global"]) || install.flag_value("--location") == Some("global");
    // `npm install .` installs the manifest of the directory too.
    let named = install
        .packages
        .iter()
        .any(|p| !matches!(p.as_str(), Some("." | "./")));
    if !manifest_install || global || named {
        return None;
    }
    let assigned: BTreeMap<String, Option<String>> = install
        .command
        .assignments
        .iter()
        .filter_map(|w| {
            let (name, value) = w.raw.split_once('=')?;
            Some((name.to_string(), crate::shell::static_value(value)))
        })
        .collect();
    let env_production = production_env(|name| {
        assigned
            .get(name)
            .or_else(|| exported.get(name))
            .or_else(|| state.env.get(name))
            .map(|v| v.as_deref())
    });
    if production_or_explicit(install) || env_production {
        return Some(Event::Production);
    }
    if !install.command.guards.is_empty() || install.command.in_substitution {
        return None;
    }
    let dir = dir?;
    if mounted(ins_mounts, &image_path::join(&dir, "node_modules")) {
        return Some(Event::Production);
    }
    if manager == Manager::Npm && npmrc_production(context, state, mounts, &dir) {
        return Some(Event::Production);
    }
    let candidates = Context::candidates(state, mounts, &image_path::join(&dir, "package.json"));
    let (shown, text) = context.read(&candidates)?;
    let manifest = read_manifest(&shown, &text)?;
    let yarn = match manager {
        Manager::Yarn => yarn_line(context, &manifest),
        _ => YarnLine::Unknown,
    };
    let end = install
        .subcommand
        .as_ref()
        .map_or(install.program.span.end, |s| s.span.end);
    Some(Event::Install(Box::new(Install {
        stage,
        node,
        command,
        script,
        manager,
        span: Span::new(install.program.span.start, end),
        flag_at: end,
        dir,
        manifest,
        yarn,
    })))
}

/// The event of any other command: a prune or a script run.
fn other_event(
    command: &SimpleCommand,
    (node, script, index): (usize, usize, usize),
    dir: Option<String>,
    source: &str,
) -> Option<Event> {
    let (program, args) = command.effective()?;
    let name = command_basename(program)?;
    let arg = |i: usize| args.get(i).and_then(|a| a.as_str());
    let has = |flag: &str| {
        args.iter().any(|a| {
            a.as_str()
                .is_some_and(|t| t == flag || t.starts_with(&format!("{flag}=")))
        })
    };
    let production_flag = has("--production") || has("--prod") || has("-P") || has("--omit");
    let prune = match name {
        "npm" => arg(0) == Some("prune") && production_flag,
        "pnpm" => matches!(arg(0), Some("prune" | "deploy")) && production_flag,
        "yarn" => arg(0) == Some("workspaces") && arg(1) == Some("focus") && production_flag,
        "rm" => args.iter().any(|a| {
            a.as_str()
                .is_some_and(|t| t.trim_end_matches('/').ends_with("node_modules"))
        }),
        _ => false,
    };
    if prune {
        return Some(Event::Production);
    }
    let script_run = match name {
        "npm" => arg(0).is_some_and(|s| NPM_SCRIPT_COMMANDS.contains(&s)),
        "yarn" | "yarnpkg" => arg(0).is_some_and(|s| !YARN_NON_SCRIPTS.contains(&s)),
        "pnpm" => arg(0).is_some_and(|s| !PNPM_NON_SCRIPTS.contains(&s)),
        _ => {
            BUILD_PROGRAMS.contains(&name)
                || program
                    .as_str()
                    .is_some_and(|p| p.contains("node_modules/.bin/"))
        }
    };
    script_run.then(|| Event::Script {
        node,
        script,
        command: index,
        text: command.span.slice(source).to_string(),
        dir,
    })
}

/// Whether a CMD or ENTRYPOINT runs a package manager (`npm start`) or the
/// tests.
fn command_runs(form: &CommandForm) -> (bool, bool) {
    let programs: Vec<(String, Option<String>)> = match form {
        CommandForm::Exec(args) => {
            let mut words = args.iter().map(|a| a.value.as_str());
            let program = words.next().unwrap_or("");
            let base = program.rsplit('/').next().unwrap_or(program).to_string();
            if matches!(base.as_str(), "sh" | "bash" | "ash" | "dash") {
                // `["sh", "-c", "npm start"]`: the script's first word.
                let script = args
                    .iter()
                    .map(|a| a.value.as_str())
                    .find(|w| !w.starts_with('-') && *w != program);
                let text = crate::dockerfile::LogicalText {
                    text: script.unwrap_or("").to_string(),
                    segments: Vec::new(),
                };
                programs_of(&analyze_text(&text, ScriptOrigin::ExecForm))
            } else {
                vec![(base, words.next().map(str::to_string))]
            }
        }
        CommandForm::Shell(text) => programs_of(&analyze_text(text, ScriptOrigin::ShellForm)),
    };
    let scripts = programs
        .iter()
        .any(|(p, _)| matches!(p.as_str(), "npm" | "yarn" | "yarnpkg" | "pnpm" | "npx"));
    let tests = programs.iter().any(|(p, a)| {
        matches!(p.as_str(), "jest" | "vitest" | "mocha")
            || (matches!(p.as_str(), "npm" | "yarn" | "pnpm")
                && matches!(a.as_deref(), Some("test" | "t" | "tst")))
    });
    (scripts, tests)
}

fn programs_of(script: &RunScript) -> Vec<(String, Option<String>)> {
    script
        .commands()
        .iter()
        .filter_map(|c| {
            let (program, args) = c.effective()?;
            Some((
                command_basename(program)?.to_string(),
                args.first().and_then(|a| a.as_str()).map(str::to_string),
            ))
        })
        .collect()
}

/// What one stage does.
#[derive(Debug, Clone, Default)]
struct StageFacts {
    events: Vec<Event>,
    /// The stage's last CMD/ENTRYPOINT: (runs a package manager, runs tests).
    command: Option<(bool, bool)>,
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.build.unbuilt_in_bake_project() || is_dev_name(&file_name(ctx.path)) {
        return;
    }
    let df = ctx.dockerfile;
    // Only npm/yarn/pnpm installs are findings: most files have none.
    if !df.installs_with(|m| Manager::of(m).is_some()) {
        return;
    }
    let stages = df.stages();
    if stages.is_empty() {
        return;
    }
    let images = image_stages(ctx, df);
    if images.is_empty() {
        return;
    }
    let context = Context {
        ctx,
        dir: match &ctx.build.context {
            Some(c) => c.clone(),
            None => ctx.path.parent().map(Path::to_path_buf).unwrap_or_default(),
        },
    };
    let parents = stage_parents(df, &ctx.build.args);
    let facts = stage_facts(&context, df, &parents);
    let users = stage_users(df, &parents);
    let mut reported: HashSet<Span> = HashSet::new();
    for image in images {
        let chain = chain(&parents, image);
        let (scripts_cmd, tests_cmd) = chain
            .iter()
            .rev()
            .find_map(|&s| facts.get(s).and_then(|f| f.command))
            .unwrap_or((false, false));
        if tests_cmd {
            continue;
        }
        let events: Vec<&Event> = chain
            .iter()
            .filter_map(|&s| facts.get(s))
            .flat_map(|f| f.events.iter())
            .collect();
        for (at, event) in events.iter().enumerate() {
            let Event::Install(install) = event else {
                continue;
            };
            let later = &events[at + 1..];
            if install.manifest.dev_dependencies.is_empty()
                || later.iter().any(|e| matches!(e, Event::Production))
                || !reported.insert(install.span)
            {
                continue;
            }
            let scripts: Vec<&Event> = later
                .iter()
                .copied()
                .filter(|e| matches!(e, Event::Script { .. }))
                .collect();
            let own = only_along_chain(&users, &chain, install.stage);
            let finding = Finding {
                install,
                image,
                scripts: &scripts,
                scripts_cmd,
                own,
                node_major: node_major(df, &parents, &chain, &ctx.build.args),
            };
            out.push(report(ctx, df, &finding));
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// The stages that become images: those the bake targets select, else the
/// last; stages named for tests or development are left out.
fn image_stages(ctx: &DockerfileContext<'_>, df: &Dockerfile) -> Vec<usize> {
    let last = df.stages().len().saturating_sub(1);
    let selected: Vec<Option<String>> = if ctx.build.target_stages.is_empty() {
        vec![ctx.build.target.clone()]
    } else {
        ctx.build.target_stages.clone()
    };
    let names = stage_names(df);
    let mut images: Vec<usize> = selected
        .iter()
        .filter_map(|t| match t {
            Some(name) => find_stage(df, name),
            None => Some(last),
        })
        .filter(|&i| {
            !names
                .get(i)
                .cloned()
                .flatten()
                .is_some_and(|n| is_dev_name(&n))
        })
        .collect();
    images.sort_unstable();
    images.dedup();
    images
}

/// A stage and the stages it is built on, root first.
fn chain(parents: &[Option<usize>], stage: usize) -> Vec<usize> {
    let mut chain = vec![stage];
    let mut current = stage;
    while let Some(Some(parent)) = parents.get(current) {
        chain.push(*parent);
        current = *parent;
    }
    chain.reverse();
    chain
}

/// The stages that use each stage (built `FROM` it, or copying or mounting from it).
fn stage_users(df: &Dockerfile, parents: &[Option<usize>]) -> Vec<BTreeSet<usize>> {
    let stages = df.stages();
    let names = stage_names(df);
    let mut users: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); stages.len()];
    for (i, parent) in parents.iter().enumerate() {
        if let Some(p) = parent {
            if let Some(u) = users.get_mut(*p) {
                u.insert(i);
            }
        }
    }
    let by_ref = |r: &str, before: usize| -> Option<usize> {
        match r.parse::<usize>() {
            Ok(n) => (n < before).then_some(n),
            Err(_) => names[..before.min(names.len())]
                .iter()
                .rposition(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(r))),
        }
    };
    for (i, stage) in stages.iter().enumerate() {
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            let mut refs: Vec<String> = Vec::new();
            if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                refs.push(v.value.clone());
            }
            for mount in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for opt in mount.options() {
                    if opt.key.value.eq_ignore_ascii_case("from") {
                        refs.extend(opt.value.map(|v| v.value));
                    }
                }
            }
            for r in refs {
                if let Some(used) = by_ref(&r, i).and_then(|u| users.get_mut(u)) {
                    used.insert(i);
                }
            }
        }
    }
    users
}

/// Whether every stage of `chain` from `stage` on is used by the next one
/// of the chain only (the last by none): a change there changes this image only.
fn only_along_chain(users: &[BTreeSet<usize>], chain: &[usize], stage: usize) -> bool {
    let Some(from) = chain.iter().position(|&s| s == stage) else {
        return false;
    };
    chain[from..].iter().enumerate().all(|(k, &s)| {
        let next = chain.get(from + k + 1);
        users
            .get(s)
            .is_some_and(|u| u.iter().all(|x| Some(x) == next))
    })
}

/// The Node.js major version of the chain's base image (`node:14-alpine`
/// → 14), when it is the official image with a numeric tag.
fn node_major(
    df: &Dockerfile,
    parents: &[Option<usize>],
    chain: &[usize],
    args: &BTreeMap<String, String>,
) -> Option<u32> {
    let root = *chain.first()?;
    if parents.get(root).copied().flatten().is_some() {
        return None;
    }
    let stages = df.stages();
    let from = df.stage_from(stages.get(root)?)?;
    let lex = ShellLex::new(df.escape);
    let image = lex
        .process_word(&from.image.value, &global_arg_env(df, Some(args)))
        .ok()?;
    let image = image.split('@').next()?;
    let (name, tag) = image.rsplit_once(':')?;
    let name = name
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    if name != "node" {
        return None;
    }
    tag.split(['.', '-']).next()?.parse().ok()
}

/// Every stage's events, walked along the `FROM` tree with WORKDIR, COPYs
/// and the environment carried.
fn stage_facts(
    context: &Context<'_>,
    df: &Dockerfile,
    parents: &[Option<usize>],
) -> Vec<StageFacts> {
    let stages = df.stages();
    let lex = ShellLex::new(df.escape);
    let globals = global_arg_env(df, Some(&context.ctx.build.args));
    let mut facts: Vec<StageFacts> = vec![StageFacts::default(); stages.len()];
    let mut state = State {
        paths: PathState::new(),
        env: BTreeMap::new(),
        log: Vec::new(),
    };
    walk_stages(parents, &mut state, |state, index| {
        let Some(stage) = stages.get(index) else {
            return false;
        };
        let mut own = StageFacts::default();
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            match &ins.kind {
                InstructionKind::Run(_) => {
                    run_events(context, df, index, node, ins, state, &mut own.events);
                }
                InstructionKind::Cmd(form) | InstructionKind::Entrypoint(form) => {
                    own.command = Some(command_runs(form));
                }
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        let value = context
                            .ctx
                            .build
                            .args
                            .get(&d.name.value)
                            .cloned()
                            .or_else(|| {
                                d.default
                                    .as_ref()
                                    .map(|v| expand(&lex, &v.value, &state.env).unwrap_or_default())
                            })
                            .or_else(|| globals.get(&d.name.value).cloned());
                        match value {
                            Some(value) => state.set(&d.name.value, Some(value)),
                            // A stand-alone build may pass any value.
                            None if !context.ctx.build.from_bake => state.set(&d.name.value, None),
                            None => {}
                        }
                    }
                }
                InstructionKind::Env(pairs) => {
                    for kv in pairs {
                        let value = expand(&lex, &kv.value.value, &state.env);
                        state.set(&kv.key.value, value);
                    }
                }
                _ => {}
            }
            state.paths.apply(ins);
        }
        if let Some(slot) = facts.get_mut(index) {
            *slot = own;
        }
        true
    });
    facts
}

/// A value with its variables expanded; `None` when one of them is unknown.
fn expand(lex: &ShellLex, word: &str, env: &BTreeMap<String, Option<String>>) -> Option<String> {
    let refs = lex.variable_refs(word);
    let mut known: BTreeMap<String, String> = BTreeMap::new();
    for r in &refs {
        match env.get(&r.name) {
            Some(Some(v)) => {
                known.insert(r.name.clone(), v.clone());
            }
            Some(None) => return None,
            None => {}
        }
    }
    lex.process_word(word, &known).ok()
}

/// One install to report, with what follows it in the image.
struct Finding<'a> {
    install: &'a Install,
    image: usize,
    /// Script runs after the install, in order.
    scripts: &'a [&'a Event],
    /// The image's CMD/ENTRYPOINT runs a package manager.
    scripts_cmd: bool,
    /// The install's stage and those after it serve this image only.
    own: bool,
    node_major: Option<u32>,
}

/// The production flag of the install's manager, or why there is none.
fn production_flag(finding: &Finding<'_>) -> Result<&'static str, String> {
    let install = finding.install;
    match (install.manager, install.yarn) {
        (Manager::Npm, _) => Ok(match finding.node_major {
            Some(major) if major < FIRST_NPM7_NODE => "--production",
            _ => "--omit=dev",
        }),
        (Manager::Pnpm, _) => Ok("--prod"),
        (Manager::Yarn, YarnLine::Classic) => Ok("--production"),
        (Manager::Yarn, YarnLine::Berry) => Err(
            "Yarn 2+ has no production install flag; `yarn workspaces focus --all --production` installs without the dev dependencies"
                .to_string(),
        ),
        (Manager::Yarn, YarnLine::Unknown) => Err(
            "which Yarn the project uses is not known (no `packageManager`, no `yarn.lock` in sight): Yarn 1 takes `--production`, Yarn 2+ `yarn workspaces focus --all --production`"
                .to_string(),
        ),
    }
}

/// The command that removes the dev dependencies after a build.
fn prune_command(finding: &Finding<'_>) -> Option<String> {
    let install = finding.install;
    match (install.manager, install.yarn) {
        (Manager::Npm, _) => Some(match finding.node_major {
            Some(major) if major < FIRST_NPM7_NODE => "npm prune --production".to_string(),
            _ => "npm prune --omit=dev".to_string(),
        }),
        (Manager::Pnpm, _) => Some("pnpm prune --prod".to_string()),
        (Manager::Yarn, YarnLine::Classic) => {
            Some("yarn install --production --ignore-scripts --prefer-offline".to_string())
        }
        _ => None,
    }
}

fn report(ctx: &DockerfileContext<'_>, df: &Dockerfile, finding: &Finding<'_>) -> Diagnostic {
    let install = finding.install;
    let command = install.span.slice(&df.source);
    let names = &install.manifest.dev_dependencies;
    let shown_names = match names.len() {
        0..=3 => names.join(", "),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    };
    let stage_names = stage_names(df);
    let name = |i: usize| stage_names.get(i).cloned().flatten();
    let image = if install.stage != finding.image {
        match (name(install.stage), name(finding.image)) {
            (Some(base), Some(image)) => {
                format!("stage `{base}`, which the image's stage `{image}` is built on")
            }
            _ => "a stage the image's stage is built on".to_string(),
        }
    } else {
        match name(finding.image) {
            Some(image) => format!("stage `{image}`, which becomes the image"),
            None => "the image's stage".to_string(),
        }
    };
    let message = format!(
        "`{command}` installs the devDependencies of `{}` ({shown_names}) into {image}",
        install.manifest.shown
    );
    let flag = production_flag(finding);
    let mut d = ctx.diagnostic(install.span, message);
    if let Some(Event::Script { text, .. }) = finding.scripts.last() {
        let prune = prune_command(finding);
        let help =
            format!(
            "build in a separate stage and install only the production dependencies in the image \
             (`{}`), copying the build output from the build stage; or remove the dev dependencies \
             after the build (`{}`) in the same RUN.\n\
             `{text}` runs after the install and may need the dev dependencies; they then stay in \
             the image, in every pull of it.",
            match &flag {
                Ok(f) => format!("{command} {f}"),
                Err(_) => format!("{command} with the production option"),
            },
            prune.as_deref().unwrap_or("yarn workspaces focus --all --production"),
        );
        d = d.with_help(help);
        if let Some(fix) = prune_fix(ctx, df, finding, prune) {
            d = d.with_fix(fix);
        }
        return d;
    }
    let mut help = match &flag {
        Ok(f) => format!(
            "add `{f}` (`{command} {f}`): the image needs only the `dependencies`.\n\
             The devDependencies ({shown_names}) add to every pull of the image and to what runs in it."
        ),
        Err(reason) => format!(
            "install only the production dependencies: {reason}.\n\
             The devDependencies ({shown_names}) add to every pull of the image and to what runs in it."
        ),
    };
    let Ok(flag) = flag else {
        return d.with_help(help);
    };
    if !finding.own {
        help.push_str(
            " (no automatic fix: the install's stage is also used by other stages, which may need the dev dependencies)",
        );
        return d.with_help(help);
    }
    let edit = Edit::insert(ctx.path, install.flag_at, format!(" {flag}"));
    let title = format!("Add `{flag}` to `{command}`");
    let unsafe_reason = if finding.scripts_cmd {
        Some(
            "the image's command runs a package script, which may need a dev dependency"
                .to_string(),
        )
    } else if !install.manifest.hooks.is_empty() {
        Some(format!(
            "the manifest's `{}` script runs during the install and may need a dev dependency",
            install.manifest.hooks.join("`, `")
        ))
    } else {
        None
    };
    let fix = match unsafe_reason {
        Some(reason) => {
            help.push_str(&format!(" The fix is unsafe: {reason}."));
            Fix::unsafe_(title, vec![edit])
        }
        None => Fix::safe(title, vec![edit]),
    };
    d.with_help(help).with_fix(fix)
}

/// `&& <prune>` after the last build command, when the install and that
/// command are in one plain `&&` RUN of the image's own stage, run in the
/// same directory, and the image's command runs no package script.
fn prune_fix(
    ctx: &DockerfileContext<'_>,
    df: &Dockerfile,
    finding: &Finding<'_>,
    prune: Option<String>,
) -> Option<Fix> {
    let install = finding.install;
    let Some(Event::Script {
        node,
        script,
        command,
        dir,
        ..
    }) = finding.scripts.last()
    else {
        return None;
    };
    if *node != install.node
        || *script != install.script
        || finding.scripts_cmd
        || !finding.own
        || dir.as_deref() != Some(install.dir.as_str())
    {
        return None;
    }
    let prune = prune?;
    let ins = df.instruction(*node)?;
    let scripts = df.run_scripts(ins);
    let run = scripts.get(*script)?;
    if run.origin != ScriptOrigin::ShellForm
        || !ins.heredocs.is_empty()
        || !plain_and_chain(&df.source, run.commands(), df.escape)
        || *command < install.command
    {
        return None;
    }
    let last = run.commands().get(*command)?;
    Some(Fix::unsafe_(
        format!("Remove the dev dependencies after the build (`{prune}`)"),
        vec![Edit::insert(
            ctx.path,
            last.span.end,
            format!(" && {prune}"),
        )],
    ))
}

#[cfg(test)]
mod tests;
