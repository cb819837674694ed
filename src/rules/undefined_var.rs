//! DF011 `undefined-var` (BuildKit: `UndefinedVar`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF011",
    name: "undefined-var",
    aliases: &["UndefinedVar"],
    severity: Severity::Warning,
    summary: "Variables should be defined before their use",
    doc: include_str!("../../rules/DF011.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
