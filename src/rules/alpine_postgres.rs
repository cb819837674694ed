//! BP006 `alpine-postgres`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{
    BakeContext, CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope,
};

pub static RULE: RuleDef = RuleDef {
    code: "BP006",
    name: "alpine-postgres",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A full postgres image where the alpine variant serves",
    doc: include_str!("../../rules/BP006.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "images",
        kind: OptionKind::StringList,
    }],
    check: CheckFn::DockerfileAndBake(check_dockerfile, check_bake),
};

fn check_dockerfile(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}

fn check_bake(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
