//! DF020 `copy-ignored-file` (BuildKit: `CopyIgnoredFile`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF020",
    name: "copy-ignored-file",
    aliases: &["CopyIgnoredFile"],
    severity: Severity::Warning,
    summary: "Attempting to Copy file that is excluded by .dockerignore",
    doc: include_str!("../../rules/DF020.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
