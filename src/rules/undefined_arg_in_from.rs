//! DF009 `undefined-arg-in-from` (BuildKit: `UndefinedArgInFrom`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF009",
    name: "undefined-arg-in-from",
    aliases: &["UndefinedArgInFrom"],
    severity: Severity::Warning,
    summary: "FROM command must use declared ARGs",
    doc: include_str!("../../rules/DF009.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
