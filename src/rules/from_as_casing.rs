//! DF002 `from-as-casing` (BuildKit: `FromAsCasing`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF002",
    name: "from-as-casing",
    aliases: &["FromAsCasing"],
    severity: Severity::Warning,
    summary: "The 'as' keyword should match the case of the 'from' keyword",
    doc: include_str!("../../rules/DF002.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
