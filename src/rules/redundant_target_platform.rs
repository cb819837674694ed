//! DF014 `redundant-target-platform` (BuildKit: `RedundantTargetPlatform`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF014",
    name: "redundant-target-platform",
    aliases: &["RedundantTargetPlatform"],
    severity: Severity::Warning,
    summary: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    doc: include_str!("../../rules/DF014.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
