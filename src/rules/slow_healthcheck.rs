//! BP014 `slow-healthcheck`: a workflow job's service (or container) whose
//! `options` set a long `--health-interval`. Docker runs the first health
//! check only after one interval, and GitHub Actions waits for the service
//! to be healthy before the job's steps start: every run waits at least one
//! interval. The fix checks every 2 s and adds a start period that keeps the
//! retry window the service had.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::pipeline::workflow::{Container, Scalar};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope, WorkflowContext};
use crate::span::Span;
use crate::yaml::{self, Node};

pub static RULE: RuleDef = RuleDef {
    code: "BP014",
    name: "slow-healthcheck",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A service health check whose interval makes the job wait",
    doc: include_str!("../../rules/BP014.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Workflow,
    options: &[],
    check: CheckFn::BakeAndWorkflow(check_compose, check_workflow),
};

/// Intervals up to this many milliseconds are fine.
const MAX_INTERVAL_MS: u64 = 5_000;
/// The interval the fix sets.
const SHORT_INTERVAL: &str = "2s";
/// Docker's default `--health-retries`.
const DEFAULT_RETRIES: u64 = 3;

/// A Go duration as Docker reads it (`10s`, `1m30s`, `500ms`), in
/// milliseconds; `None` for anything else.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(total.round() as u64)
}

/// Milliseconds as the shortest Docker duration (`50s`, `1500ms`).
pub fn format_duration(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// One `--flag value` / `--flag=value` of an options string: the value and
/// where it is (relative to the text that was split).
#[derive(Debug, Clone, PartialEq)]
struct FlagValue {
    value: String,
    span: Span,
}

/// The whitespace-separated words of `text` with their byte ranges.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// The last value of `flag` in `text` (Docker takes the last).
fn flag_value(text: &str, flag: &str) -> Option<FlagValue> {
    let words = words(text);
    let mut found = None;
    for (i, (start, word)) in words.iter().enumerate() {
        if *word == flag {
            if let Some((vs, v)) = words.get(i + 1) {
                found = Some(FlagValue {
                    value: v.to_string(),
                    span: Span::new(*vs, vs + v.len()),
                });
            }
        } else if let Some(v) = word
            .strip_prefix(flag)
            .and_then(|rest| rest.strip_prefix('='))
        {
            let vs = start + flag.len() + 1;
            found = Some(FlagValue {
                value: v.to_string(),
                span: Span::new(vs, vs + v.len()),
            });
        }
    }
    found
}

/// A value as written in the file, with its span in the file: found in the
/// scalar's source text and checked against the decoded value, so a fix
/// never edits bytes that mean something else (escapes, folding).
fn flag_in_source(text: &str, options: &Scalar, flag: &str) -> Option<FlagValue> {
    let mut raw = options.span.slice(text);
    let mut base = options.span.start;
    // The inside of a flow-quoted scalar.
    if let Some(q) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
        if raw.len() >= 2 && raw.ends_with(q) {
            raw = &raw[1..raw.len() - 1];
            base += 1;
        }
    }
    let decoded = flag_value(&options.value, flag)?;
    let mut found = flag_value(raw, flag)?;
    if found.value != decoded.value {
        return None;
    }
    found.span = found.span.offset(base);
    Some(found)
}

/// Where the one `flag` word (`--flag` or `--flag=…`) of an options
/// scalar starts in the file; `None` unless the source and the decoded
/// value both have it exactly once.
fn flag_word_in_source(text: &str, options: &Scalar, flag: &str) -> Option<usize> {
    let is_flag = |w: &str| w == flag || w.strip_prefix(flag).is_some_and(|r| r.starts_with('='));
    let raw = options.span.slice(text);
    let in_raw: Vec<usize> = words(raw)
        .into_iter()
        .filter(|(_, w)| is_flag(w.trim_start_matches(['"', '\''])))
        .map(|(start, w)| start + (w.len() - w.trim_start_matches(['"', '\'']).len()))
        .collect();
    let in_value = words(&options.value)
        .into_iter()
        .filter(|(_, w)| is_flag(w))
        .count();
    match (in_raw.as_slice(), in_value) {
        ([start], 1) => Some(options.span.start + start),
        _ => None,
    }
}

/// The health-check interval a container's options give it: the
/// `--health-interval` value, or Docker's default when only a
/// `--health-cmd` is set.
enum Interval {
    Set(FlagValue),
    /// `--health-cmd` without `--health-interval`: Docker checks every 30 s.
    Default,
}

/// Docker's default `--health-interval`, in milliseconds.
const DEFAULT_INTERVAL_MS: u64 = 30_000;

fn interval_of(options: &str) -> Option<Interval> {
    if let Some(interval) = flag_value(options, "--health-interval") {
        return Some(Interval::Set(interval));
    }
    let cmd = flag_value(options, "--health-cmd")?;
    let disabled = cmd.value.eq_ignore_ascii_case("none")
        || words(options).iter().any(|(_, w)| *w == "--no-healthcheck");
    (!disabled).then_some(Interval::Default)
}

/// `what` names the container in messages.
fn check_container(
    ctx: &WorkflowContext<'_>,
    what: String,
    c: &Container,
    out: &mut Vec<Diagnostic>,
) {
    let Some(options) = &c.options else {
        return;
    };
    if options.has_expression() && flag_value(&options.value, "--health-interval").is_none() {
        // An expression may hold the interval.
        return;
    }
    let Some(interval) = interval_of(&options.value) else {
        return;
    };
    let (interval_ms, shown) = match &interval {
        Interval::Set(iv) if iv.value.contains("${{") => return,
        Interval::Set(iv) => match parse_duration_ms(&iv.value) {
            Some(ms) => (ms, iv.value.clone()),
            None => return,
        },
        Interval::Default => (DEFAULT_INTERVAL_MS, "30s (Docker's default)".to_string()),
    };
    if interval_ms <= MAX_INTERVAL_MS {
        return;
    }
    let retries = flag_value(&options.value, "--health-retries")
        .and_then(|r| r.value.parse::<u64>().ok())
        .filter(|r| *r > 0)
        .unwrap_or(DEFAULT_RETRIES);
    let start_flag = flag_value(&options.value, "--health-start-period");
    let start_ms = match &start_flag {
        Some(s) => parse_duration_ms(&s.value),
        None => Some(0),
    };
    let window = interval_ms * retries;
    let new_start = start_ms.map(|s| s + window);
    let suggestion = match new_start {
        Some(s) => format!(
            "`--health-interval {SHORT_INTERVAL} --health-start-period {}`",
            format_duration(s)
        ),
        None => format!("`--health-interval {SHORT_INTERVAL}` with a start period"),
    };
    let (span, edits) = match interval {
        Interval::Set(_) => set_interval_edits(ctx, options, start_flag.is_some(), new_start),
        Interval::Default => default_interval_edits(ctx, options, start_flag.is_some(), new_start),
    };
    let mut d = ctx
        .diagnostic(
            span,
            format!(
                "{what} checks its health every {shown}: the job waits at least that long for it"
            ),
        )
        .with_help(format!(
            "Use {suggestion}: the service is checked every {SHORT_INTERVAL} from the start and \
             keeps its {} retry window.\nDocker runs the first health check one interval after \
             the start, and the job's steps wait for it.",
            format_duration(window)
        ));
    if let Some(edits) = edits {
        d = d.with_fix(Fix::unsafe_(
            format!("check every {SHORT_INTERVAL} after a start period"),
            edits,
        ));
    }
    out.push(d);
}

/// The finding's span (the interval value) and the fix's edits: the value
/// becomes the short interval, the start period is set or added after it.
fn set_interval_edits(
    ctx: &WorkflowContext<'_>,
    options: &Scalar,
    has_start: bool,
    new_start: Option<u64>,
) -> (Span, Option<Vec<Edit>>) {
    let Some(iv) = flag_in_source(ctx.text, options, "--health-interval") else {
        return (options.span, None);
    };
    let Some(new_start) = new_start else {
        return (iv.span, None);
    };
    let start_value = format_duration(new_start);
    let mut edits = vec![Edit::replace(ctx.path, iv.span, SHORT_INTERVAL.to_string())];
    if has_start {
        match flag_in_source(ctx.text, options, "--health-start-period") {
            Some(sp) => edits.push(Edit::replace(ctx.path, sp.span, start_value)),
            None => return (iv.span, None),
        }
    } else {
        edits.push(Edit::replace(
            ctx.path,
            Span::empty(iv.span.end),
            format!(" --health-start-period {start_value}"),
        ));
    }
    (iv.span, Some(edits))
}

/// The finding's span (the `--health-cmd` flag) and the fix's edit: the
/// interval and start period written before that flag.
fn default_interval_edits(
    ctx: &WorkflowContext<'_>,
    options: &Scalar,
    has_start: bool,
    new_start: Option<u64>,
) -> (Span, Option<Vec<Edit>>) {
    let Some(at) = flag_word_in_source(ctx.text, options, "--health-cmd") else {
        return (options.span, None);
    };
    let span = Span::new(at, at + "--health-cmd".len());
    match (has_start, new_start) {
        (false, Some(new_start)) => {
            let insert = format!(
                "--health-interval {SHORT_INTERVAL} --health-start-period {} ",
                format_duration(new_start)
            );
            (
                span,
                Some(vec![Edit::replace(ctx.path, Span::empty(at), insert)]),
            )
        }
        _ => (span, None),
    }
}

fn check_workflow(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    for job in &ctx.workflow.jobs {
        for service in &job.services {
            let what = format!(
                "service \"{}\" of job \"{}\"",
                service.name.value, job.id.value
            );
            check_container(ctx, what, service, out);
        }
        if let Some(c) = &job.container {
            let what = format!("the container of job \"{}\"", job.id.value);
            check_container(ctx, what, c, out);
        }
    }
}

/// A compose file's findings: services whose `healthcheck.interval` is
/// long and that have no `start_interval` (Docker Engine 25+ checks every
/// `start_interval` during `start_period`). Fix: `start_interval: 2s` and a
/// `start_period` of the old retry window, as new keys under `interval`.
pub fn compose_findings(
    path: &std::path::Path,
    text: &str,
) -> Vec<(Span, String, String, Option<Vec<Edit>>)> {
    let mut out = Vec::new();
    let Ok(docs) = yaml::parse(text) else {
        return out;
    };
    let Some(services) = docs.first().and_then(|d| d.get("services")) else {
        return out;
    };
    for (name, _, service) in services.entries() {
        let Some(hc) = service.get("healthcheck") else {
            continue;
        };
        if hc.get("start_interval").is_some()
            || hc.get("disable").and_then(Node::as_bool) == Some(true)
        {
            continue;
        }
        let Some((key, interval)) = hc.get_entry("interval") else {
            continue;
        };
        let Some(value) = interval.as_str() else {
            continue;
        };
        let Some(interval_ms) = parse_duration_ms(value).filter(|ms| *ms > MAX_INTERVAL_MS) else {
            continue;
        };
        let retries = hc
            .get("retries")
            .and_then(Node::as_str)
            .and_then(|r| r.parse::<u64>().ok())
            .filter(|r| *r > 0)
            .unwrap_or(DEFAULT_RETRIES);
        let start = hc.get_entry("start_period");
        let start_ms = match start {
            Some((_, v)) => v.as_str().and_then(parse_duration_ms),
            None => Some(0),
        };
        let window = interval_ms * retries;
        let message = format!(
            "service \"{name}\" checks its health every {value}: whatever waits for it being healthy waits at least that long"
        );
        let help = format!(
            "Docker runs the first health check one interval after the start. Add \
             `start_interval: {SHORT_INTERVAL}` with a `start_period` of {} (Docker Engine 25+): \
             checked every {SHORT_INTERVAL} while starting, the same retry window.",
            format_duration(start_ms.unwrap_or(0) + window)
        );
        // Byte edits only in a block mapping whose keys start their lines.
        let line_start = text[..key.span.start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..key.span.start];
        let block = !indent.is_empty() && indent.chars().all(|c| c == ' ');
        let line_end = text[interval.span.end..]
            .find('\n')
            .map_or(text.len(), |i| interval.span.end + i);
        let fix = match (block, start_ms) {
            (true, Some(start_ms)) => {
                let period = format_duration(start_ms + window);
                let mut edits = Vec::new();
                let mut insert = String::new();
                match start {
                    Some((_, v)) if v.span.slice(text) == v.as_str().unwrap_or("") => {
                        edits.push(Edit::replace(path, v.span, period));
                    }
                    Some(_) => {}
                    None => insert.push_str(&format!("\n{indent}start_period: {period}")),
                }
                if start.is_none() || !edits.is_empty() {
                    insert.push_str(&format!("\n{indent}start_interval: {SHORT_INTERVAL}"));
                    edits.push(Edit::replace(path, Span::empty(line_end), insert));
                    Some(edits)
                } else {
                    None
                }
            }
            _ => None,
        };
        out.push((interval.span, message, help, fix));
    }
    out
}

fn check_compose(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    for file in ctx.project.files() {
        if file.kind != crate::bake::FileKind::Compose {
            continue;
        }
        for (span, message, help, fix) in compose_findings(&file.path, &file.text) {
            let mut d = ctx.diagnostic(&file.path, span, message).with_help(help);
            if let Some(edits) = fix {
                d = d.with_fix(Fix::unsafe_(
                    format!("check every {SHORT_INTERVAL} during a start period"),
                    edits,
                ));
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow;
    use std::path::Path;

    fn run(text: &str) -> Vec<Diagnostic> {
        let w = workflow::load(text).unwrap();
        let ctx = WorkflowContext {
            path: Path::new(".github/workflows/ci.yml"),
            text,
            workflow: &w,
            bake: &[],
            links: &Default::default(),
            rule: &RULE,
            options: &Default::default(),
            overlay: &Default::default(),
        };
        let mut out = Vec::new();
        check_workflow(&ctx, &mut out);
        out
    }

    fn fixed(text: &str) -> String {
        let mut out = text.to_string();
        let mut edits: Vec<(Span, String)> = run(text)
            .into_iter()
            .flat_map(|d| d.fix.map(|f| f.edits).unwrap_or_default())
            .filter_map(|e| match e {
                Edit::Replace { span, content, .. } => Some((span, content)),
                Edit::Create { .. } => None,
            })
            .collect();
        edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        for (span, content) in edits {
            out.replace_range(span.start..span.end, &content);
        }
        out
    }

    fn apply(text: &str, edits: Vec<Edit>) -> String {
        let mut out = text.to_string();
        let mut edits: Vec<(Span, String)> = edits
            .into_iter()
            .filter_map(|e| match e {
                Edit::Replace { span, content, .. } => Some((span, content)),
                Edit::Create { .. } => None,
            })
            .collect();
        edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        for (span, content) in edits {
            out.replace_range(span.start..span.end, &content);
        }
        out
    }

    #[test]
    fn compose_healthchecks() {
        let text = "services:\n  db:\n    image: postgres:16-alpine\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      interval: 10s # slow\n      retries: 5\n  ok:\n    healthcheck: {interval: 2s}\n";
        let path = Path::new("compose.yaml");
        let found = compose_findings(path, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.slice(text), "10s");
        let fixed = apply(text, found[0].3.clone().unwrap());
        assert_eq!(
            fixed,
            text.replace(
                "interval: 10s # slow\n",
                "interval: 10s # slow\n      start_period: 50s\n      start_interval: 2s\n"
            )
        );
        assert!(compose_findings(path, &fixed).is_empty());
        let with_start =
            "services:\n  db:\n    healthcheck:\n      start_period: 5s\n      interval: 10s\n";
        let found = compose_findings(path, with_start);
        assert_eq!(
            apply(with_start, found[0].3.clone().unwrap()),
            "services:\n  db:\n    healthcheck:\n      start_period: 35s\n      interval: 10s\n      start_interval: 2s\n"
        );
        let flow = "services:\n  db:\n    healthcheck: {interval: 30s}\n";
        let found = compose_findings(path, flow);
        assert_eq!(found.len(), 1);
        assert!(found[0].3.is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("10s"), Some(10_000));
        assert_eq!(parse_duration_ms("1m30s"), Some(90_000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("1.5s"), Some(1_500));
        assert_eq!(parse_duration_ms("0"), Some(0));
        assert_eq!(parse_duration_ms("10"), None);
        assert_eq!(parse_duration_ms("10x"), None);
        assert_eq!(format_duration(50_000), "50s");
        assert_eq!(format_duration(1_500), "1500ms");
    }

    const PLAIN: &str = "jobs:\n  test:\n    services:\n      db:\n        image: postgres:16\n        options: --health-cmd pg_isready --health-interval 10s --health-retries 5 # slow\n";

    #[test]
    fn flags_the_interval_with_its_span() {
        let d = run(PLAIN);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].span.slice(PLAIN), "10s");
        assert!(d[0].message.contains("service \"db\" of job \"test\""));
        assert_eq!(
            fixed(PLAIN),
            PLAIN.replace(
                "--health-interval 10s",
                "--health-interval 2s --health-start-period 50s"
            )
        );
    }

    #[test]
    fn folded_and_quoted_options_keep_their_style() {
        let folded = "jobs:\n  t:\n    services:\n      db:\n        image: postgres\n        # the database\n        options: >-\n          --health-cmd \"pg_isready -U app\"\n          --health-interval=15s\n          --health-start-period 5s\n";
        let d = run(folded);
        assert_eq!(d[0].span.slice(folded), "15s");
        assert_eq!(
            fixed(folded),
            folded
                .replace("--health-interval=15s", "--health-interval=2s")
                .replace("--health-start-period 5s", "--health-start-period 50s")
        );
        let quoted = "jobs:\n  t:\n    container:\n      image: node\n      options: '--health-interval 30s'\n";
        let d = run(quoted);
        assert!(d[0].message.contains("the container of job \"t\""));
        assert_eq!(
            fixed(quoted),
            quoted.replace("30s'", "2s --health-start-period 90s'")
        );
        // The result is still the YAML it was, with the new flags.
        let w = workflow::load(&fixed(quoted)).unwrap();
        let options = w.jobs[0]
            .container
            .as_ref()
            .unwrap()
            .options
            .clone()
            .unwrap();
        assert_eq!(
            options.value,
            "--health-interval 2s --health-start-period 90s"
        );
        assert!(run(&fixed(PLAIN)).is_empty());
        assert!(run(&fixed(folded)).is_empty());
    }

    #[test]
    fn short_intervals_and_expressions_are_fine() {
        let ok = "jobs:\n  t:\n    services:\n      db:\n        options: --health-interval 5s\n      r:\n        options: --health-interval ${{ env.I }}\n      x:\n        options: --health-cmd true --health-interval=3s\n      y:\n        options: --health-cmd none\n      z:\n        options: --health-cmd pg_isready ${{ env.HEALTH }}\n";
        assert!(run(ok).is_empty());
    }

    #[test]
    fn a_health_cmd_without_interval_waits_docker_default() {
        let text = "jobs:\n  t:\n    services:\n      db:\n        image: postgres:16-alpine\n        options: >-\n          --health-cmd \"pg_isready -U app\"\n          --health-retries 5\n";
        let d = run(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].span.slice(text), "--health-cmd");
        assert!(
            d[0].message.contains("every 30s (Docker's default)"),
            "{}",
            d[0].message
        );
        let fixed = fixed(text);
        assert_eq!(
            fixed,
            text.replace(
                "--health-cmd \"pg",
                "--health-interval 2s --health-start-period 150s --health-cmd \"pg"
            )
        );
        assert!(run(&fixed).is_empty());
        // A start period already set: reported, not fixed.
        let started = "jobs:\n  t:\n    services:\n      db:\n        options: --health-cmd=true --health-start-period 5s\n";
        let d = run(started);
        assert_eq!(d[0].span.slice(started), "--health-cmd");
        assert!(d[0].fix.is_none());
    }
}
