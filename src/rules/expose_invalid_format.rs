//! DF019 `expose-invalid-format` (BuildKit: `ExposeInvalidFormat`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF019",
    name: "expose-invalid-format",
    aliases: &["ExposeInvalidFormat"],
    severity: Severity::Warning,
    summary: "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
    doc: include_str!("../../rules/DF019.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
