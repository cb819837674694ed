//! BP001 `sha-tag`: a built target whose tags do not carry the commit SHA.
//!
//! A tag carries the SHA when its expression depends on a SHA variable (a
//! name that spells a commit: `GITHUB_SHA`, `git_sha`, `COMMIT`,
//! `REVISION`..., or one of option `sha-variables`) or when its tag part is
//! a literal 7–40 hex digits. Only tags a push could publish count: not
//! local names (`app:dev`, `localhost:5000/app`, `:local`), not targets
//! whose outputs push nothing, not tags CI writes (a
//! `docker-metadata-action` target the bake-action overrides), not demo or
//! test bake files, not targets a CI workflow build tags with the commit
//! (`set: *.tags=…:${{ github.sha }}`) or whose tags it replaces (see
//! [`crate::pipeline::links::CiBuilds`]). The finding points at the `tags` expression (in the
//! parent block when inherited); one finding per expression, naming every
//! target that shares it (inheritance, matrix).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::workspace::normalize;

use crate::bake::eval::parse_go_bool;
use crate::bake::{BakeProject, Resolved, Target};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_findings::BySource;
use crate::rules::{bake_findings, bake_functions, bake_targets, hcl_edit, image_tags};
use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BP001",
    name: "sha-tag",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A target's tags do not carry the commit SHA",
    doc: include_str!("../../rules/BP001.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "sha-variables",
            kind: OptionKind::StringList,
        },
        RuleOption {
            name: "variable",
            kind: OptionKind::String,
        },
        RuleOption {
            name: "ci-tag-targets",
            kind: OptionKind::StringList,
        },
    ],
    check: CheckFn::Bake(check),
};

/// The variables CI systems (and common conventions) put the commit SHA in.
pub const DEFAULT_SHA_VARIABLES: &[&str] = &[
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "CI_COMMIT_SHORT_SHA",
    "GIT_SHA",
    "GIT_COMMIT",
    "COMMIT_SHA",
    "SHA",
    "BUILDKITE_COMMIT",
    "CIRCLE_SHA1",
];

/// Words of a variable name that say it holds the commit (`GIT_SHA`,
/// `IMAGE_SHA_TAG`, `COMMIT`, `REVISION`, `gitRev`).
const SHA_WORDS: &[&str] = &[
    "sha", "sha1", "shortsha", "gitsha", "githash", "commit", "revision", "rev",
];

/// Words that make a commit-ish name about something else than its hash
/// (`COMMIT_MESSAGE`, `COMMIT_DATE`).
const NOT_SHA_WORDS: &[&str] = &[
    "message",
    "msg",
    "author",
    "date",
    "time",
    "timestamp",
    "count",
    "url",
    "branch",
    "title",
];

/// The words of a variable name, lower-cased: split at anything but a
/// letter or digit, and where a lower-case letter or digit meets an
/// upper-case one (`gitSha` → `git`, `sha`).
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    words.push(current);
    words.retain(|w| !w.is_empty());
    words
}

/// Whether a variable name spells a commit SHA, in any of the usual ways
/// (`GITHUB_SHA`, `CI_COMMIT_SHA`, `git_sha`, `IMAGE_SHA_TAG`, `COMMIT`,
/// `REVISION`, `GIT_HASH`).
pub fn names_a_commit(name: &str) -> bool {
    let words = name_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    let commit = SHA_WORDS.iter().any(|w| has(w)) || (has("hash") && has("git"));
    commit && !NOT_SHA_WORDS.iter().any(|w| has(w))
}

/// Targets whose tags CI writes: `docker/metadata-action` generates a bake
/// file defining this target's tags, and the bake-action loads it over the
/// project's (its default `bake-target`, and the name older docs used).
pub const DEFAULT_CI_TAG_TARGETS: &[&str] = &["docker-metadata-action", "meta-helper"];

/// Directories whose bake files are demos or test fixtures, not a pipeline.
const DEMO_DIRS: &[&str] = &[
    "test", "tests", "testdata", "e2e", "fixture", "fixtures", "example", "examples", "demo",
    "demos", "sample", "samples",
];

/// Whether a bake file lives in a demo or test directory of the project
/// being linted (below the lint root that holds it: linting an example
/// project itself finds its problems).
fn is_demo_file(file: &Path, lint_roots: &[PathBuf]) -> bool {
    let absolute =
        |p: &Path| normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let file = absolute(file);
    let Some(relative) = lint_roots
        .iter()
        .filter_map(|root| file.strip_prefix(absolute(root)).ok())
        .min_by_key(|rest| rest.components().count())
    else {
        return false;
    };
    let Some(dir) = relative.parent() else {
        return false;
    };
    dir.components().any(|c| match c {
        Component::Normal(name) => name
            .to_str()
            .is_some_and(|n| DEMO_DIRS.iter().any(|d| n.eq_ignore_ascii_case(d))),
        _ => false,
    })
}

/// The variable the fix declares and tags with, unless option `variable` says otherwise.
pub const DEFAULT_VARIABLE: &str = "GITHUB_SHA";

/// The default the fix gives a newly declared SHA variable (local builds).
const LOCAL_DEFAULT: &str = "dev";

/// The shortest and longest hex run taken for a literal commit SHA tag.
const SHA_HEX_LEN: std::ops::RangeInclusive<usize> = 7..=40;

fn is_literal_sha(tag: &str) -> bool {
    SHA_HEX_LEN.contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What makes a tag carry the SHA in this project.
struct ShaSources<'a> {
    variables: &'a BTreeSet<String>,
    /// User functions whose result uses a SHA variable.
    functions: BTreeSet<String>,
}

fn carries_sha(ctx: &BakeContext<'_>, tag: &Resolved, sha: &ShaSources<'_>) -> bool {
    if tag
        .origin
        .variables
        .iter()
        .any(|v| sha.variables.contains(v))
    {
        return true;
    }
    let calls_sha_function = ctx
        .file_text(&tag.origin.file)
        .and_then(|t| hcl_edit::slice(t, tag.origin.span))
        .is_some_and(|src| bake_functions::calls_any(src, &sha.functions));
    if calls_sha_function {
        return true;
    }
    tag.as_str()
        .and_then(|t| image_tags::split_repository(t).1)
        .is_some_and(is_literal_sha)
}

/// Whether a variable has no value of its own: declared without a default
/// or with `""` / `null`, so CI must pass one (`VERSION=${{ github.ref_name }}
/// docker buildx bake`).
fn supplied_by_ci(ctx: &BakeContext<'_>, variable: &crate::bake::Variable) -> bool {
    let Some(default) = &variable.default else {
        return !variable.is_attribute;
    };
    ctx.file_text(&default.file)
        .and_then(|t| hcl_edit::slice(t, default.span))
        .is_some_and(|d| matches!(d.trim(), "\"\"" | "null"))
}

/// Whether the tag part of a tag comes from a variable CI must supply: an
/// identifier of the build bakelint cannot see (a release version, maybe
/// the SHA itself), not a moving name like `latest`.
fn tag_supplied_by_ci(ctx: &BakeContext<'_>, tag: &Resolved) -> bool {
    let Some((_, body)) = ctx
        .file_text(&tag.origin.file)
        .and_then(|t| hcl_edit::quoted_literal(t, tag.origin.span))
    else {
        return false;
    };
    let Some(tag_part) = image_tags::split_repository(body).1 else {
        return false;
    };
    image_tags::interpolations(tag_part)
        .into_iter()
        .flatten()
        .any(|name| {
            ctx.project
                .variables()
                .get(name)
                .is_some_and(|v| supplied_by_ci(ctx, v))
        })
}

/// Outputs that push nothing to a registry (files, an OCI layout, the
/// build cache only, the local image store): a SHA tag there has no later
/// job to serve. `type=image` pushes only with `push=true`.
const NON_PUSHED_OUTPUTS: &[&str] = &["local", "tar", "oci", "cacheonly", "docker"];

/// Whether an output entry pushes to a registry (`push` read as Go's
/// `strconv.ParseBool` reads it, as buildx does).
fn output_pushes(output: &crate::bake::Entry) -> bool {
    let push = || {
        output
            .attrs
            .get("push")
            .is_some_and(|v| parse_go_bool(v.trim()) == Some(true))
    };
    match output.typ.as_str() {
        "image" => push(),
        t => !NON_PUSHED_OUTPUTS.contains(&t),
    }
}

/// Whether the target may push the image its tags name: not a `call` other
/// than `build` (checks, outlines), and not only outputs that push nothing
/// (`--push` adds a registry output at build time, so no outputs counts).
fn pushes_image(target: &Target) -> bool {
    let call = target
        .attr("call")
        .and_then(|c| c.as_str())
        .unwrap_or("build");
    if !call.is_empty() && !call.eq_ignore_ascii_case("build") {
        return false;
    }
    let outputs = target.outputs();
    outputs.is_empty() || outputs.iter().any(output_pushes)
}

/// Whether the tags come from a target CI writes the tags of.
fn tags_written_by_ci(target: &Target, tags: &Resolved, ci_targets: &BTreeSet<String>) -> bool {
    let defining = tags.origin.inherited_from.last().unwrap_or(&target.name);
    ci_targets.contains(defining)
}

/// Whether a tag can be published: it resolves to a name a push could send
/// to a registry (see [`image_tags::is_local_only`]).
fn publishable(tag: &Resolved) -> bool {
    tag.as_str().is_some_and(|t| !image_tags::is_local_only(t))
}

/// A compose service's `image:` names the image `docker compose up` runs
/// and builds locally; unless a workflow builds that service (a bake step
/// that loads the compose file), no registry ever sees it, and a commit tag
/// would mean nothing there.
fn compose_image_not_built_in_ci(ctx: &BakeContext<'_>, target: &Target, file: &Path) -> bool {
    let from_compose = ctx
        .project
        .files()
        .iter()
        .any(|f| f.kind == crate::bake::FileKind::Compose && f.path == file);
    from_compose && ctx.ci.building(&target.name).next().is_none()
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut sha_variables: BTreeSet<String> = ctx
        .option_str_list("sha-variables")
        .unwrap_or_else(|| {
            DEFAULT_SHA_VARIABLES
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .into_iter()
        .collect();
    // Every declared variable whose name spells a commit.
    sha_variables.extend(
        ctx.project
            .variables()
            .keys()
            .filter(|name| names_a_commit(name))
            .cloned(),
    );
    // The variable the fix tags with always counts, so the fix converges.
    let variable = sha_variable(ctx, &sha_variables);
    sha_variables.insert(variable.clone());
    let sha = ShaSources {
        variables: &sha_variables,
        functions: bake_functions::functions_using(ctx.project, &sha_variables),
    };
    let ci_targets: BTreeSet<String> = ctx
        .option_str_list("ci-tag-targets")
        .unwrap_or_else(|| {
            DEFAULT_CI_TAG_TARGETS
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .into_iter()
        .collect();
    let mut by_source: BySource<&Target> = BySource::default();
    for target in bake_targets::concrete_targets(ctx.project) {
        if !pushes_image(target) {
            continue;
        }
        // A CI build that tags the target with the commit (`set:
        // *.tags=…:${{ github.sha }}`), or replaces its tags, decides.
        if ctx.ci.tags_with_sha(&target.name) || ctx.ci.replaces(&target.name, "tags") {
            continue;
        }
        let Some(tags) = target.attr("tags") else {
            continue;
        };
        if tags.elements.is_empty()
            || tags.origin.is_override()
            || compose_image_not_built_in_ci(ctx, target, &tags.origin.file)
            || tags_written_by_ci(target, tags, &ci_targets)
            || is_demo_file(&target.cwd.join(&tags.origin.file), ctx.lint_roots)
        {
            continue;
        }
        if !tags.elements.iter().any(publishable) {
            continue;
        }
        if tags
            .elements
            .iter()
            .any(|t| carries_sha(ctx, t, &sha) || tag_supplied_by_ci(ctx, t))
        {
            continue;
        }
        by_source.push(bake_findings::source_key(&tags.origin), target);
    }
    for ((file, span), targets) in by_source.into_groups() {
        let Some(first) = targets.first() else {
            continue;
        };
        let Some(tags) = first.attr("tags") else {
            continue;
        };
        let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
        let subject = bake_findings::targets_subject(&names);
        let inherited = tags
            .origin
            .inherited_from
            .last()
            .map(|parent| format!(" (tags inherited from \"{parent}\")"))
            .unwrap_or_default();
        let repository = tags
            .elements
            .first()
            .and_then(|t| t.as_str())
            .map(|t| image_tags::split_repository(t).0.to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "<repository>".to_string());
        let mut d = ctx
            .diagnostic(
                &file,
                span,
                format!("{subject}: no tag carries the commit SHA{inherited}"),
            )
            .with_help(format!(
                "tag the image with the commit once, at build time (e.g. `{repository}:${{{variable}}}`).\n\
                 Later jobs then promote that exact image instead of re-tagging it after the tests \
                 (about 5 minutes per CI run)."
            ));
        if let Some(fix) = fix(ctx.project, tags, &variable) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
}

/// The variable to tag with: option `variable`, else an already declared
/// SHA variable, else [`DEFAULT_VARIABLE`].
fn sha_variable(ctx: &BakeContext<'_>, sha_variables: &BTreeSet<String>) -> String {
    if let Some(v) = ctx.option_str("variable").filter(|v| !v.trim().is_empty()) {
        return v.trim().to_string();
    }
    if ctx.project.variables().contains_key(DEFAULT_VARIABLE) {
        return DEFAULT_VARIABLE.to_string();
    }
    // A declared SHA variable (the well-known names in their order first).
    let declared =
        |name: &&str| sha_variables.contains(*name) && ctx.project.variables().contains_key(*name);
    DEFAULT_SHA_VARIABLES
        .iter()
        .copied()
        .find(declared)
        .or_else(|| sha_variables.iter().map(String::as_str).find(declared))
        .unwrap_or(DEFAULT_VARIABLE)
        .to_string()
}

/// Adds `<repository>:${VAR}` per distinct repository (written as the
/// existing tag writes it) and declares the variable when missing. Edits
/// are in the project's (loader) paths. BP013 reuses it for the targets
/// whose re-tag job it deletes.
pub(crate) fn fix(project: &BakeProject, tags: &Resolved, variable: &str) -> Option<Fix> {
    let file = &tags.origin.file;
    let text = project.file_text(file)?;
    let last = tags.elements.last()?;
    if last.origin.file != *file {
        return None;
    }
    let mut repositories: Vec<String> = Vec::new();
    for tag in &tags.elements {
        let tag_text = project.file_text(&tag.origin.file);
        if let Some(repo) = image_tags::repository_source(tag_text, tag) {
            if !repositories.contains(&repo) {
                repositories.push(repo);
            }
        }
    }
    if repositories.is_empty() {
        return None;
    }
    let json = hcl_edit::is_json(file);
    let mut edits = Vec::new();
    if !project.variables().contains_key(variable) {
        if json {
            let (offset, content) =
                hcl_edit::json_variable_insertion(text, variable, LOCAL_DEFAULT)?;
            edits.push(Edit::insert(file.clone(), offset, content));
        } else {
            let (offset, after_block) = hcl_edit::variable_insertion(project, file)?;
            edits.push(Edit::insert(
                file.clone(),
                offset,
                hcl_edit::variable_block(variable, LOCAL_DEFAULT, after_block),
            ));
        }
    }
    let elements: Vec<String> = repositories
        .iter()
        .map(|repo| format!("\"{repo}:${{{variable}}}\""))
        .collect();
    let (offset, content) =
        hcl_edit::list_append(text, tags.origin.span, last.origin.span.end, &elements)?;
    edits.push(Edit::insert(file.clone(), offset, content));
    let added: Vec<String> = repositories
        .iter()
        .map(|r| format!("{r}:${{{variable}}}"))
        .collect();
    Some(Fix::safe(
        format!("add the tag(s) {}", bake_findings::quoted_list(&added)),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::bake::lint;

    #[test]
    fn an_escaped_interpolation_is_not_a_ci_input() {
        // `$${VERSION}` is the literal text `${VERSION}`: no variable CI
        // supplies, so nothing carries the SHA.
        let bake = |tag: &str| {
            format!(
                "variable \"VERSION\" {{}}\n\ntarget \"app\" {{\n  tags = [\"ghcr.io/acme/app:{tag}\"]\n}}\n"
            )
        };
        let l = lint(&RULE, &[("docker-bake.hcl", &bake("$${VERSION}"))]);
        assert_eq!(l.diagnostics.len(), 1, "{:?}", l.messages());
        let l = lint(&RULE, &[("docker-bake.hcl", &bake("${VERSION}"))]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
    }

    #[test]
    fn compose_images_count_only_when_ci_builds_them() {
        let compose = "services:\n  web:\n    build: .\n    image: ghcr.io/acme/web:1.0\n";
        let dockerfile = ("Dockerfile", "FROM alpine:3.20\n");
        let l = lint(&RULE, &[("compose.yaml", compose), dockerfile]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
        let workflow = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v6\n        with:\n          files: compose.yaml\n          push: true\n";
        let l = lint(
            &RULE,
            &[
                ("compose.yaml", compose),
                dockerfile,
                (".github/workflows/ci.yml", workflow),
            ],
        );
        assert_eq!(l.slices(), ["ghcr.io/acme/web:1.0"], "{:?}", l.messages());
    }

    #[test]
    fn push_is_a_go_boolean() {
        let bake = |push: &str| {
            format!(
                "target \"app\" {{\n  tags = [\"ghcr.io/acme/app:latest\"]\n  output = [\"type=image,push={push}\"]\n}}\n"
            )
        };
        for pushes in ["true", "1", "T", "TRUE", "True"] {
            let l = lint(&RULE, &[("docker-bake.hcl", &bake(pushes))]);
            assert_eq!(l.diagnostics.len(), 1, "push={pushes}");
        }
        // What `strconv.ParseBool` rejects does not push.
        for not in ["false", "0", "yes", "TrUe"] {
            let l = lint(&RULE, &[("docker-bake.hcl", &bake(not))]);
            assert!(l.diagnostics.is_empty(), "push={not}");
        }
    }

    #[test]
    fn literal_sha_tags() {
        assert!(is_literal_sha("0123abc"));
        assert!(is_literal_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_literal_sha("0123ab"));
        assert!(!is_literal_sha("latest"));
        assert!(!is_literal_sha(""));
    }

    #[test]
    fn commit_variable_spellings() {
        for name in [
            "GITHUB_SHA",
            "CI_COMMIT_SHA",
            "CI_COMMIT_SHORT_SHA",
            "git_sha",
            "IMAGE_SHA_TAG",
            "COMMIT",
            "REVISION",
            "GIT_REV",
            "gitSha",
            "GIT_HASH",
            "BUILDKITE_COMMIT",
            "CIRCLE_SHA1",
            "SHORT_SHA",
        ] {
            assert!(names_a_commit(name), "{name}");
        }
        for name in [
            "TAG",
            "VERSION",
            "SHARED_DIR",
            "HASHICORP_VERSION",
            "COMMIT_MESSAGE",
            "GIT_BRANCH",
            "REVERSE_PROXY",
            "PREVIEW",
        ] {
            assert!(!names_a_commit(name), "{name}");
        }
    }

    #[test]
    fn demo_and_test_directories() {
        let roots = [PathBuf::from("/repo")];
        let demo = |p: &str| is_demo_file(Path::new(p), &roots);
        assert!(demo("/repo/test/go/docker-bake.hcl"));
        assert!(demo("/repo/docs/examples/docker-bake.hcl"));
        assert!(!demo("/repo/docker-bake.hcl"));
        assert!(!demo("/repo/deployment/docker-bake.hcl"));
        assert!(!demo("/repo/testing-tools/docker-bake.hcl"));
        // Linting the example project itself.
        let roots = [PathBuf::from("/repo/testdata/examples/ci-pipeline")];
        assert!(!is_demo_file(
            Path::new("/repo/testdata/examples/ci-pipeline/deployment/docker-bake.hcl"),
            &roots
        ));
        // A file outside every root: nothing to say.
        assert!(!is_demo_file(
            Path::new("/elsewhere/test/docker-bake.hcl"),
            &roots
        ));
    }
}
