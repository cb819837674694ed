//! The value model of the bake evaluator (a small subset of cty).

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A bake value. Lists, sets and tuples are all `List`; maps and objects are
/// both `Object` (keys sorted, as cty does).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Object(BTreeMap<String, Value>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Conversion to string as cty does for primitives.
    pub fn to_string_conv(&self) -> Result<String, String> {
        match self {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(format_number(*n)),
            Value::Null => Err("a null value cannot be used as a string".into()),
            other => Err(format!(
                "cannot convert {} to string",
                other.friendly_type()
            )),
        }
    }

    pub fn to_bool_conv(&self) -> Result<bool, String> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            Value::Null => Err("a null value cannot be used as a bool".into()),
            other => Err(format!("cannot convert {} to bool", other.friendly_type())),
        }
    }

    pub fn to_number_conv(&self) -> Result<f64, String> {
        match self {
            Value::Number(n) => Ok(*n),
            Value::String(s) => parse_number(s)
                .ok_or_else(|| format!("cannot convert {s:?} to number: a number is required")),
            Value::Null => Err("a null value cannot be used as a number".into()),
            other => Err(format!(
                "cannot convert {} to number",
                other.friendly_type()
            )),
        }
    }

    pub fn friendly_type(&self) -> String {
        match self {
            Value::List(_) => "list/tuple".into(),
            Value::Object(_) => "map/object".into(),
            other => other.type_name().into(),
        }
    }

    /// Elements for iteration (lists, and object values in key order).
    pub fn iter_elements(&self) -> Option<Vec<(Value, Value)>> {
        match self {
            Value::List(l) => Some(
                l.iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                    .collect(),
            ),
            Value::Object(o) => Some(
                o.iter()
                    .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Compact JSON (as `jsonencode` writes it).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }
}

pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let n: f64 = t.parse().ok()?;
    if n.is_finite() {
        Some(n)
    } else {
        None
    }
}

/// Formats a number the way cty converts it to a string.
pub fn format_number(n: f64) -> String {
    if n == n.trunc() && n.abs() < 1e21 {
        format!("{}", n as i128)
    } else {
        format!("{n}")
    }
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => json_string(s, out, true),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(e, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, e)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out, true);
                out.push(':');
                write_json(e, out);
            }
            out.push('}');
        }
    }
}

/// Writes a JSON string literal the way Go's encoding/json does (with HTML
/// escaping of `<`, `>`, `&` when `html` is set).
pub fn json_string(s: &str, out: &mut String, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A declared variable type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Any,
    String,
    Number,
    Bool,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
    Tuple(Vec<Ty>),
    Object(BTreeMap<String, Ty>),
}

impl Ty {
    pub fn is_primitive(&self) -> bool {
        matches!(self, Ty::String | Ty::Number | Ty::Bool)
    }

    pub fn name(&self) -> String {
        match self {
            Ty::Any => "any".into(),
            Ty::String => "string".into(),
            Ty::Number => "number".into(),
            Ty::Bool => "bool".into(),
            Ty::List(t) => format!("list({})", t.name()),
            Ty::Set(t) => format!("set({})", t.name()),
            Ty::Map(t) => format!("map({})", t.name()),
            Ty::Tuple(ts) => format!(
                "tuple([{}])",
                ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
            ),
            Ty::Object(m) => format!(
                "object({{{}}})",
                m.iter()
                    .map(|(k, t)| format!("{k}={}", t.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Converts a value to a declared type, as cty's convert does.
pub fn convert(v: &Value, ty: &Ty) -> Result<Value, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Ty::Any => Ok(v.clone()),
        Ty::String => v.to_string_conv().map(Value::String),
        Ty::Number => v.to_number_conv().map(Value::Number),
        Ty::Bool => v.to_bool_conv().map(Value::Bool),
        Ty::List(et) | Ty::Set(et) => {
            let items: Vec<Value> = match v {
                Value::List(l) => l.clone(),
                Value::Object(_) => return Err(format!("{} required", ty.name())),
                _ => return Err(format!("{} required", ty.name())),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, e) in items.iter().enumerate() {
                let c = convert(e, et).map_err(|m| format!("element {i}: {m}"))?;
                if matches!(ty, Ty::Set(_)) && out.contains(&c) {
                    continue;
                }
                out.push(c);
            }
            if matches!(ty, Ty::Set(_)) {
                out.sort_by(cmp_values);
            }
            Ok(Value::List(out))
        }
        Ty::Tuple(ts) => match v {
            Value::List(l) if l.len() == ts.len() => {
                let mut out = Vec::new();
                for (i, (e, t)) in l.iter().zip(ts).enumerate() {
                    out.push(convert(e, t).map_err(|m| format!("element {i}: {m}"))?);
                }
                Ok(Value::List(out))
            }
            _ => Err(format!("{} required", ty.name())),
        },
        Ty::Map(et) => match v {
            Value::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, e) in o {
                    out.insert(
                        k.clone(),
                        convert(e, et).map_err(|m| format!("element {k:?}: {m}"))?,
                    );
                }
                Ok(Value::Object(out))
            }
            _ => Err(format!("{} required", ty.name())),
        },
        Ty::Object(fields) => match v {
            Value::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, t) in fields {
                    match o.get(k) {
                        Some(e) => {
                            out.insert(
                                k.clone(),
                                convert(e, t).map_err(|m| format!("attribute {k:?}: {m}"))?,
                            );
                        }
                        None => return Err(format!("attribute {k:?} is required")),
                    }
                }
                Ok(Value::Object(out))
            }
            _ => Err(format!("{} required", ty.name())),
        },
    }
}

/// A total order used by `sort` and sets.
pub fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => a.to_json().cmp(&b.to_json()),
    }
}

/// Parses a JSON text into a value (for `jsondecode` and `_JSON` overrides).
pub fn from_json_text(text: &str) -> Result<Value, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(from_serde(&v))
}

pub fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(from_serde).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect())
        }
    }
}
