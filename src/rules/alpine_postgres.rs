//! BP006 `alpine-postgres`: a Docker Hub official `postgres` image (or
//! another image from option `images`) whose tag is not an alpine variant,
//! in a Dockerfile FROM (inline Dockerfiles included) or a bake `contexts`
//! value `docker-image://...`, and in a GitHub Actions job's `services:`
//! and `container:` images.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{
    parse_image_ref, CommandForm, Dockerfile, ImageRef, Instruction, InstructionKind, Stage,
};
use crate::rules::stages::{effective, stages_built_for};
use crate::rules::{bake_findings, bake_functions, hcl_edit};

use crate::pipeline::workflow::Scalar;
use crate::rules::{
    BakeContext, CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope,
    WorkflowContext,
};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP006",
    name: "alpine-postgres",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A full postgres image where the alpine variant serves",
    doc: include_str!("../../rules/BP006.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "images",
        kind: OptionKind::StringList,
    }],
    check: CheckFn::DockerfileBakeAndWorkflow(check_dockerfile, check_bake, check_workflow),
};

/// The images checked unless option `images` says otherwise.
pub const DEFAULT_IMAGES: &[&str] = &["postgres"];

/// Registry hosts that mean Docker Hub.
const DOCKER_HUB_HOSTS: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// The namespace of Docker Hub's official images.
const OFFICIAL_NAMESPACE: &str = "library/";

/// The prefix of an image given as a named build context.
const DOCKER_IMAGE_SCHEME: &str = "docker-image://";

/// The tag of the alpine variant; the tag meaning "newest".
const ALPINE: &str = "alpine";
const LATEST: &str = "latest";

/// What is wrong with an image reference, and the tag that fixes it.
struct Finding {
    image: String,
    suggestion: String,
    /// `None` for digest-pinned references (help text only).
    edit: Option<(Span, String)>,
}

fn images(options: Option<Vec<String>>) -> Vec<String> {
    options
        .unwrap_or_else(|| DEFAULT_IMAGES.iter().map(|s| s.to_string()).collect())
        .into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The alpine variant of `tag`: `latest` → `alpine`, `15` → `15-alpine`,
/// `15.4-bookworm` → `15.4-alpine`, `bookworm` → `alpine`.
pub fn alpine_tag(tag: &str) -> String {
    if tag == LATEST {
        return ALPINE.to_string();
    }
    let version = tag.split('-').next().unwrap_or(tag);
    if version.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{version}-{ALPINE}")
    } else {
        ALPINE.to_string()
    }
}

/// Checks one image reference; `None` when it is fine or not ours.
fn inspect(image: &str, parts: &ImageRef, images: &[String]) -> Option<Finding> {
    if image.contains('$') {
        return None;
    }
    if let Some(registry) = &parts.registry {
        if !DOCKER_HUB_HOSTS.contains(&registry.value.to_ascii_lowercase().as_str()) {
            return None;
        }
    }
    let repository = parts.repository.value.to_ascii_lowercase();
    let name = repository
        .strip_prefix(OFFICIAL_NAMESPACE)
        .unwrap_or(&repository);
    if !images.iter().any(|i| i == name) {
        return None;
    }
    let tag = parts.tag.as_ref().map_or(LATEST, |t| t.value.as_str());
    if tag.to_ascii_lowercase().contains(ALPINE) {
        return None;
    }
    let new_tag = alpine_tag(tag);
    let suggestion = format!("{}:{new_tag}", parts.repository.value);
    let edit = if parts.digest.is_some() {
        None
    } else {
        Some(match &parts.tag {
            Some(t) => (t.span, new_tag),
            None => (
                Span::empty(parts.repository.span.end),
                format!(":{new_tag}"),
            ),
        })
    };
    Some(Finding {
        image: image.to_string(),
        suggestion,
        edit,
    })
}

fn diagnostic_text(finding: &Finding) -> (String, String) {
    let message = format!("image \"{}\" is not the alpine variant", finding.image);
    let help = if finding.edit.is_some() {
        format!(
            "use `{}` (check that nothing depends on glibc or Debian locales).\n\
             Far smaller: it pulls 20–30 s faster in every test job.",
            finding.suggestion
        )
    } else {
        format!(
            "pin the digest of `{}` instead (this reference is pinned by digest).\n\
             Far smaller: it pulls 20–30 s faster in every test job.",
            finding.suggestion
        )
    };
    (message, help)
}

fn with_fix(d: Diagnostic, file: &Path, finding: &Finding) -> Diagnostic {
    match &finding.edit {
        Some((span, content)) => d.with_fix(Fix::unsafe_(
            format!("use `{}`", finding.suggestion),
            vec![Edit::replace(file, *span, content.clone())],
        )),
        None => d,
    }
}

/// Commands that exist only on Debian-based images: a stage that runs them
/// needs the Debian variant (switching it to alpine breaks the build).
const DEBIAN_ONLY_COMMANDS: &[&str] = &[
    "apt-get",
    "apt",
    "aptitude",
    "dpkg",
    "dpkg-reconfigure",
    "localedef",
    "locale-gen",
    "update-locale",
];

/// The shell text of a RUN (shell form, exec form and heredoc bodies).
fn run_text(df: &Dockerfile, ins: &Instruction) -> String {
    let mut text = match &ins.kind {
        InstructionKind::Run(CommandForm::Shell(logical)) => logical.text.clone(),
        InstructionKind::Run(CommandForm::Exec(words)) => words
            .iter()
            .map(|w| w.value.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    for heredoc in &ins.heredocs {
        if let Some(body) = df
            .source
            .get(heredoc.body_span.start..heredoc.body_span.end)
        {
            text.push('\n');
            text.push_str(body);
        }
    }
    text
}

/// Whether a stage runs Debian-only tooling.
fn uses_debian_tooling(df: &Dockerfile, stage: &Stage) -> bool {
    stage.instruction_nodes.iter().any(|&node| {
        let Some(ins) = df.instruction(node) else {
            return false;
        };
        let text = run_text(df, effective(ins));
        DEBIAN_ONLY_COMMANDS
            .iter()
            .any(|c| bake_functions::mentions_identifier(&text, c))
    })
}

fn check_dockerfile(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let images = images(ctx.option_str_list("images"));
    let df = ctx.dockerfile;
    // A stage no bake target builds (say a `db` stage next to the `app`
    // stages the targets name) is pulled by no job.
    let built = if ctx.build.from_bake {
        stages_built_for(df, ctx.build)
    } else {
        None
    };
    // Lowercased names of the stages so far: a FROM naming one is no image.
    let mut stage_names: HashSet<String> = HashSet::new();
    for stage in df.stages() {
        if built.as_ref().is_some_and(|b| !b.contains(&stage.index)) {
            if let Some(name) = df.stage_from(stage).and_then(|f| f.stage_name.as_ref()) {
                stage_names.insert(name.value.to_ascii_lowercase());
            }
            continue;
        }
        let Some(from) = df.stage_from(stage) else {
            continue;
        };
        let is_stage = stage_names.contains(&from.image.value.to_ascii_lowercase());
        if let Some(name) = &from.stage_name {
            stage_names.insert(name.value.to_ascii_lowercase());
        }
        if is_stage {
            continue;
        }
        let Some(finding) = inspect(&from.image.value, &from.image_ref, &images) else {
            continue;
        };
        // Reads every RUN of the stage: asked only of a postgres stage.
        if uses_debian_tooling(df, stage) {
            continue;
        }
        let (message, help) = diagnostic_text(&finding);
        let d = ctx.diagnostic(from.image.span, message).with_help(help);
        out.push(with_fix(d, ctx.path, &finding));
    }
}

fn check_bake(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let images = images(ctx.option_str_list("images"));
    let mut seen: BTreeSet<bake_findings::SourceKey> = BTreeSet::new();
    let mut findings = Vec::new();
    for target in ctx.project.targets().values() {
        let Some(contexts) = target.attr("contexts") else {
            continue;
        };
        for element in &contexts.elements {
            let Some(value) = element.as_str() else {
                continue;
            };
            let Some(reference) = value.strip_prefix(DOCKER_IMAGE_SCHEME) else {
                continue;
            };
            if element.origin.is_override() {
                continue;
            }
            if !seen.insert(bake_findings::source_key(&element.origin)) {
                continue;
            }
            let file = element.origin.file.clone();
            let text = ctx.file_text(&file).unwrap_or("");
            // Byte-exact spans when the literal is written as its value.
            let literal = hcl_edit::quoted_literal(text, element.origin.span)
                .filter(|(_, body)| *body == value);
            let base = literal.map(|(start, _)| start + DOCKER_IMAGE_SCHEME.len());
            let parts = parse_image_ref(reference, base.unwrap_or(0));
            let Some(mut finding) = inspect(reference, &parts, &images) else {
                continue;
            };
            if base.is_none() {
                finding.edit = None;
            }
            let span = match base {
                Some(b) => Span::new(b, b + reference.len()),
                None => element.origin.span,
            };
            findings.push((
                file,
                span,
                finding,
                target.name.clone(),
                element.key.clone(),
            ));
        }
    }
    check_compose_images(ctx, &images, out);
    for (file, span, finding, target, key) in findings {
        let (message, help) = diagnostic_text(&finding);
        let context = key.map(|k| format!(" (context \"{k}\" of target \"{target}\")"));
        let d = ctx
            .diagnostic(
                &file,
                span,
                format!("{message}{}", context.unwrap_or_default()),
            )
            .with_help(help);
        out.push(with_fix(d, &file, &finding));
    }
}

/// Where the value of an image scalar starts in the file, when its bytes
/// are the value as written (plain, or quoted without escapes).
fn literal_start(text: &str, image: &Scalar) -> Option<usize> {
    let raw = image.span.slice(text);
    if raw == image.value {
        return Some(image.span.start);
    }
    let q = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = raw.strip_prefix(q)?.strip_suffix(q)?;
    (inner == image.value).then_some(image.span.start + 1)
}

/// Compose services that pull an image (`image:` without `build:`).
fn check_compose_images(ctx: &BakeContext<'_>, images: &[String], out: &mut Vec<Diagnostic>) {
    for file in ctx.project.files() {
        if file.kind != crate::bake::FileKind::Compose {
            continue;
        }
        let Ok(docs) = crate::yaml::parse(&file.text) else {
            continue;
        };
        let Some(services) = docs.first().and_then(|d| d.get("services")) else {
            continue;
        };
        for (name, _, service) in services.entries() {
            if service.get("build").is_some() {
                continue;
            }
            let Some(image) = service.get("image").and_then(|n| match &n.kind {
                crate::yaml::NodeKind::Scalar { value, plain } => Some(Scalar {
                    value: value.clone(),
                    span: n.span,
                    plain: *plain,
                }),
                _ => None,
            }) else {
                continue;
            };
            let base = literal_start(&file.text, &image);
            let parts = parse_image_ref(&image.value, base.unwrap_or(0));
            let Some(mut finding) = inspect(&image.value, &parts, images) else {
                continue;
            };
            if base.is_none() {
                finding.edit = None;
            }
            let span = base.map_or(image.span, |b| Span::new(b, b + image.value.len()));
            let (message, help) = diagnostic_text(&finding);
            let d = ctx
                .diagnostic(
                    &file.path,
                    span,
                    format!("{message} (compose service \"{name}\")"),
                )
                .with_help(help);
            out.push(with_fix(d, &file.path, &finding));
        }
    }
}

fn check_workflow(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    let images = images(ctx.option_str_list("images"));
    for job in &ctx.workflow.jobs {
        let containers = job
            .services
            .iter()
            .map(|s| {
                (
                    format!("service \"{}\" of job \"{}\"", s.name.value, job.id.value),
                    s,
                )
            })
            .chain(
                job.container
                    .iter()
                    .map(|c| (format!("the container of job \"{}\"", job.id.value), c)),
            );
        for (what, c) in containers {
            let Some(image) = &c.image else { continue };
            if image.has_expression() {
                continue;
            }
            let base = literal_start(ctx.text, image);
            let parts = parse_image_ref(&image.value, base.unwrap_or(0));
            let Some(mut finding) = inspect(&image.value, &parts, &images) else {
                continue;
            };
            if base.is_none() {
                finding.edit = None;
            }
            let span = base.map_or(image.span, |b| Span::new(b, b + image.value.len()));
            let (message, help) = diagnostic_text(&finding);
            let d = ctx
                .diagnostic(span, format!("{message} ({what})"))
                .with_help(help);
            out.push(with_fix(d, ctx.path, &finding));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_images() {
        let text = "jobs:\n  t:\n    container: \"postgres:16\"\n    services:\n      db:\n        image: postgres # db\n      ok:\n        image: postgres:16-alpine\n      e:\n        image: postgres:${{ matrix.pg }}\n";
        let w = crate::pipeline::workflow::load(text).unwrap();
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
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].span.slice(text), "postgres");
        assert!(out[0].message.contains("service \"db\" of job \"t\""));
        assert_eq!(out[1].span.slice(text), "postgres:16");
        let edits: Vec<(Span, String)> = out
            .iter()
            .flat_map(|d| d.fix.clone().unwrap().edits)
            .filter_map(|e| match e {
                Edit::Replace { span, content, .. } => Some((span, content)),
                Edit::Create { .. } => None,
            })
            .collect();
        assert_eq!(
            edits[0],
            (Span::empty(out[0].span.end), ":alpine".to_string())
        );
        assert_eq!(edits[1].1, "16-alpine");
        assert_eq!(edits[1].0.slice(text), "16");
    }

    #[test]
    fn alpine_tags() {
        assert_eq!(alpine_tag("latest"), "alpine");
        assert_eq!(alpine_tag("15"), "15-alpine");
        assert_eq!(alpine_tag("15.4-bookworm"), "15.4-alpine");
        assert_eq!(alpine_tag("bookworm"), "alpine");
        assert_eq!(alpine_tag(""), "alpine");
    }
}
