//! BP013 `retag-job`: a workflow job that, after the test jobs, pulls
//! images this workflow built and pushes them again under the commit SHA
//! (`docker pull` + `tag` + `push`, `docker buildx imagetools create`,
//! `crane copy|tag`, `regctl image copy`, `skopeo copy`).
//!
//! The job only exists because the build did not tag the images with the
//! commit: tagging them at build time makes it redundant, and it costs a
//! runner start, a pull and a push of every image after the tests (about
//! five minutes per run in the CI review). The finding points at the job
//! key.
//!
//! Only copies whose new tag carries the commit SHA are this pattern; a
//! job that promotes a SHA-tagged image to `latest` or `production` after
//! the tests is the recommended pipeline, and is left alone. Jobs with a
//! deployment `environment` (an approval may gate them) are left alone too.
//!
//! The fix (unsafe, one change over the workflow and the bake files): the
//! bake targets whose images the job copies get a `${GITHUB_SHA}` tag (the
//! edit of BP001, unless they already have one), the job is deleted, and
//! every job that needed it needs what it needed (and inherits its `if:`).
//! It is offered only when all of that is certain: see
//! [`fix_blockers`].

use std::collections::BTreeSet;
use std::path::Path;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::pipeline::built_images::{self, Builder, BuiltImage};
use crate::pipeline::image_ref::{may_be_same_image, repository_text, ImageRef, Part, Tag};
use crate::pipeline::needs_edit::{self, TextEdit};
use crate::pipeline::retag::{self, JobRetags, RetagOp};
use crate::pipeline::step_script;
use crate::pipeline::workflow::{self, Job};
use crate::rules::{bake_targets, hcl_edit, image_tags, sha_tag};
use crate::rules::{CheckFn, RuleDef, RuleScope, WorkflowContext};

pub static RULE: RuleDef = RuleDef {
    code: "BP013",
    name: "retag-job",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A job re-tags the images this workflow built with the commit SHA after the tests",
    doc: include_str!("../../rules/BP013.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Workflow,
    options: &[],
    check: CheckFn::Workflow(check),
};

/// The variable the runner sets to the commit SHA, and the bake tag the
/// fix adds (`<repository>:${GITHUB_SHA}`).
const SHA_VARIABLE: &str = sha_tag::DEFAULT_VARIABLE;

/// Words of a job id or name that make it a test job.
const TEST_JOB_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "e2e",
    "integration",
    "unit",
    "check",
    "checks",
    "lint",
    "verify",
    "spec",
    "specs",
    "qa",
    "smoke",
    "acceptance",
    "pytest",
];

/// Programs that run tests wherever they appear in a command (`pytest`,
/// `python -m pytest`, `docker compose run web pytest`).
const TEST_PROGRAMS: &[&str] = &[
    "pytest",
    "py.test",
    "tox",
    "nox",
    "jest",
    "vitest",
    "mocha",
    "rspec",
    "phpunit",
    "behave",
    "ctest",
    "bats",
    "playwright",
    "cypress",
];

/// Task runners whose `test`/`check` subcommands or scripts run tests
/// (`go test`, `npm run test:unit`, `make check`, `manage.py test`).
const TEST_RUNNERS: &[&str] = &[
    "go", "cargo", "npm", "yarn", "pnpm", "bun", "make", "just", "task", "mvn", "mvnw", "gradle",
    "gradlew", "dotnet", "mix", "python", "python3", "bundle", "rake", "composer", "deno",
];

/// Status functions: an `if:` with one of them decides on its own whether
/// earlier failures stop the job, so it cannot be moved onto other jobs.
const STATUS_FUNCTIONS: &[&str] = &["always()", "failure()", "cancelled()", "success()"];

/// What in a tag expression names the commit: `github.sha`, `GITHUB_SHA`,
/// `git rev-parse`, and any name [`sha_tag::names_a_commit`] accepts.
fn carries_commit(tag: &Tag) -> bool {
    let Tag::Parts(parts) = tag else {
        return false;
    };
    parts.iter().any(|p| match p {
        Part::Unknown(text) => {
            text.contains("rev-parse")
                || text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|w| !w.is_empty() && (w == "sha" || sha_tag::names_a_commit(w)))
        }
        Part::Literal(text) => {
            (7..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
        }
    })
}

/// Whether a tag is exactly the full commit SHA the runner has in
/// `GITHUB_SHA` (what a `${GITHUB_SHA}` bake tag gives).
fn is_full_sha(tag: &Tag) -> bool {
    let Tag::Parts(parts) = tag else {
        return false;
    };
    let [Part::Unknown(text)] = parts.as_slice() else {
        return false;
    };
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        compact.as_str(),
        "${{github.sha}}" | "${{env.GITHUB_SHA}}" | "$GITHUB_SHA" | "${GITHUB_SHA}"
    )
}

/// The lower-cased words of a job id or name (`unit-tests`, `runTests`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase();
        current.push(c.to_ascii_lowercase());
    }
    out.push(current);
    out.retain(|w| !w.is_empty());
    out
}

/// Whether a job runs tests: its id or name says so, a step runs a test
/// command, or it runs in an image the workflow built.
fn is_test_job(text: &str, job: &Job, built: &[BuiltImage]) -> bool {
    let named = std::iter::once(&job.id).chain(job.name.as_ref()).any(|n| {
        words(&n.value)
            .iter()
            .any(|w| TEST_JOB_WORDS.contains(&w.as_str()))
    });
    if named {
        return true;
    }
    let in_built_image = job
        .container
        .as_ref()
        .and_then(|c| c.image.as_ref())
        .is_some_and(|image| {
            let r = ImageRef::from_text(&image.value, image.span);
            built.iter().any(|b| may_be_same_image(&r, &b.reference))
        });
    in_built_image
        || job.steps.iter().filter_map(|s| s.run.as_ref()).any(|run| {
            let script = step_script::parse(text, run);
            script.script.commands().iter().any(runs_tests)
        })
}

fn runs_tests(command: &crate::shell::SimpleCommand) -> bool {
    let Some((program, args)) = command.effective() else {
        return false;
    };
    let name = crate::shell::command_basename(program).unwrap_or("");
    let any_test_program = std::iter::once(name)
        .chain(args.iter().filter_map(|a| a.as_str()))
        .any(|w| TEST_PROGRAMS.contains(&w.rsplit('/').next().unwrap_or(w)));
    any_test_program
        || (TEST_RUNNERS.contains(&name)
            && args
                .iter()
                .filter_map(|a| a.as_str())
                .any(|a| !a.starts_with('-') && (a.contains("test") || a.contains("check"))))
}

/// One copy of a built image under a commit tag, with the images it copies.
struct Copy<'a> {
    op: &'a RetagOp,
    built: Vec<&'a BuiltImage>,
}

fn check(ctx: &WorkflowContext<'_>, out: &mut Vec<Diagnostic>) {
    for job in &ctx.workflow.jobs {
        if let Some(d) = finding(ctx, job) {
            out.push(d);
        }
    }
}

fn finding(ctx: &WorkflowContext<'_>, job: &Job) -> Option<Diagnostic> {
    if job.uses.is_some()
        || job.environment.is_some()
        || job.needs.is_empty()
        || built_images::builds_images(ctx.text, job)
    {
        return None;
    }
    // The job's own scripts first: most jobs copy nothing, and then the
    // earlier jobs need not be read at all.
    let retags = retag::scan_job(ctx.text, ctx.workflow, job);
    if !retags
        .ops
        .iter()
        .any(|op| carries_commit(&op.target.split().1))
    {
        return None;
    }
    let built = built_images::built_before(ctx.path, ctx.text, ctx.workflow, ctx.bake, job);
    if built.is_empty() {
        return None;
    }
    let ancestors = built_images::ancestors(ctx.workflow, job);
    let tests: Vec<&Job> = ancestors
        .iter()
        .copied()
        .filter(|a| is_test_job(ctx.text, a, &built))
        .collect();
    if tests.is_empty() {
        return None;
    }
    let copies: Vec<Copy<'_>> = retags
        .ops
        .iter()
        .filter(|op| carries_commit(&op.target.split().1))
        .map(|op| Copy {
            op,
            built: built
                .iter()
                .filter(|b| may_be_same_image(&op.source, &b.reference))
                .collect(),
        })
        .filter(|c| !c.built.is_empty())
        .collect();
    let first = copies.first()?;
    let mut images: Vec<String> = Vec::new();
    let mut tools: Vec<&str> = Vec::new();
    for c in &copies {
        let repository = repository_text(&c.op.source.split().0);
        if !images.contains(&repository) {
            images.push(repository);
        }
        if !tools.contains(&c.op.tool) {
            tools.push(c.op.tool);
        }
    }
    let noun = if images.len() == 1 { "image" } else { "images" };
    let message = format!(
        "job \"{}\" re-tags {} {noun} this workflow built with the commit SHA after the tests ({}): {}",
        job.id.value,
        images.len(),
        tools.join(", "),
        images
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fix = fix(ctx, job, &retags, &copies);
    let needs_after: Vec<String> = job.needs.iter().map(|n| format!("`{}`", n.value)).collect();
    let dependents = dependents(ctx.workflow, &job.id.value);
    let rewire = if dependents.is_empty() {
        String::new()
    } else {
        format!(
            "; {} then {} {}",
            dependents
                .iter()
                .map(|d| format!("`{}`", d.id.value))
                .collect::<Vec<_>>()
                .join(", "),
            if dependents.len() == 1 {
                "needs"
            } else {
                "need"
            },
            needs_after.join(" and ")
        )
    };
    let bake_built = first
        .built
        .iter()
        .any(|b| matches!(b.by, Builder::Bake { .. }));
    let how = if bake_built {
        format!("`<repository>:${{{SHA_VARIABLE}}}` in the bake targets' `tags`")
    } else {
        "`<repository>:${{ github.sha }}` in the build step's `tags`".to_string()
    };
    let mut help = format!(
        "Tag the images with the commit SHA when they are built ({how}) and delete this job{rewire}.\n\
         The job starts a runner after the tests, pulls every image and pushes it again: about \
         5 minutes per run in the CI review."
    );
    if !has_cleanup_job(ctx.workflow) {
        help.push_str(
            "\nThe workflow has no job that cleans up after a failed run: add one that runs \
             `if: failure()` and deletes the SHA tags of the failed run, so untested SHA tags \
             never stay in the registry.",
        );
    }
    let mut d = ctx
        .diagnostic(job.id.span, message)
        .with_help(help)
        .with_label(
            first.op.command,
            format!("re-tags `{}`", first.op.source.text()),
        );
    if let Some(fix) = fix {
        d = d.with_fix(fix);
    }
    Some(d)
}

/// A job that runs when an earlier one failed (`if: failure()`): the
/// cleanup the review recommends.
fn has_cleanup_job(workflow: &workflow::Workflow) -> bool {
    workflow.jobs.iter().any(|j| {
        j.condition
            .as_ref()
            .is_some_and(|c| c.value.contains("failure()"))
    })
}

/// The jobs that need `id` directly.
fn dependents<'w>(workflow: &'w workflow::Workflow, id: &str) -> Vec<&'w Job> {
    workflow
        .jobs
        .iter()
        .filter(|j| j.needs.iter().any(|n| n.value == id))
        .collect()
}

/// Whether another workflow of the repository calls this one
/// (`uses: ./.github/workflows/<name>`).
fn called_elsewhere(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return true;
    };
    let needle = format!("workflows/{name}");
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return false;
    };
    entries.flatten().any(|e| {
        let p = e.path();
        p.file_name() != path.file_name()
            && crate::pipeline::is_workflow_path(&p)
            && crate::fsread::read_text(&p).is_ok_and(|t| t.contains(&needle))
    })
}

/// The fix, or `None` when it cannot be proven safe.
fn fix(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    retags: &JobRetags,
    copies: &[Copy<'_>],
) -> Option<Fix> {
    if fix_blockers(ctx, job, retags, copies) {
        return None;
    }
    let mut edits: Vec<Edit> = bake_edits(ctx, copies)?;
    let workflow_edits = workflow_edits(ctx, job)?;
    let mut sorted = workflow_edits.clone();
    sorted.sort_by_key(|(s, _)| (s.start, s.end));
    let fixed = crate::fix::apply_edits(ctx.text, &sorted);
    if !rewired_as_planned(ctx.workflow, &fixed, job) {
        return None;
    }
    edits.extend(
        workflow_edits
            .into_iter()
            .map(|(span, content)| Edit::replace(ctx.path, span, content)),
    );
    let needs: Vec<String> = job.needs.iter().map(|n| format!("`{}`", n.value)).collect();
    Some(Fix::unsafe_(
        format!(
            "tag the images with the commit SHA at build time, delete job `{}` and make the jobs that needed it need {}",
            job.id.value,
            needs.join(" and ")
        ),
        edits,
    ))
}

/// Whether the edited workflow `fixed` loads and is the planned change:
/// the job is gone, each job that needed it needs what it needed (and has
/// its `if:`), every other job needs and runs as before, and no job needs
/// a missing job. (Anchors and aliases could make a byte edit reach
/// further than the job it was meant for.)
fn rewired_as_planned(before: &workflow::Workflow, fixed: &str, job: &Job) -> bool {
    let Ok(after) = workflow::load(fixed) else {
        return false;
    };
    let id = job.id.value.as_str();
    let names = |needs: &[workflow::Scalar]| -> BTreeSet<String> {
        needs.iter().map(|n| n.value.clone()).collect()
    };
    let condition = |j: &Job| j.condition.as_ref().map(|c| c.value.trim().to_string());
    if after.job(id).is_some() || after.jobs.len() + 1 != before.jobs.len() {
        return false;
    }
    before.jobs.iter().filter(|j| j.id.value != id).all(|old| {
        let Some(new) = after.job(&old.id.value) else {
            return false;
        };
        let mut expected = names(&old.needs);
        let mut expected_condition = condition(old);
        if expected.remove(id) {
            expected.extend(names(&job.needs));
            expected_condition = expected_condition.or_else(|| condition(job));
        }
        names(&new.needs) == expected
            && condition(new) == expected_condition
            && new.needs.iter().all(|n| after.job(&n.value).is_some())
    })
}

/// Why the fix would not be safe: the workflow can be called by others,
/// something reads the job's outputs or result, the job does more than
/// log in and re-tag, a copy is not of a bake-built image to its own SHA
/// tag, or its `if:` cannot move onto the jobs that needed it.
fn fix_blockers(
    ctx: &WorkflowContext<'_>,
    job: &Job,
    retags: &JobRetags,
    copies: &[Copy<'_>],
) -> bool {
    let id = job.id.value.as_str();
    if ctx.workflow.triggered_by("workflow_call")
        || called_elsewhere(ctx.path)
        || needs_edit::reads_needs_context(ctx.text, id)
        || !job.outputs.is_empty()
        || !retags.other.is_empty()
        || !retags.stray_pushes.is_empty()
        || copies.len() != retags.ops.len()
    {
        return true;
    }
    let copies_own_sha = |c: &Copy<'_>| {
        let (source, target) = (&c.op.source, &c.op.target);
        let targets: BTreeSet<(usize, &str)> = c
            .built
            .iter()
            .filter_map(|b| match &b.by {
                Builder::Bake { set, target, .. } => Some((*set, target.as_str())),
                Builder::Other => None,
            })
            .collect();
        // One image: the SHA tag goes to exactly the target that built it.
        targets.len() == 1
            && source.is_literal()
            && source.repository() == target.repository()
            && is_full_sha(&target.split().1)
            && c.built.iter().all(|b| {
                matches!(
                    b.by,
                    Builder::Bake {
                        tags_in_file: true,
                        pushes: true,
                        ..
                    }
                )
            })
    };
    if !copies.iter().all(copies_own_sha) {
        return true;
    }
    let Some(condition) = &job.condition else {
        return false;
    };
    let condition_moves = !condition.span.slice(ctx.text).contains('\n')
        && !STATUS_FUNCTIONS.iter().any(|f| condition.value.contains(f));
    !condition_moves
        || dependents(ctx.workflow, id).iter().any(|d| {
            d.condition
                .as_ref()
                .is_some_and(|c| c.value.trim() != condition.value.trim())
        })
}

/// Deleting the job, rewiring the jobs that needed it, moving its `if:`.
fn workflow_edits(ctx: &WorkflowContext<'_>, job: &Job) -> Option<Vec<TextEdit>> {
    let id = job.id.value.as_str();
    let needs: Vec<String> = job.needs.iter().map(|n| n.value.clone()).collect();
    let mut edits = vec![needs_edit::job_deletion(ctx.text, id)?];
    for dependent in dependents(ctx.workflow, id) {
        let d = dependent.id.value.as_str();
        for edit in needs_edit::rewire_needs(ctx.text, d, id, &needs)? {
            // Jobs sharing one anchored `needs` list get the same edit.
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
        if let (Some(condition), None) = (&job.condition, &dependent.condition) {
            edits.push(needs_edit::add_condition(
                ctx.text,
                d,
                condition.span.slice(ctx.text),
            )?);
        }
    }
    Some(edits)
}

/// BP001's edit for every target whose image the job copies and that has
/// no `${GITHUB_SHA}` tag for it yet, in the user's paths.
fn bake_edits(ctx: &WorkflowContext<'_>, copies: &[Copy<'_>]) -> Option<Vec<Edit>> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut done: BTreeSet<(usize, String)> = BTreeSet::new();
    // The repositories the added tags name: two targets must not both
    // get `<repository>:${GITHUB_SHA}` for one repository.
    let mut tagged_repositories: BTreeSet<Vec<Part>> = BTreeSet::new();
    let e_span = || crate::span::Span::empty(0);
    for c in copies {
        for b in &c.built {
            let Builder::Bake { set, target, .. } = &b.by else {
                return None;
            };
            if !done.insert((*set, target.clone())) {
                continue;
            }
            let loaded = ctx.bake.get(*set)?;
            let project = &loaded.project;
            let t = project.targets().get(target)?;
            let tags = t.attr("tags")?;
            if tags_have_sha(project, tags, &c.op.target) {
                continue;
            }
            // Tags written once for several targets (inherited, a matrix):
            // a SHA tag there would name every one of their images.
            let shared = bake_targets::concrete_targets(project).any(|u| {
                u.name != t.name
                    && u.attr("tags").is_some_and(|ut| {
                        ut.origin.file == tags.origin.file && ut.origin.span == tags.origin.span
                    })
            });
            if shared {
                return None;
            }
            let repositories: BTreeSet<Vec<Part>> = tags
                .elements
                .iter()
                .filter_map(|e| e.as_str())
                .map(|v| ImageRef::from_text(v, e_span()).repository())
                .collect();
            if !repositories.is_disjoint(&tagged_repositories) {
                return None;
            }
            tagged_repositories.extend(repositories);
            let fix = sha_tag::fix(project, tags, SHA_VARIABLE)?;
            for mut e in fix.edits {
                let (Edit::Replace { file, .. } | Edit::Create { file, .. }) = &mut e;
                *file = loaded.rebase.get(file.as_path())?.clone();
                if !edits.contains(&e) {
                    edits.push(e);
                }
            }
        }
    }
    Some(edits)
}

/// Whether a target's tags already include `<target's repository>:${GITHUB_SHA}`.
fn tags_have_sha(
    project: &crate::bake::BakeProject,
    tags: &crate::bake::Resolved,
    target: &ImageRef,
) -> bool {
    let wanted = target.repository();
    tags.elements.iter().any(|e| {
        let sha_tag_part = project
            .file_text(&e.origin.file)
            .and_then(|t| hcl_edit::quoted_literal(t, e.origin.span))
            .and_then(|(_, body)| image_tags::split_repository(body).1)
            .is_some_and(|tag| {
                image_tags::interpolations(tag) == [Some(SHA_VARIABLE)]
                    && tag.trim().starts_with("${")
                    && tag.trim().ends_with('}')
            });
        sha_tag_part
            && e.as_str()
                .is_some_and(|v| ImageRef::from_text(v, e.origin.span).repository() == wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use std::collections::BTreeMap;

    /// A little repository: files written to a temp dir, linted with BP013
    /// (and `also`) like the CLI lints it.
    struct Repo {
        dir: tempfile::TempDir,
        found: Vec<Diagnostic>,
    }

    fn lint_with(files: &[(&str, &str)], also: &[&str]) -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        let discovered = crate::project::discover(&[dir.path().to_path_buf()]);
        let mut plan = crate::workspace::Plan::new(&discovered.files, &[]);
        plan.cwd = dir.path().to_path_buf();
        plan.roots = vec![dir.path().to_path_buf()];
        plan.env = BTreeMap::new();
        let mut select = vec![RULE.code.to_string()];
        select.extend(also.iter().map(|c| c.to_string()));
        let cli = crate::config::CliSelection {
            select: Some(select),
            ..Default::default()
        };
        let settings = crate::config::Settings::from_toml(Path::new("bakelint.toml"), "", &cli)
            .expect("settings");
        let out = crate::workspace::lint(&plan, &BTreeMap::new(), &settings);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        Repo {
            dir,
            found: out.diagnostics,
        }
    }

    fn lint(files: &[(&str, &str)]) -> Repo {
        lint_with(files, &[])
    }

    impl Repo {
        fn own(&self) -> Vec<&Diagnostic> {
            self.found.iter().filter(|d| d.code == "BP013").collect()
        }

        fn text(&self, file: &str) -> String {
            std::fs::read_to_string(self.dir.path().join(file)).expect("read")
        }

        /// The finding's file text at its span.
        fn slice(&self, d: &Diagnostic) -> String {
            let text = std::fs::read_to_string(&d.file).expect("read");
            d.span.slice(&text).to_string()
        }

        /// `file` after the edits of `d`'s fix.
        fn fixed(&self, d: &Diagnostic, file: &str) -> String {
            let text = self.text(file);
            let mut edits: Vec<(Span, String)> = d
                .fix
                .as_ref()
                .expect("a fix")
                .edits
                .iter()
                .filter_map(|e| match e {
                    Edit::Replace {
                        file: f,
                        span,
                        content,
                    } if f.ends_with(file) => Some((*span, content.clone())),
                    _ => None,
                })
                .collect();
            edits.sort_by_key(|(s, _)| (s.start, s.end));
            crate::fix::apply_edits(&text, &edits)
        }
    }

    const BAKE: &str = "target \"default\" {\n  tags = [\"ghcr.io/acme/app:latest\"]\n}\n";

    const BUILD_AND_TEST: &str = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v6\n        with:\n          push: true\n  test:\n    needs: build\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n";

    fn workflow(tail: &str) -> String {
        format!("{BUILD_AND_TEST}{tail}")
    }

    const RETAG: &str = "  tag:\n    needs: test\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/login-action@v3\n      - run: |\n          docker pull ghcr.io/acme/app:latest\n          docker tag ghcr.io/acme/app:latest ghcr.io/acme/app:${{ github.sha }}\n          docker push ghcr.io/acme/app:${{ github.sha }}\n";

    const DEPLOY: &str = "  deploy:\n    needs: [lint, tag]\n    steps:\n      - run: ./deploy.sh\n  lint:\n    steps:\n      - run: echo\n";

    const WF: &str = ".github/workflows/ci.yml";

    #[test]
    fn the_retag_job_its_message_help_and_fix() {
        let ci = workflow(&format!("{RETAG}{DEPLOY}"));
        let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
        let own = repo.own();
        assert_eq!(own.len(), 1, "{own:?}");
        let d = own[0];
        assert_eq!(repo.slice(d), "tag");
        assert_eq!(
            d.message,
            "job \"tag\" re-tags 1 image this workflow built with the commit SHA after the tests (docker pull/tag/push): `ghcr.io/acme/app`"
        );
        let help = d.help.as_deref().unwrap_or("");
        assert!(
            help.starts_with("Tag the images with the commit SHA when they are built"),
            "{help}"
        );
        assert!(help.contains("`deploy` then needs `test`"), "{help}");
        assert!(help.contains("about 5 minutes"), "{help}");
        assert!(help.contains("`if: failure()`"), "{help}");
        assert_eq!(
            repo.fixed(d, WF),
            workflow("  deploy:\n    needs: [lint, test]\n    steps:\n      - run: ./deploy.sh\n  lint:\n    steps:\n      - run: echo\n")
        );
        assert_eq!(
            repo.fixed(d, "docker-bake.hcl"),
            "variable \"GITHUB_SHA\" {\n  default = \"dev\"\n}\n\ntarget \"default\" {\n  tags = [\"ghcr.io/acme/app:latest\", \"ghcr.io/acme/app:${GITHUB_SHA}\"]\n}\n"
        );
        assert_eq!(
            d.fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Unsafe)
        );
    }

    #[test]
    fn a_cleanup_job_is_not_asked_for_again() {
        let cleanup = "  cleanup:\n    needs: [build, test]\n    if: failure()\n    steps:\n      - run: ./delete-sha-tags.sh\n";
        let ci = workflow(&format!("{RETAG}{cleanup}"));
        let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(!own[0].help.as_deref().unwrap_or("").contains("failure()"));
        // Nothing needed the job: the fix only deletes it.
        assert_eq!(repo.fixed(own[0], WF), workflow(cleanup));
    }

    #[test]
    fn what_is_not_a_retag_job() {
        let cases = [
            // Promoting the SHA-tagged image after the tests is the goal.
            RETAG.replace("app:${{ github.sha }}", "app:production"),
            // A deployment environment may gate the job on purpose.
            RETAG.replace("    runs-on:", "    environment: production\n    runs-on:"),
            // Not after the tests.
            RETAG.replace("needs: test", "needs: build"),
            // An image this workflow does not build.
            RETAG.replace("acme/app", "acme/other"),
            // A job that builds images itself.
            RETAG.replace(
                "      - uses: docker/login-action@v3\n",
                "      - uses: docker/build-push-action@v6\n",
            ),
        ];
        for tail in cases {
            let repo = lint(&[(WF, &workflow(&tail)), ("docker-bake.hcl", BAKE)]);
            assert!(repo.own().is_empty(), "{tail}: {:?}", repo.own());
        }
        // No bake definition for the bake step: nothing is known to be built.
        let repo = lint(&[(WF, &workflow(RETAG))]);
        assert!(repo.own().is_empty());
    }

    #[test]
    fn no_fix_unless_it_is_safe() {
        let cases = [
            // A reusable workflow.
            workflow(RETAG).replace("on: push", "on:\n  push:\n  workflow_call:"),
            // Something reads the job's result.
            workflow(&format!("{RETAG}  deploy:\n    needs: tag\n    if: needs.tag.result == 'success'\n    steps:\n      - run: ./deploy.sh\n")),
            // The job does more than re-tag.
            workflow(&format!("{RETAG}          ./notify.sh\n")),
            // A short SHA is not what a ${GITHUB_SHA} tag gives.
            workflow(&RETAG.replace("${{ github.sha }}", "${GITHUB_SHA::7}")),
            // The job's condition cannot move onto a job with another one.
            workflow(&format!(
                "{}  deploy:\n    needs: tag\n    if: github.event_name == 'push'\n    steps:\n      - run: ./deploy.sh\n",
                RETAG.replace("    runs-on:", "    if: github.ref == 'refs/heads/main'\n    runs-on:")
            )),
            // Outputs someone may read.
            workflow(&RETAG.replace("    runs-on:", "    outputs:\n      digest: x\n    runs-on:")),
        ];
        for ci in cases {
            let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
            let own = repo.own();
            assert_eq!(own.len(), 1, "{ci}");
            assert!(own[0].fix.is_none(), "{ci}");
        }
        // Tags written once for several images (a matrix, a parent both
        // children inherit): a SHA tag there would name all of them.
        let shared = [
            "target \"default\" {\n  name = \"app-${v}\"\n  matrix = {\n    v = [\"1\", \"2\"]\n  }\n  args = {\n    V = v\n  }\n  tags = [\"ghcr.io/acme/app:${v}\", equal(v, \"2\") ? \"ghcr.io/acme/app:latest\" : \"\"]\n}\n",
            "target \"_common\" {\n  tags = [\"ghcr.io/acme/app:latest\"]\n}\ntarget \"a\" {\n  inherits = [\"_common\"]\n}\ntarget \"b\" {\n  inherits = [\"_common\"]\n  args = {\n    X = \"1\"\n  }\n}\ngroup \"default\" {\n  targets = [\"a\"]\n}\n",
        ];
        for bake in shared {
            let repo = lint(&[(WF, &workflow(RETAG)), ("docker-bake.hcl", bake)]);
            let own = repo.own();
            assert_eq!(own.len(), 1, "{bake}");
            assert!(own[0].fix.is_none(), "{bake}");
        }
        // Another workflow calls this one.
        let caller = "on: push\njobs:\n  ci:\n    uses: ./.github/workflows/ci.yml\n";
        let repo = lint(&[
            (WF, &workflow(RETAG)),
            (".github/workflows/release.yml", caller),
            ("docker-bake.hcl", BAKE),
        ]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(own[0].fix.is_none());
        // Built by build-push-action: reported, but no bake file to tag in.
        let ci = "on: push\njobs:\n  build:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:latest\n  test:\n    needs: build\n    steps:\n      - run: pytest\n".to_string() + RETAG;
        let repo = lint(&[(WF, &ci)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(own[0].fix.is_none());
        assert!(own[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("build step's `tags`"));
    }

    #[test]
    fn anchors_and_aliases() {
        // One anchored needs list for two jobs: one edit rewires both.
        let ci = workflow(&format!("{RETAG}  deploy:\n    needs: &after [tag]\n    steps:\n      - run: ./deploy.sh\n  notify:\n    needs: *after\n    steps:\n      - run: ./notify.sh\n"));
        let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        let fixed = repo.fixed(own[0], WF);
        assert!(
            fixed.contains("needs: &after [test]") && fixed.contains("needs: *after"),
            "{fixed}"
        );
        // An anchor the job defines and another job uses: deleting the job
        // would break the file, so no fix.
        let ci = workflow(&format!(
            "{}  deploy:\n    needs: tag\n    runs-on: *runner\n    steps:\n      - run: ./deploy.sh\n",
            RETAG.replace("runs-on: ubuntu-latest", "runs-on: &runner ubuntu-latest")
        ));
        let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(own[0].fix.is_none());
    }

    #[test]
    fn the_condition_moves_to_the_jobs_that_needed_it() {
        let tag = RETAG.replace(
            "    runs-on:",
            "    if: github.ref == 'refs/heads/main'\n    runs-on:",
        );
        let ci = workflow(&format!(
            "{tag}  deploy:\n    needs: tag\n    steps:\n      - run: ./deploy.sh\n"
        ));
        let repo = lint(&[(WF, &ci), ("docker-bake.hcl", BAKE)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert_eq!(
            repo.fixed(own[0], WF),
            workflow("  deploy:\n    needs: test\n    if: github.ref == 'refs/heads/main'\n    steps:\n      - run: ./deploy.sh\n")
        );
    }

    #[test]
    fn after_bp001_the_fix_only_deletes_the_job() {
        let tagged = "variable \"GITHUB_SHA\" {\n  default = \"dev\"\n}\n\ntarget \"default\" {\n  tags = [\"ghcr.io/acme/app:latest\", \"ghcr.io/acme/app:${GITHUB_SHA}\"]\n}\n";
        let repo = lint_with(
            &[(WF, &workflow(RETAG)), ("docker-bake.hcl", tagged)],
            &["BP001"],
        );
        let own = repo.own();
        assert_eq!(own.len(), 1);
        let edits = &own[0].fix.as_ref().expect("a fix").edits;
        assert!(edits.iter().all(|e| e.file().ends_with(WF)), "{edits:?}");
        assert!(repo.found.iter().all(|d| d.code != "BP001"));
    }

    #[test]
    fn registry_copies_in_a_loop() {
        let bake = "target \"web\" {\n  tags = [\"ghcr.io/acme/web:latest\"]\n}\ntarget \"api\" {\n  tags = [\"ghcr.io/acme/api:latest\"]\n}\ngroup \"default\" {\n  targets = [\"web\", \"api\"]\n}\n";
        let tag = "  tag:\n    needs: [test]\n    steps:\n      - uses: imjasonh/setup-crane@v0.4\n      - run: |\n          for image in web api; do\n            crane copy \"ghcr.io/acme/${image}:latest\" \"ghcr.io/acme/${image}:${GITHUB_SHA}\"\n          done\n";
        let repo = lint(&[(WF, &workflow(tag)), ("docker-bake.hcl", bake)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(
            own[0]
                .message
                .contains("(crane copy): `ghcr.io/acme/web`, `ghcr.io/acme/api`"),
            "{}",
            own[0].message
        );
        let fixed = repo.fixed(own[0], "docker-bake.hcl");
        assert!(
            fixed.contains("\"ghcr.io/acme/web:latest\", \"ghcr.io/acme/web:${GITHUB_SHA}\""),
            "{fixed}"
        );
        assert!(
            fixed.contains("\"ghcr.io/acme/api:latest\", \"ghcr.io/acme/api:${GITHUB_SHA}\""),
            "{fixed}"
        );
        assert_eq!(
            fixed.matches("variable \"GITHUB_SHA\"").count(),
            1,
            "{fixed}"
        );
        let imagetools = tag.replace(
            "crane copy \"ghcr.io/acme/${image}:latest\" \"ghcr.io/acme/${image}:${GITHUB_SHA}\"",
            "docker buildx imagetools create -t ghcr.io/acme/$image:${{ github.sha }} ghcr.io/acme/$image:latest",
        );
        let repo = lint(&[(WF, &workflow(&imagetools)), ("docker-bake.hcl", bake)]);
        let own = repo.own();
        assert_eq!(own.len(), 1);
        assert!(own[0].message.contains("docker buildx imagetools create"));
        assert!(own[0].fix.is_some());
    }

    fn tag(text: &str) -> Tag {
        ImageRef::from_text(text, Span::empty(0)).split().1
    }

    #[test]
    fn commit_tags() {
        assert!(carries_commit(&tag("a.io/b/c:${{ github.sha }}")));
        assert!(carries_commit(&tag(
            "a.io/b/c:sha-${{ steps.vars.outputs.sha_short }}"
        )));
        assert!(carries_commit(&tag("a.io/b/c:0123abcd")));
        let r = ImageRef::new(
            vec![
                Part::Literal("a.io/b/c:".into()),
                Part::Unknown("$(git rev-parse --short HEAD)".into()),
            ],
            Span::empty(0),
        );
        assert!(carries_commit(&r.split().1));
        assert!(!carries_commit(&tag("a.io/b/c:latest")));
        assert!(!carries_commit(&tag("a.io/b/c:${{ github.ref_name }}")));
        assert!(!carries_commit(&tag("a.io/b/c:${{ env.VERSION }}")));
        assert!(is_full_sha(&tag("a.io/b/c:${{ github.sha }}")));
        assert!(is_full_sha(&tag("a.io/b/c:${{env.GITHUB_SHA}}")));
        assert!(!is_full_sha(&tag("a.io/b/c:sha-${{ github.sha }}")));
        assert!(!is_full_sha(&tag("a.io/b/c:${{ steps.x.outputs.sha }}")));
    }

    #[test]
    fn job_words() {
        assert_eq!(words("unit-tests"), ["unit", "tests"]);
        assert_eq!(words("runE2e"), ["run", "e2e"]);
        assert!(!words("attestation").contains(&"test".to_string()));
    }
}
