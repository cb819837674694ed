//! DF005 `duplicate-stage-name` (BuildKit: `DuplicateStageName`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF005",
    name: "duplicate-stage-name",
    aliases: &["DuplicateStageName"],
    severity: Severity::Warning,
    summary: "Stage names should be unique",
    doc: include_str!("../../rules/DF005.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
