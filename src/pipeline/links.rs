//! The link model: which job of a workflow builds which bake targets, with
//! the workflow's `set:` overrides applied; which jobs use the images built;
//! and the `needs:` graph.
//!
//! - Builds ([`super::bake_steps`]) resolve to the loaded bake set they
//!   build: the files they name, relative to the repository root (the
//!   directory holding `.github/`) or their working directory, must be
//!   exactly the files of one set the lint loaded (no files: the default
//!   files of that directory). A file named by an expression (a bake file
//!   `docker/metadata-action` writes at run time) cannot be read: the build
//!   links to the set of its other files and is marked `files_partial`.
//! - Targets are resolved with the set's own group resolution (no targets:
//!   `default`); a target named by an expression is unknown
//!   (`targets_partial`).
//! - A build is evaluated again as CI runs it ([`Build::evaluated`]) when it
//!   has overrides (`set:`, `--set`, `push`/`load`) or when its environment
//!   gives a bake variable another value: the environment is the runner's
//!   (`GITHUB_SHA` and the like, standing as the `${{ github.sha }}`
//!   expression they are unknown as), then the workflow's, the job's and
//!   the step's `env:` and a command's `NAME=value` prefixes, values
//!   verbatim (an expression stays an expression: the values that depend on
//!   it are unknown). Overrides are applied as buildx applies them:
//!   a value an override sets has its provenance at the override's value
//!   bytes in the workflow, so rules on the evaluated targets report (and
//!   fix) there. Overrides whose text a shell expansion hides, or whose
//!   target pattern is an expression (`builder-${{ matrix.variant }}`),
//!   are not applied (which targets they change is unknown; rules can read
//!   them on the build's step).
//! - Image uses ([`super::image_uses`]) are matched against the tags the
//!   builds produce (evaluated, overrides applied; build-push-action's
//!   `tags`).
//!
//! Queries for rules: [`WorkflowLinks::built_images`],
//! [`WorkflowLinks::image_built_by`], [`WorkflowLinks::consumers`],
//! [`WorkflowLinks::needs_closure`], [`WorkflowLinks::dependents_closure`];
//! for bake rules, what CI changes of a set's targets: [`CiBuilds`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bake::{self, BakeProject, LoadOptions, Provenance};
use crate::workspace::{LoadedSet, DEFAULT_BAKE_FILES};

use super::bake_steps::{self, BuildKind, BuildStep};
use super::image_uses::{self, image_matches, ImageUse};
use super::workflow::Workflow;

/// One build of the workflow, resolved.
#[derive(Debug, Clone)]
pub struct Build {
    /// The step as written.
    pub step: BuildStep,
    /// The job's id.
    pub job: String,
    /// Index of the loaded bake set it builds (in the lint's sets).
    pub set: Option<usize>,
    /// Why a bake build links to no loaded set.
    pub unresolved: Option<String>,
    /// The bake targets it builds (groups expanded), in order.
    pub targets: Vec<String>,
    /// Some named target is unknown (an expression) or does not exist.
    pub targets_partial: bool,
    /// Some file is named by an expression and was left out.
    pub files_partial: bool,
    /// The set evaluated with this build's overrides; `None` when the build
    /// has none (the set's own evaluation holds) or they do not evaluate.
    pub evaluated: Option<BakeProject>,
    /// Why the overrides do not evaluate (buildx fails the same way).
    pub evaluation_error: Option<String>,
}

impl Build {
    /// The bake definition as this build sees it: evaluated with its
    /// overrides, else the set's.
    pub fn project<'a>(&'a self, sets: &'a [LoadedSet]) -> Option<&'a BakeProject> {
        if self.evaluation_error.is_some() {
            return None;
        }
        self.evaluated
            .as_ref()
            .or_else(|| self.set.and_then(|i| sets.get(i)).map(|s| &s.project))
    }
}

/// An image a build tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// Index in [`WorkflowLinks::builds`].
    pub build: usize,
    /// The job that builds it.
    pub job: String,
    /// The bake target (`None` for build-push-action, and for a `*.tags=`
    /// override of a build whose targets are named by an expression).
    pub target: Option<String>,
    /// The tag, evaluated (`${{ }}` parts verbatim).
    pub tag: String,
}

/// The links of one workflow.
#[derive(Debug, Clone, Default)]
pub struct WorkflowLinks {
    /// The workflow file (as the lint names it).
    pub path: PathBuf,
    pub builds: Vec<Build>,
    /// Every image tag the builds produce, in build order.
    pub images: Vec<BuiltImage>,
    /// Every image use by a job.
    pub uses: Vec<ImageUse>,
    /// Job ids, in workflow order.
    jobs: Vec<String>,
    /// Job id → the jobs it needs (as written, existing or not).
    needs: BTreeMap<String, Vec<String>>,
}

/// The most builds of one workflow evaluated again with their overrides
/// (each evaluation is bounded by [`crate::bake::limits`]; this bounds their
/// number, so a generated workflow of thousands of steps stays cheap). The
/// builds past it keep the set's own evaluation and an error saying why.
pub const MAX_EVALUATED_BUILDS: usize = 256;

/// The repository root of a workflow: the directory holding `.github/`.
pub fn repository_root(workflow_path: &Path) -> PathBuf {
    workflow_path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Which file a path names, however it is spelled.
fn identity(path: &Path) -> PathBuf {
    crate::workspace::normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

impl WorkflowLinks {
    /// Links the workflow at `path` (its `text` parsed as `workflow`) to
    /// the bake sets loaded in the same lint.
    pub fn new(path: &Path, text: &str, workflow: &Workflow, sets: &[LoadedSet]) -> WorkflowLinks {
        let root = repository_root(path);
        let mut links = WorkflowLinks {
            path: path.to_path_buf(),
            jobs: workflow.jobs.iter().map(|j| j.id.value.clone()).collect(),
            needs: workflow
                .jobs
                .iter()
                .map(|j| {
                    (
                        j.id.value.clone(),
                        j.needs.iter().map(|n| n.value.clone()).collect(),
                    )
                })
                .collect(),
            uses: image_uses::image_uses(workflow, text),
            ..WorkflowLinks::default()
        };
        let mut evaluations = 0;
        for step in bake_steps::builds(workflow, text) {
            let job = links.jobs.get(step.job).cloned().unwrap_or_default();
            let env = ci_env(workflow, &step);
            let may_evaluate = evaluations < MAX_EVALUATED_BUILDS;
            let build = resolve(path, &root, step, job, sets, &env, may_evaluate);
            if build.evaluated.is_some() || build.evaluation_error.is_some() {
                evaluations += 1;
            }
            links.builds.push(build);
        }
        for (index, build) in links.builds.iter().enumerate() {
            links.images.extend(tags_of(index, build, sets));
        }
        links
    }

    /// The builds a job runs.
    pub fn builds_of<'a>(&'a self, job: &'a str) -> impl Iterator<Item = &'a Build> {
        self.builds.iter().filter(move |b| b.job == job)
    }

    /// The images a job builds (every tag of every target it builds).
    pub fn built_images<'a>(&'a self, job: &'a str) -> impl Iterator<Item = &'a BuiltImage> {
        self.images.iter().filter(move |i| i.job == job)
    }

    /// The first build (in job and step order) that tags an image `image`
    /// can be (see [`image_matches`]).
    pub fn image_built_by(&self, image: &str) -> Option<&BuiltImage> {
        self.images.iter().find(|i| image_matches(&i.tag, image))
    }

    /// The build a job's use of `image` gets it from: a build of the job
    /// itself (an earlier step), else of a job it waits for (`needs:`,
    /// transitively), else any build of the workflow that tags it.
    pub fn image_built_for(&self, job: &str, image: &str) -> Option<&BuiltImage> {
        let before = self.needs_closure(job);
        let matching = || self.images.iter().filter(|i| image_matches(&i.tag, image));
        matching()
            .find(|i| i.job == job)
            .or_else(|| matching().find(|i| before.contains(&i.job)))
            .or_else(|| matching().next())
    }

    /// Every use of an image this workflow builds, with the build it comes
    /// from ([`WorkflowLinks::image_built_for`]).
    pub fn consumers(&self) -> Vec<(&ImageUse, &BuiltImage)> {
        self.uses
            .iter()
            .filter(|u| !u.image.value.is_empty())
            .filter_map(|u| {
                let job = self.job_id(u.job)?;
                Some((u, self.image_built_for(job, &u.image.value)?))
            })
            .collect()
    }

    /// The id of the job at `index`.
    pub fn job_id(&self, index: usize) -> Option<&str> {
        self.jobs.get(index).map(String::as_str)
    }

    /// The jobs `job` needs directly.
    pub fn needs(&self, job: &str) -> &[String] {
        self.needs.get(job).map_or(&[], Vec::as_slice)
    }

    /// Every job `job` waits for, directly or through others.
    pub fn needs_closure(&self, job: &str) -> BTreeSet<String> {
        self.closure(job, |j| self.needs(j).to_vec())
    }

    /// The jobs that need `job` directly.
    pub fn dependents(&self, job: &str) -> Vec<String> {
        self.jobs
            .iter()
            .filter(|j| self.needs(j).iter().any(|n| n == job))
            .cloned()
            .collect()
    }

    /// Every job that waits for `job`, directly or through others.
    pub fn dependents_closure(&self, job: &str) -> BTreeSet<String> {
        self.closure(job, |j| self.dependents(j))
    }

    fn closure(&self, job: &str, next: impl Fn(&str) -> Vec<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = next(job);
        while let Some(j) = queue.pop() {
            if j != job && seen.insert(j.clone()) {
                queue.extend(next(&j));
            }
        }
        seen
    }
}

/// The environment GitHub gives every step, as bakelint evaluates a
/// definition for CI: what is only known in the run is the expression that
/// stands for it.
const RUNNER_ENV: &[(&str, &str)] = &[
    ("CI", "true"),
    ("GITHUB_ACTIONS", "true"),
    ("GITHUB_SHA", "${{ github.sha }}"),
    ("GITHUB_REF", "${{ github.ref }}"),
    ("GITHUB_REF_NAME", "${{ github.ref_name }}"),
    ("GITHUB_REF_TYPE", "${{ github.ref_type }}"),
    ("GITHUB_HEAD_REF", "${{ github.head_ref }}"),
    ("GITHUB_BASE_REF", "${{ github.base_ref }}"),
    ("GITHUB_REPOSITORY", "${{ github.repository }}"),
    ("GITHUB_REPOSITORY_OWNER", "${{ github.repository_owner }}"),
    ("GITHUB_RUN_ID", "${{ github.run_id }}"),
    ("GITHUB_RUN_NUMBER", "${{ github.run_number }}"),
    ("GITHUB_RUN_ATTEMPT", "${{ github.run_attempt }}"),
    ("GITHUB_ACTOR", "${{ github.actor }}"),
    ("GITHUB_EVENT_NAME", "${{ github.event_name }}"),
    ("GITHUB_WORKFLOW", "${{ github.workflow }}"),
    ("GITHUB_JOB", "${{ github.job }}"),
    ("GITHUB_SERVER_URL", "${{ github.server_url }}"),
    ("GITHUB_WORKSPACE", "${{ github.workspace }}"),
    ("RUNNER_OS", "${{ runner.os }}"),
    ("RUNNER_ARCH", "${{ runner.arch }}"),
];

/// The environment a build runs in: the runner's, then `env:` of the
/// workflow, the job and the step, then a command's prefixes.
fn ci_env(workflow: &Workflow, step: &BuildStep) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = RUNNER_ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let job = workflow.jobs.get(step.job);
    let layers = [
        Some(&workflow.env),
        job.map(|j| &j.env),
        job.and_then(|j| j.steps.get(step.step)).map(|s| &s.env),
    ];
    for layer in layers.into_iter().flatten() {
        for (k, v) in layer {
            env.insert(k.value.clone(), v.value.clone());
        }
    }
    for (k, v) in &step.env {
        env.insert(k.clone(), v.value.clone());
    }
    env
}

/// Resolves a step: its bake set, targets and evaluation as CI runs it.
fn resolve(
    workflow_path: &Path,
    root: &Path,
    step: BuildStep,
    job: String,
    sets: &[LoadedSet],
    env: &BTreeMap<String, String>,
    may_evaluate: bool,
) -> Build {
    let mut build = Build {
        step,
        job,
        set: None,
        unresolved: None,
        targets: Vec::new(),
        targets_partial: false,
        files_partial: false,
        evaluated: None,
        evaluation_error: None,
    };
    if !build.step.kind.is_bake() {
        return build;
    }
    match find_set(root, &build.step, sets) {
        Ok((index, partial)) => {
            build.set = Some(index);
            build.files_partial = partial;
        }
        Err(why) => {
            build.unresolved = Some(why);
            return build;
        }
    }
    let Some(set) = build.set.and_then(|i| sets.get(i)) else {
        return build;
    };
    let (names, partial) = target_names(&build.step, &set.project);
    build.targets = names;
    build.targets_partial = partial;
    let (overrides, origins) = applied_overrides(workflow_path, &build.step);
    let env_differs = set
        .project
        .variables()
        .keys()
        .any(|name| set.options.env.get(name) != env.get(name));
    if (!overrides.is_empty() || env_differs) && !may_evaluate {
        build.evaluation_error = Some(format!(
            "not evaluated: the workflow has more than {MAX_EVALUATED_BUILDS} builds to evaluate"
        ));
    } else if !overrides.is_empty() || env_differs {
        let options = LoadOptions {
            overrides,
            env: env.clone(),
            ..set.options.clone()
        };
        match bake::load_with_origins(&options, &origins) {
            Ok(project) => build.evaluated = Some(project),
            Err(errors) => {
                build.evaluation_error = Some(
                    errors
                        .first()
                        .map_or_else(|| "does not evaluate".to_string(), ToString::to_string),
                );
            }
        }
    }
    build
}

/// The loaded set a bake build reads, and whether files named by
/// expressions were left out.
fn find_set(root: &Path, step: &BuildStep, sets: &[LoadedSet]) -> Result<(usize, bool), String> {
    let set_files = |set: &LoadedSet| -> BTreeSet<PathBuf> {
        set.rebase.values().map(|p| identity(p)).collect()
    };
    if step.files.is_empty() {
        let Some(dir) = &step.dir else {
            return Err("reads a remote or unknown bake definition".to_string());
        };
        let dir = identity(&root.join(dir));
        let found = sets.iter().position(|set| {
            let files = set_files(set);
            !files.is_empty()
                && files.iter().all(|f| {
                    f.parent() == Some(dir.as_path())
                        && f.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| DEFAULT_BAKE_FILES.contains(&n))
                })
        });
        return found
            .map(|i| (i, false))
            .ok_or_else(|| format!("no bake file was loaded in `{}`", display_dir(root, &dir)));
    }
    let mut wanted = BTreeSet::new();
    let mut partial = false;
    for f in &step.files {
        match &f.path {
            Some(p) => {
                wanted.insert(identity(&root.join(p)));
            }
            None if f.written.dynamic => partial = true,
            None => return Err("reads a remote or unknown bake definition".to_string()),
        }
    }
    if wanted.is_empty() {
        return Err("every bake file is named by an expression".to_string());
    }
    sets.iter()
        .position(|set| set_files(set) == wanted)
        .map(|i| (i, partial))
        .ok_or_else(|| "its files are not a bake definition this lint loaded".to_string())
}

fn display_dir(root: &Path, dir: &Path) -> String {
    let shown = identity(root);
    let rel = dir.strip_prefix(&shown).unwrap_or(dir);
    if rel.as_os_str().is_empty() {
        ".".to_string()
    } else {
        rel.display().to_string()
    }
}

/// The targets a build builds (groups expanded) and whether some name is
/// unknown.
fn target_names(step: &BuildStep, project: &BakeProject) -> (Vec<String>, bool) {
    let mut partial = false;
    let mut names: Vec<String> = Vec::new();
    for t in &step.targets {
        if t.dynamic {
            partial = true;
        } else {
            names.push(t.value.clone());
        }
    }
    if step.targets.is_empty() {
        names.push("default".to_string());
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        match project.expand_names(std::slice::from_ref(&n)) {
            Ok(list) => {
                for t in list {
                    if project.targets().contains_key(&t) {
                        if !out.contains(&t) {
                            out.push(t);
                        }
                    } else {
                        partial = true;
                    }
                }
            }
            Err(_) => partial = true,
        }
    }
    (out, partial)
}

/// The overrides buildx receives for a build (`set`, then `push`/`load`
/// as `*.push=true` / `*.load=true`), each with where its value is.
fn applied_overrides(workflow_path: &Path, step: &BuildStep) -> (Vec<String>, Vec<Provenance>) {
    let at = |span| Provenance {
        file: workflow_path.to_path_buf(),
        span,
        inherited_from: Vec::new(),
        variables: BTreeSet::new(),
    };
    let mut texts = Vec::new();
    let mut origins = Vec::new();
    for o in step.overrides.iter().filter(|o| o.is_known()) {
        texts.push(o.text.clone());
        origins.push(at(o.value_span));
    }
    for (flag, key) in [(&step.push, "push"), (&step.load, "load")] {
        if let Some(w) = flag.as_ref().filter(|w| w.as_bool() == Some(true)) {
            texts.push(format!("*.{key}=true"));
            origins.push(at(w.span));
        }
    }
    (texts, origins)
}

/// The tags a build produces.
fn tags_of(index: usize, build: &Build, sets: &[LoadedSet]) -> Vec<BuiltImage> {
    let image = |target: Option<String>, tag: String| BuiltImage {
        build: index,
        job: build.job.clone(),
        target,
        tag,
    };
    if build.step.kind == BuildKind::BuildPushAction {
        return build
            .step
            .tags
            .iter()
            .map(|t| image(None, t.value.clone()))
            .collect();
    }
    let mut out = Vec::new();
    // Targets named by an expression still get what `*.tags=` sets.
    if build.targets_partial {
        for o in &build.step.overrides {
            if o.pattern == "*" && o.key == "tags" && !o.shell_expansion {
                if let Some(tag) = o.value.as_ref().filter(|v| !v.is_empty()) {
                    out.push(image(None, tag.clone()));
                }
            }
        }
    }
    // A bake file generated in the run (docker/metadata-action's) sets the
    // tags: they are unknown.
    let Some(project) = build.project(sets).filter(|_| !build.files_partial) else {
        return out;
    };
    for name in &build.targets {
        if let Some(target) = project.targets().get(name) {
            for tag in target.tags() {
                out.push(image(Some(name.clone()), tag));
            }
        }
    }
    out
}

/// The workflow builds of one bake set: what CI changes of its targets.
/// Bake rules use it so that a value a workflow overrides is judged where
/// the workflow sets it, not again in the bake file.
#[derive(Debug, Default)]
pub struct CiBuilds<'a> {
    pub builds: Vec<CiBuild<'a>>,
}

/// One workflow build of a set.
#[derive(Debug, Clone, Copy)]
pub struct CiBuild<'a> {
    pub workflow: &'a Path,
    pub build: &'a Build,
}

/// Text that carries the commit SHA in a workflow: the `github.sha`
/// context, the `GITHUB_SHA` variable.
const SHA_REFERENCES: &[&str] = &["github.sha", "GITHUB_SHA"];

impl<'a> CiBuilds<'a> {
    /// The builds of set `index` among the workflows' links.
    pub fn of_set(
        index: usize,
        workflows: impl Iterator<Item = &'a WorkflowLinks>,
    ) -> CiBuilds<'a> {
        let mut builds = Vec::new();
        for links in workflows {
            for build in &links.builds {
                if build.set == Some(index) {
                    builds.push(CiBuild {
                        workflow: &links.path,
                        build,
                    });
                }
            }
        }
        CiBuilds { builds }
    }

    /// The builds that build `target`.
    pub fn building(&self, target: &'a str) -> impl Iterator<Item = &CiBuild<'a>> + '_ {
        self.builds
            .iter()
            .filter(move |b| b.build.targets.iter().any(|t| t == target))
    }

    /// Whether CI builds `target` and every build of it replaces attribute
    /// `attr` (`cache-from`, `tags`): the bake file's value is then not what
    /// CI builds with.
    pub fn replaces(&self, target: &str, attr: &str) -> bool {
        let mut any = false;
        for b in self.building(target) {
            any = true;
            if !b.replaces(target, attr) {
                return false;
            }
        }
        any
    }

    /// Whether CI changes `attr` of `target` in any way (replaces it or
    /// adds to it) in some build.
    pub fn touches(&self, target: &str, attr: &str) -> bool {
        self.building(target).any(|b| {
            b.build
                .step
                .overrides
                .iter()
                .any(|o| o.attribute() == attr && o.matches(target))
        })
    }

    /// Whether some build of `target` gives it a tag carrying the commit
    /// SHA (`set: *.tags=…:${{ github.sha }}`, `--set *.tags+=…:$GITHUB_SHA`).
    pub fn tags_with_sha(&self, target: &str) -> bool {
        self.building(target).any(|b| {
            b.build.step.overrides.iter().any(|o| {
                o.attribute() == "tags"
                    && o.matches(target)
                    && o.value
                        .as_deref()
                        .is_some_and(|v| SHA_REFERENCES.iter().any(|s| v.contains(s)))
            })
        })
    }
}

impl CiBuild<'_> {
    /// Whether this build replaces `attr` of `target`: in its evaluation
    /// every value of the attribute comes from the workflow, or an override
    /// whose text is unknown replaces it.
    pub fn replaces(&self, target: &str, attr: &str) -> bool {
        let hidden =
            self.build.step.overrides.iter().any(|o| {
                o.shell_expansion && !o.append && o.attribute() == attr && o.matches(target)
            });
        if hidden {
            return true;
        }
        let Some(project) = &self.build.evaluated else {
            return false;
        };
        let Some(t) = project.targets().get(target) else {
            return false;
        };
        match t.attr(attr) {
            Some(r) => {
                let from_here = |p: &Provenance| p.file == self.workflow;
                from_here(&r.origin)
                    && (r.elements.is_empty() || r.elements.iter().all(|e| from_here(&e.origin)))
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow::load;

    const BAKE: &str = r#"
variable "REGISTRY" { default = "ghcr.io/acme" }
group "default" { targets = ["web", "worker"] }
group "ci" { targets = ["test"] }
target "_common" {
  cache-from = ["type=gha"]
}
target "web" {
  inherits = ["_common"]
  tags = ["${REGISTRY}/web:latest"]
}
target "worker" {
  inherits = ["_common"]
  tags = ["${REGISTRY}/worker:latest"]
}
target "test" {
  tags = ["${REGISTRY}/test:latest"]
}
"#;

    const CI: &str = r#"jobs:
  build:
    steps:
      - uses: docker/bake-action@v5
        with:
          files: deploy/docker-bake.hcl
          targets: default,ci
          push: true
          set: |
            *.cache-from=type=gha,scope=ci
            test.tags+=ghcr.io/acme/test:${{ github.sha }}
  test:
    needs: build
    container: ghcr.io/acme/test:${{ github.sha }}
    services:
      db:
        image: postgres:16
    steps:
      - run: docker run --rm ghcr.io/acme/web:latest check
  deploy:
    needs: [test]
    steps:
      - run: docker pull ghcr.io/acme/worker:latest
"#;

    fn project(dir: &Path) -> Vec<LoadedSet> {
        let bake_dir = dir.join("deploy");
        std::fs::create_dir_all(&bake_dir).unwrap();
        let file = bake_dir.join("docker-bake.hcl");
        std::fs::write(&file, BAKE).unwrap();
        let options = LoadOptions {
            files: vec![PathBuf::from("docker-bake.hcl")],
            cwd: bake_dir.clone(),
            ..LoadOptions::default()
        };
        let project = bake::load(&options).unwrap();
        vec![LoadedSet {
            project,
            rebase: BTreeMap::from([(PathBuf::from("docker-bake.hcl"), file)]),
            options,
        }]
    }

    fn linked() -> (tempfile::TempDir, Vec<LoadedSet>, WorkflowLinks) {
        let dir = tempfile::tempdir().unwrap();
        let sets = project(dir.path());
        let path = dir.path().join(".github/workflows/ci.yml");
        let w = load(CI).unwrap();
        let links = WorkflowLinks::new(&path, CI, &w, &sets);
        (dir, sets, links)
    }

    #[test]
    fn bake_action_links_to_the_set_and_its_targets() {
        let (_dir, _sets, links) = linked();
        let b = &links.builds[0];
        assert_eq!(b.set, Some(0), "{:?}", b.unresolved);
        assert_eq!(b.job, "build");
        assert_eq!(b.targets, ["web", "worker", "test"]);
        assert!(!b.targets_partial && !b.files_partial);
        assert!(b.evaluation_error.is_none());
    }

    #[test]
    fn overrides_are_applied_with_their_workflow_bytes() {
        let (_dir, _sets, links) = linked();
        let b = &links.builds[0];
        let project = b.evaluated.as_ref().unwrap();
        let web = &project.targets()["web"];
        let entry = &web.cache_from()[0];
        assert_eq!(entry.attrs.get("scope").map(String::as_str), Some("ci"));
        assert_eq!(entry.origin.file, links.path);
        assert_eq!(entry.origin.span.slice(CI), "type=gha,scope=ci");
        let test = &project.targets()["test"];
        assert_eq!(
            test.tags(),
            [
                "ghcr.io/acme/test:latest",
                "ghcr.io/acme/test:${{ github.sha }}"
            ]
        );
        // `push: true` is `*.push=true`: the outputs push.
        let output = &web.outputs[0];
        assert_eq!(output.typ, "image");
        assert_eq!(output.attrs.get("push").map(String::as_str), Some("true"));
        assert_eq!(output.origin.span.slice(CI), "true");
    }

    #[test]
    fn image_uses_match_the_built_tags() {
        let (_dir, _sets, links) = linked();
        let consumers: Vec<(&str, Option<&str>)> = links
            .consumers()
            .into_iter()
            .map(|(u, img)| (links.job_id(u.job).unwrap(), img.target.as_deref()))
            .collect();
        assert_eq!(
            consumers,
            [
                ("test", Some("test")),
                ("test", Some("web")),
                ("deploy", Some("worker"))
            ]
        );
        let built: Vec<&str> = links
            .built_images("build")
            .map(|i| i.tag.as_str())
            .collect();
        assert_eq!(built.len(), 4);
        assert_eq!(
            links
                .image_built_by("ghcr.io/acme/web")
                .map(|i| i.job.as_str()),
            Some("build")
        );
        assert!(links.image_built_by("postgres:16").is_none());
    }

    #[test]
    fn needs_graph() {
        let (_dir, _sets, links) = linked();
        assert_eq!(links.needs("test"), ["build"]);
        assert_eq!(
            links
                .needs_closure("deploy")
                .into_iter()
                .collect::<Vec<_>>(),
            ["build", "test"]
        );
        assert_eq!(
            links
                .dependents_closure("build")
                .into_iter()
                .collect::<Vec<_>>(),
            ["deploy", "test"]
        );
        assert_eq!(links.dependents("test"), ["deploy"]);
    }

    #[test]
    fn what_ci_changes_of_a_set() {
        let (_dir, _sets, links) = linked();
        let ci = CiBuilds::of_set(0, std::iter::once(&links));
        assert!(ci.replaces("web", "cache-from"));
        assert!(!ci.replaces("web", "tags"));
        // `+=`: the bake file's tags stay.
        assert!(!ci.replaces("test", "tags"));
        assert!(ci.touches("test", "tags"));
        assert!(ci.tags_with_sha("test"));
        assert!(!ci.tags_with_sha("web"));
        // A target CI does not build is not replaced.
        assert!(!ci.replaces("_common", "cache-from"));
        let none = CiBuilds::of_set(1, std::iter::once(&links));
        assert!(!none.replaces("web", "cache-from"));
    }

    #[test]
    fn the_build_environment_sets_bake_variables() {
        let dir = tempfile::tempdir().unwrap();
        let bake_dir = dir.path().to_path_buf();
        let bake = "variable \"TAG\" { default = \"latest\" }\nvariable \"GITHUB_SHA\" { default = \"dev\" }\ntarget \"default\" {\n  tags = [\"ghcr.io/a/app:${TAG}\", \"ghcr.io/a/app:${GITHUB_SHA}\"]\n}\n";
        let file = bake_dir.join("docker-bake.hcl");
        std::fs::write(&file, bake).unwrap();
        let options = LoadOptions {
            files: vec![PathBuf::from("docker-bake.hcl")],
            cwd: bake_dir.clone(),
            ..LoadOptions::default()
        };
        let sets = vec![LoadedSet {
            project: bake::load(&options).unwrap(),
            rebase: BTreeMap::from([(PathBuf::from("docker-bake.hcl"), file)]),
            options,
        }];
        let yaml = "env:\n  TAG: v1\njobs:\n  a:\n    steps:\n      - uses: docker/bake-action@v5\n  b:\n    steps:\n      - uses: docker/bake-action@v5\n        env:\n          TAG: ${{ needs.x.outputs.tag }}\n";
        let w = load(yaml).unwrap();
        let links = WorkflowLinks::new(
            &dir.path().join(".github/workflows/ci.yml"),
            yaml,
            &w,
            &sets,
        );
        let tags =
            |job: &str| -> Vec<String> { links.built_images(job).map(|i| i.tag.clone()).collect() };
        assert_eq!(
            tags("a"),
            ["ghcr.io/a/app:v1", "ghcr.io/a/app:${{ github.sha }}"]
        );
        assert_eq!(
            tags("b"),
            [
                "ghcr.io/a/app:${{ needs.x.outputs.tag }}",
                "ghcr.io/a/app:${{ github.sha }}"
            ]
        );
        // The commit's tag matches whatever SHA a later job pulls.
        assert_eq!(
            links
                .image_built_by("ghcr.io/a/app:0123abcd")
                .map(|i| i.job.as_str()),
            Some("a")
        );
        assert!(links.image_built_by("ghcr.io/a/app:latest").is_some());
    }

    #[test]
    fn evaluations_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let sets = project(dir.path());
        let mut yaml = String::from("jobs:\n  build:\n    steps:\n");
        for _ in 0..MAX_EVALUATED_BUILDS + 2 {
            yaml.push_str("      - uses: docker/bake-action@v5\n        with:\n          files: deploy/docker-bake.hcl\n          set: web.tags=x\n");
        }
        let w = load(&yaml).unwrap();
        let links = WorkflowLinks::new(
            &dir.path().join(".github/workflows/ci.yml"),
            &yaml,
            &w,
            &sets,
        );
        let evaluated = links
            .builds
            .iter()
            .filter(|b| b.evaluated.is_some())
            .count();
        assert_eq!(evaluated, MAX_EVALUATED_BUILDS);
        let last = links.builds.last().unwrap();
        assert!(last
            .evaluation_error
            .as_deref()
            .unwrap()
            .contains("more than"));
    }

    #[test]
    fn unresolved_builds_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let sets = project(dir.path());
        let path = dir.path().join(".github/workflows/ci.yml");
        let yaml = "jobs:\n  a:\n    steps:\n      - uses: docker/bake-action@v5\n      - uses: docker/bake-action@v5\n        with:\n          files: other.hcl\n      - uses: docker/bake-action@v6\n        with:\n          source: https://github.com/o/r.git\n      - uses: docker/bake-action@v5\n        with:\n          workdir: deploy\n          targets: ${{ matrix.target }}\n";
        let w = load(yaml).unwrap();
        let links = WorkflowLinks::new(&path, yaml, &w, &sets);
        let why: Vec<Option<&str>> = links
            .builds
            .iter()
            .map(|b| b.unresolved.as_deref())
            .collect();
        assert_eq!(
            why,
            [
                Some("no bake file was loaded in `.`"),
                Some("its files are not a bake definition this lint loaded"),
                Some("reads a remote or unknown bake definition"),
                None,
            ]
        );
        let last = &links.builds[3];
        assert!(last.targets_partial && last.targets.is_empty());
    }
}
