//! DF008 `maintainer-deprecated` (BuildKit: `MaintainerDeprecated`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF008",
    name: "maintainer-deprecated",
    aliases: &["MaintainerDeprecated"],
    severity: Severity::Warning,
    summary:
        "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    doc: include_str!("../../rules/DF008.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
