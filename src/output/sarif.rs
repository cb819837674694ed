//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers).
//!
//! One run with `tool.driver` describing every rule, one result per finding
//! with a repository-relative location, a full region (one-based lines and
//! columns counted in Unicode code points, as `columnKind` says), stable
//! `partialFingerprints` and the fix as `fixes[].artifactChanges`.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde_json::{json, Map, Value};

use super::{display_path, Sources};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::{RuleDef, RULES};
use crate::span::{Position, Span};

/// The schema URI written into `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the project lives (tool.driver.informationUri, rule help links):
/// `repository` in Cargo.toml. Without one the links are left out rather
/// than pointing at a made-up address.
pub const HOMEPAGE: Option<&str> = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(r) if !r.is_empty() => Some(r),
    _ => None,
};

/// The key of our fingerprint in `partialFingerprints` (versioned so the
/// recipe can change without clashing with old alerts).
pub const FINGERPRINT_KEY: &str = "bakelint/v1";

/// Resolves diagnostic paths (relative to the working directory) to paths
/// relative to the repository root, as code scanning and GitLab expect.
#[derive(Debug, Clone)]
pub struct PathBase {
    cwd: PathBuf,
    root: Option<PathBuf>,
}

impl PathBase {
    /// `root` is the repository root (`None`: report paths relative to `cwd`).
    pub fn new(cwd: PathBuf, root: Option<PathBuf>) -> PathBase {
        PathBase { cwd, root }
    }

    /// The current directory and the enclosing git repository, if any.
    pub fn discover() -> PathBase {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = cwd
            .ancestors()
            .find(|d| d.join(".git").exists())
            .map(Path::to_path_buf);
        PathBase { cwd, root }
    }

    /// `path` relative to the repository root, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        let absolute = normalize(&self.cwd.join(path));
        let base = self.root.as_deref().map(normalize);
        let rel = base
            .as_deref()
            .and_then(|b| absolute.strip_prefix(b).ok())
            .map(Path::to_path_buf);
        let shown = match rel {
            Some(r) if !r.as_os_str().is_empty() => r.to_string_lossy().into_owned(),
            _ => display_path(path),
        };
        shown.replace('\\', "/")
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Percent-encodes a relative path for a URI reference (RFC 3986 path
/// characters but `:` kept).
pub fn uri_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // `:` is always encoded, so a first segment never reads as a scheme.
    out
}

/// 64-bit FNV-1a: tiny, and stable across Rust versions and platforms
/// (unlike `DefaultHasher`), which fingerprints need.
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The trimmed text of the line holding `offset`.
fn line_text<'a>(sources: &'a mut Sources, path: &Path, offset: usize) -> &'a str {
    let Some(src) = sources.get(path) else {
        return "";
    };
    let line0 = src.index.line_of(offset.min(src.text.len()));
    let start = src.index.line_start(line0);
    let end = src.index.line_start(line0 + 1);
    let end = if end <= start { src.text.len() } else { end };
    src.text.get(start..end).unwrap_or("").trim()
}

/// One fingerprint per diagnostic: a hash of the rule code, the
/// repository-relative path and the offending line's text (not its number,
/// so findings keep their identity when lines move), plus `:N` counting
/// identical findings in order.
pub fn fingerprints(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    base: &PathBase,
) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let path = base.relative(&d.file);
            let line = line_text(sources, &d.file, d.span.start).to_string();
            let h = fnv1a64(&[d.code.as_bytes(), path.as_bytes(), line.as_bytes()]);
            let n = seen.entry(h).or_insert(0);
            *n += 1;
            format!("{h:016x}:{n}")
        })
        .collect()
}

/// SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// The first paragraph of the doc's "What it does" section (or of the doc).
fn doc_description(rule: &RuleDef) -> String {
    let doc = rule.doc;
    let body = doc
        .find("## What it does")
        .map(|i| &doc[i + "## What it does".len()..])
        .unwrap_or(doc);
    let para: Vec<&str> = body
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty() || l.starts_with('#'))
        .take_while(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if para.is_empty() {
        rule.summary.to_string()
    } else {
        para.join(" ")
    }
}

/// The documentation page of a rule.
pub fn help_uri(rule: &RuleDef) -> Option<String> {
    HOMEPAGE.map(|home| format!("{home}/blob/main/rules/{}.md", rule.code))
}

fn rule_descriptor(rule: &RuleDef) -> Value {
    let mut descriptor = json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc_description(rule)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"tags": [rule.name]},
    });
    if let Some(uri) = help_uri(rule) {
        descriptor["helpUri"] = json!(uri);
    }
    descriptor
}

fn region(sources: &mut Sources, path: &Path, span: Span) -> Value {
    let (s, e) = match sources.get(path) {
        Some(src) => (src.position(span.start), src.position(span.end)),
        None => {
            let p = Position { line: 1, column: 1 };
            (p, p)
        }
    };
    json!({
        "startLine": s.line,
        "startColumn": s.column,
        "endLine": e.line,
        "endColumn": e.column,
    })
}

fn artifact_location(base: &PathBase, path: &Path) -> Value {
    json!({"uri": uri_encode_path(&base.relative(path))})
}

fn fixes(d: &Diagnostic, sources: &mut Sources, base: &PathBase) -> Option<Value> {
    let fix = d.fix.as_ref()?;
    // Group the replacements per file, keeping first-seen order.
    let mut changes: Vec<(PathBuf, Vec<Value>)> = Vec::new();
    for edit in &fix.edits {
        let (file, replacement) = match edit {
            Edit::Replace {
                file,
                span,
                content,
            } => (
                file,
                json!({
                    "deletedRegion": region(sources, file, *span),
                    "insertedContent": {"text": content},
                }),
            ),
            Edit::Create { file, content } => (
                file,
                json!({
                    "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                    "insertedContent": {"text": content},
                }),
            ),
        };
        match changes.iter_mut().find(|(f, _)| f == file) {
            Some((_, reps)) => reps.push(replacement),
            None => changes.push((file.clone(), vec![replacement])),
        }
    }
    let artifact_changes: Vec<Value> = changes
        .into_iter()
        .map(|(file, replacements)| {
            json!({"artifactLocation": artifact_location(base, &file), "replacements": replacements})
        })
        .collect();
    let description = match fix.applicability {
        crate::diagnostic::Applicability::Safe => fix.message.clone(),
        crate::diagnostic::Applicability::Unsafe => format!("{} (unsafe)", fix.message),
        crate::diagnostic::Applicability::DisplayOnly => format!("{} (suggestion)", fix.message),
    };
    Some(json!([{
        "description": {"text": description},
        "artifactChanges": artifact_changes,
    }]))
}

/// The whole SARIF log as a JSON value.
pub fn log(diagnostics: &[Diagnostic], sources: &mut Sources, base: &PathBase) -> Value {
    let prints = fingerprints(diagnostics, sources, base);
    let results: Vec<Value> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| {
            let mut r = Map::new();
            r.insert("ruleId".into(), json!(d.code));
            if let Some(i) = RULES.iter().position(|rule| rule.code == d.code) {
                r.insert("ruleIndex".into(), json!(i));
            }
            r.insert("level".into(), json!(level(d.severity)));
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            r.insert("message".into(), json!({ "text": text }));
            r.insert(
                "locations".into(),
                json!([{"physicalLocation": {
                    "artifactLocation": artifact_location(base, &d.file),
                    "region": region(sources, &d.file, d.span),
                }}]),
            );
            if !d.labels.is_empty() {
                let related: Vec<Value> = d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let file = l.file.as_deref().unwrap_or(&d.file);
                        json!({
                            "id": i,
                            "message": {"text": l.message},
                            "physicalLocation": {
                                "artifactLocation": artifact_location(base, file),
                                "region": region(sources, file, l.span),
                            },
                        })
                    })
                    .collect();
                r.insert("relatedLocations".into(), Value::Array(related));
            }
            r.insert(
                "partialFingerprints".into(),
                json!({ FINGERPRINT_KEY: print }),
            );
            if let Some(f) = fixes(d, sources, base) {
                r.insert("fixes".into(), f);
            }
            Value::Object(r)
        })
        .collect();
    let rules: Vec<Value> = RULES.iter().map(|r| rule_descriptor(r)).collect();
    let mut driver = json!({
        "name": "bakelint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(home) = HOMEPAGE {
        driver["informationUri"] = json!(home);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

pub fn render_with(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    base: &PathBase,
    out: &mut dyn Write,
) -> io::Result<()> {
    let value = log(diagnostics, sources, base);
    serde_json::to_writer_pretty(&mut *out, &value).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn render(
    diagnostics: &[Diagnostic],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with(diagnostics, sources, &PathBase::discover(), out)
}
