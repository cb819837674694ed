//! The bake standard library: a table of name → function.
//!
//! `try` and `can` are evaluated lazily by the evaluator and are not in the
//! table (they still count as known names for did-you-mean).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;

use super::eval::{csv_fields, values_equal};
use super::limits;
use super::value::{cmp_values, format_number, from_json_text, Value};

pub type Func = fn(&[Value]) -> Result<Value, String>;

/// The function table, in alphabetical order.
pub static FUNCS: &[(&str, Func)] = &[
    ("absolute", absolute),
    ("add", add),
    ("and", and),
    ("base64decode", base64decode),
    ("base64encode", base64encode),
    ("basename", basename),
    ("byteslen", strlen_bytes),
    ("ceil", ceil),
    ("chomp", chomp),
    ("chunklist", chunklist),
    ("cidrhost", cidrhost),
    ("cidrnetmask", cidrnetmask),
    ("cidrsubnet", cidrsubnet),
    ("cidrsubnets", cidrsubnets),
    ("coalesce", coalesce),
    ("coalescelist", coalescelist),
    ("compact", compact),
    ("concat", concat),
    ("contains", contains),
    ("csvdecode", csvdecode),
    ("dirname", dirname),
    ("distinct", distinct),
    ("divide", divide),
    ("element", element),
    ("equal", equal),
    ("flatten", flatten),
    ("floor", floor),
    ("format", format),
    ("formatdate", formatdate),
    ("formatlist", formatlist),
    ("formattimestamp", formattimestamp),
    ("greaterthan", greaterthan),
    ("greaterthanorequalto", greaterthanorequalto),
    ("hasindex", hasindex),
    ("homedir", homedir),
    ("indent", indent),
    ("index", index),
    ("indexof", indexof),
    ("int", int),
    ("join", join),
    ("jsondecode", jsondecode),
    ("jsonencode", jsonencode),
    ("keys", keys),
    ("length", length),
    ("lessthan", lessthan),
    ("lessthanorequalto", lessthanorequalto),
    ("log", log),
    ("lookup", lookup_fn),
    ("lower", lower),
    ("max", max),
    ("md5", md5),
    ("merge", merge),
    ("min", min),
    ("modulo", modulo),
    ("multiply", multiply),
    ("negate", negate),
    ("not", not),
    ("notequal", notequal),
    ("or", or),
    ("parseint", parseint),
    ("pow", pow),
    ("range", range),
    ("regex", regex_fn),
    ("regex_replace", regex_replace),
    ("regexall", regexall),
    ("replace", replace),
    ("reverse", reverse),
    ("reverselist", reverselist),
    ("sanitize", sanitize),
    ("semvercmp", semvercmp),
    ("sethaselement", sethaselement),
    ("setintersection", setintersection),
    ("setproduct", setproduct),
    ("setsubtract", setsubtract),
    ("setsymmetricdifference", setsymmetricdifference),
    ("setunion", setunion),
    ("sha1", sha1),
    ("sha256", sha256),
    ("sha512", sha512),
    ("signum", signum),
    ("slice", slice),
    ("sort", sort),
    ("split", split),
    ("strlen", strlen),
    ("substr", substr),
    ("subtract", subtract),
    ("timeadd", timeadd),
    ("timestamp", timestamp),
    ("title", title),
    ("trim", trim),
    ("trimprefix", trimprefix),
    ("trimspace", trimspace),
    ("trimsuffix", trimsuffix),
    ("unixtimestampparse", unixtimestampparse),
    ("upper", upper),
    ("urlencode", urlencode),
    ("uuidv4", uuidv4),
    ("uuidv5", uuidv5),
    ("values", values),
    ("zipmap", zipmap),
];

fn table() -> &'static HashMap<&'static str, Func> {
    static T: OnceLock<HashMap<&'static str, Func>> = OnceLock::new();
    T.get_or_init(|| FUNCS.iter().copied().collect())
}

pub fn lookup(name: &str) -> Option<Func> {
    table().get(name).copied()
}

/// Every known function name (including the lazy `try` and `can`).
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCS
        .iter()
        .map(|(n, _)| *n)
        .chain(["try", "can", "convert"])
}

// ---- argument helpers ----

fn arity(a: &[Value], n: usize) -> Result<(), String> {
    if a.len() != n {
        return Err(format!("expected {n} argument(s), got {}", a.len()));
    }
    Ok(())
}

fn s(a: &[Value], i: usize) -> Result<String, String> {
    a.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))?
        .to_string_conv()
}

fn n(a: &[Value], i: usize) -> Result<f64, String> {
    a.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))?
        .to_number_conv()
}

fn b(a: &[Value], i: usize) -> Result<bool, String> {
    a.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))?
        .to_bool_conv()
}

fn list(a: &[Value], i: usize) -> Result<Vec<Value>, String> {
    match a.get(i) {
        Some(Value::List(l)) => Ok(l.clone()),
        Some(Value::Null) => Err("argument must not be null".into()),
        Some(other) => Err(format!("a list is required, not {}", other.friendly_type())),
        None => Err(format!("missing argument {}", i + 1)),
    }
}

fn obj(a: &[Value], i: usize) -> Result<BTreeMap<String, Value>, String> {
    match a.get(i) {
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(other) => Err(format!(
            "a map or object is required, not {}",
            other.friendly_type()
        )),
        None => Err(format!("missing argument {}", i + 1)),
    }
}

fn st(x: impl Into<String>) -> Result<Value, String> {
    Ok(Value::String(x.into()))
}

fn num(x: f64) -> Result<Value, String> {
    if x.is_finite() {
        Ok(Value::Number(x))
    } else {
        Err("result is not a finite number".into())
    }
}

// ---- numbers ----

fn absolute(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(n(a, 0)?.abs())
}
fn add(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    num(n(a, 0)? + n(a, 1)?)
}
fn subtract(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    num(n(a, 0)? - n(a, 1)?)
}
fn multiply(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    num(n(a, 0)? * n(a, 1)?)
}
fn divide(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let d = n(a, 1)?;
    if d == 0.0 {
        return Err("divide by zero".into());
    }
    num(n(a, 0)? / d)
}
fn modulo(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let d = n(a, 1)?;
    if d == 0.0 {
        return Err("divide by zero".into());
    }
    num(n(a, 0)? % d)
}
fn negate(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(-n(a, 0)?)
}
fn ceil(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(n(a, 0)?.ceil())
}
fn floor(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(n(a, 0)?.floor())
}
fn int(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(n(a, 0)?.trunc())
}
fn log(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    num(n(a, 0)?.ln() / n(a, 1)?.ln())
}
fn pow(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    num(n(a, 0)?.powf(n(a, 1)?))
}
fn signum(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let x = n(a, 0)?;
    num(if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    })
}
fn max(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("must pass at least one number".into());
    }
    let mut m = f64::NEG_INFINITY;
    for i in 0..a.len() {
        m = m.max(n(a, i)?);
    }
    num(m)
}
fn min(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("must pass at least one number".into());
    }
    let mut m = f64::INFINITY;
    for i in 0..a.len() {
        m = m.min(n(a, i)?);
    }
    num(m)
}
fn parseint(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let text = s(a, 0)?;
    let base = n(a, 1)?;
    if !(2.0..=62.0).contains(&base) || base.fract() != 0.0 {
        return Err("base must be a whole number between 2 and 62 inclusive".into());
    }
    let base = base as u32;
    let (neg, digits) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(format!("cannot parse {text:?} as a base {base} integer"));
    }
    let mut v: f64 = 0.0;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => u32::MAX,
        };
        if d >= base {
            return Err(format!("cannot parse {text:?} as a base {base} integer"));
        }
        v = v * base as f64 + d as f64;
    }
    num(if neg { -v } else { v })
}
fn greaterthan(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(n(a, 0)? > n(a, 1)?))
}
fn greaterthanorequalto(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(n(a, 0)? >= n(a, 1)?))
}
fn lessthan(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(n(a, 0)? < n(a, 1)?))
}
fn lessthanorequalto(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(n(a, 0)? <= n(a, 1)?))
}
fn range(a: &[Value]) -> Result<Value, String> {
    let (start, end, step) = match a.len() {
        1 => (0.0, n(a, 0)?, 1.0),
        2 => {
            let s0 = n(a, 0)?;
            let e = n(a, 1)?;
            (s0, e, if e < s0 { -1.0 } else { 1.0 })
        }
        3 => (n(a, 0)?, n(a, 1)?, n(a, 2)?),
        _ => return Err("must have one, two, or three arguments".into()),
    };
    if step == 0.0 {
        return Err("step must not be zero".into());
    }
    if (step > 0.0 && start > end) || (step < 0.0 && start < end) {
        return Err("step has the wrong sign for the given start and limit".into());
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        out.push(Value::Number(x));
        if out.len() > limits::MAX_COLLECTION_LEN {
            return Err(format!(
                "more than {} values were generated",
                limits::MAX_COLLECTION_LEN
            ));
        }
        x += step;
    }
    Ok(Value::List(out))
}

// ---- logic ----

fn and(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(b(a, 0)? && b(a, 1)?))
}
fn or(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(b(a, 0)? || b(a, 1)?))
}
fn not(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    Ok(Value::Bool(!b(a, 0)?))
}
fn equal(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(values_equal(&a[0], &a[1])))
}
fn notequal(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(!values_equal(&a[0], &a[1])))
}

// ---- strings ----

fn lower(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(s(a, 0)?.to_lowercase())
}
fn upper(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(s(a, 0)?.to_uppercase())
}
fn title(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let mut out = String::new();
    let mut prev_letter = false;
    for c in s(a, 0)?.chars() {
        if !prev_letter && c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    st(out)
}
fn chomp(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let x = s(a, 0)?;
    st(x.trim_end_matches(['\n', '\r']))
}
fn trimspace(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(s(a, 0)?.trim())
}
fn trim(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let cut: Vec<char> = s(a, 1)?.chars().collect();
    st(s(a, 0)?.trim_matches(|c| cut.contains(&c)))
}
fn trimprefix(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let x = s(a, 0)?;
    let p = s(a, 1)?;
    st(x.strip_prefix(p.as_str()).unwrap_or(&x))
}
fn trimsuffix(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let x = s(a, 0)?;
    let p = s(a, 1)?;
    st(x.strip_suffix(p.as_str()).unwrap_or(&x))
}
fn strlen(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(s(a, 0)?.chars().count() as f64)
}
fn strlen_bytes(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(s(a, 0)?.len() as f64)
}
fn substr(a: &[Value]) -> Result<Value, String> {
    arity(a, 3)?;
    let chars: Vec<char> = s(a, 0)?.chars().collect();
    let len = chars.len() as i64;
    let mut off = n(a, 1)? as i64;
    let mut l = n(a, 2)? as i64;
    if off < 0 {
        off += len;
        if off < 0 {
            off = 0;
        }
    }
    if off > len {
        return st("");
    }
    if l < 0 || off + l > len {
        l = len - off;
    }
    st(chars[off as usize..(off + l) as usize]
        .iter()
        .collect::<String>())
}
fn replace(a: &[Value]) -> Result<Value, String> {
    arity(a, 3)?;
    let x = s(a, 0)?;
    let sub = s(a, 1)?;
    let rep = s(a, 2)?;
    st(x.replace(&sub, &rep))
}
fn indent(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let width = n(a, 0)?;
    if width > 10_000.0 {
        return Err("indent width too large".into());
    }
    let pad = " ".repeat(width.max(0.0) as usize);
    let x = s(a, 1)?;
    let mut out = String::new();
    for (i, line) in x.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    st(out)
}
fn split(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let sep = s(a, 0)?;
    let x = s(a, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        x.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        x.split(sep.as_str()).map(Value::str).collect()
    };
    Ok(Value::List(parts))
}
fn join(a: &[Value]) -> Result<Value, String> {
    if a.len() < 2 {
        return Err("at least one list is required".into());
    }
    let sep = s(a, 0)?;
    let mut items = Vec::new();
    for i in 1..a.len() {
        for v in list(a, i)? {
            if v.is_null() {
                return Err("cannot join a null element".into());
            }
            items.push(v.to_string_conv()?);
        }
    }
    st(items.join(&sep))
}
fn sanitize(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(s(a, 0)?
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>())
}
fn basename(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let p = s(a, 0)?;
    if p.is_empty() {
        return st(".");
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return st("/");
    }
    st(t.rsplit('/').next().unwrap_or(t))
}
fn dirname(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let p = s(a, 0)?;
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    st(clean_path(dir))
}

/// Go's path.Clean.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn homedir(a: &[Value]) -> Result<Value, String> {
    arity(a, 0)?;
    match std::env::var("HOME") {
        Ok(h) if !h.is_empty() => st(h),
        _ => Err("unable to determine the home directory".into()),
    }
}

fn urlencode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let mut out = String::new();
    for byte in s(a, 0)?.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    st(out)
}

// ---- format ----

fn format(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("format requires a format string".into());
    }
    let f = s(a, 0)?;
    st(go_format(&f, &a[1..])?)
}

fn go_format(f: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let chars: Vec<char> = f.chars().collect();
    let mut i = 0;
    let mut argi = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i < chars.len() && chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut flags = String::new();
        while i < chars.len() && "+-# 0".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            return Err("unrecognized format character at end of string".into());
        };
        i += 1;
        let Some(arg) = args.get(argi) else {
            return Err(format!("not enough arguments for %{verb}"));
        };
        argi += 1;
        let body = match verb {
            's' => {
                let x = arg.to_string_conv()?;
                match prec {
                    Some(p) => x.chars().take(p).collect(),
                    None => x,
                }
            }
            'v' => match arg {
                Value::String(x) => x.clone(),
                Value::Null => "null".into(),
                Value::List(_) | Value::Object(_) => arg.to_json(),
                other => other.to_string_conv()?,
            },
            'd' => {
                let x = arg.to_number_conv()?;
                if x.fract() != 0.0 {
                    return Err(format!("%d requires an integer, got {}", format_number(x)));
                }
                let s0 = format_number(x);
                if flags.contains('+') && x >= 0.0 {
                    format!("+{s0}")
                } else {
                    s0
                }
            }
            'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), arg.to_number_conv()?),
            'e' => format!("{:.*e}", prec.unwrap_or(6), arg.to_number_conv()?),
            'g' => format_number(arg.to_number_conv()?),
            't' => arg.to_bool_conv()?.to_string(),
            'q' => {
                let mut o = String::new();
                super::value::json_string(&arg.to_string_conv()?, &mut o, false);
                o
            }
            'x' => match arg {
                Value::Number(x) => format!("{:x}", *x as i64),
                other => other
                    .to_string_conv()?
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            },
            'X' => match arg {
                Value::Number(x) => format!("{:X}", *x as i64),
                other => other
                    .to_string_conv()?
                    .bytes()
                    .map(|b| format!("{b:02X}"))
                    .collect(),
            },
            'o' => format!("{:o}", arg.to_number_conv()? as i64),
            'b' => format!("{:b}", arg.to_number_conv()? as i64),
            other => return Err(format!("unsupported format verb %{other}")),
        };
        let w: usize = width.parse().unwrap_or(0);
        if w > 10_000 || prec.is_some_and(|p| p > 10_000) {
            return Err("format width or precision too large".into());
        }
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && verb != 's' {
                let (sign, digits) = if let Some(r) = body.strip_prefix('-') {
                    ("-", r.to_string())
                } else {
                    ("", body.clone())
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(&digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
    }
    if argi < args.len() {
        return Err(format!(
            "too many arguments; only {argi} used by format string"
        ));
    }
    Ok(out)
}

fn formatlist(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("formatlist requires a format string".into());
    }
    let f = s(a, 0)?;
    let mut n_items: Option<usize> = None;
    for v in &a[1..] {
        if let Value::List(l) = v {
            match n_items {
                Some(k) if k != l.len() => {
                    return Err("all list arguments must have the same length".into())
                }
                _ => n_items = Some(l.len()),
            }
        }
    }
    let count = n_items.unwrap_or(1);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let args: Vec<Value> = a[1..]
            .iter()
            .map(|v| match v {
                Value::List(l) => l.get(i).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(go_format(&f, &args)?));
    }
    Ok(Value::List(out))
}

// ---- regex ----

fn compile(p: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(p).map_err(|e| format!("invalid regular expression: {e}"))
}

/// Go's `$1` / `${1}` replacement syntax is what the regex crate uses too.
fn go_repl(r: &str) -> String {
    r.to_string()
}

fn regex_fn(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let re = compile(&s(a, 0)?)?;
    let x = s(a, 1)?;
    let caps = re
        .captures(&x)
        .ok_or_else(|| "pattern did not match any part of the given string".to_string())?;
    Ok(captures_value(&re, &caps))
}

fn captures_value(re: &regex::Regex, caps: &regex::Captures) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().collect();
    let named = names.iter().skip(1).any(|n| n.is_some());
    if named {
        let mut m = BTreeMap::new();
        for (i, nm) in names.iter().enumerate().skip(1) {
            if let Some(nm) = nm {
                let v = caps.get(i).map(|m| m.as_str()).unwrap_or("");
                m.insert(nm.to_string(), Value::str(v));
            }
        }
        Value::Object(m)
    } else if names.len() > 1 {
        Value::List(
            (1..names.len())
                .map(|i| Value::str(caps.get(i).map(|m| m.as_str()).unwrap_or("")))
                .collect(),
        )
    } else {
        Value::str(caps.get(0).map(|m| m.as_str()).unwrap_or(""))
    }
}

fn regexall(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let re = compile(&s(a, 0)?)?;
    let x = s(a, 1)?;
    Ok(Value::List(
        re.captures_iter(&x)
            .map(|c| captures_value(&re, &c))
            .collect(),
    ))
}

fn regex_replace(a: &[Value]) -> Result<Value, String> {
    arity(a, 3)?;
    let x = s(a, 0)?;
    let re = compile(&s(a, 1)?)?;
    let rep = s(a, 2)?;
    st(re.replace_all(&x, go_repl(&rep).as_str()).into_owned())
}

// ---- collections ----

fn length(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    num(match &a[0] {
        Value::List(l) => l.len(),
        Value::Object(o) => o.len(),
        Value::Null => return Err("argument must not be null".into()),
        other => {
            return Err(format!(
                "collection must be a list, a map or a tuple, not {}",
                other.friendly_type()
            ))
        }
    } as f64)
}
fn concat(a: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(list(a, i)?);
    }
    Ok(Value::List(out))
}
fn contains(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(
        list(a, 0)?.iter().any(|v| values_equal(v, &a[1])),
    ))
}
fn sethaselement(a: &[Value]) -> Result<Value, String> {
    contains(a)
}
fn distinct(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    Ok(Value::List(limits::distinct(list(a, 0)?)))
}
fn compact(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    Ok(Value::List(
        list(a, 0)?
            .into_iter()
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
            .collect(),
    ))
}
fn element(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let l = list(a, 0)?;
    if l.is_empty() {
        return Err("cannot use element function with an empty list".into());
    }
    let i = n(a, 1)?;
    if i < 0.0 {
        return Err("cannot use element function with a negative index".into());
    }
    Ok(l[(i as usize) % l.len()].clone())
}
fn index(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    match &a[0] {
        Value::List(l) => {
            let i = n(a, 1)?;
            if i < 0.0 || i.fract() != 0.0 || i as usize >= l.len() {
                return Err(
                    "the given key does not identify an element in this collection value".into(),
                );
            }
            Ok(l[i as usize].clone())
        }
        Value::Object(o) => {
            let k = s(a, 1)?;
            o.get(&k).cloned().ok_or_else(|| {
                "the given key does not identify an element in this collection value".into()
            })
        }
        other => Err(format!("cannot index a {} value", other.friendly_type())),
    }
}
fn indexof(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let l = list(a, 0).map_err(|_| "argument must be a list or tuple".to_string())?;
    if l.is_empty() {
        return Err("cannot search an empty list".into());
    }
    for (i, v) in l.iter().enumerate() {
        if values_equal(v, &a[1]) {
            return num(i as f64);
        }
    }
    Err("item not found".into())
}
fn hasindex(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    Ok(Value::Bool(index(a).is_ok()))
}
fn flatten_into(v: &[Value], out: &mut Vec<Value>) {
    for e in v {
        match e {
            Value::List(l) => flatten_into(l, out),
            other => out.push(other.clone()),
        }
    }
}
fn flatten(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let mut out = Vec::new();
    flatten_into(&list(a, 0)?, &mut out);
    Ok(Value::List(out))
}
fn keys(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    Ok(Value::List(
        obj(a, 0)?.into_keys().map(Value::String).collect(),
    ))
}
fn values(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    Ok(Value::List(obj(a, 0)?.into_values().collect()))
}
fn lookup_fn(a: &[Value]) -> Result<Value, String> {
    if a.len() != 2 && a.len() != 3 {
        return Err("expected 2 or 3 arguments".into());
    }
    let o = obj(a, 0)?;
    let k = s(a, 1)?;
    match o.get(&k) {
        Some(v) => Ok(v.clone()),
        None if a.len() == 3 => Ok(a[2].clone()),
        None => Err(format!(
            "the given key {k:?} does not exist in the map and no default value was provided"
        )),
    }
}
fn merge(a: &[Value]) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        out.extend(obj(a, i)?);
    }
    Ok(Value::Object(out))
}
fn coalesce(a: &[Value]) -> Result<Value, String> {
    for v in a {
        if !v.is_null() && v.as_str() != Some("") {
            return Ok(v.clone());
        }
    }
    Err("no non-null, non-empty-string arguments".into())
}
fn coalescelist(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("at least one argument is required".into());
    }
    for (i, v) in a.iter().enumerate() {
        if !list(a, i)?.is_empty() {
            return Ok(v.clone());
        }
    }
    Err("no non-null arguments".into())
}
fn reverse(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(s(a, 0)?.chars().rev().collect::<String>())
}
fn reverselist(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let mut l = list(a, 0)?;
    l.reverse();
    Ok(Value::List(l))
}
fn sort(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let mut l: Vec<String> = list(a, 0)?
        .iter()
        .map(|v| v.to_string_conv())
        .collect::<Result<_, _>>()?;
    l.sort();
    Ok(Value::List(l.into_iter().map(Value::String).collect()))
}
fn slice(a: &[Value]) -> Result<Value, String> {
    arity(a, 3)?;
    let l = list(a, 0)?;
    let from = n(a, 1)?;
    let to = n(a, 2)?;
    if from < 0.0 || to < from || to as usize > l.len() {
        return Err("invalid slice indices".into());
    }
    Ok(Value::List(l[from as usize..to as usize].to_vec()))
}
fn chunklist(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let l = list(a, 0)?;
    let size = n(a, 1)?;
    if size < 0.0 {
        return Err("the size argument must be positive".into());
    }
    if size == 0.0 {
        return Ok(Value::List(vec![Value::List(l)]));
    }
    Ok(Value::List(
        l.chunks(size as usize)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}
fn zipmap(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let k = list(a, 0)?;
    let v = list(a, 1)?;
    if k.len() != v.len() {
        return Err("number of keys and values must match".into());
    }
    let mut out = BTreeMap::new();
    for (k, v) in k.iter().zip(v) {
        out.insert(k.to_string_conv()?, v);
    }
    Ok(Value::Object(out))
}
// Set functions hash their elements (see [`limits::hash_key`]): linear,
// where comparing every pair would be quadratic in the list lengths.
fn set_of(a: &[Value], i: usize) -> Result<Vec<Value>, String> {
    Ok(limits::distinct(list(a, i)?))
}
fn key_set(a: &[Value], i: usize) -> Result<HashSet<String>, String> {
    Ok(list(a, i)?.iter().map(limits::hash_key).collect())
}
fn sorted(mut v: Vec<Value>) -> Value {
    v.sort_by(cmp_values);
    Value::List(v)
}
fn setunion(a: &[Value]) -> Result<Value, String> {
    let mut all = Vec::new();
    for i in 0..a.len() {
        all.extend(list(a, i)?);
    }
    Ok(sorted(limits::distinct(all)))
}
fn setintersection(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("at least one set is required".into());
    }
    let mut out = set_of(a, 0)?;
    for i in 1..a.len() {
        let other = key_set(a, i)?;
        out.retain(|v| other.contains(&limits::hash_key(v)));
    }
    Ok(sorted(out))
}
fn setsubtract(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let other = key_set(a, 1)?;
    Ok(sorted(
        set_of(a, 0)?
            .into_iter()
            .filter(|v| !other.contains(&limits::hash_key(v)))
            .collect(),
    ))
}
fn setsymmetricdifference(a: &[Value]) -> Result<Value, String> {
    let mut counts: Vec<(Value, usize)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for i in 0..a.len() {
        for v in set_of(a, i)? {
            match index.get(&limits::hash_key(&v)) {
                Some(&at) => counts[at].1 += 1,
                None => {
                    index.insert(limits::hash_key(&v), counts.len());
                    counts.push((v, 1));
                }
            }
        }
    }
    Ok(sorted(
        counts
            .into_iter()
            .filter(|(_, c)| c % 2 == 1)
            .map(|(v, _)| v)
            .collect(),
    ))
}
fn setproduct(a: &[Value]) -> Result<Value, String> {
    let mut acc: Vec<Vec<Value>> = vec![vec![]];
    for i in 0..a.len() {
        let l = list(a, i)?;
        let mut next = Vec::new();
        for prefix in &acc {
            for v in &l {
                let mut p = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        acc = next;
        limits::check_collection_len(acc.len())?;
    }
    if a.is_empty() {
        return Ok(Value::List(vec![]));
    }
    Ok(Value::List(acc.into_iter().map(Value::List).collect()))
}

// ---- encoding and hashing ----

fn jsonencode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(a[0].to_json())
}
fn jsondecode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    from_json_text(&s(a, 0)?)
}
fn csvdecode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let text = s(a, 0)?;
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let Some(header) = lines.next() else {
        return Err("missing header line".into());
    };
    let head = csv_fields(header);
    let mut out = Vec::new();
    for l in lines {
        let f = csv_fields(l);
        if f.len() != head.len() {
            return Err("wrong number of fields".into());
        }
        out.push(Value::Object(
            head.iter()
                .cloned()
                .zip(f.into_iter().map(Value::String))
                .collect(),
        ));
    }
    Ok(Value::List(out))
}
fn base64encode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    st(base64::engine::general_purpose::STANDARD.encode(s(a, 0)?))
}
fn base64decode(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s(a, 0)?)
        .map_err(|e| format!("failed to decode base64 data: {e}"))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the result of decoding the provided string is not valid UTF-8".into())
}
fn hex(bytes: &[u8]) -> String {
    let mut o = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(o, "{b:02x}");
    }
    o
}
fn md5(a: &[Value]) -> Result<Value, String> {
    use md5::Digest as _;
    arity(a, 1)?;
    st(hex(&md5::Md5::digest(s(a, 0)?.as_bytes())))
}
fn sha1(a: &[Value]) -> Result<Value, String> {
    use sha1::Digest as _;
    arity(a, 1)?;
    st(hex(&sha1::Sha1::digest(s(a, 0)?.as_bytes())))
}
fn sha256(a: &[Value]) -> Result<Value, String> {
    use sha2::Digest as _;
    arity(a, 1)?;
    st(hex(&sha2::Sha256::digest(s(a, 0)?.as_bytes())))
}
fn sha512(a: &[Value]) -> Result<Value, String> {
    use sha2::Digest as _;
    arity(a, 1)?;
    st(hex(&sha2::Sha512::digest(s(a, 0)?.as_bytes())))
}
fn uuid_fmt(b: &[u8]) -> String {
    let h = hex(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
fn uuidv4(a: &[Value]) -> Result<Value, String> {
    use sha2::Digest as _;
    arity(a, 0)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!("{now}-{}", std::process::id());
    let d = sha2::Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    st(uuid_fmt(&b))
}
fn uuidv5(a: &[Value]) -> Result<Value, String> {
    use sha1::Digest as _;
    arity(a, 2)?;
    let ns = s(a, 0)?;
    let ns_bytes: [u8; 16] = match ns.as_str() {
        "dns" => [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ],
        "url" => [
            0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ],
        "oid" => [
            0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ],
        "x500" => [
            0x6b, 0xa7, 0xb8, 0x14, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ],
        other => {
            let h: String = other.chars().filter(|c| *c != '-').collect();
            if h.len() != 32 {
                return Err(format!("uuidv5() doesn't support namespace {other}"));
            }
            let mut b = [0u8; 16];
            for (i, byte) in b.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&h[i * 2..i * 2 + 2], 16)
                    .map_err(|_| format!("invalid namespace {other}"))?;
            }
            b
        }
    };
    let mut h = sha1::Sha1::new();
    h.update(ns_bytes);
    h.update(s(a, 1)?.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    st(uuid_fmt(&b))
}

// ---- time ----

/// Days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A parsed RFC 3339 timestamp: unix seconds, nanos, and UTC offset in seconds.
#[derive(Clone, Copy)]
struct Ts {
    unix: i64,
    nanos: u32,
    offset: i64,
}

fn parse_rfc3339(t: &str) -> Result<Ts, String> {
    let bad = || format!("not a valid RFC3339 timestamp: {t:?}");
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let p =
        |r: std::ops::Range<usize>| t.get(r).and_then(|x| x.parse::<i64>().ok()).ok_or_else(bad);
    let (y, mo, d, h, mi, se) = (
        p(0..4)?,
        p(5..7)?,
        p(8..10)?,
        p(11..13)?,
        p(14..16)?,
        p(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(bad());
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let st0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &t[st0..i];
        let padded = format!("{frac:0<9}");
        nanos = padded[..9].parse().map_err(|_| bad())?;
    }
    let offset = match b.get(i) {
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = p(i + 1..i + 3)?;
            let om = p(i + 4..i + 6)?;
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let unix = days * 86_400 + h * 3600 + mi * 60 + se - offset;
    Ok(Ts {
        unix,
        nanos,
        offset,
    })
}

fn now_ts() -> Ts {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ts {
        unix: d.as_secs() as i64,
        nanos: 0,
        offset: 0,
    }
}

fn fmt_rfc3339(ts: Ts) -> String {
    let local = ts.unix + ts.offset;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let mut s0 = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if ts.nanos != 0 {
        let f = format!("{:09}", ts.nanos);
        s0.push('.');
        s0.push_str(f.trim_end_matches('0'));
    }
    s0.push_str(&fmt_offset(ts.offset, true));
    s0
}

fn fmt_offset(off: i64, z: bool) -> String {
    if off == 0 && z {
        return "Z".into();
    }
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

fn timestamp(a: &[Value]) -> Result<Value, String> {
    arity(a, 0)?;
    st(fmt_rfc3339(now_ts()))
}

fn timeadd(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let mut ts = parse_rfc3339(&s(a, 0)?)?;
    let dur = s(a, 1)?;
    let (neg, rest) = match dur.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, dur.strip_prefix('+').unwrap_or(&dur)),
    };
    let mut total: f64 = 0.0;
    let mut numbuf = String::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '.' {
            numbuf.push(c);
            i += 1;
            continue;
        }
        let mut unit = String::new();
        while i < chars.len() && !(chars[i].is_ascii_digit() || chars[i] == '.') {
            unit.push(chars[i]);
            i += 1;
        }
        let v: f64 = numbuf
            .parse()
            .map_err(|_| format!("invalid duration {dur:?}"))?;
        numbuf.clear();
        let mult = match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(format!("invalid duration {dur:?}")),
        };
        total += v * mult;
    }
    if !numbuf.is_empty() {
        return Err(format!("missing unit in duration {dur:?}"));
    }
    if neg {
        total = -total;
    }
    let whole = total.trunc() as i64;
    ts.unix += whole;
    st(fmt_rfc3339(ts))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];

fn ts_from_value(v: &Value) -> Result<Ts, String> {
    match v {
        Value::Number(n) => Ok(Ts {
            unix: *n as i64,
            nanos: 0,
            offset: 0,
        }),
        other => parse_rfc3339(&other.to_string_conv()?),
    }
}

/// `formatdate(spec, timestamp)` with Terraform's format specification.
/// `formattimestamp` is the same, also accepting a unix time in seconds.
fn formatdate(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let spec = s(a, 0)?;
    let ts = ts_from_value(&a[1])?;
    format_ts(&spec, ts, false)
}

/// buildx's `formattimestamp`: `formatdate` that also takes a whole unix
/// time in seconds, and `X` for the unix time.
fn formattimestamp(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let spec = s(a, 0)?;
    if let Value::Number(n) = &a[1] {
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(format!(
                "invalid unix timestamp {}: not a whole number",
                super::value::format_number(*n)
            ));
        }
    }
    let ts = ts_from_value(&a[1])?;
    format_ts(&spec, ts, true)
}

fn format_ts(spec: &str, ts: Ts, allow_unix: bool) -> Result<Value, String> {
    let local = ts.unix + ts.offset;
    let days = local.div_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let secs = local.rem_euclid(86_400);
    let (h, mi, se) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let wd = DAYS[days.rem_euclid(7) as usize];
    let mname = MONTHS[(mo - 1) as usize];
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            if chars.get(i) == Some(&'\'') {
                out.push('\'');
                i += 1;
                continue;
            }
            loop {
                match chars.get(i) {
                    None => return Err("unterminated literal in format string".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        out.push(*ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let tok: String = chars[i..j].iter().collect();
        i = j;
        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
        let piece = match tok.as_str() {
            "YYYY" => format!("{y:04}"),
            "YY" => format!("{:02}", y % 100),
            "MMMM" => mname.to_string(),
            "MMM" => mname[..3].to_string(),
            "MM" => format!("{mo:02}"),
            "M" => mo.to_string(),
            "DD" => format!("{d:02}"),
            "D" => d.to_string(),
            "EEEE" => wd.to_string(),
            "EEE" => wd[..3].to_string(),
            "hh" => format!("{h:02}"),
            "h" => h.to_string(),
            "HH" => format!("{h12:02}"),
            "H" => h12.to_string(),
            "AA" => (if h < 12 { "AM" } else { "PM" }).to_string(),
            "aa" => (if h < 12 { "am" } else { "pm" }).to_string(),
            "mm" => format!("{mi:02}"),
            "m" => mi.to_string(),
            "ss" => format!("{se:02}"),
            "s" => se.to_string(),
            "ZZZZZ" => fmt_offset(ts.offset, false),
            "ZZZZ" => fmt_offset(ts.offset, false).replace(':', ""),
            "ZZZ" => {
                if ts.offset == 0 {
                    "UTC".into()
                } else {
                    fmt_offset(ts.offset, false).replace(':', "")
                }
            }
            "Z" => fmt_offset(ts.offset, true),
            "X" if allow_unix => ts.unix.to_string(),
            other => return Err(format!("invalid date format verb {other:?}")),
        };
        out.push_str(&piece);
    }
    st(out)
}

fn unixtimestampparse(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let secs = match &a[0] {
        Value::Number(x) if x.fract() == 0.0 && x.is_finite() => *x as i64,
        Value::Number(x) => {
            return Err(format!(
                "invalid unix timestamp {}: not a whole number",
                super::value::format_number(*x)
            ))
        }
        other => {
            return Err(format!(
                "a number is required, not {}",
                other.friendly_type()
            ))
        }
    };
    let days = secs.div_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let rem = secs.rem_euclid(86_400);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    let wd_idx = (days.rem_euclid(7) + 4) % 7; // 0 = Sunday
    let mut m = BTreeMap::new();
    m.insert("year".into(), Value::Number(y as f64));
    m.insert("year_day".into(), Value::Number(yday as f64));
    m.insert("day".into(), Value::Number(d as f64));
    m.insert("month".into(), Value::Number(mo as f64));
    m.insert("month_name".into(), Value::str(MONTHS[(mo - 1) as usize]));
    m.insert("weekday".into(), Value::Number(wd_idx as f64));
    m.insert(
        "weekday_name".into(),
        Value::str(DAYS[days.rem_euclid(7) as usize]),
    );
    m.insert("hour".into(), Value::Number((rem / 3600) as f64));
    m.insert("minute".into(), Value::Number((rem % 3600 / 60) as f64));
    m.insert("second".into(), Value::Number((rem % 60) as f64));
    // ISO 8601 week: the week (Monday first) holding the year's first
    // Thursday is week 1.
    let iso_wd = (days.rem_euclid(7) + 3) % 7 + 1; // Monday = 1 … Sunday = 7
    let thursday = days + (4 - iso_wd);
    let (iso_y, _, _) = civil_from_days(thursday);
    let iso_week = (thursday - days_from_civil(iso_y, 1, 1)) / 7 + 1;
    m.insert("iso_year".into(), Value::Number(iso_y as f64));
    m.insert("iso_week".into(), Value::Number(iso_week as f64));
    m.insert(
        "rfc3339".into(),
        Value::String(fmt_rfc3339(Ts {
            unix: secs,
            nanos: 0,
            offset: 0,
        })),
    );
    Ok(Value::Object(m))
}

// ---- semver ----

#[derive(Debug, Clone, PartialEq)]
struct Semver {
    nums: [u64; 3],
    pre: Vec<String>,
}

fn parse_semver(v: &str) -> Result<Semver, String> {
    let v = v.trim();
    let v = v.strip_prefix('v').unwrap_or(v);
    let v = v.split('+').next().unwrap_or(v);
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
        None => (v, Vec::new()),
    };
    let mut nums = [0u64; 3];
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("invalid semantic version {v:?}"));
    }
    for (i, p) in parts.iter().enumerate() {
        nums[i] = p
            .parse()
            .map_err(|_| format!("invalid semantic version {v:?}"))?;
    }
    Ok(Semver { nums, pre })
}

fn cmp_semver(a: &Semver, b: &Semver) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match a.nums.cmp(&b.nums) {
        Ordering::Equal => {}
        o => return o,
    }
    match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.pre.iter().zip(&b.pre) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(p), Ok(q)) => p.cmp(&q),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.pre.len().cmp(&b.pre.len())
}

fn check_one(v: &Semver, c: &str) -> Result<bool, String> {
    use std::cmp::Ordering;
    let c = c.trim();
    let ops = [">=", "<=", "!=", "=>", "=<", ">", "<", "=", "~>", "~", "^"];
    let (op, rest) = ops
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", c));
    let rest = rest.trim();
    // Wildcards: 1.2.x, 1.*
    let parts: Vec<&str> = rest.trim_start_matches('v').split('.').collect();
    let wild = parts
        .iter()
        .position(|p| *p == "x" || *p == "X" || *p == "*");
    if let Some(w) = wild {
        let fixed: Vec<u64> = parts[..w].iter().filter_map(|p| p.parse().ok()).collect();
        return Ok(fixed.iter().enumerate().all(|(i, n)| v.nums[i] == *n));
    }
    let given = parts.len();
    let cv = parse_semver(rest)?;
    let ord = cmp_semver(v, &cv);
    Ok(match op {
        "" | "=" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        ">" => ord == Ordering::Greater,
        "<" => ord == Ordering::Less,
        ">=" | "=>" => ord != Ordering::Less,
        "<=" | "=<" => ord != Ordering::Greater,
        "~" | "~>" => {
            ord != Ordering::Less
                && if given >= 2 {
                    v.nums[0] == cv.nums[0] && v.nums[1] == cv.nums[1]
                } else {
                    v.nums[0] == cv.nums[0]
                }
        }
        "^" => {
            ord != Ordering::Less
                && if cv.nums[0] > 0 || given == 1 {
                    v.nums[0] == cv.nums[0]
                } else if cv.nums[1] > 0 || given == 2 {
                    v.nums[0] == 0 && v.nums[1] == cv.nums[1]
                } else {
                    v.nums == cv.nums
                }
        }
        _ => false,
    })
}

/// `semvercmp(version, constraint)`: whether the version satisfies the
/// constraint (`>= 1.2, < 2`, `~1.2`, `^1`, `1.x`, `||`).
fn semvercmp(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let v = parse_semver(&s(a, 0)?)?;
    let c = s(a, 1)?;
    // Masterminds semver: an empty constraint (or alternative) is improper.
    if c.split("||").any(|alt| alt.trim().is_empty()) {
        return Err(format!("improper constraint: {c}"));
    }
    for alt in c.split("||") {
        let mut ok = true;
        for part in alt.split(',').flat_map(|p| {
            // "1.0 - 2.0" ranges
            if let Some((lo, hi)) = p.split_once(" - ") {
                vec![format!(">={}", lo.trim()), format!("<={}", hi.trim())]
            } else {
                split_spaces(p)
            }
        }) {
            if part.trim().is_empty() {
                continue;
            }
            if !check_one(&v, &part)? {
                ok = false;
                break;
            }
        }
        if ok {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// Splits "a >=1 <2" style constraint lists on spaces, keeping "> 1" together.
fn split_spaces(p: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tok in p.split_whitespace() {
        match out.last_mut() {
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(tok),
            _ => out.push(tok.to_string()),
        }
    }
    out
}

// ---- cidr ----

/// (address as u128, total bits, prefix length)
fn parse_cidr(p: &str) -> Result<(u128, u32, u32), String> {
    let (addr, len) = p
        .split_once('/')
        .ok_or_else(|| format!("invalid CIDR address: {p}"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| format!("invalid CIDR address: {p}"))?;
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        if len > 32 {
            return Err(format!("invalid CIDR address: {p}"));
        }
        let a = u32::from(v4) as u128;
        let mask = if len == 0 {
            0
        } else {
            (!0u32 << (32 - len)) as u128
        };
        return Ok((a & mask, 32, len));
    }
    if let Ok(v6) = addr.parse::<std::net::Ipv6Addr>() {
        if len > 128 {
            return Err(format!("invalid CIDR address: {p}"));
        }
        let a = u128::from(v6);
        let mask = if len == 0 { 0 } else { !0u128 << (128 - len) };
        return Ok((a & mask, 128, len));
    }
    Err(format!("invalid CIDR address: {p}"))
}

fn fmt_addr(a: u128, bits: u32) -> String {
    if bits == 32 {
        std::net::Ipv4Addr::from(a as u32).to_string()
    } else {
        std::net::Ipv6Addr::from(a).to_string()
    }
}

fn cidrhost(a: &[Value]) -> Result<Value, String> {
    arity(a, 2)?;
    let (net, bits, len) = parse_cidr(&s(a, 0)?)?;
    let host = n(a, 1)?;
    let hostbits = bits - len;
    let size: f64 = 2f64.powi(hostbits as i32);
    let h = if host < 0.0 { size + host } else { host };
    if h < 0.0 || h >= size {
        return Err(format!(
            "prefix of {len} does not accommodate a host numbered {host}"
        ));
    }
    st(fmt_addr(net | h as u128, bits))
}

fn cidrnetmask(a: &[Value]) -> Result<Value, String> {
    arity(a, 1)?;
    let (_, bits, len) = parse_cidr(&s(a, 0)?)?;
    if bits != 32 {
        return Err("only IPv4 networks are supported".into());
    }
    let mask = if len == 0 { 0 } else { !0u32 << (32 - len) };
    st(std::net::Ipv4Addr::from(mask).to_string())
}

fn subnet(net: u128, bits: u32, len: u32, newbits: f64, num: f64) -> Result<(u128, u32), String> {
    if newbits < 0.0 || len as f64 + newbits > bits as f64 {
        return Err(format!(
            "insufficient address space to extend prefix of {len} by {newbits}"
        ));
    }
    let newlen = len + newbits as u32;
    let max = 2f64.powi(newbits as i32);
    if num < 0.0 || num >= max {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        ));
    }
    let shifted = if bits - newlen >= 128 {
        0
    } else {
        (num as u128) << (bits - newlen)
    };
    Ok((net | shifted, newlen))
}

fn cidrsubnet(a: &[Value]) -> Result<Value, String> {
    arity(a, 3)?;
    let (net, bits, len) = parse_cidr(&s(a, 0)?)?;
    let (addr, newlen) = subnet(net, bits, len, n(a, 1)?, n(a, 2)?)?;
    st(format!("{}/{newlen}", fmt_addr(addr, bits)))
}

fn cidrsubnets(a: &[Value]) -> Result<Value, String> {
    if a.is_empty() {
        return Err("cidrsubnets requires a prefix".into());
    }
    let (net, bits, len) = parse_cidr(&s(a, 0)?)?;
    let mut out = Vec::new();
    // Allocate consecutive subnets, each aligned to its own size.
    let mut next: u128 = 0; // offset from net, in addresses
    for i in 1..a.len() {
        let nb = n(a, i)?;
        if nb < 1.0 || len as f64 + nb > bits as f64 {
            return Err(format!("invalid new bits {nb}"));
        }
        let newlen = len + nb as u32;
        let size: u128 = 1u128 << (bits - newlen).min(127);
        let aligned = next.div_ceil(size) * size;
        let host_space: u128 = if bits - len >= 128 {
            u128::MAX
        } else {
            1u128 << (bits - len)
        };
        if aligned >= host_space {
            return Err("not enough remaining address space".into());
        }
        out.push(Value::String(format!(
            "{}/{newlen}",
            fmt_addr(net | aligned, bits)
        )));
        next = aligned + size;
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        let names: Vec<&str> = FUNCS.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn issue_minimum_function_list_is_covered() {
        let required = "lower upper title trim trimprefix trimsuffix trimspace replace regex_replace regex \
            regexall split join format formatlist concat contains distinct element flatten keys values \
            length lookup merge coalesce coalescelist compact index indexof notequal equal and or not try \
            can sanitize semvercmp substr strlen timestamp formatdate formattimestamp jsonencode jsondecode \
            base64encode md5 sha1 sha256 range reverse sort slice int parseint homedir basename dirname";
        for name in required.split_whitespace() {
            assert!(names().any(|n| n == name), "missing {name}");
        }
    }

    fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        lookup(name).ok_or("unknown")?(args)
    }

    #[test]
    fn selected_functions() {
        let s = |x: &str| Value::str(x);
        assert_eq!(call("sanitize", &[s("a.b/c")]), Ok(s("a_b_c")));
        assert!(call("clean", &[]).is_err());
        assert_eq!(clean_path("a/../../b/./c/"), "../b/c");
        assert_eq!(clean_path("/../x"), "/x");
        assert_eq!(
            call("semvercmp", &[s("2.0.0-rc1"), s(">= 2.0.0")]),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            call("semvercmp", &[s("v1.4.0"), s("1.x")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call("semvercmp", &[s("3.0.0"), s("< 2.0 || >= 3")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(
                "formatdate",
                &[
                    s("EEEE, DD-MMM-YY hh:mm:ss ZZZZZ"),
                    s("2006-01-02T15:04:05+07:00")
                ]
            ),
            Ok(s("Monday, 02-Jan-06 15:04:05 +07:00"))
        );
        assert!(call("format", &[s("%d"), Value::Number(1.5)]).is_err());
        assert!(call("format", &[s("%s %s"), s("a")]).is_err());
        assert!(call("range", &[Value::Number(1e9)]).is_err());
        assert!(call("element", &[Value::List(vec![]), Value::Number(0.0)]).is_err());
    }
}
