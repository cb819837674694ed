//! BP005 `test-image-chromium`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP005",
    name: "test-image-chromium",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A test target builds a browser install it does not skip",
    doc: include_str!("../../rules/BP005.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "test-targets",
            kind: OptionKind::StringList,
        },
        RuleOption {
            name: "arg",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
