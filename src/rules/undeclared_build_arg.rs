//! BK005 `undeclared-build-arg`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK005",
    name: "undeclared-build-arg",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A build arg passed by a target is declared by no ARG of the stages it builds",
    doc: include_str!("../../rules/BK005.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
