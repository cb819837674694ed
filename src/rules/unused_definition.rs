//! BK009 `unused-definition` (info).
//!
//! A variable (block or top-level attribute) or user function that nothing
//! in the definition's files references. Usually left over after a
//! refactoring; an environment variable of that name then has no effect.

use std::collections::BTreeSet;

use hcl_edit::structure::{Body, Structure};

use crate::bake::json::{self, JKind, JNode};
use crate::bake::{expr, load, BakeProject, FileKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::in_file;
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK009",
    name: "unused-definition",
    aliases: &[],
    severity: Severity::Info,
    summary: "A variable or function that nothing uses",
    doc: include_str!("../../rules/BK009.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// Variable names referenced from outside their own `validation` blocks
/// (a variable that only validates itself is still unused). `None` when a
/// file cannot be walked; the loader's references are used then.
fn used_outside_own_validation(project: &BakeProject) -> Option<BTreeSet<String>> {
    let mut used = BTreeSet::new();
    for file in project.files() {
        match file.kind {
            FileKind::Compose => {}
            FileKind::Hcl => walk_hcl(file.body.as_ref()?, None, &mut used),
            FileKind::Json => {
                let bom = if file.text.starts_with('\u{feff}') {
                    3
                } else {
                    0
                };
                let root = json::parse(file.text.get(bom..)?).ok()?;
                walk_json_root(&root, &file.path, &mut used)?;
            }
        }
    }
    Some(used)
}

/// Adds the free variables of `e`, except `own` (the variable whose
/// validation block `e` is in).
fn add_vars(e: &expr::Expr, own: Option<&str>, used: &mut BTreeSet<String>) {
    let mut vars = Vec::new();
    e.free_vars(&mut vars);
    used.extend(
        vars.into_iter()
            .map(|(name, _)| name)
            .filter(|name| Some(name.as_str()) != own),
    );
}

/// `validating`: the variable whose validation block this body is.
fn walk_hcl(body: &Body, validating: Option<&str>, used: &mut BTreeSet<String>) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => add_vars(&expr::from_hcl(&a.value, 0), validating, used),
            Structure::Block(b) => {
                let kind = b.ident.value().as_str();
                let label = b.labels.first().map(|l| l.as_str());
                match kind {
                    "variable" => {
                        for inner in b.body.iter() {
                            match inner {
                                Structure::Attribute(a) if a.key.value().as_str() == "type" => {}
                                Structure::Attribute(a) => {
                                    add_vars(&expr::from_hcl(&a.value, 0), None, used)
                                }
                                Structure::Block(v) => walk_hcl(&v.body, label, used),
                            }
                        }
                    }
                    _ => walk_hcl(&b.body, validating, used),
                }
            }
        }
    }
}

fn walk_json_root(root: &JNode, path: &std::path::Path, used: &mut BTreeSet<String>) -> Option<()> {
    let JKind::Obj(items) = &root.kind else {
        return Some(());
    };
    for (key, _, value) in items {
        let JKind::Obj(labelled) = &value.kind else {
            add_vars(&load::json_expr(value, path).ok()?, None, used);
            continue;
        };
        if !crate::rules::bake_syntax::BLOCK_TYPES.contains(&key.as_str()) {
            add_vars(&load::json_expr(value, path).ok()?, None, used);
            continue;
        }
        for (label, _, body) in labelled {
            let bodies: Vec<&JNode> = match &body.kind {
                JKind::Arr(a) => a.iter().collect(),
                _ => vec![body],
            };
            for b in bodies {
                let JKind::Obj(attrs) = &b.kind else {
                    continue;
                };
                for (name, _, v) in attrs {
                    let own = (key == "variable" && name == "validation").then_some(label.as_str());
                    let skip = key == "variable" && name == "type"
                        || key == "function" && (name == "params" || name == "variadic_params");
                    if skip {
                        continue;
                    }
                    add_vars(&load::json_expr(v, path).ok()?, own, used);
                }
            }
        }
    }
    Some(())
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let references = ctx.project.references();
    let outside = used_outside_own_validation(ctx.project);
    for variable in ctx.project.variables().values() {
        let used = match &outside {
            Some(names) => names.contains(&variable.name),
            None => references.variables.contains(&variable.name),
        };
        if used || !in_file(&variable.decl) {
            continue;
        }
        let what = if variable.is_attribute {
            "top-level attribute"
        } else {
            "variable"
        };
        out.push(
            ctx.diagnostic(
                &variable.decl.file,
                variable.decl.span,
                format!("{what} `{}` is never used", variable.name),
            )
            .with_help(format!(
                "nothing references it, so setting `{}` in the environment has no effect; use it (`${{{}}}`) or remove it",
                variable.name, variable.name
            )),
        );
    }
    for function in ctx.project.functions().values() {
        if references.functions.contains(&function.name) || !in_file(&function.decl) {
            continue;
        }
        out.push(
            ctx.diagnostic(
                &function.decl.file,
                function.decl.span,
                format!("function `{}` is never called", function.name),
            )
            .with_help("remove it, or call it where it was meant to be used"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::lint;

    #[test]
    fn unused_variable_attribute_and_function() {
        let hcl = r#"variable "USED" {
  default = "a"
}
variable "UNUSED" {
  default = "b"
}
LEFTOVER = "c"
function "tag" {
  params = [name]
  result = "example/${name}:${USED}"
}
function "old" {
  params = []
  result = "x"
}
target "app" {
  tags = [tag("app")]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"UNUSED\"", "LEFTOVER", "\"old\""]);
    }

    #[test]
    fn used_across_files_and_in_json() {
        let hcl = "variable \"TAG\" {\n  default = \"latest\"\n}\n";
        let json = r#"{"target": {"app": {"tags": ["example/app:${TAG}"]}}}"#;
        let l = lint(
            &RULE,
            &[
                ("docker-bake.hcl", hcl),
                ("docker-bake.override.json", json),
            ],
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let json = r#"{"variable": {"X": {"default": "1"}}, "target": {"app": {}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json)]);
        assert_eq!(l.slices(), vec!["\"X\""]);
    }

    #[test]
    fn validating_itself_is_no_use() {
        let hcl = r#"variable "SELF" {
  default = "a"
  validation {
    condition = SELF != ""
    error_message = "empty"
  }
}
variable "OTHER" {
  default = "b"
  validation {
    condition = OTHER != SELF2
    error_message = "same"
  }
}
variable "SELF2" {
  default = "c"
}
target "app" {
  tags = ["x/${OTHER}"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"SELF\""], "{:?}", l.messages());
        let json = r#"{"variable": {"V": {"default": "1", "validation": [{"condition": "${V != \"\"}", "error_message": "e"}]}}, "target": {"app": {}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json)]);
        assert_eq!(l.slices(), vec!["\"V\""], "{:?}", l.messages());
    }

    #[test]
    fn used_in_matrix_and_other_variables() {
        let hcl = r#"variable "VERSIONS" {
  default = ["1", "2"]
}
variable "REPO" {
  default = "example"
}
variable "IMAGE" {
  default = "${REPO}/app"
}
target "app" {
  matrix = { v = VERSIONS }
  name = "app-${v}"
  tags = ["${IMAGE}:${v}"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }
}
