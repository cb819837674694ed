//! One fuzz case, end to end, as `bakelint check --fix --unsafe-fixes` run
//! twice would do it: lint the project in-process with every rule, render the
//! findings, apply the fixes (within the project root), write them, lint and
//! fix again. What must hold:
//! - no panic ([`run_isolated`] catches it, with where it happened);
//! - the case finishes within a bound (a worker thread with a deadline);
//! - every span lies inside its file, on character boundaries;
//! - every Dockerfile parses back to its exact source;
//! - no fix breaks a file (the fix loop reports none, and no file has more
//!   syntax errors after the fixes than before);
//! - fixes write only inside the project;
//! - fixes converge: the second fix pass changes nothing.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Mutex, Once};
use std::time::Duration;

use bakelint::bake::print::{group_json, target_json};
use bakelint::config::Settings;
use bakelint::diagnostic::{Diagnostic, Edit};
use bakelint::dockerfile::parse;
use bakelint::fix::{fix_all_within, DiskSource, FixMode, FixResult, ProjectRoot, WriteScope};
use bakelint::output::{self, OutputFormat, Sources};
use bakelint::project::{classify, discover, FileKind};
use bakelint::workspace::{self, LintOutput, Plan};

use super::project::Project;

/// What went wrong in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureKind {
    Panic,
    Hang,
    BadSpan,
    RoundTrip,
    BrokeParse,
    WroteOutside,
    NoConvergence,
}

impl FailureKind {
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Panic => "panic",
            FailureKind::Hang => "hang",
            FailureKind::BadSpan => "bad-span",
            FailureKind::RoundTrip => "round-trip",
            FailureKind::BrokeParse => "broke-parse",
            FailureKind::WroteOutside => "wrote-outside",
            FailureKind::NoConvergence => "no-convergence",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    /// What identifies the bug (a panic's location, the fix codes): two
    /// failures with one signature are one bug.
    pub signature: String,
    pub detail: String,
}

impl Failure {
    fn new(kind: FailureKind, signature: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            signature: signature.into(),
            detail: detail.into(),
        }
    }

    pub fn key(&self) -> String {
        format!("{}: {}", self.kind.name(), self.signature)
    }
}

/// What a passing case did.
#[derive(Debug, Clone, Default)]
pub struct CaseStats {
    /// Codes of the findings of the first lint.
    pub codes: BTreeSet<&'static str>,
    pub findings: usize,
    pub fixes_applied: usize,
}

/// The plan `bakelint check` run in `dir` makes, with an empty environment.
fn plan_for(dir: &Path) -> Plan {
    let found = discover(&[dir.to_path_buf()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.to_path_buf();
    plan.roots = vec![dir.to_path_buf()];
    plan.env = BTreeMap::new();
    plan
}

const FORMATS: &[OutputFormat] = &[
    OutputFormat::Full,
    OutputFormat::Concise,
    OutputFormat::Json,
    OutputFormat::JsonLines,
    OutputFormat::Github,
    OutputFormat::Sarif,
    OutputFormat::Gitlab,
    OutputFormat::Checkstyle,
    OutputFormat::Junit,
];

/// Runs the case in this thread (panics propagate). `format` picks the
/// report format the findings are rendered in.
pub fn check_project(project: &Project, dir: &Path, format: usize) -> Result<CaseStats, Failure> {
    project.write_to(dir).map_err(|e| {
        Failure::new(
            FailureKind::Panic,
            "harness",
            format!("cannot write the case: {e}"),
        )
    })?;
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let settings = Settings::default();
    let plan = plan_for(&dir);
    let first = workspace::lint(&plan, &BTreeMap::new(), &settings);
    check_spans(&first, "first lint")?;
    check_round_trips(&first)?;
    render(&first, FORMATS[format % FORMATS.len()]);
    print_projects(&first);

    let scope = WriteScope::new(
        ProjectRoot::for_paths(std::slice::from_ref(&dir), &dir),
        &dir,
    );
    let fixed = fix(&plan, &settings, &scope, first.diagnostics.clone());
    if let Some(f) = fixed.failures.first() {
        let codes = f.codes.join(",");
        return Err(Failure::new(
            FailureKind::BrokeParse,
            codes,
            format!("{}: {}", f.file.display(), f.message),
        ));
    }
    write_fixes(&fixed, &dir)?;

    let plan = plan_for(&dir);
    let second = workspace::lint(&plan, &BTreeMap::new(), &settings);
    check_spans(&second, "lint after the fixes")?;
    check_still_parses(&first, &second, &fixed)?;
    let again = fix(&plan, &settings, &scope, second.diagnostics);
    if let Some((path, old, new)) = again.changed().next() {
        let codes: Vec<&str> = again.applied.keys().copied().collect();
        let diff = similar::TextDiff::from_lines(old.map_or("", String::as_str), new.as_str())
            .unified_diff()
            .header("after the first fix pass", "after a second one")
            .to_string();
        return Err(Failure::new(
            FailureKind::NoConvergence,
            codes.join(","),
            format!("{}:\n{diff}", path.display()),
        ));
    }
    Ok(CaseStats {
        codes: first.diagnostics.iter().map(|d| d.code).collect(),
        findings: first.diagnostics.len(),
        fixes_applied: fixed.total_applied(),
    })
}

fn fix(plan: &Plan, settings: &Settings, scope: &WriteScope, diags: Vec<Diagnostic>) -> FixResult {
    let lint =
        |overlay: &BTreeMap<PathBuf, String>| workspace::lint(plan, overlay, settings).diagnostics;
    fix_all_within(
        diags,
        FixMode { unsafe_fixes: true },
        scope,
        &DiskSource,
        &lint,
    )
}

/// The text a diagnostic's path names, as linted.
fn text_of<'a>(out: &'a LintOutput, path: &Path) -> Option<&'a String> {
    out.texts.get(path).or_else(|| {
        let normal = workspace::normalize(path);
        out.texts
            .iter()
            .find(|(p, _)| workspace::normalize(p) == normal)
            .map(|(_, t)| t)
    })
}

fn check_spans(out: &LintOutput, when: &str) -> Result<(), Failure> {
    let bad = |d: &Diagnostic, what: String| {
        Failure::new(
            FailureKind::BadSpan,
            format!("{} {}", d.code, what.split(':').next().unwrap_or("")),
            format!("{when}: {what}\n{d:#?}"),
        )
    };
    for d in &out.diagnostics {
        if let Some(text) = text_of(out, &d.file) {
            if let Some(what) = span_problem(text, d.span.start, d.span.end) {
                return Err(bad(d, format!("span: {what}")));
            }
        }
        for edit in d.fix.iter().flat_map(|f| &f.edits) {
            if let Edit::Replace { file, span, .. } = edit {
                if let Some(text) = text_of(out, file) {
                    if let Some(what) = span_problem(text, span.start, span.end) {
                        return Err(bad(d, format!("fix edit: {what} in {}", file.display())));
                    }
                }
            }
        }
    }
    Ok(())
}

fn span_problem(text: &str, start: usize, end: usize) -> Option<String> {
    if start > end || end > text.len() {
        return Some(format!("{start}..{end} outside 0..{}", text.len()));
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return Some(format!("{start}..{end} not on character boundaries"));
    }
    None
}

fn check_round_trips(out: &LintOutput) -> Result<(), Failure> {
    for (path, text) in &out.texts {
        if classify(path) != Some(FileKind::Dockerfile) {
            continue;
        }
        let df = parse(text);
        if df.to_source() != *text {
            return Err(Failure::new(
                FailureKind::RoundTrip,
                "dockerfile",
                format!("{} does not parse back to its source", path.display()),
            ));
        }
    }
    Ok(())
}

fn render(out: &LintOutput, format: OutputFormat) {
    let mut sources = Sources::default();
    for (path, text) in &out.texts {
        sources.insert(path.clone(), text.clone());
    }
    let mut sink: Vec<u8> = Vec::new();
    let _ = output::render(format, &out.diagnostics, &mut sources, false, &mut sink);
}

/// What `bakelint print` shows for each loaded definition.
fn print_projects(out: &LintOutput) {
    let mut text = String::new();
    for project in &out.projects {
        for target in project.targets().values() {
            target_json(target, None).write(&mut text, 0);
        }
        for group in project.groups().values() {
            group_json(group).write(&mut text, 0);
        }
    }
}

/// Writes the fixed files, refusing any outside the project.
fn write_fixes(fixed: &FixResult, dir: &Path) -> Result<(), Failure> {
    for (path, _, content) in fixed.changed() {
        let absolute = workspace::normalize(&dir.join(path));
        if !absolute.starts_with(dir) {
            let codes: Vec<&str> = fixed.applied.keys().copied().collect();
            return Err(Failure::new(
                FailureKind::WroteOutside,
                codes.join(","),
                format!("a fix writes {}", absolute.display()),
            ));
        }
        if let Some(parent) = absolute.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::write(&absolute, content).map_err(|e| {
            Failure::new(
                FailureKind::Panic,
                "harness",
                format!("cannot write {}: {e}", absolute.display()),
            )
        })?;
    }
    Ok(())
}

/// Syntax errors (DF000, BK000) per file.
fn syntax_errors(out: &LintOutput) -> BTreeMap<PathBuf, usize> {
    let mut counts = BTreeMap::new();
    for d in out
        .diagnostics
        .iter()
        .filter(|d| matches!(d.code, "DF000" | "BK000"))
    {
        *counts.entry(workspace::normalize(&d.file)).or_default() += 1;
    }
    counts
}

/// A file the fixes changed has no more syntax errors than before.
fn check_still_parses(
    first: &LintOutput,
    second: &LintOutput,
    fixed: &FixResult,
) -> Result<(), Failure> {
    let before = syntax_errors(first);
    let after = syntax_errors(second);
    for (path, _, _) in fixed.changed() {
        let path = workspace::normalize(path);
        let (b, a) = (
            before.get(&path).copied().unwrap_or(0),
            after.get(&path).copied().unwrap_or(0),
        );
        if a > b {
            let codes: Vec<&str> = fixed.applied.keys().copied().collect();
            let errors: Vec<String> = second
                .diagnostics
                .iter()
                .filter(|d| {
                    matches!(d.code, "DF000" | "BK000") && workspace::normalize(&d.file) == path
                })
                .map(|d| d.message.clone())
                .collect();
            return Err(Failure::new(
                FailureKind::BrokeParse,
                codes.join(","),
                format!(
                    "{} parsed before the fixes, not after: {errors:?}",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The last panic on a case's threads: location and bakelint frames.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Panics of a case's threads (the worker, and the rayon pool that lints
/// Dockerfiles for it) are reported with the case, not printed.
fn in_case_thread() -> bool {
    std::thread::current().name() == Some(WORKER_NAME) || rayon::current_thread_index().is_some()
}

const WORKER_NAME: &str = "fuzz-case";

static HOOK: Once = Once::new();

/// Records where each panic happened (the payload alone does not say).
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !in_case_thread() {
                previous(info);
                return;
            }
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            let frames: Vec<&str> = backtrace
                .lines()
                .filter(|l| {
                    l.contains("bakelint::") || l.contains("at ./src/") || l.contains("at src/")
                })
                .take(24)
                .collect();
            let text = format!("{location}\n{}", frames.join("\n"));
            if let Ok(mut last) = LAST_PANIC.lock() {
                *last = Some(text);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into())
}

/// Runs the case on a worker thread, catching panics, and gives up after
/// `timeout`: the worker is then left behind (it cannot be stopped), which
/// is why a hang ends a campaign.
pub fn run_isolated(
    project: &Project,
    dir: &Path,
    format: usize,
    timeout: Duration,
) -> Result<CaseStats, Failure> {
    install_panic_hook();
    let (send, receive) = mpsc::channel();
    let project = project.clone();
    let dir = dir.to_path_buf();
    let spawned = std::thread::Builder::new()
        .name(WORKER_NAME.into())
        .spawn(move || {
            let result =
                panic::catch_unwind(AssertUnwindSafe(|| check_project(&project, &dir, format)));
            let result = result.unwrap_or_else(|payload| {
                let message = payload_text(payload.as_ref());
                let location = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut last| last.take())
                    .unwrap_or_default();
                let place = location.lines().next().unwrap_or("").to_string();
                Err(Failure::new(
                    FailureKind::Panic,
                    place,
                    format!("{message}\nat {location}"),
                ))
            });
            let _ = send.send(result);
        });
    if let Err(e) = spawned {
        return Err(Failure::new(
            FailureKind::Panic,
            "harness",
            format!("cannot start a worker: {e}"),
        ));
    }
    match receive.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Failure::new(
            FailureKind::Hang,
            "timeout",
            format!("the case did not finish within {timeout:?}"),
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Failure::new(
            FailureKind::Panic,
            "worker died",
            "the worker thread ended without a result",
        )),
    }
}
