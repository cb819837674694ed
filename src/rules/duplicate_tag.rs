//! BK008 `duplicate-tag`.
//!
//! Two targets that produce the same image tag overwrite each other: which
//! one ends up in the registry (or the local image store) depends on which
//! build finishes last. Tags are compared in their normalised form
//! (`alpine` = `docker.io/library/alpine:latest`). Templates only inherited
//! by other targets do not count; a tag a template gives to two children,
//! or a matrix tag that does not use the matrix variables, does.

use std::collections::BTreeMap;

use crate::bake::{Resolved, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label};
use crate::rules::bake_targets::built_targets;
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK008",
    name: "duplicate-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The same tag is produced by two targets",
    doc: include_str!("../../rules/BK008.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// `alpine` → `docker.io/library/alpine:latest`, as Docker normalises names.
fn normalized(tag: &str) -> String {
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

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_tag: BTreeMap<String, Vec<(&Target, &Resolved)>> = BTreeMap::new();
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
    let mut diags: Vec<Diagnostic> = Vec::new();
    for producers in by_tag.values() {
        let [_, second, ..] = producers.as_slice() else {
            continue;
        };
        let (target, element) = second;
        if !in_file(&element.origin) {
            continue;
        }
        let names: Vec<String> = producers
            .iter()
            .map(|(t, _)| format!("`{}`", t.name))
            .collect();
        let names = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, init)) => format!("{} and {last}", init.join(", ")),
            None => String::new(),
        };
        let tag = element.as_str().unwrap_or_default();
        let message = format!("tag `{tag}` is produced by targets {names}");
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
        diag = with_inherit_label(diag, target, &element.origin);
        diags.push(diag);
    }
    out.extend(diags);
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
        let hcl = r#"target "a" {
  tags = ["example/app:latest"]
}
target "b" {
  tags = ["example/app", "example/b:1"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"example/app\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 1);
        assert!(l.messages()[0].contains("`a` and `b`"));
    }

    #[test]
    fn inherited_tag_and_template() {
        let hcl = r#"target "_base" {
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
        let hcl = r#"target "a" {
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
        let json = r#"{"target": {"a": {"tags": ["x/y"]}, "b": {"tags": ["x/y:latest"]}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"x/y:latest\""]);
    }
}
