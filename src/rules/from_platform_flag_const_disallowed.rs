//! DF017 `from-platform-flag-const-disallowed` (BuildKit: `FromPlatformFlagConstDisallowed`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF017",
    name: "from-platform-flag-const-disallowed",
    aliases: &["FromPlatformFlagConstDisallowed"],
    severity: Severity::Warning,
    summary: "FROM --platform flag should not use a constant value",
    doc: include_str!("../../rules/DF017.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
