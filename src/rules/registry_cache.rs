//! BP002 `registry-cache`: `cache-from` / `cache-to` entries with `type=gha`
//! (string or object form), where a registry cache restores about twice as
//! fast and has no 10 GB repository limit.
//!
//! Also where a CI workflow sets the cache: a `docker/bake-action` `set:`
//! line or `--set` of `docker buildx bake` (read on the targets the build
//! builds, evaluated with its overrides), and `docker/build-push-action`'s
//! `cache-from` / `cache-to` inputs. Those are reported in the workflow, and
//! the bake file's value a workflow replaces for a target is not reported
//! again for that target.

use crate::bake::{Entry, Resolved, Target};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_findings::BySource;
use crate::rules::workflow_cache::{self, TargetCaches};
use crate::rules::{bake_findings, bake_targets, hcl_edit, image_tags};
use crate::rules::{
    BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleOptions, RuleScope, WorkflowContext,
};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP002",
    name: "registry-cache",
    aliases: &[],
    severity: Severity::Warning,
    summary: "GitHub Actions cache (type=gha) where a registry cache is about twice as fast",
    doc: include_str!("../../rules/BP002.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[RuleOption {
        name: "ref",
        kind: OptionKind::String,
    }],
    check: CheckFn::BakeAndWorkflow(check, check_workflow),
};

/// The cache attributes, as written in bake files.
const CACHE_ATTRS: &[&str] = &["cache-from", "cache-to"];

/// Keys of a gha entry that a registry cache understands too, and on which
/// attribute they are kept.
const KEPT_KEYS: &[(&str, &str)] = &[
    ("mode", "cache-to"),
    ("ignore-error", "cache-to"),
    ("compression", "cache-to"),
    ("compression-level", "cache-to"),
    ("force-compression", "cache-to"),
    ("oci-mediatypes", "cache-to"),
    ("image-manifest", "cache-to"),
];

/// The default ref template: the target's repository with a `buildcache` tag.
const DEFAULT_REF: &str = "{repository}:buildcache";

/// Why, in every finding's help.
const WHY: &str = "A registry cache restores about twice as fast, has no 10 GB repository limit \
                   and is shared across branches and runners.";

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut found: BySource<(&Target, &'static str, &Entry)> = BySource::default();
    for target in bake_targets::concrete_targets(ctx.project) {
        for attr in CACHE_ATTRS {
            let entries = if *attr == "cache-from" {
                target.cache_from()
            } else {
                target.cache_to()
            };
            if ctx.ci.replaces(&target.name, attr) {
                // CI builds with the workflow's value: reported there.
                continue;
            }
            for entry in entries {
                if entry.typ == "gha" && !entry.origin.is_override() {
                    found.push(
                        bake_findings::source_key(&entry.origin),
                        (target, *attr, entry),
                    );
                }
            }
        }
    }
    for ((file, span), items) in found.into_groups() {
        let Some((target, attr, entry)) = items.first().copied() else {
            continue;
        };
        let names: Vec<String> = items.iter().map(|(t, _, _)| t.name.clone()).collect();
        let subject = bake_findings::targets_subject(&names);
        let scope = scope_source(ctx, target, attr, entry);
        let refs: Vec<Option<String>> = items
            .iter()
            .map(|(t, _, e)| cache_ref(ctx, t, e, scope.as_deref()))
            .collect();
        let shared_ref = match refs.first() {
            Some(Some(r)) if refs.iter().all(|x| x.as_ref() == Some(r)) => Some(r.clone()),
            _ => None,
        };
        let why = WHY;
        let per_target: Vec<String> = items
            .iter()
            .zip(&refs)
            .filter_map(|((t, _, _), r)| {
                let value = t.attr("tags")?.elements.first()?.as_str()?;
                r.as_ref()?;
                let repository = image_tags::split_repository(value).0;
                Some(format!("\"{}\": `{repository}:buildcache`", t.name))
            })
            .collect();
        let help = match &shared_ref {
            Some(r) => format!("use `type=registry,ref={r}`.\n{why}"),
            None if per_target.len() > 1 => format!(
                "use a registry cache per target ({}): the targets sharing this entry push to \
                 different repositories.\n{why}",
                per_target.join(", ")
            ),
            None => format!(
                "use `type=registry,ref=<repository>:buildcache`.\n{why}\nGive the target tags, or \
                 set `ref` in `[rules.registry-cache]`, to get an automatic fix."
            ),
        };
        let mut d = ctx
            .diagnostic(
                &file,
                span,
                format!("{subject}: {attr} uses the GitHub Actions cache (type=gha)"),
            )
            .with_help(help);
        let fix = match shared_ref {
            Some(r) => registry_fix(ctx, target, attr, entry, &r),
            None => push_down_fix(ctx, attr, entry, &items, &refs),
        };
        if let Some(fix) = fix {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
}

/// The `Resolved` list element an entry came from.
fn entry_element<'a>(target: &'a Target, attr: &str, entry: &Entry) -> Option<&'a Resolved> {
    target
        .attr(attr)?
        .elements
        .iter()
        .find(|e| e.origin.file == entry.origin.file && e.origin.span == entry.origin.span)
}

/// The entry's `scope`, as its source writes it.
fn scope_source(
    ctx: &BakeContext<'_>,
    target: &Target,
    attr: &str,
    entry: &Entry,
) -> Option<String> {
    let text = ctx.file_text(&entry.origin.file)?;
    if let Some((_, body)) = hcl_edit::quoted_literal(text, entry.origin.span) {
        return hcl_edit::csv_fields(body)
            .iter()
            .find(|f| f.key.eq_ignore_ascii_case("scope"))
            .map(|f| f.value.to_string());
    }
    let scope = hcl_edit::keyed(entry_element(target, attr, entry)?, "scope")?;
    match hcl_edit::quoted_literal(text, scope.origin.span) {
        Some((_, body)) => Some(body.to_string()),
        None => scope.as_str().map(image_tags::escape_template),
    }
}

/// The registry cache ref for `target`, from option `ref` or the target's
/// first tag. `None` when it cannot be written where the entry is.
fn cache_ref(
    ctx: &BakeContext<'_>,
    target: &Target,
    entry: &Entry,
    scope: Option<&str>,
) -> Option<String> {
    let template = ctx
        .option_str("ref")
        .filter(|r| !r.trim().is_empty())
        .unwrap_or(DEFAULT_REF);
    let mut out = template.to_string();
    if out.contains("{repository}") {
        let tag = target.attr("tags")?.elements.first()?;
        let repository = image_tags::repository_source(ctx.file_text(&tag.origin.file), tag)?;
        // Variables local to the tag's block (matrix values) are not in
        // scope where an inherited entry is written.
        let same_block = tag.origin.file == entry.origin.file
            && tag.origin.inherited_from == entry.origin.inherited_from;
        if !same_block {
            // `None` when one is more than a plain name.
            let names: Vec<&str> = image_tags::interpolations(&repository)
                .into_iter()
                .collect::<Option<_>>()?;
            if !names
                .iter()
                .all(|n| ctx.project.variables().contains_key(*n))
            {
                return None;
            }
        }
        out = out.replace("{repository}", &repository);
    }
    out = out.replace("{target}", &target.name);
    if template == DEFAULT_REF {
        if let Some(scope) = scope.filter(|s| !s.is_empty()) {
            out.push('-');
            out.push_str(scope);
        }
    } else {
        out = out.replace("{scope}", scope.unwrap_or(&target.name));
    }
    Some(out)
}

/// Rewrites the entry as `type=registry,ref=<ref>`, keeping its layout.
fn registry_fix(
    ctx: &BakeContext<'_>,
    target: &Target,
    attr: &str,
    entry: &Entry,
    cache_ref: &str,
) -> Option<Fix> {
    let file = &entry.origin.file;
    let text = ctx.file_text(file)?;
    let message = format!("use a registry cache at `{cache_ref}`");
    if let Some((body_start, body)) = hcl_edit::quoted_literal(text, entry.origin.span) {
        let mut fields = vec!["type=registry".to_string(), format!("ref={cache_ref}")];
        for f in hcl_edit::csv_fields(body) {
            let kept = KEPT_KEYS
                .iter()
                .any(|(key, on)| f.key.eq_ignore_ascii_case(key) && *on == attr);
            if kept {
                fields.push(body.get(f.start..f.end)?.to_string());
            }
        }
        let span = Span::new(body_start, body_start + body.len());
        return Some(Fix::unsafe_(
            message,
            vec![Edit::replace(file, span, fields.join(","))],
        ));
    }
    let element = entry_element(target, attr, entry)?;
    let json = hcl_edit::is_json(file);
    let typ = hcl_edit::keyed(element, "type")?;
    if typ.origin.file != *file {
        return None;
    }
    let mut edits = vec![Edit::replace(file, typ.origin.span, "\"registry\"")];
    let ref_value = format!("\"{cache_ref}\"");
    match hcl_edit::keyed(element, "scope") {
        Some(scope) if scope.origin.file == *file => {
            let key = hcl_edit::object_key_span(text, scope.origin.span.start)?;
            let quoted = key.slice(text).starts_with('"');
            edits.push(Edit::replace(
                file,
                key,
                if quoted { "\"ref\"" } else { "ref" },
            ));
            edits.push(Edit::replace(file, scope.origin.span, ref_value));
        }
        Some(_) => return None,
        None => {
            let item = hcl_edit::object_item(json, "ref", &ref_value);
            let (offset, content) = insert_after_item(text, typ.origin.span.end, &item)?;
            edits.push(Edit::insert(file, offset, content));
        }
    }
    Some(Fix::unsafe_(message, edits))
}

/// For an entry inherited by targets that need different refs (a shared
/// `_common` parent of targets pushing to different repositories): removes
/// the attribute from the parent and gives each target its own registry
/// entry. Only when the parent's attribute holds just this one string entry
/// and every target has its own HCL block to take the attribute.
fn push_down_fix(
    ctx: &BakeContext<'_>,
    attr: &str,
    entry: &Entry,
    items: &[(&Target, &'static str, &Entry)],
    refs: &[Option<String>],
) -> Option<Fix> {
    let file = &entry.origin.file;
    let text = ctx.file_text(file)?;
    let (_, body) = hcl_edit::quoted_literal(text, entry.origin.span)?;
    // The parent's attribute: a one-element list literal around the entry.
    let parent_name = items
        .first()
        .and_then(|(t, _, e)| entry_element(t, attr, e))
        .and_then(|el| el.origin.inherited_from.last().cloned())?;
    let parent_braces =
        crate::rules::hcl_edit::target_block_braces(ctx.project, file, &parent_name)?;
    let line_start = text
        .get(..entry.origin.span.start)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(entry.origin.span.end..)?
        .find('\n')
        .map_or(text.len(), |i| entry.origin.span.end + i + 1);
    let line = text.get(line_start..line_end)?;
    let attr_prefix = line.trim_start();
    let rest = attr_prefix
        .strip_prefix(attr)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    let literal = text.get(entry.origin.span.start..entry.origin.span.end)?;
    if rest.trim_end_matches(',') != format!("[{literal}]")
        || line_start <= parent_braces.0
        || line_end > parent_braces.1 + 1
    {
        return None;
    }
    let kept: Vec<&str> = hcl_edit::csv_fields(body)
        .into_iter()
        .filter(|f| {
            KEPT_KEYS
                .iter()
                .any(|(key, on)| f.key.eq_ignore_ascii_case(key) && *on == attr)
        })
        .filter_map(|f| body.get(f.start..f.end))
        .collect();
    let mut edits = vec![Edit::delete(file, Span::new(line_start, line_end))];
    for ((target, _, _), cache_ref) in items.iter().zip(refs) {
        let cache_ref = cache_ref.as_ref()?;
        let block = target.block.as_ref()?;
        if block.file != *file || target.name == parent_name {
            return None;
        }
        let (open, close) =
            crate::rules::hcl_edit::target_block_braces(ctx.project, file, &target.name)?;
        let mut fields = vec!["type=registry".to_string(), format!("ref={cache_ref}")];
        fields.extend(kept.iter().map(|k| k.to_string()));
        let value = format!("[\"{}\"]", fields.join(","));
        let (span, content) =
            crate::rules::hcl_edit::append_attribute(text, open, close, attr, &value)?;
        edits.push(Edit::replace(file, span, content));
    }
    Some(Fix::unsafe_(
        format!("give each target its own registry cache ({attr})"),
        edits,
    ))
}

/// Inserts `item` right after the object item value ending at `value_end`
/// (`type = "gha"` → `type = "registry", ref = "..."`), on the same line.
fn insert_after_item(text: &str, value_end: usize, item: &str) -> Option<(usize, String)> {
    let rest = text.get(value_end..)?;
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if trimmed.starts_with(',') {
        let comma = value_end + (rest.len() - trimmed.len()) + 1;
        return Some((comma, format!(" {item},")));
    }
    Some((value_end, format!(", {item}")))
}

/// The `gha` entries a workflow writes, one finding per written entry
/// (naming every target it applies to), with a fix that edits the workflow.
fn check_workflow(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    let caches = workflow_cache::target_caches(ctx);
    let mut found: BySource<(&TargetCaches<'_>, &'static str, &Entry)> = BySource::default();
    for tc in &caches {
        for attr in CACHE_ATTRS {
            for entry in tc.entries(attr) {
                if entry.typ == "gha" && workflow_cache::from_workflow(ctx, entry) {
                    found.push(bake_findings::source_key(&entry.origin), (tc, *attr, entry));
                }
            }
        }
    }
    for ((_, span), items) in found.into_groups() {
        let Some((_, attr, entry)) = items.first().copied() else {
            continue;
        };
        let targets: Vec<&TargetCaches<'_>> = items.iter().map(|(tc, _, _)| *tc).collect();
        let subject = workflow_cache::subject(&targets);
        let scope = entry.attrs.get("scope").map(String::as_str);
        let refs: Vec<Option<String>> = items
            .iter()
            .map(|(tc, _, _)| workflow_ref(ctx.options, tc, scope))
            .collect();
        let shared = match refs.first() {
            Some(Some(r)) if refs.iter().all(|x| x.as_ref() == Some(r)) => Some(r.clone()),
            _ => None,
        };
        let help = match (&shared, refs.iter().all(Option::is_some)) {
            (Some(r), _) => format!("use `type=registry,ref={r}`.\n{WHY}"),
            (None, true) => format!(
                "use a registry cache per target ({}).\n{WHY}",
                items
                    .iter()
                    .zip(&refs)
                    .filter_map(|((tc, _, _), r)| Some(format!(
                        "\"{}\": `{}`",
                        tc.name(),
                        r.as_ref()?
                    )))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, false) => format!(
                "use `type=registry,ref=<repository>:buildcache`.\n{WHY}\nGive the build literal \
                 tags, or set `ref` in `[rules.registry-cache]`, to get an automatic fix."
            ),
        };
        let mut d = ctx
            .diagnostic(
                span,
                format!("{subject}: {attr} uses the GitHub Actions cache (type=gha)"),
            )
            .with_help(help);
        if let Some(fix) = workflow_fix(ctx, &items, attr, entry, &refs, shared.as_deref()) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
}

/// The registry ref for a CI-built target: option `ref` (`{repository}`,
/// `{target}`, `{scope}`), else `<repository>:buildcache[-<scope>]`, from
/// the first tag CI gives it. `None` when a needed part is unknown (no tag,
/// an expression).
fn workflow_ref(
    options: &RuleOptions,
    tc: &TargetCaches<'_>,
    scope: Option<&str>,
) -> Option<String> {
    let template = options
        .get("ref")
        .and_then(|v| v.as_str())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or(DEFAULT_REF);
    let mut out = template.to_string();
    if out.contains("{repository}") {
        // Tags a bake file generated in the run sets are unknown.
        if tc.build.files_partial {
            return None;
        }
        let tag = tc.tags.first()?;
        let repository = image_tags::split_repository(tag).0;
        if repository.is_empty() || workflow_cache::is_dynamic(repository) {
            return None;
        }
        out = out.replace("{repository}", repository);
    }
    if out.contains("{target}") {
        out = out.replace("{target}", tc.target?);
    }
    let scope = scope.filter(|s| !s.is_empty());
    if scope.is_some_and(workflow_cache::is_dynamic) {
        return None;
    }
    if template == DEFAULT_REF {
        if let Some(scope) = scope {
            out.push('-');
            out.push_str(scope);
        }
    } else {
        out = out.replace("{scope}", scope.or(tc.target).unwrap_or("buildcache"));
    }
    Some(out)
}

/// The registry entry that replaces a gha entry written as `written`.
fn registry_value(written: &str, attr: &str, cache_ref: &str) -> String {
    let mut fields = vec!["type=registry".to_string(), format!("ref={cache_ref}")];
    for f in workflow_cache::fields(written) {
        let kept = KEPT_KEYS
            .iter()
            .any(|(key, on)| f.key.eq_ignore_ascii_case(key) && *on == attr);
        if kept {
            if let Some(text) = written.get(f.start..f.end) {
                fields.push(text.trim().to_string());
            }
        }
    }
    fields.join(",")
}

/// Rewrites the entry in the workflow: in place when every target it
/// applies to gets the same ref; else a `set:` line for a glob of targets
/// becomes one line per target, each with its own registry cache.
fn workflow_fix(
    ctx: &WorkflowContext<'_>,
    items: &[(&TargetCaches<'_>, &'static str, &Entry)],
    attr: &str,
    entry: &Entry,
    refs: &[Option<String>],
    shared: Option<&str>,
) -> Option<Fix> {
    let written = workflow_cache::verbatim(ctx.text, entry)?;
    if let Some(cache_ref) = shared {
        return Some(Fix::unsafe_(
            format!("use a registry cache at `{cache_ref}`"),
            vec![Edit::replace(
                ctx.path,
                entry.origin.span,
                registry_value(written, attr, cache_ref),
            )],
        ));
    }
    let (first, _, _) = items.first()?;
    let o = workflow_cache::override_of(first.build, entry)?;
    let operator = if o.append { "+=" } else { "=" };
    let mut lines = Vec::new();
    for ((tc, _, _), cache_ref) in items.iter().zip(refs) {
        let target = tc.target?;
        if target.contains(['.', '*', '?', '[', ']']) {
            return None;
        }
        let key = o.key.as_str();
        lines.push(format!(
            "{target}.{key}{operator}{}",
            registry_value(written, attr, cache_ref.as_ref()?)
        ));
    }
    let (span, content) = workflow_cache::replace_line(ctx.text, o, &lines)?;
    Some(Fix::unsafe_(
        format!("give each target its own registry cache ({attr})"),
        vec![Edit::replace(ctx.path, span, content)],
    ))
}
