//! DL3019 `apk-no-cache`: `apk add` without `--no-cache` leaves the package
//! index (and, with a cache directory, the packages) in the layer.

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::package_caches::{for_each_run, insert_after};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::PackageManager;

pub static RULE: RuleDef = RuleDef {
    code: "DL3019",
    name: "apk-no-cache",
    aliases: &[],
    severity: Severity::Info,
    summary: "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages",
    doc: include_str!("../../rules/DL3019.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Where apk keeps its cache (the second is the link Alpine documents).
const APK_CACHES: &[&str] = &["/var/cache/apk", "/etc/apk/cache"];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["apk"]) {
        return;
    }
    for_each_run(ctx, |site| {
        if APK_CACHES.iter().any(|dir| site.mounted(dir)) {
            return;
        }
        for script in site.scripts.iter() {
            for install in script.installs_of(|m| m == PackageManager::Apk) {
                if install.has_flag(&["--no-cache", "--no-network"]) {
                    continue;
                }
                let Some(sub) = install.subcommand.as_ref() else {
                    continue;
                };
                let span = install.program.span.cover(sub.span);
                let mut diag = ctx
                    .diagnostic(
                        span,
                        "`apk add` without `--no-cache` leaves the package index in the layer",
                    )
                    .with_help(
                        "Use `apk add --no-cache`: it fetches a fresh index and keeps nothing, so neither `apk update` / `--update` nor `rm -rf /var/cache/apk/*` is needed (or mount a cache at `/var/cache/apk`, see BP007)",
                    );
                if let Some(fix) = insert_after(ctx, sub, "--no-cache", false) {
                    diag = diag.with_fix(fix);
                }
                out.push(diag);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_apk_add_and_fixes_unsafely() {
        let src = "FROM alpine:3.20\nRUN apk add curl=8.9.1-r0\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["apk add"]);
        assert_eq!(
            diags[0].fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Unsafe)
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r0\n",
        );
    }

    #[test]
    fn hadolint_cases_and_mounts() {
        for (src, fires) in [
            ("RUN apk add flex=2.6.4-r1\n", true),
            ("RUN apk add --no-cache flex=2.6.4-r1\n", false),
            ("RUN apk --no-cache add flex\n", false),
            (
                "RUN --mount=type=cache,target=/var/cache/apk apk add -U curl=7.77.0\n",
                false,
            ),
            (
                "RUN --mount=type=tmpfs,target=/var/cache/apk apk add -U curl=7.77.0\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/etc/apk/cache apk add -U curl\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/var/cache apk add -U curl\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/var/cache/foo apk add --no-cache -U curl=7.77.0\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/var/cache/foo apk add -U curl=7.77.0\n",
                true,
            ),
            (
                "RUN apk update && apk add curl && rm -rf /var/cache/apk/*\n",
                true,
            ),
            ("RUN apk del curl\n", false),
            (
                "RUN apk add --no-network --virtual .rundeps so:libc.so\n",
                false,
            ),
            ("ONBUILD RUN apk add curl\n", true),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
