//! BK003 `missing-dockerfile`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK003",
    name: "missing-dockerfile",
    aliases: &[],
    severity: Severity::Error,
    summary: "The Dockerfile of a target with a local context does not exist",
    doc: include_str!("../../rules/BK003.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
