//! BK006 `dockerfile-ignored`.
//!
//! When a target has `dockerfile-inline`, buildx builds that text and
//! ignores `dockerfile` entirely. Having both (often one of them inherited)
//! suggests the author expects the file to be built.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label, Findings};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK006",
    name: "dockerfile-ignored",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`dockerfile` is ignored because `dockerfile-inline` is also set",
    doc: include_str!("../../rules/BK006.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Findings::default();
    for name in ctx.project.target_order() {
        let Some(target) = ctx.project.targets().get(name) else {
            continue;
        };
        let (Some(file_attr), Some(inline_attr)) =
            (target.attr("dockerfile"), target.attr("dockerfile-inline"))
        else {
            continue;
        };
        let Some(path) = file_attr.as_str().filter(|p| !p.is_empty()) else {
            continue;
        };
        if inline_attr.value.is_null() || !in_file(&file_attr.origin) {
            continue;
        }
        let message =
            format!("`dockerfile = \"{path}\"` is ignored because `dockerfile-inline` is also set");
        let origin = &file_attr.origin;
        if !findings.first(&origin.file, origin.span, &message) {
            continue;
        }
        let mut diag = ctx
            .diagnostic(&origin.file, origin.span, message)
            .with_help("buildx builds the inline Dockerfile; remove one of the two");
        if in_file(&inline_attr.origin) {
            diag = diag.with_file_label(
                inline_attr.origin.file.clone(),
                inline_attr.origin.span,
                "`dockerfile-inline` is set here",
            );
        }
        let inherited = if origin.inherited_from.is_empty() {
            &inline_attr.origin
        } else {
            origin
        };
        out.push(with_inherit_label(diag, target, inherited));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::lint;

    #[test]
    fn both_in_one_target() {
        let hcl = "target \"app\" {\n  dockerfile = \"app.Dockerfile\"\n  dockerfile-inline = \"FROM alpine\\n\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"app.Dockerfile\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 1);
    }

    #[test]
    fn inherited_dockerfile_overridden_inline() {
        let hcl = "target \"_base\" {\n  dockerfile = \"base.Dockerfile\"\n}\ntarget \"app\" {\n  inherits = [\"_base\"]\n  dockerfile-inline = \"FROM alpine\\n\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"base.Dockerfile\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 2);
    }

    #[test]
    fn only_one_is_fine() {
        let hcl = "target \"a\" {\n  dockerfile = \"x\"\n}\ntarget \"b\" {\n  dockerfile-inline = \"FROM alpine\\n\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert!(l.diagnostics.is_empty());
    }

    #[test]
    fn json_definition() {
        let json = r#"{"target": {"app": {"dockerfile": "x.Dockerfile", "dockerfile-inline": "FROM alpine\n"}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json)]);
        assert_eq!(l.slices(), vec!["\"x.Dockerfile\""]);
    }
}
