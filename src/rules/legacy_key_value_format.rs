//! DF013 `legacy-key-value-format` (BuildKit: `LegacyKeyValueFormat`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF013",
    name: "legacy-key-value-format",
    aliases: &["LegacyKeyValueFormat"],
    severity: Severity::Warning,
    summary: "Legacy key/value format with whitespace separator should not be used",
    doc: include_str!("../../rules/DF013.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
