//! A GitHub Actions workflow as the lint rules need it: jobs with their
//! `needs`, `services` and `container` (image, `options`), and steps
//! (`uses`, `with`, `run`). Every value keeps the byte span of its text in
//! the file; `${{ }}` expressions are kept verbatim (never evaluated).
//!
//! Anything the model does not know is ignored; a value of the wrong shape
//! (a list where a string belongs) is skipped, not an error. Only text that
//! is not YAML, or whose top level is not a mapping, is a [`LoadError`].

use crate::span::{LineIndex, Span};
use crate::yaml::{self, Node, NodeKind};

/// A scalar as written: its value and the bytes it covers (quotes and
/// block indicators included).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    pub span: Span,
    /// Unquoted in the file.
    pub plain: bool,
}

impl Scalar {
    fn from_node(node: &Node) -> Option<Scalar> {
        match &node.kind {
            NodeKind::Scalar { value, plain } => Some(Scalar {
                value: value.clone(),
                span: node.span,
                plain: *plain,
            }),
            _ => None,
        }
    }

    /// Whether the value holds a `${{ }}` expression.
    pub fn has_expression(&self) -> bool {
        self.value.contains("${{")
    }
}

/// A `services:` entry or a job's `container:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The service name (`container` for a job's container).
    pub name: Scalar,
    pub image: Option<Scalar>,
    /// `options:` (extra `docker create` flags, e.g. `--health-interval`).
    pub options: Option<Scalar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub span: Span,
    pub name: Option<Scalar>,
    pub uses: Option<Scalar>,
    /// `with:` inputs with scalar values, in document order.
    pub with: Vec<(Scalar, Scalar)>,
    pub run: Option<Scalar>,
    /// `id:` (other steps read its outputs and outcome through it).
    pub id: Option<Scalar>,
    /// `if:`, as written (never evaluated).
    pub condition: Option<Scalar>,
    /// `shell:` (`bash`, `sh`, `pwsh`, `python`, a custom `cmd {0}`).
    pub shell: Option<Scalar>,
    /// `working-directory:`.
    pub working_directory: Option<Scalar>,
    /// `env:` of the step (scalar values), in document order.
    pub env: Vec<(Scalar, Scalar)>,
    /// Every key of the step, in document order.
    pub keys: Vec<Scalar>,
    /// From the first key to the end of the last value: the step's own
    /// text, without the `- ` before it. A block scalar's span runs to the
    /// next token, so a step ending in one ends in whitespace (and comment
    /// lines) too.
    pub content: Span,
}

/// `defaults: run:` of a workflow or job: what `run` steps inherit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunDefaults {
    pub shell: Option<Scalar>,
    pub working_directory: Option<Scalar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The job id (the key under `jobs:`).
    pub id: Scalar,
    pub span: Span,
    pub needs: Vec<Scalar>,
    pub services: Vec<Container>,
    pub container: Option<Container>,
    pub steps: Vec<Step>,
    /// A reusable workflow call (`uses: ./.github/workflows/x.yml`).
    pub uses: Option<Scalar>,
    /// `env:` of the job (scalar values), in document order.
    pub env: Vec<(Scalar, Scalar)>,
    /// The job's display `name:`.
    pub name: Option<Scalar>,
    /// The job's `if:` condition, as written (an expression with or
    /// without `${{ }}`).
    pub condition: Option<Scalar>,
    /// The names of the job's `outputs:`.
    pub outputs: Vec<Scalar>,
    /// The span of the `environment:` value (a name, or a mapping with
    /// `name` and `url`): a deployment environment, which may require an
    /// approval before the job runs.
    pub environment: Option<Span>,
    /// `defaults: run:` of the job.
    pub defaults: RunDefaults,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workflow {
    pub name: Option<Scalar>,
    /// The events that trigger the workflow (`on: push`, `on: [push,
    /// pull_request]`, or the keys of an `on:` mapping).
    pub on: Vec<Scalar>,
    pub jobs: Vec<Job>,
    /// `env:` of the workflow (scalar values), in document order.
    pub env: Vec<(Scalar, Scalar)>,
    /// `defaults: run:` of the workflow.
    pub defaults: RunDefaults,
}

impl Workflow {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id.value == id)
    }

    /// The directory `run` steps of `job` start in, as written (a step's
    /// `working-directory`, else the job's, else the workflow's
    /// `defaults.run.working-directory`); `None`: the workspace.
    pub fn run_directory<'a>(&'a self, job: &'a Job, step: &'a Step) -> Option<&'a Scalar> {
        step.working_directory
            .as_ref()
            .or(job.defaults.working_directory.as_ref())
            .or(self.defaults.working_directory.as_ref())
    }

    /// Whether an event named `event` triggers the workflow.
    pub fn triggered_by(&self, event: &str) -> bool {
        self.on.iter().any(|e| e.value == event)
    }
}

/// The scalar entries of a mapping (`with:`, `env:`), in document order.
fn scalar_entries(node: Option<&Node>) -> Vec<(Scalar, Scalar)> {
    node.map(|m| {
        m.entries()
            .into_iter()
            .filter_map(|(_, k, v)| Some((Scalar::from_node(k)?, Scalar::from_node(v)?)))
            .collect()
    })
    .unwrap_or_default()
}

/// Text that cannot be read as a workflow, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub offset: usize,
    /// One-based.
    pub line: usize,
    /// One-based, in characters.
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

fn error(text: &str, offset: usize, message: String) -> LoadError {
    let pos = LineIndex::new(text).position(text, offset);
    LoadError {
        offset,
        line: pos.line,
        column: pos.column,
        message,
    }
}

/// Reads a workflow. An empty file is an empty workflow.
pub fn load(text: &str) -> Result<Workflow, LoadError> {
    let docs = yaml::parse(text)
        .map_err(|e| error(text, e.offset, format!("invalid YAML: {}", e.message)))?;
    let Some(root) = docs.first() else {
        return Ok(Workflow::default());
    };
    if root.is_null() {
        return Ok(Workflow::default());
    }
    if root.as_map().is_none() {
        return Err(error(
            text,
            root.span.start,
            format!(
                "not a workflow: the top level is {}, not a mapping",
                root.describe()
            ),
        ));
    }
    let mut workflow = Workflow {
        name: root.get("name").and_then(Scalar::from_node),
        on: events(root.get("on")),
        jobs: Vec::new(),
        env: scalar_entries(root.get("env")),
        defaults: read_defaults(root),
    };
    if let Some(jobs) = root.get("jobs") {
        for (_, key, job) in jobs.entries() {
            if let (Some(id), Some(_)) = (Scalar::from_node(key), job.as_map()) {
                workflow.jobs.push(read_job(id, job));
            }
        }
    }
    Ok(workflow)
}

/// `on:` as a scalar, a list or a mapping of event names.
fn events(node: Option<&Node>) -> Vec<Scalar> {
    match node {
        Some(n) if n.as_map().is_some() => n
            .entries()
            .into_iter()
            .filter_map(|(_, k, _)| Scalar::from_node(k))
            .collect(),
        other => scalar_list(other),
    }
}

fn scalar_list(node: Option<&Node>) -> Vec<Scalar> {
    match node {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().filter_map(Scalar::from_node).collect(),
            None if n.is_null() => Vec::new(),
            None => Scalar::from_node(n).into_iter().collect(),
        },
    }
}

fn read_container(name: Scalar, node: &Node) -> Option<Container> {
    if node.is_null() {
        return None;
    }
    if let Some(image) = Scalar::from_node(node) {
        return Some(Container {
            name,
            image: Some(image),
            options: None,
        });
    }
    node.as_map()?;
    Some(Container {
        name,
        image: node.get("image").and_then(Scalar::from_node),
        options: node.get("options").and_then(Scalar::from_node),
    })
}

fn read_defaults(node: &Node) -> RunDefaults {
    let run = node.get("defaults").and_then(|d| d.get("run"));
    RunDefaults {
        shell: run.and_then(|r| r.get("shell")).and_then(Scalar::from_node),
        working_directory: run
            .and_then(|r| r.get("working-directory"))
            .and_then(Scalar::from_node),
    }
}

fn read_step(s: &Node) -> Step {
    let scalar = |key: &str| s.get(key).and_then(Scalar::from_node);
    let items = s.as_map().unwrap_or_default();
    let content = match (
        items.first(),
        items.iter().map(|(k, v)| k.span.end.max(v.span.end)).max(),
    ) {
        (Some((k, _)), Some(end)) => Span::new(k.span.start, end.max(k.span.start)),
        _ => s.span,
    };
    Step {
        span: s.span,
        name: scalar("name"),
        uses: scalar("uses"),
        with: scalar_entries(s.get("with")),
        run: scalar("run"),
        id: scalar("id"),
        condition: scalar("if"),
        shell: scalar("shell"),
        working_directory: scalar("working-directory"),
        env: scalar_entries(s.get("env")),
        keys: items
            .iter()
            .filter_map(|(k, _)| Scalar::from_node(k))
            .collect(),
        content,
    }
}

fn read_job(id: Scalar, node: &Node) -> Job {
    let services = node
        .get("services")
        .map(|s| {
            s.entries()
                .into_iter()
                .filter_map(|(_, k, v)| read_container(Scalar::from_node(k)?, v))
                .collect()
        })
        .unwrap_or_default();
    let container = node.get_entry("container").and_then(|(k, v)| {
        let name = Scalar::from_node(k)?;
        read_container(name, v)
    });
    let steps = node
        .get("steps")
        .and_then(Node::as_seq)
        .map(|steps| {
            steps
                .iter()
                .filter(|s| s.as_map().is_some())
                .map(read_step)
                .collect()
        })
        .unwrap_or_default();
    Job {
        id,
        span: node.span,
        needs: scalar_list(node.get("needs")),
        services,
        container,
        steps,
        uses: node.get("uses").and_then(Scalar::from_node),
        env: scalar_entries(node.get("env")),
        name: node.get("name").and_then(Scalar::from_node),
        condition: node.get("if").and_then(Scalar::from_node),
        outputs: node
            .get("outputs")
            .map(|o| {
                o.entries()
                    .into_iter()
                    .filter_map(|(_, k, _)| Scalar::from_node(k))
                    .collect()
            })
            .unwrap_or_default(),
        environment: node
            .get("environment")
            .filter(|e| !e.is_null())
            .map(|e| e.span),
        defaults: read_defaults(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CI: &str = r#"name: CI
on: [push]
x-db: &db
  image: postgres:16 # comment
  options: >-
    --health-cmd pg_isready
    --health-interval 10s
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/bake-action@v5
        with:
          files: docker-bake.hcl
          set: "*.cache-from=type=gha"
  test:
    needs: build
    container: "node:20"
    services:
      db: *db
      redis:
        image: ${{ vars.REDIS_IMAGE }}
    steps:
      - run: pip install pytest
  deploy:
    needs: [build, test]
    uses: ./.github/workflows/deploy.yml
"#;

    fn at(span: Span) -> &'static str {
        &CI[span.start..span.end]
    }

    #[test]
    fn jobs_with_spans() {
        let w = load(CI).unwrap();
        assert_eq!(w.name.as_ref().unwrap().value, "CI");
        let ids: Vec<&str> = w.jobs.iter().map(|j| j.id.value.as_str()).collect();
        assert_eq!(ids, ["build", "test", "deploy"]);
        let build = w.job("build").unwrap();
        let step = &build.steps[0];
        assert_eq!(
            at(step.uses.as_ref().unwrap().span),
            "docker/bake-action@v5"
        );
        let (k, v) = &step.with[1];
        assert_eq!(k.value, "set");
        assert_eq!(v.value, "*.cache-from=type=gha");
        assert_eq!(at(v.span), "\"*.cache-from=type=gha\"");
        assert!(!v.plain);
        let test = w.job("test").unwrap();
        assert_eq!(test.needs[0].value, "build");
        let c = test.container.as_ref().unwrap();
        assert_eq!(c.image.as_ref().unwrap().value, "node:20");
        assert_eq!(at(c.image.as_ref().unwrap().span), "\"node:20\"");
        assert_eq!(
            test.steps[0].run.as_ref().unwrap().value,
            "pip install pytest"
        );
        let deploy = w.job("deploy").unwrap();
        let needs: Vec<&str> = deploy.needs.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(needs, ["build", "test"]);
        assert_eq!(
            deploy.uses.as_ref().unwrap().value,
            "./.github/workflows/deploy.yml"
        );
    }

    #[test]
    fn anchors_keep_the_anchored_spans() {
        let w = load(CI).unwrap();
        let db = &w.job("test").unwrap().services[0];
        assert_eq!(db.name.value, "db");
        let image = db.image.as_ref().unwrap();
        assert_eq!(at(image.span), "postgres:16");
        let options = db.options.as_ref().unwrap();
        assert_eq!(
            options.value,
            "--health-cmd pg_isready --health-interval 10s"
        );
        assert!(at(options.span).contains("--health-interval 10s"));
    }

    #[test]
    fn expressions_are_left_alone() {
        let w = load(CI).unwrap();
        let redis = &w.job("test").unwrap().services[1];
        let image = redis.image.as_ref().unwrap();
        assert_eq!(image.value, "${{ vars.REDIS_IMAGE }}");
        assert!(image.has_expression());
        assert_eq!(at(image.span), "${{ vars.REDIS_IMAGE }}");
    }

    #[test]
    fn bad_yaml_is_an_error_with_position() {
        let e = load("jobs:\n  a:\n    steps: [\n").unwrap_err();
        assert!(e.line >= 3, "{e}");
        assert!(e.message.starts_with("invalid YAML"), "{e}");
        let e = load("jobs: {a: 1\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e}");
        let e = load("- a\n- b\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.to_string().contains("not a mapping"), "{e}");
        let e = load("*nothing\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e}");
    }

    #[test]
    fn triggers_conditions_env_outputs_and_environments() {
        let text = "on:\n  push:\n    branches: [main]\n  workflow_call:\nenv:\n  REGISTRY: ghcr.io\njobs:\n  tag:\n    name: Tag images\n    if: github.ref == 'refs/heads/main'\n    environment:\n      name: production\n    env:\n      IMAGE: app\n    outputs:\n      digest: ${{ steps.x.outputs.digest }}\n    steps:\n      - id: x\n        shell: bash\n        working-directory: app\n        env: {TAG: v1}\n        run: echo\n";
        let w = load(text).unwrap();
        let on: Vec<&str> = w.on.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(on, ["push", "workflow_call"]);
        assert!(w.triggered_by("workflow_call") && !w.triggered_by("release"));
        assert_eq!(w.env[0].1.value, "ghcr.io");
        let job = &w.jobs[0];
        assert_eq!(job.name.as_ref().unwrap().value, "Tag images");
        let condition = job.condition.as_ref().unwrap();
        assert_eq!(
            condition.span.slice(text),
            "github.ref == 'refs/heads/main'"
        );
        assert!(job.environment.unwrap().slice(text).contains("production"));
        assert_eq!(job.env[0].0.value, "IMAGE");
        assert_eq!(job.outputs[0].value, "digest");
        let step = &job.steps[0];
        assert_eq!(step.id.as_ref().unwrap().value, "x");
        assert_eq!(step.shell.as_ref().unwrap().value, "bash");
        assert_eq!(step.working_directory.as_ref().unwrap().value, "app");
        assert_eq!(step.env[0].1.value, "v1");
        let w = load("on: [push, pull_request]\njobs: {}\n").unwrap();
        assert_eq!(w.on.len(), 2);
        assert!(load("on: push\n").unwrap().triggered_by("push"));
    }

    #[test]
    fn odd_shapes_are_skipped() {
        assert_eq!(load("").unwrap(), Workflow::default());
        assert_eq!(load("# only a comment\n").unwrap(), Workflow::default());
        let w = load("jobs:\n  a: 3\n  b:\n    services: [x]\n    steps: {x: 1}\n    needs: {}\n")
            .unwrap();
        assert_eq!(w.jobs.len(), 1);
        assert!(w.jobs[0].services.is_empty() && w.jobs[0].steps.is_empty());
    }
}
