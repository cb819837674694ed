//! BK004 `undefined-stage`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK004",
    name: "undefined-stage",
    aliases: &[],
    severity: Severity::Error,
    summary: "`target` names a stage the Dockerfile does not define",
    doc: include_str!("../../rules/BK004.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
