//! Generated bake projects, written as HCL or JSON from one model: variables
//! (typed, validated, defined through each other), functions (variadic,
//! recursive), targets with most attributes buildx knows, `inherits` (cycles
//! included), matrices, groups of targets and groups, plus the Dockerfiles
//! and context files the targets point at.

use super::dictionary::CONTEXT_FILES;
use super::project::Project;
use super::rng::Rng;

/// A value as both syntaxes can write it.
#[derive(Debug, Clone)]
pub enum V {
    /// A template: `${...}` and `%{...}` inside are kept as written.
    Str(String),
    /// An HCL expression (`"${expr}"` in JSON).
    Expr(String),
    List(Vec<V>),
    Map(Vec<(String, V)>),
    Bool(bool),
    Num(i64),
    Null,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: &'static str,
    pub name: String,
    pub attrs: Vec<(String, V)>,
    /// Nested blocks (`validation`).
    pub blocks: Vec<(&'static str, Vec<(String, V)>)>,
}

const VARIABLES: &[&str] = &["TAG", "REPO", "VERSION", "PLATFORMS", "PUSH", "BASE"];
const FUNCTIONS: &[&str] = &["tagname", "fmt", "pick"];
const TARGETS: &[&str] = &[
    "default", "app", "base", "test", "lint", "web", "worker", "_common",
];
const GROUPS: &[&str] = &["default", "all", "ci"];
const STAGES: &[&str] = &["base", "build", "test", "final"];

pub struct Generator<'a> {
    pub rng: &'a mut Rng,
}

impl Generator<'_> {
    /// A project with a bake file (HCL or JSON, sometimes both), its
    /// Dockerfiles and a few context files.
    pub fn project(&mut self) -> Project {
        let blocks = self.blocks();
        let mut files = Vec::new();
        match self.rng.below(4) {
            0 => files.push(("docker-bake.json".to_string(), json(&blocks).into_bytes())),
            1 => {
                let split = self.rng.below(blocks.len() + 1);
                files.push((
                    "docker-bake.hcl".to_string(),
                    hcl(&blocks[..split]).into_bytes(),
                ));
                files.push((
                    "docker-bake.override.json".to_string(),
                    json(&blocks[split..]).into_bytes(),
                ));
            }
            _ => files.push(("docker-bake.hcl".to_string(), hcl(&blocks).into_bytes())),
        }
        files.push(("Dockerfile".into(), self.dockerfile().into_bytes()));
        if self.rng.chance(1, 2) {
            files.push(("app/Dockerfile".into(), self.dockerfile().into_bytes()));
        }
        for _ in 0..self.rng.below(3) {
            let (name, text) = *self.rng.pick(CONTEXT_FILES);
            files.push((name.to_string(), text.as_bytes().to_vec()));
        }
        Project::new(files)
    }

    pub fn blocks(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        let variables = self.some(VARIABLES, 0, 4);
        let functions = self.some(FUNCTIONS, 0, 2);
        let targets = self.some(TARGETS, 1, 6);
        let groups = self.some(GROUPS, 0, 2);
        for name in &variables {
            blocks.push(self.variable(name, &variables));
        }
        for name in &functions {
            blocks.push(self.function(name, &functions));
        }
        for name in &targets {
            blocks.push(self.target(name, &targets, &variables, &functions));
        }
        for name in &groups {
            let mut members: Vec<String> = self.some(
                &targets.iter().map(String::as_str).collect::<Vec<_>>(),
                1,
                3,
            );
            if self.rng.chance(1, 8) {
                members.push(self.rng.pick(TARGETS).to_string());
            }
            if self.rng.chance(1, 8) {
                members.push(self.rng.pick(GROUPS).to_string());
            }
            blocks.push(Block {
                kind: "group",
                name: name.clone(),
                attrs: vec![(
                    "targets".into(),
                    V::List(members.into_iter().map(V::Str).collect()),
                )],
                blocks: Vec::new(),
            });
        }
        blocks
    }

    /// `min..=max` distinct names from `names`, in random order.
    fn some(&mut self, names: &[&str], min: usize, max: usize) -> Vec<String> {
        let mut pool: Vec<&str> = names.to_vec();
        let n = self.rng.range(min, max.min(pool.len()));
        (0..n)
            .map(|_| pool.remove(self.rng.below(pool.len())).to_string())
            .collect()
    }

    fn variable(&mut self, name: &str, all: &[String]) -> Block {
        let other = all[self.rng.below(all.len())].clone();
        // Mostly strings, as real definitions use; sometimes other types,
        // with a matching `type` now and then.
        let (default, ty) = match self.rng.weighted(&[8, 2, 1, 1, 1, 1, 2, 1]) {
            0 => (V::Str("v1.2.3".into()), "string"),
            1 => (V::Str(String::new()), "string"),
            2 => (V::Null, "string"),
            3 => (
                V::List(vec![
                    V::Str("linux/amd64".into()),
                    V::Str("linux/arm64".into()),
                ]),
                "list(string)",
            ),
            4 => (V::Bool(self.rng.chance(1, 2)), "bool"),
            5 => (V::Num(self.rng.below(100) as i64), "number"),
            6 => (V::Str(format!("${{{other}}}-suffix")), "string"),
            _ => (V::Expr(format!("lower(\"${{{other}}}\")")), "string"),
        };
        let mut attrs = vec![("default".to_string(), default)];
        if self.rng.chance(1, 4) {
            let ty = if self.rng.chance(1, 5) {
                "map(string)"
            } else {
                ty
            };
            attrs.push(("type".into(), V::Expr(ty.into())));
        }
        let mut blocks = Vec::new();
        if self.rng.chance(1, 6) {
            blocks.push((
                "validation",
                vec![
                    ("condition".to_string(), V::Expr(format!("{name} != \"\""))),
                    (
                        "error_message".to_string(),
                        V::Str(format!("{name} is empty")),
                    ),
                ],
            ));
        }
        Block {
            kind: "variable",
            name: name.to_string(),
            attrs,
            blocks,
        }
    }

    fn function(&mut self, name: &str, all: &[String]) -> Block {
        let other = all[self.rng.below(all.len())].clone();
        let variadic = self.rng.chance(1, 3);
        let result = match self.rng.weighted(&[4, 2, 1, 1, 2]) {
            0 => V::Str("${a}-${b}".into()),
            1 => V::Expr("upper(a)".into()),
            2 => V::Expr("[a, b]".into()),
            3 => V::Expr(format!("{other}(a, b)")),
            _ if variadic => V::Expr("join(\"-\", concat([a], rest))".into()),
            _ => V::Expr("\"${a}${b}\"".into()),
        };
        let mut attrs = vec![("params".to_string(), V::Expr("[a, b]".into()))];
        if variadic {
            attrs.push(("variadic_params".into(), V::Expr("rest".into())));
        }
        attrs.push(("result".into(), result));
        Block {
            kind: "function",
            name: name.to_string(),
            attrs,
            blocks: Vec::new(),
        }
    }

    fn target(
        &mut self,
        name: &str,
        targets: &[String],
        vars: &[String],
        funcs: &[String],
    ) -> Block {
        // A variable to refer to: rarely one that is not defined.
        let var = match vars.first() {
            Some(v) if !self.rng.chance(1, 10) => v.clone(),
            _ => "UNDEFINED".into(),
        };
        let call = match funcs.first() {
            Some(f) => format!("{f}(\"x\", \"y\")"),
            None => "upper(\"x\")".into(),
        };
        let other = targets[self.rng.below(targets.len())].clone();
        let mut attrs: Vec<(String, V)> = Vec::new();
        let attr_count = self.rng.range(0, 8);
        for _ in 0..attr_count {
            let (key, value) = match self.rng.below(24) {
                0 => (
                    "context",
                    self.str_of(&[".", ".", "app", "..", "./sub", "/", &format!("${{{var}}}")]),
                ),
                1 => (
                    "dockerfile",
                    self.str_of(&[
                        "Dockerfile",
                        "app/Dockerfile",
                        "missing.Dockerfile",
                        &format!("${{{var}}}.Dockerfile"),
                    ]),
                ),
                2 => (
                    "dockerfile-inline",
                    self.str_of(&[
                        "FROM alpine:3.19\nRUN echo hi\n",
                        "FROM base\nCOPY . .\n",
                        "FROM ${BASE}\n",
                    ]),
                ),
                3 => (
                    "target",
                    self.str_of(&["base", "build", "test", "final", "nope", "Build"]),
                ),
                4 => {
                    let mut args = vec![
                        ("A".to_string(), V::Str("1".into())),
                        ("PASSWORD".into(), V::Str("hunter2".into())),
                        ("BUILDKIT_INLINE_CACHE".into(), V::Num(1)),
                        ("FN".into(), V::Expr(call.clone())),
                    ];
                    if let Some(var) = vars.first() {
                        args.push((var.clone(), V::Expr(var.clone())));
                    }
                    if self.rng.chance(1, 6) {
                        args.push(("REF".into(), V::Expr(format!("target.{other}.args.A"))));
                    }
                    ("args", V::Map(args))
                }
                5 => (
                    "tags",
                    V::List(vec![
                        V::Str(format!("repo/{name}:${{{var}}}")),
                        V::Str(format!("{name}:latest")),
                        V::Str("docker.io/library/x:1.0".into()),
                    ]),
                ),
                6 => (
                    "tags",
                    V::Expr("formatlist(\"repo/x:%s\", [\"a\", \"b\"])".into()),
                ),
                7 => (
                    "platforms",
                    if self.rng.chance(1, 2) {
                        V::List(vec![
                            V::Str("linux/amd64".into()),
                            V::Str("linux/arm64".into()),
                        ])
                    } else {
                        V::Expr(var.clone())
                    },
                ),
                8 => (
                    "cache-from",
                    V::List(vec![self.str_of(&[
                        "type=registry,ref=repo/cache",
                        "type=gha",
                        "user/app:cache",
                        "type=local,src=/tmp/c",
                    ])]),
                ),
                9 => (
                    "cache-to",
                    V::List(vec![self.str_of(&[
                        "type=registry,ref=repo/cache,mode=max",
                        "type=gha,mode=max",
                        "type=inline",
                        "type=local,dest=/tmp/c",
                    ])]),
                ),
                10 => (
                    "output",
                    V::List(vec![self.str_of(&[
                        "type=docker",
                        "type=image,push=true",
                        "type=cacheonly",
                        "./out",
                    ])]),
                ),
                11 => (
                    "labels",
                    V::Map(vec![(
                        "org.opencontainers.image.title".into(),
                        V::Str(name.into()),
                    )]),
                ),
                12 => ("annotations", V::List(vec![V::Str("index:a=b".into())])),
                13 => (
                    "secret",
                    V::List(vec![self.str_of(&[
                        "id=npm,src=.npmrc",
                        "id=token,env=TOKEN",
                        "type=file,id=x",
                    ])]),
                ),
                14 => ("ssh", V::List(vec![V::Str("default".into())])),
                15 => (
                    "contexts",
                    V::Map(vec![
                        ("base".into(), V::Str(format!("target:{other}"))),
                        (
                            "src".into(),
                            self.str_of(&[
                                "../",
                                "docker-image://alpine",
                                "https://github.com/x/y.git",
                            ]),
                        ),
                    ]),
                ),
                16 => ("no-cache", V::Bool(self.rng.chance(1, 2))),
                17 => ("pull", V::Bool(self.rng.chance(1, 2))),
                18 => ("network", self.str_of(&["host", "none", "default"])),
                19 => ("call", self.str_of(&["check", "build", "outline"])),
                20 => {
                    let mut parents: Vec<V> = Vec::new();
                    for _ in 0..self.rng.range(1, 3) {
                        parents.push(V::Str(targets[self.rng.below(targets.len())].clone()));
                    }
                    if self.rng.chance(1, 6) {
                        parents.push(V::Str("unknown".into()));
                    }
                    ("inherits", V::List(parents))
                }
                21 => (
                    "entitlements",
                    V::List(vec![self.str_of(&["network.host", "security.insecure"])]),
                ),
                22 => (
                    "attest",
                    V::List(vec![self.str_of(&["type=sbom", "type=provenance,mode=max"])]),
                ),
                _ => ("description", V::Str(format!("the ${{{var}}} target"))),
            };
            attrs.retain(|(k, _)| k != key);
            attrs.push((key.to_string(), value));
        }
        if self.rng.chance(1, 5) {
            let mut matrix = vec![(
                "item".to_string(),
                V::List(vec![V::Str("a".into()), V::Str("b".into())]),
            )];
            if self.rng.chance(1, 3) {
                matrix.push(("v".into(), V::List(vec![V::Num(1), V::Num(2)])));
            }
            attrs.push(("matrix".into(), V::Map(matrix)));
            let pattern = *self.rng.pick(&[
                "{n}-${item}",
                "{n}-${item}-${v}",
                "{n}-${item}",
                "{n}",
                "{n}.${item}",
            ]);
            attrs.push(("name".into(), V::Str(pattern.replace("{n}", name))));
        }
        Block {
            kind: "target",
            name: name.to_string(),
            attrs,
            blocks: Vec::new(),
        }
    }

    fn str_of(&mut self, options: &[&str]) -> V {
        V::Str(self.rng.pick(options).to_string())
    }

    fn dockerfile(&mut self) -> String {
        let mut out = String::new();
        if self.rng.chance(1, 3) {
            out += "# syntax=docker/dockerfile:1\n";
        }
        out += "ARG BASE=alpine:3.19\n";
        let stages = self.rng.range(1, STAGES.len());
        for (i, stage) in STAGES.iter().take(stages).enumerate() {
            let from = if i == 0 {
                "${BASE}".to_string()
            } else {
                STAGES[i - 1].to_string()
            };
            out += &format!("FROM {from} AS {stage}\n");
            let lines = [
                "ARG TAG\n",
                "ARG PASSWORD\n",
                "ENV PATH=/app/bin:$PATH\n",
                "WORKDIR /app\n",
                "COPY requirements.txt .\n",
                "RUN pip install -r requirements.txt\n",
                "COPY . .\n",
                "RUN apt-get update && apt-get install -y curl\n",
                "RUN --mount=type=cache,target=/root/.npm npm ci\n",
                "COPY --from=base /app /app\n",
                "USER 1000\n",
                "EXPOSE 8080\n",
                "CMD [\"./run\"]\n",
            ];
            for _ in 0..self.rng.range(1, 4) {
                out += *self.rng.pick(&lines);
            }
        }
        out
    }
}

/// The blocks as an HCL file.
pub fn hcl(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        out += &format!("{} \"{}\" {{\n", b.kind, b.name);
        for (key, value) in &b.attrs {
            out += &format!("  {key} = {}\n", hcl_value(value));
        }
        for (kind, attrs) in &b.blocks {
            out += &format!("  {kind} {{\n");
            for (key, value) in attrs {
                out += &format!("    {key} = {}\n", hcl_value(value));
            }
            out += "  }\n";
        }
        out += "}\n\n";
    }
    out
}

fn hcl_value(v: &V) -> String {
    match v {
        V::Str(s) => format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        ),
        V::Expr(e) => e.clone(),
        V::List(items) => format!(
            "[{}]",
            items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")
        ),
        V::Map(entries) => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl_key(k), hcl_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        V::Bool(b) => b.to_string(),
        V::Num(n) => n.to_string(),
        V::Null => "null".into(),
    }
}

fn hcl_key(k: &str) -> String {
    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        format!("\"{k}\"")
    }
}

/// The blocks as a JSON bake file: `{"kind": {"name": {attrs}}}`.
pub fn json(blocks: &[Block]) -> String {
    let mut kinds: Vec<(&str, Vec<String>)> = Vec::new();
    for b in blocks {
        let mut fields: Vec<String> = b
            .attrs
            .iter()
            .map(|(k, v)| format!("{}: {}", json_string(k), json_value(v, k)))
            .collect();
        for (kind, attrs) in &b.blocks {
            let inner: Vec<String> = attrs
                .iter()
                .map(|(k, v)| format!("{}: {}", json_string(k), json_value(v, k)))
                .collect();
            fields.push(format!("{}: [{{{}}}]", json_string(kind), inner.join(", ")));
        }
        let entry = format!("{}: {{{}}}", json_string(&b.name), fields.join(", "));
        match kinds.iter_mut().find(|(k, _)| *k == b.kind) {
            Some((_, entries)) => entries.push(entry),
            None => kinds.push((b.kind, vec![entry])),
        }
    }
    let body: Vec<String> = kinds
        .iter()
        .map(|(k, entries)| {
            format!(
                "  {}: {{\n    {}\n  }}",
                json_string(k),
                entries.join(",\n    ")
            )
        })
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// `params` are identifiers (a list of names in JSON), a `type` is an
/// expression written as a plain string.
fn json_value(v: &V, key: &str) -> String {
    match v {
        V::Str(s) => json_string(s),
        V::Expr(e) if key == "type" => json_string(e),
        V::Expr(e) if key == "params" => {
            let inner = e.trim_start_matches('[').trim_end_matches(']');
            let items: Vec<String> = inner.split(',').map(|s| json_string(s.trim())).collect();
            format!("[{}]", items.join(", "))
        }
        V::Expr(e) => json_string(&format!("${{{e}}}")),
        V::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| json_value(i, ""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        V::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", json_string(k), json_value(v, "")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        V::Bool(b) => b.to_string(),
        V::Num(n) => n.to_string(),
        V::Null => "null".into(),
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}
