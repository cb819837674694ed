//! DL3036 `zypper-clean`: a RUN that installs with zypper and leaves its cache in the layer.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_clean_after, CleanAfter, ZYPPER_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3036",
    name: "zypper-clean",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`zypper clean` missing after zypper use",
    doc: include_str!("../../rules/DL3036.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: CleanAfter = CleanAfter {
    programs: &["zypper"],
    value_options: ZYPPER_VALUE_OPTIONS,
    fills: &["install", "in", "update", "up", "patch"],
    cleans: &["clean", "cc"],
    cache_dirs: &["/var/cache/zypp"],
    mounted_as: &[],
    cache_dir_options: &[],
    only_images: false,
    clean_command: "zypper clean",
    help: "End the RUN with `&& zypper clean -a` (or `rm -rf /var/cache/zypp`, or mount a cache at `/var/cache/zypp`): the repository metadata and packages stay in the layer otherwise",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["zypper"]) {
        return;
    }
    check_clean_after(ctx, out, &SPEC);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn cases() {
        let src = "RUN zypper install -y mariadb=10.4\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["zypper install"]);
        for (src, fires) in [
            (
                "RUN zypper install -y mariadb=10.4 && zypper clean\n",
                false,
            ),
            ("RUN zypper install -y mariadb=10.4 && zypper cc\n", false),
            ("RUN zypper -n in x && zypper clean -a\n", false),
            ("RUN zypper clean && zypper install -y mariadb=10.4\n", true),
            (
                "RUN --mount=type=cache,target=/var/cache/zypp zypper install -y mariadb\n",
                false,
            ),
            (
                "RUN --mount=type=tmpfs,target=/var/cache/zypp zypper install -y mariadb\n",
                false,
            ),
            ("RUN zypper -n in x && rm -rf /var/cache/zypp/*\n", false),
            ("RUN zypper -n refresh\n", false),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
