//! BK006 `dockerfile-ignored`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK006",
    name: "dockerfile-ignored",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`dockerfile` is ignored because `dockerfile-inline` is also set",
    doc: include_str!("../../rules/BK006.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
