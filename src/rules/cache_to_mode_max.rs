//! BP003 `cache-to-mode-max`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP003",
    name: "cache-to-mode-max",
    aliases: &[],
    severity: Severity::Warning,
    summary: "cache-to without mode=max caches only the final stage",
    doc: include_str!("../../rules/BP003.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
