//! BP011 `copy-before-install`: not implemented yet (stub in the registry).

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP011",
    name: "copy-before-install",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The whole build context is copied before a dependency install that needs only the manifest files",
    doc: include_str!("../../rules/BP011.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
