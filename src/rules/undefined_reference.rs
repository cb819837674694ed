//! BK002 `undefined-reference`.
//!
//! Three places name other targets: a group's `targets`, a target's
//! `inherits` and a `target:` named context. A name that matches nothing
//! fails the build (or, for a group member, the build of that group) with
//! "failed to find target". Each finding points at the exact string.

use std::collections::BTreeSet;

use crate::bake::BakeProject;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label, Findings};
use crate::rules::bake_syntax::syntax_files;
use crate::rules::suggest::{closest, did_you_mean};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK002",
    name: "undefined-reference",
    aliases: &[],
    severity: Severity::Error,
    summary: "A group, `inherits` or `target:` context names no target or group",
    doc: include_str!("../../rules/BK002.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// Every target name of the definition, resolvable or not.
fn target_names(project: &BakeProject) -> BTreeSet<&str> {
    project
        .target_order()
        .iter()
        .map(String::as_str)
        .chain(project.targets().keys().map(String::as_str))
        .chain(project.resolve_errors().keys().map(String::as_str))
        .collect()
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let targets = target_names(project);
    let groups: BTreeSet<&str> = project.groups().keys().map(String::as_str).collect();
    let all_names = || targets.iter().chain(groups.iter()).copied();
    let mut findings = Findings::default();

    // Group members.
    for name in project.group_order() {
        let Some(group) = project.groups().get(name) else {
            continue;
        };
        let Some(attr) = &group.targets_attr else {
            continue;
        };
        for element in &attr.elements {
            let Some(member) = element.as_str() else {
                continue;
            };
            if targets.contains(member) || groups.contains(member) || !in_file(&element.origin) {
                continue;
            }
            let message = format!(
                "group `{name}` lists `{member}`, which is no target or group{}",
                did_you_mean(closest(member, all_names()))
            );
            if findings.first(&element.origin.file, element.origin.span, &message) {
                out.push(
                    ctx.diagnostic(&element.origin.file, element.origin.span, message)
                        .with_help(format!(
                            "`docker buildx bake {name}` fails with \"failed to find target {member}\"; fix the name or remove it"
                        )),
                );
            }
        }
    }

    // `inherits`, as written.
    for file in syntax_files(project) {
        for block in file.blocks.iter().filter(|b| b.kind == "target") {
            let Some(attr) = block.attr("inherits") else {
                continue;
            };
            let target = block.label().unwrap_or_default();
            for (parent, span) in &attr.strings {
                if targets.contains(parent.as_str()) {
                    continue;
                }
                let message = inherits_message(target, parent, &groups, &targets);
                if findings.first(&file.path, *span, &message) {
                    out.push(
                        ctx.diagnostic(&file.path, *span, message)
                            .with_help("only targets can be inherited; fix the name or remove it"),
                    );
                }
            }
        }
    }
    // `inherits` computed from variables: the loader's resolution errors.
    let mut reported: BTreeSet<(std::path::PathBuf, crate::span::Span)> = BTreeSet::new();
    for d in out.iter() {
        reported.insert((d.file.clone(), d.span));
    }
    for (target, err) in project.resolve_errors() {
        let Some(parent) = err.message.strip_prefix("failed to find target ") else {
            continue;
        };
        if err.file.as_os_str().is_empty() || !reported.insert((err.file.clone(), err.span)) {
            continue;
        }
        let message = inherits_message(target, parent, &groups, &targets);
        out.push(
            ctx.diagnostic(&err.file, err.span, message)
                .with_help("only targets can be inherited; fix the name or remove it"),
        );
    }

    // `target:` contexts.
    for target in project.targets().values() {
        let Some(contexts) = target.attr("contexts") else {
            continue;
        };
        for element in &contexts.elements {
            let Some(link) = element.as_str().and_then(|v| v.strip_prefix("target:")) else {
                continue;
            };
            if targets.contains(link) || !in_file(&element.origin) {
                continue;
            }
            let key = element.key.as_deref().unwrap_or_default();
            let what = if groups.contains(link) {
                "a group, not a target".to_string()
            } else {
                format!(
                    "no target{}",
                    did_you_mean(closest(link, targets.iter().copied()))
                )
            };
            let message = format!("context `{key}` links `target:{link}`, which is {what}");
            if findings.first(&element.origin.file, element.origin.span, &message) {
                let diag = ctx
                    .diagnostic(&element.origin.file, element.origin.span, message)
                    .with_help("a `target:` context must name a target of this definition");
                out.push(with_inherit_label(diag, target, &element.origin));
            }
        }
    }
}

fn inherits_message(
    target: &str,
    parent: &str,
    groups: &BTreeSet<&str>,
    targets: &BTreeSet<&str>,
) -> String {
    if groups.contains(parent) {
        format!("target `{target}` inherits `{parent}`, which is a group, not a target")
    } else {
        format!(
            "target `{target}` inherits `{parent}`, which is no target{}",
            did_you_mean(closest(parent, targets.iter().copied()))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::lint;

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM alpine\n");

    #[test]
    fn group_member_typo() {
        let hcl = r#"group "default" {
  targets = ["app", "ap", "all"]
}
group "all" {
  targets = ["app"]
}
target "app" {
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"ap\""]);
        assert!(l.messages()[0].contains("did you mean `app`"));
    }

    #[test]
    fn inherits_unknown_and_group() {
        let hcl = r#"group "grp" {
  targets = ["app"]
}
target "base" {
}
target "app" {
  inherits = ["bsae", "grp"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"bsae\"", "\"grp\""]);
        assert!(l.messages()[0].contains("did you mean `base`"));
        assert!(l.messages()[1].contains("is a group"));
    }

    #[test]
    fn inherits_through_a_variable() {
        let hcl = r#"variable "PARENT" {
  default = "nope"
}
target "app" {
  inherits = [PARENT]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
        assert!(l.messages()[0].contains("`nope`"));
    }

    #[test]
    fn target_context_links() {
        let hcl = r#"target "_common" {
  contexts = {
    base = "target:bse"
  }
}
target "base" {
}
target "a" {
  inherits = ["_common"]
}
target "b" {
  inherits = ["_common"]
  contexts = {
    ok = "target:base"
    img = "docker-image://alpine"
  }
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"target:bse\""]);
        assert!(l.messages()[0].contains("did you mean `base`"));
    }

    #[test]
    fn matrix_names_and_json() {
        let hcl = r#"group "default" {
  targets = ["app", "app-1"]
}
target "app" {
  matrix = { v = ["1", "2"] }
  name = "app-${v}"
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let json = r#"{"group": {"default": {"targets": ["web"]}}, "target": {"app": {}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"web\""]);
    }
}
