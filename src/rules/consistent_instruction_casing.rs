//! DF004 `consistent-instruction-casing` (BuildKit: `ConsistentInstructionCasing`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF004",
    name: "consistent-instruction-casing",
    aliases: &["ConsistentInstructionCasing"],
    severity: Severity::Warning,
    summary:
        "All commands within the Dockerfile should use the same casing (either upper or lower)",
    doc: include_str!("../../rules/DF004.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
