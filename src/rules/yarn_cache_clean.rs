//! DL3060 `yarn-cache-clean`: a RUN that runs `yarn install` and leaves yarn's cache in an image layer.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_clean_after, CleanAfter};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3060",
    name: "yarn-cache-clean",
    aliases: &[],
    severity: Severity::Info,
    summary: "`yarn cache clean` missing after `yarn install` was run",
    doc: include_str!("../../rules/DL3060.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: CleanAfter = CleanAfter {
    programs: &["yarn", "yarnpkg"],
    value_options: &["--cwd", "--cache-folder", "--modules-folder", "--registry", "--mutex"],
    fills: &["install", ""],
    cleans: &["cache clean"],
    cache_dirs: &[
        "/usr/local/share/.cache/yarn",
        "/root/.cache/yarn",
        "/root/.yarn/berry/cache",
    ],
    mounted_as: &["/.cache/yarn", "/.yarn/cache", "/.yarn/berry/cache"],
    cache_dir_options: &["--cache-folder"],
    only_images: true,
    clean_command: "yarn cache clean",
    help: "End the RUN with `&& yarn cache clean` (or mount a cache at `/usr/local/share/.cache/yarn`, see BP007): yarn's global cache holds a copy of every package and stays in the layer otherwise",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["yarn"]) {
        return;
    }
    check_clean_after(ctx, out, &SPEC);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    fn fires(src: &str) -> bool {
        !lint(&RULE, src).is_empty()
    }

    #[test]
    fn points_at_the_install() {
        let src = "FROM node:22\nRUN yarn install --frozen-lockfile\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["yarn install"]);
    }

    #[test]
    fn hadolint_cases() {
        for (src, expected) in [
            ("RUN foo\n", false),
            ("RUN yarn install foo\n", true),
            ("RUN yarn install bar && yarn cache clean\n", false),
            ("RUN yarn cache clean && yarn install foo\n", true),
            ("RUN --mount=type=cache,target=/root/.cache/yarn yarn install foobar\n", false),
            ("RUN --mount=type=tmpfs,target=/root/.cache/yarn yarn install foobar\n", false),
            ("RUN --mount=type=cache,target=/var/lib/foobar yarn install foobar\n", true),
            ("FROM node:lts-alpine as foo\nRUN hey!\nFROM scratch\nRUN yarn install\n", true),
            ("FROM node:lts-alpine as foo\nRUN yarn install\nFROM foo\nRUN hey!\n", true),
            ("FROM node:lts-alpine as foo\nRUN yarn install && yarn cache clean\nFROM foo\nRUN hey!\n", false),
            ("FROM node:lts-alpine as foo\nRUN yarn install foo\nFROM scratch\nRUN hey!\n", false),
        ] {
            assert_eq!(fires(src), expected, "{src}");
        }
    }

    #[test]
    fn bare_yarn_installs_and_other_cache_places() {
        for (src, expected) in [
            ("RUN yarn\n", true),
            ("RUN yarn --frozen-lockfile\n", true),
            ("RUN yarn --version\n", false),
            ("RUN yarn build\n", false),
            ("RUN yarn && yarn cache clean --all\n", false),
            (
                "RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/src/.yarn/cache yarn install\n",
                false,
            ),
            (
                "RUN --mount=type=cache,target=/tmp/yc yarn install --cache-folder /tmp/yc\n",
                false,
            ),
            (
                "RUN yarn install --cache-folder /tmp/yc && rm -rf /tmp/yc\n",
                false,
            ),
            (
                "RUN yarn install && rm -rf /usr/local/share/.cache/yarn\n",
                false,
            ),
        ] {
            assert_eq!(fires(src), expected, "{src}");
        }
    }
}
