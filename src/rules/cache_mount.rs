//! BP007 `cache-mount`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP007",
    name: "cache-mount",
    aliases: &[],
    severity: Severity::Info,
    summary: "A package install without a cache mount for the tool's cache",
    doc: include_str!("../../rules/BP007.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
