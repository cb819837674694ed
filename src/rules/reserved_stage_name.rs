//! DF006 `reserved-stage-name` (BuildKit: `ReservedStageName`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF006",
    name: "reserved-stage-name",
    aliases: &["ReservedStageName"],
    severity: Severity::Warning,
    summary: "Reserved words should not be used as stage names",
    doc: include_str!("../../rules/DF006.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
