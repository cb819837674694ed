//! DF015 `secrets-used-in-arg-or-env` (BuildKit: `SecretsUsedInArgOrEnv`). Not implemented yet.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF015",
    name: "secrets-used-in-arg-or-env",
    aliases: &["SecretsUsedInArgOrEnv"],
    severity: Severity::Warning,
    summary: "Sensitive data should not be used in the ARG or ENV commands",
    doc: include_str!("../../rules/DF015.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(_ctx: &DockerfileContext<'_>, _out: &mut Vec<Diagnostic>) {}
