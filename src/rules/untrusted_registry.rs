//! DL3026 `untrusted-registry` (hadolint DL3026).
//!
//! With `trusted-registries` configured (hadolint's `trustedRegistries`),
//! every image the build pulls must come from one of them: the `FROM`
//! image, `COPY --from=<image>` and `RUN --mount=...,from=<image>`. Stage
//! names and `scratch` are not images; an image without a registry comes
//! from Docker Hub (`docker.io`). A pattern `*.example.com` trusts every
//! host under `example.com`, `*` trusts everything.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{parse_image_ref, Dockerfile, InstructionKind, Keyword};
use crate::rules::{CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL3026",
    name: "untrusted-registry",
    aliases: &[],
    severity: Severity::Error,
    summary: "Use only an allowed registry in the FROM image",
    doc: include_str!("../../rules/DL3026.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "trusted-registries",
        kind: OptionKind::StringList,
    }],
    check: CheckFn::Dockerfile(check),
};

/// Names Docker Hub goes by.
const DOCKER_HUB: &[&str] = &[
    "docker.io",
    "hub.docker.com",
    "index.docker.io",
    "registry-1.docker.io",
];

/// Whether `pattern` (a host, `*.domain` or `*`) trusts `registry`.
fn trusts(pattern: &str, registry: &str) -> bool {
    let pattern = pattern.trim().trim_end_matches('/');
    if pattern == "*" {
        return true;
    }
    let hub = |r: &str| DOCKER_HUB.iter().any(|h| h.eq_ignore_ascii_case(r));
    if hub(pattern) && hub(registry) {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) if suffix.starts_with('.') => registry
            .to_ascii_lowercase()
            .ends_with(&suffix.to_ascii_lowercase()),
        _ => pattern.eq_ignore_ascii_case(registry),
    }
}

/// The registry an image reference pulls from (`docker.io` when it names
/// none), or `None` when a variable hides it.
fn registry_of(image: &str) -> Option<String> {
    let head = image.split('/').next().unwrap_or(image);
    if head.contains('$') {
        return None;
    }
    let r = parse_image_ref(image, 0);
    Some(match r.registry {
        Some(reg) => reg.value,
        None => "docker.io".to_string(),
    })
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(trusted) = ctx.option_str_list("trusted-registries") else {
        return;
    };
    if trusted.is_empty() {
        return;
    }
    let df = ctx.dockerfile;
    let stage_names: Vec<String> = df
        .stages()
        .iter()
        .filter_map(|s| df.stage_from(s)?.stage_name.as_ref())
        .map(|n| n.value.to_ascii_lowercase())
        .collect();
    let is_stage = |name: &str| {
        name.parse::<usize>().is_ok() || stage_names.contains(&name.to_ascii_lowercase())
    };
    let mut report = |image: &str, span: Span| {
        if image.is_empty() || image.eq_ignore_ascii_case("scratch") || is_stage(image) {
            return;
        }
        let Some(registry) = registry_of(image) else {
            return;
        };
        if trusted.iter().any(|p| trusts(p, &registry)) {
            return;
        }
        out.push(
            ctx.diagnostic(
                span,
                format!("Use only an allowed registry: `{image}` comes from `{registry}`"),
            )
            .with_help(format!(
                "pull from a trusted registry ({})",
                trusted.join(", ")
            )),
        );
    };
    for (i, stage) in df.stages().iter().enumerate() {
        let Some(from) = df.stage_from(stage) else {
            continue;
        };
        if df.stage_parent(i).is_some() {
            continue;
        }
        report(&from.image.value, from.image.span);
    }
    check_flags(df, &mut report);
}

/// `COPY --from=<image>` and `RUN --mount=...,from=<image>`.
fn check_flags(df: &Dockerfile, report: &mut impl FnMut(&str, Span)) {
    for (_, ins) in df.instructions() {
        let ins = match &ins.kind {
            InstructionKind::Onbuild(inner) => inner.as_ref(),
            _ => ins,
        };
        match ins.keyword {
            Keyword::Copy => {
                if let Some(value) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                    report(&value.value, value.span);
                }
            }
            Keyword::Run => {
                for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                    for opt in flag.options() {
                        if opt.key.value == "from" {
                            if let Some(v) = &opt.value {
                                report(&v.value, v.span);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::slices;

    fn lint(trusted: &[&str], src: &str) -> Vec<Diagnostic> {
        let list: Vec<String> = trusted.iter().map(|t| format!("{t:?}")).collect();
        let options = format!("trusted-registries = [{}]", list.join(", "));
        crate::rules::labels::lint_with_options(&RULE, src, &options)
    }

    #[test]
    fn untrusted_images_are_flagged_at_the_image() {
        let src = "FROM random.com/debian AS a\nFROM a\nCOPY --from=ghcr.io/x/y:1 /a /b\n\
                   COPY --from=a /a /b\nRUN --mount=type=cache,from=quay.io/z,target=/x true\n";
        let diags = lint(&["docker.io"], src);
        assert_eq!(
            slices(src, &diags),
            vec!["random.com/debian", "ghcr.io/x/y:1", "quay.io/z"]
        );
        assert_eq!(
            diags[0].message,
            "Use only an allowed registry: `random.com/debian` comes from `random.com`"
        );
    }

    #[test]
    fn docker_hub_forms_wildcards_and_scratch() {
        let hub =
            "FROM ubuntu:18.04\nFROM zemanlx/ubuntu\nFROM docker.io/zemanlx/ubuntu\nFROM scratch\n";
        assert!(lint(&["docker.io"], hub).is_empty());
        assert!(lint(&["hub.docker.com"], hub).is_empty());
        assert!(lint(&["*"], hub).is_empty());
        assert_eq!(lint(&["trusted.com"], hub).len(), 3);
        assert!(lint(&["*.random.com"], "FROM foo.random.com/debian\n").is_empty());
        assert_eq!(lint(&["*.random.com"], "FROM x.com/debian\n").len(), 1);
        // Nothing configured: nothing to enforce.
        assert!(lint(&[], "FROM random.com/debian\n").is_empty());
    }

    #[test]
    fn variables_hiding_the_registry_are_skipped() {
        assert!(lint(&["docker.io"], "FROM ${REGISTRY}/app:1\n").is_empty());
        assert_eq!(lint(&["docker.io"], "FROM ghcr.io/app:${TAG}\n").len(), 1);
    }
}
