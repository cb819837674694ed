//! BP004 `chromium-skip-arg`. Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP004",
    name: "chromium-skip-arg",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A browser install that no SKIP_CHROMIUM build arg can switch off",
    doc: include_str!("../../rules/BP004.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "arg",
        kind: OptionKind::String,
    }],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
