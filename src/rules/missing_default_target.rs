//! BK010 `missing-default-target`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK010",
    name: "missing-default-target",
    aliases: &[],
    severity: Severity::Warning,
    summary: "No `default` target or group, so plain `docker buildx bake` fails",
    doc: include_str!("../../rules/BK010.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
