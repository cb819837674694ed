//! BP010 `prebaked-base`: a stage from a generic upstream image (`python`,
//! `node`, `debian`...) installs many OS packages before it copies the
//! build context, so every cold build downloads and installs them again.
//!
//! The fix moves the stage's FROM and its ENV/ARG/RUN/... prefix (up to the
//! last OS install) into a `Dockerfile.base` and builds the stage `FROM
//! ${BASE_IMAGE}`. Stand-alone Dockerfiles are handled by the Dockerfile
//! check; Dockerfiles bake targets build by the bake check, which groups
//! Dockerfiles with the same prefix into one shared base, adds a bake
//! target for it and passes `BASE_IMAGE` to the targets.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::bake::Target;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Keyword, NodeKind, Stage};
use crate::rules::bake_syntax::{syntax_files, SyntaxBlock, SyntaxFile, ValueShape};
use crate::rules::bake_targets::built_targets;
use crate::rules::build_args::global_arg_env;
use crate::rules::dockerignore::reads_context_broadly;
use crate::rules::hcl_edit::{append_attributes, block_braces};
use crate::rules::image_tags::{escape_template, repository_source, split_repository};
use crate::rules::invalid_default_arg_in_from::is_valid_normalized_named;
use crate::rules::source_text::{indentation_at, keyword_case, line_start};
use crate::rules::stage_walk::stage_parents;
use crate::rules::{
    BakeContext, CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope,
};
use crate::span::Span;
use crate::workspace::normalize;

pub static RULE: RuleDef = RuleDef {
    code: "BP010",
    name: "prebaked-base",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A stage installs many OS packages on a generic upstream image on every build instead of using a pre-baked base image",
    doc: include_str!("../../rules/BP010.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[
        RuleOption {
            name: "min-packages",
            kind: OptionKind::Integer,
        },
        RuleOption {
            name: "tag",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::DockerfileAndBake(check_dockerfile, check_bake),
};

/// Docker Hub official images that are a language runtime or a bare
/// distribution: what a project builds on, not a base it made itself.
const GENERIC_IMAGES: &[&str] = &[
    "python",
    "node",
    "ruby",
    "golang",
    "php",
    "perl",
    "rust",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "ibmjava",
    "maven",
    "gradle",
    "elixir",
    "erlang",
    "haskell",
    "julia",
    "r-base",
    "swift",
    "dart",
    "buildpack-deps",
    "debian",
    "ubuntu",
    "alpine",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "opensuse",
    "busybox",
];

/// Registry prefixes that name Docker Hub.
const HUB_PREFIXES: &[&str] = &["docker.io/", "index.docker.io/", "registry-1.docker.io/"];

/// Instructions that may move into the base image: they only change the
/// filesystem or the image config, which the base image carries over.
/// (`ARG` does not carry over; see [`arg_used_after`].)
const MOVABLE: &[Keyword] = &[
    Keyword::Env,
    Keyword::Arg,
    Keyword::Run,
    Keyword::Workdir,
    Keyword::Label,
    Keyword::User,
    Keyword::Shell,
];

const DEFAULT_MIN_PACKAGES: usize = 5;
const BASE_ARG: &str = "BASE_IMAGE";
const BASE_FILE: &str = "Dockerfile.base";

const HELP: &str = "build these packages once into a base image that CI rebuilds on a schedule \
                    (a weekly job pushing it).\n\
                    Cold builds then pull one layer instead of installing the packages: 1–1.5 \
                    minutes less per run.";

const NO_FIX: &str = "an instruction among the installs (COPY --from, a conditional install, an ARG \
                      used later...) keeps them from moving as a whole, so there is no automatic fix";

/// The stage prefix that could move into a base image.
#[derive(Debug, Clone)]
struct Candidate {
    /// The FROM image as written.
    image: String,
    /// The counted package words, as written.
    packages: Vec<String>,
    /// First through last package word of the first counted install.
    span: Span,
    from_node: usize,
    /// Node of the last moved instruction; `None` when the installs cannot
    /// all move (something else stands between them).
    end_node: Option<usize>,
    /// Layout-independent text of what moves (FROM image and flags, the
    /// global ARGs it uses, the moved instructions).
    key: String,
}

fn min_packages(options: &crate::rules::RuleOptions) -> usize {
    options
        .get("min-packages")
        .and_then(|v| v.as_integer())
        .map_or(DEFAULT_MIN_PACKAGES, |n| {
            usize::try_from(n.max(1)).unwrap_or(1)
        })
}

fn tag_option(options: &crate::rules::RuleOptions) -> Option<String> {
    options
        .get("tag")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The official image a reference names (`python:3.12`, `docker.io/library/node`), if generic.
fn generic_image(reference: &str) -> Option<&'static str> {
    let name = reference.split('@').next().unwrap_or(reference);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let path = match name.get(last_slash..).and_then(|n| n.find(':')) {
        Some(colon) => name.get(..last_slash + colon).unwrap_or(name),
        None => name,
    };
    let path = HUB_PREFIXES
        .iter()
        .find_map(|p| path.strip_prefix(p))
        .unwrap_or(path);
    let path = path.strip_prefix("library/").unwrap_or(path);
    GENERIC_IMAGES.iter().copied().find(|g| *g == path)
}

/// Whether a COPY/ADD reads from the build context.
fn reads_context(ins: &Instruction) -> bool {
    let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &ins.kind else {
        return false;
    };
    ins.flag("from").is_none()
        && c.sources.iter().any(|s| {
            let v = s.value.as_str();
            !(v.starts_with("<<") || v.contains("://") || v.starts_with("git@"))
        })
}

/// Whether an application build follows the installs: a broad read of the
/// context (the whole of it or a directory, see
/// [`reads_context_broadly`]) in the stage after node `after`, or in a later
/// stage built on it. Official and base images (no context read) and
/// packaging images (only an entrypoint or a config copied) have none: they
/// are the base image already.
fn application_build_after(
    df: &Dockerfile,
    tree: &StageTree<'_>,
    stage_index: usize,
    after: usize,
    context: &Path,
) -> bool {
    let mut todo = vec![stage_index];
    while let Some(index) = todo.pop() {
        let Some(stage) = tree.stages.get(index) else {
            continue;
        };
        let builds = stage
            .instruction_nodes
            .iter()
            .filter(|&&node| node > after)
            .filter_map(|&node| df.instruction(node))
            .any(|ins| !packages_files(ins) && reads_context_broadly(ins, context));
        if builds {
            return true;
        }
        todo.extend(tree.children.get(index).into_iter().flatten());
    }
    false
}

/// Where packaging images put files: the root (a `rootfs/` tree), config
/// and executable directories.
const PACKAGING_DESTINATIONS: &[&str] = &[
    "/",
    "/etc",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/docker-entrypoint.d",
    "/docker-entrypoint-initdb.d",
];

/// Whether a `COPY`/`ADD` puts its files where a packaging image does
/// (`COPY rootfs /`, `COPY s6/ /etc`, `COPY scripts/ /usr/local/bin/`):
/// configuration and entrypoints, not an application to build.
fn packages_files(ins: &Instruction) -> bool {
    let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &ins.kind else {
        return false;
    };
    let Some(destination) = &c.destination else {
        return false;
    };
    let dest = destination.value.trim_matches('"');
    let trimmed = dest.trim_end_matches('/');
    let dest = if trimmed.is_empty() { "/" } else { trimmed };
    PACKAGING_DESTINATIONS
        .iter()
        .any(|p| dest == *p || (*p == "/etc" && dest.starts_with("/etc/")))
}

/// An instruction's comparison key: its normalised text without cache
/// mounts (BP007 adds them; the layer content is the same).
fn instruction_key(ins: &Instruction, source: &str) -> String {
    let mut key = ins.normalized(source);
    for flag in &ins.flags {
        let is_cache = flag.name.value == "mount"
            && flag.options().iter().any(|o| {
                o.key.value == "type" && o.value.as_ref().is_some_and(|v| v.value == "cache")
            });
        if is_cache {
            key = key.replacen(&format!(" {}", flag.span.slice(source)), "", 1);
        }
    }
    key
}

/// Whether a variable named `name` is referenced in `text`.
fn references(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text.get(..at).unwrap_or("");
        let after = text.get(at + name.len()..).and_then(|t| t.chars().next());
        (before.ends_with('$') || before.ends_with("${"))
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether an ARG of the prefix is used by an instruction after it in the
/// stage (moving the ARG would undeclare it there).
fn arg_used_after(df: &Dockerfile, arg: &Instruction, later: &[usize]) -> bool {
    let InstructionKind::Arg(decls) = &arg.kind else {
        return false;
    };
    later.iter().filter_map(|&n| df.instruction(n)).any(|ins| {
        let text = ins.span.slice(&df.source);
        decls.iter().any(|d| references(text, &d.name.value))
    })
}

/// The global ARG instructions (node indices) the FROM image uses,
/// directly or through the defaults of other global ARGs.
fn global_args_used(df: &Dockerfile, image: &str) -> Vec<usize> {
    let mut wanted: Vec<String> = ShellLex::new(df.escape)
        .variable_refs(image)
        .into_iter()
        .map(|r| r.name)
        .collect();
    let mut used = Vec::new();
    for &node in df.global_instructions().iter().rev() {
        let Some(InstructionKind::Arg(decls)) = df.instruction(node).map(|i| &i.kind) else {
            continue;
        };
        if decls.iter().any(|d| wanted.contains(&d.name.value)) {
            used.push(node);
            for d in decls {
                if let Some(default) = &d.default {
                    wanted.extend(
                        ShellLex::new(df.escape)
                            .variable_refs(&default.value)
                            .into_iter()
                            .map(|r| r.name),
                    );
                }
            }
        }
    }
    used.reverse();
    used
}

/// The first stage on a generic image that installs at least `min` OS
/// packages before it copies the context.
fn analyze(
    df: &Dockerfile,
    build_args: Option<&BTreeMap<String, String>>,
    min: usize,
    context: &Path,
) -> Option<Candidate> {
    let env = global_arg_env(df, build_args);
    let lex = ShellLex::new(df.escape);
    let parents = stage_parents(df, &build_args.cloned().unwrap_or_default());
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
    for (index, parent) in parents.iter().enumerate() {
        if let Some(parent) = parent {
            children[*parent].push(index);
        }
    }
    let tree = StageTree {
        stages: df.stages(),
        children,
    };
    // A stage not built on another stage whose image (global ARGs
    // expanded: `FROM python:${PY}`) is generic.
    let generic = |stage: &Stage| {
        parents.get(stage.index).copied().flatten().is_none()
            && df
                .stage_from(stage)
                .and_then(|from| lex.process_word(&from.image.value, &env).ok())
                .as_deref()
                .and_then(generic_image)
                .is_some()
    };
    tree.stages
        .iter()
        .filter(|stage| generic(stage))
        .find_map(|stage| analyze_stage(df, stage, &tree, min, context))
}

/// The stages of a Dockerfile and, for each, the stages built on it.
struct StageTree<'a> {
    stages: &'a [Stage],
    children: Vec<Vec<usize>>,
}

fn analyze_stage(
    df: &Dockerfile,
    stage: &Stage,
    tree: &StageTree<'_>,
    min: usize,
    context: &Path,
) -> Option<Candidate> {
    let source = &df.source;
    let nodes = &stage.instruction_nodes;
    // Position (in `nodes`) before which nothing may move, and the counted installs.
    let mut bound = nodes.len();
    let mut counted: Vec<(usize, Vec<String>, Span)> = Vec::new();
    for (pos, &node) in nodes.iter().enumerate() {
        let Some(ins) = df.instruction(node) else {
            continue;
        };
        if matches!(ins.keyword, Keyword::Copy | Keyword::Add) {
            // ADD of a URL does not read the context, but stop there anyway.
            if reads_context(ins) || ins.keyword == Keyword::Add {
                break;
            }
        }
        if !MOVABLE.contains(&ins.keyword) {
            bound = bound.min(pos);
            continue;
        }
        let mut guarded = false;
        for script in df.run_scripts(ins).iter() {
            for install in script.installs_of(|m| m.is_system()) {
                if !install.manager.is_system() || install.packages.is_empty() {
                    continue;
                }
                if !install.command.guards.is_empty() {
                    // A conditional install (`SKIP_CHROMIUM`) stays where it can be skipped.
                    guarded = true;
                    continue;
                }
                // Only literal names are packages: `$runDeps`, `$(…)` are not.
                let literal: Vec<_> = install.packages.iter().filter(|w| w.is_static()).collect();
                let (Some(first), Some(last)) = (literal.first(), literal.last()) else {
                    continue;
                };
                counted.push((
                    pos,
                    literal.iter().map(|w| w.raw.clone()).collect(),
                    first.span.cover(last.span),
                ));
            }
        }
        if guarded {
            bound = bound.min(pos);
        }
    }
    let total: usize = counted.iter().map(|(_, p, _)| p.len()).sum();
    if total < min {
        return None;
    }
    let from_node = stage.from_node;
    let first = counted.first()?;
    let end = counted.last().map(|(pos, _, _)| *pos)?;
    if !application_build_after(df, tree, stage.index, *nodes.get(end)?, context) {
        return None;
    }
    // An ARG used after the prefix must stay declared in the stage.
    let later = nodes.get(end + 1..).unwrap_or(&[]);
    let arg_blocks = nodes.get(..=end).unwrap_or(&[]).iter().any(|&n| {
        df.instruction(n)
            .is_some_and(|ins| arg_used_after(df, ins, later))
    });
    let end_node = (end < bound && !arg_blocks)
        .then(|| nodes.get(end).copied())
        .flatten();
    let from = df.instruction(from_node)?;
    let InstructionKind::From(from_kind) = &from.kind else {
        return None;
    };
    let mut key = String::new();
    for node in global_args_used(df, &from_kind.image.value) {
        if let Some(ins) = df.instruction(node) {
            key.push_str(&ins.normalized(source));
            key.push('\n');
        }
    }
    key.push_str("FROM");
    for flag in &from.flags {
        key.push(' ');
        key.push_str(flag.span.slice(source));
    }
    key.push(' ');
    key.push_str(&from_kind.image.value);
    for &node in nodes.get(..=end).unwrap_or(&[]) {
        if let Some(ins) = df.instruction(node) {
            key.push('\n');
            key.push_str(&instruction_key(ins, source));
        }
    }
    if end_node.is_none() {
        // Files that cannot move their installs share no base with those that can.
        key.push_str("\n(fixed in place)");
    }
    Some(Candidate {
        image: from_kind.image.value.clone(),
        packages: counted.iter().flat_map(|(_, p, _)| p.clone()).collect(),
        span: first.2,
        from_node,
        end_node,
        key,
    })
}

/// The content of the base Dockerfile: parser directives, the global ARGs
/// the FROM uses, then FROM through the last moved instruction.
fn base_content(df: &Dockerfile, candidate: &Candidate) -> Option<String> {
    let source = &df.source;
    let end = df.instruction(candidate.end_node?)?;
    let from = df.instruction(candidate.from_node)?;
    let newline = df.newline();
    let mut out = String::new();
    for node in &df.nodes {
        if let NodeKind::Directive(_) = node.kind {
            out.push_str(node.span.slice(source).trim_start_matches('\u{feff}'));
        }
    }
    for node in global_args_used(df, &candidate.image) {
        if let Some(ins) = df.instruction(node) {
            out.push_str(ins.span.slice(source));
            out.push_str(newline);
        }
    }
    out.push_str(source.get(from.span.start..end.span.end)?);
    out.push_str(newline);
    Some(out)
}

/// The edits that build the stage `FROM ${BASE_IMAGE}` instead, with
/// `ARG BASE_IMAGE=<reference>` before the first FROM.
fn dockerfile_edits(
    df: &Dockerfile,
    path: &Path,
    candidate: &Candidate,
    reference: &str,
) -> Option<Vec<Edit>> {
    let source = &df.source;
    let declared = df.global_instructions().iter().any(|&n| {
        matches!(df.instruction(n).map(|i| &i.kind), Some(InstructionKind::Arg(d)) if d.iter().any(|d| d.name.value == BASE_ARG))
    });
    if declared {
        return None;
    }
    let from = df.instruction(candidate.from_node)?;
    let end = df.instruction(candidate.end_node?)?;
    let InstructionKind::From(from_kind) = &from.kind else {
        return None;
    };
    let newline = df.newline();
    let from_keyword = keyword_case(source, from.keyword_span, "FROM");
    let arg_line = format!(
        "{} {BASE_ARG}={reference}{newline}",
        keyword_case(source, from.keyword_span, "ARG")
    );
    let mut replacement = format!("{from_keyword} ${{{BASE_ARG}}}");
    if let (Some(as_kw), Some(name)) = (&from_kind.as_keyword, &from_kind.stage_name) {
        replacement.push_str(&format!(" {} {}", as_kw.value, name.value));
    }
    let first_from = df.stages().first().map(|s| s.from_node)?;
    let span = Span::new(from.span.start, end.span.end);
    if first_from == candidate.from_node {
        return Some(vec![Edit::replace(
            path,
            span,
            format!("{arg_line}{replacement}"),
        )]);
    }
    let first = df.instruction(first_from)?;
    Some(vec![
        Edit::insert(path, line_start(source, first.span.start), arg_line),
        Edit::replace(path, span, replacement),
    ])
}

/// A name for images and files derived from a Dockerfile's path:
/// `web.Dockerfile` → `web`, `Dockerfile.api` → `api`, `app/Dockerfile` → `app`.
fn stem(path: &Path) -> String {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let lower = file.to_ascii_lowercase();
    let raw = if let Some(s) = lower.strip_suffix(".dockerfile") {
        s.to_string()
    } else if let Some(s) = lower.strip_prefix("dockerfile.") {
        s.to_string()
    } else {
        path.parent()
            .and_then(|p| {
                normalize(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
            })
            .unwrap_or_default()
    };
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if cleaned.is_empty() {
        "app".to_string()
    } else {
        cleaned.to_string()
    }
}

/// Where the base Dockerfile goes: `Dockerfile.base` in `dir`, unless a
/// file with other content is there (then `Dockerfile.<stem>.base`).
/// Returns the path and whether it must be created.
fn base_path(
    dir: &Path,
    stem: &str,
    content: &str,
    exists: &dyn Fn(&Path) -> bool,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Option<(PathBuf, bool)> {
    for name in [BASE_FILE.to_string(), format!("Dockerfile.{stem}.base")] {
        let path = dir.join(&name);
        if !exists(&path) {
            return Some((path, true));
        }
        if read(&path).as_deref() == Some(content) {
            return Some((path, false));
        }
    }
    None
}

fn message(candidate: &Candidate, shared: usize) -> String {
    let list = candidate.packages.join(", ");
    let mut message = format!(
        "stage on `{}` installs {} OS packages ({list}) on every cold build before it copies the context",
        candidate.image,
        candidate.packages.len()
    );
    if shared > 1 {
        message.push_str(&format!("; {shared} Dockerfiles repeat this install"));
    }
    message
}

fn check_dockerfile(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // Bake-built files are the bake check's; in a bake project, a file no
    // target builds (say one a BP009 consolidation left behind) costs no
    // CI time, and a base image split off it would only add files.
    if ctx.build.from_bake || ctx.build.unbuilt_in_bake_project() {
        return;
    }
    // The context is unknown: directories are recognised by their shape
    // (`src/`, `.`) or next to the Dockerfile.
    let near = ctx.path.parent().unwrap_or(Path::new(""));
    let Some(candidate) = analyze(
        ctx.dockerfile,
        Some(&ctx.build.args),
        min_packages(ctx.options),
        if near.as_os_str().is_empty() {
            Path::new(".")
        } else {
            near
        },
    ) else {
        return;
    };
    let fix = standalone_fix(ctx, &candidate);
    let help = if fix.is_some() {
        format!("{HELP}; the fix moves them into {BASE_FILE}: build and push it, then pass its tag as the `{BASE_ARG}` build arg")
    } else if candidate.end_node.is_none() {
        format!("{HELP}; {NO_FIX}")
    } else {
        HELP.to_string()
    };
    let mut diag = ctx
        .diagnostic(candidate.span, message(&candidate, 1))
        .with_help(help);
    diag.severity = Severity::Info;
    if let Some(fix) = fix {
        diag = diag.with_fix(fix);
    }
    out.push(diag);
}

fn standalone_fix(ctx: &DockerfileContext<'_>, candidate: &Candidate) -> Option<Fix> {
    // Moving instructions out of a file that does not parse (DF000) would
    // copy the broken text into the new file.
    if !ctx.dockerfile.errors.is_empty() {
        return None;
    }
    let content = base_content(ctx.dockerfile, candidate)?;
    let stem = stem(ctx.path);
    let dir = ctx.path.parent().unwrap_or(Path::new(""));
    let (path, create) = base_path(dir, &stem, &content, &|p| ctx.file_exists(p), &|p| {
        ctx.read_file(p)
    })?;
    let reference = tag_option(ctx.options).unwrap_or_else(|| format!("{stem}-base:latest"));
    if !is_valid_normalized_named(&reference) {
        return None;
    }
    let mut edits = dockerfile_edits(ctx.dockerfile, ctx.path, candidate, &reference)?;
    if create {
        edits.push(Edit::Create {
            file: path.clone(),
            content,
        });
    }
    Some(Fix::unsafe_(
        format!("Move the OS package installs into {}", path.display()),
        edits,
    ))
}

/// A Dockerfile the bake definition builds, with its candidate prefix.
struct Member<'a> {
    path: PathBuf,
    dockerfile: &'a Dockerfile,
    candidate: Candidate,
    targets: Vec<&'a Target>,
}

fn check_bake(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let min = min_packages(ctx.options);
    let mut by_path: BTreeMap<PathBuf, Vec<&Target>> = BTreeMap::new();
    let mut order: Vec<PathBuf> = Vec::new();
    for target in built_targets(ctx.project) {
        if target.dockerfile_inline().is_some() {
            continue;
        }
        let Some(path) = target.dockerfile() else {
            continue;
        };
        let key = normalize(&path);
        if !by_path.contains_key(&key) {
            order.push(key.clone());
        }
        by_path.entry(key).or_default().push(target);
    }
    let mut members: Vec<Member<'_>> = Vec::new();
    for path in order {
        let Some(targets) = by_path.remove(&path) else {
            continue;
        };
        let Some(dockerfile) = ctx.dockerfile(&path) else {
            continue;
        };
        // The first target with a local context says what the build
        // copies; with none (a remote context), what a COPY reads cannot be
        // told, and no directory stands in for it.
        let Some((args, context)) = targets
            .iter()
            .find_map(|t| Some((t.args(), t.context_path()?)))
        else {
            continue;
        };
        let Some(candidate) = analyze(dockerfile, Some(&args), min, &context) else {
            continue;
        };
        // The workspace applies only the bake files' suppression comments to
        // bake findings: honour the Dockerfile's own here (and keep it out of
        // the shared fix).
        let probe = ctx.diagnostic(&path, candidate.span, "");
        if crate::suppress::Suppressions::from_dockerfile(dockerfile).is_suppressed(&probe) {
            continue;
        }
        members.push(Member {
            path,
            dockerfile,
            candidate,
            targets,
        });
    }
    // Dockerfiles whose prefix is the same share one base.
    let mut groups: Vec<Vec<&Member<'_>>> = Vec::new();
    for member in &members {
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|m| m.candidate.key == member.candidate.key)
        }) {
            Some(group) => group.push(member),
            None => groups.push(vec![member]),
        }
    }
    for group in groups {
        let target_count: usize = group.iter().map(|m| m.targets.len()).sum();
        let severity = if group.len() >= 2 || target_count >= 2 {
            Severity::Warning
        } else {
            Severity::Info
        };
        let fix = group_fix(ctx, &group);
        // One finding per base: where the first Dockerfile installs, the
        // others as related locations (the fix moves them all at once).
        let Some(member) = group.first() else {
            continue;
        };
        let mut help = HELP.to_string();
        if let Some((_, name)) = &fix {
            help.push_str(&format!(
                "\nWith the fix, bake target `{name}` builds the base: push it before the others (`docker buildx bake {name} --push`, e.g. weekly)."
            ));
        } else if member.candidate.end_node.is_none() {
            help.push_str(&format!("\n{NO_FIX}"));
        }
        let mut diag = ctx
            .diagnostic(
                &member.path,
                member.candidate.span,
                message(&member.candidate, group.len()),
            )
            .with_help(help);
        diag.severity = severity;
        for other in group.iter().skip(1) {
            diag =
                diag.with_file_label(other.path.clone(), other.candidate.span, "the same install");
        }
        if let Some((fix, _)) = fix {
            diag = diag.with_fix(fix);
        }
        out.push(diag);
    }
}

/// The deepest directory holding every path.
fn common_dir(paths: &[&Path]) -> PathBuf {
    let dirs: Vec<Vec<Component<'_>>> = paths
        .iter()
        .map(|p| {
            p.parent()
                .map(|d| d.components().collect())
                .unwrap_or_default()
        })
        .collect();
    let Some(first) = dirs.first() else {
        return PathBuf::new();
    };
    let len = (0..first.len())
        .take_while(|&i| dirs.iter().all(|d| d.get(i) == first.get(i)))
        .count();
    first.iter().take(len).collect()
}

/// `path` relative to `base` (both normalised), with `..` as needed.
fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<Component<'_>> = path.components().collect();
    let b: Vec<Component<'_>> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = b.iter().skip(common).map(|_| "..".to_string()).collect();
    parts.extend(
        p.iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The base image repository shared by `repositories` (`reg/shop-web`,
/// `reg/shop-worker` → `reg/shop-base`): the common registry path and the
/// common leading `-`-separated words of the names, else the first one's.
fn base_repository(repositories: &[String]) -> Option<String> {
    let split = |r: &str| -> (String, String) {
        match r.rfind('/') {
            Some(i) => (r[..=i].to_string(), r[i + 1..].to_string()),
            None => (String::new(), r.to_string()),
        }
    };
    let first = repositories.first()?;
    let (registry, name) = split(first);
    let same_registry = repositories.iter().all(|r| split(r).0 == registry);
    let words: Vec<&str> = name.split('-').collect();
    let common = if same_registry {
        (0..words.len())
            .take_while(|&i| {
                repositories
                    .iter()
                    .all(|r| split(r).1.split('-').nth(i) == words.get(i).copied())
            })
            .count()
    } else {
        0
    };
    let shared = if common == 0 {
        name.clone()
    } else {
        words[..common].join("-")
    };
    if shared.is_empty() {
        return None;
    }
    Some(format!("{registry}{shared}-base"))
}

/// The base image tag: as bake source text (may use variables) and as the
/// resolved reference the Dockerfile's ARG default gets.
fn base_tag(ctx: &BakeContext<'_>, targets: &[&Target], fallback: &str) -> (String, String) {
    if let Some(tag) = tag_option(ctx.options) {
        return (escape_template(&tag), tag);
    }
    let mut sources = Vec::new();
    let mut resolved = Vec::new();
    for target in targets {
        let Some(tag) = target.attr("tags").and_then(|t| t.elements.first()) else {
            continue;
        };
        let Some(value) = tag.as_str() else { continue };
        let text = ctx.file_text(&tag.origin.file);
        let Some(source) = repository_source(text, tag) else {
            continue;
        };
        sources.push(source);
        resolved.push(split_repository(value).0.to_string());
    }
    // A tag that is no image name (a typo, a stray newline) names no base.
    match (base_repository(&sources), base_repository(&resolved)) {
        (Some(source), Some(value)) if is_valid_normalized_named(&value) => {
            (format!("{source}:latest"), format!("{value}:latest"))
        }
        _ => {
            let tag = format!("{fallback}-base:latest");
            (tag.clone(), tag)
        }
    }
}

/// The target's own block in the syntax view.
fn own_block<'a>(files: &'a [SyntaxFile], name: &str) -> Option<(&'a SyntaxFile, &'a SyntaxBlock)> {
    files.iter().rev().find_map(|f| {
        f.blocks
            .iter()
            .rev()
            .find(|b| b.kind == "target" && b.label() == Some(name))
            .map(|b| (f, b))
    })
}

/// The fix of a group and the name of the bake target that builds its base.
fn group_fix(ctx: &BakeContext<'_>, group: &[&Member<'_>]) -> Option<(Fix, String)> {
    if group.iter().any(|m| !m.dockerfile.errors.is_empty()) {
        return None;
    }
    let first = group.first()?;
    let content = base_content(first.dockerfile, &first.candidate)?;
    let paths: Vec<&Path> = group.iter().map(|m| m.path.as_path()).collect();
    let dir = common_dir(&paths);
    let file_stem = stem(&first.path);
    let (base, create) = base_path(&dir, &file_stem, &content, &|p| ctx.file_exists(p), &|p| {
        ctx.dockerfile(p)
            .map(|d| d.source.clone())
            .or_else(|| crate::fsread::read_text(p).ok())
    })?;
    let targets: Vec<&Target> = group
        .iter()
        .flat_map(|m| m.targets.iter().copied())
        .collect();
    let (tag_source, reference) = base_tag(ctx, &targets, &file_stem);
    if !is_valid_normalized_named(&reference) {
        return None;
    }

    let mut edits: Vec<Edit> = Vec::new();
    for member in group {
        edits.extend(dockerfile_edits(
            member.dockerfile,
            &member.path,
            &member.candidate,
            &reference,
        )?);
    }
    if create {
        edits.push(Edit::Create {
            file: base.clone(),
            content,
        });
    }

    let files = syntax_files(ctx.project);
    let lead = targets.first()?;
    let context = lead.context_path()?;
    let dockerfile_in_context = relative(&base, &normalize(&context));
    let base_target = base_target_name(ctx, &base, &tag_source)?;
    if !base_target.exists {
        let name = &base_target.name;
        // Before the first target block of the group, in its file.
        let (file, block) = targets
            .iter()
            .filter_map(|t| own_block(&files, &t.name))
            .min_by_key(|(f, b)| (f.path.clone(), b.span.start))?;
        if file.is_json {
            return None;
        }
        let text = ctx.file_text(&file.path)?;
        let at = line_start(text, block.kind_span.start);
        let indent = indentation_at(text, at);
        let context_value = escape_template(&lead.context());
        // The base must exist for every platform the targets build.
        let mut platforms: Vec<String> = Vec::new();
        for platform in targets.iter().flat_map(|t| t.platforms()) {
            if !platforms.contains(&platform) {
                platforms.push(platform);
            }
        }
        let platforms = if platforms.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = platforms
                .iter()
                .map(|p| format!("\"{}\"", escape_template(p)))
                .collect();
            format!("{indent}  platforms  = [{}]\n", list.join(", "))
        };
        let block_text = format!(
            "{indent}target \"{name}\" {{\n{indent}  context    = \"{context_value}\"\n{indent}  dockerfile = \"{dockerfile_in_context}\"\n{indent}  tags       = [\"{tag_source}\"]\n{platforms}{indent}}}\n\n"
        );
        edits.push(Edit::insert(file.path.clone(), at, block_text));
    }
    let mut seen = Vec::new();
    for target in &targets {
        if target.args().contains_key(BASE_ARG) || seen.contains(&target.name) {
            continue;
        }
        seen.push(target.name.clone());
        let (file, block) = own_block(&files, &target.name)?;
        if file.is_json {
            return None;
        }
        let text = ctx.file_text(&file.path)?;
        let entry = format!("{BASE_ARG} = \"{tag_source}\"");
        let (at, insert) = args_insertion(text, block, &entry)?;
        edits.push(Edit::insert(file.path.clone(), at, insert));
    }
    dedupe(&mut edits);
    let shown = base.display();
    let fix = Fix::unsafe_(
        format!(
            "Move the OS package installs into {shown}, built by bake target `{}`",
            base_target.name
        ),
        edits,
    );
    Some((fix, base_target.name))
}

/// The bake target that builds the base, and whether it is there already.
struct BaseTarget {
    name: String,
    exists: bool,
}

fn base_target_name(ctx: &BakeContext<'_>, base: &Path, tag_source: &str) -> Option<BaseTarget> {
    let repo_name = split_repository(tag_source)
        .0
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let mut names = vec!["base".to_string()];
    // Only a name buildx accepts for a target (`[a-zA-Z0-9_-]+`).
    let valid = |n: &str| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !repo_name.is_empty() && valid(&repo_name) && repo_name != "base" {
        names.push(repo_name);
    }
    for name in names {
        match ctx.project.targets().get(&name) {
            None => {
                return Some(BaseTarget {
                    name,
                    exists: false,
                })
            }
            Some(t)
                if t.dockerfile()
                    .is_some_and(|d| normalize(&d) == normalize(base)) =>
            {
                return Some(BaseTarget { name, exists: true })
            }
            Some(_) => {}
        }
    }
    None
}

/// Where `entry` goes in the target block: appended to its `args` object,
/// or a new `args` attribute before the closing brace.
fn args_insertion(text: &str, block: &SyntaxBlock, entry: &str) -> Option<(usize, String)> {
    if let Some(args) = block.attr("args") {
        if args.shape != ValueShape::Map {
            return None;
        }
        let object = text.get(args.value_span.start..args.value_span.end)?;
        let inner = object.strip_prefix('{')?.strip_suffix('}')?;
        if inner.contains('#') || inner.contains("//") {
            return None;
        }
        let trimmed = inner.trim_end();
        if trimmed.is_empty() {
            return inner
                .is_empty()
                .then(|| (args.value_span.start + 1, format!(" {entry} ")));
        }
        let trailing_comma = trimmed.ends_with(',');
        let last_end = args.value_span.start + 1 + trimmed.len() - usize::from(trailing_comma);
        return crate::rules::hcl_edit::object_append(
            text,
            args.value_span,
            last_end,
            entry,
            false,
        );
    }
    let (open, close) = block_braces(text, block)?;
    if text.get(open + 1..close)?.trim().is_empty() {
        return None;
    }
    append_attributes(text, open, close, &[("args", format!("{{ {entry} }}"))])
        .map(|(span, content)| (span.start, content))
}

/// Drops repeated identical edits (targets of one block, e.g. a matrix).
fn dedupe(edits: &mut Vec<Edit>) {
    let mut kept: Vec<Edit> = Vec::new();
    for edit in edits.drain(..) {
        if !kept.contains(&edit) {
            kept.push(edit);
        }
    }
    *edits = kept;
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::config::{CliSelection, Settings};
    use crate::fix::{fix_all, DiskSource, FixMode};
    use crate::rules::testing::bake::lint;
    use crate::rules::BuildInfo;
    use crate::workspace::{self, Plan};

    const APT5: &str = "RUN apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential libpq-dev gettext curl git \\\n    && rm -rf /var/lib/apt/lists/*\n";

    fn web(from: &str, tail: &str) -> String {
        format!("{from}\nENV PYTHONUNBUFFERED=1\n{APT5}WORKDIR /app\nCOPY . .\n{tail}")
    }

    /// The stand-alone check on `src`, with the rule's default options.
    fn check(src: &str) -> Vec<Diagnostic> {
        check_with(src, &toml::Table::new())
    }

    fn check_with(src: &str, options: &toml::Table) -> Vec<Diagnostic> {
        let df = crate::dockerfile::parse(src);
        let build = BuildInfo::default();
        let ctx = DockerfileContext {
            path: Path::new("/nonexistent-bp010/app/Dockerfile"),
            dockerfile: &df,
            rule: &RULE,
            options,
            build: &build,
        };
        let mut out = Vec::new();
        check_dockerfile(&ctx, &mut out);
        out
    }

    fn slices<'a>(src: &'a str, diags: &[Diagnostic]) -> Vec<&'a str> {
        diags.iter().map(|d| d.span.slice(src)).collect()
    }

    /// Writes `files`, fixes them with BP010 (unsafe fixes on) until done,
    /// and returns every file's final text by relative path, after checking
    /// that the result lints clean and the bake definition still loads.
    #[test]
    fn a_dockerfile_that_does_not_parse_gets_no_fix() {
        // A stray continuation line is an instruction BuildKit rejects.
        let src = web("FROM python:3.12", "").replacen(
            "ENV PYTHONUNBUFFERED=1\n",
            "ENV PYTHONUNBUFFERED=1\nPYTHONDONTWRITEBYTECODE=1\n",
            1,
        );
        assert!(!crate::dockerfile::parse(&src).errors.is_empty());
        let diags = check(&src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }

    fn fix_project(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bake = Vec::new();
        let mut dockerfiles = Vec::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
            if name.ends_with(".hcl") {
                bake.push(p);
            } else if name.contains("Dockerfile") {
                dockerfiles.push(p);
            }
        }
        let plan = Plan {
            dockerfiles,
            bake_sets: if bake.is_empty() { vec![] } else { vec![bake] },
            env: BTreeMap::new(),
            vars: Vec::new(),
            cwd: dir.path().to_path_buf(),
            roots: vec![dir.path().to_path_buf()],
            ..Plan::default()
        };
        let cli = CliSelection {
            select: Some(vec!["BP010".to_string()]),
            ..CliSelection::default()
        };
        let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
        let lint = |c: &BTreeMap<PathBuf, String>| workspace::lint(&plan, c, &settings).diagnostics;
        let initial = lint(&BTreeMap::new());
        assert!(!initial.is_empty(), "BP010 does not fire");
        let res = fix_all(initial, FixMode { unsafe_fixes: true }, &DiskSource, &lint);
        assert!(res.failures.is_empty(), "{:?}", res.failures);
        let after = workspace::lint(&plan, &res.contents, &settings);
        assert!(
            after.diagnostics.is_empty(),
            "still fires: {:?}",
            after.diagnostics
        );
        assert_eq!(
            after.projects.len(),
            plan.bake_sets.len(),
            "bake no longer loads"
        );
        let mut out = BTreeMap::new();
        for (name, text) in files {
            out.insert(name.to_string(), text.to_string());
        }
        for (path, text) in &res.contents {
            let rel = path.strip_prefix(dir.path()).unwrap_or(path);
            out.insert(
                workspace::normalize(rel).display().to_string(),
                text.clone(),
            );
        }
        out
    }

    #[test]
    fn generic_images_by_repository() {
        for image in [
            "python:3.12-slim",
            "docker.io/library/node:20",
            "library/ruby",
            "index.docker.io/golang:1.22@sha256:abc",
            "eclipse-temurin:21-jre",
            "alpine",
        ] {
            assert!(generic_image(image).is_some(), "{image}");
        }
        for image in [
            "postgres:16",
            "redis",
            "ghcr.io/acme/python:3.12",
            "localhost:5000/python",
            "acme/node",
            "",
            "@",
        ] {
            assert_eq!(generic_image(image), None, "{image}");
        }
    }

    #[test]
    fn counts_packages_across_runs_before_the_copy() {
        let src = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl git\nENV A=1\nRUN apt-get install -y gettext make gcc\nCOPY . /src\n";
        let diags = check(src);
        assert_eq!(slices(src, &diags), vec!["curl git"]);
        assert_eq!(diags[0].severity, Severity::Info);
        assert!(diags[0]
            .message
            .contains("5 OS packages (curl, git, gettext, make, gcc)"));
        assert!(diags[0].fix.is_some());
    }

    #[test]
    fn apk_and_dnf_installs_count() {
        let src = "FROM alpine:3.20\nRUN apk add --no-cache build-base postgresql-dev gettext curl git\nCOPY . .\n";
        assert_eq!(
            slices(src, &check(src)),
            vec!["build-base postgresql-dev gettext curl git"]
        );
        let src = "FROM fedora:40\nRUN dnf install -y gcc make \\\n    libpq-devel \\\n    curl git && dnf clean all\nADD . /src\n";
        assert_eq!(
            slices(src, &check(src)),
            vec!["gcc make \\\n    libpq-devel \\\n    curl git"]
        );
    }

    #[test]
    fn not_flagged() {
        let cases = [
            // Four packages.
            "FROM python:3.12\nRUN apt-get install -y a b c d\nCOPY . .\n".to_string(),
            // Installed after the context copy.
            "FROM python:3.12\nCOPY . .\nRUN apt-get install -y a b c d e\n".to_string(),
            // Already on a custom base.
            web("FROM ghcr.io/acme/base:1", ""),
            web("ARG BASE_IMAGE=ghcr.io/acme/shop-base:latest\nFROM ${BASE_IMAGE}", ""),
            // Not a generic image.
            web("FROM postgres:16", ""),
            // Nothing from the context follows: a base image itself.
            format!("FROM python:3.12\n{APT5}"),
            // A later stage of the same name, not the image.
            "FROM ghcr.io/acme/x AS python\nFROM python\nRUN apt-get install -y a b c d e\nCOPY . .\n"
                .to_string(),
            // pip packages are not OS packages.
            "FROM python:3.12\nRUN pip install a b c d e\nCOPY . .\n".to_string(),
            // A conditional install is not counted.
            "FROM node:20\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium a b c d; fi\nCOPY . .\n".to_string(),
        ];
        for src in &cases {
            assert!(check(src).is_empty(), "{src}");
        }
    }

    #[test]
    fn min_packages_option() {
        let src = "FROM python:3.12\nRUN apt-get install -y a b c d\nCOPY . .\n";
        let mut options = toml::Table::new();
        options.insert("min-packages".into(), toml::Value::Integer(4));
        assert_eq!(check_with(src, &options).len(), 1);
        options.insert("min-packages".into(), toml::Value::Integer(-3));
        assert_eq!(check_with(src, &options).len(), 1);
    }

    #[test]
    fn installs_that_cannot_move_get_no_fix() {
        // A COPY --from between the installs.
        let src = "FROM python:3.12\nRUN apt-get install -y a b c\nCOPY --from=tools /bin/x /bin/x\nRUN apt-get install -y d e\nCOPY . .\n";
        let diags = check(src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
        // An ARG the stage uses after the installs.
        let src = "FROM python:3.12\nARG VERSION=1\nRUN apt-get install -y a b c d e\nCOPY . .\nRUN echo $VERSION\n";
        let diags = check(src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
        // A global BASE_IMAGE already.
        let src =
            "ARG BASE_IMAGE=x\nFROM python:3.12\nRUN apt-get install -y a b c d e\nCOPY . .\n";
        assert!(check(src)[0].fix.is_none());
    }

    #[test]
    fn standalone_fix_keeps_directives_global_args_and_stage_name() {
        let src = "# syntax=docker/dockerfile:1\nARG PY=3.12\nARG OTHER=1\nFROM python:${PY}-slim AS build\nENV A=1\n\n# tools\nRUN apt-get install -y a b c d e\nCOPY . .\n\nFROM build AS final\nCMD [\"x\"]\n";
        let files = fix_project(&[("app/Dockerfile", src)]);
        assert_eq!(
            files["app/Dockerfile"],
            "# syntax=docker/dockerfile:1\nARG PY=3.12\nARG OTHER=1\nARG BASE_IMAGE=app-base:latest\nFROM ${BASE_IMAGE} AS build\nCOPY . .\n\nFROM build AS final\nCMD [\"x\"]\n"
        );
        assert_eq!(
            files["app/Dockerfile.base"],
            "# syntax=docker/dockerfile:1\nARG PY=3.12\nFROM python:${PY}-slim AS build\nENV A=1\n\n# tools\nRUN apt-get install -y a b c d e\n"
        );
    }

    #[test]
    fn standalone_fix_in_a_later_stage_keeps_crlf_and_case() {
        let src = "from ghcr.io/acme/tools as tools\r\nfrom node:20\r\nrun apt-get install -y a b c d e\r\ncopy . .\r\n";
        let files = fix_project(&[("web.Dockerfile", src)]);
        assert_eq!(
            files["web.Dockerfile"],
            "arg BASE_IMAGE=web-base:latest\r\nfrom ghcr.io/acme/tools as tools\r\nfrom ${BASE_IMAGE}\r\ncopy . .\r\n"
        );
        assert_eq!(
            files["Dockerfile.base"],
            "from node:20\r\nrun apt-get install -y a b c d e\r\n"
        );
    }

    #[test]
    fn existing_base_file_with_other_content_gets_another_name() {
        let src = web("FROM python:3.12", "");
        let files = fix_project(&[
            ("web.Dockerfile", &src),
            ("Dockerfile.base", "FROM scratch\n"),
        ]);
        assert_eq!(files["Dockerfile.base"], "FROM scratch\n");
        assert_eq!(
            files["Dockerfile.web.base"],
            format!("FROM python:3.12\nENV PYTHONUNBUFFERED=1\n{APT5}")
        );
    }

    #[test]
    fn existing_base_file_with_the_same_content_is_reused() {
        let src = web("FROM python:3.12", "");
        let base = format!("FROM python:3.12\nENV PYTHONUNBUFFERED=1\n{APT5}");
        let linted = lint(
            &RULE,
            &[("web.Dockerfile", &src), ("Dockerfile.base", &base)],
        );
        let fix = linted.diagnostics[0].fix.as_ref().expect("fix");
        assert!(fix.edits.iter().all(|e| matches!(e, Edit::Replace { .. })));
    }

    const BAKE: &str = r#"variable "REGISTRY" {
  default = "ghcr.io/acme"
}

variable "TAG" {
  default = "dev"
}

target "_common" {
  context = "."
}

target "web" {
  inherits   = ["_common"]
  dockerfile = "docker/web/Dockerfile"
  tags       = ["${REGISTRY}/shop-web:${TAG}"]
}

target "worker" {
  inherits   = ["_common"]
  dockerfile = "docker/worker/Dockerfile"
  tags       = ["${REGISTRY}/shop-worker:1"]
  args = {
    MODE = "worker"
  }
}
"#;

    #[test]
    fn bake_group_shares_one_base() {
        // Same prefix modulo layout and a cache mount.
        let worker = "FROM python:3.12\nENV PYTHONUNBUFFERED=1\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev gettext curl git && rm -rf /var/lib/apt/lists/*\nARG MODE\nCOPY . .\nCMD [\"celery\", \"$MODE\"]\n";
        let files = [
            ("docker-bake.hcl", BAKE),
            (
                "docker/web/Dockerfile",
                &web("FROM python:3.12", "CMD [\"web\"]\n"),
            ),
            ("docker/worker/Dockerfile", worker),
        ];
        let linted = lint(&RULE, &files);
        // One finding for the group, the other Dockerfile as a related location.
        assert_eq!(linted.diagnostics.len(), 1, "{:#?}", linted.diagnostics);
        assert!(linted
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning && d.labels.len() == 1));
        assert_eq!(
            linted.slices(),
            vec!["build-essential libpq-dev gettext curl git"]
        );
        let fixed = fix_project(&files);
        assert_eq!(
            fixed["docker/Dockerfile.base"],
            format!("FROM python:3.12\nENV PYTHONUNBUFFERED=1\n{APT5}")
        );
        assert_eq!(
            fixed["docker/web/Dockerfile"],
            "ARG BASE_IMAGE=ghcr.io/acme/shop-base:latest\nFROM ${BASE_IMAGE}\nWORKDIR /app\nCOPY . .\nCMD [\"web\"]\n"
        );
        assert_eq!(
            fixed["docker/worker/Dockerfile"],
            "ARG BASE_IMAGE=ghcr.io/acme/shop-base:latest\nFROM ${BASE_IMAGE}\nARG MODE\nCOPY . .\nCMD [\"celery\", \"$MODE\"]\n"
        );
        assert_eq!(
            fixed["docker-bake.hcl"],
            r#"variable "REGISTRY" {
  default = "ghcr.io/acme"
}

variable "TAG" {
  default = "dev"
}

target "_common" {
  context = "."
}

target "base" {
  context    = "."
  dockerfile = "docker/Dockerfile.base"
  tags       = ["${REGISTRY}/shop-base:latest"]
}

target "web" {
  inherits   = ["_common"]
  dockerfile = "docker/web/Dockerfile"
  tags       = ["${REGISTRY}/shop-web:${TAG}"]
  args       = { BASE_IMAGE = "${REGISTRY}/shop-base:latest" }
}

target "worker" {
  inherits   = ["_common"]
  dockerfile = "docker/worker/Dockerfile"
  tags       = ["${REGISTRY}/shop-worker:1"]
  args = {
    MODE = "worker"
    BASE_IMAGE = "${REGISTRY}/shop-base:latest"
  }
}
"#
        );
    }

    #[test]
    fn bake_base_target_name_taken_and_tag_option() {
        let bake = "target \"base\" {\n  dockerfile = \"other.Dockerfile\"\n}\n\ntarget \"api\" {\n  dockerfile = \"api.Dockerfile\"\n  tags = [\"acme/api\"]\n}\n";
        let files = [
            ("docker-bake.hcl", bake),
            ("other.Dockerfile", "FROM scratch\n"),
            ("api.Dockerfile", &web("FROM python:3.12 AS app", "")),
        ];
        let fixed = fix_project(&files);
        assert_eq!(
            fixed["docker-bake.hcl"],
            "target \"base\" {\n  dockerfile = \"other.Dockerfile\"\n}\n\ntarget \"api-base\" {\n  context    = \".\"\n  dockerfile = \"Dockerfile.base\"\n  tags       = [\"acme/api-base:latest\"]\n}\n\ntarget \"api\" {\n  dockerfile = \"api.Dockerfile\"\n  tags = [\"acme/api\"]\n  args = { BASE_IMAGE = \"acme/api-base:latest\" }\n}\n"
        );
        assert_eq!(
            fixed["api.Dockerfile"],
            "ARG BASE_IMAGE=acme/api-base:latest\nFROM ${BASE_IMAGE} AS app\nWORKDIR /app\nCOPY . .\n"
        );
    }

    #[test]
    fn consolidated_multistage_file_keeps_its_base_stage() {
        // What BP009 writes: one Dockerfile, a `base` stage, one stage per target.
        let df = format!(
            "FROM python:3.12-slim AS base\n{APT5}WORKDIR /app\n\nFROM base AS web\nCOPY . .\n\nFROM base AS worker\nCOPY . .\n"
        );
        let bake = "target \"web\" {\n  target = \"web\"\n  tags   = [\"acme/shop-web\"]\n}\n\ntarget \"worker\" {\n  target = \"worker\"\n  tags   = [\"acme/shop-worker\"]\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  args   = { A = \"1\", }\n}\n";
        let files = [("docker-bake.hcl", bake), ("Dockerfile", df.as_str())];
        let linted = lint(&RULE, &files);
        assert_eq!(linted.diagnostics.len(), 1);
        assert!(linted.diagnostics[0].message.contains("5 OS packages"));
        let fixed = fix_project(&files);
        assert_eq!(
            fixed["Dockerfile"],
            "ARG BASE_IMAGE=acme/shop-base:latest\nFROM ${BASE_IMAGE} AS base\nWORKDIR /app\n\nFROM base AS web\nCOPY . .\n\nFROM base AS worker\nCOPY . .\n"
        );
        assert_eq!(
            fixed["Dockerfile.base"],
            format!("FROM python:3.12-slim AS base\n{APT5}")
        );
        assert_eq!(
            fixed["docker-bake.hcl"],
            "target \"base\" {\n  context    = \".\"\n  dockerfile = \"Dockerfile.base\"\n  tags       = [\"acme/shop-base:latest\"]\n  platforms  = [\"linux/amd64\", \"linux/arm64\"]\n}\n\ntarget \"web\" {\n  target = \"web\"\n  tags   = [\"acme/shop-web\"]\n  args   = { BASE_IMAGE = \"acme/shop-base:latest\" }\n}\n\ntarget \"worker\" {\n  target = \"worker\"\n  tags   = [\"acme/shop-worker\"]\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  args   = { A = \"1\", BASE_IMAGE = \"acme/shop-base:latest\", }\n}\n"
        );
    }

    #[test]
    fn json_bake_files_get_no_fix() {
        let bake = r#"{"target": {"web": {"dockerfile": "Dockerfile", "tags": ["acme/web"]}}}"#;
        let df = web("FROM python:3.12", "");
        let linted = lint(&RULE, &[("docker-bake.json", bake), ("Dockerfile", &df)]);
        assert_eq!(linted.diagnostics.len(), 1);
        assert!(linted.diagnostics[0].fix.is_none());
    }

    #[test]
    fn suppressed_dockerfiles_stay_out_of_the_group() {
        let suppressed = web("FROM python:3.12", "").replace(
            "RUN apt-get update",
            "# bakelint ignore=BP010 needs the distro packages fresh\nRUN apt-get update",
        );
        let bake = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n";
        let linted = lint(
            &RULE,
            &[
                ("docker-bake.hcl", bake),
                ("a.Dockerfile", &web("FROM python:3.12", "")),
                ("b.Dockerfile", &suppressed),
            ],
        );
        assert_eq!(linted.diagnostics.len(), 1);
        assert!(linted.diagnostics[0].file.ends_with("a.Dockerfile"));
        assert!(linted.diagnostics[0].labels.is_empty());
    }

    /// The bake check itself (the workspace replaces severities with the
    /// configured one, so the per-finding severity is checked here).
    fn bake_check(bake: &str, dockerfiles: &[(&str, &str)]) -> Vec<Diagnostic> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("docker-bake.hcl"), bake).expect("write");
        let mut parsed = BTreeMap::new();
        for (name, text) in dockerfiles {
            std::fs::write(dir.path().join(name), text).expect("write");
            parsed.insert(
                workspace::normalize(&dir.path().join(name)),
                std::sync::Arc::new(crate::dockerfile::parse(text)),
            );
        }
        let project = crate::bake::load(&crate::bake::LoadOptions {
            files: vec![PathBuf::from("docker-bake.hcl")],
            cwd: dir.path().to_path_buf(),
            env: BTreeMap::new(),
            vars: Vec::new(),
            overrides: Vec::new(),
            overlay: BTreeMap::new(),
        })
        .expect("bake loads");
        let options = toml::Table::new();
        let virtual_files = std::collections::BTreeSet::new();
        let ctx = BakeContext {
            project: &project,
            rule: &RULE,
            options: &options,
            dockerfiles: &parsed,
            virtual_files: &virtual_files,
            lint_roots: &[],
            ci: &Default::default(),
        };
        let mut out = Vec::new();
        check_bake(&ctx, &mut out);
        out
    }

    #[test]
    fn severity_follows_how_often_the_install_repeats() {
        let df = web("FROM python:3.12", "");
        let one = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n";
        let diags = bake_check(one, &[("a.Dockerfile", &df)]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Info);
        // Two targets building the same Dockerfile.
        let two = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"a.Dockerfile\"\n  args = { X = \"1\" }\n}\n";
        let diags = bake_check(two, &[("a.Dockerfile", &df)]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Warning);
        // Two Dockerfiles.
        let other = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n";
        let diags = bake_check(other, &[("a.Dockerfile", &df), ("b.Dockerfile", &df)]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Warning);
        assert_eq!(diags[0].labels.len(), 1);
        assert!(diags[0].fix.is_some());
    }

    #[test]
    fn base_repositories() {
        let r = |v: &[&str]| base_repository(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            r(&["reg/shop-web", "reg/shop-worker"]).as_deref(),
            Some("reg/shop-base")
        );
        assert_eq!(r(&["reg/web"]).as_deref(), Some("reg/web-base"));
        assert_eq!(r(&["reg/web", "reg/api"]).as_deref(), Some("reg/web-base"));
        assert_eq!(
            r(&["a/shop-web", "b/shop-api"]).as_deref(),
            Some("a/shop-web-base")
        );
        assert_eq!(r(&[]), None);
        assert_eq!(r(&[""]), None);
    }

    #[test]
    fn paths_and_stems() {
        assert_eq!(stem(Path::new("deploy/web.Dockerfile")), "web");
        assert_eq!(stem(Path::new("Dockerfile.API")), "api");
        assert_eq!(stem(Path::new("/x/my app/Dockerfile")), "my-app");
        assert_eq!(stem(Path::new("Dockerfile")), "app");
        assert_eq!(relative(Path::new("a/b/c"), Path::new("a")), "b/c");
        assert_eq!(relative(Path::new("a/c"), Path::new("a/b")), "../c");
        assert_eq!(
            common_dir(&[Path::new("d/web/Dockerfile"), Path::new("d/api/Dockerfile")]),
            PathBuf::from("d")
        );
    }

    #[test]
    fn odd_input_never_panics() {
        for src in [
            "",
            "FROM",
            "FROM python\nRUN apt-get install -y a b c d e",
            "FROM python\nRUN apt-get install -y a b c d e\nCOPY",
            "FROM python:${\nRUN apt-get install -y a b c d e\nCOPY . .\n",
            "\u{feff}FROM python\nRUN <<EOF\napt-get install -y a b c d e\nEOF\nCOPY . .\n",
            "FROM python\nONBUILD RUN apt-get install -y a b c d e\nCOPY . .\n",
            "RUN apt-get install -y a b c d e\nCOPY . .\n",
        ] {
            let _ = check(src);
        }
    }
}
