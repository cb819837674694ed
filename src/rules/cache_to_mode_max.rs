//! BP003 `cache-to-mode-max`: `cache-to` without `mode=max`, and `cache-to`
//! that no `cache-from` of the target reads back.
//!
//! Also where a CI workflow sets the cache (`set:` lines, `--set`,
//! build-push-action `cache-to` / `cache-from`): reported and fixed in the
//! workflow, on the targets as CI builds them; a bake-file `cache-to` the
//! workflow replaces for a target is not reported again for that target.

use crate::bake::{Entry, Resolved, Target};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_findings::BySource;
use crate::rules::workflow_cache::{self, TargetCaches};
use crate::rules::{bake_findings, bake_targets, hcl_edit};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope, WorkflowContext};

pub static RULE: RuleDef = RuleDef {
    code: "BP003",
    name: "cache-to-mode-max",
    aliases: &[],
    severity: Severity::Warning,
    summary: "cache-to without mode=max caches only the final stage",
    doc: include_str!("../../rules/BP003.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::BakeAndWorkflow(check, check_workflow),
};

const MODE_MAX_HELP: &str = "add `mode=max` so the layers of every stage are exported.\n\
    Multi-stage builds then reuse their builder stages on a fresh CI runner instead of \
    rebuilding them (often minutes per run).";

const UNREAD_HELP: &str = "add a `cache-from` entry with the same type and ref (or scope) as the \
    `cache-to`; otherwise every build spends time exporting a cache that no build uses";

/// Cache backends that take `mode` (the `inline` cache has no max mode).
const MODE_BACKENDS: &[&str] = &["registry", "gha", "local", "s3", "azblob"];

/// A key that must match for a cache-from entry to read what a cache-to
/// entry writes: (cache-to key, cache-from key, default value).
type MatchingKey = (&'static str, &'static str, &'static str);

/// How a cache-from entry reads back what a cache-to entry of the same type
/// writes, per cache type.
const READ_BACK_KEYS: &[(&str, &[MatchingKey])] = &[
    ("registry", &[("ref", "ref", "")]),
    ("gha", &[("scope", "scope", "buildkit")]),
    ("local", &[("dest", "src", "")]),
    ("s3", &[("name", "name", ""), ("prefix", "prefix", "")]),
    ("azblob", &[("name", "name", ""), ("prefix", "prefix", "")]),
];

fn reads_back(to: &Entry, from: &Entry) -> bool {
    if to.typ != from.typ || from.disabled {
        return false;
    }
    let keys = READ_BACK_KEYS
        .iter()
        .find(|(typ, _)| *typ == to.typ)
        .map_or(&[][..], |(_, keys)| *keys);
    keys.iter().all(|(to_key, from_key, default)| {
        let written = to.attrs.get(*to_key).map_or(*default, String::as_str);
        let read = from.attrs.get(*from_key).map_or(*default, String::as_str);
        written == read
    })
}

/// The `Resolved` list element an entry came from.
fn entry_element<'a>(target: &'a Target, entry: &Entry) -> Option<&'a Resolved> {
    target
        .attr("cache-to")?
        .elements
        .iter()
        .find(|e| e.origin.file == entry.origin.file && e.origin.span == entry.origin.span)
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut without_max: BySource<(&Target, &Entry)> = BySource::default();
    let mut unread: BySource<&Target> = BySource::default();
    for target in bake_targets::concrete_targets(ctx.project) {
        // What CI replaces is judged in the workflow.
        let ci_cache_to = ctx.ci.replaces(&target.name, "cache-to");
        let ci_caches =
            ctx.ci.touches(&target.name, "cache-to") || ctx.ci.touches(&target.name, "cache-from");
        for entry in target.cache_to().iter().filter(|_| !ci_cache_to) {
            if entry.disabled || entry.error.is_some() || entry.origin.is_override() {
                continue;
            }
            if MODE_BACKENDS.contains(&entry.typ.as_str())
                && entry.attrs.get("mode").map(String::as_str) != Some("max")
            {
                without_max.push(bake_findings::source_key(&entry.origin), (target, entry));
            }
        }
        let writes: Vec<&Entry> = target
            .cache_to()
            .iter()
            .filter(|e| MODE_BACKENDS.contains(&e.typ.as_str()) && e.error.is_none())
            .collect();
        if !ci_caches
            && !writes.is_empty()
            && !writes
                .iter()
                .any(|to| target.cache_from().iter().any(|from| reads_back(to, from)))
        {
            if let Some(attr) = target.attr("cache-to") {
                if !attr.origin.is_override() {
                    unread.push(bake_findings::source_key(&attr.origin), target);
                }
            }
        }
    }
    for ((file, span), items) in without_max.into_groups() {
        let names: Vec<String> = items.iter().map(|(t, _)| t.name.clone()).collect();
        let Some((target, entry)) = items.first() else {
            continue;
        };
        let mode = match entry.attrs.get("mode") {
            Some(m) => format!("mode={m}"),
            None => "no mode (min)".to_string(),
        };
        let mut d = ctx
            .diagnostic(
                &file,
                span,
                format!(
                    "{}: cache-to type={} has {mode}, so only the final stage's layers are cached",
                    bake_findings::targets_subject(&names),
                    entry.typ
                ),
            )
            .with_help(MODE_MAX_HELP);
        if let Some(fix) = mode_max_fix(ctx, target, entry) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
    for ((file, span), targets) in unread.into_groups() {
        let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
        out.push(
            ctx.diagnostic(
                &file,
                span,
                format!(
                    "{}: cache-to writes a cache that no cache-from reads back",
                    bake_findings::targets_subject(&names)
                ),
            )
            .with_help(UNREAD_HELP),
        );
    }
}

/// Sets `mode=max` in the entry's string literal or object, keeping its format.
fn mode_max_fix(ctx: &BakeContext<'_>, target: &Target, entry: &Entry) -> Option<Fix> {
    let file = &entry.origin.file;
    let text = ctx.file_text(file)?;
    let message = "set `mode=max`";
    if let Some((body_start, body)) = hcl_edit::quoted_literal(text, entry.origin.span) {
        let fields = hcl_edit::csv_fields(body);
        if let Some(mode) = fields.iter().find(|f| f.key.eq_ignore_ascii_case("mode")) {
            let value_start = body_start + mode.start + body.get(mode.start..)?.find('=')? + 1;
            let span = crate::span::Span::new(value_start, body_start + mode.end);
            return Some(Fix::safe(message, vec![Edit::replace(file, span, "max")]));
        }
        let end = body_start + body.len();
        return Some(Fix::safe(
            message,
            vec![Edit::insert(file, end, ",mode=max")],
        ));
    }
    let element = entry_element(target, entry)?;
    let json = hcl_edit::is_json(file);
    if let Some(mode) = hcl_edit::keyed(element, "mode") {
        if mode.origin.file != *file {
            return None;
        }
        return Some(Fix::safe(
            message,
            vec![Edit::replace(file, mode.origin.span, "\"max\"")],
        ));
    }
    let last_end = hcl_edit::last_item_end(element)?;
    let item = hcl_edit::object_item(json, "mode", "\"max\"");
    let (offset, content) =
        hcl_edit::object_append(text, element.origin.span, last_end, &item, json)?;
    Some(Fix::safe(
        message,
        vec![Edit::insert(file, offset, content)],
    ))
}

/// Whether an entry's keys that decide what it reads or writes are known
/// (no `${{ }}` expression or shell expansion in them).
fn keys_known(entry: &Entry) -> bool {
    READ_BACK_KEYS
        .iter()
        .filter(|(typ, _)| *typ == entry.typ)
        .flat_map(|(_, keys)| keys.iter())
        .all(|(to, from, _)| {
            [to, from].iter().all(|k| {
                entry
                    .attrs
                    .get(**k)
                    .is_none_or(|v| !workflow_cache::is_dynamic(v))
            })
        })
}

/// The `cache-to` entries a workflow writes without `mode=max`, and those
/// no `cache-from` of the build reads back; fixes edit the workflow.
fn check_workflow(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    let caches = workflow_cache::target_caches(ctx);
    let mut without_max: BySource<(&TargetCaches<'_>, &Entry)> = BySource::default();
    let mut unread: BySource<&TargetCaches<'_>> = BySource::default();
    for tc in &caches {
        let written: Vec<&Entry> = tc
            .cache_to
            .iter()
            .filter(|e| workflow_cache::from_workflow(ctx, e) && e.error.is_none() && !e.disabled)
            .collect();
        for entry in &written {
            if MODE_BACKENDS.contains(&entry.typ.as_str())
                && entry.attrs.get("mode").map(String::as_str) != Some("max")
            {
                without_max.push(bake_findings::source_key(&entry.origin), (tc, entry));
            }
        }
        let writes: Vec<&&Entry> = written
            .iter()
            .filter(|e| MODE_BACKENDS.contains(&e.typ.as_str()))
            .collect();
        let known = writes.iter().all(|e| keys_known(e)) && tc.cache_from.iter().all(keys_known);
        if let Some(first) = writes.first().filter(|_| tc.whole) {
            if known
                && !writes
                    .iter()
                    .any(|to| tc.cache_from.iter().any(|from| reads_back(to, from)))
            {
                unread.push(bake_findings::source_key(&first.origin), tc);
            }
        }
    }
    let subject = workflow_cache::subject;
    for ((_, span), items) in without_max.into_groups() {
        let Some((_, entry)) = items.first().copied() else {
            continue;
        };
        let targets: Vec<&TargetCaches<'_>> = items.iter().map(|(tc, _)| *tc).collect();
        let mode = match entry.attrs.get("mode") {
            Some(m) => format!("mode={m}"),
            None => "no mode (min)".to_string(),
        };
        let mut d = ctx
            .diagnostic(
                span,
                format!(
                    "{}: cache-to type={} has {mode}, so only the final stage's layers are cached",
                    subject(&targets),
                    entry.typ
                ),
            )
            .with_help(MODE_MAX_HELP);
        if let Some(fix) = workflow_mode_max_fix(ctx, entry) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
    for ((_, span), targets) in unread.into_groups() {
        out.push(
            ctx.diagnostic(
                span,
                format!(
                    "{}: cache-to writes a cache that no cache-from reads back",
                    subject(&targets)
                ),
            )
            .with_help(UNREAD_HELP),
        );
    }
}

/// Sets `mode=max` in the entry's workflow bytes.
fn workflow_mode_max_fix(ctx: &WorkflowContext<'_>, entry: &Entry) -> Option<Fix> {
    let written = workflow_cache::verbatim(ctx.text, entry)?;
    let start = entry.origin.span.start;
    let message = "set `mode=max`";
    let fields = workflow_cache::fields(written);
    if let Some(mode) = fields.iter().find(|f| f.key.eq_ignore_ascii_case("mode")) {
        let value_start = start + mode.start + written.get(mode.start..)?.find('=')? + 1;
        let span = crate::span::Span::new(value_start, start + mode.end);
        return Some(Fix::safe(
            message,
            vec![Edit::replace(ctx.path, span, "max")],
        ));
    }
    Some(Fix::safe(
        message,
        vec![Edit::insert(ctx.path, entry.origin.span.end, ",mode=max")],
    ))
}
