//! The build caches a CI workflow sets, for the cache rules (BP002, BP003):
//! per build and target, the `cache-from` / `cache-to` entries CI builds
//! with — a bake target evaluated with the build's `set:` overrides
//! ([`crate::pipeline::links`]), or a `docker/build-push-action` step's
//! `cache-from` / `cache-to` inputs — and how to rewrite the workflow bytes
//! of an entry the workflow writes.

use std::collections::BTreeSet;

use crate::bake::target::parse_entries;
use crate::bake::{Entry, EntryKind, Provenance, Value};
use crate::pipeline::bake_steps::{BuildKind, Written};
use crate::pipeline::links::Build;
use crate::pipeline::set_override::SetOverride;
use crate::rules::{hcl_edit, WorkflowContext};
use crate::span::Span;

/// The caches one target of one workflow build uses.
pub struct TargetCaches<'a> {
    pub build: &'a Build,
    /// The bake target; `None` for a build-push-action step, or for a `set`
    /// line whose targets are unknown (see `whole`).
    pub target: Option<&'a str>,
    /// What findings call the subject when `target` is `None`: `job "x"`,
    /// `targets matching "builder-${{ matrix.variant }}"`.
    pub label: String,
    /// Whether the entries are all the target builds with (the evaluated
    /// target, the step's inputs); `false` for the entries of one `set`
    /// line of a build bakelint could not evaluate (no loaded bake set, a
    /// target pattern that is an expression): the bake file's are unknown.
    pub whole: bool,
    pub cache_from: Vec<Entry>,
    pub cache_to: Vec<Entry>,
    /// The target's tags as CI builds them (overrides applied).
    pub tags: Vec<String>,
}

impl TargetCaches<'_> {
    /// The entries of `attr` (`cache-from` / `cache-to`).
    pub fn entries(&self, attr: &str) -> &[Entry] {
        if attr == "cache-from" {
            &self.cache_from
        } else {
            &self.cache_to
        }
    }

    /// The target's name, or the label.
    pub fn name(&self) -> String {
        match self.target {
            Some(t) => t.to_string(),
            None => self.label.clone(),
        }
    }
}

/// The subject of a finding on an entry several targets share: `target
/// "web"`, `targets "a", "b"`, or the label (`job "build"`).
pub fn subject(items: &[&TargetCaches<'_>]) -> String {
    match items.first() {
        Some(first) if first.target.is_some() => {
            let names: Vec<String> = items.iter().map(|tc| tc.name()).collect();
            crate::rules::bake_findings::targets_subject(&names)
        }
        Some(first) => first.label.clone(),
        None => String::new(),
    }
}

/// Every target of every build of the workflow whose caches the workflow
/// sets (a bake build with overrides, or build-push-action cache inputs).
pub fn target_caches<'a>(ctx: &WorkflowContext<'a>) -> Vec<TargetCaches<'a>> {
    let mut out = Vec::new();
    let links = ctx.links;
    for build in &links.builds {
        if build.step.kind == BuildKind::BuildPushAction {
            let origin_of = |w: &Written| Provenance {
                file: ctx.path.to_path_buf(),
                span: w.span,
                inherited_from: Vec::new(),
                variables: BTreeSet::new(),
            };
            let parse = |list: &[Written]| -> Vec<Entry> {
                list.iter()
                    .flat_map(|w| {
                        parse_entries(
                            EntryKind::Cache,
                            &Value::String(w.value.clone()),
                            &origin_of(w),
                        )
                    })
                    .collect()
            };
            let cache_from = parse(&build.step.cache_from);
            let cache_to = parse(&build.step.cache_to);
            if cache_from.is_empty() && cache_to.is_empty() {
                continue;
            }
            out.push(TargetCaches {
                build,
                target: None,
                label: format!("job \"{}\"", build.job),
                whole: true,
                cache_from,
                cache_to,
                tags: build.step.tags.iter().map(|t| t.value.clone()).collect(),
            });
            continue;
        }
        let evaluated = build.evaluated.as_ref();
        if let Some(project) = evaluated {
            for name in &build.targets {
                let Some(target) = project.targets().get(name) else {
                    continue;
                };
                out.push(TargetCaches {
                    build,
                    target: Some(name.as_str()),
                    label: String::new(),
                    whole: true,
                    cache_from: target.cache_from().to_vec(),
                    cache_to: target.cache_to().to_vec(),
                    tags: target.tags(),
                });
            }
        }
        // `set` lines the evaluation does not show (unknown targets, a
        // build that could not be evaluated): read on their own.
        let seen: BTreeSet<crate::span::Span> = out
            .iter()
            .filter(|tc| std::ptr::eq(tc.build, build))
            .flat_map(|tc| tc.cache_from.iter().chain(&tc.cache_to))
            .map(|e| e.origin.span)
            .collect();
        for o in &build.step.overrides {
            let shown = evaluated.is_some()
                && o.is_known()
                && (!build.targets_partial || seen.contains(&o.value_span));
            if shown {
                continue;
            }
            let attr = o.attribute();
            let (Some(value), true) = (&o.value, attr == "cache-from" || attr == "cache-to") else {
                continue;
            };
            let origin = Provenance {
                file: ctx.path.to_path_buf(),
                span: o.value_span,
                inherited_from: Vec::new(),
                variables: BTreeSet::new(),
            };
            let entries = parse_entries(EntryKind::Cache, &Value::String(value.clone()), &origin);
            let (cache_from, cache_to) = if attr == "cache-from" {
                (entries, Vec::new())
            } else {
                (Vec::new(), entries)
            };
            out.push(TargetCaches {
                build,
                target: None,
                label: format!("targets matching \"{}\"", o.pattern),
                whole: false,
                cache_from,
                cache_to,
                tags: Vec::new(),
            });
        }
    }
    out
}

/// Whether an entry was written in this workflow.
pub fn from_workflow(ctx: &WorkflowContext<'_>, entry: &Entry) -> bool {
    entry.origin.file == ctx.path
}

/// The workflow text of an entry, when its bytes are exactly the entry's
/// CSV (so an edit there changes that entry and nothing else): the bytes,
/// read again as a cache entry, give the same entry.
pub fn verbatim<'t>(text: &'t str, entry: &Entry) -> Option<&'t str> {
    let written = text.get(entry.origin.span.start..entry.origin.span.end)?;
    if written.contains('\n') || written.trim() != written || written.is_empty() {
        return None;
    }
    let again = parse_entries(
        EntryKind::Cache,
        &Value::String(written.to_string()),
        &entry.origin,
    );
    match again.as_slice() {
        [one] if one.typ == entry.typ && one.attrs == entry.attrs => Some(written),
        _ => None,
    }
}

/// The `set` override (of the entry's build) whose value is the entry.
pub fn override_of<'a>(build: &'a Build, entry: &Entry) -> Option<&'a SetOverride> {
    build
        .step
        .overrides
        .iter()
        .find(|o| o.value_span == entry.origin.span)
}

/// The CSV fields of an entry's written value (`type=gha`, `mode=max`).
pub fn fields(written: &str) -> Vec<hcl_edit::CsvField<'_>> {
    hcl_edit::csv_fields(written)
}

/// An edit that replaces a `set:` line (an override written alone on its
/// line of a block scalar) with several lines at its indentation; `None`
/// when the override is not alone on its line.
pub fn replace_line(text: &str, o: &SetOverride, lines: &[String]) -> Option<(Span, String)> {
    if !o.exact || lines.is_empty() {
        return None;
    }
    let line_start = text.get(..o.span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let indent = text.get(line_start..o.span.start)?;
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let rest = text.get(o.span.end..)?;
    let after = rest.split('\n').next().unwrap_or("");
    if !after.trim().is_empty() {
        return None;
    }
    Some((o.span, lines.join(&format!("\n{indent}"))))
}

/// Whether a value holds something only known when the workflow runs.
pub fn is_dynamic(value: &str) -> bool {
    value.contains("${{") || value.contains('$')
}
