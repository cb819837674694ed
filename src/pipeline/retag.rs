//! Re-tagging in a workflow job: the commands of its `run:` scripts that
//! copy an image to another tag in a registry — `docker pull` + `docker
//! tag` + `docker push`, `docker buildx imagetools create`, `crane
//! copy|cp|tag`, `regctl image copy`, `skopeo copy` — read with the shell
//! scanner, with the image references they name.
//!
//! What a word stands for is resolved conservatively: a `${{ }}`
//! expression is unknown (except `${{ env.X }}` where the workflow sets
//! `X`), a shell variable is the value the script or an `env:` block gave
//! it when that is certain, a `for` loop variable takes each of its words
//! in turn; anything else is an unknown part of the reference.
//!
//! The scan also says what else the job does: commands that are neither
//! re-tagging, logging in nor printing, and steps using actions other than
//! checkout, login and tool setup. A job that does anything else is more
//! than a re-tag job.

use std::collections::BTreeMap;

use crate::pipeline::image_ref::{ImageRef, Part};
use crate::pipeline::step_script::{self, StepScript};
use crate::pipeline::workflow::{Job, Scalar, Workflow};
use crate::shell::loops::ForLoop;
use crate::shell::{SimpleCommand, Word};
use crate::span::Span;

/// What a recognised command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Pull,
    /// `docker tag SOURCE TARGET`.
    Tag,
    Push,
    /// `SOURCE... -t TARGET...` (`docker buildx imagetools create`).
    Create,
    /// `SOURCE TARGET` (crane, regctl, skopeo).
    Copy,
    /// `IMAGE TAG` (`crane tag`): the same repository, another tag.
    CraneTag,
    Login,
    /// Output only (`echo`, `docker images`).
    Log,
}

/// A command: program, subcommand words, what it does, its flags that take
/// a value (every other flag is a switch), and the tool name for messages.
struct CommandDef {
    program: &'static str,
    subcommand: &'static [&'static str],
    action: Action,
    value_flags: &'static [&'static str],
    tool: &'static str,
}

const DOCKER_PULL_FLAGS: &[&str] = &["--platform"];
const DOCKER_PUSH_FLAGS: &[&str] = &["--platform"];
const IMAGETOOLS_FLAGS: &[&str] = &[
    "-t",
    "--tag",
    "-f",
    "--file",
    "--annotation",
    "--builder",
    "--progress",
    "--platform",
];
const CRANE_FLAGS: &[&str] = &["--platform", "-j", "--jobs", "-v", "--verbose"];
const REGCTL_FLAGS: &[&str] = &[
    "--platform",
    "--format",
    "--annotation",
    "--referrers-src",
    "--referrers-tgt",
    "--exclude",
    "-v",
    "--verbosity",
    "--user-agent",
    "--logopt",
    "--host",
];
const SKOPEO_FLAGS: &[&str] = &[
    "--src-creds",
    "--dest-creds",
    "--src-cert-dir",
    "--dest-cert-dir",
    "--authfile",
    "--src-authfile",
    "--dest-authfile",
    "-f",
    "--format",
    "--multi-arch",
    "--additional-tag",
    "--sign-by",
    "--retry-times",
    "--retry-delay",
    "--src-registry-token",
    "--dest-registry-token",
    "--digestfile",
    "--override-arch",
    "--override-os",
    "--override-variant",
    "--src-username",
    "--src-password",
    "--dest-username",
    "--dest-password",
    "--image-parallel-copies",
];

/// Every command a re-tag job runs. Matched on the effective program
/// (wrappers such as `sudo` skipped) and the subcommand words.
const COMMANDS: &[CommandDef] = &[
    CommandDef {
        program: "docker",
        subcommand: &["pull"],
        action: Action::Pull,
        value_flags: DOCKER_PULL_FLAGS,
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["image", "pull"],
        action: Action::Pull,
        value_flags: DOCKER_PULL_FLAGS,
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["tag"],
        action: Action::Tag,
        value_flags: &[],
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["image", "tag"],
        action: Action::Tag,
        value_flags: &[],
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["push"],
        action: Action::Push,
        value_flags: DOCKER_PUSH_FLAGS,
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["image", "push"],
        action: Action::Push,
        value_flags: DOCKER_PUSH_FLAGS,
        tool: "docker pull/tag/push",
    },
    CommandDef {
        program: "docker",
        subcommand: &["buildx", "imagetools", "create"],
        action: Action::Create,
        value_flags: IMAGETOOLS_FLAGS,
        tool: "docker buildx imagetools create",
    },
    CommandDef {
        program: "crane",
        subcommand: &["copy"],
        action: Action::Copy,
        value_flags: CRANE_FLAGS,
        tool: "crane copy",
    },
    CommandDef {
        program: "crane",
        subcommand: &["cp"],
        action: Action::Copy,
        value_flags: CRANE_FLAGS,
        tool: "crane copy",
    },
    CommandDef {
        program: "crane",
        subcommand: &["tag"],
        action: Action::CraneTag,
        value_flags: CRANE_FLAGS,
        tool: "crane tag",
    },
    CommandDef {
        program: "gcrane",
        subcommand: &["copy"],
        action: Action::Copy,
        value_flags: CRANE_FLAGS,
        tool: "gcrane copy",
    },
    CommandDef {
        program: "gcrane",
        subcommand: &["cp"],
        action: Action::Copy,
        value_flags: CRANE_FLAGS,
        tool: "gcrane copy",
    },
    CommandDef {
        program: "regctl",
        subcommand: &["image", "copy"],
        action: Action::Copy,
        value_flags: REGCTL_FLAGS,
        tool: "regctl image copy",
    },
    CommandDef {
        program: "regctl",
        subcommand: &["image", "cp"],
        action: Action::Copy,
        value_flags: REGCTL_FLAGS,
        tool: "regctl image copy",
    },
    CommandDef {
        program: "skopeo",
        subcommand: &["copy"],
        action: Action::Copy,
        value_flags: SKOPEO_FLAGS,
        tool: "skopeo copy",
    },
    // Logging in to the registry.
    login("docker", &["login"]),
    login("docker", &["logout"]),
    login("crane", &["auth", "login"]),
    login("regctl", &["registry", "login"]),
    login("regctl", &["registry", "set"]),
    login("skopeo", &["login"]),
    login("aws", &["ecr", "get-login-password"]),
    login("gcloud", &["auth", "configure-docker"]),
    login("az", &["acr", "login"]),
    // Output only.
    log("echo", &[]),
    log("printf", &[]),
    log("set", &[]),
    log("true", &[]),
    log(":", &[]),
    log("export", &[]),
    log("docker", &["images"]),
    log("docker", &["image", "ls"]),
    log("docker", &["info"]),
    log("docker", &["version"]),
];

const fn login(program: &'static str, subcommand: &'static [&'static str]) -> CommandDef {
    CommandDef {
        program,
        subcommand,
        action: Action::Login,
        value_flags: &[],
        tool: "login",
    }
}

const fn log(program: &'static str, subcommand: &'static [&'static str]) -> CommandDef {
    CommandDef {
        program,
        subcommand,
        action: Action::Log,
        value_flags: &[],
        tool: "log",
    }
}

/// Actions a re-tag job may use besides its scripts: checkout, registry
/// logins and tool setup (matched on `owner/name` before `@`).
const HARMLESS_ACTIONS: &[&str] = &[
    "actions/checkout",
    "docker/login-action",
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
    "imjasonh/setup-crane",
    "regclient/actions/regctl-installer",
    "aws-actions/configure-aws-credentials",
    "aws-actions/amazon-ecr-login",
    "google-github-actions/auth",
    "google-github-actions/setup-gcloud",
    "azure/docker-login",
    "azure/login",
];

/// Shells whose scripts the scanner reads (`shell:` of a `run` step).
const POSIX_SHELLS: &[&str] = &["bash", "sh"];

/// The transport prefix of registry images in skopeo references.
const SKOPEO_REGISTRY: &str = "docker://";

/// One image copied to another reference in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetagOp {
    /// How (`docker pull/tag/push`, `crane copy`, ...).
    pub tool: &'static str,
    pub source: ImageRef,
    pub target: ImageRef,
    /// The command that makes the copy (the `docker push` for docker).
    pub command: Span,
}

/// What a job's scripts and steps do, as far as re-tagging goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRetags {
    pub ops: Vec<RetagOp>,
    /// Commands that are neither re-tagging, logging in nor printing, and
    /// steps that use other actions or shells: the job does more than
    /// re-tag.
    pub other: Vec<Span>,
    /// Pushes of references that no tag command of the job made and that
    /// it did not pull either.
    pub stray_pushes: Vec<ImageRef>,
}

/// A recognised command with its resolved image references.
struct Recognised<'d> {
    def: &'d CommandDef,
    /// Positional arguments.
    positional: Vec<ImageRef>,
    /// `-t`/`--tag` values.
    tags: Vec<ImageRef>,
    all_tags: bool,
    span: Span,
}

/// Variables with values known for certain, innermost scope last.
#[derive(Debug, Clone, Default)]
struct Scope {
    values: BTreeMap<String, Option<Vec<Part>>>,
}

impl Scope {
    fn set(&mut self, name: &str, value: Option<Vec<Part>>) {
        self.values.insert(name.to_string(), value);
    }

    fn get(&self, name: &str) -> Option<&Vec<Part>> {
        self.values.get(name).and_then(Option::as_ref)
    }

    /// `env:` entries: literal text, expressions unknown.
    fn with_env(mut self, env: &[(Scalar, Scalar)]) -> Scope {
        for (k, v) in env {
            let value = ImageRef::from_text(&v.value, v.span).parts;
            self.set(&k.value, Some(value));
        }
        self
    }
}

/// Reads every re-tag of `job`.
pub fn scan_job(text: &str, workflow: &Workflow, job: &Job) -> JobRetags {
    let mut out = JobRetags::default();
    let job_scope = Scope::default().with_env(&workflow.env).with_env(&job.env);
    let mut pulled: Vec<ImageRef> = Vec::new();
    let mut tagged: Vec<(ImageRef, ImageRef)> = Vec::new();
    let mut pushed: Vec<(ImageRef, bool, Span)> = Vec::new();
    for step in &job.steps {
        if let Some(uses) = &step.uses {
            let name = uses.value.split('@').next().unwrap_or("");
            if !HARMLESS_ACTIONS
                .iter()
                .any(|a| name.eq_ignore_ascii_case(a))
            {
                out.other.push(uses.span);
            }
        }
        let Some(run) = &step.run else {
            continue;
        };
        if step.shell.as_ref().is_some_and(|s| {
            !POSIX_SHELLS.contains(&s.value.split_whitespace().next().unwrap_or(""))
        }) {
            out.other.push(run.span);
            continue;
        }
        let script = step_script::parse(text, run);
        let mut scope = job_scope.clone().with_env(&step.env);
        let loops = script.script.for_loops();
        for command in script.script.commands() {
            if command.name.is_none() {
                assign(&script, &mut scope, command, &loops);
                continue;
            }
            for found in recognise(&script, &scope, &loops, command) {
                match found {
                    Found::Other(span) => out.other.push(span),
                    Found::Command(c) => {
                        if c.def.program == "export" {
                            assign(&script, &mut scope, command, &loops);
                        }
                        collect(c, &mut pulled, &mut tagged, &mut pushed, &mut out);
                    }
                }
            }
        }
    }
    for (source, target) in tagged {
        let push = pushed.iter().find(|(p, all, _)| {
            p.parts == target.parts || (*all && p.repository() == target.repository())
        });
        if let Some((_, _, span)) = push {
            out.ops.push(RetagOp {
                tool: "docker pull/tag/push",
                source,
                target,
                command: *span,
            });
        }
    }
    for (p, all, _) in pushed {
        let made = out.ops.iter().any(|op| {
            op.target.parts == p.parts || (all && op.target.repository() == p.repository())
        });
        if !made && !pulled.iter().any(|x| x.parts == p.parts) {
            out.stray_pushes.push(p);
        }
    }
    out
}

enum Found<'d> {
    Command(Recognised<'d>),
    Other(Span),
}

/// Files a recognised command under pulls, tags, pushes or copies.
fn collect(
    c: Recognised<'_>,
    pulled: &mut Vec<ImageRef>,
    tagged: &mut Vec<(ImageRef, ImageRef)>,
    pushed: &mut Vec<(ImageRef, bool, Span)>,
    out: &mut JobRetags,
) {
    let mut positional = c.positional.into_iter();
    match c.def.action {
        Action::Pull => pulled.extend(positional),
        Action::Tag => {
            if let (Some(source), Some(target)) = (positional.next(), positional.next()) {
                tagged.push((source, target));
            }
        }
        Action::Push => pushed.extend(positional.map(|p| (p, c.all_tags, c.span))),
        // Several sources: a manifest list merged from per-platform
        // images, not a copy of one image.
        Action::Create if positional.len() > 1 => out.other.push(c.span),
        Action::Create => {
            for source in positional {
                for target in &c.tags {
                    out.ops.push(RetagOp {
                        tool: c.def.tool,
                        source: source.clone(),
                        target: target.clone(),
                        command: c.span,
                    });
                }
            }
        }
        Action::Copy => {
            if let (Some(source), Some(target)) = (positional.next(), positional.next()) {
                out.ops.push(RetagOp {
                    tool: c.def.tool,
                    source,
                    target,
                    command: c.span,
                });
            }
        }
        Action::CraneTag => {
            if let (Some(source), Some(tag)) = (positional.next(), positional.next()) {
                let mut parts = source.split().0;
                parts.push(Part::Literal(":".to_string()));
                parts.extend(tag.parts.clone());
                let target = ImageRef::new(parts, tag.span);
                out.ops.push(RetagOp {
                    tool: c.def.tool,
                    source,
                    target,
                    command: c.span,
                });
            }
        }
        Action::Login | Action::Log => {}
    }
}

/// A bare assignment (`IMAGE=ghcr.io/acme/web`) or `export NAME=value`:
/// the variable's value, when the assignment always runs (not under a
/// condition or in a loop).
fn assign(script: &StepScript, scope: &mut Scope, command: &SimpleCommand, loops: &[ForLoop]) {
    let certain = command.guards.is_empty()
        && !command.in_substitution
        && !loops
            .iter()
            .any(|l| l.body.start <= command.span.start && command.span.end <= l.body.end);
    let words = command
        .assignments
        .iter()
        .chain(command.args.iter().filter(|a| a.raw.contains('=')));
    for word in words {
        let Some((name, value)) = word.raw.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let parts = certain.then(|| resolve(script, scope, value));
        scope.set(name, parts);
    }
}

/// Recognises a command; a command inside `for` loops over its variables
/// is recognised once per combination of their words.
fn recognise<'d>(
    script: &StepScript,
    scope: &Scope,
    loops: &[ForLoop],
    command: &SimpleCommand,
) -> Vec<Found<'d>> {
    let Some((program, args)) = command.effective() else {
        return vec![Found::Other(command.span)];
    };
    let Some(name) = crate::shell::command_basename(program) else {
        return vec![Found::Other(command.span)];
    };
    let def = COMMANDS.iter().find(|d| {
        d.program == name
            && d.subcommand.len() <= args.len()
            && d.subcommand.iter().zip(args).all(|(s, a)| a.is(s))
    });
    let Some(def) = def else {
        return vec![Found::Other(command.span)];
    };
    let rest = &args[def.subcommand.len()..];
    let mut found = Vec::new();
    for binding in loop_bindings(script, scope, loops, command) {
        match read_args(script, &binding, def, rest, command.span) {
            Some(c) => found.push(Found::Command(c)),
            None => found.push(Found::Other(command.span)),
        }
    }
    found
}

/// The most combinations of loop words one command is read with.
const MAX_BINDINGS: usize = 64;

/// The scopes a command runs in: one per combination of the words of the
/// loops around it whose variables it uses.
fn loop_bindings(
    script: &StepScript,
    scope: &Scope,
    loops: &[ForLoop],
    command: &SimpleCommand,
) -> Vec<Scope> {
    let mut scopes = vec![scope.clone()];
    let raw: String = command
        .words()
        .map(|w| w.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    for l in loops {
        let inside = l.body.start <= command.span.start && command.span.end <= l.body.end;
        if !inside || !uses_variable(&raw, &l.variable) {
            continue;
        }
        let mut next = Vec::new();
        for s in &scopes {
            match &l.values {
                Some(values) if !values.is_empty() => {
                    for v in values {
                        let mut bound = s.clone();
                        // A word with an unquoted expansion may split into
                        // several: then the variable is not known.
                        let value =
                            (v.is_static() || !v.raw.contains('$') || v.raw.starts_with('"'))
                                .then(|| resolve(script, s, &v.raw));
                        bound.set(&l.variable, value);
                        next.push(bound);
                    }
                }
                _ => {
                    let mut bound = s.clone();
                    bound.set(&l.variable, None);
                    next.push(bound);
                }
            }
        }
        next.truncate(MAX_BINDINGS);
        scopes = next;
    }
    scopes
}

/// Whether shell text expands `$name` / `${name}`.
fn uses_variable(raw: &str, name: &str) -> bool {
    let plain = format!("${name}");
    let braced = format!("${{{name}");
    raw.match_indices(&plain).any(|(i, _)| {
        !raw[i + plain.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    }) || raw.contains(&braced)
}

/// The flags and positional arguments of a recognised command; `None` when
/// the arguments do not have the shape the command needs.
fn read_args<'d>(
    script: &StepScript,
    scope: &Scope,
    def: &'d CommandDef,
    args: &[Word],
    span: Span,
) -> Option<Recognised<'d>> {
    let mut positional = Vec::new();
    let mut tags = Vec::new();
    let mut all_tags = false;
    let mut i = 0;
    let mut flags_done = false;
    while let Some(arg) = args.get(i) {
        i += 1;
        let value = arg.as_str();
        if !flags_done && value == Some("--") {
            flags_done = true;
            continue;
        }
        if let Some(flag) = value.filter(|v| !flags_done && v.starts_with('-') && v.len() > 1) {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (flag, None),
            };
            if matches!(name, "-a" | "--all-tags") {
                all_tags = true;
            }
            let takes_value = def.value_flags.contains(&name);
            let value_word = match (takes_value, inline) {
                (true, None) => {
                    i += 1;
                    args.get(i - 1).map(|w| (w.raw.clone(), w.span))
                }
                (true, Some(v)) => Some((v.to_string(), arg.span)),
                (false, _) => None,
            };
            if matches!(name, "-t" | "--tag") && def.action == Action::Create {
                let (raw, span) = value_word?;
                tags.push(ImageRef::new(resolve(script, scope, &raw), span));
            }
            continue;
        }
        positional.push(ImageRef::new(resolve(script, scope, &arg.raw), arg.span));
    }
    let needs = match def.action {
        Action::Tag | Action::Copy | Action::CraneTag => Some(2),
        Action::Pull => Some(1),
        _ => None,
    };
    if needs.is_some_and(|n| positional.len() != n) {
        return None;
    }
    if def.program == "skopeo" {
        positional = positional
            .into_iter()
            .map(|r| strip_transport(r, SKOPEO_REGISTRY))
            .collect::<Option<Vec<_>>>()?;
    }
    if def.action == Action::Create && (tags.is_empty() || positional.is_empty()) {
        return None;
    }
    Some(Recognised {
        def,
        positional,
        tags,
        all_tags,
        span,
    })
}

/// `docker://ghcr.io/acme/web` → `ghcr.io/acme/web`; another transport
/// (a local archive, the daemon) is no registry image.
fn strip_transport(r: ImageRef, prefix: &str) -> Option<ImageRef> {
    let mut parts = r.parts;
    match parts.first_mut() {
        Some(Part::Literal(first)) if first.starts_with(prefix) => {
            *first = first[prefix.len()..].to_string();
            Some(ImageRef::new(parts, r.span))
        }
        _ => None,
    }
}

/// A shell word's value as reference parts: quotes removed, masked
/// expressions and unknown expansions unknown, variables of the scope
/// substituted.
fn resolve(script: &StepScript, scope: &Scope, raw: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut literal = String::new();
    let flush = |literal: &mut String, parts: &mut Vec<Part>| {
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(literal)));
        }
    };
    let mut i = 0;
    let mut double = false;
    while let Some(c) = raw[i..].chars().next() {
        let len = c.len_utf8();
        match c {
            '\'' if !double => {
                let end = raw[i + 1..].find('\'').map_or(raw.len(), |e| i + 1 + e);
                literal.push_str(&raw[i + 1..end]);
                i = (end + 1).min(raw.len());
            }
            '"' => {
                double = !double;
                i += 1;
            }
            '\\' => {
                let next = raw[i + 1..].chars().next();
                match next {
                    Some(n) if !double || matches!(n, '$' | '`' | '"' | '\\') => {
                        literal.push(n);
                        i += 1 + n.len_utf8();
                    }
                    Some('\n') => i += 2,
                    _ => {
                        literal.push('\\');
                        i += 1;
                    }
                }
            }
            '$' => {
                let (part, used) = expansion(script, scope, &raw[i..]);
                i += used.max(1);
                match part {
                    Some(Expansion::Literal(parts_of)) => {
                        flush(&mut literal, &mut parts);
                        parts.extend(parts_of);
                    }
                    Some(Expansion::Unknown(text)) => {
                        flush(&mut literal, &mut parts);
                        parts.push(Part::Unknown(text));
                    }
                    None => literal.push('$'),
                }
            }
            '`' => {
                let end = raw[i + 1..].find('`').map_or(raw.len(), |e| i + 2 + e);
                flush(&mut literal, &mut parts);
                parts.push(Part::Unknown(script.unmask(&raw[i..end])));
                i = end;
            }
            _ => {
                literal.push(c);
                i += len;
            }
        }
    }
    flush(&mut literal, &mut parts);
    parts
}

enum Expansion {
    /// A variable with a known value.
    Literal(Vec<Part>),
    Unknown(String),
}

/// The expansion at the start of `text` (which starts with `$`) and the
/// bytes it covers; `None` for a lone `$`.
fn expansion(script: &StepScript, scope: &Scope, text: &str) -> (Option<Expansion>, usize) {
    if let Some((expr, len)) = script.expression(text) {
        let inner = expr.trim_start_matches("${{").trim_end_matches("}}").trim();
        let known = inner
            .strip_prefix("env.")
            .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .and_then(|n| scope.get(n));
        return match known {
            Some(parts) => (Some(Expansion::Literal(parts.clone())), len),
            None => (Some(Expansion::Unknown(expr.to_string())), len),
        };
    }
    let rest = &text[1..];
    let name_len = |s: &str| {
        s.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count()
    };
    let variable = |name: &str, covered: usize| {
        let found = match scope.get(name) {
            Some(parts) => Expansion::Literal(parts.clone()),
            None => Expansion::Unknown(text[..covered].to_string()),
        };
        (Some(found), covered)
    };
    if let Some(inner) = rest.strip_prefix('{') {
        let Some(end) = inner.find('}') else {
            return (Some(Expansion::Unknown(text.to_string())), text.len());
        };
        let body = &inner[..end];
        let covered = end + 3;
        if !body.is_empty()
            && name_len(body) == body.len()
            && !body.starts_with(|c: char| c.is_ascii_digit())
        {
            return variable(body, covered);
        }
        return (
            Some(Expansion::Unknown(script.unmask(&text[..covered]))),
            covered,
        );
    }
    if rest.starts_with('(') {
        let mut depth = 0usize;
        for (at, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let covered = at + 2;
                        return (
                            Some(Expansion::Unknown(script.unmask(&text[..covered]))),
                            covered,
                        );
                    }
                }
                _ => {}
            }
        }
        return (Some(Expansion::Unknown(script.unmask(text))), text.len());
    }
    let n = name_len(rest);
    if n > 0 && !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return variable(&rest[..n], n + 1);
    }
    match rest.chars().next() {
        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => (
            Some(Expansion::Unknown(text[..1 + c.len_utf8()].to_string())),
            1 + c.len_utf8(),
        ),
        _ => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;

    fn scan(text: &str) -> JobRetags {
        let w = workflow::load(text).expect("loads");
        scan_job(text, &w, &w.jobs[0])
    }

    fn job(steps: &str) -> String {
        format!("on: push\njobs:\n  retag:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
    }

    fn ops(r: &JobRetags) -> Vec<(String, String, &'static str)> {
        r.ops
            .iter()
            .map(|o| (o.source.text(), o.target.text(), o.tool))
            .collect()
    }

    #[test]
    fn docker_pull_tag_push() {
        let text = job("      - uses: docker/login-action@v3\n      - run: |\n          docker pull ghcr.io/acme/web:latest\n          docker tag ghcr.io/acme/web:latest ghcr.io/acme/web:${{ github.sha }}\n          docker push ghcr.io/acme/web:${{ github.sha }}\n");
        let r = scan(&text);
        assert_eq!(
            ops(&r),
            [(
                "ghcr.io/acme/web:latest".to_string(),
                "ghcr.io/acme/web:${{ github.sha }}".to_string(),
                "docker pull/tag/push"
            )]
        );
        assert!(r.other.is_empty() && r.stray_pushes.is_empty(), "{r:?}");
        let op = &r.ops[0];
        assert!(op.command.slice(&text).starts_with("docker push"));
        assert_eq!(
            op.target.span.slice(&text),
            "ghcr.io/acme/web:${{ github.sha }}"
        );
        // A tag that is never pushed copies nothing.
        let r = scan(&job("      - run: docker tag a/b:1 a/b:2\n"));
        assert!(r.ops.is_empty());
    }

    #[test]
    fn registry_side_copies() {
        let text = job("      - run: |\n          docker buildx imagetools create -t ghcr.io/acme/web:$GITHUB_SHA --tag ghcr.io/acme/web:prod ghcr.io/acme/web:latest\n          crane copy ghcr.io/acme/api:latest ghcr.io/acme/api:${{ github.sha }}\n          crane tag ghcr.io/acme/db:latest ${{ github.sha }}\n          regctl image copy -v info ghcr.io/acme/x:1 ghcr.io/acme/x:2\n          skopeo copy --dest-creds u:p docker://ghcr.io/acme/y:1 docker://ghcr.io/acme/y:2\n          skopeo copy docker-archive:y.tar docker://ghcr.io/acme/y:3\n");
        let r = scan(&text);
        assert_eq!(
            ops(&r),
            [
                (
                    "ghcr.io/acme/web:latest".into(),
                    "ghcr.io/acme/web:$GITHUB_SHA".into(),
                    "docker buildx imagetools create"
                ),
                (
                    "ghcr.io/acme/web:latest".into(),
                    "ghcr.io/acme/web:prod".into(),
                    "docker buildx imagetools create"
                ),
                (
                    "ghcr.io/acme/api:latest".into(),
                    "ghcr.io/acme/api:${{ github.sha }}".into(),
                    "crane copy"
                ),
                (
                    "ghcr.io/acme/db:latest".into(),
                    "ghcr.io/acme/db:${{ github.sha }}".into(),
                    "crane tag"
                ),
                (
                    "ghcr.io/acme/x:1".into(),
                    "ghcr.io/acme/x:2".into(),
                    "regctl image copy"
                ),
                (
                    "ghcr.io/acme/y:1".into(),
                    "ghcr.io/acme/y:2".into(),
                    "skopeo copy"
                ),
            ]
        );
        // The archive copy is not a registry re-tag: something else.
        assert_eq!(r.other.len(), 1, "{r:?}");
        // Per-platform images merged into one manifest list: no copy.
        let text = job("      - run: docker buildx imagetools create -t a.io/b/c:${{ github.sha }} a.io/b/c:${{ github.sha }}-amd64 a.io/b/c:${{ github.sha }}-arm64\n");
        let r = scan(&text);
        assert!(r.ops.is_empty());
        assert_eq!(r.other.len(), 1);
    }

    #[test]
    fn loops_and_variables() {
        let text = job("      - env:\n          REGISTRY: ghcr.io/acme\n        run: |\n          SHA=${{ github.sha }}\n          for img in web worker; do\n            docker pull $REGISTRY/$img:latest\n            docker tag \"$REGISTRY/$img:latest\" \"$REGISTRY/$img:$SHA\"\n            docker push \"$REGISTRY/${img}:$SHA\"\n          done\n");
        let r = scan(&text);
        let got: Vec<(String, String)> = r
            .ops
            .iter()
            .map(|o| (o.source.text(), o.target.text()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "ghcr.io/acme/web:latest".to_string(),
                    "ghcr.io/acme/web:${{ github.sha }}".to_string()
                ),
                (
                    "ghcr.io/acme/worker:latest".to_string(),
                    "ghcr.io/acme/worker:${{ github.sha }}".to_string()
                ),
            ]
        );
        assert!(r.other.is_empty(), "{r:?}");
        // A loop over an unknown list: the name stays unknown.
        let text = job("      - run: |\n          for img in $IMAGES; do crane copy ghcr.io/acme/$img:latest ghcr.io/acme/$img:${{ github.sha }}; done\n");
        let r = scan(&text);
        assert_eq!(r.ops[0].source.text(), "ghcr.io/acme/$img:latest");
        // `${{ env.X }}` is the workflow's value.
        let text = "on: push\nenv:\n  IMAGE: ghcr.io/acme/web\njobs:\n  retag:\n    steps:\n      - run: crane copy ${{ env.IMAGE }}:latest ${{ env.IMAGE }}:${{ github.sha }}\n";
        let r = scan(text);
        assert_eq!(r.ops[0].source.text(), "ghcr.io/acme/web:latest");
        // A conditional assignment is not certain.
        let text = job("      - run: |\n          IMAGE=ghcr.io/acme/web\n          if [ -n \"$X\" ]; then IMAGE=ghcr.io/acme/api; fi\n          crane copy $IMAGE:latest $IMAGE:1\n");
        let r = scan(&text);
        assert_eq!(r.ops[0].source.text(), "$IMAGE:latest");
    }

    #[test]
    fn what_else_the_job_does() {
        let text = job("      - uses: actions/checkout@v4\n      - uses: some/deploy-action@v1\n      - run: |\n          echo \"$TOKEN\" | docker login ghcr.io -u x --password-stdin\n          ./deploy.sh\n          docker push ghcr.io/acme/other:1\n      - shell: pwsh\n        run: docker push x\n");
        let r = scan(&text);
        let other: Vec<&str> = r.other.iter().map(|s| s.slice(&text)).collect();
        assert_eq!(
            other,
            ["some/deploy-action@v1", "./deploy.sh", "docker push x"]
        );
        assert_eq!(r.stray_pushes.len(), 1);
        assert_eq!(r.stray_pushes[0].text(), "ghcr.io/acme/other:1");
        // Pushing back what was pulled changes nothing.
        let r = scan(&job(
            "      - run: docker pull a/b:1 && docker push a/b:1\n",
        ));
        assert!(r.stray_pushes.is_empty());
        // A command of the wrong shape is something else.
        let r = scan(&job("      - run: docker tag a/b:1\n"));
        assert_eq!(r.other.len(), 1);
    }

    #[test]
    fn push_all_tags() {
        let r = scan(&job("      - run: |\n          docker tag a.io/b/c:1 a.io/b/c:${{ github.sha }}\n          docker push --all-tags a.io/b/c\n"));
        assert_eq!(r.ops.len(), 1);
        assert!(r.stray_pushes.is_empty(), "{r:?}");
    }
}
