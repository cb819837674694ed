//! BP012 `adhoc-test-deps`: not implemented yet (stub in the registry).

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP012",
    name: "adhoc-test-deps",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Named packages pip-installed next to a requirements file instead of listed in it",
    doc: include_str!("../../rules/BP012.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
