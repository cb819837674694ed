//! BP008 `dockerignore`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{BakeContext, CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP008",
    name: "dockerignore",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A local build context without a .dockerignore",
    doc: include_str!("../../rules/BP008.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::DockerfileAndBake(check_dockerfile, check_bake),
};

fn check_dockerfile(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}

fn check_bake(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
