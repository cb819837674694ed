//! BK001 `unknown-attribute`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK001",
    name: "unknown-attribute",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Unknown attribute or block in a bake target, group, variable or function",
    doc: include_str!("../../rules/BK001.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
