//! BP009 `multistage-consolidation`: targets of one bake definition build
//! different Dockerfiles that start with the same base image and the same
//! first instructions, so the shared layers are built (and pushed) once per
//! file. One multi-stage Dockerfile with a shared `base` stage builds them
//! once.
//!
//! Files are grouped per build context by their parser directives, their
//! normalised first FROM and their first `min-shared` instructions. The
//! shared prefix stops before the first COPY/ADD of the whole context, so
//! the `base` stage holds environment layers only. The fix writes the new
//! file (verified by re-parsing: every stage chain must give the original
//! instruction sequence) and repoints the targets with byte edits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::bake::Target;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, InstructionKind, Keyword, NodeKind};
use crate::rules::bake_findings::{in_file, with_inherit_label};
use crate::rules::bake_syntax::{syntax_file, SyntaxBlock};
use crate::rules::bake_targets::Templates;
use crate::rules::hcl_edit::{append_attributes, block_braces};
use crate::rules::source_text::keyword_case;
use crate::rules::stages::find_stage;

use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::span::Span;
use crate::workspace::normalize;

pub static RULE: RuleDef = RuleDef {
    code: "BP009",
    name: "multistage-consolidation",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Several targets build near-identical Dockerfiles that one multi-stage Dockerfile with a shared stage would build once",
    doc: include_str!("../../rules/BP009.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "min-shared",
            kind: OptionKind::Integer,
        },
        RuleOption {
            name: "file",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::Bake(check),
};

const DEFAULT_MIN_SHARED: usize = 2;
const DEFAULT_FILE: &str = "Dockerfile";
/// The file name used when the preferred one exists with other content.
const FALLBACK_FILE: &str = "Dockerfile.multistage";
/// The name of the shared stage.
const BASE: &str = "base";

/// One Dockerfile built by targets of the definition, with one context.
struct FileInfo<'a> {
    path: PathBuf,
    context: PathBuf,
    df: &'a Dockerfile,
    targets: Vec<&'a Target>,
    /// Parser directives, normalised (`name=value`).
    directives: Vec<String>,
    /// Global ARG instructions: normalised text and node index.
    global_args: Vec<(String, usize)>,
    /// The first FROM without its stage name.
    from: String,
    /// Normalised instructions of the first stage with their node index, up
    /// to the first COPY/ADD of the whole context.
    eligible: Vec<(String, usize)>,
}

impl<'a> FileInfo<'a> {
    fn new(
        path: PathBuf,
        context: PathBuf,
        df: &'a Dockerfile,
        target: &'a Target,
    ) -> Option<Self> {
        let stages = df.stages();
        let first = stages.first()?;
        let from = from_key(df, first.from_node)?;
        let eligible = first
            .instruction_nodes
            .iter()
            .filter_map(|&n| Some((n, df.instruction(n)?)))
            .take_while(|(_, ins)| !copies_whole_context(ins))
            .map(|(n, ins)| (ins.normalized(&df.source), n))
            .collect();
        let global_args = df
            .global_instructions()
            .into_iter()
            .filter_map(|n| Some((df.instruction(n)?.normalized(&df.source), n)))
            .collect();
        Some(FileInfo {
            path,
            context,
            df,
            targets: vec![target],
            directives: df
                .directives
                .iter()
                .map(|d| format!("{}={}", d.name.value, d.value.value.trim()))
                .collect(),
            global_args,
            from,
            eligible,
        })
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// `FROM [flags] image`, without `AS name`: what the stage is built on.
fn from_key(df: &Dockerfile, node: usize) -> Option<String> {
    let ins = df.instruction(node)?;
    let InstructionKind::From(from) = &ins.kind else {
        return None;
    };
    let mut out = String::from("FROM");
    for flag in &ins.flags {
        out.push(' ');
        out.push_str(flag.span.slice(&df.source));
    }
    out.push(' ');
    out.push_str(&from.image.value);
    Some(out)
}

/// `COPY . /app`, `ADD ./ .`, `COPY * ./`: a copy of the whole build context.
fn copies_whole_context(ins: &crate::dockerfile::Instruction) -> bool {
    let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &ins.kind else {
        return false;
    };
    ins.flag("from").is_none()
        && c.sources
            .iter()
            .any(|s| matches!(s.value.trim_matches('"'), "." | "./" | "*" | "./*"))
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let min_shared = ctx
        .options
        .get("min-shared")
        .and_then(|v| v.as_integer())
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n >= 1)
        .unwrap_or(DEFAULT_MIN_SHARED);
    let project = ctx.project;
    let templates = Templates::of(project);
    let mut files: Vec<FileInfo<'_>> = Vec::new();
    let mut seen = BTreeSet::new();
    for name in project.target_order() {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let Some(target) = project.targets().get(name) else {
            continue;
        };
        if templates.is_abstract(target) || target.dockerfile_inline().is_some() {
            continue;
        }
        let (Some(path), Some(context)) = (target.dockerfile(), target.context_path()) else {
            continue;
        };
        let Some(df) = ctx.dockerfile(&path) else {
            continue;
        };
        if !df.errors.is_empty() {
            continue;
        }
        let (path, context) = (normalize(&path), normalize(&context));
        if let Some(f) = files
            .iter_mut()
            .find(|f| f.path == path && f.context == context)
        {
            f.targets.push(target);
        } else if let Some(info) = FileInfo::new(path, context, df, target) {
            files.push(info);
        }
    }
    type Key = (PathBuf, Vec<String>, String, Vec<String>);
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let Some(first) = f.eligible.get(..min_shared) else {
            continue;
        };
        let key = (
            f.context.clone(),
            f.directives.clone(),
            f.from.clone(),
            first.iter().map(|(s, _)| s.clone()).collect(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    for (_, members) in groups {
        let members = compatible_args(&files, members);
        if members.len() < 2 {
            continue;
        }
        let group: Vec<&FileInfo<'_>> = members.iter().filter_map(|&i| files.get(i)).collect();
        if let Some(diag) = diagnostic(ctx, &group) {
            out.push(diag);
        }
    }
}

/// The members whose global ARGs agree with the first member's (and the
/// others kept so far): an ARG name declared differently cannot share one
/// file's global scope.
fn compatible_args(files: &[FileInfo<'_>], members: Vec<usize>) -> Vec<usize> {
    let mut declared: BTreeMap<String, String> = BTreeMap::new();
    let mut kept = Vec::new();
    for i in members {
        let Some(f) = files.get(i) else { continue };
        let mine: Vec<(String, String)> = f
            .global_args
            .iter()
            .filter_map(|(text, node)| Some((text, f.df.instruction(*node)?)))
            .flat_map(|(text, ins)| match &ins.kind {
                InstructionKind::Arg(decls) => decls
                    .iter()
                    .map(|d| (d.name.value.clone(), text.clone()))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        if mine
            .iter()
            .any(|(name, text)| declared.get(name).is_some_and(|t| t != text))
        {
            continue;
        }
        declared.extend(mine);
        kept.push(i);
    }
    kept
}

/// Where a target's `dockerfile` is written: the value (own or inherited),
/// else the target's label.
fn dockerfile_site(target: &Target) -> Option<(PathBuf, Span)> {
    match target.attr("dockerfile") {
        Some(attr) if in_file(&attr.origin) => Some((attr.origin.file.clone(), attr.origin.span)),
        _ => target.block.as_ref().map(|b| (b.file.clone(), b.span)),
    }
}

fn names(targets: &[&Target]) -> String {
    let quoted: Vec<String> = targets.iter().map(|t| format!("`{}`", t.name)).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// Instructions that build a layer BuildKit caches (the rest only change
/// the image config, which costs nothing to repeat).
const LAYER_KEYWORDS: &[Keyword] = &[Keyword::Run, Keyword::Copy, Keyword::Add];

/// Whether the first `shared` eligible instructions of a file build a layer.
fn builds_a_layer(file: &FileInfo<'_>, shared: usize) -> bool {
    file.eligible
        .iter()
        .take(shared)
        .filter_map(|(_, node)| file.df.instruction(*node))
        .any(|ins| LAYER_KEYWORDS.contains(&ins.keyword))
}

fn diagnostic(ctx: &BakeContext<'_>, group: &[&FileInfo<'_>]) -> Option<Diagnostic> {
    let shared = shared_prefix(group);
    // A shared `FROM` + `ARG`/`ENV`/`SHELL`/`LABEL` prefix builds nothing
    // twice: the base image is pulled once, config changes are free.
    if !builds_a_layer(group.first()?, shared) {
        return None;
    }
    let targets: Vec<&Target> = group
        .iter()
        .flat_map(|f| f.targets.iter().copied())
        .collect();
    let first = *targets.first()?;
    let (file, span) = dockerfile_site(first)?;
    let from = group.first()?.from.clone();
    let message = format!(
        "targets {} build {} Dockerfiles that start with the same {} instructions (`{from}` and {shared} more): the shared layers are built once per file",
        names(&targets),
        group.len(),
        shared + 1,
    );
    let mut diag = ctx.diagnostic(&file, span, message);
    if let Some(attr) = first.attr("dockerfile") {
        diag = with_inherit_label(diag, first, &attr.origin);
    }
    let mut labelled = BTreeSet::from([(file.clone(), span)]);
    for f in group {
        for t in &f.targets {
            let Some((tfile, tspan)) = dockerfile_site(t) else {
                continue;
            };
            if labelled.insert((tfile.clone(), tspan)) {
                diag = diag.with_file_label(
                    tfile,
                    tspan,
                    format!("target `{}` builds `{}`", t.name, f.name()),
                );
            }
        }
    }
    let mut help = format!(
        "Build the shared layers once: one multi-stage Dockerfile with a `{BASE}` stage and one stage per target.\n3–5 minutes less per CI run in the review; images share their base layers (~40% less to pull)."
    );
    for cluster in command_only_clusters(group) {
        help.push_str(&format!(
            "\nThe Dockerfiles of {} differ only in CMD/ENTRYPOINT: one image with several commands (set at run time) would do.",
            names(&cluster)
        ));
    }
    match fix(ctx, group, shared) {
        Ok((fix, path)) => {
            help.push_str(&format!(
                "\nThe fix writes `{}` and points the targets at its stages; the old Dockerfiles can then be deleted.",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            diag = diag.with_help(help).with_fix(fix);
        }
        Err(reason) => {
            help.push_str(&format!("; no automatic fix: {reason}"));
            diag = diag.with_help(help);
        }
    }
    Some(diag)
}

/// The length of the longest common prefix of the group's eligible instructions.
fn shared_prefix(group: &[&FileInfo<'_>]) -> usize {
    let Some((first, rest)) = group.split_first() else {
        return 0;
    };
    (0..first.eligible.len())
        .take_while(|&i| {
            let text = first.eligible.get(i).map(|(s, _)| s);
            rest.iter()
                .all(|f| f.eligible.get(i).map(|(s, _)| s) == text)
        })
        .count()
}

/// The targets of the files of the group whose instructions are the same
/// once CMD and ENTRYPOINT are left out, per cluster of such files.
fn command_only_clusters<'a>(group: &[&FileInfo<'a>]) -> Vec<Vec<&'a Target>> {
    let mut clusters: Vec<(Vec<String>, Vec<&'a Target>, usize)> = Vec::new();
    for f in group {
        let key: Vec<String> =
            f.df.instructions()
                .filter(|(_, ins)| !matches!(ins.keyword, Keyword::Cmd | Keyword::Entrypoint))
                .map(|(_, ins)| ins.normalized(&f.df.source))
                .collect();
        match clusters.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, targets, files)) => {
                targets.extend(f.targets.iter().copied());
                *files += 1;
            }
            None => clusters.push((key, f.targets.clone(), 1)),
        }
    }
    clusters
        .into_iter()
        .filter(|(_, _, files)| *files > 1)
        .map(|(_, targets, _)| targets)
        .collect()
}

/// The stage names of one file in the new Dockerfile.
struct Naming {
    /// New name of each stage (`None`: an unnamed middle stage stays so).
    names: Vec<Option<String>>,
}

/// A stage name BuildKit accepts, from a target or file name.
fn stage_name_from(raw: &str) -> String {
    let mut name: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "stage-");
    }
    name
}

/// `web` for `web.Dockerfile`, `Dockerfile.web`, or `web/Dockerfile`.
fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem = if let Some(s) = lower.strip_suffix(".dockerfile") {
        s.to_string()
    } else if let Some(s) = lower.strip_prefix("dockerfile.") {
        s.to_string()
    } else if lower == "dockerfile" {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "app".to_string())
    } else {
        lower
    };
    stage_name_from(&stem)
}

/// Picks a free name: `wanted`, else `wanted-stem`, else `wanted-2`, ...
fn claim(used: &mut BTreeSet<String>, wanted: &str, stem: &str) -> String {
    let mut candidates = vec![wanted.to_string(), format!("{wanted}-{stem}")];
    candidates.extend((2..100).map(|i| format!("{wanted}-{i}")));
    let name = candidates
        .into_iter()
        .find(|c| !used.contains(&c.to_ascii_lowercase()))
        .unwrap_or_else(|| format!("{wanted}-{}", used.len()));
    used.insert(name.to_ascii_lowercase());
    name
}

fn naming(f: &FileInfo<'_>, used: &mut BTreeSet<String>) -> Naming {
    let old = crate::rules::stages::stage_names(f.df);
    let stem = file_stem(&f.path);
    let last = old.len().saturating_sub(1);
    let names = old
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let wanted = match name {
                Some(n) => n.clone(),
                None if i == last => f
                    .targets
                    .iter()
                    .find(|t| t.target().is_none())
                    .map_or_else(|| stem.clone(), |t| stage_name_from(&t.name)),
                None if i == 0 => stem.clone(),
                None => return None,
            };
            Some(claim(used, &wanted, &stem))
        })
        .collect();
    Naming { names }
}

/// `text` with its line endings turned into `newline`.
fn with_newline(text: &str, newline: &str) -> String {
    let lf = text.replace("\r\n", "\n");
    if newline == "\n" {
        lf
    } else {
        lf.replace('\n', newline)
    }
}

/// The source of nodes `range` of `df` with `edits` (absolute spans) applied.
fn nodes_text(df: &Dockerfile, range: std::ops::Range<usize>, edits: &[(Span, String)]) -> String {
    let Some(nodes) = df.nodes.get(range) else {
        return String::new();
    };
    let (Some(first), Some(last)) = (nodes.first(), nodes.last()) else {
        return String::new();
    };
    let whole = Span::new(first.span.start, last.span.end);
    let mut inside: Vec<(Span, String)> = edits
        .iter()
        .filter(|(s, _)| s.start >= whole.start && s.end <= whole.end)
        .map(|(s, t)| {
            (
                Span::new(s.start - whole.start, s.end - whole.start),
                t.clone(),
            )
        })
        .collect();
    inside.sort_by_key(|(s, _)| (s.start, s.end));
    crate::fix::apply_edits(whole.slice(&df.source), &inside)
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// Trims blank nodes off both ends of a node range.
fn trim_blank(df: &Dockerfile, mut start: usize, mut end: usize) -> (usize, usize) {
    let blank = |i: usize| matches!(df.nodes.get(i).map(|n| &n.kind), Some(NodeKind::Blank));
    while start < end && blank(start) {
        start += 1;
    }
    while end > start && blank(end - 1) {
        end -= 1;
    }
    (start, end)
}

/// Appends `section` as its own lines.
fn push_lines(out: &mut String, section: &str, newline: &str) {
    if section.is_empty() {
        return;
    }
    out.push_str(&with_newline(section, newline));
    if !out.ends_with('\n') {
        out.push_str(newline);
    }
}

/// The new Dockerfile and each file's stage names.
fn compose(group: &[&FileInfo<'_>], shared: usize) -> Result<(String, Vec<Naming>), String> {
    let first = group.first().ok_or("empty group")?;
    let df0 = first.df;
    let nl = df0.newline();
    let mut out = String::new();
    for node in &df0.nodes {
        if let NodeKind::Directive(_) = node.kind {
            push_lines(&mut out, node.span.slice(&df0.source), nl);
        }
    }
    // Global ARGs: the union, first declaration kept.
    let mut args_seen = BTreeSet::new();
    let mut args = String::new();
    for f in group {
        for (text, node) in &f.global_args {
            if args_seen.insert(text.clone()) {
                if let Some(ins) = f.df.instruction(*node) {
                    push_lines(&mut args, ins.span.slice(&f.df.source), nl);
                }
            }
        }
    }
    if !args.is_empty() {
        out.push_str(&args);
        out.push_str(nl);
    }
    // The base stage: the first file's FROM and shared instructions.
    let stage0 = df0.stages().iter().next().ok_or("no stage")?;
    let from = df0.instruction(stage0.from_node).ok_or("no FROM")?;
    let InstructionKind::From(from_kind) = &from.kind else {
        return Err("no FROM".into());
    };
    let base_from = match &from_kind.stage_name {
        Some(name) => nodes_text(
            df0,
            stage0.from_node..stage0.from_node + 1,
            &[(name.span, BASE.to_string())],
        ),
        None => {
            let as_kw = keyword_case(&df0.source, from.keyword_span, "AS");
            nodes_text(
                df0,
                stage0.from_node..stage0.from_node + 1,
                &[(Span::empty(from.span.end), format!(" {as_kw} {BASE}"))],
            )
        }
    };
    push_lines(&mut out, &base_from, nl);
    let last_shared = first
        .eligible
        .get(shared.checked_sub(1).ok_or("nothing shared")?)
        .map(|(_, n)| *n)
        .ok_or("nothing shared")?;
    push_lines(
        &mut out,
        &nodes_text(df0, stage0.from_node + 1..last_shared + 1, &[]),
        nl,
    );
    let mut used = BTreeSet::from([BASE.to_string()]);
    let namings: Vec<Naming> = group.iter().map(|f| naming(f, &mut used)).collect();
    for (f, naming) in group.iter().zip(&namings) {
        out.push_str(nl);
        out.push_str(&stage_text(f, shared, naming, &used, nl)?);
    }
    Ok((out, namings))
}

/// One file's stages in the new Dockerfile: `FROM base AS <name>` and the
/// rest of its first stage, then its later stages with renamed references.
fn stage_text(
    f: &FileInfo<'_>,
    shared: usize,
    naming: &Naming,
    stage_names: &BTreeSet<String>,
    nl: &str,
) -> Result<String, String> {
    let df = f.df;
    let src = &df.source;
    let stages = df.stages();
    let old = crate::rules::stages::stage_names(df);
    let new_name = |i: usize| naming.names.get(i).cloned().flatten();
    let name0 = new_name(0).ok_or("unnamed first stage")?;
    let from0 = stages
        .first()
        .and_then(|s| df.instruction(s.from_node))
        .ok_or("no FROM")?;
    let from_kw = keyword_case(src, from0.keyword_span, "FROM");
    let as_kw = keyword_case(src, from0.keyword_span, "AS");
    let mut out = format!("{from_kw} {BASE} {as_kw} {name0}{nl}");
    let last_shared = f
        .eligible
        .get(shared.saturating_sub(1))
        .map(|(_, n)| *n)
        .ok_or("nothing shared")?;
    let stage_end = |i: usize| stages.get(i + 1).map_or(df.nodes.len(), |s| s.from_node);
    // Stage references to rewrite: a renamed earlier stage, by its old name.
    let mut edits: Vec<(Span, String)> = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        // A reference to an earlier stage: its new name when renamed. An
        // image named like a stage of the new file would turn into that
        // stage there: no fix.
        let earlier = |reference: &str| -> Result<Option<String>, String> {
            let at = old.get(..i).and_then(|names| {
                names.iter().rposition(|n| {
                    n.as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(reference))
                })
            });
            match at {
                Some(at) => Ok(new_name(at).filter(|r| !r.eq_ignore_ascii_case(reference))),
                None if stage_names.contains(&reference.to_ascii_lowercase()) => Err(format!(
                    "`{}` uses an image named `{reference}`, a stage name in the merged file",
                    f.name()
                )),
                None => Ok(None),
            }
        };
        if i > 0 {
            let ins = df.instruction(stage.from_node).ok_or("no FROM")?;
            let InstructionKind::From(from) = &ins.kind else {
                return Err("no FROM".into());
            };
            if let Some(renamed) = earlier(&from.image.value)? {
                edits.push((from.image.span, renamed));
            }
            match (&from.stage_name, new_name(i)) {
                (Some(name), Some(new)) if name.value != new => edits.push((name.span, new)),
                (None, Some(new)) => {
                    let as_kw = keyword_case(src, ins.keyword_span, "AS");
                    edits.push((Span::empty(ins.span.end), format!(" {as_kw} {new}")));
                }
                _ => {}
            }
        }
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            let mut references: Vec<(String, Span)> = Vec::new();
            if matches!(ins.keyword, Keyword::Copy | Keyword::Add) {
                if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                    references.push((v.value.clone(), v.span));
                }
            }
            if ins.keyword == Keyword::Run {
                for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                    for opt in flag.options() {
                        if opt.key.value.eq_ignore_ascii_case("from") {
                            if let Some(v) = opt.value {
                                references.push((v.value, v.span));
                            }
                        }
                    }
                }
            }
            for (reference, span) in references {
                let reference = reference.trim_matches('"');
                if reference.parse::<usize>().is_ok() {
                    return Err(format!("`{}` refers to a stage by its index", f.name()));
                }
                if let Some(renamed) = earlier(reference)? {
                    edits.push((span, renamed));
                }
            }
        }
    }
    let (start, end) = trim_blank(df, last_shared + 1, stage_end(0));
    push_lines(&mut out, &nodes_text(df, start..end, &edits), nl);
    for i in 1..stages.len() {
        let from_node = stages.get(i).map(|s| s.from_node).unwrap_or_default();
        let (start, end) = trim_blank(df, from_node, stage_end(i));
        out.push_str(nl);
        push_lines(&mut out, &nodes_text(df, start..end, &edits), nl);
    }
    Ok(out)
}

/// A stage's instruction chain, FROM of another stage followed through:
/// `FROM <image>` then every instruction, normalised.
fn flatten(df: &Dockerfile, index: usize, depth: usize) -> Option<Vec<String>> {
    let stages = df.stages();
    let stage = stages.get(index)?;
    let ins = df.instruction(stage.from_node)?;
    let InstructionKind::From(from) = &ins.kind else {
        return None;
    };
    let names = crate::rules::stages::stage_names(df);
    let parent = names.get(..index)?.iter().rposition(|n| {
        n.as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&from.image.value))
    });
    let mut out = match parent {
        Some(p) if depth < 64 => flatten(df, p, depth + 1)?,
        Some(_) => return None,
        None => vec![from_key(df, stage.from_node)?],
    };
    out.extend(
        stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
            .map(|i| i.normalized(&df.source)),
    );
    Some(out)
}

/// Whether the new file rebuilds every file's first stage exactly.
fn verify(text: &str, group: &[&FileInfo<'_>], namings: &[Naming]) -> bool {
    let new = crate::dockerfile::parse(text);
    let stages: usize = group.iter().map(|f| f.df.stages().len()).sum();
    if !new.errors.is_empty() || new.stages().len() != stages + 1 {
        return false;
    }
    group.iter().zip(namings).all(|(f, naming)| {
        let Some(Some(name0)) = naming.names.first() else {
            return false;
        };
        let original = flatten(f.df, 0, 0);
        let rebuilt = find_stage(&new, name0).and_then(|i| flatten(&new, i, 0));
        original.is_some() && original == rebuilt
    })
}

/// `to` relative to the directory `from` (both normalised), `/`-separated.
fn relative(from: &Path, to: &Path) -> Option<String> {
    if from.is_absolute() != to.is_absolute() {
        return None;
    }
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if a.get(common..)?
        .iter()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return None;
    }
    let mut parts: Vec<String> = a.get(common..)?.iter().map(|_| "..".to_string()).collect();
    parts.extend(
        b.get(common..)?
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// The deepest directory holding every path.
fn common_dir(paths: &[&Path]) -> Option<PathBuf> {
    let (first, rest) = paths.split_first()?;
    let mut dir = first.parent()?.to_path_buf();
    while !rest.iter().all(|p| p.starts_with(&dir)) {
        if !dir.pop() {
            return None;
        }
    }
    Some(dir)
}

fn hcl_string(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// The fix: create (or reuse) the new file and repoint every target.
fn fix(
    ctx: &BakeContext<'_>,
    group: &[&FileInfo<'_>],
    shared: usize,
) -> Result<(Fix, PathBuf), String> {
    let (text, namings) = compose(group, shared)?;
    if !verify(&text, group, &namings) {
        return Err("the merged file would not rebuild the same stages".into());
    }
    let paths: Vec<&Path> = group.iter().map(|f| f.path.as_path()).collect();
    let dir = common_dir(&paths).ok_or("the Dockerfiles share no directory")?;
    let preferred = ctx
        .option_str("file")
        .filter(|f| !f.trim().is_empty())
        .unwrap_or(DEFAULT_FILE);
    let mut target_file = None;
    for name in [preferred, FALLBACK_FILE] {
        let path = normalize(&dir.join(name));
        if !ctx.file_exists(&path) {
            target_file = Some((path, true));
            break;
        }
        let existing = ctx
            .dockerfile(&path)
            .map(|d| d.source.clone())
            .or_else(|| crate::fsread::read_text(&path).ok());
        if existing.as_deref() == Some(text.as_str()) {
            target_file = Some((path, false));
            break;
        }
    }
    let (path, create) = target_file.ok_or_else(|| {
        format!("`{preferred}` and `{FALLBACK_FILE}` already exist next to the Dockerfiles")
    })?;
    let context = &group.first().ok_or("empty group")?.context;
    let value = relative(context, &path).ok_or("the new file is outside the build context")?;
    // The path spelled as the workspace will spell it once a target builds
    // it (the context as the first target by name writes it, joined with the
    // value), so the fix loop lints the created file.
    let path = group
        .iter()
        .flat_map(|f| f.targets.iter())
        .min_by(|a, b| a.name.cmp(&b.name))
        .and_then(|t| t.context_path())
        .map_or(path, |c| c.join(&value));
    let mut edits: BTreeMap<(PathBuf, Span), String> = BTreeMap::new();
    let mut add = |file: &Path, span: Span, content: String| -> Result<(), String> {
        match edits.insert((file.to_path_buf(), span), content.clone()) {
            Some(other) if other != content => {
                Err("several targets are defined by one block (matrix)".to_string())
            }
            _ => Ok(()),
        }
    };
    for (f, naming) in group.iter().zip(&namings) {
        for t in &f.targets {
            let stage = match t.target() {
                Some(s) => find_stage(f.df, s),
                None => naming.names.len().checked_sub(1),
            }
            .and_then(|i| naming.names.get(i).cloned().flatten())
            .ok_or_else(|| format!("target `{}` builds a stage `{}` lacks", t.name, f.name()))?;
            let block_prov = t.block.as_ref().ok_or("a target has no block")?;
            let source = ctx
                .project
                .files()
                .iter()
                .find(|s| s.path == block_prov.file)
                .ok_or("a target's bake file is not loaded")?;
            let syntax = syntax_file(source).ok_or("a bake file does not parse")?;
            if syntax.is_json {
                return Err(format!("target `{}` is defined in JSON", t.name));
            }
            let block = syntax
                .blocks
                .iter()
                .rfind(|b| b.kind == "target" && b.label() == Some(t.name.as_str()))
                .ok_or("a target's block is not found")?;
            let mut additions: Vec<(&str, String)> = Vec::new();
            for (key, value) in [
                ("dockerfile", hcl_string(&value)),
                ("target", hcl_string(&stage)),
            ] {
                match t.attr(key) {
                    Some(attr) if attr.origin.inherited_from.is_empty() => {
                        if !in_file(&attr.origin) {
                            return Err(format!(
                                "`{key}` of `{}` is set outside the bake files",
                                t.name
                            ));
                        }
                        add(&attr.origin.file, attr.origin.span, value)?;
                    }
                    _ => additions.push((key, value)),
                }
            }
            if !additions.is_empty() {
                let (at, content) = add_attributes(&source.text, block, &additions)
                    .ok_or_else(|| format!("no place for new attributes in target `{}`", t.name))?;
                add(&source.path, Span::empty(at), content)?;
            }
        }
    }
    // A value replaced in a target's block also reaches the targets that
    // inherit it: each of them must be one the fix repoints.
    let repointed: BTreeSet<&str> = group
        .iter()
        .flat_map(|f| f.targets.iter().map(|t| t.name.as_str()))
        .collect();
    for other in ctx.project.targets().values() {
        if repointed.contains(other.name.as_str()) {
            continue;
        }
        for key in ["dockerfile", "target"] {
            if let Some(attr) = other.attr(key) {
                if edits.contains_key(&(attr.origin.file.clone(), attr.origin.span)) {
                    return Err(format!(
                        "target `{}` inherits the `{key}` the fix would change",
                        other.name
                    ));
                }
            }
        }
    }
    let mut all: Vec<Edit> = Vec::new();
    if create {
        all.push(Edit::Create {
            file: path.clone(),
            content: text,
        });
    }
    all.extend(
        edits
            .into_iter()
            .map(|((file, span), content)| Edit::replace(file, span, content)),
    );
    let message = format!(
        "Create `{}` with a `{BASE}` stage and point the targets at it",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    Ok((Fix::unsafe_(message, all), path))
}

/// New attribute lines before the closing brace of `block` (not for an
/// empty or one-line block).
fn add_attributes(
    text: &str,
    block: &SyntaxBlock,
    attrs: &[(&str, String)],
) -> Option<(usize, String)> {
    let (open, close) = block_braces(text, block)?;
    if text.get(open + 1..close)?.trim().is_empty() {
        return None;
    }
    append_attributes(text, open, close, attrs).map(|(span, content)| (span.start, content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::bake::{lint, Linted};

    type Project = BTreeMap<String, String>;

    fn project(files: &[(&str, &str)]) -> Project {
        files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    fn lint_project(files: &Project) -> Linted {
        let list: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        lint(&RULE, &list)
    }

    /// Lints with a `[rules.multistage-consolidation]` table.
    fn lint_with(options: &str, files: &[(&str, &str)]) -> Linted {
        use crate::config::{CliSelection, Settings};
        use crate::workspace::{self, Plan};
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bake = Vec::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
            if name.ends_with(".hcl") {
                bake.push(p);
            }
        }
        let plan = Plan {
            dockerfiles: Vec::new(),
            bake_sets: vec![bake],
            env: BTreeMap::new(),
            vars: Vec::new(),
            cwd: dir.path().to_path_buf(),
            roots: vec![dir.path().to_path_buf()],
            ..Plan::default()
        };
        let cli = CliSelection {
            select: Some(vec![RULE.code.to_string()]),
            ..CliSelection::default()
        };
        let toml = format!("[rules.multistage-consolidation]\n{options}\n");
        let settings =
            Settings::from_toml(Path::new("bakelint.toml"), &toml, &cli).expect("settings");
        let out = workspace::lint(&plan, &BTreeMap::new(), &settings);
        let diagnostics = out
            .diagnostics
            .into_iter()
            .filter(|d| d.code == RULE.code)
            .collect();
        Linted { dir, diagnostics }
    }

    /// The project after applying every fix (created files included).
    fn fixed_project(linted: &Linted, files: &Project) -> Project {
        let root = linted.dir.path();
        let rel = |p: &Path| {
            let p = normalize(p);
            p.strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned()
        };
        let mut out = files.clone();
        let mut per_file: BTreeMap<String, Vec<(Span, String)>> = BTreeMap::new();
        for edit in linted
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .flat_map(|f| f.edits.iter())
        {
            match edit {
                Edit::Create { file, content } => {
                    assert!(
                        out.insert(rel(file), content.clone()).is_none(),
                        "creates a new file"
                    );
                }
                Edit::Replace {
                    file,
                    span,
                    content,
                } => per_file
                    .entry(rel(file))
                    .or_default()
                    .push((*span, content.clone())),
            }
        }
        for (file, mut edits) in per_file {
            edits.sort_by_key(|(s, _)| (s.start, s.end));
            let text = out.get(&file).cloned().expect("edited file exists");
            out.insert(file, crate::fix::apply_edits(&text, &edits));
        }
        out
    }

    /// Fixes, checks the fixed project no longer fires, returns it.
    fn fix_and_converge(files: &Project) -> Project {
        let linted = lint_project(files);
        assert_eq!(linted.diagnostics.len(), 1, "{:?}", linted.diagnostics);
        assert!(
            linted.diagnostics[0].fix.is_some(),
            "{:?}",
            linted.diagnostics[0].help
        );
        let fixed = fixed_project(&linted, files);
        let again = lint_project(&fixed);
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        fixed
    }

    /// The instruction chain a build of `stage` (last when `None`) runs.
    fn chain(text: &str, stage: Option<&str>) -> Vec<String> {
        let df = crate::dockerfile::parse(text);
        assert!(df.errors.is_empty(), "{text}");
        let index = match stage {
            Some(s) => find_stage(&df, s).expect("stage"),
            None => df.stages().len() - 1,
        };
        flatten(&df, index, 0).expect("chain")
    }

    const API: &str = "FROM python:3.12-slim\nENV A=1 \\\n    B=2\nrun apt-get update &&  apt-get install -y libpq5\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"api.wsgi\"]\n";
    const WORKER: &str = "FROM python:3.12-slim\nENV A=1 B=2\nRUN apt-get update && apt-get install -y libpq5\nWORKDIR /app\n\n# the worker\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"celery\", \"worker\"]\n";
    const BEAT: &str = "FROM python:3.12-slim\nENV A=1 B=2\nRUN apt-get update && apt-get install -y libpq5\nWORKDIR /app\n\n# the worker\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"celery\", \"beat\"]\n";
    const BAKE: &str = "target \"api\" {\n  dockerfile = \"docker/api.Dockerfile\"\n  tags       = [\"api\"]\n}\n\ntarget \"worker\" {\n  dockerfile = \"docker/worker.Dockerfile\"\n}\n\ntarget \"beat\" {\n  dockerfile = \"docker/beat.Dockerfile\"\n}\n";

    fn basic() -> Project {
        project(&[
            ("docker-bake.hcl", BAKE),
            ("docker/api.Dockerfile", API),
            ("docker/worker.Dockerfile", WORKER),
            ("docker/beat.Dockerfile", BEAT),
        ])
    }

    #[test]
    fn one_finding_on_the_first_targets_dockerfile() {
        let linted = lint_project(&basic());
        assert_eq!(linted.slices(), vec!["\"docker/api.Dockerfile\""]);
        let d = &linted.diagnostics[0];
        assert_eq!(
            d.message,
            "targets `api`, `worker` and `beat` build 3 Dockerfiles that start with the same 4 instructions (`FROM python:3.12-slim` and 3 more): the shared layers are built once per file"
        );
        let labels: Vec<&str> = d.labels.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "target `worker` builds `worker.Dockerfile`",
                "target `beat` builds `beat.Dockerfile`"
            ]
        );
        let help = d.help.as_deref().unwrap_or("");
        assert!(
            help.contains(
                "The Dockerfiles of `api`, `worker` and `beat` differ only in CMD/ENTRYPOINT"
            ),
            "{help}"
        );
        assert!(
            help.contains("old Dockerfiles can then be deleted"),
            "{help}"
        );
    }

    #[test]
    fn fix_creates_the_multistage_file_and_repoints_the_targets() {
        let files = basic();
        let fixed = fix_and_converge(&files);
        assert_eq!(
            fixed["docker/Dockerfile"],
            "FROM python:3.12-slim AS base\nENV A=1 \\\n    B=2\nrun apt-get update &&  apt-get install -y libpq5\nWORKDIR /app\n\n\
             FROM base AS api\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"api.wsgi\"]\n\n\
             FROM base AS worker\n# the worker\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"celery\", \"worker\"]\n\n\
             FROM base AS beat\n# the worker\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"celery\", \"beat\"]\n"
        );
        assert_eq!(
            fixed["docker-bake.hcl"],
            "target \"api\" {\n  dockerfile = \"docker/Dockerfile\"\n  tags       = [\"api\"]\n  target     = \"api\"\n}\n\n\
             target \"worker\" {\n  dockerfile = \"docker/Dockerfile\"\n  target     = \"worker\"\n}\n\n\
             target \"beat\" {\n  dockerfile = \"docker/Dockerfile\"\n  target     = \"beat\"\n}\n"
        );
        // The old files stay as they were.
        assert_eq!(fixed["docker/api.Dockerfile"], API);
        for (old, stage) in [(API, "api"), (WORKER, "worker"), (BEAT, "beat")] {
            assert_eq!(
                chain(old, None),
                chain(&fixed["docker/Dockerfile"], Some(stage))
            );
        }
    }

    #[test]
    fn the_bundled_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/ci-pipeline");
        let names = [
            "deployment/docker-bake.hcl",
            "deployment/docker/web.Dockerfile",
            "deployment/docker/celery-worker.Dockerfile",
            "deployment/docker/celery-beat.Dockerfile",
            "deployment/docker/test.Dockerfile",
        ];
        let files: Project = names
            .iter()
            .map(|n| {
                let text = std::fs::read_to_string(root.join(n)).expect("example file");
                (n.to_string(), text)
            })
            .collect();
        let linted = lint_project(&files);
        assert_eq!(
            linted.slices(),
            vec!["\"deployment/docker/web.Dockerfile\""]
        );
        let d = &linted.diagnostics[0];
        assert!(d.message.starts_with("targets `web`, `celery-worker`, `celery-beat` and `test` build 4 Dockerfiles that start with the same 4 instructions (`FROM python:3.12-slim` and 3 more)"), "{}", d.message);
        assert!(d.help.as_deref().is_some_and(|h| h.contains(
            "The Dockerfiles of `celery-worker` and `celery-beat` differ only in CMD/ENTRYPOINT"
        )));
        let fixed = fix_and_converge(&files);
        let new = &fixed["deployment/docker/Dockerfile"];
        assert!(new.starts_with("FROM python:3.12-slim AS base\n"));
        for (target, file) in [
            ("web", "web"),
            ("celery-worker", "celery-worker"),
            ("celery-beat", "celery-beat"),
            ("test", "test"),
        ] {
            let old = &files[&format!("deployment/docker/{file}.Dockerfile")];
            assert_eq!(chain(old, None), chain(new, Some(target)));
            assert!(fixed["deployment/docker-bake.hcl"].contains(&format!(
                "dockerfile = \"deployment/docker/Dockerfile\"\n  tags       = [\"${{REGISTRY}}/shop-{target}:${{TAG}}\"]\n  target     = \"{target}\"\n"
            )));
        }
        // The shared stage ends before `COPY . /app`.
        assert_eq!(chain(new, Some("base")).len(), 4);
    }

    #[test]
    fn global_args_are_united_before_the_first_from() {
        let a = "ARG PY=3.12\nFROM python:${PY}-slim\nRUN a\nRUN b\nCOPY . .\nCMD a\n";
        let b = "ARG PY=3.12\nARG EXTRA=x\nFROM python:${PY}-slim\nRUN a\nRUN b\nRUN c\n";
        let files = project(&[
            ("docker-bake.hcl", "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n"),
            ("a.Dockerfile", a),
            ("b.Dockerfile", b),
        ]);
        let fixed = fix_and_converge(&files);
        assert_eq!(
            fixed["Dockerfile"],
            "ARG PY=3.12\nARG EXTRA=x\n\nFROM python:${PY}-slim AS base\nRUN a\nRUN b\n\nFROM base AS a\nCOPY . .\nCMD a\n\nFROM base AS b\nRUN c\n"
        );
        assert_eq!(chain(a, None), chain(&fixed["Dockerfile"], Some("a")));
        assert_eq!(chain(b, None), chain(&fixed["Dockerfile"], Some("b")));
        // A global ARG declared differently: the files cannot share a scope.
        let conflicting = project(&[
            ("docker-bake.hcl", &files["docker-bake.hcl"]),
            ("a.Dockerfile", a),
            ("b.Dockerfile", &b.replace("PY=3.12", "PY=3.11")),
        ]);
        assert!(lint_project(&conflicting).diagnostics.is_empty());
    }

    #[test]
    fn multistage_files_join_through_their_first_stage_with_renamed_stages() {
        // `base` is taken by the shared stage, `runtime` by the first file.
        let web = "FROM node:20 AS base\nRUN a\nRUN b\nCOPY . .\nRUN build\n\nFROM base AS runtime\nCOPY --from=base /app/dist /srv\nCMD web\n";
        let worker = "FROM node:20\nRUN a\nRUN b\nCMD worker\n";
        let bake = "target \"web\" {\n  dockerfile = \"web.Dockerfile\"\n}\n\ntarget \"web-builder\" {\n  dockerfile = \"web.Dockerfile\"\n  target = \"base\"\n}\n\ntarget \"runtime\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n";
        let files = project(&[
            ("docker-bake.hcl", bake),
            ("web.Dockerfile", web),
            ("worker.Dockerfile", worker),
        ]);
        let fixed = fix_and_converge(&files);
        let new = &fixed["Dockerfile"];
        assert_eq!(
            new,
            "FROM node:20 AS base\nRUN a\nRUN b\n\n\
             FROM base AS base-web\nCOPY . .\nRUN build\n\n\
             FROM base-web AS runtime\nCOPY --from=base-web /app/dist /srv\nCMD web\n\n\
             FROM base AS runtime-worker\nCMD worker\n"
        );
        assert_eq!(
            fixed["docker-bake.hcl"],
            "target \"web\" {\n  dockerfile = \"Dockerfile\"\n  target     = \"runtime\"\n}\n\n\
             target \"web-builder\" {\n  dockerfile = \"Dockerfile\"\n  target = \"base-web\"\n}\n\n\
             target \"runtime\" {\n  dockerfile = \"Dockerfile\"\n  target     = \"runtime-worker\"\n}\n"
        );
        assert_eq!(chain(web, Some("base")), chain(new, Some("base-web")));
        assert_eq!(chain(worker, None), chain(new, Some("runtime-worker")));
        // The later stage differs only by the renamed reference.
        assert_eq!(
            chain(&web.replace("--from=base", "--from=base-web"), None),
            chain(new, Some("runtime"))
        );
    }

    #[test]
    fn stage_references_by_index_get_help_only() {
        let web = "FROM node:20\nRUN a\nRUN b\n\nFROM nginx\nCOPY --from=0 /app /srv\n";
        let worker = "FROM node:20\nRUN a\nRUN b\nCMD worker\n";
        let files = project(&[
            ("docker-bake.hcl", "target \"web\" {\n  dockerfile = \"web.Dockerfile\"\n}\n\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n"),
            ("web.Dockerfile", web),
            ("worker.Dockerfile", worker),
        ]);
        let linted = lint_project(&files);
        assert_eq!(linted.diagnostics.len(), 1);
        assert!(linted.diagnostics[0].fix.is_none());
        assert!(linted.diagnostics[0].help.as_deref().is_some_and(
            |h| h.contains("no automatic fix: `web.Dockerfile` refers to a stage by its index")
        ));
    }

    #[test]
    fn images_named_like_new_stages_get_help_only() {
        // `FROM base` is the image `base` here; in the merged file it would
        // be the shared stage.
        let web = "FROM node:20\nRUN a\nRUN b\n\nFROM base\nCMD web\n";
        let worker = "FROM node:20\nRUN a\nRUN b\nCMD worker\n";
        let files = project(&[
            ("docker-bake.hcl", "target \"web\" {\n  dockerfile = \"web.Dockerfile\"\n}\n\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n"),
            ("web.Dockerfile", web),
            ("worker.Dockerfile", worker),
        ]);
        let linted = lint_project(&files);
        assert!(linted.diagnostics[0].fix.is_none());
        assert!(linted.diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains(
                "`web.Dockerfile` uses an image named `base`, a stage name in the merged file"
            )));
    }

    #[test]
    fn directives_heredocs_and_comments_are_kept() {
        let a = "# syntax=docker/dockerfile:1\n# the api\nFROM alpine\nRUN <<EOF\nset -e\napk add curl\nEOF\n# env\nENV X=1\nCOPY ./ /app\nCMD a\n";
        let b = "# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<EOF\nset -e\napk add curl\nEOF\nENV X=1\nCOPY ./ /app\nCMD b\n";
        let files = project(&[
            ("docker-bake.hcl", "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n"),
            ("a.Dockerfile", a),
            ("b.Dockerfile", b),
        ]);
        let fixed = fix_and_converge(&files);
        assert_eq!(
            fixed["Dockerfile"],
            "# syntax=docker/dockerfile:1\nFROM alpine AS base\nRUN <<EOF\nset -e\napk add curl\nEOF\n# env\nENV X=1\n\nFROM base AS a\nCOPY ./ /app\nCMD a\n\nFROM base AS b\nCOPY ./ /app\nCMD b\n"
        );
        // Different directives: not grouped.
        let files = project(&[
            ("docker-bake.hcl", &files["docker-bake.hcl"]),
            ("a.Dockerfile", a),
            (
                "b.Dockerfile",
                &b.replace("# syntax=docker/dockerfile:1\n", ""),
            ),
        ]);
        assert!(lint_project(&files).diagnostics.is_empty());
    }

    #[test]
    fn inherited_dockerfile_is_overridden_in_the_child() {
        let bake = "target \"_app\" {\n  dockerfile = \"app.Dockerfile\"\n}\n\ntarget \"app\" {\n  inherits = [\"_app\"]\n}\n\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n";
        let app = "FROM alpine\nRUN a\nRUN b\nCMD app\n";
        let worker = "FROM alpine\nRUN a\nRUN b\nCMD worker\n";
        let files = project(&[
            ("docker-bake.hcl", bake),
            ("app.Dockerfile", app),
            ("worker.Dockerfile", worker),
        ]);
        let linted = lint_project(&files);
        assert_eq!(linted.slices(), vec!["\"app.Dockerfile\""]);
        let labels: Vec<&str> = linted.diagnostics[0]
            .labels
            .iter()
            .map(|l| l.message.as_str())
            .collect();
        assert_eq!(
            labels,
            vec![
                "target `app` inherits this from `_app`",
                "target `worker` builds `worker.Dockerfile`"
            ]
        );
        let fixed = fix_and_converge(&files);
        assert_eq!(
            fixed["docker-bake.hcl"],
            "target \"_app\" {\n  dockerfile = \"app.Dockerfile\"\n}\n\n\
             target \"app\" {\n  inherits = [\"_app\"]\n  dockerfile = \"Dockerfile\"\n  target     = \"app\"\n}\n\n\
             target \"worker\" {\n  dockerfile = \"Dockerfile\"\n  target     = \"worker\"\n}\n"
        );
    }

    #[test]
    fn values_inherited_by_other_targets_are_not_changed() {
        // `app-alt` inherits `app`'s dockerfile with another context: it is
        // not in the group, and repointing `app` would change its build.
        let bake = "target \"app\" {\n  dockerfile = \"app.Dockerfile\"\n}\n\ntarget \"app-alt\" {\n  inherits = [\"app\"]\n  context  = \"other\"\n}\n\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n\ngroup \"default\" {\n  targets = [\"app\", \"app-alt\", \"worker\"]\n}\n";
        let files = [
            ("docker-bake.hcl", bake),
            ("app.Dockerfile", "FROM alpine\nRUN a\nRUN b\nCMD app\n"),
            (
                "worker.Dockerfile",
                "FROM alpine\nRUN a\nRUN b\nCMD worker\n",
            ),
            ("other/x", ""),
        ];
        let linted = lint(&RULE, &files);
        assert_eq!(linted.diagnostics.len(), 1);
        assert!(linted.diagnostics[0].fix.is_none());
        assert!(linted.diagnostics[0].help.as_deref().is_some_and(
            |h| h.contains("target `app-alt` inherits the `dockerfile` the fix would change")
        ));
    }

    #[test]
    fn one_file_built_by_two_targets_counts_once() {
        let app = "FROM alpine AS build\nRUN a\nRUN b\nRUN make\n\nFROM alpine AS run\nCOPY --from=build /out /\n";
        let worker = "FROM alpine\nRUN a\nRUN b\nCMD worker\n";
        let bake = "target \"app\" {\n  dockerfile = \"app.Dockerfile\"\n}\n\ntarget \"app-build\" {\n  dockerfile = \"app.Dockerfile\"\n  target     = \"build\"\n}\n\ntarget \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n}\n";
        let files = project(&[
            ("docker-bake.hcl", bake),
            ("app.Dockerfile", app),
            ("worker.Dockerfile", worker),
        ]);
        let linted = lint_project(&files);
        assert!(linted.diagnostics[0]
            .message
            .contains("targets `app`, `app-build` and `worker` build 2 Dockerfiles"));
        let fixed = fix_and_converge(&files);
        let new = &fixed["Dockerfile"];
        assert_eq!(chain(app, Some("build")), chain(new, Some("build")));
        assert_eq!(chain(app, None), chain(new, Some("run")));
        assert_eq!(chain(worker, None), chain(new, Some("worker")));
        assert!(fixed["docker-bake.hcl"].contains(
            "target \"app-build\" {\n  dockerfile = \"Dockerfile\"\n  target     = \"build\"\n}"
        ));
        assert!(fixed["docker-bake.hcl"].contains(
            "target \"app\" {\n  dockerfile = \"Dockerfile\"\n  target     = \"run\"\n}"
        ));
    }

    #[test]
    fn contexts_and_directories() {
        let a = "FROM alpine\nRUN a\nRUN b\nCMD a\n";
        let b = "FROM alpine\nRUN a\nRUN b\nCMD b\n";
        // Different contexts: COPY sources would differ, no grouping.
        let separate = project(&[
            ("docker-bake.hcl", "target \"a\" {\n  context = \"svc-a\"\n}\n\ntarget \"b\" {\n  context = \"svc-b\"\n}\n"),
            ("svc-a/Dockerfile", a),
            ("svc-b/Dockerfile", b),
        ]);
        assert!(lint_project(&separate).diagnostics.is_empty());
        // One context, Dockerfiles outside it: the new file goes to their
        // common directory, the path is relative to the context.
        let files = project(&[
            ("docker-bake.hcl", "target \"a\" {\n  context    = \"app\"\n  dockerfile = \"../docker/a/Dockerfile\"\n}\n\ntarget \"b\" {\n  context    = \"app\"\n  dockerfile = \"../docker/b/Dockerfile\"\n}\n"),
            ("app/main.py", "print()\n"),
            ("docker/a/Dockerfile", a),
            ("docker/b/Dockerfile", b),
        ]);
        let fixed = fix_and_converge(&files);
        assert!(fixed.contains_key("docker/Dockerfile"));
        assert!(fixed["docker-bake.hcl"]
            .contains("dockerfile = \"../docker/Dockerfile\"\n  target     = \"a\""));
        assert_eq!(
            relative(Path::new("/p/app"), Path::new("/p/docker/Dockerfile")).as_deref(),
            Some("../docker/Dockerfile")
        );
        assert_eq!(relative(Path::new("p"), Path::new("/p/Dockerfile")), None);
        assert_eq!(relative(Path::new("../x"), Path::new("y")), None);
    }

    #[test]
    fn too_little_shared_is_not_reported() {
        // The prefix stops before the copy of the whole context.
        let a = "FROM alpine\nRUN a\nCOPY . .\nRUN b\nRUN c\n";
        let b = "FROM alpine\nRUN a\nCOPY . .\nRUN b\nRUN c\nCMD x\n";
        let bake = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n";
        let files = [
            ("docker-bake.hcl", bake),
            ("a.Dockerfile", a),
            ("b.Dockerfile", b),
        ];
        assert!(lint(&RULE, &files).diagnostics.is_empty());
        assert_eq!(lint_with("min-shared = 1", &files).diagnostics.len(), 1);
        // Different base images.
        let c = "FROM debian\nRUN a\nRUN b\n";
        let d = "FROM alpine\nRUN a\nRUN b\n";
        let files = [
            ("docker-bake.hcl", bake),
            ("a.Dockerfile", c),
            ("b.Dockerfile", d),
        ];
        assert!(lint(&RULE, &files).diagnostics.is_empty());
    }

    #[test]
    fn min_shared_option_raises_the_bar() {
        let a = "FROM alpine\nRUN a\nRUN b\nCMD a\n";
        let b = "FROM alpine\nRUN a\nRUN b\nCMD b\n";
        let bake = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n";
        let files = [
            ("docker-bake.hcl", bake),
            ("a.Dockerfile", a),
            ("b.Dockerfile", b),
        ];
        assert_eq!(lint_with("min-shared = 2", &files).diagnostics.len(), 1);
        assert!(lint_with("min-shared = 3", &files).diagnostics.is_empty());
        // `file` names the new Dockerfile.
        let linted = lint_with("file = \"Dockerfile.all\"", &files);
        let created: Vec<String> = linted.diagnostics[0]
            .fix
            .iter()
            .flat_map(|f| f.edits.iter())
            .filter_map(|e| match e {
                Edit::Create { file, .. } => Some(file.to_string_lossy().into_owned()),
                Edit::Replace { .. } => None,
            })
            .collect();
        assert_eq!(created.len(), 1);
        assert!(created[0].ends_with("/Dockerfile.all"), "{created:?}");
    }

    #[test]
    fn existing_files_are_not_overwritten() {
        let mut files = basic();
        files.insert("docker/Dockerfile".into(), "FROM scratch\n".into());
        let fixed = fix_and_converge(&files);
        assert_eq!(fixed["docker/Dockerfile"], "FROM scratch\n");
        assert!(fixed["docker-bake.hcl"].contains("dockerfile = \"docker/Dockerfile.multistage\""));
        files.insert(
            "docker/Dockerfile.multistage".into(),
            "FROM scratch\n".into(),
        );
        let linted = lint_project(&files);
        assert!(linted.diagnostics[0].fix.is_none());
        // A file with exactly the content the fix writes is reused.
        let mut done = basic();
        let created = fix_and_converge(&done)["docker/Dockerfile"].clone();
        done.insert("docker/Dockerfile".into(), created);
        let linted = lint_project(&done);
        let fix = linted.diagnostics[0].fix.as_ref().expect("fix");
        assert!(fix.edits.iter().all(|e| matches!(e, Edit::Replace { .. })));
        let fixed = fixed_project(&linted, &done);
        assert!(lint_project(&fixed).diagnostics.is_empty());
    }

    #[test]
    fn json_bake_files_get_help_only() {
        let json = "{\"target\": {\"a\": {\"dockerfile\": \"a.Dockerfile\"}, \"b\": {\"dockerfile\": \"b.Dockerfile\"}}}";
        let files = [
            ("docker-bake.json", json),
            ("a.Dockerfile", "FROM alpine\nRUN a\nRUN b\nCMD a\n"),
            ("b.Dockerfile", "FROM alpine\nRUN a\nRUN b\nCMD b\n"),
        ];
        let linted = lint(&RULE, &files);
        assert_eq!(linted.slices(), vec!["\"a.Dockerfile\""]);
        assert!(linted.diagnostics[0].fix.is_none());
    }

    #[test]
    fn odd_dockerfiles_never_panic() {
        let samples = [
            "",
            "FROM",
            "ARG X\n",
            "FROM alpine\n",
            "FROM alpine\nRUN a\nRUN b \\\n",
            "FROM alpine\nRUN <<EOF\nx\n",
            "\u{feff}FROM alpine\nRUN a\nRUN b\nCMD x\n",
            "ARG A=1\n\u{feff}FROM alpine\nRUN a\nRUN b\n",
            "FROM alpine AS x\nRUN a\nRUN b\nFROM x AS x\nFROM x\nCOPY --from=x / /\n",
            "FROM alpine\nRUN a\nRUN b\nFROM alpine\nRUN --mount=from=\"0\" true\n",
        ];
        let bake = "target \"a\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n";
        let reference = "FROM alpine\nRUN a\nRUN b\nCMD y\n";
        for sample in samples {
            let files = project(&[
                ("docker-bake.hcl", bake),
                ("a.Dockerfile", sample),
                ("b.Dockerfile", reference),
            ]);
            let linted = lint_project(&files);
            if linted.diagnostics.iter().any(|d| d.fix.is_some()) {
                let fixed = fixed_project(&linted, &files);
                let new = crate::dockerfile::parse(&fixed["Dockerfile"]);
                assert!(new.errors.is_empty(), "{sample:?}: {}", fixed["Dockerfile"]);
                assert!(!fixed["Dockerfile"].contains('\u{feff}'));
                assert!(lint_project(&fixed).diagnostics.is_empty(), "{sample:?}");
            }
        }
    }

    #[test]
    fn crlf_files_and_names() {
        let a = "FROM alpine\r\nRUN a\r\nRUN b\r\nCMD a\r\n";
        let b = "FROM alpine\nRUN a\nRUN b\nCMD b";
        let files = project(&[
            ("docker-bake.hcl", "target \"A_1\" {\n  dockerfile = \"a.Dockerfile\"\n}\n\ntarget \"2b\" {\n  dockerfile = \"b.Dockerfile\"\n}\n"),
            ("a.Dockerfile", a),
            ("b.Dockerfile", b),
        ]);
        let fixed = fix_and_converge(&files);
        assert_eq!(
            fixed["Dockerfile"],
            "FROM alpine AS base\r\nRUN a\r\nRUN b\r\n\r\nFROM base AS a_1\r\nCMD a\r\n\r\nFROM base AS stage-2b\r\nCMD b\r\n"
        );
        assert_eq!(file_stem(Path::new("x/Dockerfile.web")), "web");
        assert_eq!(file_stem(Path::new("x/api/Dockerfile")), "api");
    }
}
