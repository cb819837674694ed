//! What the hadolint rules on install flags and package caches share
//! (DL3009, DL3014, DL3015, DL3019, DL3030, DL3032, DL3034, DL3035, DL3036,
//! DL3038, DL3040, DL3042, DL3060):
//!
//! - [`for_each_run`]: every RUN (also `ONBUILD RUN`, also before the first
//!   `FROM`) with its shell scripts, its cache and tmpfs mount targets,
//!   whether its layer reaches an image, and what earlier instructions of
//!   its stage chain configured (`ENV PIP_NO_CACHE_DIR`, `pip config`, apt
//!   configuration). One pass over the file: each stage starts from the
//!   state its parent stage ended with.
//! - mount and `rm` tests: whether a mount or an `rm` covers a cache
//!   directory (a mount of a parent directory holds the cache too).
//! - [`manager_command`]: a package-manager command with its subcommand
//!   (the first word that is not an option), for subcommands the shared
//!   install detection does not model (`zypper dup`, `dnf upgrade`,
//!   `yum clean all`, `yarn cache clean`).
//! - [`insert_after`]: the fix that adds an option right after a word.
//!
//! The mount tests agree with BP007 (`cache-mount`): a RUN that follows
//! BP007's advice (`--mount=type=cache,target=/var/cache/apt` and
//! `/var/lib/apt`, `/root/.cache/pip`, a yarn cache) is not asked to
//! delete a cache that the mount already keeps out of the layer.

use std::borrow::Cow;

use crate::diagnostic::{Edit, Fix};
use crate::dockerfile::{Instruction, InstructionKind};
use crate::rules::stage_walk::stage_parents;
use crate::rules::DockerfileContext;
use crate::shell::{command_basename, RunScript, SimpleCommand, Word};
use crate::span::Span;

/// What earlier instructions of a stage chain configured for the package managers.
#[derive(Debug, Clone, Default)]
pub struct StageFacts {
    /// `ENV PIP_NO_CACHE_DIR=<truthy>` or `pip config set global.no-cache-dir`.
    pub pip_no_cache: bool,
    /// `ENV PIP_CACHE_DIR=<dir>`: where pip keeps its cache.
    pub pip_cache_dir: Option<String>,
    /// An apt configuration file setting `APT::Install-Recommends` to false.
    pub apt_no_recommends: bool,
    /// An apt configuration file setting `APT::Get::Assume-Yes` to true.
    pub apt_assume_yes: bool,
}

/// One RUN as the package-cache rules see it.
pub struct RunSite<'a> {
    /// The instruction as written (a RUN, or the ONBUILD holding it).
    pub ins: &'a Instruction,
    /// The RUN itself (the trigger of an ONBUILD).
    pub run: &'a Instruction,
    /// An `ONBUILD RUN`: it runs in every image built from this one.
    pub onbuild: bool,
    pub scripts: Cow<'a, [RunScript]>,
    /// Targets of the RUN's cache and tmpfs mounts (`None`: the target has
    /// a variable, so it may be any directory).
    pub mounts: &'a [Option<String>],
    /// The layer ends up in an image: the RUN is in the last stage, in a
    /// stage a bake target (or `--target`) builds, or in a stage one of
    /// those is built on (`FROM <stage>`, also through a global ARG), or it
    /// is an `ONBUILD RUN`. Before the first `FROM`, only when the file has
    /// no stage at all.
    pub ships: bool,
    /// What the instructions before this RUN in its stage chain configured.
    pub facts: &'a StageFacts,
}

impl RunSite<'_> {
    /// Whether a mount holds `dir` (a mount whose target is a variable is
    /// assumed to hold it).
    pub fn mounted(&self, dir: &str) -> bool {
        self.mounts.iter().any(|t| match t {
            Some(target) => covers(target, dir),
            None => true,
        })
    }

    /// Whether a mount target ends with one of `ends` (`/home/app/.cache/pip`).
    pub fn mounted_as(&self, ends: &[&str]) -> bool {
        self.mounts
            .iter()
            .flatten()
            .any(|t| ends.iter().any(|e| t.ends_with(e)))
    }
}

/// Whether the file's text mentions any of `words` at all: a quick way out
/// for the many files that never run the package manager a rule is about.
pub fn mentions(ctx: &DockerfileContext<'_>, words: &[&str]) -> bool {
    words.iter().any(|w| ctx.dockerfile.source.contains(w))
}

/// Truthy values of pip's boolean environment variables, as hadolint reads them.
pub const TRUTHY: &[&str] = &[
    "1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES",
];

/// What [`for_each_run`] knows about a RUN whose shell is POSIX before
/// visiting it (the same for every rule: a file keeps them for a build
/// without build args or targets).
#[derive(Debug, Clone)]
pub struct SiteFacts {
    node: usize,
    mounts: Vec<Option<String>>,
    ships: bool,
    facts: StageFacts,
}

/// Calls `visit` for every RUN of the file, in file order, skipping RUNs
/// whose shell is not POSIX (`SHELL ["powershell", ...]`, Windows images).
pub fn for_each_run(ctx: &DockerfileContext<'_>, mut visit: impl FnMut(&RunSite<'_>)) {
    let df = ctx.dockerfile;
    let build = ctx.build;
    let plain = build.args.is_empty()
        && build.target.is_none()
        && build.target_stages.iter().all(Option::is_none);
    let computed;
    let sites: &[SiteFacts] = if plain {
        df.run_sites.0.get_or_init(|| run_sites(ctx))
    } else {
        computed = run_sites(ctx);
        &computed
    };
    for site in sites {
        let Some(ins) = df.instruction(site.node) else {
            continue;
        };
        let (run, onbuild) = match &ins.kind {
            InstructionKind::Onbuild(inner) => (inner.as_ref(), true),
            _ => (ins, false),
        };
        let scripts = df.run_scripts(ins);
        visit(&RunSite {
            ins,
            run,
            onbuild,
            mounts: &site.mounts,
            ships: site.ships,
            facts: &site.facts,
            scripts: Cow::Borrowed(&scripts),
        });
    }
}

/// The [`SiteFacts`] of every RUN, in file order: one pass over the file,
/// each stage starting from the facts its parent stage ended with.
fn run_sites(ctx: &DockerfileContext<'_>) -> Vec<SiteFacts> {
    let mut out = Vec::new();
    let df = ctx.dockerfile;
    let stages = df.stages();
    // The shell only differs from `/bin/sh` after a SHELL or on a Windows
    // image: most files need no per-instruction shell.
    let other_shell = df.instructions().any(|(_, ins)| match &ins.kind {
        InstructionKind::From(from) => crate::rules::run_shell::is_windows_image(&from.image.value),
        _ => ins.keyword == crate::dockerfile::Keyword::Shell,
    });
    let shells = if other_shell {
        crate::rules::run_shell::run_shells(df)
    } else {
        &[]
    };
    let parents = stage_parents(df, &ctx.build.args);
    // Stages whose layers are in an image: the last stage, the stages a
    // bake target (or `--target`) builds, and every stage they are built
    // on. Each stage is marked once, so this is linear.
    let mut in_image = vec![false; stages.len()];
    let mut todo: Vec<usize> = stages
        .len()
        .checked_sub(1)
        .into_iter()
        .chain(target_stages(ctx, stages))
        .collect();
    // `FROM ${TARGETOS}` or `FROM build-${VARIANT}` that no ARG default
    // resolves: every earlier stage whose name fits may be the base (a few
    // such lookups per file at most).
    let mut lookups = 0;
    while let Some(i) = todo.pop() {
        match in_image.get_mut(i) {
            Some(marked) if !*marked => *marked = true,
            _ => continue,
        }
        match parents.get(i).copied().flatten() {
            Some(parent) => todo.push(parent),
            None if lookups < 8 => {
                let image = stages
                    .get(i)
                    .and_then(|s| df.stage_from(s))
                    .map(|f| f.image.value.as_str());
                if let Some(pattern) = image.filter(|v| v.contains('$')).and_then(variable_pattern)
                {
                    lookups += 1;
                    todo.extend(
                        stages[..i]
                            .iter()
                            .filter(|s| {
                                df.stage_from(s)
                                    .and_then(|f| f.stage_name.as_ref())
                                    .is_some_and(|n| fits(&pattern, &n.value.to_lowercase()))
                            })
                            .map(|s| s.index),
                    );
                }
            }
            None => {}
        }
    }
    let mut site = |node: usize, ins: &Instruction, ships: bool, facts: &mut StageFacts| {
        let (run, onbuild) = match &ins.kind {
            InstructionKind::Onbuild(inner) => (inner.as_ref(), true),
            _ => (ins, false),
        };
        let is_run = matches!(run.kind, InstructionKind::Run(_));
        if is_run {
            let posix = shells
                .get(node)
                .and_then(|s| s.as_ref())
                .is_none_or(|s| s.is_posix());
            let scripts = df.run_scripts(ins);
            if posix {
                out.push(SiteFacts {
                    node,
                    mounts: mount_targets(run),
                    ships: ships || onbuild,
                    facts: facts.clone(),
                });
            }
            if !onbuild {
                for script in scripts.iter() {
                    learn_from_script(facts, script);
                }
                // Files a RUN writes from a heredoc (`cat <<EOF > /etc/apt/apt.conf.d/x`).
                for heredoc in &run.heredocs {
                    learn_from_text(facts, &heredoc.content);
                }
            }
        } else if let InstructionKind::Env(kvs) = &ins.kind {
            for kv in kvs {
                if kv.key.value == "PIP_CACHE_DIR" {
                    let value = kv.value.value.trim_matches(|c| c == '"' || c == '\'');
                    facts.pip_cache_dir = Some(value.trim_end_matches('/').to_string());
                }
                if kv.key.value == "PIP_NO_CACHE_DIR" {
                    let value = kv.value.value.trim_matches(|c| c == '"' || c == '\'');
                    facts.pip_no_cache = TRUTHY.contains(&value);
                }
            }
        }
    };
    // Instructions before the first FROM (hadolint lints files without one).
    let mut globals = StageFacts::default();
    for node in df.global_instructions() {
        if let Some(ins) = df.instruction(node) {
            site(node, ins, stages.is_empty(), &mut globals);
        }
    }
    let mut end_facts: Vec<StageFacts> = Vec::with_capacity(stages.len());
    for (index, stage) in stages.iter().enumerate() {
        let mut facts = parents
            .get(index)
            .copied()
            .flatten()
            .and_then(|p| end_facts.get(p))
            .cloned()
            .unwrap_or_default();
        let ships = in_image.get(index).copied().unwrap_or(false);
        for &node in &stage.instruction_nodes {
            if let Some(ins) = df.instruction(node) {
                site(node, ins, ships, &mut facts);
            }
        }
        end_facts.push(facts);
    }
    out
}

/// BuildKit's automatic platform ARGs: `FROM ${TARGETOS}` picks a stage per
/// platform. (Other variables without an ARG default name an image given
/// at build time, not a stage.)
const PLATFORM_ARGS: &[&str] = &[
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "BUILDPLATFORM",
];

/// A stage reference with platform variables (`build-${TARGETOS}`) as the literal
/// parts between them, lowercased: a stage name fits when it holds them in
/// order (each variable stands for any text).
fn variable_pattern(image: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut last = 0;
    for (start, end) in variable_spans(image) {
        let name = image[start..end]
            .trim_start_matches('$')
            .trim_start_matches('{')
            .trim_end_matches('}');
        if !PLATFORM_ARGS.contains(&name) {
            return None;
        }
        parts.push(image[last..start].to_lowercase());
        last = end;
    }
    if parts.is_empty() {
        return None;
    }
    parts.push(image[last..].to_lowercase());
    Some(parts)
}

/// The byte ranges of the `${...}` and `$NAME` references in `text`, left
/// to right (a `${` without its `}` is none).
fn variable_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut at = 0;
    // Once a `${` finds no `}`, no later one can: not searching again keeps
    // a line of unclosed `${` linear.
    let mut unclosed = false;
    while let Some(offset) = bytes.get(at..).and_then(|rest| memchr::memchr(b'$', rest)) {
        let start = at + offset;
        let end = match bytes.get(start + 1) {
            Some(b'{') if unclosed => None,
            Some(b'{') => {
                let close = memchr::memchr(b'}', &bytes[start + 2..]);
                unclosed = close.is_none();
                close.map(|close| start + 2 + close + 1)
            }
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' => Some(
                start
                    + 1
                    + bytes[start + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                        .count(),
            ),
            _ => None,
        };
        match end {
            Some(end) => {
                spans.push((start, end));
                at = end;
            }
            None => at = start + 1,
        }
    }
    spans
}

/// Whether `name` fits the parts of [`variable_pattern`].
fn fits(parts: &[String], name: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    let Some(mut rest) = name.strip_prefix(first.as_str()) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last.as_str())
}

/// The stages a bake target or `--target` builds (by index).
fn target_stages(ctx: &DockerfileContext<'_>, stages: &[crate::dockerfile::Stage]) -> Vec<usize> {
    let df = ctx.dockerfile;
    let names: Vec<&str> = ctx
        .build
        .target_stages
        .iter()
        .flatten()
        .chain(ctx.build.target.iter())
        .map(String::as_str)
        .collect();
    stages
        .iter()
        .filter(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .is_some_and(|n| names.iter().any(|t| t.eq_ignore_ascii_case(&n.value)))
        })
        .map(|s| s.index)
        .collect()
}

/// What a RUN configures for the RUNs after it.
fn learn_from_script(facts: &mut StageFacts, script: &RunScript) {
    for command in script.commands() {
        if command.program() == Some("pip") || command.program().is_some_and(is_pip_name) {
            let words: Vec<&str> = command.args.iter().filter_map(|w| w.as_str()).collect();
            if words.contains(&"config")
                && words.contains(&"set")
                && words.iter().any(|w| w.ends_with(".no-cache-dir"))
            {
                facts.pip_no_cache = true;
            }
        }
    }
    learn_from_text(facts, &script.text);
}

/// Apt settings written by a RUN (by `echo` in its script, or in a heredoc).
fn learn_from_text(facts: &mut StageFacts, text: &str) {
    if text.contains("APT::Install-Recommends") {
        let value = setting_value(text, "APT::Install-Recommends");
        if value.is_some_and(|v| matches!(v, "0" | "false" | "no" | "off")) {
            facts.apt_no_recommends = true;
        }
    }
    if text.contains("APT::Get::Assume-Yes") {
        let value = setting_value(text, "APT::Get::Assume-Yes");
        if value.is_some_and(|v| matches!(v, "1" | "true" | "yes" | "on")) {
            facts.apt_assume_yes = true;
        }
    }
}

fn is_pip_name(name: &str) -> bool {
    name == "pip3" || name == "pip2" || name.starts_with("pip3.")
}

/// The value written after an apt configuration key (`APT::Install-Recommends "0";`,
/// `APT::Install-Recommends=false`), lowercased quotes and `;` removed.
fn setting_value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let at = text.find(key)? + key.len();
    let rest = text[at..].trim_start_matches([' ', '\t', '=', '\\', '"', '\'']);
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let value = &rest[..end];
    (!value.is_empty()).then_some(value)
}

/// Targets of a RUN's `--mount=type=cache` and `--mount=type=tmpfs` (both
/// keep what is written there out of the layer), normalised without a
/// trailing `/`; `None` for a target with a variable.
pub fn mount_targets(run: &Instruction) -> Vec<Option<String>> {
    let mut targets = Vec::new();
    for flag in run.flags.iter().filter(|f| f.name.value == "mount") {
        push_mount_target(&mut targets, flag.options());
    }
    // `RUN --mount=... \    --mount=... cmd` on one line: the stray `\`
    // ends BuildKit's flags, so the second mount is shell text (and the
    // command is broken). hadolint reads both as mounts; so do these rules,
    // so that the mounts the author meant are not reported as missing.
    let mut rest = run.args.text.as_str();
    while let Some(after) = rest.strip_prefix('\\') {
        let after = after.trim_start_matches([' ', '\t']);
        let Some(value) = after.strip_prefix("--mount=") else {
            break;
        };
        let end = value.find(char::is_whitespace).unwrap_or(value.len());
        let options = value[..end]
            .split(',')
            .map(|part| match part.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (part.to_string(), None),
            })
            .collect::<Vec<_>>();
        push_mount_target_kv(&mut targets, &options);
        rest = value[end..].trim_start_matches([' ', '\t']);
    }
    targets
}

fn push_mount_target(
    targets: &mut Vec<Option<String>>,
    options: Vec<crate::dockerfile::FlagOption>,
) {
    let kv: Vec<(String, Option<String>)> = options
        .into_iter()
        .map(|o| (o.key.value, o.value.map(|v| v.value)))
        .collect();
    push_mount_target_kv(targets, &kv);
}

/// Records the target of a cache or tmpfs mount given as `key=value` options.
fn push_mount_target_kv(targets: &mut Vec<Option<String>>, options: &[(String, Option<String>)]) {
    let value_of = |keys: &[&str]| {
        options
            .iter()
            .find(|(k, _)| keys.iter().any(|key| k.eq_ignore_ascii_case(key)))
            .and_then(|(_, v)| v.as_deref())
    };
    if !matches!(value_of(&["type"]), Some("cache" | "tmpfs")) {
        return;
    }
    if let Some(target) = value_of(&["target", "dst", "destination"]) {
        let target = target.trim_matches(|c| c == '"' || c == '\'');
        targets.push((!target.contains('$')).then(|| normalize_dir(target)));
    }
}

fn normalize_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Whether directory `outer` is `path` or one of its parents.
pub fn covers(outer: &str, path: &str) -> bool {
    outer == "/"
        || path == outer
        || path
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether `command` is an `rm` that deletes `dir`, its contents
/// (`dir/*`) or a parent of it.
pub fn rm_removes(command: &SimpleCommand, dir: &str) -> bool {
    if command.program() != Some("rm") {
        return false;
    }
    let Some((_, args)) = command.effective() else {
        return false;
    };
    args.iter().filter_map(Word::as_str).any(|arg| {
        if arg.starts_with('-') {
            return false;
        }
        let mut path = arg.trim_end_matches('/');
        // `dir/*`, `dir/*.*`, `dir/**`: the contents.
        while let Some(stripped) = path
            .strip_suffix("/*")
            .or_else(|| path.strip_suffix("/*.*"))
            .or_else(|| path.strip_suffix("/**"))
        {
            path = stripped;
        }
        !path.is_empty() && !path.contains('*') && covers(&normalize_dir(path), dir)
    })
}

/// A package-manager command: the program (wrappers such as `sudo` skipped)
/// and its arguments, with the subcommand (the first word that is not an
/// option nor the value of one of `value_options`).
pub struct ManagerCommand<'a> {
    pub command: &'a SimpleCommand,
    pub program: &'a Word,
    pub args: &'a [Word],
    /// Index of the subcommand in `args`.
    pub subcommand_at: Option<usize>,
}

impl<'a> ManagerCommand<'a> {
    pub fn subcommand(&self) -> Option<&'a Word> {
        self.subcommand_at.and_then(|i| self.args.get(i))
    }

    pub fn subcommand_str(&self) -> Option<&'a str> {
        self.subcommand().and_then(Word::as_str)
    }

    /// The static words after the subcommand.
    pub fn rest(&self) -> impl Iterator<Item = &'a str> {
        let from = self.subcommand_at.map_or(self.args.len(), |i| i + 1);
        self.args[from.min(self.args.len())..]
            .iter()
            .filter_map(Word::as_str)
    }

    /// Whether an option among `long` (`--yes`, also `--yes=...`) or a
    /// short letter among `short` (`y` in `-y` or in a cluster `-qy`) is given.
    pub fn has_option(&self, long: &[&str], short: &[char]) -> bool {
        option_given(self.args.iter(), long, short)
    }

    /// The span from the program to the subcommand (`apt-get install`).
    pub fn span(&self) -> Span {
        match self.subcommand() {
            Some(sub) if sub.span.start >= self.program.span.start => {
                self.program.span.cover(sub.span)
            }
            _ => self.program.span,
        }
    }
}

/// Whether an option among `long` or a short letter among `short` is in `words`.
pub fn option_given<'w>(
    words: impl Iterator<Item = &'w Word>,
    long: &[&str],
    short: &[char],
) -> bool {
    words.filter_map(Word::as_str).any(|w| {
        if let Some(name) = w.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name);
            long.iter().any(|l| l.trim_start_matches("--") == name)
        } else if let Some(letters) = w.strip_prefix('-') {
            let letters = letters.split('=').next().unwrap_or(letters);
            letters.chars().all(|c| c.is_ascii_alphanumeric())
                && letters.chars().any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// `command` as a command of one of `programs` (basenames, wrappers skipped).
pub fn manager_command<'a>(
    command: &'a SimpleCommand,
    programs: &[&str],
    value_options: &[&str],
) -> Option<ManagerCommand<'a>> {
    let (program, args) = command.effective()?;
    let base = command_basename(program)?;
    if !programs.contains(&base) {
        return None;
    }
    let mut subcommand_at = None;
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let Some(text) = word.as_str() else {
            break;
        };
        if text.starts_with('-') {
            i += if value_options.contains(&text) { 2 } else { 1 };
            continue;
        }
        subcommand_at = Some(i);
        break;
    }
    Some(ManagerCommand {
        command,
        program,
        args,
        subcommand_at,
    })
}

/// apt's "simulate" options: the command prints what it would do and
/// installs nothing (no prompt, no packages).
pub const APT_SIMULATE: &[&str] = &[
    "-s",
    "--simulate",
    "--just-print",
    "--dry-run",
    "--recon",
    "--no-act",
];

/// Options of yum, dnf and microdnf that take the next word as their value.
pub const RPM_VALUE_OPTIONS: &[&str] = &[
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--setopt",
    "-x",
    "--exclude",
    "--installroot",
    "--releasever",
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
];

/// Global options of zypper that take the next word as their value.
pub const ZYPPER_VALUE_OPTIONS: &[&str] = &[
    "-R",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "-D",
    "--root",
    "--config",
    "-c",
];

/// The fix that inserts ` <option>` right after `word` (a static word of
/// the source, so the insertion point is exact).
pub fn insert_after(
    ctx: &DockerfileContext<'_>,
    word: &Word,
    option: &str,
    safe: bool,
) -> Option<Fix> {
    // Only words written as they read (no quotes or escapes): the span end is the word's end.
    if word.as_str()? != word.raw || word.span.len() != word.raw.len() {
        return None;
    }
    let edit = Edit::insert(ctx.path, word.span.end, format!(" {option}"));
    let message = format!("Add `{option}` after `{}`", word.raw);
    Some(if safe {
        Fix::safe(message, vec![edit])
    } else {
        Fix::unsafe_(message, vec![edit])
    })
}

/// Whether `cmd`'s subcommand is one of `subcommands` (an entry may be two
/// words: `group install`).
pub fn subcommand_is(cmd: &ManagerCommand<'_>, subcommands: &[&str]) -> bool {
    let Some(sub) = cmd.subcommand_str() else {
        // `""`: the bare command (`yarn` installs), not a version or help query.
        return cmd.subcommand_at.is_none()
            && subcommands.contains(&"")
            && !cmd.args.iter().any(|w| {
                matches!(
                    w.as_str(),
                    Some("--version" | "-v" | "-V" | "--help" | "-h")
                )
            });
    };
    let next = cmd.rest().next();
    subcommands.iter().any(|s| match s.split_once(' ') {
        Some((first, second)) => sub == first && next == Some(second),
        None => sub == *s,
    })
}

/// A rule that wants a non-interactive option on some commands (DL3030,
/// DL3034, DL3038).
pub struct AssumeYes {
    pub programs: &'static [&'static str],
    pub value_options: &'static [&'static str],
    pub subcommands: &'static [&'static str],
    /// Long options that answer yes (`--assumeyes`).
    pub long: &'static [&'static str],
    /// Short option letters that answer yes (`y` for `-y`, also in `-qy`).
    pub short: &'static [char],
    /// The option the fix inserts after the subcommand (or after the
    /// program, when `after_program`).
    pub insert: &'static str,
    pub after_program: bool,
    /// What the help says after "Add `<insert>`".
    pub why: &'static str,
}

/// Reports every command of `spec.programs` running one of its
/// subcommands without a non-interactive option; the fix (safe: a command
/// that prompted was aborting) adds the option.
pub fn check_assume_yes(
    ctx: &DockerfileContext<'_>,
    out: &mut Vec<crate::diagnostic::Diagnostic>,
    spec: &AssumeYes,
) {
    for_each_run(ctx, |site| {
        for script in site.scripts.iter() {
            for command in script.commands() {
                let Some(cmd) = manager_command(command, spec.programs, spec.value_options) else {
                    continue;
                };
                if !subcommand_is(&cmd, spec.subcommands) || cmd.has_option(spec.long, spec.short) {
                    continue;
                }
                let span = cmd.span();
                let text = span.slice(ctx.source());
                let mut diag = ctx
                    .diagnostic(
                        span,
                        format!(
                            "`{text}` without `{}` waits for an answer the build cannot give",
                            spec.insert
                        ),
                    )
                    .with_help(format!("Add `{}`: {}", spec.insert, spec.why));
                let anchor = if spec.after_program {
                    Some(cmd.program)
                } else {
                    cmd.subcommand()
                };
                if let Some(fix) = anchor.and_then(|w| insert_after(ctx, w, spec.insert, true)) {
                    diag = diag.with_fix(fix);
                }
                out.push(diag);
            }
        }
    });
}

/// A rule that wants a package manager's cache cleaned in the RUN that
/// filled it (DL3032, DL3036, DL3040, DL3060).
pub struct CleanAfter {
    pub programs: &'static [&'static str],
    pub value_options: &'static [&'static str],
    /// Subcommands that fill the cache (`install`, `group install`).
    pub fills: &'static [&'static str],
    /// Subcommands that clean it when run by the same program after the
    /// filling command (`clean`, `cache clean`).
    pub cleans: &'static [&'static str],
    /// Cache directories: an `rm` of one (or of a parent) cleans, a cache
    /// or tmpfs mount of one keeps the cache out of the layer.
    pub cache_dirs: &'static [&'static str],
    /// Ends of mount targets that hold the cache elsewhere (`/.cache/yarn`).
    pub mounted_as: &'static [&'static str],
    /// Options naming the cache directory (`--cache-folder DIR`): a mount or
    /// an `rm` of that directory counts.
    pub cache_dir_options: &'static [&'static str],
    /// Only RUNs whose layer reaches an image (hadolint's DL3060).
    pub only_images: bool,
    /// The cleanup command the message names (`yum clean all`).
    pub clean_command: &'static str,
    pub help: &'static str,
}

/// Reports the first command of a RUN that fills `spec`'s cache with no
/// cleanup after it in the same RUN (one finding per RUN).
pub fn check_clean_after(
    ctx: &DockerfileContext<'_>,
    out: &mut Vec<crate::diagnostic::Diagnostic>,
    spec: &CleanAfter,
) {
    for_each_run(ctx, |site| {
        if spec.only_images && !site.ships {
            return;
        }
        if spec.cache_dirs.iter().any(|d| site.mounted(d)) || site.mounted_as(spec.mounted_as) {
            return;
        }
        // (span, program, extra cache dir) of fills not yet cleaned, in order.
        let mut pending: Vec<(Span, String, Option<String>)> = Vec::new();
        for script in site.scripts.iter() {
            for command in script.commands() {
                if let Some(cmd) = manager_command(command, spec.programs, spec.value_options) {
                    let program = command_basename(cmd.program).unwrap_or("").to_string();
                    if subcommand_is(&cmd, spec.fills) {
                        let dir = spec.cache_dir_options.iter().find_map(|o| {
                            let words: Vec<&str> =
                                cmd.args.iter().filter_map(Word::as_str).collect();
                            words
                                .iter()
                                .position(|w| w == o)
                                .and_then(|i| words.get(i + 1))
                                .map(|v| v.to_string())
                                .or_else(|| {
                                    words.iter().find_map(|w| {
                                        w.strip_prefix(o)?.strip_prefix('=').map(str::to_string)
                                    })
                                })
                        });
                        if dir
                            .as_deref()
                            .is_some_and(|d| site.mounted(d.trim_end_matches('/')))
                        {
                            continue;
                        }
                        pending.push((cmd.span(), program, dir));
                        continue;
                    }
                    if subcommand_is(&cmd, spec.cleans) {
                        pending.retain(|(_, p, _)| *p != program);
                        continue;
                    }
                }
                if command.program() == Some("rm") {
                    pending.retain(|(_, _, dir)| {
                        let dirs = spec.cache_dirs.iter().copied().chain(dir.as_deref());
                        !dirs
                            .into_iter()
                            .any(|d| rm_removes(command, d.trim_end_matches('/')))
                    });
                }
            }
        }
        let Some(&(span, _, _)) = pending.first() else {
            return;
        };
        let text = span.slice(ctx.source());
        out.push(
            ctx.diagnostic(
                span,
                format!(
                    "`{}` missing after `{text}`: its cache stays in the layer",
                    spec.clean_command
                ),
            )
            .with_help(spec.help),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether each RUN `for_each_run` visits ships, for `build`.
    fn shipping(df: &crate::dockerfile::Dockerfile, build: &crate::rules::BuildInfo) -> Vec<bool> {
        let options = toml::Table::new();
        let ctx = DockerfileContext {
            path: std::path::Path::new("Dockerfile"),
            dockerfile: df,
            rule: &crate::rules::apt_lists_not_deleted::RULE,
            options: &options,
            build,
        };
        let mut ships = Vec::new();
        for_each_run(&ctx, |site| ships.push(site.ships));
        ships
    }

    #[test]
    fn a_file_keeps_its_runs_only_for_a_plain_build() {
        let df = crate::dockerfile::parse(
            "FROM ubuntu AS app\nRUN apt-get update\nFROM scratch AS other\nRUN true\n",
        );
        let plain = crate::rules::BuildInfo::default();
        let targeted = crate::rules::BuildInfo {
            target: Some("app".into()),
            ..Default::default()
        };
        assert_eq!(shipping(&df, &plain), vec![false, true]);
        assert!(df.run_sites.0.get().is_some());
        assert_eq!(shipping(&df, &targeted), vec![true, true]);
        assert_eq!(shipping(&df, &plain), vec![false, true]);
    }

    #[test]
    fn covers_is_by_path_component() {
        assert!(covers("/var/lib/apt", "/var/lib/apt/lists"));
        assert!(covers("/", "/var"));
        assert!(covers("/var/lib/apt/lists", "/var/lib/apt/lists"));
        assert!(!covers("/var/lib/apt/lists/partial", "/var/lib/apt/lists"));
        assert!(!covers("/var/lib/ap", "/var/lib/apt"));
    }

    #[test]
    fn variable_stage_references() {
        let parts = variable_pattern("build-base-${TARGETOS}").unwrap();
        assert!(fits(&parts, "build-base-linux"));
        assert!(!fits(&parts, "build-linux"));
        assert!(variable_pattern("${FROM}").is_none());
        let parts = variable_pattern("${TARGETOS}").unwrap();
        assert!(fits(&parts, "linux"));
        assert!(variable_pattern("debian").is_none());
        let slices = |text: &str| -> Vec<String> {
            let spans = variable_spans(text);
            spans.iter().map(|&(s, e)| text[s..e].to_string()).collect()
        };
        assert_eq!(
            slices("a${X}b$Y_1-c$${Z}$ $1${unclosed"),
            ["${X}", "$Y_1", "${Z}"]
        );
        assert_eq!(slices("${a$b}x$é"), ["${a$b}"]);
        assert_eq!(slices("${x${y$Z"), ["$Z"]);
        // Unclosed references do not make the scan quadratic.
        let hostile = "${".repeat(200_000);
        assert!(variable_spans(&hostile).is_empty());
    }

    #[test]
    fn setting_values() {
        assert_eq!(
            setting_value(
                "echo 'APT::Install-Recommends \"0\";' > f",
                "APT::Install-Recommends"
            ),
            Some("0")
        );
        assert_eq!(
            setting_value(
                "-o APT::Install-Recommends=false",
                "APT::Install-Recommends"
            ),
            Some("false")
        );
    }
}
