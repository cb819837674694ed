//! BK008 `duplicate-tag`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK008",
    name: "duplicate-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The same tag is produced by two targets",
    doc: include_str!("../../rules/BK008.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
