//! DL3040 `dnf-clean-all`: a RUN that installs with dnf or microdnf and leaves the cache in the layer.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::package_caches::{check_clean_after, CleanAfter, RPM_VALUE_OPTIONS};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3040",
    name: "dnf-clean-all",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`dnf clean all` missing after dnf command",
    doc: include_str!("../../rules/DL3040.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

const SPEC: CleanAfter = CleanAfter {
    programs: &["dnf", "dnf5", "dnf-3", "microdnf"],
    value_options: RPM_VALUE_OPTIONS,
    fills: &[
        "install",
        "in",
        "reinstall",
        "rei",
        "upgrade",
        "up",
        "update",
        "upgrade-minimal",
        "up-min",
        "localinstall",
        "groupinstall",
        "group install",
        "module install",
    ],
    cleans: &["clean"],
    cache_dirs: &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
    mounted_as: &[],
    cache_dir_options: &[],
    only_images: false,
    clean_command: "dnf clean all",
    help: "End the RUN with `&& dnf clean all` (`microdnf clean all` for microdnf; or remove `/var/cache/dnf` / `/var/cache/libdnf5`, or mount a cache there): the repository metadata and packages stay in the layer otherwise",
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !crate::rules::package_caches::mentions(ctx, &["dnf"]) {
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
        let src = "FROM fedora:40\nRUN dnf -y install mariadb\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["dnf -y install"]);
    }

    #[test]
    fn cases() {
        for (src, fires) in [
            ("RUN dnf install -y mariadb-10.4\n", true),
            ("RUN microdnf install -y mariadb-10.4\n", true),
            ("RUN dnf in -y mariadb-10.4\n", true),
            ("RUN dnf install -y mariadb-10.4 && dnf clean all\n", false),
            ("RUN microdnf install -y mariadb-10.4 && microdnf clean all\n", false),
            ("RUN notdnf install mariadb\n", false),
            ("RUN dnf install -y mariadb-10.4 && rm -rf /var/cache/yum/*\n", false),
            ("RUN microdnf install -y mariadb-10.4 && rm -rf /var/cache/yum/*\n", false),
            ("RUN microdnf clean all && dnf install -y mariadb-10.4\n", true),
            ("RUN dnf install -y x && microdnf clean all\n", true),
            ("RUN rm -rf /var/cache/libdnf5 && dnf install -y mariadb-10.4\n", true),
            ("RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y mariadb-10.4\n", false),
            ("RUN --mount=type=tmpfs,target=/var/cache/libdnf5 microdnf install -y mariadb-10.4\n", false),
            ("RUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\n", false),
            ("RUN dnf -y upgrade\n", true),
            ("RUN dnf -y up-min\n", true),
            ("RUN dnf -y rei\n", true),
            ("RUN dnf -y upgrade && dnf clean all\n", false),
            ("RUN dnf install -y x && rm -rf /var/cache/dnf\n", false),
        ] {
            assert_eq!(!lint(&RULE, src).is_empty(), fires, "{src}");
        }
    }
}
