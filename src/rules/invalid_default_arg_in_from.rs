//! DF016 `invalid-default-arg-in-from` (BuildKit: `InvalidDefaultArgInFrom`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF016",
    name: "invalid-default-arg-in-from",
    aliases: &["InvalidDefaultArgInFrom"],
    severity: Severity::Warning,
    summary: "Default value for global ARG results in an empty or invalid base image name",
    doc: include_str!("../../rules/DF016.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
