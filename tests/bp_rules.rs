//! The CI build-speed rules BP001 (sha-tag), BP002 (registry-cache),
//! BP003 (cache-to-mode-max), BP006 (alpine-postgres) and BP008
//! (dockerignore) on little projects: spans, messages, options, fixes,
//! convergence, and edge cases (inheritance, matrix, variables, object-form
//! entries, JSON bake files, CRLF files, odd input).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::{Applicability, Diagnostic};
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::project::discover;
use bakelint::workspace::{self, Plan};

struct Project {
    dir: tempfile::TempDir,
    settings: Settings,
}

impl Project {
    fn new(code: &str, config: &str, files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let p = dir.path().join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(p, text).expect("write");
        }
        let cli = CliSelection {
            select: Some(vec![code.to_string()]),
            ..CliSelection::default()
        };
        let settings =
            Settings::from_toml(Path::new("bakelint.toml"), config, &cli).expect("settings");
        Project { dir, settings }
    }

    fn plan(&self) -> Plan {
        let found = discover(&[self.dir.path().to_path_buf()]);
        let mut plan = Plan::new(&found.files, &[]);
        plan.cwd = self.dir.path().to_path_buf();
        plan.env = BTreeMap::new();
        plan
    }

    fn lint_with(&self, overlay: &BTreeMap<PathBuf, String>) -> Vec<Diagnostic> {
        workspace::lint(&self.plan(), overlay, &self.settings).diagnostics
    }

    fn lint(&self) -> Vec<Diagnostic> {
        self.lint_with(&BTreeMap::new())
    }

    /// The source text each diagnostic points at.
    fn spans(&self, diags: &[Diagnostic]) -> Vec<String> {
        diags
            .iter()
            .map(|d| {
                let text = std::fs::read_to_string(&d.file).unwrap_or_default();
                d.span.slice(&text).to_string()
            })
            .collect()
    }

    /// Runs `--fix` (with unsafe fixes when asked), checks that a second
    /// run changes nothing, and returns the fixed contents by file name.
    fn fix(&self, unsafe_fixes: bool) -> BTreeMap<String, String> {
        let mode = FixMode { unsafe_fixes };
        let lint = |files: &BTreeMap<PathBuf, String>| self.lint_with(files);
        let res = fix_all(self.lint(), mode, &DiskSource, &lint);
        assert!(res.failures.is_empty(), "fix failures: {:?}", res.failures);
        let again = lint(&res.contents);
        let res2 = fix_all(again, mode, &DiskSource, &|f: &BTreeMap<
            PathBuf,
            String,
        >| {
            let mut merged = res.contents.clone();
            merged.extend(f.clone());
            lint(&merged)
        });
        let changed: Vec<&PathBuf> = res2
            .changed()
            .filter(|(p, _, new)| res.contents.get(*p) != Some(*new))
            .map(|(p, _, _)| p)
            .collect();
        assert!(changed.is_empty(), "a second fix changes {changed:?}");
        res.contents
            .iter()
            .map(|(p, t)| {
                let name = p
                    .strip_prefix(self.dir.path())
                    .unwrap_or(p)
                    .display()
                    .to_string();
                (name, t.clone())
            })
            .collect()
    }
}

fn messages(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.message.as_str()).collect()
}

// ---------------------------------------------------------------------------
// BP001 sha-tag

#[test]
fn sha_tag_fires_on_the_tags_expression_and_fixes() {
    let hcl = "variable \"REGISTRY\" {\n  default = \"ghcr.io/acme\"\n}\n\ntarget \"web\" {\n  tags = [\"${REGISTRY}/web:latest\", \"${REGISTRY}/web:1.0\", \"docker.io/acme/web:latest\"]\n}\n";
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["target \"web\": no tag carries the commit SHA"]
    );
    assert_eq!(
        p.spans(&diags),
        vec![
            "[\"${REGISTRY}/web:latest\", \"${REGISTRY}/web:1.0\", \"docker.io/acme/web:latest\"]"
        ]
    );
    let fix = diags[0].fix.as_ref().expect("fix");
    assert_eq!(fix.applicability, Applicability::Safe);
    assert!(diags[0].help.as_deref().unwrap_or("").contains("5 minutes"));
    let fixed = p.fix(false);
    assert_eq!(
        fixed["docker-bake.hcl"],
        "variable \"REGISTRY\" {\n  default = \"ghcr.io/acme\"\n}\n\nvariable \"GITHUB_SHA\" {\n  default = \"dev\"\n}\n\ntarget \"web\" {\n  tags = [\"${REGISTRY}/web:latest\", \"${REGISTRY}/web:1.0\", \"docker.io/acme/web:latest\", \"${REGISTRY}/web:${GITHUB_SHA}\", \"docker.io/acme/web:${GITHUB_SHA}\"]\n}\n"
    );
}

#[test]
fn sha_tag_accepts_sha_variables_direct_or_indirect_and_literal_shas() {
    let hcl = r#"variable "GIT_SHA" {
  default = ""
}
variable "VERSION" {
  default = "sha-${GIT_SHA}"
}
target "a" {
  tags = ["acme/a:${GIT_SHA}"]
}
target "b" {
  tags = ["acme/b:${VERSION}"]
}
target "c" {
  tags = ["acme/c:0123abcd"]
}
target "d" {
  tags = ["acme/d:latest"]
}
target "e" {
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["target \"d\": no tag carries the commit SHA"]
    );
    // An already declared SHA variable is used, no new declaration.
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].contains("tags = [\"acme/d:latest\", \"acme/d:${GIT_SHA}\"]"));
    assert!(!fixed["docker-bake.hcl"].contains("GITHUB_SHA"));
}

#[test]
fn sha_tag_options() {
    let hcl = "target \"app\" {\n  tags = [\"acme/app:${BUILD}\"]\n}\nvariable \"BUILD\" {\n  default = \"1\"\n}\n";
    let p = Project::new(
        "BP001",
        "[rules.sha-tag]\nsha-variables = [\"BUILD\"]\n",
        &[("docker-bake.hcl", hcl)],
    );
    assert!(p.lint().is_empty());

    let p = Project::new(
        "BP001",
        "[rules.sha-tag]\nvariable = \"CI_COMMIT_SHA\"\n",
        &[("docker-bake.hcl", hcl)],
    );
    assert_eq!(p.lint().len(), 1);
    let fixed = p.fix(false);
    assert_eq!(
        fixed["docker-bake.hcl"],
        "target \"app\" {\n  tags = [\"acme/app:${BUILD}\", \"acme/app:${CI_COMMIT_SHA}\"]\n}\nvariable \"BUILD\" {\n  default = \"1\"\n}\n\nvariable \"CI_COMMIT_SHA\" {\n  default = \"dev\"\n}\n"
    );
}

#[test]
fn sha_tag_inherited_tags_point_at_the_parent_once() {
    let hcl = r#"target "_base" {
  tags = [
    "acme/app:latest",
  ]
}
target "amd64" {
  inherits = ["_base"]
}
target "arm64" {
  inherits = ["_base"]
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["targets \"amd64\", \"arm64\": no tag carries the commit SHA (tags inherited from \"_base\")"]
    );
    assert_eq!(p.spans(&diags), vec!["[\n    \"acme/app:latest\",\n  ]"]);
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].starts_with(
        "variable \"GITHUB_SHA\" {\n  default = \"dev\"\n}\n\ntarget \"_base\" {\n  tags = [\n    \"acme/app:latest\",\n    \"acme/app:${GITHUB_SHA}\",\n  ]\n}\n"
    ));
}

#[test]
fn sha_tag_skips_abstract_and_only_inherited_targets() {
    let hcl = r#"target "common" {
  tags = ["acme/common:latest"]
}
target "app" {
  inherits = ["common"]
  tags = ["acme/app:${GITHUB_SHA}"]
}
variable "GITHUB_SHA" {
  default = "dev"
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    assert!(p.lint().is_empty(), "{:?}", p.lint());
}

#[test]
fn sha_tag_matrix_targets_share_one_finding_and_fix() {
    let hcl = r#"target "svc" {
  name = "svc-${item}"
  matrix = {
    item = ["api", "worker"]
  }
  tags = ["acme/${item}:latest"]
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.contains("\"svc-api\", \"svc-worker\""));
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"]
        .contains("tags = [\"acme/${item}:latest\", \"acme/${item}:${GITHUB_SHA}\"]"));
}

#[test]
fn sha_tag_several_targets_declare_the_variable_once() {
    let hcl = "target \"a\" {\n  tags = [\"acme/a:latest\"]\n}\n\ntarget \"b\" {\n  tags = [\"acme/b:latest\"]\n}\n";
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    assert_eq!(p.lint().len(), 2);
    let fixed = p.fix(false);
    let text = &fixed["docker-bake.hcl"];
    assert_eq!(text.matches("variable \"GITHUB_SHA\"").count(), 1, "{text}");
    assert!(text.contains("\"acme/a:${GITHUB_SHA}\""));
    assert!(text.contains("\"acme/b:${GITHUB_SHA}\""));
}

#[test]
fn sha_tag_json_bake_files() {
    let json = "{\n  \"variable\": {\"GITHUB_SHA\": {\"default\": \"dev\"}},\n  \"target\": {\n    \"app\": {\n      \"tags\": [\"acme/app:latest\"]\n    }\n  }\n}\n";
    let p = Project::new("BP001", "", &[("docker-bake.json", json)]);
    let diags = p.lint();
    assert_eq!(p.spans(&diags), vec!["[\"acme/app:latest\"]"]);
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.json"]
        .contains("\"tags\": [\"acme/app:latest\", \"acme/app:${GITHUB_SHA}\"]"));

    // Without a declared variable the fix declares it in JSON too.
    let json = "{\n  \"target\": {\n    \"app\": {\"tags\": [\"acme/app:latest\"]}\n  }\n}\n";
    let p = Project::new("BP001", "", &[("docker-bake.json", json)]);
    assert_eq!(p.lint().len(), 1);
    let fixed = p.fix(false);
    assert_eq!(
        fixed["docker-bake.json"],
        "{\n  \"variable\": {\"GITHUB_SHA\": {\"default\": \"dev\"}},\n  \"target\": {\n    \"app\": {\"tags\": [\"acme/app:latest\", \"acme/app:${GITHUB_SHA}\"]}\n  }\n}\n"
    );
}

#[test]
fn sha_tag_crlf_files_stay_crlf() {
    let hcl = "target \"app\" {\r\n  tags = [\r\n    \"acme/app:latest\"\r\n  ]\r\n}\r\n";
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let fixed = p.fix(false);
    let text = &fixed["docker-bake.hcl"];
    assert_eq!(
        text,
        "variable \"GITHUB_SHA\" {\r\n  default = \"dev\"\r\n}\r\n\r\ntarget \"app\" {\r\n  tags = [\r\n    \"acme/app:latest\",\r\n    \"acme/app:${GITHUB_SHA}\"\r\n  ]\r\n}\r\n"
    );
}

#[test]
fn sha_tag_tags_from_a_variable_get_help_only() {
    let hcl = "variable \"TAGS\" {\n  default = [\"acme/app:latest\"]\n}\ntarget \"app\" {\n  tags = TAGS\n}\n";
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1);
    assert_eq!(p.spans(&diags), vec!["TAGS"]);
    assert!(diags[0].fix.is_none());
}

// ---------------------------------------------------------------------------
// BP002 registry-cache

#[test]
fn registry_cache_string_entries() {
    let hcl = r#"variable "REGISTRY" {
  default = "ghcr.io/acme"
}
target "web" {
  tags       = ["${REGISTRY}/web:latest"]
  cache-from = ["type=gha"]
  cache-to   = ["type=gha,mode=max,ignore-error=true,url=http://x"]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec![
            "target \"web\": cache-from uses the GitHub Actions cache (type=gha)",
            "target \"web\": cache-to uses the GitHub Actions cache (type=gha)"
        ]
    );
    assert_eq!(
        p.spans(&diags),
        vec![
            "\"type=gha\"",
            "\"type=gha,mode=max,ignore-error=true,url=http://x\""
        ]
    );
    assert!(diags
        .iter()
        .all(|d| d.fix.as_ref().map(|f| f.applicability) == Some(Applicability::Unsafe)));
    assert!(diags[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("twice as fast"));
    // Safe fixes leave it alone.
    assert!(p.fix(false).is_empty());
    let fixed = p.fix(true);
    assert!(fixed["docker-bake.hcl"].contains(
        "cache-from = [\"type=registry,ref=${REGISTRY}/web:buildcache\"]\n  cache-to   = [\"type=registry,ref=${REGISTRY}/web:buildcache,mode=max,ignore-error=true\"]"
    ));
}

#[test]
fn registry_cache_object_entries_hcl_and_json() {
    let hcl = r#"target "web" {
  tags       = ["acme/web:latest"]
  cache-from = [{ type = "gha", scope = "web" }]
  cache-to   = [{ type = "gha", mode = "max" }]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    assert_eq!(
        p.spans(&p.lint()),
        vec![
            "{ type = \"gha\", scope = \"web\" }",
            "{ type = \"gha\", mode = \"max\" }"
        ]
    );
    let fixed = p.fix(true);
    assert_eq!(
        fixed["docker-bake.hcl"],
        "target \"web\" {\n  tags       = [\"acme/web:latest\"]\n  cache-from = [{ type = \"registry\", ref = \"acme/web:buildcache-web\" }]\n  cache-to   = [{ type = \"registry\", ref = \"acme/web:buildcache\", mode = \"max\" }]\n}\n"
    );

    let json = "{\"target\": {\"web\": {\"tags\": [\"acme/web:1\"], \"cache-to\": [{\"type\": \"gha\", \"scope\": \"w\", \"mode\": \"max\"}]}}}\n";
    let p = Project::new("BP002", "", &[("docker-bake.json", json)]);
    let fixed = p.fix(true);
    assert_eq!(
        fixed["docker-bake.json"],
        "{\"target\": {\"web\": {\"tags\": [\"acme/web:1\"], \"cache-to\": [{\"type\": \"registry\", \"ref\": \"acme/web:buildcache-w\", \"mode\": \"max\"}]}}}\n"
    );
}

#[test]
fn registry_cache_ref_option_and_help_only_cases() {
    let hcl = "target \"web\" {\n  cache-from = [\"type=gha,scope=${TARGET}\"]\n}\nvariable \"TARGET\" {\n  default = \"web\"\n}\n";
    // No tags, no option: help only.
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1);
    assert!(diags[0].fix.is_none());
    assert!(diags[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("buildcache"));
    // The option gives the ref; the scope is carried as written.
    let p = Project::new(
        "BP002",
        "[rules.registry-cache]\nref = \"ghcr.io/acme/cache:{target}-{scope}\"\n",
        &[("docker-bake.hcl", hcl)],
    );
    let fixed = p.fix(true);
    assert!(fixed["docker-bake.hcl"]
        .contains("cache-from = [\"type=registry,ref=ghcr.io/acme/cache:web-${TARGET}\"]"));
}

#[test]
fn registry_cache_inherited_entry_shared_by_targets_with_different_repositories() {
    let hcl = r#"target "_common" {
  cache-from = ["type=gha"]
}
target "web" {
  inherits = ["_common"]
  tags = ["acme/web:latest"]
}
target "api" {
  inherits = ["_common"]
  tags = ["acme/api:latest"]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["targets \"api\", \"web\": cache-from uses the GitHub Actions cache (type=gha)"]
    );
    assert_eq!(p.spans(&diags), vec!["\"type=gha\""]);
    let help = diags[0].help.as_deref().unwrap_or("");
    assert!(
        help.contains("\"api\": `acme/api:buildcache`, \"web\": `acme/web:buildcache`"),
        "{help}"
    );
    // The fix moves the entry down: each target gets its own registry cache.
    let fixed = p.fix(true);
    assert_eq!(
        fixed["docker-bake.hcl"],
        r#"target "_common" {
}
target "web" {
  inherits = ["_common"]
  tags = ["acme/web:latest"]
  cache-from = ["type=registry,ref=acme/web:buildcache"]
}
target "api" {
  inherits = ["_common"]
  tags = ["acme/api:latest"]
  cache-from = ["type=registry,ref=acme/api:buildcache"]
}
"#
    );
}

#[test]
fn registry_cache_shared_entry_with_other_elements_gets_help_only() {
    let hcl = r#"target "_common" {
  cache-from = ["type=gha", "type=local,src=/tmp/cache"]
}
target "web" {
  inherits = ["_common"]
  tags = ["acme/web:latest"]
}
target "api" {
  inherits = ["_common"]
  tags = ["acme/api:latest"]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1);
    assert!(diags[0].fix.is_none());
}

#[test]
fn registry_cache_ignores_registry_caches() {
    let hcl = "target \"web\" {\n  cache-from = [\"acme/web:cache\", \"type=local,src=/tmp\"]\n}\n";
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    assert!(p.lint().is_empty());
}

// ---------------------------------------------------------------------------
// BP003 cache-to-mode-max

#[test]
fn cache_to_mode_max_string_forms() {
    let hcl = r#"target "a" {
  cache-from = ["type=registry,ref=acme/a:cache"]
  cache-to   = ["type=registry,ref=acme/a:cache,mode=min"]
}
target "b" {
  cache-from = ["type=local,src=/tmp/b"]
  cache-to   = ["type=local,dest=/tmp/b"]
}
target "c" {
  cache-from = ["acme/c:latest"]
  cache-to   = ["type=inline"]
}
"#;
    let p = Project::new("BP003", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec![
            "target \"a\": cache-to type=registry has mode=min, so only the final stage's layers are cached",
            "target \"b\": cache-to type=local has no mode (min), so only the final stage's layers are cached"
        ]
    );
    assert_eq!(
        p.spans(&diags),
        vec![
            "\"type=registry,ref=acme/a:cache,mode=min\"",
            "\"type=local,dest=/tmp/b\""
        ]
    );
    let fixed = p.fix(false);
    let text = &fixed["docker-bake.hcl"];
    assert!(text.contains("\"type=registry,ref=acme/a:cache,mode=max\""));
    assert!(text.contains("\"type=local,dest=/tmp/b,mode=max\""));
}

#[test]
fn cache_to_mode_max_object_forms_multiline_and_json() {
    let hcl = r#"target "a" {
  cache-from = [{ type = "registry", ref = "acme/a:cache" }]
  cache-to = [
    {
      type = "registry"
      ref  = "acme/a:cache"
    }
  ]
}
"#;
    let p = Project::new("BP003", "", &[("docker-bake.hcl", hcl)]);
    assert_eq!(p.lint().len(), 1);
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].contains(
        "    {\n      type = \"registry\"\n      ref  = \"acme/a:cache\"\n      mode = \"max\"\n    }"
    ));

    let json = "{\"target\": {\"a\": {\n  \"cache-from\": [\"type=gha\"],\n  \"cache-to\": [{\"type\": \"gha\"}]\n}}}\n";
    let p = Project::new("BP003", "", &[("docker-bake.json", json)]);
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.json"]
        .contains("\"cache-to\": [{\"type\": \"gha\", \"mode\": \"max\"}]"));
}

#[test]
fn cache_to_never_read_back() {
    let hcl = r#"target "a" {
  cache-from = ["type=registry,ref=acme/a:other"]
  cache-to   = ["type=registry,ref=acme/a:cache,mode=max"]
}
target "b" {
  cache-to   = ["type=gha,mode=max"]
  cache-from = ["type=gha"]
}
"#;
    let p = Project::new("BP003", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["target \"a\": cache-to writes a cache that no cache-from reads back"]
    );
    assert_eq!(
        p.spans(&diags),
        vec!["[\"type=registry,ref=acme/a:cache,mode=max\"]"]
    );
    assert!(diags[0].fix.is_none());
}

#[test]
fn cache_to_mode_max_inherited_entry_reported_once_in_parent() {
    let hcl = "target \"_c\" {\n  cache-from = [\"type=gha\"]\n  cache-to = [\"type=gha\"]\n}\ntarget \"x\" {\n  inherits = [\"_c\"]\n}\ntarget \"y\" {\n  inherits = [\"_c\"]\n}\n";
    let p = Project::new("BP003", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.starts_with("targets \"x\", \"y\""));
    assert_eq!(p.spans(&diags), vec!["\"type=gha\""]);
    assert!(diags[0].span.start > hcl.find("cache-to").unwrap_or(0));
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].contains("cache-to = [\"type=gha,mode=max\"]"));
}

// ---------------------------------------------------------------------------
// BP006 alpine-postgres

#[test]
fn alpine_postgres_rewrites_tags() {
    let df = "FROM postgres AS a\nFROM postgres:latest AS b\nFROM docker.io/library/postgres:15 AS c\nFROM library/postgres:15.4-bookworm AS d\nFROM postgres:16-alpine AS e\nFROM ghcr.io/acme/postgres:16 AS f\nFROM postgres:${PG} AS g\nFROM postgres:16@sha256:abcd AS h\nFROM a\n";
    let p = Project::new("BP006", "", &[("Dockerfile", df)]);
    let diags = p.lint();
    assert_eq!(
        p.spans(&diags),
        vec![
            "postgres",
            "postgres:latest",
            "docker.io/library/postgres:15",
            "library/postgres:15.4-bookworm",
            "postgres:16@sha256:abcd"
        ]
    );
    assert_eq!(
        diags[0].message,
        "image \"postgres\" is not the alpine variant"
    );
    assert!(diags[0].help.as_deref().unwrap_or("").contains("20–30 s"));
    assert!(diags[4].fix.is_none(), "digest-pinned: help only");
    assert!(p.fix(false).is_empty(), "unsafe fix only");
    let fixed = p.fix(true);
    assert_eq!(
        fixed["Dockerfile"],
        "FROM postgres:alpine AS a\nFROM postgres:alpine AS b\nFROM docker.io/library/postgres:15-alpine AS c\nFROM library/postgres:15.4-alpine AS d\nFROM postgres:16-alpine AS e\nFROM ghcr.io/acme/postgres:16 AS f\nFROM postgres:${PG} AS g\nFROM postgres:16@sha256:abcd AS h\nFROM a\n"
    );
}

#[test]
fn alpine_postgres_images_option_and_stage_names() {
    let df = "FROM redis:7 AS cache\nFROM postgres:16 AS postgres\nFROM postgres\n";
    let p = Project::new(
        "BP006",
        "[rules.alpine-postgres]\nimages = [\"redis\", \"postgres\"]\n",
        &[("Dockerfile", df)],
    );
    let diags = p.lint();
    // `FROM postgres` after a stage named postgres is that stage.
    assert_eq!(p.spans(&diags), vec!["redis:7", "postgres:16"]);
    let fixed = p.fix(true);
    assert_eq!(
        fixed["Dockerfile"],
        "FROM redis:7-alpine AS cache\nFROM postgres:16-alpine AS postgres\nFROM postgres\n"
    );
}

#[test]
fn alpine_postgres_in_bake_contexts_and_inline_dockerfiles() {
    let hcl = r#"target "db" {
  dockerfile-inline = "FROM postgres:16\nENV POSTGRES_DB=app\n"
}
target "app" {
  contexts = {
    pg = "docker-image://postgres:15"
    alpine = "docker-image://postgres:15-alpine"
    src = "./src"
  }
}
"#;
    let p = Project::new("BP006", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(p.spans(&diags), vec!["postgres:16", "postgres:15"]);
    assert!(diags[0].message.contains("dockerfile-inline"));
    assert!(diags[1]
        .message
        .contains("context \"pg\" of target \"app\""));
    let fixed = p.fix(true);
    let text = &fixed["docker-bake.hcl"];
    assert!(text.contains("\"FROM postgres:16-alpine\\nENV POSTGRES_DB=app\\n\""));
    assert!(text.contains("pg = \"docker-image://postgres:15-alpine\""));
}

#[test]
fn alpine_postgres_crlf_dockerfile() {
    let df = "FROM postgres:16\r\nRUN true\r\n";
    let p = Project::new("BP006", "", &[("Dockerfile", df)]);
    let fixed = p.fix(true);
    assert_eq!(
        fixed["Dockerfile"],
        "FROM postgres:16-alpine\r\nRUN true\r\n"
    );
}

// ---------------------------------------------------------------------------
// BP008 dockerignore

/// A bake target building `Dockerfile` with the project as context (BP008
/// claims a context only when a build definition gives it).
const BUILDS_DOCKERFILE: &str = "target \"default\" {\n  context = \".\"\n}\n";

#[test]
fn dockerignore_created_with_language_entries() {
    let p = Project::new(
        "BP008",
        "",
        &[
            ("docker-bake.hcl", BUILDS_DOCKERFILE),
            (
                "Dockerfile",
                "FROM python:3.12\nCOPY requirements.txt .\nCOPY . .\n",
            ),
            ("requirements.txt", "django\n"),
            ("web/package.json", "{}\n"),
        ],
    );
    let diags = p.lint();
    // The first read of the whole context (named files send no tree).
    assert_eq!(p.spans(&diags), vec!["."]);
    assert!(diags[0].message.contains("has no .dockerignore"));
    assert_eq!(
        diags[0].fix.as_ref().map(|f| f.applicability),
        Some(Applicability::Unsafe)
    );
    let fixed = p.fix(true);
    assert_eq!(
        fixed[".dockerignore"],
        ".git\nnode_modules\nnpm-debug.log*\nyarn-error.log*\n__pycache__\n*.pyc\n.venv\n.pytest_cache\n.mypy_cache\ndist/\n*.egg-info\n"
    );
}

#[test]
fn dockerignore_present_or_dockerfile_specific_or_nothing_copied() {
    let p = Project::new(
        "BP008",
        "",
        &[
            ("docker-bake.hcl", BUILDS_DOCKERFILE),
            ("Dockerfile", "FROM alpine\nCOPY . .\n"),
            (".dockerignore", ".git\n"),
        ],
    );
    assert!(p.lint().is_empty());
    let p = Project::new(
        "BP008",
        "",
        &[
            ("docker-bake.hcl", BUILDS_DOCKERFILE),
            ("Dockerfile", "FROM alpine\nCOPY . .\n"),
            ("Dockerfile.dockerignore", ".git\n"),
        ],
    );
    assert!(p.lint().is_empty());
    let p = Project::new(
        "BP008",
        "",
        &[
            ("docker-bake.hcl", BUILDS_DOCKERFILE),
            (
                "Dockerfile",
                "FROM alpine AS a\nCOPY --from=a /x /y\nADD https://example.com/x /x\nCOPY <<EOF /z\nhi\nEOF\n",
            ),
        ],
    );
    assert!(p.lint().is_empty());
}

#[test]
fn dockerignore_bake_context_and_inline_targets() {
    let hcl = r#"target "app" {
  context = "app"
  dockerfile = "Dockerfile"
}
target "inline" {
  context = "svc"
  dockerfile-inline = "FROM alpine\nCOPY . .\n"
}
"#;
    let p = Project::new(
        "BP008",
        "",
        &[
            ("docker-bake.hcl", hcl),
            ("app/Dockerfile", "FROM alpine\nCOPY . .\n"),
            ("app/Cargo.toml", "[package]\n"),
            ("svc/go.mod", "module x\n"),
        ],
    );
    let diags = p.lint();
    assert_eq!(diags.len(), 2, "{diags:?}");
    let spans = p.spans(&diags);
    assert!(spans.contains(&".".to_string()));
    assert!(spans.contains(&"\"svc\"".to_string()));
    let fixed = p.fix(true);
    assert_eq!(fixed["app/.dockerignore"], ".git\ntarget/\n");
    assert_eq!(fixed["svc/.dockerignore"], ".git\nbin/\n");
}

// ---------------------------------------------------------------------------
// Robustness

#[test]
fn odd_input_does_not_panic() {
    let bakes = [
        "target \"x\" {\n  tags = []\n  cache-to = [\"\"]\n  cache-from = []\n}\n",
        "target \"x\" {\n  tags = [\"\", \":\", \"@\", \"a:b:c\", \"${\"}\"}\"]\n  cache-to = [\"type=gha,mode\"]\n}\n",
        "target \"x\" {\n  cache-to = [{ type = \"gha\" }, \"type=registry\"]\n  cache-from = [{}]\n  contexts = { a = \"docker-image://\", b = \"docker-image://postgres@\" }\n}\n",
        "target \"x\" {\n  tags = [\"ü/ö:ä\"]\n  contexts = { a = \"docker-image://postgres:\" }\n  dockerfile-inline = \"FROM postgres:\\nCOPY\"\n}\n",
        "{\"target\": {\"x\": {\"tags\": [\"a\"], \"cache-to\": [{\"type\": \"gha\"}], \"contexts\": {\"p\": \"docker-image://postgres\"}}}}",
    ];
    for code in ["BP001", "BP002", "BP003", "BP006", "BP008"] {
        for (i, bake) in bakes.iter().enumerate() {
            let name = if bake.starts_with('{') {
                "docker-bake.json"
            } else {
                "docker-bake.hcl"
            };
            let p = Project::new(
                code,
                "",
                &[
                    (name, bake),
                    ("Dockerfile", "FROM postgres:\nFROM :\nFROM @\nCOPY\nADD \n"),
                ],
            );
            let _ = p.lint();
            let _ = p.fix(true);
            let _ = i;
        }
    }
}

#[test]
fn sha_tag_follows_user_functions() {
    let hcl = r#"variable "GITHUB_SHA" {
  default = "dev"
}
function "image_tags" {
  params = [name]
  result = ["acme/${name}:latest", sha_tag(name)]
}
function "sha_tag" {
  params = [name]
  result = "acme/${name}:${GITHUB_SHA}"
}
function "plain" {
  params = [name]
  result = "acme/${name}:latest"
}
target "a" {
  tags = image_tags("a")
}
target "b" {
  tags = [sha_tag("b")]
}
target "c" {
  tags = [plain("c")]
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(
        messages(&diags),
        vec!["target \"c\": no tag carries the commit SHA"]
    );
    // The repository of a computed tag is written as its value.
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].contains("tags = [plain(\"c\"), \"acme/c:${GITHUB_SHA}\"]"));
}

#[test]
fn sha_tag_skips_targets_that_push_no_image() {
    let hcl = r#"target "bin" {
  tags = ["acme/bin:latest"]
  output = ["type=local,dest=./bin"]
}
target "lint" {
  tags = ["acme/lint:latest"]
  call = "check"
}
target "load" {
  tags = ["acme/load:latest"]
  output = ["type=docker"]
}
target "push" {
  tags = ["acme/push:latest"]
  output = ["type=docker", "type=registry"]
}
"#;
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    assert_eq!(
        messages(&p.lint()),
        vec!["target \"push\": no tag carries the commit SHA"]
    );
}

#[test]
fn sha_tag_variable_block_lands_after_the_last_variable_with_a_bom() {
    let hcl = "\u{feff}variable \"A\" {\r\n  default = \"x\"\r\n}\r\ntarget \"app\" {\r\n  tags = [\"acme/app:${A}\"]\r\n}\r\n";
    let p = Project::new("BP001", "", &[("docker-bake.hcl", hcl)]);
    let fixed = p.fix(false);
    assert_eq!(
        fixed["docker-bake.hcl"],
        "\u{feff}variable \"A\" {\r\n  default = \"x\"\r\n}\r\n\r\nvariable \"GITHUB_SHA\" {\r\n  default = \"dev\"\r\n}\r\ntarget \"app\" {\r\n  tags = [\"acme/app:${A}\", \"acme/app:${GITHUB_SHA}\"]\r\n}\r\n"
    );
}

#[test]
fn registry_cache_and_mode_max_on_matrix_targets() {
    let hcl = r#"target "svc" {
  name = "svc-${item}"
  matrix = {
    item = ["api", "worker"]
  }
  tags       = ["acme/${item}:latest"]
  cache-from = ["type=gha,scope=${item}"]
  cache-to   = ["type=gha,scope=${item}"]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 2, "{diags:?}");
    let fixed = p.fix(true);
    assert!(fixed["docker-bake.hcl"].contains(
        "cache-from = [\"type=registry,ref=acme/${item}:buildcache-${item}\"]\n  cache-to   = [\"type=registry,ref=acme/${item}:buildcache-${item}\"]"
    ));

    let p = Project::new("BP003", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]
        .message
        .starts_with("targets \"svc-api\", \"svc-worker\""));
    let fixed = p.fix(false);
    assert!(fixed["docker-bake.hcl"].contains("cache-to   = [\"type=gha,scope=${item},mode=max\"]"));
}

#[test]
fn registry_cache_inherited_entry_with_matrix_tag_variable_gets_no_fix() {
    let hcl = r#"target "_c" {
  cache-from = ["type=gha"]
}
target "svc" {
  inherits = ["_c"]
  name = "svc-${item}"
  matrix = {
    item = ["api"]
  }
  tags = ["acme/${item}:latest"]
}
"#;
    let p = Project::new("BP002", "", &[("docker-bake.hcl", hcl)]);
    let diags = p.lint();
    assert_eq!(diags.len(), 1);
    // `${item}` is not in scope in "_c".
    assert!(diags[0].fix.is_none());
}

#[test]
fn all_bp_rules_together_on_a_crlf_project_converge() {
    let hcl = "variable \"REGISTRY\" {\r\n  default = \"ghcr.io/acme\"\r\n}\r\n\r\ntarget \"_common\" {\r\n  context    = \".\"\r\n  cache-from = [\"type=gha\"]\r\n  cache-to   = [\"type=gha\"]\r\n}\r\n\r\ntarget \"web\" {\r\n  inherits = [\"_common\"]\r\n  tags     = [\"${REGISTRY}/web:latest\"]\r\n  cache-to = [\r\n    {\r\n      type = \"gha\"\r\n      scope = \"web\"\r\n    }\r\n  ]\r\n}\r\n\r\ntarget \"db\" {\r\n  dockerfile-inline = \"FROM postgres:16\\nCOPY init.sql /docker-entrypoint-initdb.d/\\n\"\r\n  tags = [\"${REGISTRY}/db:latest\"]\r\n}\r\n";
    let p = Project::new(
        "BP",
        "",
        &[
            ("docker-bake.hcl", hcl),
            ("Dockerfile", "FROM node:20\r\nCOPY . .\r\n"),
            ("package.json", "{}\r\n"),
            ("init.sql", "select 1;\r\n"),
        ],
    );
    let codes: Vec<&str> = p.lint().iter().map(|d| d.code).collect();
    for code in ["BP001", "BP002", "BP003", "BP006", "BP008"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let fixed = p.fix(true);
    let text = &fixed["docker-bake.hcl"];
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF kept: {text:?}"
    );
    assert!(text.contains("\"${REGISTRY}/web:${GITHUB_SHA}\""));
    assert!(text.contains("\"${REGISTRY}/db:${GITHUB_SHA}\""));
    assert!(text.contains(
        "cache-to = [\r\n    {\r\n      type = \"registry\"\r\n      ref = \"${REGISTRY}/web:buildcache-web\"\r\n      mode = \"max\"\r\n    }\r\n  ]"
    ));
    assert!(text.contains("FROM postgres:16-alpine\\n"));
    assert_eq!(
        fixed[".dockerignore"],
        ".git\nnode_modules\nnpm-debug.log*\nyarn-error.log*\n"
    );
    // The `_common` gha entries are shared by targets with different
    // repositories ("web" and "db" do not inherit it, so only "web"): fixed.
    assert!(
        text.contains("cache-from = [\"type=registry,ref=${REGISTRY}/web:buildcache\"]"),
        "{text}"
    );
}

#[test]
fn alpine_postgres_leaves_stages_that_need_debian() {
    let df = "FROM postgres:13.10\nRUN apt-get update && apt-get install -y curl\nRUN localedef -i pt_BR -f UTF-8 pt_BR.UTF-8\n\nFROM postgres:14 AS plain\nRUN <<EOF\necho aptly\nEOF\n\nFROM postgres:15\nRUN <<EOF\ndpkg -l\nEOF\n";
    let p = Project::new("BP006", "", &[("Dockerfile", df)]);
    assert_eq!(p.spans(&p.lint()), vec!["postgres:14"]);
}

#[test]
fn sha_tag_fix_converges_when_sha_variables_leave_out_the_declared_one() {
    let hcl = "variable \"GIT_SHA\" {\n  default = \"\"\n}\ntarget \"app\" {\n  tags = [\"acme/app:latest\"]\n}\n";
    let p = Project::new(
        "BP001",
        "[rules.sha-tag]\nsha-variables = [\"BUILD_ID\"]\n",
        &[("docker-bake.hcl", hcl)],
    );
    assert_eq!(p.lint().len(), 1);
    let fixed = p.fix(false);
    let text = &fixed["docker-bake.hcl"];
    // `GIT_SHA` spells a commit, so it counts whatever the option lists,
    // and the fix reuses it instead of declaring another variable.
    assert_eq!(text.matches("${GIT_SHA}").count(), 1, "{text}");
    assert!(!text.contains("GITHUB_SHA"), "{text}");
    assert!(p
        .lint_with(&BTreeMap::from([(
            p.dir.path().join("docker-bake.hcl"),
            text.clone()
        )]))
        .is_empty());
}
