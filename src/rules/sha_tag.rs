//! BP001 `sha-tag`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP001",
    name: "sha-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A target's tags do not carry the commit SHA",
    doc: include_str!("../../rules/BP001.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "sha-variables",
            kind: OptionKind::StringList,
        },
        RuleOption {
            name: "variable",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
