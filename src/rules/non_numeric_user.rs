//! DL3066 `non-numeric-user` (hadolint: `DL3066`).
//!
//! A user name is resolved through the image's `/etc/passwd`; the host (and
//! Kubernetes' `runAsNonRoot`) only understands numeric ids. A user id that
//! refers to a build argument (`USER ${APP_UID}`) is not judged: its value
//! is the build's choice, nor one whose `ENV` value in the file is numeric.
//! Windows images are not judged: Windows users (`ContainerUser`,
//! `ContainerAdministrator`) have no numeric ids. `root` is uid 0 in every
//! image: a final `USER root` is DL3002's business.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::run_shell::is_windows_image;
use crate::rules::run_shell::run_shells;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::variable_names;
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL3066",
    name: "non-numeric-user",
    aliases: &[],
    severity: Severity::Info,
    summary: "Non-numeric user-id may not be resolvable by host system",
    doc: include_str!("../../rules/DL3066.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Built-in accounts of Windows images.
const WINDOWS_ACCOUNTS: &[&str] = &["ContainerUser", "ContainerAdministrator"];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut args: HashSet<String> = HashSet::new();
    // Names an ENV of the file sets to a number.
    let mut numeric_env: HashSet<String> = HashSet::new();
    let shells = run_shells(ctx.dockerfile);
    for (node, ins) in ctx.dockerfile.instructions() {
        match &ins.kind {
            InstructionKind::Arg(decls) => {
                args.extend(decls.iter().map(|d| d.name.value.clone()));
            }
            InstructionKind::Env(pairs) => {
                for p in pairs {
                    let v = crate::rules::copy_paths::unquote(&p.value.value);
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                        numeric_env.insert(p.key.value.clone());
                    } else {
                        numeric_env.remove(&p.key.value);
                    }
                }
            }
            InstructionKind::User(user) => {
                let text = user.value.as_str();
                let uid = text.split(':').next().unwrap_or(text);
                if uid.is_empty()
                    || uid == "root"
                    || WINDOWS_ACCOUNTS.contains(&uid)
                    || uid.bytes().all(|b| b.is_ascii_digit())
                {
                    continue;
                }
                let windows = shells
                    .get(node)
                    .and_then(Option::as_ref)
                    .and_then(|s| s.root_image.as_deref())
                    .is_some_and(is_windows_image);
                if windows
                    || variable_names(uid)
                        .iter()
                        .any(|v| args.contains(v) || numeric_env.contains(v))
                {
                    continue;
                }
                let span = Span::new(user.span.start, user.span.start + uid.len());
                out.push(
                    ctx.diagnostic(span, format!("Non-numeric user-id `{uid}` may not be resolvable by host system"))
                        .with_help("use the numeric uid (and gid), e.g. `USER 10001:10001`, and create the user with that id"),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_user_names() {
        let src = "USER foobar\nUSER app:barfoo\nUSER ${UNDECLARED}\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["foobar", "app", "${UNDECLARED}"]);
    }

    #[test]
    fn numeric_ids_and_build_args_are_fine() {
        let src = "ARG APP_UID\nFROM foobar:barfoo\nUSER 12345\nUSER 1234:5678\nUSER 1000:staff\nUSER ${APP_UID}\nUSER $APP_UID:$APP_UID\n\
                   USER root\nENV NB_UID=1000\nUSER ${NB_UID}\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn windows_users_have_no_numeric_ids() {
        let src = "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerAdministrator\nFROM alpine:3 AS x\nUSER app\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["app"]);
    }
}
