//! The rule registry: one file per rule, listed in [`RULES`].
//!
//! A rule is data ([`RuleDef`]: code, names, default severity, doc) plus a
//! check function. The doc is the rule's `rules/<CODE>.md`, embedded so
//! `bakelint rule CODE` works offline and the test suite can run its examples.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::dockerfile::Dockerfile;
use crate::span::Span;

pub mod docs;
#[cfg(test)]
pub mod testing;

pub mod bake_findings;
pub mod bake_functions;
pub mod bake_syntax;
pub mod bake_targets;
pub mod browsers;
pub mod build_args;
pub mod hcl_edit;
pub mod image_tags;
pub mod ports;
pub mod run_shell;
pub mod source_text;
pub mod stage_walk;
pub mod stages;
pub mod suggest;
pub mod word_spans;
pub mod workflow_cache;

pub mod alpine_postgres;
pub mod cache_mount;
pub mod cache_to_mode_max;
pub mod chromium_skip_arg;
pub mod dockerignore;
pub mod registry_cache;
pub mod retag_job;
pub mod sha_tag;
pub mod test_image_chromium;

pub mod adhoc_test_deps;
pub mod copy_before_install;
pub mod dev_dependencies_in_image;
pub mod multistage_consolidation;
pub mod prebaked_base;
pub mod slow_healthcheck;

pub mod dockerfile_ignored;
pub mod duplicate_tag;
pub mod invalid_spec;
pub mod missing_default_target;
pub mod missing_dockerfile;
pub mod undeclared_build_arg;
pub mod undefined_reference;
pub mod undefined_stage;
pub mod unknown_attribute;
pub mod unused_definition;

pub mod consistent_instruction_casing;
pub mod copy_ignored_file;
pub mod duplicate_stage_name;
pub mod expose_invalid_format;
pub mod expose_proto_casing;
pub mod from_as_casing;
pub mod from_platform_flag_const_disallowed;
pub mod invalid_default_arg_in_from;
pub mod json_args_recommended;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod multiple_instructions_disallowed;
pub mod no_empty_continuation;
pub mod redundant_target_platform;
pub mod reserved_stage_name;
pub mod secrets_used_in_arg_or_env;
pub mod stage_name_casing;
pub mod undefined_arg_in_from;
pub mod undefined_var;
pub mod workdir_relative_path;

// hadolint: rules on FROM, COPY, ADD, USER and other instructions
pub mod add_for_local_files;
pub mod copy_archive_extract;
pub mod copy_from_own_stage;
pub mod copy_from_undefined_alias;
pub mod copy_multi_source_dest;
pub mod copy_paths;
pub mod copy_relative_dest;
pub mod copy_root_filesystem;
pub mod env_same_statement_ref;
pub mod expose_port_range;
pub mod instruction_before_from;
pub mod last_user_root;
pub mod latest_tag;
pub mod ln_bin_sh;
pub mod non_numeric_user;
pub mod onbuild_forbidden;
pub mod untagged_image;
// hadolint: rules on RUN commands
pub mod apt_instead_of_apt_get;
pub mod cd_instead_of_workdir;
pub mod consecutive_runs;
pub mod container_meaningless_commands;
pub mod image_shells;
pub mod pipefail;
pub mod run_commands;
pub mod sudo_in_run;
pub mod useradd_high_uid;
pub mod wget_and_curl;
pub mod wget_progress;
// hadolint: package version pins
pub mod package_pins;
pub mod unpinned_apk_package;
pub mod unpinned_apt_package;
pub mod unpinned_dnf_package;
pub mod unpinned_gem;
pub mod unpinned_go_package;
pub mod unpinned_npm_package;
pub mod unpinned_pip_package;
pub mod unpinned_yum_package;
pub mod unpinned_zypper_package;
// hadolint: install flags and package caches
pub mod apk_no_cache;
pub mod apt_get_assume_yes;
pub mod apt_lists_not_deleted;
pub mod apt_no_install_recommends;
pub mod dnf_assume_yes;
pub mod dnf_clean_all;
pub mod package_caches;
pub mod pip_no_cache_dir;
pub mod yarn_cache_clean;
pub mod yum_assume_yes;
pub mod yum_clean_all;
pub mod zypper_clean;
pub mod zypper_dist_upgrade;
pub mod zypper_non_interactive;
// hadolint: labels, registries and pragmas (configurable)
pub mod empty_label;
pub mod inline_ignore_pragma;
pub mod invalid_label_key;
pub mod label_not_email;
pub mod label_not_git_hash;
pub mod label_not_rfc3339;
pub mod label_not_semver;
pub mod label_not_spdx;
pub mod label_not_url;
pub mod labels;
pub mod missing_healthcheck;
pub mod missing_label;
pub mod superfluous_label;
pub mod untrusted_registry;
// ShellCheck checks on RUN scripts
pub mod shellcheck;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleScope {
    Dockerfile,
    Bake,
    /// CI workflow files (`.github/workflows/*.yml`).
    Workflow,
}

/// The type of a rule option in `[rules.<name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    String,
    StringList,
    Integer,
    Bool,
    /// A string, one of these values (checked when the config is read).
    OneOf(&'static [&'static str]),
}

/// A documented rule option.
#[derive(Debug, Clone, Copy)]
pub struct RuleOption {
    pub name: &'static str,
    pub kind: OptionKind,
}

/// Everything bakelint knows about a rule.
pub struct RuleDef {
    /// Stable code, e.g. `DF001`.
    pub code: &'static str,
    /// kebab-case name, e.g. `stage-name-casing`.
    pub name: &'static str,
    /// Other names the rule answers to: BuildKit's check name (used by
    /// `# check=skip=`), hadolint codes (used by `# hadolint ignore=`).
    pub aliases: &'static [&'static str],
    pub severity: Severity,
    /// One-line description.
    pub summary: &'static str,
    /// The markdown doc (`rules/<CODE>.md`).
    pub doc: &'static str,
    /// The best fix the rule can offer, if any.
    pub fix: Option<Applicability>,
    pub scope: RuleScope,
    pub options: &'static [RuleOption],
    pub check: CheckFn,
}

/// How a rule inspects its input.
#[derive(Clone, Copy)]
pub enum CheckFn {
    Dockerfile(fn(&DockerfileContext<'_>, &mut Vec<Diagnostic>)),
    /// A rule on an evaluated bake definition.
    Bake(fn(&BakeContext<'_>, &mut Vec<Diagnostic>)),
    /// Reported by the bake loader itself (BK000), not by a check.
    BakeLoader,
    /// A rule that looks at Dockerfiles and at bake definitions (e.g. image
    /// references in FROM and in bake `contexts`).
    DockerfileAndBake(
        fn(&DockerfileContext<'_>, &mut Vec<Diagnostic>),
        fn(&BakeContext<'_>, &mut Vec<Diagnostic>),
    ),
    /// A rule on a GitHub Actions workflow.
    Workflow(fn(&WorkflowContext<'_>, &mut Vec<Diagnostic>)),
    /// A rule on Dockerfiles and workflows (BP012: ad-hoc installs in a
    /// RUN and in a workflow step).
    DockerfileAndWorkflow(
        fn(&DockerfileContext<'_>, &mut Vec<Diagnostic>),
        fn(&WorkflowContext<'_>, &mut Vec<Diagnostic>),
    ),
    /// A rule on bake definitions (compose files included) and workflows.
    BakeAndWorkflow(
        fn(&BakeContext<'_>, &mut Vec<Diagnostic>),
        fn(&WorkflowContext<'_>, &mut Vec<Diagnostic>),
    ),
    /// A rule on Dockerfiles, bake definitions and workflows (image
    /// references wherever they are written).
    DockerfileBakeAndWorkflow(
        fn(&DockerfileContext<'_>, &mut Vec<Diagnostic>),
        fn(&BakeContext<'_>, &mut Vec<Diagnostic>),
        fn(&WorkflowContext<'_>, &mut Vec<Diagnostic>),
    ),
}

impl std::fmt::Debug for RuleDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleDef").field("code", &self.code).finish()
    }
}

impl RuleDef {
    /// The Dockerfile check, if the rule has one.
    pub fn dockerfile_check(&self) -> Option<fn(&DockerfileContext<'_>, &mut Vec<Diagnostic>)> {
        match self.check {
            CheckFn::Dockerfile(f)
            | CheckFn::DockerfileAndBake(f, _)
            | CheckFn::DockerfileAndWorkflow(f, _)
            | CheckFn::DockerfileBakeAndWorkflow(f, _, _) => Some(f),
            CheckFn::Bake(_)
            | CheckFn::BakeLoader
            | CheckFn::Workflow(_)
            | CheckFn::BakeAndWorkflow(_, _) => None,
        }
    }

    /// The bake check, if the rule has one.
    pub fn bake_check(&self) -> Option<fn(&BakeContext<'_>, &mut Vec<Diagnostic>)> {
        match self.check {
            CheckFn::Bake(f)
            | CheckFn::BakeAndWorkflow(f, _)
            | CheckFn::DockerfileAndBake(_, f)
            | CheckFn::DockerfileBakeAndWorkflow(_, f, _) => Some(f),
            CheckFn::Dockerfile(_)
            | CheckFn::BakeLoader
            | CheckFn::Workflow(_)
            | CheckFn::DockerfileAndWorkflow(_, _) => None,
        }
    }

    /// The workflow check, if the rule has one.
    pub fn workflow_check(&self) -> Option<fn(&WorkflowContext<'_>, &mut Vec<Diagnostic>)> {
        match self.check {
            CheckFn::Workflow(f)
            | CheckFn::BakeAndWorkflow(_, f)
            | CheckFn::DockerfileAndWorkflow(_, f)
            | CheckFn::DockerfileBakeAndWorkflow(_, _, f) => Some(f),
            _ => None,
        }
    }

    /// Whether `selector` (a code, code prefix, name or alias) names this rule.
    pub fn matches(&self, selector: &str) -> bool {
        let s = selector.trim();
        if s.eq_ignore_ascii_case("ALL") {
            return true;
        }
        let upper = s.to_ascii_uppercase();
        (!upper.is_empty() && self.code.starts_with(&upper))
            || self.name.eq_ignore_ascii_case(s)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(s))
    }

    /// Whether `name` is exactly this rule's code, name or one of its aliases.
    pub fn is_named(&self, name: &str) -> bool {
        let n = name.trim();
        self.code.eq_ignore_ascii_case(n)
            || self.name.eq_ignore_ascii_case(n)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
    }
}

/// What a build definition tells a Dockerfile rule (from a bake target).
#[derive(Debug, Clone, Default)]
pub struct BuildInfo {
    /// Build args passed by the build definition (count as declared).
    pub args: BTreeMap<String, String>,
    /// The stage the build targets, if not the last.
    pub target: Option<String>,
    /// Every stage the bake targets that build this Dockerfile target (`None`:
    /// the last stage); empty when not known (then `target` says).
    pub target_stages: Vec<Option<String>>,
    /// The build context directory, for `.dockerignore`.
    pub context: Option<std::path::PathBuf>,
    /// The directory the bake set's paths resolve against (where `docker
    /// buildx bake` runs): outside any repository bakelint can see, the
    /// context that is this directory stands for the repository root.
    pub bake_base: Option<std::path::PathBuf>,
    /// Files that exist in memory only (created or edited by the fix loop),
    /// by normalised path: rules that look for files see them too.
    pub virtual_files: std::sync::Arc<std::collections::BTreeSet<std::path::PathBuf>>,
    /// The current text of the files the fix loop holds in memory, by
    /// normalised path (see [`DockerfileContext::read_file`]).
    pub virtual_texts: std::sync::Arc<BTreeMap<std::path::PathBuf, String>>,
    /// Whether a bake target builds this Dockerfile (rules that also look at
    /// the bake definition report such files from their bake check).
    pub from_bake: bool,
    /// What the bake targets building this Dockerfile call the image: their
    /// names and tags (BP004 leaves an image whose name says it is a
    /// browser alone).
    pub image_names: Vec<String>,
    /// The names the bake targets building this Dockerfile give named
    /// contexts (`contexts = { base = "docker-image://..." }`): buildx
    /// resolves `FROM base` and `COPY --from=base` to that context, so such
    /// a reference is neither an untagged image nor an undefined stage.
    pub named_contexts: std::collections::BTreeSet<String>,
    /// Whether the lint run loaded a bake definition. A Dockerfile that no
    /// target of it builds is not part of the build (often a file a
    /// consolidation left behind): restructuring it saves no CI time.
    pub in_bake_project: bool,
}

impl BuildInfo {
    /// Whether a bake target building this Dockerfile names a context
    /// `reference` (a `FROM` image or a `COPY --from` value).
    pub fn is_named_context(&self, reference: &str) -> bool {
        self.named_contexts.contains(reference)
    }

    /// A Dockerfile in a bake project that no target builds (often a file a
    /// BP009 consolidation left behind): its build context is unknown, and
    /// changing its build saves no CI time.
    pub fn unbuilt_in_bake_project(&self) -> bool {
        self.in_bake_project && !self.from_bake
    }
}

/// Options for one rule, from `[rules.<name>]`.
pub type RuleOptions = toml::Table;

/// The input of a Dockerfile rule.
pub struct DockerfileContext<'a> {
    pub path: &'a Path,
    pub dockerfile: &'a Dockerfile,
    pub rule: &'static RuleDef,
    pub options: &'a RuleOptions,
    pub build: &'a BuildInfo,
}

impl DockerfileContext<'_> {
    /// A diagnostic of this rule at `span` with its default severity.
    pub fn diagnostic(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.rule.severity,
            file: self.path.to_path_buf(),
            span,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            fix: None,
        }
    }

    pub fn source(&self) -> &str {
        &self.dockerfile.source
    }

    /// Whether `path` exists, counting files the fix loop holds in memory.
    pub fn file_exists(&self, path: &Path) -> bool {
        self.build
            .virtual_files
            .contains(&crate::workspace::normalize(path))
            || path.is_file()
    }

    /// The text of `path` as the fix loop sees it: its in-memory version when
    /// another fix changed or created it in this run, else the file on disk.
    /// Rules that edit files other than the Dockerfile (a requirements file)
    /// must read them through here so their edits apply to the current text.
    pub fn read_file(&self, path: &Path) -> Option<String> {
        match self
            .build
            .virtual_texts
            .get(&crate::workspace::normalize(path))
        {
            Some(text) => Some(text.clone()),
            None => crate::fsread::read_text(path).ok(),
        }
    }

    pub fn option_str(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_str())
    }

    pub fn option_int(&self, name: &str) -> Option<i64> {
        self.options.get(name).and_then(|v| v.as_integer())
    }

    pub fn option_bool(&self, name: &str) -> Option<bool> {
        self.options.get(name).and_then(|v| v.as_bool())
    }

    pub fn option_str_list(&self, name: &str) -> Option<Vec<String>> {
        self.options.get(name).and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }
}

/// The input of a bake rule: one evaluated bake definition.
pub struct BakeContext<'a> {
    pub project: &'a crate::bake::BakeProject,
    pub rule: &'static RuleDef,
    pub options: &'a RuleOptions,
    /// The parsed Dockerfiles the definition's targets build, by normalised path
    /// (`crate::workspace::normalize`).
    pub dockerfiles: &'a BTreeMap<std::path::PathBuf, std::sync::Arc<Dockerfile>>,
    /// Files that exist in memory only (see [`BuildInfo::virtual_files`]).
    pub virtual_files: &'a std::collections::BTreeSet<std::path::PathBuf>,
    /// The directories being linted (the working directory when only files
    /// were named): what "the project" is, for rules that tell its own bake
    /// files from the demos and test fixtures inside it.
    pub lint_roots: &'a [std::path::PathBuf],
    /// The CI workflow builds of this definition (empty when no workflow
    /// builds it): what they override of its targets
    /// ([`crate::pipeline::links::CiBuilds`]). A value CI replaces for a
    /// target is judged where the workflow sets it, not in the bake file.
    pub ci: &'a crate::pipeline::links::CiBuilds<'a>,
}

impl BakeContext<'_> {
    /// A diagnostic of this rule in `file` at `span` with its default severity.
    pub fn diagnostic(&self, file: &Path, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.rule.severity,
            file: file.to_path_buf(),
            span,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            fix: None,
        }
    }

    /// Whether `path` exists, counting files the fix loop holds in memory.
    pub fn file_exists(&self, path: &Path) -> bool {
        self.virtual_files
            .contains(&crate::workspace::normalize(path))
            || path.is_file()
    }

    /// The text of a loaded bake file.
    pub fn file_text(&self, file: &Path) -> Option<&str> {
        self.project.file_text(file)
    }

    /// The parsed Dockerfile at `path`, if a target builds it and it could be read.
    pub fn dockerfile(&self, path: &Path) -> Option<&Dockerfile> {
        self.dockerfiles
            .get(&crate::workspace::normalize(path))
            .map(|d| d.as_ref())
    }

    pub fn option_str(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_str())
    }

    pub fn option_str_list(&self, name: &str) -> Option<Vec<String>> {
        self.options.get(name).and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }
}

/// The input of a workflow rule: one GitHub Actions workflow file.
pub struct WorkflowContext<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub workflow: &'a crate::pipeline::workflow::Workflow,
    /// The bake definitions loaded in this lint (with the map from their
    /// loader paths back to the paths the user gave): what the workflow's
    /// bake steps build.
    pub bake: &'a [crate::workspace::LoadedSet],
    /// The workflow's links: the builds its jobs run (resolved to `bake`,
    /// evaluated with their `set:` overrides), the images its jobs use, the
    /// `needs:` graph ([`crate::pipeline::links::WorkflowLinks`]).
    pub links: &'a crate::pipeline::links::WorkflowLinks,
    pub rule: &'static RuleDef,
    pub options: &'a RuleOptions,
    /// The files the fix loop holds in memory (path → current text): rules
    /// that read or edit other files (a Dockerfile, a requirements file)
    /// read them through [`WorkflowContext::read_file`].
    pub overlay: &'a BTreeMap<std::path::PathBuf, String>,
}

impl WorkflowContext<'_> {
    /// The text of `path` as the fix loop sees it: its in-memory version when
    /// a fix changed or created it in this run, else the file on disk.
    pub fn read_file(&self, path: &Path) -> Option<String> {
        if let Some(text) = self.overlay.get(path) {
            return Some(text.clone());
        }
        let normal = crate::workspace::normalize(path);
        let in_memory = self
            .overlay
            .iter()
            .find(|(p, _)| crate::workspace::normalize(p) == normal);
        match in_memory {
            Some((_, text)) => Some(text.clone()),
            None => crate::fsread::read_text(path).ok(),
        }
    }

    /// A diagnostic of this rule at `span` with its default severity.
    pub fn diagnostic(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.rule.severity,
            file: self.path.to_path_buf(),
            span,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            fix: None,
        }
    }

    pub fn option_str_list(&self, name: &str) -> Option<Vec<String>> {
        self.options.get(name).and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }
}

/// Bake files that cannot be loaded or evaluated.
pub static BK000: RuleDef = RuleDef {
    code: "BK000",
    name: "bake-error",
    aliases: &[],
    severity: Severity::Error,
    summary: "The bake definition cannot be parsed or evaluated",
    doc: include_str!("../../rules/BK000.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::BakeLoader,
};

/// The parse-error pseudo rule for Dockerfiles.
pub static DF000: RuleDef = RuleDef {
    code: "DF000",
    name: "syntax-error",
    aliases: &[],
    severity: Severity::Error,
    summary: "The Dockerfile cannot be parsed",
    doc: include_str!("../../rules/DF000.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check_syntax),
};

/// One error per file, the first in the file, as `docker build` stops at
/// it; the rest of the file is still linted by the other rules.
fn check_syntax(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let errors = &ctx.dockerfile.errors;
    let Some(first) = errors.iter().min_by_key(|e| e.span.start) else {
        return;
    };
    let mut diag = ctx.diagnostic(first.span, first.message.clone());
    if errors.len() > 1 {
        let more = errors.len() - 1;
        let noun = if more == 1 { "problem" } else { "problems" };
        diag = diag.with_help(format!(
            "BuildKit stops at this error; {more} more syntax {noun} may follow in this file"
        ));
    }
    out.push(diag);
}

/// Every rule, in code order.
pub static RULES: &[&RuleDef] = &[
    &DF000,
    &stage_name_casing::RULE,
    &from_as_casing::RULE,
    &no_empty_continuation::RULE,
    &consistent_instruction_casing::RULE,
    &duplicate_stage_name::RULE,
    &reserved_stage_name::RULE,
    &json_args_recommended::RULE,
    &maintainer_deprecated::RULE,
    &undefined_arg_in_from::RULE,
    &workdir_relative_path::RULE,
    &undefined_var::RULE,
    &multiple_instructions_disallowed::RULE,
    &legacy_key_value_format::RULE,
    &redundant_target_platform::RULE,
    &secrets_used_in_arg_or_env::RULE,
    &invalid_default_arg_in_from::RULE,
    &from_platform_flag_const_disallowed::RULE,
    &expose_proto_casing::RULE,
    &expose_invalid_format::RULE,
    &copy_ignored_file::RULE,
    &BK000,
    &unknown_attribute::RULE,
    &undefined_reference::RULE,
    &missing_dockerfile::RULE,
    &undefined_stage::RULE,
    &undeclared_build_arg::RULE,
    &dockerfile_ignored::RULE,
    &invalid_spec::RULE,
    &duplicate_tag::RULE,
    &unused_definition::RULE,
    &missing_default_target::RULE,
    &sha_tag::RULE,
    &registry_cache::RULE,
    &cache_to_mode_max::RULE,
    &chromium_skip_arg::RULE,
    &test_image_chromium::RULE,
    &alpine_postgres::RULE,
    &cache_mount::RULE,
    &dockerignore::RULE,
    &multistage_consolidation::RULE,
    &prebaked_base::RULE,
    &copy_before_install::RULE,
    &adhoc_test_deps::RULE,
    &retag_job::RULE,
    &slow_healthcheck::RULE,
    &dev_dependencies_in_image::RULE,
    // hadolint: rules on FROM, COPY, ADD, USER and other instructions
    &last_user_root::RULE,
    &untagged_image::RULE,
    &latest_tag::RULE,
    &copy_archive_extract::RULE,
    &expose_port_range::RULE,
    &add_for_local_files::RULE,
    &copy_multi_source_dest::RULE,
    &copy_from_undefined_alias::RULE,
    &copy_from_own_stage::RULE,
    &onbuild_forbidden::RULE,
    &env_same_statement_ref::RULE,
    &copy_relative_dest::RULE,
    &instruction_before_from::RULE,
    &non_numeric_user::RULE,
    &copy_root_filesystem::RULE,
    &ln_bin_sh::RULE,
    // hadolint: rules on RUN commands
    &pipefail::RULE,
    &cd_instead_of_workdir::RULE,
    &wget_progress::RULE,
    &consecutive_runs::RULE,
    &container_meaningless_commands::RULE,
    &sudo_in_run::RULE,
    &useradd_high_uid::RULE,
    &wget_and_curl::RULE,
    &apt_instead_of_apt_get::RULE,
    // hadolint: package version pins
    &unpinned_apt_package::RULE,
    &unpinned_apk_package::RULE,
    &unpinned_pip_package::RULE,
    &unpinned_npm_package::RULE,
    &unpinned_gem::RULE,
    &unpinned_yum_package::RULE,
    &unpinned_zypper_package::RULE,
    &unpinned_dnf_package::RULE,
    &unpinned_go_package::RULE,
    // hadolint: install flags and package caches
    &apt_lists_not_deleted::RULE,
    &apt_get_assume_yes::RULE,
    &apt_no_install_recommends::RULE,
    &apk_no_cache::RULE,
    &yum_assume_yes::RULE,
    &yum_clean_all::RULE,
    &zypper_non_interactive::RULE,
    &zypper_dist_upgrade::RULE,
    &zypper_clean::RULE,
    &dnf_assume_yes::RULE,
    &dnf_clean_all::RULE,
    &pip_no_cache_dir::RULE,
    &yarn_cache_clean::RULE,
    // hadolint: labels, registries and pragmas (configurable)
    &inline_ignore_pragma::RULE,
    &untrusted_registry::RULE,
    &invalid_label_key::RULE,
    &missing_label::RULE,
    &superfluous_label::RULE,
    &empty_label::RULE,
    &label_not_url::RULE,
    &label_not_rfc3339::RULE,
    &label_not_spdx::RULE,
    &label_not_git_hash::RULE,
    &label_not_semver::RULE,
    &missing_healthcheck::RULE,
    &label_not_email::RULE,
    // ShellCheck checks on RUN scripts
    &shellcheck::sc1007::RULE,
    &shellcheck::sc2006::RULE,
    &shellcheck::sc2012::RULE,
    &shellcheck::sc2016::RULE,
    &shellcheck::sc2028::RULE,
    &shellcheck::sc2035::RULE,
    &shellcheck::sc2038::RULE,
    &shellcheck::sc2043::RULE,
    &shellcheck::sc2046::RULE,
    &shellcheck::sc2059::RULE,
    &shellcheck::sc2086::RULE,
    &shellcheck::sc2091::RULE,
    &shellcheck::sc2102::RULE,
    &shellcheck::posix_sh::FUNCTION_KEYWORD,
    &shellcheck::sc2154::MISSPELLING,
    &shellcheck::sc2154::RULE,
    &shellcheck::sc2155::RULE,
    &shellcheck::sc2185::RULE,
    &shellcheck::sc2196::RULE,
    &shellcheck::sc2197::RULE,
    &shellcheck::sc2251::RULE,
    &shellcheck::posix_sh::PROCESS_SUBSTITUTION,
    &shellcheck::posix_sh::ANSI_C_QUOTING,
    &shellcheck::posix_sh::ARITHMETIC_FOR,
    &shellcheck::posix_sh::STANDALONE_ARITHMETIC,
    &shellcheck::posix_sh::BRACE_EXPANSION,
    &shellcheck::posix_sh::DOUBLE_BRACKET,
    &shellcheck::posix_sh::HERE_STRING,
    &shellcheck::posix_sh::DOUBLE_EQUALS_TEST,
    &shellcheck::posix_sh::INCREMENT,
    &shellcheck::posix_sh::EXPONENT,
    &shellcheck::posix_sh::AMPERSAND_REDIRECT,
    &shellcheck::posix_sh::APPEND_ASSIGNMENT,
    &shellcheck::posix_sh::BASH_VARIABLE,
    &shellcheck::posix_sh::ARRAYS,
    &shellcheck::posix_sh::ECHO_FLAGS,
    &shellcheck::posix_sh::LET,
    &shellcheck::posix_sh::SET_OPTION,
    &shellcheck::posix_sh::LOCAL,
    &shellcheck::posix_sh::BASH_BUILTIN,
    &shellcheck::posix_sh::READ_FLAGS,
    &shellcheck::posix_sh::SOURCE,
    &shellcheck::posix_sh::TRAP_ERR,
    &shellcheck::posix_sh::PRINTF_Q,
    &shellcheck::posix_sh::INDIRECT_EXPANSION,
    &shellcheck::posix_sh::STRING_INDEXING,
    &shellcheck::posix_sh::CASE_MODIFICATION,
    &shellcheck::posix_sh::STRING_REPLACEMENT,
];

/// Looks a rule up by code, name or alias.
pub fn find(name: &str) -> Option<&'static RuleDef> {
    // Findings carry their rule's code: those are looked up in a map (made
    // of this function's own answers), the rest by a search.
    static BY_CODE: std::sync::OnceLock<HashMap<&'static str, &'static RuleDef>> =
        std::sync::OnceLock::new();
    let by_code = BY_CODE.get_or_init(|| {
        RULES
            .iter()
            .filter_map(|r| Some((r.code, search(r.code)?)))
            .collect()
    });
    by_code.get(name).copied().or_else(|| search(name))
}

fn search(name: &str) -> Option<&'static RuleDef> {
    RULES.iter().copied().find(|r| r.is_named(name))
}

/// The closest rule name/code to `name`, for did-you-mean messages.
pub fn suggest(name: &str) -> Option<&'static str> {
    let mut best: Option<(f64, &'static str)> = None;
    for rule in RULES {
        for cand in [rule.code, rule.name].iter().chain(rule.aliases.iter()) {
            let score =
                strsim::jaro_winkler(&name.to_ascii_lowercase(), &cand.to_ascii_lowercase());
            if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, cand));
            }
        }
    }
    best.map(|(_, c)| c)
}
