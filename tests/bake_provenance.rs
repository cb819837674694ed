//! Provenance: resolved values point at the source bytes that produced them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bakelint::bake::{load, BakeProject, LoadOptions};

fn project(
    files: &[(&str, &str)],
    env: &[(&str, &str)],
    sets: &[&str],
) -> (tempfile::TempDir, BakeProject) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(p, text).expect("write");
    }
    let opts = LoadOptions {
        files: vec![],
        cwd: dir.path().to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        vars: vec![],
        overrides: sets.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    let p = load(&opts).unwrap_or_else(|e| panic!("load failed: {e:?}"));
    (dir, p)
}

fn text_of<'a>(p: &'a BakeProject, file: &Path) -> &'a str {
    p.file_text(file).expect("file is loaded")
}

const INHERIT: &str = r#"variable "REPO" {
  default = "acme/app"
}
variable "TAG" {
  default = "latest"
}
target "_base" {
  tags = ["${REPO}:${TAG}", "${REPO}:base"]
  args = {
    GO = "1.22"
  }
}
target "mid" {
  inherits = ["_base"]
  args = {
    MID = "1"
  }
}
target "app" {
  inherits = ["mid"]
  args = {
    APP = "1"
  }
}
"#;

#[test]
fn inherited_tag_element_points_into_parent_block() {
    let (_d, p) = project(&[("docker-bake.hcl", INHERIT)], &[], &[]);
    let app = &p.targets()["app"];
    let tags = app.attr("tags").expect("tags");
    assert_eq!(tags.elements.len(), 2);
    let first = &tags.elements[0];
    assert_eq!(first.value.as_str(), Some("acme/app:latest"));
    let text = text_of(&p, &first.origin.file);
    assert_eq!(first.origin.span.slice(text), "\"${REPO}:${TAG}\"");
    assert_eq!(
        first.origin.inherited_from,
        vec!["mid".to_string(), "_base".to_string()]
    );
    assert_eq!(
        first.origin.variables.iter().cloned().collect::<Vec<_>>(),
        vec!["REPO".to_string(), "TAG".to_string()]
    );
    let second = &tags.elements[1];
    assert_eq!(second.origin.span.slice(text), "\"${REPO}:base\"");
    assert_eq!(second.origin.variables.len(), 1);
    assert_eq!(
        app.inherits_chain,
        vec!["mid".to_string(), "_base".to_string()]
    );
}

#[test]
fn map_entries_keep_their_own_provenance() {
    let (_d, p) = project(&[("docker-bake.hcl", INHERIT)], &[], &[]);
    let app = &p.targets()["app"];
    let args = app.attr("args").expect("args");
    let by_key: BTreeMap<_, _> = args
        .elements
        .iter()
        .map(|e| (e.key.clone().unwrap_or_default(), e))
        .collect();
    let text = text_of(&p, &args.elements[0].origin.file);
    assert_eq!(by_key["GO"].origin.span.slice(text), "\"1.22\"");
    assert_eq!(by_key["GO"].origin.inherited_from, vec!["mid", "_base"]);
    assert_eq!(by_key["MID"].origin.inherited_from, vec!["mid"]);
    assert!(by_key["APP"].origin.inherited_from.is_empty());
    assert_eq!(app.args().len(), 3);
}

#[test]
fn elements_from_a_variable_point_at_its_default() {
    let text = r#"variable "PLATFORMS" {
  default = ["linux/amd64", "linux/arm64"]
}
target "default" {
  platforms = PLATFORMS
}
"#;
    let (_d, p) = project(&[("docker-bake.hcl", text)], &[], &[]);
    let t = &p.targets()["default"];
    let plats = t.attr("platforms").expect("platforms");
    let src = text_of(&p, &plats.origin.file);
    assert_eq!(plats.origin.span.slice(src), "PLATFORMS");
    assert_eq!(plats.elements[1].origin.span.slice(src), "\"linux/arm64\"");
    assert!(plats.elements[1].origin.variables.contains("PLATFORMS"));
}

#[test]
fn env_overridden_variable_points_at_the_reference() {
    let text = r#"variable "PLATFORMS" {
  type = list(string)
  default = ["linux/amd64"]
}
target "default" {
  platforms = PLATFORMS
}
"#;
    let (_d, p) = project(
        &[("docker-bake.hcl", text)],
        &[("PLATFORMS", "a/b,c/d")],
        &[],
    );
    let plats = p.targets()["default"].attr("platforms").expect("platforms");
    let src = text_of(&p, &plats.origin.file);
    assert_eq!(plats.elements.len(), 2);
    assert_eq!(plats.elements[1].origin.span.slice(src), "PLATFORMS");
    assert!(p.variables()["PLATFORMS"].overridden);
}

#[test]
fn transitive_variables_and_matrix_values() {
    let text = r#"BASE = "acme"
REPO = "${BASE}/app"
target "app" {
  name = "app-${v}"
  matrix = {
    v = ["1", "2"]
  }
  tags = ["${REPO}:${v}"]
}
"#;
    let (_d, p) = project(&[("docker-bake.hcl", text)], &[], &[]);
    let t = &p.targets()["app-2"];
    let tag = &t.attr("tags").expect("tags").elements[0];
    assert_eq!(tag.value.as_str(), Some("acme/app:2"));
    let vars: Vec<&str> = tag.origin.variables.iter().map(String::as_str).collect();
    assert_eq!(vars, vec!["BASE", "REPO"]);
    let src = text_of(&p, &tag.origin.file);
    assert_eq!(tag.origin.span.slice(src), "\"${REPO}:${v}\"");
    assert_eq!(p.groups()["app"].targets, vec!["app-1", "app-2"]);
}

#[test]
fn merged_files_keep_each_files_spans() {
    let base = "target \"app\" {\n  cache-from = [\"type=gha\"]\n  tags = [\"a\"]\n}\n";
    let over = "target \"app\" {\n  cache-from = [\"user/app:cache\"]\n}\n";
    let (_d, p) = project(
        &[
            ("docker-bake.hcl", base),
            ("docker-bake.override.hcl", over),
        ],
        &[],
        &[],
    );
    let t = &p.targets()["app"];
    let cf = t.cache_from();
    assert_eq!(cf.len(), 2);
    assert_eq!(cf[0].origin.file, PathBuf::from("docker-bake.hcl"));
    assert_eq!(cf[0].origin.span.slice(base), "\"type=gha\"");
    assert_eq!(cf[1].origin.file, PathBuf::from("docker-bake.override.hcl"));
    assert_eq!(cf[1].origin.span.slice(over), "\"user/app:cache\"");
    assert_eq!(cf[1].typ, "registry");
    assert_eq!(cf[1].attrs["ref"], "user/app:cache");
    assert_eq!(
        t.block.as_ref().map(|b| b.span.slice(over)),
        Some("\"app\"")
    );
}

#[test]
fn json_spans_point_into_json_text() {
    let text = "{\n  \"target\": {\n    \"app\": {\n      \"tags\": [\"acme/app:${TAG}\", \"x\\ty\"]\n    }\n  },\n  \"variable\": {\"TAG\": {\"default\": \"1\"}}\n}\n";
    let (_d, p) = project(&[("docker-bake.json", text)], &[], &[]);
    let tags = p.targets()["app"].attr("tags").expect("tags");
    assert_eq!(tags.elements[0].value.as_str(), Some("acme/app:1"));
    assert_eq!(
        tags.elements[0].origin.span.slice(text),
        "\"acme/app:${TAG}\""
    );
    assert_eq!(tags.elements[1].origin.span.slice(text), "\"x\\ty\"");
    assert!(tags.elements[0].origin.variables.contains("TAG"));
}

#[test]
fn overrides_are_marked() {
    let (_d, p) = project(&[("docker-bake.hcl", INHERIT)], &[], &["app.tags=x:1"]);
    let tags = p.targets()["app"].attr("tags").expect("tags");
    assert!(tags.elements[0].origin.is_override());
}

#[test]
fn typed_accessors_and_paths() {
    let text = r#"target "app" {
  context = "src"
  dockerfile = "build.Dockerfile"
  target = "release"
  tags = ["a:1", "a:1", "a:2"]
}
target "inline" {
  dockerfile-inline = "FROM scratch"
}
"#;
    let (d, p) = project(
        &[
            ("docker-bake.hcl", text),
            ("src/build.Dockerfile", "FROM scratch\n"),
        ],
        &[],
        &[],
    );
    let t = &p.targets()["app"];
    assert_eq!(t.context(), "src");
    assert_eq!(t.target(), Some("release"));
    assert_eq!(t.tags(), vec!["a:1", "a:2"]);
    assert_eq!(
        t.dockerfile(),
        Some(d.path().join("src").join("build.Dockerfile"))
    );
    let i = &p.targets()["inline"];
    assert_eq!(i.dockerfile_inline(), Some("FROM scratch"));
    assert_eq!(i.dockerfile(), None);
    assert_eq!(
        p.resolve_names(&[]).err().map(|e| e.message),
        Some("failed to find target default".into())
    );
}

#[test]
fn paths_resolve_against_the_working_directory_only() {
    // As buildx: one base for every path of the file (the workspace picks
    // it); a context that exists only next to the bake file is not used.
    let text = "target \"default\" {\n  context = \"app\"\n}\n";
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("sub/app")).expect("mkdir");
    fs::write(dir.path().join("sub/docker-bake.hcl"), text).expect("write");
    fs::write(dir.path().join("sub/app/Dockerfile"), "FROM scratch\n").expect("write");
    let opts = LoadOptions {
        files: vec![PathBuf::from("sub/docker-bake.hcl")],
        cwd: dir.path().to_path_buf(),
        ..LoadOptions::default()
    };
    let p = load(&opts).expect("loads");
    let t = &p.targets()["default"];
    assert_eq!(t.context_path(), Some(dir.path().join("app")));
    assert_eq!(t.dockerfile(), Some(dir.path().join("app/Dockerfile")));
}

#[test]
fn variables_functions_and_references_for_rules() {
    let text = r#"variable "USED" {
  default = "1"
  description = "used"
}
variable "UNUSED" {}
function "f" {
  params = [x]
  result = x
}
function "g" {
  params = []
  result = 1
}
target "default" {
  args = { A = f(USED) }
}
"#;
    let (_d, p) = project(&[("docker-bake.hcl", text)], &[], &[]);
    assert_eq!(p.variables()["USED"].description.as_deref(), Some("used"));
    assert!(p.references().variables.contains("USED"));
    assert!(!p.references().variables.contains("UNUSED"));
    assert!(p.references().functions.contains("f"));
    assert!(!p.references().functions.contains("g"));
    let g = &p.functions()["g"];
    assert_eq!(g.decl.span.slice(text), "\"g\"");
}

#[test]
fn compose_values_point_into_the_compose_file() {
    let compose = "services:\n  web:\n    image: acme/web:é\n    build:\n      context: ./web\n      args:\n        A: \"1\"\n      cache_from:\n        - type=gha\n";
    let hcl = "target \"web\" {\n  args = {\n    B = \"2\"\n  }\n}\n";
    let (_d, p) = project(
        &[("compose.yaml", compose), ("docker-bake.hcl", hcl)],
        &[],
        &[],
    );
    let t = &p.targets()["web"];
    let args = t.attr("args").expect("args");
    let a = args.elements.iter().find(|e| e.key.as_deref() == Some("A"));
    let a = a.expect("A from compose");
    assert_eq!(a.origin.file, PathBuf::from("compose.yaml"));
    assert_eq!(a.origin.span.slice(compose), "\"1\"");
    let b = args.elements.iter().find(|e| e.key.as_deref() == Some("B"));
    assert_eq!(
        b.expect("B from HCL").origin.file,
        PathBuf::from("docker-bake.hcl")
    );
    let tags = t.attr("tags").expect("tags from image");
    assert_eq!(tags.elements[0].value.as_str(), Some("acme/web:é"));
    assert_eq!(tags.elements[0].origin.span.slice(compose), "acme/web:é");
    assert_eq!(t.cache_from()[0].origin.span.slice(compose), "type=gha");
    assert_eq!(
        t.attr("context").map(|c| c.origin.span.slice(compose)),
        Some("./web")
    );
    assert_eq!(t.context(), "web");
    assert_eq!(p.compose_files(), &[PathBuf::from("compose.yaml")]);
}
