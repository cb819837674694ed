//! BK002 `undefined-reference`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK002",
    name: "undefined-reference",
    aliases: &[],
    severity: Severity::Error,
    summary: "A group, `inherits` entry or `target:` context names no target or group",
    doc: include_str!("../../rules/BK002.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
