//! BK008 `duplicate-tag`.
//!
//! Two targets built by the same `docker buildx bake` invocation that
//! produce the same image tag overwrite each other: which one ends up in
//! the registry (or the local image store) depends on which build finishes
//! last. Tags are compared in their normalised form
//! (`alpine` = `docker.io/library/alpine:latest`).
//!
//! "Built together" means one `docker buildx bake NAME` builds both: NAME
//! is a group that reaches both (through nested groups; `default` when no
//! name is given), a matrix target whose expansions both are, or a target
//! that links the other through a `target:` context. Targets no such
//! invocation combines — `image-local` and `image-all` variants of one
//! image, built one at a time — are not flagged: `docker buildx bake a b`
//! could combine them, but that is the caller's explicit choice.
//! Templates only inherited by other targets do not count; a tag a template
//! gives to two children built together, or a matrix tag that does not use
//! the matrix variables, does.

use std::collections::{BTreeMap, BTreeSet};

use crate::bake::{Resolved, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label};
use crate::rules::bake_targets::{build_sets, built_targets, BuildSet};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK008",
    name: "duplicate-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The same tag is produced by two targets built together",
    doc: include_str!("../../rules/BK008.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// `alpine` → `docker.io/library/alpine:latest`, as Docker normalises names.
pub(crate) fn normalized(tag: &str) -> String {
    let (name, rest) = match tag.split_once('@') {
        Some((n, d)) => (n, format!("@{d}")),
        None => (tag, String::new()),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let has_tag = name[last_slash..].contains(':');
    let (domain, path) = match name.split_once('/') {
        Some((first, path))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (first, path.to_string())
        }
        _ => ("docker.io", name.to_string()),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    let tag_suffix = if has_tag || !rest.is_empty() {
        ""
    } else {
        ":latest"
    };
    format!("{domain}/{path}{tag_suffix}{rest}")
}

/// Output types that store an image under the target's tags.
const IMAGE_OUTPUTS: &[&str] = &["image", "registry", "docker", "oci"];

/// Whether the target's tags name an image: no explicit output (the tags
/// are used by `--push`/`--load`) or an image-producing one.
fn names_an_image(target: &Target) -> bool {
    target.outputs().is_empty()
        || target
            .outputs()
            .iter()
            .any(|o| IMAGE_OUTPUTS.contains(&o.typ.as_str()))
}

/// A tag's producers, in definition order: each target once, with the
/// tag element it gets the tag from.
type Producers<'a> = Vec<(&'a Target, &'a Resolved)>;

/// Every normalised tag an image-producing built target gets, and who.
fn producers_by_tag<'a>(ctx: &BakeContext<'a>) -> BTreeMap<String, Producers<'a>> {
    let mut by_tag: BTreeMap<String, Producers<'a>> = BTreeMap::new();
    for target in built_targets(ctx.project) {
        let Some(tags) = target.attr("tags") else {
            continue;
        };
        if !names_an_image(target) {
            continue;
        }
        for element in &tags.elements {
            let Some(tag) = element.as_str().filter(|t| !t.is_empty()) else {
                continue;
            };
            let producers = by_tag.entry(normalized(tag)).or_default();
            if !producers.iter().any(|(t, _)| t.name == target.name) {
                producers.push((target, element));
            }
        }
    }
    by_tag
}

/// The producers one invocation builds together (two or more), with the
/// command that does; a set included in a larger one is left out.
fn built_together<'p, 'a>(
    producers: &'p Producers<'a>,
    sets: &'p [BuildSet],
) -> Vec<(&'p str, Producers<'a>)> {
    let mut found: Vec<(&str, BTreeSet<&str>)> = Vec::new();
    for set in sets {
        let names: BTreeSet<&str> = producers
            .iter()
            .map(|(t, _)| t.name.as_str())
            .filter(|n| set.targets.contains(*n))
            .collect();
        if names.len() > 1 && !found.iter().any(|(_, f)| names.is_subset(f)) {
            found.retain(|(_, f)| !f.is_subset(&names));
            found.push((set.command.as_str(), names));
        }
    }
    found
        .into_iter()
        .map(|(command, names)| {
            let members = producers
                .iter()
                .filter(|(t, _)| names.contains(t.name.as_str()))
                .copied()
                .collect();
            (command, members)
        })
        .collect()
}

/// `` `a` `` or `` `a`, `b` and `c` ``.
fn name_list(producers: &Producers<'_>) -> String {
    let names: Vec<String> = producers
        .iter()
        .map(|(t, _)| format!("`{}`", t.name))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} and {last}", init.join(", ")),
        None => String::new(),
    }
}

/// The finding for producers built together, at the second one's tag.
fn finding(ctx: &BakeContext<'_>, command: &str, producers: &Producers<'_>) -> Option<Diagnostic> {
    let (target, element) = producers.get(1)?;
    if !in_file(&element.origin) {
        return None;
    }
    let tag = element.as_str().unwrap_or_default();
    let message = format!(
        "tag `{tag}` is produced by targets {}, which `{command}` builds together",
        name_list(producers)
    );
    let mut diag = ctx
        .diagnostic(&element.origin.file, element.origin.span, message)
        .with_help(
            "the target that finishes last overwrites the image of the other; give each target its own tag",
        );
    for (other, other_element) in producers.iter().filter(|(t, _)| t.name != target.name) {
        if other_element.origin.span != element.origin.span
            || other_element.origin.file != element.origin.file
        {
            if in_file(&other_element.origin) {
                diag = diag.with_file_label(
                    other_element.origin.file.clone(),
                    other_element.origin.span,
                    format!("also produced by target `{}`", other.name),
                );
            }
        } else if let Some(block) = other.block.as_ref().filter(|b| in_file(b)) {
            diag = diag.with_file_label(
                block.file.clone(),
                block.span,
                format!("target `{}` produces it too", other.name),
            );
        }
    }
    Some(with_inherit_label(diag, target, &element.origin))
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let sets = build_sets(ctx.project);
    let mut reported = BTreeSet::new();
    for producers in producers_by_tag(ctx).values() {
        for (command, together) in built_together(producers, &sets) {
            let Some(diag) = finding(ctx, command, &together) else {
                continue;
            };
            if reported.insert((diag.file.clone(), diag.span)) {
                out.push(diag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{normalized, RULE};
    use crate::rules::testing::bake::lint;

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM alpine\n");

    #[test]
    fn normalisation() {
        assert_eq!(normalized("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(
            normalized("docker.io/library/alpine:latest"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(normalized("user/app:1"), "docker.io/user/app:1");
        assert_eq!(
            normalized("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
    }

    #[test]
    fn two_targets_same_tag() {
        let hcl = r#"group "default" {
  targets = ["a", "b"]
}
target "a" {
  tags = ["example/app:latest"]
}
target "b" {
  tags = ["example/app", "example/b:1"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"example/app\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 1);
        assert_eq!(
            l.messages()[0],
            "tag `example/app` is produced by targets `a` and `b`, which `docker buildx bake` builds together"
        );
    }

    #[test]
    fn inherited_tag_and_template() {
        let hcl = r#"group "all" {
  targets = ["a", "b", "c"]
}
target "_base" {
  tags = ["example/app:latest"]
}
target "a" {
  inherits = ["_base"]
}
target "b" {
  inherits = ["_base"]
}
target "c" {
  inherits = ["_base"]
  tags = ["example/c"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"example/app:latest\""]);
        assert!(
            l.messages()[0].contains("`a` and `b`"),
            "{:?}",
            l.messages()
        );
    }

    #[test]
    fn matrix_tags() {
        let good = r#"target "app" {
  matrix = { v = ["1", "2"] }
  name = "app-${v}"
  tags = ["example/app:${v}"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", good), DOCKERFILE]);
        assert!(l.diagnostics.is_empty());
        let bad = good.replace("example/app:${v}", "example/app:latest");
        let l = lint(&RULE, &[("docker-bake.hcl", &bad), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"example/app:latest\""]);
    }

    #[test]
    fn local_outputs_do_not_produce_tags() {
        let hcl = r#"group "default" {
  targets = ["a", "b"]
}
target "a" {
  tags = ["example/app"]
}
target "b" {
  tags = ["example/app"]
  output = ["type=local,dest=out"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }

    #[test]
    fn json_file() {
        let json = r#"{"group": {"default": {"targets": ["a", "b"]}}, "target": {"a": {"tags": ["x/y"]}, "b": {"tags": ["x/y:latest"]}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"x/y:latest\""]);
    }

    #[test]
    fn targets_never_built_together_are_not_flagged() {
        // The metadata-action pattern: one tag, a local and a multi-platform
        // variant, each built on its own.
        let hcl = r#"group "default" {
  targets = ["image-local"]
}
target "docker-metadata-action" {
  tags = ["app:local"]
}
target "image" {
  inherits = ["docker-metadata-action"]
}
target "image-local" {
  inherits = ["image"]
  output = ["type=docker"]
}
target "image-all" {
  inherits = ["image"]
  platforms = ["linux/amd64", "linux/arm64"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
        // No groups at all: every build names its target.
        let hcl = "target \"a\" {\n  tags = [\"x/y\"]\n}\ntarget \"b\" {\n  tags = [\"x/y\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
    }

    #[test]
    fn groups_count_transitively_and_separately() {
        let base = r#"group "one" {
  targets = ["a"]
}
group "two" {
  targets = ["b"]
}
target "a" {
  tags = ["x/y"]
}
target "b" {
  tags = ["x/y"]
}
target "c" {
  tags = ["x/y"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", base), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
        let nested = format!("{base}group \"release\" {{\n  targets = [\"one\", \"two\"]\n}}\n");
        let l = lint(&RULE, &[("docker-bake.hcl", &nested), DOCKERFILE]);
        assert_eq!(l.messages().len(), 1, "{:?}", l.messages());
        assert_eq!(
            l.messages()[0],
            "tag `x/y` is produced by targets `a` and `b`, which `docker buildx bake release` builds together"
        );
        // A group building all three supersedes the smaller set.
        let all = format!("{nested}group \"all\" {{\n  targets = [\"release\", \"c\"]\n}}\n");
        let l = lint(&RULE, &[("docker-bake.hcl", &all), DOCKERFILE]);
        assert_eq!(l.messages().len(), 1, "{:?}", l.messages());
        assert!(l.messages()[0].contains("`a`, `b` and `c`, which `docker buildx bake all`"));
    }

    #[test]
    fn a_target_context_builds_the_linked_target() {
        let hcl = r#"target "base" {
  tags = ["example/app:latest"]
}
target "app" {
  contexts = {
    base = "target:base"
  }
  tags = ["example/app:latest"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"example/app:latest\""]);
        assert!(
            l.messages()[0].contains("which `docker buildx bake app` builds together"),
            "{:?}",
            l.messages()
        );
    }
}
