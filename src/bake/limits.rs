//! Limits that keep loading a hostile bake file bounded in time and memory.
//!
//! buildx has none of these: a 2 KB file can ask it for 2^64 bytes
//! (`"${v}${v}"` sixty-four times), 2^40 inherited list elements (an
//! `inherits` diamond forty levels deep) or a billion matrix targets. bakelint
//! stops instead, with a BK000 error at the expression, `inherits` element or
//! matrix that hit the limit. Every limit is far above what real definitions
//! use, and the first one hit ends the load: nothing after it is evaluated,
//! so a limit hit inside `try()` or `can()` cannot be retried in a loop.
//!
//! | limit | value | bounds |
//! |---|---|---|
//! | [`MAX_NESTING`] | 200 | bracket nesting in a file (the parsers recurse) |
//! | [`MAX_EVAL_DEPTH`] | 400 | nested evaluation: expressions, variables, calls |
//! | [`MAX_VARIABLE_CHAIN`] | 100 | variables defined through each other |
//! | [`MAX_STRING_BYTES`] | 4 MiB | one string |
//! | [`MAX_COLLECTION_LEN`] | 1,000,000 | elements of one list or map |
//! | [`MAX_VALUE_DEPTH`] | 256 | nesting of lists and maps in one value |
//! | [`MAX_EVAL_BYTES`] | 128 MiB | everything evaluation produces in one load |
//! | [`MAX_MATRIX_TARGETS`] | 10,000 | targets all matrices of the file produce |
//! | [`MAX_INHERIT_DEPTH`] | 100 | length of an `inherits` chain |
//! | [`MAX_GROUP_DEPTH`] | 100 | groups within groups |
//! | [`MAX_RESOLVED_ITEMS`] | 1,000,000 | values copied by inheritance, whole file |

use std::collections::HashSet;

use super::value::Value;

/// Deepest bracket nesting (`(`, `[`, `{`) in a file, checked before parsing.
pub const MAX_NESTING: usize = 200;
/// Deepest nested evaluation (expressions within expressions, variables and
/// functions evaluated for one another).
pub const MAX_EVAL_DEPTH: usize = 400;
/// Longest chain of variables (or top-level attributes) whose definitions
/// refer to the next one.
pub const MAX_VARIABLE_CHAIN: usize = 100;
/// Longest string one expression may produce.
pub const MAX_STRING_BYTES: usize = 4 << 20;
/// Most elements in one list, or entries in one map.
pub const MAX_COLLECTION_LEN: usize = 1_000_000;
/// Deepest nesting of lists and maps in one value.
pub const MAX_VALUE_DEPTH: usize = 256;
/// Everything evaluation may produce while loading one definition, in
/// bytes: string bytes, plus [`ELEMENT_BYTES`] per list element or map entry.
/// Every value produced counts, including copies (each use of a variable).
pub const MAX_EVAL_BYTES: u64 = 128 << 20;
/// What one list element or map entry counts against [`MAX_EVAL_BYTES`].
pub const ELEMENT_BYTES: u64 = 32;
/// Most targets the matrices of one definition may produce, all together.
pub const MAX_MATRIX_TARGETS: usize = 10_000;
/// Longest chain of `inherits` (a target, its parent, the parent's parent...).
pub const MAX_INHERIT_DEPTH: usize = 100;
/// Deepest nesting of groups within groups (resolving them recurses).
pub const MAX_GROUP_DEPTH: usize = 100;
/// Most attributes and list elements inheritance may copy into resolved
/// targets, for the whole definition.
pub const MAX_RESOLVED_ITEMS: usize = 1_000_000;

/// "4 MiB", "1000000 elements": a limit as people read it.
pub fn bytes_text(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// The cost of `v` against [`MAX_EVAL_BYTES`], or why it breaks a per-value
/// limit. The walk is iterative and stops once the cost passes `budget`, so
/// it costs at most what building the value did.
pub fn measure(v: &Value, budget: u64) -> Result<u64, String> {
    let mut cost = 0u64;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_VALUE_DEPTH {
            return Err(format!(
                "a value nests lists and maps more than {MAX_VALUE_DEPTH} levels deep"
            ));
        }
        match v {
            Value::String(s) => {
                check_string_len(s.len())?;
                cost += s.len() as u64 + 1;
            }
            Value::List(l) => {
                check_collection_len(l.len())?;
                cost += ELEMENT_BYTES * l.len() as u64;
                stack.extend(l.iter().map(|e| (e, depth + 1)));
            }
            Value::Object(o) => {
                check_collection_len(o.len())?;
                cost += ELEMENT_BYTES * o.len() as u64;
                for (k, e) in o {
                    cost += k.len() as u64;
                    stack.push((e, depth + 1));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => cost += 1,
        }
        if cost > budget {
            break;
        }
    }
    Ok(cost)
}

pub fn check_string_len(len: usize) -> Result<(), String> {
    if len > MAX_STRING_BYTES {
        return Err(format!(
            "a string would be longer than {}",
            bytes_text(MAX_STRING_BYTES as u64)
        ));
    }
    Ok(())
}

pub fn check_collection_len(len: usize) -> Result<(), String> {
    if len > MAX_COLLECTION_LEN {
        return Err(format!(
            "a list or map would have more than {MAX_COLLECTION_LEN} elements"
        ));
    }
    Ok(())
}

/// An upper bound of what a standard-library call would produce, checked
/// before the call for the functions whose result can be much larger than
/// their arguments. `None` when the arguments do not fit the function (it
/// then reports its own error).
type Bound = fn(&[Value]) -> Option<Size>;

/// A result's size: string bytes and collection elements.
#[derive(Debug, Clone, Copy, Default)]
pub struct Size {
    pub bytes: u128,
    pub elements: u128,
}

const AMPLIFIERS: &[(&str, Bound)] = &[
    ("range", range_bound),
    ("setproduct", setproduct_bound),
    ("join", join_bound),
    ("replace", replace_bound),
    ("regex_replace", regex_replace_bound),
    ("indent", indent_bound),
    ("format", format_bound),
    ("formatlist", formatlist_bound),
    ("split", split_bound),
];

/// Checks a call to the standard function `name` before it runs.
pub fn check_call(name: &str, args: &[Value]) -> Result<(), String> {
    let Some((_, bound)) = AMPLIFIERS.iter().find(|(n, _)| *n == name) else {
        return Ok(());
    };
    let Some(size) = bound(args) else {
        return Ok(());
    };
    if size.bytes > MAX_STRING_BYTES as u128 {
        return check_string_len(usize::MAX);
    }
    if size.elements > MAX_COLLECTION_LEN as u128 {
        return check_collection_len(usize::MAX);
    }
    Ok(())
}

fn str_len(v: &Value) -> u128 {
    match v {
        Value::String(s) => s.len() as u128,
        _ => 24,
    }
}

fn range_bound(a: &[Value]) -> Option<Size> {
    let nums: Vec<f64> = a
        .iter()
        .map(Value::to_number_conv)
        .collect::<Result<_, _>>()
        .ok()?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, 1.0),
        [start, end, step] => (*start, *end, step.abs()),
        _ => return None,
    };
    if step == 0.0 {
        return None;
    }
    let count = ((end - start).abs() / step).ceil();
    Some(Size {
        bytes: 0,
        elements: if count.is_finite() {
            count as u128
        } else {
            u128::MAX
        },
    })
}

fn setproduct_bound(a: &[Value]) -> Option<Size> {
    let mut elements: u128 = 1;
    for v in a {
        let len = v.as_list()?.len() as u128;
        elements = elements.saturating_mul(len);
    }
    Some(Size {
        bytes: 0,
        elements: elements.saturating_mul(a.len() as u128),
    })
}

fn join_bound(a: &[Value]) -> Option<Size> {
    let (sep, lists) = a.split_first()?;
    let mut items: u128 = 0;
    let mut bytes: u128 = 0;
    for l in lists {
        for e in l.as_list()? {
            items += 1;
            bytes += str_len(e);
        }
    }
    Some(Size {
        bytes: bytes + str_len(sep) * items.saturating_sub(1),
        elements: 0,
    })
}

fn replace_bound(a: &[Value]) -> Option<Size> {
    let [Value::String(x), Value::String(sub), Value::String(rep)] = a else {
        return None;
    };
    let matches = if sub.is_empty() {
        x.chars().count() as u128 + 1
    } else {
        x.matches(sub.as_str()).count() as u128
    };
    Some(Size {
        bytes: x.len() as u128 + matches * rep.len() as u128,
        elements: 0,
    })
}

fn regex_replace_bound(a: &[Value]) -> Option<Size> {
    let [Value::String(x), _, Value::String(rep)] = a else {
        return None;
    };
    let matches = x.len() as u128 + 1;
    Some(Size {
        bytes: x.len() as u128 + matches * (rep.len() as u128 + dollars(rep) * x.len() as u128),
        elements: 0,
    })
}

/// Replacement templates repeat the match once per `$`.
fn dollars(rep: &str) -> u128 {
    rep.matches('$').count() as u128
}

fn indent_bound(a: &[Value]) -> Option<Size> {
    let [width, Value::String(x)] = a else {
        return None;
    };
    let width = width.to_number_conv().ok()?.max(0.0);
    let lines = x.matches('\n').count() as u128;
    Some(Size {
        bytes: x.len() as u128 + lines * width as u128,
        elements: 0,
    })
}

/// Every verb may pad to its width: the digits after each `%` bound it.
fn format_bytes(f: &str, args: &[Value]) -> u128 {
    let mut bytes = f.len() as u128 + args.iter().map(str_len).sum::<u128>();
    let mut rest = f;
    while let Some(i) = rest.find('%') {
        rest = &rest[i + 1..];
        let digits: String = rest
            .chars()
            .skip_while(|c| matches!(c, '-' | '+' | '#' | ' ' | '0'))
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() {
            bytes += digits.parse::<u128>().unwrap_or(u64::MAX as u128);
        }
    }
    bytes
}

fn format_bound(a: &[Value]) -> Option<Size> {
    let (Value::String(f), args) = a.split_first()? else {
        return None;
    };
    Some(Size {
        bytes: format_bytes(f, args),
        elements: 0,
    })
}

fn formatlist_bound(a: &[Value]) -> Option<Size> {
    let (Value::String(f), args) = a.split_first()? else {
        return None;
    };
    let count = args
        .iter()
        .filter_map(Value::as_list)
        .map(|l| l.len() as u128)
        .max()
        .unwrap_or(1);
    let scalars: Vec<Value> = args
        .iter()
        .filter(|v| v.as_list().is_none())
        .cloned()
        .collect();
    let per_item = format_bytes(f, &scalars);
    let list_bytes: u128 = args
        .iter()
        .filter_map(Value::as_list)
        .flat_map(|l| l.iter().map(str_len))
        .sum();
    Some(Size {
        bytes: count * per_item + list_bytes,
        elements: count,
    })
}

fn split_bound(a: &[Value]) -> Option<Size> {
    let [Value::String(sep), Value::String(x)] = a else {
        return None;
    };
    let parts = if sep.is_empty() {
        x.chars().count() as u128
    } else {
        x.matches(sep.as_str()).count() as u128 + 1
    };
    Some(Size {
        bytes: 0,
        elements: parts,
    })
}

/// A key for hashing values: equal values (as `==` sees them) have equal
/// keys, so set functions can run in linear time.
pub fn hash_key(v: &Value) -> String {
    v.to_json()
}

/// `items` without repeats, first occurrence kept, in linear time.
pub fn distinct(items: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|v| seen.insert(hash_key(v)))
        .collect()
}
