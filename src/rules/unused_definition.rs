//! BK009 `unused-definition`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
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

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
