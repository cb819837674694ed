//! DF003 `no-empty-continuation` (BuildKit: `NoEmptyContinuation`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF003",
    name: "no-empty-continuation",
    aliases: &["NoEmptyContinuation"],
    severity: Severity::Warning,
    summary: "Empty continuation lines will become errors in a future release",
    doc: include_str!("../../rules/DF003.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
