//! docker-bake.hcl / .json loading and evaluation, as `docker buildx bake` does it.
//!
//! [`load()`] reads the file set, parses HCL (with `hcl-edit`, keeping spans)
//! and HCL-JSON into one expression form, evaluates variables, functions,
//! targets (matrix, inheritance, merge rules, overrides) and returns a
//! [`BakeProject`] whose every resolved value remembers where it came from
//! ([`Provenance`]). [`BakeProject::print_json`] renders exactly what
//! `docker buildx bake --print` prints.
//!
//! Layout: `load.rs` (file set, HCL/JSON → [`load::Document`] of
//! [`expr::Expr`]), `eval.rs` (lazy globals with cycle detection, templates,
//! for/splat/conditionals, user functions, typed env overrides), `stdlib`
//! (name → function table), `target` (matrix, merge rules, inheritance,
//! `--set`, typed cache/output/secret/ssh/attest [`Entry`]s), `print`,
//! `limits` (the bounds that keep hostile files from asking for unbounded
//! work: each hit is a BK000 error at the culprit).
//!
//! Spans are byte ranges into [`SourceFile::text`]; for JSON files they
//! point into the JSON text (inner template spans are exact when the JSON
//! string has no escapes, else the whole string). `context` and
//! `dockerfile` defaults are not stored in [`Target::attrs`]: use
//! [`Target::context`], [`Target::dockerfile_name`] and
//! [`Target::dockerfile`].

pub mod compose;
pub mod eval;
pub mod expr;
pub mod json;
pub mod limits;
pub mod load;
pub mod print;
pub mod stdlib;
pub mod target;
pub mod value;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::span::Span;

pub use target::{Entry, EntryKind, Group, Provenance, Resolved, Target};
pub use value::{Ty, Value};

use eval::{EvalErr, Evaluator, Lookup};
use load::Document;

/// What to load, and the environment to evaluate it in.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-f/--file` values; empty = the buildx default set in `cwd`.
    pub files: Vec<PathBuf>,
    pub cwd: PathBuf,
    /// The environment variables to read overrides from.
    pub env: BTreeMap<String, String>,
    /// `--var NAME=VALUE` (wins over the environment).
    pub vars: Vec<(String, String)>,
    /// `--set target.key=value`.
    pub overrides: Vec<String>,
    /// In-memory contents that win over the files on disk (the fix loop's
    /// edited files), by path as given in `files`.
    pub overlay: BTreeMap<PathBuf, String>,
}

/// An error with the file and byte span of the culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BakeError {
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl BakeError {
    pub fn file(path: &Path, message: impl Into<String>) -> BakeError {
        BakeError {
            file: path.to_path_buf(),
            span: Span::default(),
            message: message.into(),
            help: None,
        }
    }

    fn plain(message: impl Into<String>) -> BakeError {
        BakeError {
            file: PathBuf::new(),
            span: Span::default(),
            message: message.into(),
            help: None,
        }
    }
}

impl std::fmt::Display for BakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.file.as_os_str().is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        }
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for BakeError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Hcl,
    Json,
    /// A compose file: its services with a `build` section are targets.
    Compose,
}

/// One loaded file: path (as given / relative to cwd), text, and for HCL
/// files the parsed `hcl_edit` body (for format-preserving edits).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub body: Option<hcl_edit::structure::Body>,
    pub kind: FileKind,
}

/// A declared variable or top-level attribute, with its resolved value.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub value: Value,
    /// The `variable` block label (or the top-level attribute name).
    pub decl: Provenance,
    /// The `default` expression (or the attribute's value).
    pub default: Option<Provenance>,
    pub description: Option<String>,
    pub type_name: Option<String>,
    /// A top-level attribute rather than a `variable` block.
    pub is_attribute: bool,
    /// Whether the value came from the environment or `--var`.
    pub overridden: bool,
}

/// A user function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub params: Vec<String>,
    pub variadic: Option<String>,
    pub decl: Provenance,
}

/// Names referenced anywhere in the files (for "unused" checks).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct References {
    pub variables: BTreeSet<String>,
    pub functions: BTreeSet<String>,
}

/// The evaluated bake definition.
#[derive(Debug, Clone)]
pub struct BakeProject {
    files: Vec<SourceFile>,
    targets: BTreeMap<String, Target>,
    groups: BTreeMap<String, Group>,
    target_order: Vec<String>,
    group_order: Vec<String>,
    resolve_errors: BTreeMap<String, BakeError>,
    variables: BTreeMap<String, Variable>,
    functions: BTreeMap<String, Function>,
    references: References,
    compose_files: Vec<PathBuf>,
    source_date_epoch: Option<String>,
    raw_names: Vec<String>,
}

fn builtins() -> BTreeMap<String, String> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    BTreeMap::from([
        ("BAKE_CMD_CONTEXT".to_string(), "cwd://".to_string()),
        (
            "BAKE_LOCAL_PLATFORM".to_string(),
            format!("{}/{arch}", std::env::consts::OS),
        ),
    ])
}

/// Loads and evaluates the bake files.
pub fn load(opts: &LoadOptions) -> Result<BakeProject, Vec<BakeError>> {
    load_with_origins(opts, &[])
}

/// [`load`], with where each `--set` override was written: `origins[i]` is
/// the provenance of `opts.overrides[i]`'s value (a CI workflow's `set:`
/// line), so the values it sets point there instead of at `<--set>`.
pub fn load_with_origins(
    opts: &LoadOptions,
    origins: &[Provenance],
) -> Result<BakeProject, Vec<BakeError>> {
    let set = load::file_set(&opts.files, &opts.cwd, &opts.overlay).map_err(|e| vec![e])?;
    let mut files = Vec::new();
    let mut doc = Document::default();
    let mut errors = Vec::new();
    let mut compose_files = Vec::new();
    for (path, _default) in &set {
        match load::read_file_or_overlay(path, &opts.cwd, &opts.overlay) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (i, f) in files.iter_mut().enumerate() {
        if f.kind == FileKind::Compose {
            compose_files.push(f.path.clone());
            continue;
        }
        if let Err(e) = load::parse_into(f, i, &mut doc) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let env_allowed = !opts
        .env
        .get("BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP")
        .and_then(|v| eval::parse_go_bool(v))
        .unwrap_or(false);
    let file_relative = opts
        .env
        .get("BUILDX_BAKE_FILE_RELATIVE_PATHS")
        .and_then(|v| eval::parse_go_bool(v))
        .unwrap_or(false);
    if !compose_files.is_empty() {
        // Compose interpolation: the environment (unless lookups are off),
        // the working directory's .env for what it does not set, `--var`
        // over both.
        let mut cenv = if env_allowed {
            opts.env.clone()
        } else {
            BTreeMap::new()
        };
        for (k, v) in compose::dotenv(&opts.cwd) {
            cenv.entry(k).or_insert(v);
        }
        for (k, v) in &opts.vars {
            cenv.insert(k.clone(), v.clone());
        }
        let inputs: Vec<compose::ComposeFile<'_>> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == FileKind::Compose)
            .map(|(index, f)| compose::ComposeFile {
                index,
                path: &f.path,
                text: &f.text,
            })
            .collect();
        let blocks = compose::blocks(&inputs, &cenv).map_err(|e| vec![e])?;
        doc.blocks.splice(0..0, blocks);
    }
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let to_err = |e: EvalErr| BakeError {
        file: paths.get(e.file).cloned().unwrap_or_default(),
        span: e.span,
        message: e.message,
        help: e.help,
    };

    let lookup = Lookup {
        vars: opts.vars.iter().cloned().collect(),
        env: opts.env.clone(),
        env_allowed,
    };
    let mut ev = Evaluator::new(&doc, builtins(), lookup);
    if file_relative {
        ev.file_dirs = Some(
            paths
                .iter()
                .map(|p| {
                    p.parent()
                        .map(|d| d.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default()
                })
                .collect(),
        );
    }
    if let Some(e) = ev.variable_chain_error() {
        return Err(vec![to_err(e)]);
    }

    // Resolve every global and check every function, as buildx does.
    let mut seen = BTreeSet::new();
    let mut push_err = |errors: &mut Vec<BakeError>, e: EvalErr| {
        if seen.insert((e.file, e.span, e.message.clone())) {
            errors.push(to_err(e));
        }
    };
    let mut names: Vec<&String> = ev.attrs.keys().chain(ev.vars.keys()).collect();
    names.sort();
    names.dedup();
    for n in &names {
        let (file, span) = match (ev.attrs.get(*n), ev.vars.get(*n)) {
            (Some(a), _) => (a.file, a.name_span),
            (None, Some(v)) => (v.block.file, v.block.label().1),
            _ => (0, Span::default()),
        };
        if let Err(e) = ev.global(n, file, span) {
            push_err(&mut errors, e);
        }
        if let Some(e) = ev.limit_error() {
            return Err(vec![to_err(e)]);
        }
    }
    for b in doc.blocks.iter().filter(|b| b.kind == "function") {
        for e in eval::check_function_block(b) {
            push_err(&mut errors, e);
        }
    }
    let mut fnames: Vec<&String> = ev.funcs.keys().collect();
    fnames.sort();
    for n in fnames {
        let f = &ev.funcs[n];
        let mut fv = Vec::new();
        f.result.free_vars(&mut fv);
        for (v, span) in fv {
            if f.params.contains(&v) || f.variadic.as_ref() == Some(&v) || ev.is_global(&v) {
                continue;
            }
            push_err(
                &mut errors,
                EvalErr::new(f.file, span, format!("undefined variable {v:?}")).help(
                    eval::did_you_mean(
                        &v,
                        f.params.iter().map(String::as_str).chain(
                            ev.global_names()
                                .iter()
                                .map(String::as_str)
                                .collect::<Vec<_>>(),
                        ),
                    ),
                ),
            );
        }
        let mut calls = Vec::new();
        f.result.func_calls(&mut calls);
        for (c, span) in calls {
            if ev.funcs.contains_key(&c) || stdlib::names().any(|n| n == c) {
                continue;
            }
            let mut cands: Vec<&str> = stdlib::names().collect();
            cands.extend(ev.funcs.keys().map(String::as_str));
            push_err(
                &mut errors,
                EvalErr::new(f.file, span, format!("undefined function {c}"))
                    .help(eval::did_you_mean(&c, cands.into_iter())),
            );
        }
    }
    // Like buildx's loadDeps: every function called anywhere must exist,
    // even in a branch that is never evaluated.
    {
        let mut cands: Vec<&str> = stdlib::names().collect();
        cands.extend(ev.funcs.keys().map(String::as_str));
        let mut check = |e: &expr::Expr, file: usize, errors: &mut Vec<BakeError>| {
            let mut calls = Vec::new();
            e.func_calls(&mut calls);
            for (c, span) in calls {
                if ev.funcs.contains_key(&c) || cands.contains(&c.as_str()) {
                    continue;
                }
                push_err(
                    errors,
                    EvalErr::new(file, span, format!("undefined function {c}"))
                        .help(eval::did_you_mean(&c, cands.iter().copied())),
                );
            }
        };
        for a in &doc.attrs {
            check(&a.expr, a.file, &mut errors);
        }
        fn walk(
            b: &load::BlockDef,
            check: &mut dyn FnMut(&expr::Expr, usize, &mut Vec<BakeError>),
            errors: &mut Vec<BakeError>,
        ) {
            if b.kind == "function" {
                return; // checked above, with its parameters
            }
            for a in &b.attrs {
                if b.kind == "variable" && a.name == "type" {
                    continue;
                }
                check(&a.expr, a.file, errors);
            }
            for c in &b.blocks {
                walk(c, check, errors);
            }
        }
        for b in &doc.blocks {
            walk(b, &mut check, &mut errors);
        }
    }
    // Blocks with a type buildx doesn't know are ignored; labels checked.
    let decoder = target::Decoder {
        ev: &ev,
        paths: &paths,
        matrix_targets: Default::default(),
    };
    let decoded = decoder.decode(&doc);
    if let Some(e) = ev.limit_error() {
        return Err(vec![to_err(e)]);
    }
    for e in decoded.errors {
        push_err(&mut errors, e);
    }
    let target_names: HashSet<&str> = decoded.targets.iter().map(|t| t.name.as_str()).collect();
    errors.extend(group_cycles(&decoded.groups, &target_names));
    if let Some(e) = group_depth_error(&decoded.groups) {
        return Err(vec![e]);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Variables and functions, for rules.
    let mut variables = BTreeMap::new();
    for n in names {
        let value = ev.global(n, 0, Span::default()).unwrap_or_default();
        let attr = ev.attrs.get(n);
        let var = ev.vars.get(n);
        let prov = |file: usize, span: Span| Provenance {
            file: paths.get(file).cloned().unwrap_or_default(),
            span,
            inherited_from: vec![],
            variables: BTreeSet::new(),
        };
        let decl = match (var, attr) {
            (Some(v), _) => prov(v.block.file, v.block.label().1),
            (None, Some(a)) => prov(a.file, a.name_span),
            _ => Provenance::default(),
        };
        let default = attr.map(|a| prov(a.file, a.expr.span)).or_else(|| {
            var.and_then(|v| v.block.attr("default"))
                .map(|d| prov(d.file, d.expr.span))
        });
        let mut cx = eval::Ctx::new(0);
        let description = var
            .and_then(|v| v.block.attr("description"))
            .and_then(|d| ev.eval(&d.expr, &mut cx).ok())
            .and_then(|v| v.to_string_conv().ok());
        let type_name = ev.var_type(n).ok().flatten().map(|t| t.name());
        let overridden = var.is_some()
            && (ev.lookup.get(n).is_some() || ev.lookup.get(&format!("{n}_JSON")).is_some());
        variables.insert(
            n.clone(),
            Variable {
                name: n.clone(),
                value,
                decl,
                default,
                description,
                type_name,
                is_attribute: attr.is_some() && var.is_none(),
                overridden,
            },
        );
    }
    let functions = ev
        .funcs
        .iter()
        .map(|(n, f)| {
            (
                n.clone(),
                Function {
                    name: n.clone(),
                    params: f.params.clone(),
                    variadic: f.variadic.clone(),
                    decl: Provenance {
                        file: paths.get(f.file).cloned().unwrap_or_default(),
                        span: f.span,
                        inherited_from: vec![],
                        variables: BTreeSet::new(),
                    },
                },
            )
        })
        .collect();
    let references = collect_references(&doc, &ev);

    // Inheritance, overrides, normalisation.
    let raw_names: Vec<String> = decoded.targets.iter().map(|t| t.name.clone()).collect();
    let overrides = target::parse_overrides_from(&opts.overrides, origins, &raw_names, &opts.env)
        .map_err(|m| vec![BakeError::plain(m)])?;
    let raws: HashMap<&str, &target::RawTarget> = decoded
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    let mut targets = BTreeMap::new();
    let mut resolve_errors = BTreeMap::new();
    // Without inheritance cycles a target resolves the same whoever asks:
    // share one memo. With cycles, resolve each target on its own, as
    // buildx does (the result then depends on the entry point).
    let cyclic = has_inherit_cycle(&raws);
    let mut resolver = Resolver {
        raws: &raws,
        overrides: &overrides,
        memo: HashMap::new(),
        items: 0,
    };
    let mut results: Vec<(usize, Resolution)> = Vec::new();
    for (i, t) in decoded.targets.iter().enumerate() {
        if cyclic {
            resolver.memo.clear();
        }
        let res = resolver.resolve(&t.name, 0);
        if let Err(Unresolved::Limit(e)) = res {
            return Err(vec![e]);
        }
        results.push((i, res));
    }
    drop(resolver);
    let mut chains = ChainMemo::default();
    for (i, res) in results {
        let t = &decoded.targets[i];
        match res.map_err(Unresolved::into_error) {
            Ok(Some(attrs)) => {
                let mut attrs = Rc::try_unwrap(attrs).unwrap_or_else(|rc| (*rc).clone());
                if let Some(dirs) = &ev.file_dirs {
                    // File-relative paths: the default context is the
                    // directory of the file defining the target.
                    let dir = dirs.get(t.file).cloned().unwrap_or_default();
                    if !attrs.contains_key("context") && !dir.is_empty() {
                        attrs.insert(
                            "context".into(),
                            Resolved {
                                value: Value::String(dir),
                                origin: t.block.clone(),
                                elements: vec![],
                                key: None,
                            },
                        );
                    }
                }
                let file_dir = paths
                    .get(t.file)
                    .and_then(|p| p.parent())
                    .map(|p| opts.cwd.join(p))
                    .unwrap_or_else(|| opts.cwd.clone());
                let chain = chains.chain(&t.name, &raws);
                let rt = target::finalize(
                    &t.name,
                    attrs,
                    Some(t.block.clone()),
                    chain,
                    t.attrs.get("inherits").cloned(),
                    &opts.cwd,
                    &file_dir,
                );
                targets.insert(t.name.clone(), rt);
            }
            Ok(None) => {}
            Err(e) => {
                resolve_errors.insert(t.name.clone(), e);
            }
        }
    }
    let group_order = decoded.groups.iter().map(|g| g.name.clone()).collect();
    let groups = decoded
        .groups
        .into_iter()
        .map(|g| (g.name.clone(), g))
        .collect();
    Ok(BakeProject {
        files,
        targets,
        groups,
        target_order: raw_names.clone(),
        group_order,
        resolve_errors,
        variables,
        functions,
        references,
        compose_files,
        source_date_epoch: opts
            .env
            .get("SOURCE_DATE_EPOCH")
            .filter(|s| !s.is_empty())
            .cloned(),
        raw_names,
    })
}

fn raw_inherits(t: &target::RawTarget) -> Vec<String> {
    t.attrs
        .get("inherits")
        .map(|r| {
            r.elements
                .iter()
                .filter_map(|e| e.value.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Ancestors, memoised per target: direct parents left to right, then
/// their ancestors (breadth first, each once).
#[derive(Default)]
struct ChainMemo {
    direct: HashMap<String, Vec<String>>,
}

impl ChainMemo {
    fn chain(&mut self, name: &str, raws: &HashMap<&str, &target::RawTarget>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([name.to_string()]);
        let mut queue = VecDeque::from([name.to_string()]);
        while let Some(n) = queue.pop_front() {
            let parents = self.direct.entry(n.clone()).or_insert_with(|| {
                raws.get(n.as_str())
                    .map(|t| raw_inherits(t))
                    .unwrap_or_default()
            });
            for p in parents.iter() {
                if seen.insert(p.clone()) {
                    out.push(p.clone());
                    queue.push_back(p.clone());
                }
            }
        }
        out
    }
}

/// Whether some target inherits from itself, directly or not (an
/// iterative depth-first search, linear in the number of `inherits` names).
fn has_inherit_cycle(raws: &HashMap<&str, &target::RawTarget>) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<String, Mark> = HashMap::new();
    let mut names: Vec<&&str> = raws.keys().collect();
    names.sort();
    for root in names {
        let mut stack: Vec<(String, bool)> = vec![(root.to_string(), false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                marks.insert(n, Mark::Done);
                continue;
            }
            match marks.get(&n) {
                Some(Mark::Done) => continue,
                Some(Mark::Open) => continue,
                None => {}
            }
            marks.insert(n.clone(), Mark::Open);
            stack.push((n.clone(), true));
            for p in raws
                .get(n.as_str())
                .map(|t| raw_inherits(t))
                .unwrap_or_default()
            {
                match marks.get(&p) {
                    Some(Mark::Open) => return true,
                    Some(Mark::Done) => {}
                    None => stack.push((p, false)),
                }
            }
        }
    }
    false
}

/// Groups that list themselves, directly or through other groups: buildx
/// then looks the name that closes the cycle up as a target, and fails with
/// "failed to find target" unless a target has that name too. One error per
/// such cycle, at the `targets` element that closes it.
fn group_cycles(groups: &[Group], targets: &HashSet<&str>) -> Vec<BakeError> {
    let by_name: HashMap<&str, &Group> = groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut errors = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    for root in groups {
        // Depth-first, iteratively: (group, next member index), path = stack.
        let mut stack: Vec<(&Group, usize)> = vec![(root, 0)];
        let mut on_path: HashSet<&str> = HashSet::from([root.name.as_str()]);
        if done.contains(root.name.as_str()) {
            continue;
        }
        while let Some((g, i)) = stack.pop() {
            let Some(member) = g.targets.get(i) else {
                on_path.remove(g.name.as_str());
                done.insert(g.name.as_str());
                continue;
            };
            stack.push((g, i + 1));
            let Some(next) = by_name.get(member.as_str()) else {
                continue;
            };
            if on_path.contains(member.as_str()) {
                if targets.contains(member.as_str()) {
                    continue;
                }
                let from = stack
                    .iter()
                    .position(|(x, _)| x.name == *member)
                    .unwrap_or(0);
                let mut path: Vec<&str> =
                    stack[from..].iter().map(|(x, _)| x.name.as_str()).collect();
                path.push(member);
                errors.push(group_cycle_error(g, i, &path));
                continue;
            }
            if done.contains(member.as_str()) {
                continue;
            }
            on_path.insert(member.as_str());
            stack.push((next, 0));
        }
    }
    errors
}

/// The first group nesting others more than [`limits::MAX_GROUP_DEPTH`]
/// deep (an iterative walk; cycles are reported by [`group_cycles`]).
fn group_depth_error(groups: &[Group]) -> Option<BakeError> {
    let by_name: HashMap<&str, &Group> = groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut depth: HashMap<&str, usize> = HashMap::new();
    let mut open: HashSet<&str> = HashSet::new();
    for root in groups {
        let mut stack: Vec<(&Group, bool)> = vec![(root, false)];
        while let Some((g, expanded)) = stack.pop() {
            let name = g.name.as_str();
            let members = g.targets.iter().filter_map(|m| by_name.get(m.as_str()));
            if expanded {
                open.remove(name);
                let d = 1 + members
                    .filter_map(|m| depth.get(m.name.as_str()))
                    .max()
                    .unwrap_or(&0);
                if d > limits::MAX_GROUP_DEPTH {
                    let at = g.block.clone().unwrap_or_default();
                    return Some(limit_error(
                        &at,
                        format!(
                            "groups nest more than {} levels deep",
                            limits::MAX_GROUP_DEPTH
                        ),
                    ));
                }
                depth.insert(name, d);
                continue;
            }
            if depth.contains_key(name) || !open.insert(name) {
                continue;
            }
            stack.push((g, true));
            for m in members {
                if !depth.contains_key(m.name.as_str()) && !open.contains(m.name.as_str()) {
                    stack.push((m, false));
                }
            }
        }
    }
    None
}

fn group_cycle_error(group: &Group, member: usize, path: &[&str]) -> BakeError {
    let closing = path.last().copied().unwrap_or_default();
    let origin = group
        .targets_attr
        .as_ref()
        .and_then(|a| a.elements.get(member))
        .map(|e| &e.origin)
        .or(group.block.as_ref());
    BakeError {
        file: origin.map(|o| o.file.clone()).unwrap_or_default(),
        span: origin.map(|o| o.span).unwrap_or_default(),
        message: format!("group cycle: {}", path.join(" -> ")),
        help: Some(format!(
            "`docker buildx bake {closing}` fails with \"failed to find target {closing}\"; remove one of the references"
        )),
    }
}

fn collect_references(doc: &Document, ev: &Evaluator) -> References {
    let mut refs = References::default();
    let mut visit = |e: &expr::Expr| {
        let mut fv = Vec::new();
        e.free_vars(&mut fv);
        refs.variables.extend(fv.into_iter().map(|(n, _)| n));
        let mut calls = Vec::new();
        e.func_calls(&mut calls);
        refs.functions.extend(calls.into_iter().map(|(n, _)| n));
    };
    fn walk(b: &load::BlockDef, visit: &mut dyn FnMut(&expr::Expr)) {
        for a in &b.attrs {
            if b.kind == "variable" && a.name == "type" {
                continue;
            }
            visit(&a.expr);
        }
        for c in &b.blocks {
            walk(c, visit);
        }
    }
    for a in &doc.attrs {
        visit(&a.expr);
    }
    for b in &doc.blocks {
        walk(b, &mut visit);
    }
    let _ = ev;
    refs
}

type Memo = HashMap<String, Option<Rc<target::AttrMap>>>;
type Resolution = Result<Option<Rc<target::AttrMap>>, Unresolved>;

/// Why a target did not resolve.
enum Unresolved {
    /// Kept with the target (e.g. it inherits an unknown target), as buildx
    /// fails only when that target is built.
    Target(BakeError),
    /// A limit of [`limits`] was hit: the whole load fails.
    Limit(BakeError),
}

impl Unresolved {
    fn into_error(self) -> BakeError {
        match self {
            Unresolved::Target(e) | Unresolved::Limit(e) => e,
        }
    }
}

/// buildx's `Config.target`: parents first (left to right), then own
/// attributes, then overrides. Cycles are skipped, as buildx does.
/// Resolution is memoised (each target once, however many paths reach it)
/// and bounded by [`limits::MAX_INHERIT_DEPTH`] and
/// [`limits::MAX_RESOLVED_ITEMS`].
struct Resolver<'r, 'a> {
    raws: &'r HashMap<&'a str, &'a target::RawTarget>,
    overrides: &'r target::Overrides,
    memo: Memo,
    /// Attributes and elements copied so far.
    items: usize,
}

impl Resolver<'_, '_> {
    fn resolve(&mut self, name: &str, depth: usize) -> Resolution {
        if let Some(v) = self.memo.get(name) {
            return Ok(v.clone());
        }
        self.memo.insert(name.to_string(), None);
        let res = self.resolve_uncached(name, depth);
        match &res {
            Ok(m) => self.memo.insert(name.to_string(), m.clone()),
            Err(_) => self.memo.remove(name),
        };
        res
    }

    fn resolve_uncached(&mut self, name: &str, depth: usize) -> Resolution {
        let Some(t) = self.raws.get(name).copied() else {
            return Err(Unresolved::Target(BakeError::plain(format!(
                "failed to find target {name}"
            ))));
        };
        let mut m = target::AttrMap::new();
        if let Some(inh) = t.attrs.get("inherits") {
            for e in &inh.elements {
                let Some(p) = e.value.as_str() else {
                    continue;
                };
                if depth >= limits::MAX_INHERIT_DEPTH {
                    return Err(Unresolved::Limit(limit_error(
                        &e.origin,
                        format!(
                            "an `inherits` chain is longer than {} targets",
                            limits::MAX_INHERIT_DEPTH
                        ),
                    )));
                }
                let pa = match self.resolve(p, depth + 1) {
                    Ok(pa) => pa,
                    Err(Unresolved::Target(mut err)) => {
                        if err.file.as_os_str().is_empty() {
                            err.file = e.origin.file.clone();
                            err.span = e.origin.span;
                        }
                        return Err(Unresolved::Target(err));
                    }
                    Err(limit) => return Err(limit),
                };
                if let Some(pa) = pa {
                    self.count(&pa, &e.origin)?;
                    target::merge_attrs(&mut m, &pa, Some(p));
                }
            }
        }
        target::merge_attrs(&mut m, &t.attrs, None);
        if let Some(o) = self.overrides.get(name) {
            if let Err(msg) = target::apply_overrides(&mut m, o) {
                return Err(Unresolved::Target(BakeError::plain(msg)));
            }
        }
        Ok(Some(Rc::new(m)))
    }

    /// Counts what merging `attrs` copies against the whole-file limit.
    fn count(&mut self, attrs: &target::AttrMap, at: &Provenance) -> Result<(), Unresolved> {
        self.items += attrs
            .values()
            .map(|r| 1 + r.elements.len() * (1 + r.origin.inherited_from.len()))
            .sum::<usize>();
        if self.items > limits::MAX_RESOLVED_ITEMS {
            return Err(Unresolved::Limit(limit_error(
                at,
                format!(
                    "inheritance copies more than {} attributes and elements",
                    limits::MAX_RESOLVED_ITEMS
                ),
            )));
        }
        Ok(())
    }
}

fn limit_error(at: &Provenance, message: String) -> BakeError {
    BakeError {
        file: at.file.clone(),
        span: at.span,
        message,
        help: Some(
            "bakelint bounds the work a bake file can ask for; this definition goes past one of its limits (see `bakelint rule BK000`)"
                .into(),
        ),
    }
}

impl BakeProject {
    /// Every loaded file (compose files included).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Resolved, matrix-expanded targets (hidden `_` targets included).
    pub fn targets(&self) -> &BTreeMap<String, Target> {
        &self.targets
    }

    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    /// Targets shown in listings: `_`-prefixed targets are hidden.
    pub fn visible_targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.values().filter(|t| !t.is_hidden())
    }

    /// Target names in definition order (after matrix expansion).
    pub fn target_order(&self) -> &[String] {
        &self.target_order
    }

    pub fn group_order(&self) -> &[String] {
        &self.group_order
    }

    /// Targets that could not be resolved (e.g. inheriting an unknown target).
    pub fn resolve_errors(&self) -> &BTreeMap<String, BakeError> {
        &self.resolve_errors
    }

    pub fn variables(&self) -> &BTreeMap<String, Variable> {
        &self.variables
    }

    pub fn functions(&self) -> &BTreeMap<String, Function> {
        &self.functions
    }

    /// Variable and function names referenced anywhere in the files.
    pub fn references(&self) -> &References {
        &self.references
    }

    /// Compose files in the file set.
    pub fn compose_files(&self) -> &[PathBuf] {
        &self.compose_files
    }

    /// The text of a loaded file.
    pub fn file_text(&self, path: &Path) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.text.as_str())
    }

    fn match_names(&self, pattern: &str) -> Result<Vec<String>, BakeError> {
        if !target::is_glob(pattern) {
            return Ok(vec![pattern.to_string()]);
        }
        let mut out = Vec::new();
        for g in &self.group_order {
            if target::glob_match(pattern, g) {
                out.push(g.clone());
            }
        }
        for t in &self.raw_names {
            if target::glob_match(pattern, t) {
                out.push(t.clone());
            }
        }
        if out.is_empty() {
            return Err(BakeError::plain(format!(
                "could not find any target matching {pattern:?}"
            )));
        }
        Ok(out)
    }

    fn group_expand(
        &self,
        name: &str,
        visited: &mut HashMap<String, (Vec<String>, Vec<String>)>,
    ) -> (Vec<String>, Vec<String>) {
        if let Some(v) = visited.get(name) {
            return v.clone();
        }
        let Some(g) = self.groups.get(name) else {
            return (vec![name.to_string()], vec![]);
        };
        visited.insert(name.to_string(), (vec![], vec![]));
        let mut targets = Vec::new();
        let mut groups = vec![name.to_string()];
        for t in &g.targets {
            let (tt, tg) = self.group_expand(t, visited);
            if tt.is_empty() {
                targets.push(t.clone());
            } else {
                targets.extend(tt);
            }
            groups.extend(tg);
        }
        visited.insert(name.to_string(), (targets.clone(), groups.clone()));
        (targets, groups)
    }

    fn requested(&self, names: &[String]) -> Result<Vec<String>, BakeError> {
        let names: Vec<String> = if names.is_empty() {
            vec!["default".to_string()]
        } else {
            names.iter().map(|n| n.replace('.', "_")).collect()
        };
        let mut out = Vec::new();
        for n in &names {
            out.extend(self.match_names(n)?);
        }
        dedup(&mut out);
        Ok(out)
    }

    fn target_checked(&self, name: &str) -> Result<&Target, BakeError> {
        if let Some(e) = self.resolve_errors.get(name) {
            return Err(e.clone());
        }
        let t = self.targets.get(name).ok_or_else(|| {
            BakeError::plain(format!("failed to find target {name}")).with_help(eval::did_you_mean(
                name,
                self.raw_names
                    .iter()
                    .chain(self.group_order.iter())
                    .map(String::as_str),
            ))
        })?;
        if let Some(e) = t.entry_error() {
            return Err(BakeError {
                file: e.origin.file.clone(),
                span: e.origin.span,
                message: e.error.clone().unwrap_or_default(),
                help: None,
            });
        }
        if let Some((origin, message)) = t.option_errors().into_iter().next() {
            return Err(BakeError {
                file: origin.file,
                span: origin.span,
                message: format!("target {name}: {message}"),
                help: Some(
                    "buildx checks this before it prints or builds (`bakelint rule BK007`)".into(),
                ),
            });
        }
        Ok(t)
    }

    /// Target/group names or globs → the target names they expand to (the
    /// default group when empty), without checking that the targets
    /// evaluate: what a build of `names` builds.
    pub fn expand_names(&self, names: &[String]) -> Result<Vec<String>, BakeError> {
        let mut out = Vec::new();
        for n in self.requested(names)? {
            out.extend(self.group_expand(&n, &mut HashMap::new()).0);
        }
        dedup(&mut out);
        Ok(out)
    }

    /// Target/group names or globs → target names (the default group when empty).
    pub fn resolve_names(&self, names: &[String]) -> Result<Vec<String>, BakeError> {
        let mut out = Vec::new();
        for n in self.requested(names)? {
            let (ts, _) = self.group_expand(&n, &mut HashMap::new());
            for t in ts {
                self.target_checked(&t)?;
                out.push(t);
            }
        }
        dedup(&mut out);
        Ok(out)
    }

    /// Exactly `docker buildx bake --print [names]` output (trailing newline included).
    pub fn print_json(&self, names: &[String]) -> Result<String, BakeError> {
        let requested = self.requested(names)?;
        let mut tmap: BTreeMap<String, Cow<'_, Target>> = BTreeMap::new();
        let mut gmap: BTreeMap<String, Group> = BTreeMap::new();
        for n in &requested {
            let (ts, gs) = self.group_expand(n, &mut HashMap::new());
            let mut ts = ts;
            dedup(&mut ts);
            for t in ts {
                let rt = self.target_checked(&t)?;
                tmap.insert(t.clone(), Cow::Borrowed(rt));
            }
            let mut gs = gs;
            dedup(&mut gs);
            for g in gs {
                if let Some(grp) = self.groups.get(&g) {
                    let mut grp = grp.clone();
                    dedup(&mut grp.targets);
                    gmap.insert(g.clone(), grp);
                }
            }
        }
        for n in &requested {
            if gmap.contains_key("default") && n == "default" {
                continue;
            }
            let g = gmap.entry("default".to_string()).or_insert_with(|| Group {
                name: "default".into(),
                description: None,
                targets: vec![],
                targets_attr: None,
                block: None,
            });
            g.targets.push(n.clone());
        }
        if let Some(g) = gmap.get_mut("default") {
            dedup(&mut g.targets);
            g.targets.sort();
        }
        // Linked targets (`target:` contexts).
        let names: Vec<String> = tmap.keys().cloned().collect();
        for n in names {
            self.load_links(&n, &mut tmap, &mut Vec::new())?;
        }
        let mut root = Vec::new();
        if !gmap.is_empty() {
            root.push((
                "group".to_string(),
                print::J::Obj(
                    gmap.values()
                        .map(|g| (g.name.clone(), print::group_json(g)))
                        .collect(),
                ),
            ));
        }
        root.push((
            "target".to_string(),
            print::J::Obj(
                tmap.values()
                    .map(|t| {
                        (
                            t.name.clone(),
                            print::target_json(t, self.source_date_epoch.as_deref()),
                        )
                    })
                    .collect(),
            ),
        ));
        let mut out = String::new();
        print::J::Obj(root).write(&mut out, 0);
        out.push('\n');
        Ok(out)
    }

    /// For each `target:` context of `t`: an error when both targets have
    /// several platforms and `t`'s are not all among the linked target's
    /// (buildx refuses to print or build it), at `t`'s `platforms`.
    pub fn linked_platform_errors(&self, t: &Target) -> Vec<(Provenance, String)> {
        let mine = t.platforms();
        let mut out = Vec::new();
        if mine.len() < 2 {
            return out;
        }
        for v in t.contexts().values() {
            let Some(link) = v.strip_prefix("target:") else {
                continue;
            };
            let Some(lt) = self.targets.get(link) else {
                continue;
            };
            let theirs = lt.platforms();
            if theirs.len() > 1 && !mine.iter().all(|p| theirs.contains(p)) {
                let origin = t
                    .attr("platforms")
                    .map(|r| r.origin.clone())
                    .unwrap_or_default();
                out.push((
                    origin,
                    format!(
                        "target {link} can't be used by {} because its platforms [{}] are not a subset of [{}]",
                        t.name,
                        mine.join(" "),
                        theirs.join(" ")
                    ),
                ));
            }
        }
        out
    }

    fn load_links(
        &self,
        name: &str,
        m: &mut BTreeMap<String, Cow<'_, Target>>,
        visited: &mut Vec<String>,
    ) -> Result<(), BakeError> {
        visited.push(name.to_string());
        let contexts = m.get(name).map(|t| t.contexts()).unwrap_or_default();
        for v in contexts.values() {
            let Some(link) = v.strip_prefix("target:") else {
                continue;
            };
            if link == name {
                return Err(BakeError::plain(format!(
                    "target {link} cannot link to itself"
                )));
            }
            if visited.iter().any(|x| x == link) {
                return Err(BakeError::plain(format!(
                    "infinite loop from {name} to {link}"
                )));
            }
            let user_platforms = m.get(name).map(|t| t.platforms()).unwrap_or_default();
            if !m.contains_key(link) {
                let mut t = self.target_checked(link)?.clone();
                t.outputs = vec![Entry {
                    kind: EntryKind::Output,
                    typ: "cacheonly".into(),
                    attrs: BTreeMap::new(),
                    disabled: false,
                    origin: Provenance::default(),
                    error: None,
                }];
                m.insert(link.to_string(), Cow::Owned(t));
            }
            self.load_links(link, m, visited)?;
            visited.pop();
            let link_platforms = m.get(link).map(|t| t.platforms()).unwrap_or_default();
            if user_platforms.len() > 1
                && link_platforms.len() > 1
                && !user_platforms.iter().all(|p| link_platforms.contains(p))
            {
                let origin = m
                    .get(name)
                    .and_then(|t| t.attr("platforms").map(|r| r.origin.clone()))
                    .unwrap_or_default();
                return Err(BakeError {
                    file: origin.file,
                    span: origin.span,
                    message: format!(
                        "target {link} can't be used by {name} because its platforms [{}] are not a subset of [{}]",
                        user_platforms.join(" "),
                        link_platforms.join(" ")
                    ),
                    help: Some(format!("build {name} for platforms {link} is defined for, or add them to {link}")),
                });
            }
        }
        Ok(())
    }
}

impl BakeError {
    fn with_help(mut self, h: Option<String>) -> BakeError {
        self.help = h;
        self
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    v.retain(|x| seen.insert(x.clone()));
}
