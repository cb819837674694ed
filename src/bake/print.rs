//! `docker buildx bake --print` JSON output (Go's encoding/json MarshalIndent).

use super::target::{Entry, EntryKind, Group, Target};
use super::value::json_string;

/// A JSON value with ordered object keys.
#[derive(Debug, Clone)]
pub enum J {
    Null,
    Bool(bool),
    /// A number, already formatted.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    pub fn write(&self, out: &mut String, indent: usize) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => json_string(s, out, true),
            J::Arr(items) => {
                if items.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent + 1);
                    it.write(out, indent + 1);
                }
                newline(out, indent);
                out.push(']');
            }
            J::Obj(items) => {
                if items.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent + 1);
                    json_string(k, out, true);
                    out.push_str(": ");
                    v.write(out, indent + 1);
                }
                newline(out, indent);
                out.push('}');
            }
        }
    }
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// `${` → `$${` and `%{` → `%%{`, as buildx does for args, labels,
/// annotations, extra-hosts and dockerfile-inline.
pub fn escape_interp(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

fn strs(items: Vec<String>, esc: bool) -> J {
    J::Arr(
        items
            .into_iter()
            .map(|s| J::Str(if esc { escape_interp(&s) } else { s }))
            .collect(),
    )
}

fn entry_json(e: &Entry) -> J {
    match e.kind {
        EntryKind::Secret => {
            let mut o = Vec::new();
            for k in ["id", "src", "env"] {
                if let Some(v) = e.attrs.get(k).filter(|v| !v.is_empty()) {
                    o.push((k.to_string(), J::Str(v.clone())));
                }
            }
            J::Obj(o)
        }
        EntryKind::Ssh => {
            let mut o = Vec::new();
            if let Some(v) = e.attrs.get("id").filter(|v| !v.is_empty()) {
                o.push(("id".to_string(), J::Str(v.clone())));
            }
            if let Some(v) = e.attrs.get("paths").filter(|v| !v.is_empty()) {
                o.push((
                    "paths".to_string(),
                    J::Arr(v.split(',').map(|p| J::Str(p.to_string())).collect()),
                ));
            }
            J::Obj(o)
        }
        _ => {
            let mut m: Vec<(String, J)> = e
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), J::Str(v.clone())))
                .collect();
            if e.kind != EntryKind::Policy {
                m.push(("type".into(), J::Str(e.typ.clone())));
            }
            if e.disabled {
                m.push(("disabled".into(), J::Bool(true)));
            }
            m.sort_by(|a, b| a.0.cmp(&b.0));
            J::Obj(m)
        }
    }
}

fn entries(v: &[Entry]) -> Option<J> {
    if v.is_empty() {
        None
    } else {
        Some(J::Arr(v.iter().map(entry_json).collect()))
    }
}

fn map_json(m: std::collections::BTreeMap<String, String>, esc: bool) -> Option<J> {
    if m.is_empty() {
        return None;
    }
    Some(J::Obj(
        m.into_iter()
            .map(|(k, v)| (k, J::Str(if esc { escape_interp(&v) } else { v })))
            .collect(),
    ))
}

fn list_json(t: &Target, name: &str, esc: bool) -> Option<J> {
    let items: Vec<String> = t
        .attr(name)
        .map(|r| {
            r.elements
                .iter()
                .filter_map(|e| e.value.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        None
    } else {
        Some(strs(items, esc))
    }
}

/// The JSON object of one target, fields in buildx's order.
pub fn target_json(t: &Target, source_date_epoch: Option<&str>) -> J {
    let mut o: Vec<(String, J)> = Vec::new();
    let mut put = |k: &str, v: Option<J>| {
        if let Some(v) = v {
            o.push((k.to_string(), v));
        }
    };
    let s = |name: &str| {
        t.attr(name)
            .and_then(|r| r.value.as_str())
            .map(str::to_string)
    };
    let b = |name: &str| match t.attr(name).map(|r| &r.value) {
        Some(super::value::Value::Bool(b)) => Some(J::Bool(*b)),
        _ => None,
    };
    put(
        "description",
        s("description").filter(|d| !d.is_empty()).map(J::Str),
    );
    put("annotations", list_json(t, "annotations", true));
    put("attest", entries(&t.attest));
    put("context", Some(J::Str(t.context())));
    put("contexts", map_json(t.contexts(), false));
    put("dockerfile", Some(J::Str(t.dockerfile_name().to_string())));
    put(
        "dockerfile-inline",
        s("dockerfile-inline").map(|d| J::Str(escape_interp(&d))),
    );
    let mut args = t.args();
    if let Some(sde) = source_date_epoch {
        args.entry("SOURCE_DATE_EPOCH".into())
            .or_insert_with(|| sde.to_string());
    }
    put("args", map_json(args, true));
    put("labels", map_json(t.labels(), true));
    put("tags", list_json(t, "tags", false));
    put("cache-from", entries(&t.cache_from));
    put("cache-to", entries(&t.cache_to));
    put("target", s("target").map(J::Str));
    put("secret", entries(&t.secrets));
    put("ssh", entries(&t.ssh));
    put("platforms", list_json(t, "platforms", false));
    put("output", entries(&t.outputs));
    put("pull", b("pull"));
    put("no-cache", b("no-cache"));
    put("network", s("network").map(J::Str));
    put("no-cache-filter", list_json(t, "no-cache-filter", false));
    put("shm-size", s("shm-size").map(J::Str));
    put("ulimits", list_json(t, "ulimits", false));
    put("call", s("call").map(J::Str));
    put("entitlements", list_json(t, "entitlements", false));
    put("extra-hosts", map_json(t.str_map("extra-hosts"), true));
    put("resources", resources_json(t));
    put("policy", entries(&t.policy));
    J::Obj(o)
}

/// `resources`: CPU figures as numbers, the rest as strings.
fn resources_json(t: &Target) -> Option<J> {
    let r = t.attr("resources")?;
    let items: Vec<(String, J)> = r
        .elements
        .iter()
        .filter_map(|e| {
            let v = match &e.value {
                super::value::Value::Number(n) => J::Num(super::value::format_number(*n)),
                super::value::Value::String(s) => J::Str(s.clone()),
                _ => return None,
            };
            Some((e.key.clone()?, v))
        })
        .collect();
    if items.is_empty() {
        None
    } else {
        Some(J::Obj(items))
    }
}

pub fn group_json(g: &Group) -> J {
    let mut o = Vec::new();
    if let Some(d) = g.description.as_ref().filter(|d| !d.is_empty()) {
        o.push(("description".to_string(), J::Str(d.clone())));
    }
    o.push((
        "targets".to_string(),
        J::Arr(g.targets.iter().map(|t| J::Str(t.clone())).collect()),
    ));
    J::Obj(o)
}
