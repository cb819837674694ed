//! BP010 `prebaked-base`: not implemented yet (stub in the registry).

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::{
    BakeContext, CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope,
};

pub static RULE: RuleDef = RuleDef {
    code: "BP010",
    name: "prebaked-base",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A stage installs many OS packages on a generic upstream image on every build instead of using a pre-baked base image",
    doc: include_str!("../../rules/BP010.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[
        RuleOption {
            name: "min-packages",
            kind: OptionKind::Integer,
        },
        RuleOption {
            name: "tag",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::DockerfileAndBake(check_dockerfile, check_bake),
};

fn check_dockerfile(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}

fn check_bake(_ctx: &BakeContext<'_>, _out: &mut Vec<Diagnostic>) {}
