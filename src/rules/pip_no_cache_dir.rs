//! DL3042 `pip-no-cache-dir`: `pip install` without `--no-cache-dir` keeps
//! every downloaded wheel in `~/.cache/pip`, in the layer.

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::package_caches::{for_each_run, insert_after, RunSite, TRUTHY};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::{PackageInstall, PackageManager};

pub static RULE: RuleDef = RuleDef {
    code: "DL3042",
    name: "pip-no-cache-dir",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`",
    doc: include_str!("../../rules/DL3042.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Whether the RUN's text sets `PIP_NO_CACHE_DIR` to a truthy value
/// (`PIP_NO_CACHE_DIR=1 pip install`, `export PIP_NO_CACHE_DIR=true`).
fn sets_no_cache_dir(text: &str) -> bool {
    text.match_indices("PIP_NO_CACHE_DIR=").any(|(at, key)| {
        let value = text[at + key.len()..].trim_start_matches(['"', '\'']);
        TRUTHY.iter().any(|t| {
            value.starts_with(t)
                && !value[t.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
        })
    })
}

/// Whether a mount holds pip's cache for this install: `/root/.cache/pip`
/// (or a parent), a `.cache/pip` in another home, or the `--cache-dir`.
fn cache_mounted(site: &RunSite<'_>, install: &PackageInstall<'_>) -> bool {
    site.mounted("/root/.cache/pip")
        || site.mounted_as(&["/.cache/pip"])
        || install
            .flag_value("--cache-dir")
            .or_else(|| {
                install
                    .command
                    .assignments
                    .iter()
                    .find_map(|w| w.as_str()?.strip_prefix("PIP_CACHE_DIR="))
            })
            .or(site.facts.pip_cache_dir.as_deref())
            .is_some_and(|dir| dir.starts_with('/') && site.mounted(dir.trim_end_matches('/')))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["pip"]) {
        return;
    }
    for_each_run(ctx, |site| {
        if site.facts.pip_no_cache || site.scripts.iter().any(|s| sets_no_cache_dir(&s.text)) {
            return;
        }
        for script in site.scripts.iter() {
            for install in script.installs_of(|m| m == PackageManager::Pip) {
                if install.subcommand_str() != Some("install")
                    || install.has_flag(&["--no-cache-dir"])
                    || cache_mounted(site, &install)
                {
                    continue;
                }
                let Some(sub) = install.subcommand.as_ref() else {
                    continue;
                };
                let span = install.program.span.cover(sub.span);
                let mut diag = ctx
                    .diagnostic(
                        span,
                        format!(
                            "`{}` without `--no-cache-dir` keeps pip's download cache in the layer",
                            span.slice(ctx.source())
                        ),
                    )
                    .with_help(
                        "Add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`, or mount a cache at `/root/.cache/pip`, see BP007): the cached wheels are never used again in the image",
                    );
                if let Some(fix) = insert_after(ctx, sub, "--no-cache-dir", true) {
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

    fn fires(src: &str) -> bool {
        !lint(&RULE, src).is_empty()
    }

    #[test]
    fn flags_pip_install_and_fixes() {
        let src = "FROM python:3.12\nRUN python -m pip install -r requirements.txt\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["python -m pip install"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM python:3.12\nRUN python -m pip install --no-cache-dir -r requirements.txt\n",
        );
    }

    #[test]
    fn hadolint_cases() {
        for (src, expected) in [
            ("RUN pip2 install MySQL_python\n", true),
            ("RUN pip3 install MySQL_python\n", true),
            ("RUN pip install MySQL_python --no-cache-dir\n", false),
            ("RUN pipx install software\n", false),
            ("RUN pipenv install library\n", false),
            ("ENV PIP_NO_CACHE_DIR=1\nRUN pip install MySQL_python\n", false),
            ("ENV PIP_NO_CACHE_DIR=yes\nRUN pip install MySQL_python\n", false),
            ("RUN PIP_NO_CACHE_DIR=true pip install MySQL_python\n", false),
            ("RUN export PIP_NO_CACHE_DIR=on && pip install MySQL_python\n", false),
            ("ENV PIP_NO_CACHE_DIR=0\nRUN pip install MySQL_python\n", true),
            ("ENV PIP_NO_CACHE_DIR=false\nRUN pip install MySQL_python\n", true),
            ("RUN PIP_NO_CACHE_DIR=off pip install MySQL_python\n", true),
            ("RUN export PIP_NO_CACHE_DIR=no && pip install MySQL_python\n", true),
            ("FROM debian:buster as base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install six\n", false),
            ("FROM debian:buster as base\nENV PIP_NO_CACHE_DIR=1\nFROM debian:buster\nRUN pip install six\n", true),
            ("RUN --mount=type=cache,target=/root/.cache/pip pip install foobar\n", false),
            ("RUN --mount=type=tmpfs,target=/root/.cache/pip pip install foobar\n", false),
            ("ONBUILD RUN pip install foobar\n", true),
        ] {
            assert_eq!(fires(src), expected, "{src}");
        }
    }

    #[test]
    fn other_places_the_cache_is_kept_out() {
        for src in [
            "RUN --mount=type=cache,target=/root/.cache pip install foo\n",
            "RUN --mount=type=cache,target=/home/app/.cache/pip pip install foo\n",
            "RUN --mount=type=cache,target=/tmp/pip pip install --cache-dir /tmp/pip foo\n",
            "FROM python AS a\nRUN pip config set global.no-cache-dir true\nFROM a\nRUN pip install foo\n",
            "ENV PIP_CACHE_DIR=/var/cache/pip\nRUN --mount=type=cache,target=/var/cache/pip pip install foo\n",
            "RUN --mount=type=cache,target=/var/cache/pip PIP_CACHE_DIR=/var/cache/pip pip install foo\n",
            "RUN pip download foo\n",
            "RUN uv pip install foo\n",
        ] {
            assert!(!fires(src), "{src}");
        }
        assert!(fires(
            "RUN --mount=type=cache,target=/var/cache pip install foo\n"
        ));
    }

    #[test]
    fn bp007_fix_output_is_accepted() {
        let src = "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n";
        assert!(!fires(src));
    }
}
