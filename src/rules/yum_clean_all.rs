//! DL3032 `yum-clean-all`: a RUN that installs with yum and leaves its cache in the layer.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_clean_after, CleanAfter, RPM_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3032",
    name: "yum-clean-all",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`yum clean all` missing after yum command",
    doc: include_str!("../../rules/DL3032.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: CleanAfter = CleanAfter {
    programs: &["yum"],
    value_options: RPM_VALUE_OPTIONS,
    fills: &["install", "groupinstall", "localinstall", "reinstall", "group install", "update", "upgrade"],
    cleans: &["clean"],
    cache_dirs: &["/var/cache/yum"],
    mounted_as: &[],
    cache_dir_options: &[],
    only_images: false,
    clean_command: "yum clean all",
    help: "End the RUN with `&& yum clean all` (or `rm -rf /var/cache/yum`, or mount a cache at `/var/cache/yum`): yum's metadata and package cache stay in the layer otherwise",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["yum"]) {
        return;
    }
    check_clean_after(ctx, out, &SPEC);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn points_at_the_install() {
        let src = "FROM centos:7\nRUN yum install -y mariadb-10.4\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["yum install"]);
        assert!(diags[0]
            .message
            .starts_with("`yum clean all` missing after `yum install`"));
    }

    #[test]
    fn cases() {
        for (src, fires) in [
            ("RUN yum install -y mariadb-10.4 && yum clean all\n", false),
            ("RUN bash -c `# not even a yum command`\n", false),
            (
                "RUN yum install -y mariadb-10.4 && rm -rf /var/cache/yum/*\n",
                false,
            ),
            (
                "RUN yum install -y mariadb-10.4 && rm -rf /var/cache/yum\n",
                false,
            ),
            ("RUN yum clean all && yum install -y x\n", true),
            ("RUN yum install -y x && rm -rf /tmp/x\n", true),
            (
                "RUN --mount=type=cache,target=/var/cache/yum yum install -y x\n",
                false,
            ),
            ("RUN yum -y update && yum clean all\n", false),
            ("RUN yum -y update\n", true),
            ("ONBUILD RUN yum install -y x\n", true),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
