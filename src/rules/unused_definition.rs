//! BK009 `unused-definition` (info).
//!
//! A variable (block or top-level attribute) or user function that nothing
//! in the definition's files references. Usually left over after a
//! refactoring; an environment variable of that name then has no effect.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::util_bake::in_file;
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

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let references = ctx.project.references();
    for variable in ctx.project.variables().values() {
        if references.variables.contains(&variable.name) || !in_file(&variable.decl) {
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
    use crate::rules::util_bake::testing::lint;

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
