//! DF010 `workdir-relative-path` (BuildKit: `WorkdirRelativePath`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF010",
    name: "workdir-relative-path",
    aliases: &["WorkdirRelativePath"],
    severity: Severity::Warning,
    summary: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    doc: include_str!("../../rules/DF010.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
