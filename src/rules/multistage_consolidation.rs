//! BP009 `multistage-consolidation`: not implemented yet (stub in the registry).

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP009",
    name: "multistage-consolidation",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Several targets build near-identical Dockerfiles that one multi-stage Dockerfile with a shared stage would build once",
    doc: include_str!("../../rules/BP009.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "min-shared",
            kind: OptionKind::Integer,
        },
        RuleOption {
            name: "file",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::Bake(check),
};

fn check(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
