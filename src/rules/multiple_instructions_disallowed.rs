//! DF012 `multiple-instructions-disallowed` (BuildKit: `MultipleInstructionsDisallowed`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF012",
    name: "multiple-instructions-disallowed",
    aliases: &["MultipleInstructionsDisallowed"],
    severity: Severity::Warning,
    summary: "Multiple instructions of the same type should not be used in the same stage",
    doc: include_str!("../../rules/DF012.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
