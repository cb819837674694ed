//! Targets and groups: decoding blocks, matrix expansion, merge rules,
//! inheritance, overrides and typed cache/output/secret/ssh/attest entries.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::eval::{csv_fields, parse_go_bool, Ctx, EvalErr, Evaluator};
use super::expr::{Expr, ExprKind};
use super::limits::MAX_MATRIX_TARGETS;
use super::load::{BlockDef, Document};
use super::value::Value;
use crate::span::Span;

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The file holding the source expression (`<--set>` for CLI overrides).
    pub file: PathBuf,
    /// Byte span of the source expression in that file.
    pub span: Span,
    /// Targets the value was inherited through, nearest parent first, the
    /// defining target last. Empty when defined in the target itself.
    pub inherited_from: Vec<String>,
    /// Variables (and top-level attributes) the value depends on, transitively.
    pub variables: BTreeSet<String>,
}

impl Provenance {
    pub fn is_override(&self) -> bool {
        self.file.as_os_str() == OVERRIDE_FILE
    }
}

pub const OVERRIDE_FILE: &str = "<--set>";

/// A resolved value with provenance; lists and maps carry one `Resolved`
/// per element / entry (entries in key order, with `key` set).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resolved {
    pub value: Value,
    pub origin: Provenance,
    pub elements: Vec<Resolved>,
    pub key: Option<String>,
}

impl Resolved {
    fn leaf(value: Value, origin: Provenance) -> Resolved {
        Resolved {
            value,
            origin,
            elements: Vec::new(),
            key: None,
        }
    }

    fn rebuild_list(&mut self) {
        self.value = Value::List(self.elements.iter().map(|e| e.value.clone()).collect());
    }

    fn rebuild_map(&mut self) {
        self.elements.sort_by(|a, b| a.key.cmp(&b.key));
        self.value = Value::Object(
            self.elements
                .iter()
                .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone()))
                .collect(),
        );
    }

    fn prepend_inherit(&mut self, via: &str) {
        self.origin.inherited_from.insert(0, via.to_string());
        for e in &mut self.elements {
            e.prepend_inherit(via);
        }
    }

    /// The string value, if a string.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str()
    }
}

pub type AttrMap = BTreeMap<String, Resolved>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    Str,
    Bool,
    StrList,
    /// Map of strings; `nullable` entries may be null (and are then skipped).
    StrMap {
        nullable: bool,
    },
    Entries(EntryKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRule {
    Replace,
    Append,
    MapMerge,
}

/// The attributes buildx knows for a target, in its `--print` order.
pub const TARGET_ATTRS: &[(&str, AttrKind, MergeRule)] = &[
    ("description", AttrKind::Str, MergeRule::Replace),
    ("inherits", AttrKind::StrList, MergeRule::Append),
    ("annotations", AttrKind::StrList, MergeRule::Append),
    (
        "attest",
        AttrKind::Entries(EntryKind::Attest),
        MergeRule::Append,
    ),
    ("context", AttrKind::Str, MergeRule::Replace),
    (
        "contexts",
        AttrKind::StrMap { nullable: false },
        MergeRule::MapMerge,
    ),
    ("dockerfile", AttrKind::Str, MergeRule::Replace),
    ("dockerfile-inline", AttrKind::Str, MergeRule::Replace),
    (
        "args",
        AttrKind::StrMap { nullable: true },
        MergeRule::MapMerge,
    ),
    (
        "labels",
        AttrKind::StrMap { nullable: true },
        MergeRule::MapMerge,
    ),
    ("tags", AttrKind::StrList, MergeRule::Replace),
    (
        "cache-from",
        AttrKind::Entries(EntryKind::Cache),
        MergeRule::Append,
    ),
    (
        "cache-to",
        AttrKind::Entries(EntryKind::Cache),
        MergeRule::Replace,
    ),
    ("target", AttrKind::Str, MergeRule::Replace),
    (
        "secret",
        AttrKind::Entries(EntryKind::Secret),
        MergeRule::Append,
    ),
    ("ssh", AttrKind::Entries(EntryKind::Ssh), MergeRule::Append),
    ("platforms", AttrKind::StrList, MergeRule::Replace),
    (
        "output",
        AttrKind::Entries(EntryKind::Output),
        MergeRule::Replace,
    ),
    ("pull", AttrKind::Bool, MergeRule::Replace),
    ("no-cache", AttrKind::Bool, MergeRule::Replace),
    ("network", AttrKind::Str, MergeRule::Replace),
    ("no-cache-filter", AttrKind::StrList, MergeRule::Append),
    ("shm-size", AttrKind::Str, MergeRule::Replace),
    ("ulimits", AttrKind::StrList, MergeRule::Append),
    ("call", AttrKind::Str, MergeRule::Replace),
    ("entitlements", AttrKind::StrList, MergeRule::Append),
    (
        "extra-hosts",
        AttrKind::StrMap { nullable: true },
        MergeRule::MapMerge,
    ),
    (
        "policy",
        AttrKind::Entries(EntryKind::Policy),
        MergeRule::Append,
    ),
    // Typed per key (see `RESOURCE_KEYS`): checked by name.
    (
        "resources",
        AttrKind::StrMap { nullable: true },
        MergeRule::MapMerge,
    ),
];

/// Attributes that are part of the block syntax but not of the target value.
pub const TARGET_META_ATTRS: &[&str] = &["matrix", "name"];

pub fn attr_spec(name: &str) -> Option<(AttrKind, MergeRule)> {
    TARGET_ATTRS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, k, m)| (*k, *m))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Cache,
    Output,
    Secret,
    Ssh,
    Attest,
    Policy,
}

/// A typed cache/output/secret/ssh/attest entry, from the CSV string or the
/// object form. `error` is set when the entry is invalid (buildx refuses it).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: EntryKind,
    /// `type` (cache, output, attest); "" for secrets and ssh.
    pub typ: String,
    /// All other keys. Secrets use `id`, `src`, `env`; ssh uses `id` and
    /// `paths` (comma-joined); outputs keep `dest` here too.
    pub attrs: BTreeMap<String, String>,
    pub disabled: bool,
    pub origin: Provenance,
    pub error: Option<String>,
}

impl Entry {
    fn same(&self, o: &Entry) -> bool {
        self.typ == o.typ && self.attrs == o.attrs && self.disabled == o.disabled
    }
}

fn go_csv(s: &str) -> Vec<String> {
    if s.is_empty() {
        return vec![];
    }
    csv_fields(s)
}

/// Parses one value (string or object) of an entry list into entries.
pub fn parse_entries(kind: EntryKind, v: &Value, origin: &Provenance) -> Vec<Entry> {
    let mk = |typ: String,
              attrs: BTreeMap<String, String>,
              disabled: bool,
              error: Option<String>| Entry {
        kind,
        typ,
        attrs,
        disabled,
        origin: origin.clone(),
        error,
    };
    match v {
        Value::Null => vec![],
        Value::String(s) if s.is_empty() => vec![],
        Value::String(s) => match kind {
            EntryKind::Cache => {
                if !s.contains('=') {
                    return go_csv(s)
                        .into_iter()
                        .map(|f| {
                            mk(
                                "registry".into(),
                                BTreeMap::from([("ref".to_string(), f)]),
                                false,
                                None,
                            )
                        })
                        .collect();
                }
                let mut attrs = BTreeMap::new();
                let mut typ = String::new();
                let mut err = None;
                for f in go_csv(s) {
                    match f.split_once('=') {
                        Some((k, v)) if k.eq_ignore_ascii_case("type") => typ = v.to_string(),
                        Some((k, v)) => {
                            attrs.insert(k.to_lowercase(), v.to_string());
                        }
                        None => err = Some(format!("invalid value {f}")),
                    }
                }
                if err.is_none() && typ.is_empty() {
                    err = Some(format!("type required for {s:?}"));
                }
                vec![mk(typ, attrs, false, err)]
            }
            EntryKind::Output => {
                let fields = go_csv(s);
                if fields.len() == 1 && fields[0] == *s && !s.starts_with("type=") {
                    let typ = if s == "-" { "tar" } else { "local" };
                    return vec![mk(
                        typ.into(),
                        BTreeMap::from([("dest".to_string(), s.clone())]),
                        false,
                        None,
                    )];
                }
                let mut attrs = BTreeMap::new();
                let mut typ = String::new();
                let mut err = None;
                for f in fields {
                    match f.split_once('=') {
                        Some((k, v)) if k.trim().eq_ignore_ascii_case("type") => {
                            typ = v.to_string()
                        }
                        Some((k, v)) => {
                            attrs.insert(k.trim().to_lowercase(), v.to_string());
                        }
                        None => err = Some(format!("invalid value {f}")),
                    }
                }
                if err.is_none() && typ.is_empty() {
                    err = Some("type is required for output".into());
                }
                vec![mk(typ, attrs, false, err)]
            }
            EntryKind::Attest => {
                let mut attrs = BTreeMap::new();
                let mut typ = String::new();
                let mut disabled = false;
                let mut err = None;
                for f in go_csv(s) {
                    match f.split_once('=') {
                        Some((k, v)) => match k.trim().to_lowercase().as_str() {
                            "type" => typ = v.to_string(),
                            "disabled" => match parse_go_bool(v) {
                                Some(b) => disabled = b,
                                None => err = Some(format!("invalid value {f}")),
                            },
                            _ => {
                                attrs.insert(k.to_string(), v.to_string());
                            }
                        },
                        None => err = Some(format!("invalid value {f}")),
                    }
                }
                if err.is_none() && typ.is_empty() {
                    err = Some("attestation type not specified".into());
                }
                vec![mk(typ, attrs, disabled, err)]
            }
            EntryKind::Secret => {
                let mut attrs = BTreeMap::new();
                let mut typ = String::new();
                let mut err = None;
                for f in go_csv(s) {
                    match f.split_once('=') {
                        Some((k, v)) => match k.to_lowercase().as_str() {
                            "type" => {
                                if v != "file" && v != "env" {
                                    err = Some(format!("unsupported secret type {v:?}"));
                                }
                                typ = v.to_string();
                            }
                            "id" => {
                                attrs.insert("id".to_string(), v.to_string());
                            }
                            "source" | "src" => {
                                attrs.insert("src".to_string(), v.to_string());
                            }
                            "env" => {
                                attrs.insert("env".to_string(), v.to_string());
                            }
                            other => err = Some(format!("unexpected key '{other}' in '{f}'")),
                        },
                        None => err = Some(format!("invalid field '{f}' must be a key=value pair")),
                    }
                }
                if typ == "env" && !attrs.contains_key("env") {
                    if let Some(src) = attrs.remove("src") {
                        attrs.insert("env".into(), src);
                    }
                }
                vec![mk(String::new(), attrs, false, err)]
            }
            EntryKind::Ssh => {
                let mut attrs = BTreeMap::new();
                let (id, paths) = match s.split_once('=') {
                    Some((i, p)) => (i.to_string(), Some(p.to_string())),
                    None => (s.clone(), None),
                };
                attrs.insert("id".to_string(), id);
                if let Some(p) = paths {
                    attrs.insert("paths".to_string(), p);
                }
                vec![mk(String::new(), attrs, false, None)]
            }
            EntryKind::Policy => {
                let mut attrs = BTreeMap::new();
                for f in go_csv(s) {
                    match f.split_once('=') {
                        Some((k, v)) => {
                            attrs.insert(k.to_string(), v.to_string());
                        }
                        None => {
                            attrs.insert("filename".to_string(), f);
                        }
                    }
                }
                vec![mk(String::new(), attrs, false, None)]
            }
        },
        Value::Object(o) => {
            let mut attrs = BTreeMap::new();
            let mut typ = String::new();
            let mut disabled = false;
            let mut err = None;
            for (k, v) in o {
                if v.is_null() {
                    continue;
                }
                let sv = match (k.as_str(), v) {
                    ("paths", Value::List(l)) if kind == EntryKind::Ssh => l
                        .iter()
                        .map(|x| x.to_string_conv().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(","),
                    ("disabled", Value::Bool(b)) if kind == EntryKind::Attest => {
                        disabled = *b;
                        continue;
                    }
                    _ => match v.to_string_conv() {
                        Ok(s) => s,
                        Err(m) => {
                            err = Some(format!("attribute {k:?}: {m}"));
                            continue;
                        }
                    },
                };
                match (kind, k.as_str()) {
                    (EntryKind::Cache | EntryKind::Output | EntryKind::Attest, "type") => typ = sv,
                    (EntryKind::Attest, "disabled") => match parse_go_bool(&sv) {
                        Some(b) => disabled = b,
                        None => err = Some("attest disabled attribute must be a boolean".into()),
                    },
                    (EntryKind::Secret, "type") => {
                        if sv != "file" && sv != "env" {
                            err = Some(format!("unsupported secret type {sv:?}"));
                        }
                    }
                    (EntryKind::Secret, "source") => {
                        attrs.insert("src".into(), sv);
                    }
                    _ => {
                        attrs.insert(k.clone(), sv);
                    }
                }
            }
            if err.is_none() && typ.is_empty() {
                err = match kind {
                    EntryKind::Cache => Some(format!("type required for {:?}", v.to_json())),
                    EntryKind::Output => Some("type is required for output".into()),
                    EntryKind::Attest => Some("attestation type not specified".into()),
                    _ => None,
                };
            }
            vec![mk(typ, attrs, disabled, err)]
        }
        other => vec![mk(
            String::new(),
            BTreeMap::new(),
            false,
            Some(format!(
                "invalid entry: a string or object is required, not {}",
                other.friendly_type()
            )),
        )],
    }
}

/// A target block after evaluation (and matrix expansion), before inheritance.
#[derive(Debug, Clone)]
pub struct RawTarget {
    pub name: String,
    pub attrs: AttrMap,
    pub block: Provenance,
    pub file: usize,
}

/// A group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub description: Option<String>,
    pub targets: Vec<String>,
    /// The `targets` attribute (per-element provenance), when from a block.
    pub targets_attr: Option<Resolved>,
    pub block: Option<Provenance>,
}

/// A fully resolved target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// Every attribute (known or not), resolved, after inheritance,
    /// overrides and defaults. `inherits` is not kept here.
    pub attrs: BTreeMap<String, Resolved>,
    /// The label span of the target block (the last block with this name).
    pub block: Option<Provenance>,
    /// All ancestors: direct parents left to right, then their ancestors.
    pub inherits_chain: Vec<String>,
    /// The target's own `inherits` attribute (per-element provenance), as
    /// written in its block(s), for checks on the names it lists.
    pub inherits: Option<Resolved>,
    pub cache_from: Vec<Entry>,
    pub cache_to: Vec<Entry>,
    pub outputs: Vec<Entry>,
    pub secrets: Vec<Entry>,
    pub ssh: Vec<Entry>,
    pub attest: Vec<Entry>,
    pub policy: Vec<Entry>,
    /// The working directory and the directory of the defining bake file,
    /// for path resolution.
    pub cwd: PathBuf,
    pub file_dir: PathBuf,
}

impl Target {
    pub fn attr(&self, name: &str) -> Option<&Resolved> {
        self.attrs.get(name)
    }

    fn str_attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).and_then(|r| r.value.as_str())
    }

    /// Hidden from listings (`_`-prefixed).
    pub fn is_hidden(&self) -> bool {
        self.name.starts_with('_')
    }

    /// The context as buildx prints it (default ".", cleaned, `cwd://` removed).
    pub fn context(&self) -> String {
        print_context(self.str_attr("context").unwrap_or("."))
    }

    /// The raw `dockerfile` value (default "Dockerfile").
    pub fn dockerfile_name(&self) -> &str {
        match self.str_attr("dockerfile") {
            Some(d) if !d.is_empty() => d,
            _ => "Dockerfile",
        }
    }

    /// The local context directory, relative to the working directory (the
    /// base the workspace chose for this bake file set, as buildx resolves
    /// it: one base, no fallback). `None` for remote contexts.
    pub fn context_path(&self) -> Option<PathBuf> {
        let ctx = self.context();
        if is_remote_url(&ctx) {
            return None;
        }
        let p = Path::new(&ctx);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        Some(self.cwd.join(p))
    }

    /// The Dockerfile path: `dockerfile` resolved relative to the context
    /// (absolute paths kept). `None` for remote contexts or inline Dockerfiles.
    pub fn dockerfile(&self) -> Option<PathBuf> {
        if self.dockerfile_inline().is_some() {
            return None;
        }
        let d = self.dockerfile_name();
        let d = d
            .strip_prefix("cwd://")
            .map(|x| (x, true))
            .unwrap_or((d, false));
        if d.1 {
            return Some(self.cwd.join(d.0));
        }
        let p = Path::new(d.0);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        Some(self.context_path()?.join(p))
    }

    pub fn dockerfile_inline(&self) -> Option<&str> {
        self.str_attr("dockerfile-inline")
    }

    pub fn target(&self) -> Option<&str> {
        self.str_attr("target")
    }

    pub fn str_list(&self, name: &str) -> Vec<String> {
        self.attrs
            .get(name)
            .map(|r| {
                r.elements
                    .iter()
                    .filter_map(|e| e.value.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn str_map(&self, name: &str) -> BTreeMap<String, String> {
        self.attrs
            .get(name)
            .map(|r| {
                r.elements
                    .iter()
                    .filter_map(|e| Some((e.key.clone()?, e.value.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn tags(&self) -> Vec<String> {
        self.str_list("tags")
    }
    pub fn platforms(&self) -> Vec<String> {
        self.str_list("platforms")
    }
    pub fn args(&self) -> BTreeMap<String, String> {
        self.str_map("args")
    }
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.str_map("labels")
    }
    pub fn contexts(&self) -> BTreeMap<String, String> {
        self.str_map("contexts")
    }
    /// Named contexts that are local paths, resolved like `context_path`
    /// (relative to the working directory). `target:`, `docker-image://`,
    /// `oci-layout://` and remote contexts are skipped.
    pub fn local_contexts(&self) -> BTreeMap<String, PathBuf> {
        let mut out = BTreeMap::new();
        for (k, v) in self.contexts() {
            if v.starts_with("target:")
                || v.contains("://") && !v.starts_with("cwd://")
                || is_remote_url(&v)
            {
                continue;
            }
            let v = v.strip_prefix("cwd://").unwrap_or(&v);
            let p = Path::new(v);
            let resolved = if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.cwd.join(p)
            };
            out.insert(k, resolved);
        }
        out
    }
    pub fn cache_from(&self) -> &[Entry] {
        &self.cache_from
    }
    pub fn cache_to(&self) -> &[Entry] {
        &self.cache_to
    }
    pub fn outputs(&self) -> &[Entry] {
        &self.outputs
    }
    pub fn secrets(&self) -> &[Entry] {
        &self.secrets
    }
    pub fn ssh(&self) -> &[Entry] {
        &self.ssh
    }
    pub fn attest(&self) -> &[Entry] {
        &self.attest
    }
    pub fn pull(&self) -> Option<bool> {
        match self.attrs.get("pull").map(|r| &r.value) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    pub fn no_cache(&self) -> Option<bool> {
        match self.attrs.get("no-cache").map(|r| &r.value) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    /// What buildx refuses when it turns the target into build options,
    /// before `--print` prints anything: `shm-size` and `resources` memory
    /// values that are not byte sizes, platforms containerd cannot parse.
    /// Each with the value's provenance.
    pub fn option_errors(&self) -> Vec<(Provenance, String)> {
        let mut out = Vec::new();
        if let Some(r) = self.attrs.get("shm-size") {
            if let Some(v) = r.value.as_str().filter(|v| !v.is_empty()) {
                if parse_mem_bytes(v).is_none() {
                    out.push((
                        r.origin.clone(),
                        format!("invalid value {v} for membytes key shm-size"),
                    ));
                }
            }
        }
        if let Some(r) = self.attrs.get("resources") {
            for e in &r.elements {
                let key = e.key.as_deref().unwrap_or("");
                let Some(v) = e.value.as_str() else { continue };
                let ok = match key {
                    "memory" => v.is_empty() || parse_mem_bytes(v).is_some(),
                    "memory-swap" => v.is_empty() || v == "-1" || parse_mem_bytes(v).is_some(),
                    _ => true,
                };
                if !ok {
                    out.push((
                        e.origin.clone(),
                        format!("invalid value {v} for membytes key {key}"),
                    ));
                }
            }
        }
        if let Some(r) = self.attrs.get("platforms") {
            for e in &r.elements {
                let Some(v) = e.value.as_str() else { continue };
                for p in v.split(',') {
                    if let Err(m) = parse_platform(p.trim()) {
                        out.push((e.origin.clone(), format!("invalid platform {p:?}: {m}")));
                    }
                }
            }
        }
        out
    }

    /// The first invalid entry, if any (buildx refuses such a definition).
    pub fn entry_error(&self) -> Option<&Entry> {
        self.attest
            .iter()
            .chain(&self.cache_from)
            .chain(&self.cache_to)
            .chain(&self.secrets)
            .chain(&self.ssh)
            .chain(&self.outputs)
            .find(|e| e.error.is_some())
    }
}

/// go-units' `RAMInBytes`: `128m`, `1.5GiB`, `512` (bytes).
pub fn parse_mem_bytes(s: &str) -> Option<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit).to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024f64.powi(2),
        "g" => 1024f64.powi(3),
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return None,
    };
    Some((n * mult) as u64)
}

const PLATFORM_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "macos",
];
const PLATFORM_ARCH: &[&str] = &[
    "386", "amd64", "amd64p32", "arm", "arm64", "arm64be", "armbe", "loong64", "mips", "mips64",
    "mips64le", "mipsle", "ppc", "ppc64", "ppc64le", "riscv64", "s390x", "sparc64", "wasm",
    "x86_64", "aarch64", "armhf", "armel", "i386", "x86-64",
];

/// containerd's `platforms.Parse` (what buildx runs on every platform).
pub fn parse_platform(p: &str) -> Result<(), String> {
    if p == "local" {
        return Ok(());
    }
    if p.is_empty() {
        return Err("empty platform".into());
    }
    let parts: Vec<&str> = p.split('/').collect();
    if parts.len() > 3 {
        return Err("cannot parse platform: too many components".into());
    }
    let os = match parts[0].find('(') {
        Some(i) if parts[0].ends_with(')') => &parts[0][..i],
        _ => parts[0],
    };
    let valid = |c: &str| {
        !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-'))
    };
    if !valid(os) || !parts[1..].iter().all(|c| valid(c)) {
        return Err("invalid platform component".into());
    }
    if parts.len() == 1 {
        let l = os.to_ascii_lowercase();
        if !PLATFORM_OS.contains(&l.as_str()) && !PLATFORM_ARCH.contains(&l.as_str()) {
            return Err("unknown operating system or architecture".into());
        }
    }
    Ok(())
}

pub fn is_remote_url(s: &str) -> bool {
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git://")
        || s.starts_with("git@")
        || s.starts_with("ssh://")
        || s.starts_with("github.com/")
        || (s.contains(".git") && (s.contains("://") || s.contains('#')))
}

pub fn print_context(c: &str) -> String {
    if let Some(rest) = c.strip_prefix("cwd://") {
        return super::stdlib::clean_path(rest);
    }
    if is_remote_url(c)
        || c.contains("://")
        || c.starts_with("target:")
        || c.starts_with("docker-image:")
    {
        return c.to_string();
    }
    super::stdlib::clean_path(c)
}

// ---------------------------------------------------------------------------
// Decoding blocks.

pub struct Decoded {
    pub targets: Vec<RawTarget>,
    pub groups: Vec<Group>,
    pub errors: Vec<EvalErr>,
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub struct Decoder<'e, 'a> {
    pub ev: &'e Evaluator<'a>,
    pub paths: &'e [PathBuf],
    /// Targets matrices have produced so far (see [`MAX_MATRIX_TARGETS`]).
    pub matrix_targets: std::cell::Cell<usize>,
}

impl Decoder<'_, '_> {
    fn prov(&self, file: usize, span: Span, vars: BTreeSet<String>) -> Provenance {
        Provenance {
            file: self.paths.get(file).cloned().unwrap_or_default(),
            span,
            inherited_from: Vec::new(),
            variables: vars,
        }
    }

    /// For `tags = TAGS` where TAGS is declared with a literal list, point the
    /// elements at the variable's definition.
    fn source_expr<'x>(&'x self, e: &'x Expr, file: usize) -> (&'x Expr, usize) {
        let mut cur = (e, file);
        for _ in 0..8 {
            let ExprKind::Var(name) = &cur.0.kind else {
                break;
            };
            if self.ev.lookup.get(name).is_some() && self.ev.vars.contains_key(name) {
                break;
            }
            let def = self
                .ev
                .attrs
                .get(name)
                .copied()
                .or_else(|| self.ev.vars.get(name).and_then(|v| v.block.attr("default")));
            match def {
                Some(d) => cur = (&d.expr, d.file),
                None => break,
            }
        }
        cur
    }

    /// Builds a provenance tree for a value produced by `e`.
    pub fn resolved(&self, e: &Expr, v: Value, file: usize, cx: &Ctx) -> Resolved {
        let vars = self.ev.expr_deps(e, cx);
        let origin = self.prov(file, e.span, vars);
        let (src, sfile) = self.source_expr(e, file);
        let via_var = !std::ptr::eq(src, e);
        let mut r = Resolved::leaf(v.clone(), origin.clone());
        match (&v, &src.kind) {
            (Value::List(items), ExprKind::Tuple(exprs)) if items.len() == exprs.len() => {
                r.elements = items
                    .iter()
                    .zip(exprs)
                    .map(|(iv, ie)| {
                        let mut x = self.resolved(ie, iv.clone(), sfile, cx);
                        if via_var {
                            x.origin.variables.extend(origin.variables.iter().cloned());
                        }
                        x
                    })
                    .collect();
            }
            (Value::List(items), _) => {
                r.elements = items
                    .iter()
                    .map(|iv| Resolved::leaf(iv.clone(), origin.clone()))
                    .collect();
            }
            (Value::Object(map), kind) => {
                let literal: Vec<(Option<String>, &Expr)> = match kind {
                    ExprKind::Object(items) => items
                        .iter()
                        .map(|(k, ve)| {
                            let key = match &k.kind {
                                ExprKind::Lit(Value::String(s)) => Some(s.clone()),
                                _ => None,
                            };
                            (key, ve)
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                r.elements = map
                    .iter()
                    .map(|(k, iv)| {
                        let mut x = match literal
                            .iter()
                            .rev()
                            .find(|(lk, _)| lk.as_deref() == Some(k))
                        {
                            Some((_, ve)) => {
                                let mut x = self.resolved(ve, iv.clone(), sfile, cx);
                                if via_var {
                                    x.origin.variables.extend(origin.variables.iter().cloned());
                                }
                                x
                            }
                            None => Resolved::leaf(iv.clone(), origin.clone()),
                        };
                        x.key = Some(k.clone());
                        x
                    })
                    .collect();
            }
            _ => {}
        }
        r
    }

    pub fn decode(&self, doc: &Document) -> Decoded {
        let mut out = Decoded {
            targets: Vec::new(),
            groups: Vec::new(),
            errors: Vec::new(),
        };
        let mut renamed: Vec<(String, Vec<String>)> = Vec::new();
        let mut plain: HashSet<String> = HashSet::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut group_index: HashMap<String, usize> = HashMap::new();
        for b in &doc.blocks {
            match b.kind.as_str() {
                "target" => match self.decode_target(b) {
                    Ok((label, ts)) => {
                        let names: Vec<String> = ts.iter().map(|t| t.name.clone()).collect();
                        if names.len() == 1 && names[0] == label {
                            plain.insert(label.clone());
                        } else {
                            match renamed.iter_mut().find(|(l, _)| *l == label) {
                                Some((_, n)) => n.extend(names),
                                None => renamed.push((label, names)),
                            }
                        }
                        for t in ts {
                            merge_raw(&mut out.targets, &mut index, t);
                        }
                    }
                    Err(e) => out.errors.push(e),
                },
                "group" => match self.decode_group(b) {
                    Ok(g) => match group_index
                        .get(&g.name)
                        .and_then(|&i| out.groups.get_mut(i))
                    {
                        Some(x) => *x = g,
                        None => {
                            group_index.insert(g.name.clone(), out.groups.len());
                            out.groups.push(g);
                        }
                    },
                    Err(e) => out.errors.push(e),
                },
                _ => {}
            }
        }
        for (label, mut names) in renamed {
            // A block of that name that is not renamed is a target of the
            // group too.
            if plain.contains(&label) {
                names.push(label.clone());
            }
            dedup(&mut names);
            if group_index.contains_key(&label) {
                continue;
            }
            out.groups.push(Group {
                name: label,
                description: None,
                targets: names,
                targets_attr: None,
                block: None,
            });
        }
        out
    }

    /// Counts a matrix's targets against the whole-file limit before any is
    /// made: the product of the value counts, with no list built.
    fn reserve_matrix(
        &self,
        map: &BTreeMap<String, Value>,
        file: usize,
        span: Span,
    ) -> Result<(), EvalErr> {
        let count = map
            .values()
            .map(|v| v.as_list().map_or(1, |l| l.len() as u128))
            .fold(1u128, u128::saturating_mul);
        let total = count.saturating_add(self.matrix_targets.get() as u128);
        if total > MAX_MATRIX_TARGETS as u128 {
            return Err(self.ev.hit_limit(
                file,
                span,
                format!(
                    "matrices expand to more than {MAX_MATRIX_TARGETS} targets in this definition"
                ),
            ));
        }
        self.matrix_targets.set(total as usize);
        Ok(())
    }

    fn decode_group(&self, b: &BlockDef) -> Result<Group, EvalErr> {
        let (label, lspan) = b.label();
        if b.labels.len() != 1 {
            return Err(EvalErr::new(
                b.file,
                lspan,
                format!(
                    "invalid block label: {:?}",
                    b.labels.iter().map(|l| &l.0).collect::<Vec<_>>()
                ),
            ));
        }
        if let Some(a) = b.attr("matrix") {
            return Err(EvalErr::new(
                b.file,
                a.name_span,
                "matrix is not supported for groups",
            ));
        }
        if let Some(a) = b.attr("name") {
            return Err(EvalErr::new(
                b.file,
                a.name_span,
                "name is not supported for groups",
            ));
        }
        if !valid_name(label) {
            return Err(EvalErr::new(
                b.file,
                lspan,
                "only \"[a-zA-Z0-9_-]+\" are allowed",
            ));
        }
        let mut cx = Ctx::new(b.file);
        let mut targets = Vec::new();
        let targets_attr;
        if let Some(a) = b.attr("targets") {
            let v = self.ev.eval(&a.expr, &mut cx)?;
            let r = self.resolved(&a.expr, v, b.file, &cx);
            match &r.value {
                Value::List(l) => {
                    for x in l {
                        targets.push(x.to_string_conv().map_err(|m| {
                            EvalErr::new(b.file, a.expr.span, format!("invalid targets: {m}"))
                        })?);
                    }
                }
                Value::Null => {}
                other => {
                    return Err(EvalErr::new(
                        b.file,
                        a.expr.span,
                        format!(
                            "targets must be a list of strings, not {}",
                            other.friendly_type()
                        ),
                    ))
                }
            }
            targets_attr = Some(r);
        } else {
            return Err(EvalErr::new(
                b.file,
                lspan,
                "the argument \"targets\" is required",
            ));
        }
        let description = match b.attr("description") {
            Some(a) => Some(
                self.ev
                    .eval(&a.expr, &mut cx)?
                    .to_string_conv()
                    .unwrap_or_default(),
            ),
            None => None,
        };
        Ok(Group {
            name: label.to_string(),
            description,
            targets,
            targets_attr,
            block: Some(self.prov(b.file, lspan, BTreeSet::new())),
        })
    }

    fn decode_target(&self, b: &BlockDef) -> Result<(String, Vec<RawTarget>), EvalErr> {
        let (label, lspan) = b.label();
        if b.labels.len() != 1 {
            return Err(EvalErr::new(
                b.file,
                lspan,
                format!(
                    "invalid block label: {:?}",
                    b.labels.iter().map(|l| &l.0).collect::<Vec<_>>()
                ),
            ));
        }
        let mut cx = Ctx::new(b.file);
        let contexts: Vec<Vec<(String, Value)>> = match b.attr("matrix") {
            None => {
                if let Some(a) = b.attr("name") {
                    return Err(EvalErr::new(b.file, a.name_span, "name requires matrix"));
                }
                vec![vec![]]
            }
            Some(m) => {
                let mv = self.ev.eval(&m.expr, &mut cx)?;
                let Value::Object(map) = mv else {
                    return Err(EvalErr::new(b.file, m.expr.span, "matrix must be a map"));
                };
                self.reserve_matrix(&map, b.file, m.expr.span)?;
                let mut ctxs: Vec<Vec<(String, Value)>> = vec![vec![]];
                for (k, vals) in map {
                    let Value::List(vals) = vals else {
                        return Err(EvalErr::new(
                            b.file,
                            m.expr.span,
                            "matrix values must be a list",
                        ));
                    };
                    let mut next = Vec::with_capacity(ctxs.len() * vals.len());
                    for v in &vals {
                        for c in &ctxs {
                            let mut c2 = c.clone();
                            c2.push((k.clone(), v.clone()));
                            next.push(c2);
                        }
                    }
                    ctxs = next;
                }
                ctxs
            }
        };
        let mut out: Vec<RawTarget> = Vec::new();
        let mut names: HashSet<String> = HashSet::new();
        for locals in contexts {
            let mut cx = Ctx {
                file: b.file,
                locals,
            };
            let name = match (b.attr("matrix"), b.attr("name")) {
                (Some(_), Some(a)) => {
                    let v = self.ev.eval(&a.expr, &mut cx)?;
                    let n = v.to_string_conv().map_err(|m| {
                        EvalErr::new(b.file, a.expr.span, format!("invalid name: {m}"))
                    })?;
                    if !valid_name(&n) {
                        return Err(EvalErr::new(
                            b.file,
                            a.expr.span,
                            format!(
                                "invalid target name {n:?}: only \"[a-zA-Z0-9_-]+\" are allowed"
                            ),
                        )
                        .help(Some("use sanitize() to make a valid name".into())));
                    }
                    n
                }
                _ => {
                    if !valid_name(label) {
                        return Err(EvalErr::new(b.file, lspan, format!("invalid target name {label:?}: only \"[a-zA-Z0-9_-]+\" are allowed")));
                    }
                    label.to_string()
                }
            };
            if b.attr("matrix").is_some() && !names.insert(name.clone()) {
                return Err(EvalErr::new(
                    b.file,
                    b.attr("name").map(|a| a.expr.span).unwrap_or(lspan),
                    format!("duplicate target name {name:?} produced by the matrix"),
                )
                .help(Some("include every matrix variable in `name`".into())));
            }
            let mut attrs = AttrMap::new();
            for a in &b.attrs {
                if TARGET_META_ATTRS.contains(&a.name.as_str()) {
                    continue;
                }
                let v = self.ev.eval(&a.expr, &mut cx)?;
                let v = self.ev.rebase_attr(&a.name, &a.expr, v, b.file);
                let r = self.resolved(&a.expr, v, b.file, &cx);
                let r = check_kind(&a.name, r).map_err(|m| EvalErr::new(b.file, a.expr.span, m))?;
                attrs.insert(a.name.clone(), r);
            }
            out.push(RawTarget {
                name,
                attrs,
                block: self.prov(b.file, lspan, BTreeSet::new()),
                file: b.file,
            });
        }
        Ok((label.to_string(), out))
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// Checks and converts an attribute value by its declared kind.
fn check_kind(name: &str, mut r: Resolved) -> Result<Resolved, String> {
    let Some((kind, _)) = attr_spec(name) else {
        return Ok(r);
    };
    if r.value.is_null() {
        return Ok(r);
    }
    let bad = |want: &str, got: &Value| {
        format!(
            "invalid value for {name:?}: {want} required, got {}",
            got.friendly_type()
        )
    };
    match kind {
        AttrKind::Str => {
            r.value = Value::String(
                r.value
                    .to_string_conv()
                    .map_err(|_| bad("string", &r.value))?,
            );
            r.elements.clear();
        }
        AttrKind::Bool => {
            r.value = Value::Bool(r.value.to_bool_conv().map_err(|_| bad("bool", &r.value))?);
        }
        AttrKind::StrList => {
            if !matches!(r.value, Value::List(_)) {
                return Err(bad("list of string", &r.value));
            }
            for e in &mut r.elements {
                if e.value.is_null() {
                    return Err(format!("invalid value for {name:?}: null element"));
                }
                e.value = Value::String(
                    e.value
                        .to_string_conv()
                        .map_err(|_| bad("list of string", &e.value))?,
                );
                e.elements.clear();
            }
            r.rebuild_list();
        }
        AttrKind::StrMap { nullable } => {
            if !matches!(r.value, Value::Object(_)) {
                return Err(bad("map of string", &r.value));
            }
            for e in &mut r.elements {
                if e.value.is_null() {
                    if !nullable {
                        return Err(format!("invalid value for {name:?}: null entry"));
                    }
                    continue;
                }
                if name == "resources" {
                    let key = e.key.clone().unwrap_or_default();
                    e.value = resource_value(&key, &e.value)?;
                    e.elements.clear();
                    continue;
                }
                e.value = Value::String(
                    e.value
                        .to_string_conv()
                        .map_err(|_| bad("map of string", &e.value))?,
                );
                e.elements.clear();
            }
            r.rebuild_map();
        }
        AttrKind::Entries(_) => match &r.value {
            Value::List(_) => {}
            Value::String(_) | Value::Object(_) => {
                let one = Resolved::leaf(r.value.clone(), r.origin.clone());
                r.elements = vec![one];
                r.rebuild_list();
            }
            other => return Err(bad("list", other)),
        },
    }
    Ok(r)
}

/// The keys of a target's `resources` (buildx's `Resources`): the CPU
/// figures are integers, the rest strings.
pub const RESOURCE_KEYS: &[(&str, bool)] = &[
    ("memory", false),
    ("memory-swap", false),
    ("cpu-shares", true),
    ("cpu-period", true),
    ("cpu-quota", true),
    ("cpuset-cpus", false),
    ("cpuset-mems", false),
];

/// One `resources` value, typed by its key.
pub fn resource_value(key: &str, v: &Value) -> Result<Value, String> {
    let Some((_, numeric)) = RESOURCE_KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(format!(
            "unsupported resources key {key:?} (expected one of {})",
            RESOURCE_KEYS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if *numeric {
        let n = match v {
            Value::String(s) => s.trim().parse::<f64>().map_err(|_| {
                format!("invalid value {s:?} for resources key {key}: an integer is required")
            })?,
            other => other.to_number_conv().map_err(|_| {
                format!("invalid value for resources key {key}: an integer is required")
            })?,
        };
        if n.fract() != 0.0 {
            return Err(format!(
                "invalid value {} for resources key {key}: an integer is required",
                super::value::format_number(n)
            ));
        }
        Ok(Value::Number(n))
    } else {
        Ok(Value::String(v.to_string_conv().map_err(|_| {
            format!("invalid value for resources key {key}: a string is required")
        })?))
    }
}

/// Appends or merges a raw target into the list (same name → `Merge`);
/// `index` maps names to positions in `targets`.
fn merge_raw(targets: &mut Vec<RawTarget>, index: &mut HashMap<String, usize>, t: RawTarget) {
    match index.get(&t.name).and_then(|&i| targets.get_mut(i)) {
        Some(x) => {
            merge_attrs(&mut x.attrs, &t.attrs, None);
            x.block = t.block;
            x.file = t.file;
        }
        None => {
            index.insert(t.name.clone(), targets.len());
            targets.push(t);
        }
    }
}

/// buildx's `Target.Merge`: `src` over `dst`.
///
/// Two departures keep inheritance linear where buildx is exponential (an
/// `inherits` diamond doubles appended lists at every level): a parent's
/// own `inherits` is not carried into the child (it is dropped when the
/// target is finalised anyway), and an appended element equal to one
/// already there is skipped (finalising would drop it: string lists are
/// de-duplicated, entries are compared by value).
pub fn merge_attrs(dst: &mut AttrMap, src: &AttrMap, via: Option<&str>) {
    for (k, r) in src {
        if r.value.is_null() || (via.is_some() && k == "inherits") {
            continue;
        }
        let mut r = r.clone();
        if let Some(v) = via {
            r.prepend_inherit(v);
        }
        let rule = attr_spec(k).map(|(_, m)| m).unwrap_or(MergeRule::Replace);
        if k == "description" && r.value.as_str() == Some("") {
            continue;
        }
        match rule {
            MergeRule::Replace => {
                dst.insert(k.clone(), r);
            }
            MergeRule::Append => match dst.get_mut(k) {
                Some(d) => {
                    append_distinct(d, r.elements, k == "attest");
                    d.rebuild_list();
                }
                None => {
                    dst.insert(k.clone(), r);
                }
            },
            MergeRule::MapMerge => {
                let nullable =
                    matches!(attr_spec(k), Some((AttrKind::StrMap { nullable: true }, _)));
                let d = dst.entry(k.clone()).or_insert_with(|| Resolved {
                    value: Value::Object(BTreeMap::new()),
                    origin: r.origin.clone(),
                    elements: Vec::new(),
                    key: None,
                });
                for e in r.elements {
                    if nullable && e.value.is_null() {
                        continue;
                    }
                    d.elements.retain(|x| x.key != e.key);
                    d.elements.push(e);
                }
                d.rebuild_map();
            }
        }
    }
}

/// Appends `items` to `d`, skipping values already there. For `attest` the
/// later duplicate replaces the earlier in place, as finalising does.
fn append_distinct(d: &mut Resolved, items: Vec<Resolved>, later_wins: bool) {
    let mut index: std::collections::HashMap<String, usize> = d
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| (super::limits::hash_key(&e.value), i))
        .collect();
    for e in items {
        let key = super::limits::hash_key(&e.value);
        match index.get(&key) {
            Some(&i) if later_wins => d.elements[i] = e,
            Some(_) => {}
            None => {
                index.insert(key, d.elements.len());
                d.elements.push(e);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Overrides (`--set`).

#[derive(Debug, Clone, Default)]
pub struct Override {
    pub value: Option<String>,
    pub arr: Vec<String>,
    pub append: bool,
    /// Where `value` was written (`<--set>` when not known).
    pub value_origin: Option<Provenance>,
    /// Where each `arr` element was written, in order.
    pub origins: Vec<Provenance>,
}

/// target → key → override.
pub type Overrides = BTreeMap<String, BTreeMap<String, Override>>;

/// Go's path.Match (`*`, `?`, `[...]`), without `/` special-casing needs.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn m(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| !n[..i].contains(&'/') && m(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && n[0] != '/' && m(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().position(|c| *c == ']') else {
                    return false;
                };
                let Some(&c) = n.first() else {
                    return false;
                };
                let class = &p[1..end];
                let (neg, class) = match class.first() {
                    Some('^') | Some('!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        if class[i] <= c && c <= class[i + 2] {
                            hit = true;
                        }
                        i += 3;
                    } else {
                        if class[i] == c {
                            hit = true;
                        }
                        i += 1;
                    }
                }
                hit != neg && m(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => !n.is_empty() && n[0] == p[1] && m(&p[2..], &n[1..]),
            Some(c) => !n.is_empty() && n[0] == *c && m(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    m(&p, &n)
}

pub fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', ']'])
}

const ARRAY_KEYS: &[&str] = &[
    "output",
    "cache-to",
    "cache-from",
    "tags",
    "platform",
    "secrets",
    "ssh",
    "attest",
    "entitlements",
    "network",
    "annotations",
    "policy",
];

/// Parses `--set` values (buildx's newOverrides).
pub fn parse_overrides(
    sets: &[String],
    target_names: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Overrides, String> {
    parse_overrides_from(sets, &[], target_names, env)
}

/// Parses `--set` values, each with where its value was written
/// (`origins[i]` for `sets[i]`; `<--set>` for those without one): a CI
/// workflow's `set:` line, so findings on an overridden value point there.
pub fn parse_overrides_from(
    sets: &[String],
    origins: &[Provenance],
    target_names: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Overrides, String> {
    let mut out: Overrides = BTreeMap::new();
    for (index, v) in sets.iter().enumerate() {
        let origin = origins.get(index).cloned().unwrap_or_else(over_prov);
        let (lhs, value) = match v.split_once('=') {
            Some((l, r)) => (l, Some(r.to_string())),
            None => (v.as_str(), None),
        };
        let append = lhs.ends_with('+');
        let skey = lhs.trim_end_matches('+');
        let keys: Vec<&str> = skey.splitn(3, '.').collect();
        if keys.len() < 2 {
            return Err(format!("invalid override key {skey}, expected target.name"));
        }
        let pattern = keys[0];
        if value.is_none() && keys[1] != "args" {
            return Err(format!("invalid override {v}, expected target.name=value"));
        }
        let names: Vec<String> = if target_names.iter().any(|n| n == pattern) {
            vec![pattern.to_string()]
        } else {
            let m: Vec<String> = target_names
                .iter()
                .filter(|n| glob_match(pattern, n))
                .cloned()
                .collect();
            if m.is_empty() {
                return Err(format!("could not find any target matching '{pattern}'"));
            }
            m
        };
        let okey = keys[1..].join(".");
        for name in names {
            let t = out.entry(name).or_default();
            let o = t.entry(okey.clone()).or_default();
            if ARRAY_KEYS.contains(&keys[1]) {
                if let Some(val) = &value {
                    o.append = append;
                    o.arr.push(val.clone());
                    o.origins.push(origin.clone());
                }
                continue;
            }
            if matches!(
                keys[1],
                "args" | "contexts" | "labels" | "extra-hosts" | "resources" | "secret"
            ) && keys.len() != 3
            {
                return Err(format!("invalid key {lhs}, {} requires name", keys[1]));
            }
            o.value_origin = Some(origin.clone());
            match &value {
                Some(val) => o.value = Some(val.clone()),
                None => {
                    // `args.X` without a value reads the environment.
                    match env.get(keys.get(2).copied().unwrap_or("")) {
                        Some(e) => o.value = Some(e.clone()),
                        None => {
                            t.remove(&okey);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

fn over_prov() -> Provenance {
    Provenance {
        file: PathBuf::from(OVERRIDE_FILE),
        ..Provenance::default()
    }
}

/// A list from `--set` values, each element with where it was written
/// (the list itself: where its first element was).
fn list_res(items: &[String], origins: &[Provenance]) -> Resolved {
    let origin_of = |i: usize| origins.get(i).cloned().unwrap_or_else(over_prov);
    let mut r = Resolved {
        value: Value::Null,
        origin: origin_of(0),
        elements: items
            .iter()
            .enumerate()
            .map(|(i, s)| Resolved::leaf(Value::String(s.clone()), origin_of(i)))
            .collect(),
        key: None,
    };
    r.rebuild_list();
    r
}

/// Applies overrides to a target's attributes (buildx's AddOverrides).
pub fn apply_overrides(
    attrs: &mut AttrMap,
    ovs: &BTreeMap<String, Override>,
) -> Result<(), String> {
    for (key, o) in ovs {
        let (k0, k1) = match key.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (key.as_str(), None),
        };
        let value = o.value.clone().unwrap_or_default();
        let value_origin = o.value_origin.clone().unwrap_or_else(over_prov);
        let str_res = |s: &str| Resolved::leaf(Value::String(s.to_string()), value_origin.clone());
        let set_list = |attrs: &mut AttrMap, name: &str, append: bool| {
            let add = list_res(&o.arr, &o.origins);
            match (append, attrs.get_mut(name)) {
                (true, Some(d)) if !d.value.is_null() => {
                    d.elements.extend(add.elements);
                    d.rebuild_list();
                }
                _ => {
                    attrs.insert(name.to_string(), add);
                }
            }
        };
        match k0 {
            "context" | "dockerfile" | "target" | "call" | "shm-size" => {
                attrs.insert(k0.to_string(), str_res(&value));
            }
            "network" => {
                let (v, origin) = match (o.arr.last(), o.origins.last()) {
                    (Some(v), Some(origin)) => (v.clone(), origin.clone()),
                    (Some(v), None) => (v.clone(), over_prov()),
                    _ => (value.clone(), value_origin.clone()),
                };
                attrs.insert("network".into(), Resolved::leaf(Value::String(v), origin));
            }
            "secret" => {} // applied last, on the final list (below)
            "args" | "labels" | "contexts" | "extra-hosts" | "resources" => {
                let Some(k) = k1 else {
                    return Err(format!(
                        "invalid format for {k0}, expecting {k0}.<name>=<value>"
                    ));
                };
                let d = attrs.entry(k0.to_string()).or_insert_with(|| Resolved {
                    value: Value::Object(BTreeMap::new()),
                    origin: over_prov(),
                    elements: vec![],
                    key: None,
                });
                if d.value.is_null() {
                    d.value = Value::Object(BTreeMap::new());
                }
                d.elements.retain(|e| e.key.as_deref() != Some(k));
                let mut e = str_res(&value);
                if k0 == "resources" {
                    e.value = resource_value(k, &e.value)?;
                }
                e.key = Some(k.to_string());
                d.elements.push(e);
                d.rebuild_map();
            }
            "tags" => set_list(attrs, "tags", o.append),
            "platform" => set_list(attrs, "platforms", o.append),
            "no-cache-filter" | "ulimits" => {
                let (items, origins): (Vec<String>, Vec<Provenance>) = match &o.value {
                    Some(v) => (vec![v.clone()], vec![value_origin.clone()]),
                    None => (o.arr.clone(), o.origins.clone()),
                };
                let add = list_res(&items, &origins);
                attrs.insert(k0.to_string(), add);
            }
            "cache-from" | "cache-to" | "output" | "secrets" | "ssh" => {
                let name = if k0 == "secrets" { "secret" } else { k0 };
                set_list(attrs, name, o.append);
            }
            "attest" | "entitlements" | "annotations" | "policy" => set_list(attrs, k0, true),
            "no-cache" | "pull" => {
                let b = parse_go_bool(&value)
                    .ok_or_else(|| format!("invalid value {value} for boolean key {k0}"))?;
                attrs.insert(
                    k0.to_string(),
                    Resolved::leaf(Value::Bool(b), value_origin.clone()),
                );
            }
            "push" | "load" => {
                let b = parse_go_bool(&value)
                    .ok_or_else(|| format!("invalid value {value} for boolean key {k0}"))?;
                attrs.insert(
                    format!("\0{k0}"),
                    Resolved::leaf(Value::Bool(b), value_origin.clone()),
                );
            }
            other => return Err(format!("unknown key: {other}")),
        }
    }
    // `secret.ID=env=NAME` / `secret.ID=src=PATH`: a new source for the
    // secret of that id in the final list.
    for (key, o) in ovs {
        let Some(id) = key.strip_prefix("secret.") else {
            continue;
        };
        let value = o.value.clone().unwrap_or_default();
        let mut obj = BTreeMap::from([("id".to_string(), Value::str(id))]);
        for f in go_csv(&value) {
            match f.split_once('=') {
                Some(("env", v)) => {
                    obj.insert("env".into(), Value::str(v));
                }
                Some(("src" | "source", v)) => {
                    obj.insert("src".into(), Value::str(v));
                }
                Some(("type", "env" | "file")) => {}
                Some(("id", other)) if other != id => {
                    return Err(format!(
                        "secret override id {other:?} does not match declared secret {id:?}"
                    ))
                }
                Some(("id", _)) => {}
                _ => return Err(format!("invalid secret source override {value:?} for {id}: expected env=NAME or src=PATH")),
            }
        }
        let Some(list) = attrs.get_mut("secret") else {
            return Err(format!(
                "secret {id:?} must be declared before it can be overridden"
            ));
        };
        let mut found = false;
        for e in list.elements.iter_mut() {
            let parsed = parse_entries(EntryKind::Secret, &e.value, &e.origin);
            if parsed
                .iter()
                .any(|p| p.attrs.get("id").map(String::as_str) == Some(id))
            {
                let origin = o.value_origin.clone().unwrap_or_else(over_prov);
                *e = Resolved::leaf(Value::Object(obj.clone()), origin);
                found = true;
            }
        }
        if !found {
            return Err(format!(
                "secret {id:?} must be declared before it can be overridden"
            ));
        }
        list.rebuild_list();
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Finalising a resolved target.

fn dedupe_strings(r: &mut Resolved) {
    let mut seen = BTreeSet::new();
    r.elements.retain(|e| match e.value.as_str() {
        Some("") => false,
        Some(s) => seen.insert(s.to_string()),
        None => true,
    });
    r.rebuild_list();
}

fn entries_of(attrs: &AttrMap, name: &str, kind: EntryKind) -> Vec<Entry> {
    let Some(r) = attrs.get(name) else {
        return vec![];
    };
    let mut out: Vec<Entry> = Vec::new();
    for e in &r.elements {
        for en in parse_entries(kind, &e.value, &e.origin) {
            if kind == EntryKind::Attest {
                if let Some(i) = out.iter().position(|x| x.typ == en.typ) {
                    out[i] = en;
                    continue;
                }
            } else if out.iter().any(|x| x.same(&en)) {
                continue;
            }
            out.push(en);
        }
    }
    out
}

/// Normalises a target (buildx's `normalize` plus defaults) into a `Target`.
pub fn finalize(
    name: &str,
    mut attrs: AttrMap,
    block: Option<Provenance>,
    chain: Vec<String>,
    own_inherits: Option<Resolved>,
    cwd: &Path,
    file_dir: &Path,
) -> Target {
    attrs.remove("inherits");
    for k in [
        "annotations",
        "tags",
        "platforms",
        "no-cache-filter",
        "ulimits",
        "entitlements",
    ] {
        if let Some(r) = attrs.get_mut(k) {
            dedupe_strings(r);
        }
    }
    if attrs.get("network").and_then(|r| r.value.as_str()) == Some("host") {
        let prov = attrs
            .get("network")
            .map(|r| r.origin.clone())
            .unwrap_or_default();
        let r = attrs
            .entry("entitlements".into())
            .or_insert_with(|| Resolved {
                value: Value::List(vec![]),
                origin: prov.clone(),
                elements: vec![],
                key: None,
            });
        r.elements
            .push(Resolved::leaf(Value::str("network.host"), prov));
        dedupe_strings(r);
    }
    if let Some(r) = attrs.get_mut("contexts") {
        r.elements.retain(|e| e.value.as_str() != Some(""));
        r.rebuild_map();
        if r.elements.is_empty() {
            attrs.remove("contexts");
        }
    }
    let mut t = Target {
        name: name.to_string(),
        cache_from: entries_of(&attrs, "cache-from", EntryKind::Cache),
        cache_to: entries_of(&attrs, "cache-to", EntryKind::Cache),
        outputs: entries_of(&attrs, "output", EntryKind::Output),
        secrets: entries_of(&attrs, "secret", EntryKind::Secret),
        ssh: entries_of(&attrs, "ssh", EntryKind::Ssh),
        attest: entries_of(&attrs, "attest", EntryKind::Attest),
        policy: entries_of(&attrs, "policy", EntryKind::Policy),
        attrs,
        block,
        inherits_chain: chain,
        inherits: own_inherits,
        cwd: cwd.to_path_buf(),
        file_dir: file_dir.to_path_buf(),
    };
    if let Some(r) = t.attrs.remove("\0push") {
        if let Value::Bool(b) = r.value {
            set_push(&mut t.outputs, b, &r.origin);
        }
    }
    if let Some(r) = t.attrs.remove("\0load") {
        if r.value == Value::Bool(true) {
            set_load(&mut t.outputs, &r.origin);
        }
    }
    t
}

fn set_push(outputs: &mut Vec<Entry>, push: bool, origin: &Provenance) {
    if !push {
        outputs.retain(|o| o.typ != "registry");
        for o in outputs.iter_mut() {
            if o.typ == "image" {
                o.attrs.insert("push".into(), "false".into());
            }
        }
        return;
    }
    let mut add = true;
    for o in outputs.iter_mut() {
        if o.typ != "docker" {
            add = false;
        }
        if o.typ == "image" {
            o.attrs.insert("push".into(), "true".into());
        }
    }
    if add {
        outputs.push(Entry {
            kind: EntryKind::Output,
            typ: "image".into(),
            attrs: BTreeMap::from([("push".to_string(), "true".to_string())]),
            disabled: false,
            origin: origin.clone(),
            error: None,
        });
    }
}

fn set_load(outputs: &mut Vec<Entry>, origin: &Provenance) {
    for o in outputs.iter() {
        match o.typ.as_str() {
            "docker" => {
                if !o.attrs.contains_key("dest") {
                    return;
                }
            }
            "image" | "registry" | "oci" => {}
            _ => return,
        }
    }
    outputs.push(Entry {
        kind: EntryKind::Output,
        typ: "docker".into(),
        attrs: BTreeMap::new(),
        disabled: false,
        origin: origin.clone(),
        error: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("app-*", "app-a"));
        assert!(!glob_match("app-*", "web"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[^a-c]x", "bx"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn cache_entries() {
        let p = Provenance::default();
        let e = parse_entries(EntryKind::Cache, &Value::str("a/b:c,d/e:f"), &p);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].attrs["ref"], "d/e:f");
        let e = parse_entries(EntryKind::Cache, &Value::str("type=local,SRC=x"), &p);
        assert_eq!(e[0].typ, "local");
        assert_eq!(e[0].attrs["src"], "x");
        let e = parse_entries(EntryKind::Output, &Value::str("-"), &p);
        assert_eq!(e[0].typ, "tar");
        let e = parse_entries(
            EntryKind::Attest,
            &Value::str("type=sbom,disabled=maybe"),
            &p,
        );
        assert!(e[0].error.is_some());
        let e = parse_entries(EntryKind::Secret, &Value::str("id=x,type=bogus"), &p);
        assert!(e[0].error.is_some());
    }

    #[test]
    fn overrides_parse() {
        let names = vec!["app".to_string(), "web".to_string()];
        let o = parse_overrides(
            &["*.tags=x".into(), "app.args.A=1".into()],
            &names,
            &BTreeMap::new(),
        )
        .expect("parses");
        assert_eq!(o["web"]["tags"].arr, vec!["x"]);
        assert_eq!(o["app"]["args.A"].value.as_deref(), Some("1"));
        assert!(parse_overrides(&["app".into()], &names, &BTreeMap::new()).is_err());
        assert!(parse_overrides(&["nope.tags=x".into()], &names, &BTreeMap::new()).is_err());
        assert!(parse_overrides(&["app.args=x".into()], &names, &BTreeMap::new()).is_err());
    }
}
