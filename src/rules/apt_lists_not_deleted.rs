//! DL3009 `apt-lists-not-deleted`: a RUN that runs `apt-get update` and
//! leaves the package lists (`/var/lib/apt/lists`, tens of MB) in its layer.
//!
//! As hadolint 2.15: only RUNs whose layer reaches an image (the last
//! stage, a stage another is built `FROM`, a target stage, any `ONBUILD
//! RUN`); a cache or tmpfs mount of the lists (or of both `/var/lib/apt` and
//! `/var/cache/apt`, BuildKit's recipe that BP007 applies) keeps them out of
//! the layer.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{for_each_run, manager_command, rm_removes, RunSite};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3009",
    name: "apt-lists-not-deleted",
    aliases: &[],
    severity: Severity::Info,
    summary: "Delete the apt-get lists after installing something",
    doc: include_str!("../../rules/DL3009.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const LISTS: &str = "/var/lib/apt/lists";
const APT_PROGRAMS: &[&str] = &["apt-get", "apt", "aptitude"];
const APT_VALUE_OPTIONS: &[&str] = &["-o", "--option", "-c", "--config-file", "-t"];

/// Whether the RUN's mounts keep the lists out of the layer: a mount of the
/// lists directory itself, or mounts of both `/var/lib/apt` and
/// `/var/cache/apt` (or of a parent of both).
fn mounts_keep_lists(site: &RunSite<'_>) -> bool {
    site.mounts
        .iter()
        .any(|t| t.as_deref().is_none_or(|t| t == LISTS))
        || (site.mounted("/var/lib/apt") && site.mounted("/var/cache/apt"))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["apt"]) {
        return;
    }
    for_each_run(ctx, |site| {
        if !site.ships || mounts_keep_lists(site) {
            return;
        }
        // The last `update` of the RUN, and whether the lists go after it.
        let mut update = None;
        let mut cleaned = false;
        for script in site.scripts.iter() {
            for command in script.commands() {
                if let Some(apt) = manager_command(command, APT_PROGRAMS, APT_VALUE_OPTIONS) {
                    match apt.subcommand_str() {
                        Some("update") => {
                            if update.is_none() {
                                update = Some(apt.span());
                            }
                            cleaned = false;
                            continue;
                        }
                        Some("distclean" | "dist-clean") => cleaned = true,
                        _ => {}
                    }
                }
                if rm_removes(command, LISTS) {
                    cleaned = true;
                }
            }
        }
        let Some(span) = update else {
            return;
        };
        if cleaned {
            return;
        }
        let update_text = span.slice(ctx.source());
        out.push(
            ctx.diagnostic(
                span,
                format!("`{update_text}` leaves the apt lists in the layer: delete them in the same RUN"),
            )
            .with_help(
                "End this RUN with `&& rm -rf /var/lib/apt/lists/*` (or mount a cache at `/var/lib/apt` and `/var/cache/apt`, see BP007): the lists are tens of MB that no container needs, and a later RUN that installs runs `apt-get update` again anyway",
            ),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, lint, slices};

    fn fires(src: &str) -> bool {
        !lint(&RULE, src).is_empty()
    }

    #[test]
    fn points_at_the_update_command() {
        let src = "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y curl\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["apt-get update"]);
        assert!(diags[0].message.contains("apt lists"));
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("End this RUN with"));
    }

    #[test]
    fn cleanup_must_remove_the_lists_after_the_update() {
        for (src, expected) in [
            (
                "RUN apt-get update && apt-get install python && rm -rf /var/lib/apt/lists/*\n",
                false,
            ),
            (
                "RUN apt-get update && apt-get install -y python && rm -r -f /var/lib/apt/lists\n",
                false,
            ),
            (
                "RUN apt-get update && rm -rf /var/lib/apt/lists/* /tmp/*\n",
                false,
            ),
            (
                "RUN apt-get update && apt-get install -y x && apt-get distclean\n",
                false,
            ),
            (
                "RUN apt-get update && apt-get install -y x && rm -rf /tmp/x\n",
                true,
            ),
            (
                "RUN apt-get update && apt-get install -y x && apt-get clean\n",
                true,
            ),
            (
                "RUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x\n",
                true,
            ),
            ("RUN apt update && apt install python\n", true),
            ("RUN aptitude update && aptitude install python\n", true),
            ("RUN apt-get -qq update\n", true),
            ("RUN apt-get install -y ./x.deb\n", false),
        ] {
            assert_eq!(fires(src), expected, "{src}");
        }
    }

    #[test]
    fn only_layers_that_reach_an_image() {
        // The last stage, a stage used as a base, ONBUILD.
        assert!(fires("FROM ubuntu AS foo\nRUN hey!\nFROM scratch\nRUN apt-get update && apt-get install python\n"));
        assert!(fires("FROM ubuntu AS foo\nRUN apt-get update && apt-get install python\nFROM foo\nRUN hey!\n"));
        assert!(fires(
            "FROM ubuntu AS Foo\nRUN apt-get update\nFROM foo\nRUN hey!\n"
        ));
        assert!(fires(
            "FROM ubuntu AS foo\nONBUILD RUN apt-get update\nFROM scratch\nRUN hey!\n"
        ));
        // A builder stage nothing is built FROM.
        assert!(!fires("FROM ubuntu AS foo\nRUN apt-get update && apt-get install python\nFROM scratch\nCOPY --from=foo /x /x\n"));
        // The base of a builder stage only.
        assert!(!fires("FROM ubuntu AS base\nRUN apt-get update\nFROM base AS build\nRUN make\nFROM ubuntu\nCOPY --from=build /x /x\n"));
        // A base named through a variable no ARG default resolves.
        assert!(fires(
            "FROM ubuntu AS linux\nRUN apt-get update\nFROM ${TARGETOS} AS target\n"
        ));
        assert!(fires(
            "ARG V=debian\nFROM ubuntu AS build-debian\nRUN apt-get update\nFROM build-${V}\n"
        ));
        // An image given at build time is not a stage.
        assert!(!fires("ARG FROM\nFROM ${FROM} AS builder\nRUN apt-get update\nFROM ${FROM}\nCOPY --from=builder /x /x\n"));
        // A RUN before the first FROM only counts in a file without stages.
        assert!(fires("RUN apt-get update\n"));
        assert!(!fires("RUN apt-get update\nFROM ubuntu\nRUN x\n"));
    }

    #[test]
    fn a_bake_target_stage_is_an_image() {
        let src = "FROM ubuntu AS app\nRUN apt-get update\nFROM scratch AS other\n";
        let build = crate::rules::BuildInfo {
            target: Some("app".into()),
            ..Default::default()
        };
        assert_eq!(
            crate::rules::testing::lint_with(&RULE, src, &build).len(),
            1
        );
    }

    #[test]
    fn cache_mounts_keep_the_lists_out_of_the_layer() {
        for (src, expected) in [
            ("RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n", false),
            ("RUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update\n", false),
            ("RUN --mount=type=cache,target=/var/lib/apt,sharing=locked --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update\n", false),
            ("RUN --mount=type=tmpfs,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update\n", false),
            ("RUN --mount=type=cache,target=/var apt-get update\n", false),
            ("RUN --mount=type=cache,target=$APT_LISTS apt-get update\n", false),
            ("RUN --mount=type=cache,target=/var/lib/apt \\    --mount=type=cache,target=/var/cache/apt \\    apt-get update\n", false),
            ("RUN --mount=type=cache,target=/var/cache/apt apt-get update\n", true),
            ("RUN --mount=type=cache,target=/var/lib/apt apt-get update\n", true),
            ("RUN --mount=type=cache,target=/var/lib/apt/lists/partial apt-get update\n", true),
            ("RUN --mount=type=bind,target=/var/lib/apt/lists apt-get update\n", true),
        ] {
            assert_eq!(fires(src), expected, "{src}");
        }
    }

    #[test]
    fn one_finding_per_run() {
        let src = "FROM debian\nRUN apt-get update && apt-get install -y a && apt-get update\nRUN apt-get update\n";
        assert_eq!(lines(src, &lint(&RULE, src)), vec![2, 3]);
    }

    #[test]
    fn bp007_fix_output_is_accepted() {
        let src = "# syntax=docker/dockerfile:1\nFROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache && apt-get update && apt-get install -y --no-install-recommends curl\n";
        assert!(!fires(src));
    }
}
