//! BK004 `undefined-stage`.
//!
//! `target = "x"` builds the stage `x` of the target's Dockerfile (file or
//! inline). BuildKit compares stage names case-insensitively; a name that
//! matches no stage fails the build with "target stage x could not be found".

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label, Findings};
use crate::rules::bake_targets::{built_dockerfile, built_targets};
use crate::rules::stages::{find_stage, stage_names};
use crate::rules::suggest::{closest, did_you_mean};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK004",
    name: "undefined-stage",
    aliases: &[],
    severity: Severity::Error,
    summary: "`target` names a stage the Dockerfile does not have",
    doc: include_str!("../../rules/BK004.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Findings::default();
    for target in built_targets(ctx.project) {
        let Some(stage_attr) = target.attr("target") else {
            continue;
        };
        let Some(stage) = stage_attr.as_str().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !in_file(&stage_attr.origin) {
            continue;
        }
        let Some(df) = built_dockerfile(ctx, target) else {
            continue;
        };
        if df.stages().is_empty() || find_stage(&df, stage).is_some() {
            continue;
        }
        let names: Vec<String> = stage_names(&df).into_iter().flatten().collect();
        let which = match (target.dockerfile_inline(), target.dockerfile()) {
            (Some(_), _) => "the inline Dockerfile".to_string(),
            (None, Some(path)) => format!(
                "`{}`",
                path.strip_prefix(&target.cwd).unwrap_or(&path).display()
            ),
            (None, None) => "the Dockerfile".to_string(),
        };
        let message = format!(
            "stage `{stage}` not found in {which}{}",
            did_you_mean(closest(stage, names.iter().map(String::as_str)))
        );
        let help = if names.is_empty() {
            "the Dockerfile has no named stages; name one with `FROM image AS name`".to_string()
        } else {
            format!(
                "its stages are {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } + &format!(
            "; paths resolve against {}",
            crate::workspace::base::describe(target)
        );
        let origin = &stage_attr.origin;
        if findings.first(&origin.file, origin.span, &message) {
            let diag = ctx
                .diagnostic(&origin.file, origin.span, message)
                .with_help(help);
            out.push(with_inherit_label(diag, target, origin));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::lint;

    const DOCKERFILE: (&str, &str) = (
        "Dockerfile",
        "FROM golang:1.22 AS build\nRUN true\nFROM alpine AS Runtime\nCOPY --from=build / /\n",
    );

    #[test]
    fn typo_with_suggestion() {
        let hcl = "target \"app\" {\n  target = \"biuld\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"biuld\""]);
        assert!(l.messages()[0].contains("did you mean `build`"));
    }

    #[test]
    fn case_insensitive_match_is_fine() {
        let hcl = "target \"app\" {\n  target = \"runtime\"\n}\ntarget \"b\" {\n  target = \"BUILD\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }

    #[test]
    fn inherited_target_and_inline() {
        let hcl = r#"target "_base" {
  target = "prod"
}
target "app" {
  inherits = ["_base"]
}
target "inline" {
  dockerfile-inline = "FROM alpine AS dev\n"
  target = "prod"
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"prod\"", "\"prod\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 1);
        assert!(l.messages()[1].contains("inline"));
    }

    #[test]
    fn matrix_stage_from_variable() {
        let hcl = r#"target "app" {
  matrix = { stage = ["build", "tset"] }
  name = "app-${stage}"
  target = stage
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
        assert!(l.messages()[0].contains("`tset`"));
    }

    #[test]
    fn json_and_variable_values() {
        let json = r#"{"variable": {"STAGE": {"default": "relase"}}, "target": {"app": {"target": "${STAGE}"}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"${STAGE}\""]);
        assert!(l.messages()[0].contains("`relase`"));
    }

    #[test]
    fn no_dockerfile_no_finding() {
        let hcl = "target \"app\" {\n  target = \"x\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert!(l.diagnostics.is_empty());
    }
}
