//! Compose files as bake input, as `docker buildx bake` reads them
//! (buildx's `ParseCompose` over compose-go): every service with a `build`
//! section becomes a target, all of them form the `default` group.
//!
//! Each compose file is read with [`crate::yaml`] (byte spans kept) and
//! turned into literal `target` blocks, one per service and file, placed
//! before the HCL/JSON blocks: the usual merge rules then combine a service
//! defined in several compose files, and HCL targets of the same name merge
//! over it as buildx's `Target.Merge` does. Every value's expression points
//! at the YAML scalar it came from, so provenance (and findings) land in
//! the compose file.
//!
//! Mapping: `context`, `dockerfile`, `dockerfile_inline`, `args` (map or
//! `K=V` list; a key without a value reads the service `environment`, then
//! the environment, and is dropped when unset), `labels`, `tags` (else
//! `image`), `target`, `cache_from`, `cache_to`, `platforms`, `network`,
//! `secrets` (with the top-level `secrets` file/environment), `ssh`,
//! `shm_size`, `ulimits`, `additional_contexts` (`service:` → `target:`),
//! `privileged` (the `security.insecure` entitlement) and the `x-bake`
//! extension. Values are interpolated (`${VAR}`, `${VAR:-default}`,
//! `${VAR:?error}`, `$$`…) from the environment, `--var` values and the
//! `.env` file of the working directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::expr::{Expr, ExprKind};
use super::load::{AttrDef, BlockDef};
use super::value::Value;
use super::BakeError;
use crate::span::Span;
use crate::yaml::{self, Node, NodeKind};

/// Compose's top-level keys (and `x-*` extensions).
const TOP_KEYS: &[&str] = &[
    "version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models",
];

/// Whether a file of unknown extension is a compose file: YAML whose root
/// is a mapping of compose's top-level keys only.
pub fn sniff(text: &str) -> bool {
    let Ok(docs) = yaml::parse(text) else {
        return false;
    };
    let Some(root) = docs.first() else {
        return false;
    };
    let Some(items) = root.as_map() else {
        return false;
    };
    !items.is_empty()
        && items.iter().all(|(k, _)| {
            k.as_str()
                .is_some_and(|k| TOP_KEYS.contains(&k) || k.starts_with("x-"))
        })
}

/// One compose file, parsed.
pub struct ComposeFile<'a> {
    pub index: usize,
    pub path: &'a Path,
    pub text: &'a str,
}

fn err(path: &Path, span: Span, message: impl Into<String>) -> BakeError {
    BakeError {
        file: path.to_path_buf(),
        span,
        message: message.into(),
        help: None,
    }
}

/// Reads the `.env` file of `dir` (compose's dotenv format, simplified:
/// `KEY=VALUE` lines, `export` prefixes, quotes, `#` comments).
pub fn dotenv(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(text) = crate::fsread::read_text(&dir.join(".env")) else {
        return out;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            let inner = &v[1..v.len() - 1];
            if v.starts_with('"') {
                inner
                    .replace("\\n", "\n")
                    .replace("\\\"", "\"")
                    .replace("\\\\", "\\")
            } else {
                inner.to_string()
            }
        } else {
            // An unquoted value ends at ` #`.
            match v.find(" #") {
                Some(i) => v[..i].trim_end().to_string(),
                None => v.to_string(),
            }
        };
        out.insert(k.to_string(), v);
    }
    out
}

/// Compose's variable interpolation.
pub fn interpolate(s: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                // Find the matching brace.
                let mut depth = 0usize;
                let mut j = i + 1;
                let mut end = None;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let Some(end) = end else {
                    return Err(format!("invalid template: {s:?}"));
                };
                out.push_str(&substitute(&s[i + 2..end], env)?);
                i = end + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                out.push_str(env.get(&s[i + 1..j]).map(String::as_str).unwrap_or(""));
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    Ok(out)
}

fn substitute(inner: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() {
        return Err(format!("invalid interpolation format for ${{{inner}}}"));
    }
    let rest = &inner[name_end..];
    let val = env.get(name);
    let set = val.is_some();
    let nonempty = val.is_some_and(|v| !v.is_empty());
    let value = || val.cloned().unwrap_or_default();
    let ops: [(&str, u8); 6] = [
        (":-", 0),
        (":?", 1),
        (":+", 2),
        ("-", 3),
        ("?", 4),
        ("+", 5),
    ];
    if rest.is_empty() {
        return Ok(value());
    }
    for (op, kind) in ops {
        let Some(arg) = rest.strip_prefix(op) else {
            continue;
        };
        return match kind {
            0 => Ok(if nonempty {
                value()
            } else {
                interpolate(arg, env)?
            }),
            3 => Ok(if set { value() } else { interpolate(arg, env)? }),
            1 | 4 => {
                let ok = if kind == 1 { nonempty } else { set };
                if ok {
                    Ok(value())
                } else {
                    let msg = interpolate(arg, env)?;
                    Err(format!(
                        "required variable {name} is missing a value{}",
                        if msg.is_empty() {
                            String::new()
                        } else {
                            format!(": {msg}")
                        }
                    ))
                }
            }
            _ => {
                let ok = if kind == 2 { nonempty } else { set };
                Ok(if ok {
                    interpolate(arg, env)?
                } else {
                    String::new()
                })
            }
        };
    }
    Err(format!("invalid interpolation format for ${{{inner}}}"))
}

/// A scalar read from a compose file: interpolated text and its span.
#[derive(Debug, Clone)]
struct Scalar {
    text: Option<String>,
    span: Span,
}

struct Reader<'a> {
    path: &'a Path,
    env: &'a BTreeMap<String, String>,
}

impl Reader<'_> {
    fn scalar(&self, n: &Node) -> Result<Scalar, BakeError> {
        if n.is_null() {
            return Ok(Scalar {
                text: None,
                span: n.span,
            });
        }
        let Some(s) = n.as_str() else {
            return Err(err(self.path, n.span, "a string is required here"));
        };
        let text = interpolate(s, self.env).map_err(|m| err(self.path, n.span, m))?;
        Ok(Scalar {
            text: Some(text),
            span: n.span,
        })
    }

    fn string(&self, n: &Node) -> Result<Option<(String, Span)>, BakeError> {
        let s = self.scalar(n)?;
        Ok(s.text.map(|t| (t, s.span)))
    }

    /// A list of strings, or (`split`) a whitespace-separated string.
    fn list(&self, n: &Node, split: bool) -> Result<Vec<(String, Span)>, BakeError> {
        match &n.kind {
            NodeKind::Seq(items) => {
                let mut out = Vec::new();
                for i in items {
                    if let Some(s) = self.string(i)? {
                        out.push(s);
                    }
                }
                Ok(out)
            }
            NodeKind::Scalar { .. } if n.is_null() => Ok(vec![]),
            NodeKind::Scalar { .. } => {
                let Some((s, span)) = self.string(n)? else {
                    return Ok(vec![]);
                };
                if split {
                    Ok(s.split_whitespace()
                        .map(|x| (x.to_string(), span))
                        .collect())
                } else {
                    Ok(vec![(s, span)])
                }
            }
            NodeKind::Map(_) => Err(err(self.path, n.span, "a list is required here")),
        }
    }

    /// A mapping or a `K=V` list; values may be null (`K` alone, `K:`).
    #[allow(clippy::type_complexity)]
    fn map(&self, n: &Node) -> Result<Vec<(String, Span, Option<(String, Span)>)>, BakeError> {
        let mut out: Vec<(String, Span, Option<(String, Span)>)> = Vec::new();
        let mut put = |k: String, ks: Span, v: Option<(String, Span)>| {
            out.retain(|(x, _, _)| *x != k);
            out.push((k, ks, v));
        };
        match &n.kind {
            NodeKind::Map(_) => {
                for (k, kn, v) in n.entries() {
                    let val = match &v.kind {
                        NodeKind::Scalar { .. } => self.string(v)?,
                        _ => return Err(err(self.path, v.span, "a string is required here")),
                    };
                    put(k.to_string(), kn.span, val);
                }
            }
            NodeKind::Seq(items) => {
                for i in items {
                    let Some((s, span)) = self.string(i)? else {
                        continue;
                    };
                    match s.split_once('=') {
                        Some((k, v)) => put(k.to_string(), span, Some((v.to_string(), span))),
                        None => put(s, span, None),
                    }
                }
            }
            NodeKind::Scalar { .. } if n.is_null() => {}
            NodeKind::Scalar { .. } => {
                return Err(err(
                    self.path,
                    n.span,
                    "a mapping or a list is required here",
                ))
            }
        }
        Ok(out)
    }
}

fn lit(s: &str, span: Span) -> Expr {
    Expr::lit(Value::String(s.to_string()), span)
}

fn tuple(items: &[(String, Span)], span: Span) -> Expr {
    Expr::new(
        ExprKind::Tuple(items.iter().map(|(s, sp)| lit(s, *sp)).collect()),
        span,
    )
}

fn object(items: &[(String, Span, String, Span)], span: Span) -> Expr {
    Expr::new(
        ExprKind::Object(
            items
                .iter()
                .map(|(k, ks, v, vs)| (lit(k, *ks), lit(v, *vs)))
                .collect(),
        ),
        span,
    )
}

/// go-units' `BytesSize` (what buildx prints for `shm_size`).
fn bytes_size(n: f64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let mut size = n;
    let mut i = 0;
    while size >= 1024.0 && i + 1 < UNITS.len() {
        size /= 1024.0;
        i += 1;
    }
    format!("{}{}", format_g4(size), UNITS[i])
}

/// Go's `%.4g` for the sizes `bytes_size` prints (below 10000).
fn format_g4(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let int_digits = (x.abs().log10().floor() as i32 + 1).max(1);
    let decimals = (4 - int_digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// compose's byte sizes: an integer, or a number with b/k/m/g (and kb…).
fn parse_bytes(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return None,
    };
    Some((n * mult).floor())
}

struct Attrs {
    file: usize,
    items: Vec<AttrDef>,
}

impl Attrs {
    fn put(&mut self, name: &str, name_span: Span, expr: Expr) {
        self.items.retain(|a| a.name != name);
        let span = name_span.cover(expr.span);
        self.items.push(AttrDef {
            name: name.to_string(),
            name_span,
            expr,
            span,
            file: self.file,
        });
    }
}

/// The service definitions of every compose file, merged the compose way
/// into per-file target blocks plus the `default` group.
pub fn blocks(
    files: &[ComposeFile<'_>],
    env: &BTreeMap<String, String>,
) -> Result<Vec<BlockDef>, BakeError> {
    struct Def<'n> {
        file: usize,
        path: &'n Path,
        key_span: Span,
        service: Node,
    }
    let mut roots: Vec<(usize, &Path, Node)> = Vec::new();
    for f in files {
        let docs = yaml::parse(f.text).map_err(|e| {
            err(
                f.path,
                Span::empty(e.offset),
                format!("failed to parse compose file: {}", e.message),
            )
        })?;
        let Some(root) = docs.into_iter().next() else {
            return Err(err(f.path, Span::default(), "empty compose file"));
        };
        if root.is_null() {
            return Err(err(f.path, root.span, "empty compose file"));
        }
        if root.as_map().is_none() {
            return Err(err(
                f.path,
                root.span,
                "failed to parse compose file: top-level object must be a mapping",
            ));
        }
        roots.push((f.index, f.path, root));
    }
    // Top-level secrets (file / environment), merged across files.
    let mut secret_defs: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    let mut services: BTreeMap<String, Vec<Def<'_>>> = BTreeMap::new();
    let mut service_spans: Vec<(usize, Span)> = Vec::new();
    for (file, path, root) in &roots {
        let r = Reader { path, env };
        if let Some(secrets) = root.get("secrets") {
            for (name, _, def) in secrets.entries() {
                let e = secret_defs.entry(name.to_string()).or_default();
                if let Some(f) = def.get("file") {
                    e.0 = r.string(f)?.map(|x| x.0);
                }
                if let Some(v) = def.get("environment") {
                    e.1 = r.string(v)?.map(|x| x.0);
                }
            }
        }
        let Some(svcs) = root.get_entry("services") else {
            continue;
        };
        service_spans.push((*file, svcs.0.span));
        if svcs.1.is_null() {
            continue;
        }
        if svcs.1.as_map().is_none() {
            return Err(err(path, svcs.1.span, "services must be a mapping"));
        }
        for (name, kn, sv) in svcs.1.entries() {
            services.entry(name.to_string()).or_default().push(Def {
                file: *file,
                path,
                key_span: kn.span,
                service: sv.clone(),
            });
        }
    }
    let mut out = Vec::new();
    let mut group: Vec<(String, usize, Span)> = Vec::new();
    for (name, defs) in &services {
        if !defs.iter().any(|d| d.service.get("build").is_some()) {
            continue;
        }
        let tname = name.replace('.', "_");
        let first = &defs[0];
        if tname.is_empty()
            || !tname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                first.path,
                first.key_span,
                format!("invalid service name {tname:?}: only \"[a-zA-Z0-9_-]+\" are allowed"),
            ));
        }
        // The merged service environment (for args without a value).
        let mut service_env: BTreeMap<String, Option<String>> = BTreeMap::new();
        for d in defs {
            let r = Reader { path: d.path, env };
            if let Some(e) = d.service.get("environment") {
                for (k, _, v) in r.map(e)? {
                    service_env.insert(k, v.map(|x| x.0));
                }
            }
        }
        let has_tags = defs.iter().any(|d| {
            let b = d.service.get("build");
            b.and_then(|b| b.get("tags"))
                .and_then(Node::as_seq)
                .is_some_and(|s| !s.is_empty())
                || b.and_then(|b| b.get("x-bake"))
                    .and_then(|x| x.get("tags"))
                    .is_some_and(|t| !t.is_null())
        });
        let image_file = defs.iter().rposition(|d| d.service.get("image").is_some());
        for (di, d) in defs.iter().enumerate() {
            let r = Reader { path: d.path, env };
            let mut a = Attrs {
                file: d.file,
                items: Vec::new(),
            };
            let build = d.service.get_entry("build");
            if let Some((bk, b)) = build {
                let mut build_map: Option<&Node> = None;
                match &b.kind {
                    NodeKind::Scalar { .. } if !b.is_null() => {
                        if let Some((s, sp)) = r.string(b)? {
                            a.put("context", bk.span, lit(&s, sp));
                        }
                    }
                    NodeKind::Map(_) => build_map = Some(b),
                    NodeKind::Scalar { .. } => {}
                    NodeKind::Seq(_) => {
                        return Err(err(d.path, b.span, "build must be a string or a mapping"))
                    }
                }
                if let Some(b) = build_map {
                    for (key, kn, v) in b.entries() {
                        match key {
                            "context" => {
                                if let Some((s, sp)) = r.string(v)? {
                                    a.put("context", kn.span, lit(&s, sp));
                                }
                            }
                            "dockerfile" | "dockerfile_inline" | "target" | "network" => {
                                if let Some((s, sp)) = r.string(v)? {
                                    let attr = match key {
                                        "dockerfile_inline" => "dockerfile-inline",
                                        k => k,
                                    };
                                    a.put(attr, kn.span, lit(&s, sp));
                                }
                            }
                            "args" => {
                                let mut items = Vec::new();
                                for (k, ks, val) in r.map(v)? {
                                    let resolved = match val {
                                        Some(x) => Some(x),
                                        None => service_env
                                            .get(&k)
                                            .cloned()
                                            .flatten()
                                            .or_else(|| env.get(&k).cloned())
                                            .map(|x| (x, ks)),
                                    };
                                    if let Some((val, vs)) = resolved {
                                        items.push((k, ks, val, vs));
                                    }
                                }
                                a.put("args", kn.span, object(&items, v.span));
                            }
                            "labels" => {
                                let items: Vec<_> = r
                                    .map(v)?
                                    .into_iter()
                                    .map(|(k, ks, val)| {
                                        let (val, vs) = val.unwrap_or((String::new(), ks));
                                        (k, ks, val, vs)
                                    })
                                    .collect();
                                a.put("labels", kn.span, object(&items, v.span));
                            }
                            "additional_contexts" => {
                                let items: Vec<_> = r
                                    .map(v)?
                                    .into_iter()
                                    .filter_map(|(k, ks, val)| {
                                        let (val, vs) = val?;
                                        let val = match val.strip_prefix("service:") {
                                            Some(s) => format!("target:{s}"),
                                            None => val,
                                        };
                                        Some((k, ks, val, vs))
                                    })
                                    .collect();
                                a.put("contexts", kn.span, object(&items, v.span));
                            }
                            "tags" | "platforms" | "cache_from" | "cache_to" => {
                                let items = r.list(v, false)?;
                                let attr = match key {
                                    "cache_from" => "cache-from",
                                    "cache_to" => "cache-to",
                                    k => k,
                                };
                                a.put(attr, kn.span, tuple(&items, v.span));
                            }
                            "ssh" => {
                                let mut items: Vec<(String, Span)> = match &v.kind {
                                    NodeKind::Map(_) => r
                                        .map(v)?
                                        .into_iter()
                                        .map(|(k, ks, val)| match val {
                                            Some((p, vs)) if !p.is_empty() => {
                                                (format!("{k}={p}"), ks.cover(vs))
                                            }
                                            _ => (k, ks),
                                        })
                                        .collect(),
                                    _ => r.list(v, false)?,
                                };
                                items.sort_by(|x, y| {
                                    let id =
                                        |s: &str| s.split('=').next().unwrap_or("").to_string();
                                    id(&x.0).cmp(&id(&y.0))
                                });
                                a.put("ssh", kn.span, tuple(&items, v.span));
                            }
                            "secrets" => {
                                let mut items = Vec::new();
                                for s in v.as_seq().unwrap_or_default() {
                                    let (id, span) = match &s.kind {
                                        NodeKind::Map(_) => match s.get("source") {
                                            Some(src) => match r.string(src)? {
                                                Some(x) => x,
                                                None => continue,
                                            },
                                            None => continue,
                                        },
                                        _ => match r.string(s)? {
                                            Some(x) => x,
                                            None => continue,
                                        },
                                    };
                                    let mut obj = vec![(lit("id", span), lit(&id, span))];
                                    if let Some((file, envv)) = secret_defs.get(&id) {
                                        if let Some(f) = file {
                                            obj.push((lit("src", span), lit(f, span)));
                                        }
                                        if let Some(e) = envv {
                                            obj.push((lit("env", span), lit(e, span)));
                                        }
                                    }
                                    items.push(Expr::new(ExprKind::Object(obj), s.span));
                                }
                                a.put("secret", kn.span, Expr::new(ExprKind::Tuple(items), v.span));
                            }
                            "shm_size" => {
                                if let Some((s, sp)) = r.string(v)? {
                                    let n = parse_bytes(&s).ok_or_else(|| {
                                        err(d.path, sp, format!("invalid shm_size {s:?}"))
                                    })?;
                                    if n > 0.0 {
                                        a.put("shm-size", kn.span, lit(&bytes_size(n), sp));
                                    }
                                }
                            }
                            "ulimits" => {
                                let mut items = Vec::new();
                                for (lname, ln, lv) in v.entries() {
                                    let (soft, hard) = match &lv.kind {
                                        NodeKind::Map(_) => (
                                            lv.get("soft").and_then(Node::as_str).unwrap_or("0"),
                                            lv.get("hard").and_then(Node::as_str).unwrap_or("0"),
                                        ),
                                        _ => {
                                            let x = lv.as_str().unwrap_or("0");
                                            (x, x)
                                        }
                                    };
                                    items.push((
                                        format!("{lname}={soft}:{hard}"),
                                        ln.span.cover(lv.span),
                                    ));
                                }
                                items.sort();
                                a.put("ulimits", kn.span, tuple(&items, v.span));
                            }
                            "privileged" if v.as_bool() == Some(true) => {
                                a.put(
                                    "entitlements",
                                    kn.span,
                                    tuple(&[("security.insecure".into(), v.span)], v.span),
                                );
                            }
                            "x-bake" => x_bake(&r, v, &mut a)?,
                            _ => {}
                        }
                    }
                }
            }
            if !has_tags && image_file == Some(di) {
                if let Some((ik, iv)) = d.service.get_entry("image") {
                    if let Some((s, sp)) = r.string(iv)? {
                        a.put("tags", ik.span, tuple(&[(s, sp)], iv.span));
                    }
                }
            }
            if build.is_none() && a.items.is_empty() {
                continue;
            }
            let span = d.key_span.cover(d.service.span);
            out.push(BlockDef {
                kind: "target".into(),
                labels: vec![(tname.clone(), d.key_span)],
                attrs: a.items,
                blocks: vec![],
                span,
                file: d.file,
            });
        }
        group.push((tname, first.file, first.key_span));
    }
    if let Some(&(gfile, gspan)) = service_spans.first() {
        let items: Vec<Expr> = group
            .iter()
            .map(|(n, f, s)| lit(n, if *f == gfile { *s } else { gspan }))
            .collect();
        out.push(BlockDef {
            kind: "group".into(),
            labels: vec![("default".into(), gspan)],
            attrs: vec![AttrDef {
                name: "targets".into(),
                name_span: gspan,
                expr: Expr::new(ExprKind::Tuple(items), gspan),
                span: gspan,
                file: gfile,
            }],
            blocks: vec![],
            span: gspan,
            file: gfile,
        });
    }
    Ok(out)
}

/// The `x-bake` extension of a service's `build`.
fn x_bake(r: &Reader<'_>, x: &Node, a: &mut Attrs) -> Result<(), BakeError> {
    let existing = |a: &Attrs, name: &str| -> Vec<(String, Span)> {
        a.items
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| match &i.expr.kind {
                ExprKind::Tuple(items) => Some(
                    items
                        .iter()
                        .filter_map(|e| match &e.kind {
                            ExprKind::Lit(Value::String(s)) => Some((s.clone(), e.span)),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    };
    for (key, kn, v) in x.entries() {
        match key {
            "tags" | "cache-from" | "cache-to" | "secret" | "ssh" | "platforms" | "output"
            | "no-cache-filter" => {
                let items = r.list(v, true)?;
                if items.is_empty() {
                    continue;
                }
                let mut all = existing(a, key);
                let mut seen: BTreeSet<String> = all.iter().map(|x| x.0.clone()).collect();
                for it in items {
                    if seen.insert(it.0.clone()) {
                        all.push(it);
                    }
                }
                if key == "ssh" {
                    all.sort_by(|x, y| {
                        let id = |s: &str| s.split('=').next().unwrap_or("").to_string();
                        id(&x.0).cmp(&id(&y.0))
                    });
                }
                a.put(key, kn.span, tuple(&all, v.span));
            }
            "pull" | "no-cache" => {
                if let Some(b) = v.as_bool() {
                    a.put(key, kn.span, Expr::lit(Value::Bool(b), v.span));
                }
            }
            "contexts" => {
                let items: Vec<_> = r
                    .map(v)?
                    .into_iter()
                    .filter_map(|(k, ks, val)| {
                        let (val, vs) = val?;
                        Some((k, ks, val, vs))
                    })
                    .collect();
                a.put("contexts", kn.span, object(&items, v.span));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn interpolation() {
        let e = env(&[("A", "a"), ("E", "")]);
        assert_eq!(interpolate("x${A}y$A", &e).unwrap(), "xaya");
        assert_eq!(interpolate("${B:-d}", &e).unwrap(), "d");
        assert_eq!(interpolate("${E:-d}", &e).unwrap(), "d");
        assert_eq!(interpolate("${E-d}", &e).unwrap(), "");
        assert_eq!(interpolate("${A:+r}", &e).unwrap(), "r");
        assert_eq!(interpolate("${B:-${A}}", &e).unwrap(), "a");
        assert_eq!(interpolate("$$A", &e).unwrap(), "$A");
        assert!(interpolate("${B:?needed}", &e).is_err());
        assert!(interpolate("${A", &e).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes_size(parse_bytes("128m").unwrap()), "128MiB");
        assert_eq!(bytes_size(parse_bytes("1536").unwrap()), "1.5KiB");
        assert_eq!(bytes_size(parse_bytes("2g").unwrap()), "2GiB");
    }

    #[test]
    fn sniffing() {
        assert!(sniff("services:\n  a:\n    build: .\n"));
        assert!(!sniff("target \"a\" {\n  context = \".\"\n}\n"));
        assert!(!sniff("{\"target\": {\"a\": {}}}"));
    }
}
