//! BK007 `invalid-spec`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK007",
    name: "invalid-spec",
    aliases: &[],
    severity: Severity::Error,
    summary: "Invalid cache, output, secret, ssh or attest entry, platform or tag",
    doc: include_str!("../../rules/BK007.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
