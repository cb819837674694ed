//! BK010 `missing-default-target`.
//!
//! `docker buildx bake` without arguments builds the target or group named
//! `default`; without one it fails with "failed to find target default".
//! The fix (unsafe: it decides what the plain command builds) adds a
//! `default` group listing every target that is not a template: hidden
//! `_` targets and targets only inherited are left out, a matrix block is
//! listed by its label.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_syntax::{syntax_files, SyntaxBlock};
use crate::rules::bake_targets::Templates;
use crate::rules::source_text::line_start;

use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK010",
    name: "missing-default-target",
    aliases: &[],
    severity: Severity::Warning,
    summary: "No `default` target or group, so plain `docker buildx bake` fails",
    doc: include_str!("../../rules/BK010.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

const DEFAULT: &str = "default";

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    if project.target_order().is_empty()
        || project.targets().contains_key(DEFAULT)
        || project.groups().contains_key(DEFAULT)
        || project.resolve_errors().contains_key(DEFAULT)
    {
        return;
    }
    let files = syntax_files(project);
    let Some((file, block)) = files
        .iter()
        .find_map(|f| f.blocks.iter().find(|b| b.kind == "target").map(|b| (f, b)))
    else {
        return;
    };
    let members = default_members(ctx);
    let mut diag = ctx
        .diagnostic(
            &file.path,
            block.label_span(),
            "no `default` target or group: `docker buildx bake` without arguments fails",
        )
        .with_help(if members.is_empty() {
            "add `group \"default\" { targets = [...] }` naming what a plain `docker buildx bake` should build".to_string()
        } else {
            format!(
                "add a `default` group, e.g. `group \"default\" {{ targets = [{}] }}`",
                quoted_list(&members)
            )
        });
    if !file.is_json && !members.is_empty() {
        if let Some(edit) = insert_group(ctx, &file.path, block, &members) {
            diag = diag.with_fix(Fix::unsafe_(
                "Add a `default` group with the buildable targets",
                vec![edit],
            ));
        }
    }
    out.push(diag);
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The targets a default build should cover, matrix targets by their label.
fn default_members(ctx: &BakeContext<'_>) -> Vec<String> {
    let project = ctx.project;
    // The matrix (a group without a block of its own) each expansion is in.
    let mut matrix_group: BTreeMap<&str, &str> = BTreeMap::new();
    for group in project.groups().values().filter(|g| g.block.is_none()) {
        for member in &group.targets {
            matrix_group.entry(member.as_str()).or_insert(&group.name);
        }
    }
    // Templates: hidden, or only inherited by other targets (such as the
    // `docker-metadata-action` placeholder), even with no groups. (Every
    // other target is one `built_targets` counts too.)
    let templates = Templates::of(project);
    let mut seen = BTreeSet::new();
    let mut members = Vec::new();
    for name in project.target_order() {
        let Some(target) = project.targets().get(name) else {
            continue;
        };
        if templates.is_abstract(target) {
            continue;
        }
        let name = matrix_group
            .get(target.name.as_str())
            .map_or_else(|| target.name.clone(), |g| g.to_string());
        if seen.insert(name.clone()) {
            members.push(name);
        }
    }
    members
}

/// Inserts the group before the first target block (and the comment lines
/// right above it).
fn insert_group(
    ctx: &BakeContext<'_>,
    file: &std::path::Path,
    block: &SyntaxBlock,
    members: &[String],
) -> Option<Edit> {
    let text = ctx.file_text(file)?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut at = line_start(text, block.span.start.min(text.len()));
    if !text.get(at..block.span.start)?.trim().is_empty() {
        return None;
    }
    while at > 0 {
        let previous = line_start(text, at - 1);
        let line = text.get(previous..at)?.trim();
        if line.starts_with('#') || line.starts_with("//") {
            at = previous;
        } else {
            break;
        }
    }
    let group = format!(
        "group \"default\" {{{newline}  targets = [{}]{newline}}}{newline}{newline}",
        quoted_list(members)
    );
    Some(Edit::insert(file.to_path_buf(), at, group))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::{fixed, lint};

    #[test]
    fn adds_a_group_before_the_first_target() {
        let hcl = r#"variable "TAG" {
  default = "1"
}

# The base of everything.
target "_base" {
}

target "app" {
  inherits = ["_base"]
  matrix = { v = ["1", "2"] }
  name = "app-${v}"
}

target "tool" {
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"_base\""]);
        let text = fixed(&l, "docker-bake.hcl");
        assert!(
            text.contains(
                "}\n\ngroup \"default\" {\n  targets = [\"app\", \"tool\"]\n}\n\n# The base"
            ),
            "{text}"
        );
    }

    #[test]
    fn default_target_or_group_is_enough() {
        let l = lint(&RULE, &[("docker-bake.hcl", "target \"default\" {\n}\n")]);
        assert!(l.diagnostics.is_empty());
        let hcl = "group \"default\" {\n  targets = [\"a\"]\n}\ntarget \"a\" {\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert!(l.diagnostics.is_empty());
        let l = lint(&RULE, &[("docker-bake.hcl", "variable \"X\" {\n}\n")]);
        assert!(l.diagnostics.is_empty());
    }

    #[test]
    fn inherited_placeholders_are_not_members() {
        // docker/metadata-action's placeholder target, inherited by the one
        // the workflow builds: no groups, yet a template.
        let hcl = "target \"docker-metadata-action\" {}\n\ntarget \"image\" {\n  inherits = [\"docker-metadata-action\"]\n}\n";
        assert_eq!(
            fixes_to_clean(hcl),
            format!("group \"default\" {{\n  targets = [\"image\"]\n}}\n\n{hcl}")
        );
    }

    /// Applies the fix to a one-file project and lints the result again:
    /// nothing is left to report (so a second run changes nothing).
    fn fixes_to_clean(hcl: &str) -> String {
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.diagnostics.len(), 1, "{:?}", l.messages());
        let text = fixed(&l, "docker-bake.hcl");
        let again = lint(&RULE, &[("docker-bake.hcl", &text)]);
        assert!(again.diagnostics.is_empty(), "{:?}", again.messages());
        text
    }

    #[test]
    fn one_notion_of_template() {
        // Hidden targets are left out even when a group lists them;
        // inherited ones unless a group lists them (a `target:` context
        // linking one does not make it a member: it is built with its user).
        let hcl = r#"group "tools" {
  targets = ["_hidden", "base"]
}

target "_hidden" {
}

target "base" {
}

target "tmpl" {
}

target "app" {
  inherits = ["base", "tmpl"]
  contexts = { dep = "target:tmpl" }
}
"#;
        let text = fixes_to_clean(hcl);
        assert!(
            text.contains(
                "group \"default\" {\n  targets = [\"base\", \"app\"]\n}\n\ntarget \"_hidden\""
            ),
            "{text}"
        );
    }

    #[test]
    fn json_is_reported_without_fix() {
        let json = r#"{"target": {"app": {}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json)]);
        assert_eq!(l.slices(), vec!["\"app\""]);
        assert!(l.diagnostics[0].fix.is_none());
    }

    #[test]
    fn default_in_another_file_of_the_set() {
        let l = lint(
            &RULE,
            &[
                ("docker-bake.hcl", "target \"app\" {\n}\n"),
                (
                    "docker-bake.override.hcl",
                    "group \"default\" {\n  targets = [\"app\"]\n}\n",
                ),
            ],
        );
        assert!(l.diagnostics.is_empty());
    }
}
