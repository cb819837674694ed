//! BP002 `registry-cache`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP002",
    name: "registry-cache",
    aliases: &[],
    severity: Severity::Warning,
    summary: "GitHub Actions cache (type=gha) where a registry cache is about twice as fast",
    doc: include_str!("../../rules/BP002.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[RuleOption {
        name: "ref",
        kind: OptionKind::String,
    }],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
