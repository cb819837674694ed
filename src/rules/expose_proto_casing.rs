//! DF018 `expose-proto-casing` (BuildKit: `ExposeProtoCasing`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF018",
    name: "expose-proto-casing",
    aliases: &["ExposeProtoCasing"],
    severity: Severity::Warning,
    summary: "Protocol in EXPOSE instruction should be lowercase",
    doc: include_str!("../../rules/DF018.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
