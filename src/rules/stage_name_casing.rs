//! DF001 `stage-name-casing` (BuildKit: `StageNameCasing`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF001",
    name: "stage-name-casing",
    aliases: &["StageNameCasing"],
    severity: Severity::Warning,
    summary: "Stage names should be lowercase",
    doc: include_str!("../../rules/DF001.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
