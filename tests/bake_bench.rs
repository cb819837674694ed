//! Evaluation benchmark (not a timed test): `bench/bake_eval.sh` runs
//! `bake_eval_benchmark` in release mode and reports the figure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bakelint::bake::{load, LoadOptions};

/// A ~500-line bake file: 40 target blocks, variables, functions,
/// multi-level inheritance and matrices.
pub fn generate() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# generated benchmark bake file");
    for (name, def) in [
        ("REGISTRY", "\"docker.io/acme\""),
        ("VERSION", "\"v1.2.3\""),
        ("GO_VERSION", "\"1.22\""),
        ("ALPINE_VERSION", "\"3.19\""),
        ("PUSH", "false"),
        ("CACHE_REPO", "\"ghcr.io/acme/cache\""),
        (
            "PLATFORMS",
            "[\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\"]",
        ),
        ("DEBUG", "false"),
        ("BUILD_TAGS", "\"\""),
        ("HTTP_PROXY", "\"\""),
        ("HTTPS_PROXY", "\"\""),
        ("NO_PROXY", "\"\""),
    ] {
        let _ = writeln!(s, "variable \"{name}\" {{\n  default = {def}\n}}");
    }
    let _ = writeln!(
        s,
        "variable \"PORT\" {{\n  type = number\n  default = 8080\n  validation {{\n    condition = PORT > 1024\n    error_message = \"PORT must be > 1024\"\n  }}\n}}"
    );
    s.push_str(
        r#"function "tags" {
  params = [name]
  result = ["${REGISTRY}/${name}:${trimprefix(VERSION, "v")}", "${REGISTRY}/${name}:latest"]
}
function "cache" {
  params = [name]
  result = ["type=registry,ref=${CACHE_REPO}:${sanitize(name)}"]
}
function "cache_to" {
  params = [name]
  result = PUSH ? ["type=registry,ref=${CACHE_REPO}:${sanitize(name)},mode=max"] : []
}
function "labels" {
  params = [name, desc]
  result = {
    "org.opencontainers.image.title" = name
    "org.opencontainers.image.description" = desc
    "org.opencontainers.image.version" = VERSION
    "org.opencontainers.image.revision" = substr(sha256(name), 0, 12)
  }
}
target "_common" {
  args = {
    GO_VERSION = GO_VERSION
    ALPINE_VERSION = ALPINE_VERSION
    BUILDKIT_CONTEXT_KEEP_GIT_DIR = 1
  }
  platforms = PLATFORMS
}
target "_release" {
  inherits = ["_common"]
  output = [PUSH ? "type=registry" : "type=cacheonly"]
  attest = [{ type = "provenance", mode = "max" }, "type=sbom"]
}
"#,
    );
    for i in 0..34 {
        let name = format!("svc-{i:02}");
        let parent = if i % 3 == 0 { "_release" } else { "_common" };
        let _ = writeln!(
            s,
            r#"target "{name}" {{
  inherits = ["{parent}"]
  context = "services/{name}"
  dockerfile = "Dockerfile"
  target = DEBUG ? "debug" : "release"
  tags = tags("{name}")
  labels = labels("{name}", "Service {i}")
  cache-from = cache("{name}")
  cache-to = cache_to("{name}")
  args = {{ SERVICE = upper("{name}"), PORT = PORT + {i}, FEATURES = join(",", [for f in ["a", "b", "c"] : "${{f}}{i}" if f != "b"]) }}
}}"#
        );
    }
    for (i, (key, values)) in [
        ("go", "[\"1.21\", \"1.22\", \"1.23\"]"),
        ("distro", "[\"alpine\", \"debian\"]"),
        ("arch", "[\"amd64\", \"arm64\"]"),
        ("mode", "[\"dev\", \"prod\"]"),
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(
            s,
            r#"target "matrix-{i}" {{
  name = "matrix-{i}-${{replace({key}, ".", "-")}}"
  inherits = ["_common"]
  matrix = {{
    {key} = {values}
  }}
  args = {{
    VALUE = {key}
  }}
  tags = ["${{REGISTRY}}/matrix-{i}:${{{key}}}"]
}}"#
        );
    }
    s.push_str("group \"default\" {\n  targets = [");
    for i in 0..34 {
        let _ = write!(s, "\"svc-{i:02}\", ");
    }
    s.push_str("\"matrix-0\", \"matrix-1\", \"matrix-2\", \"matrix-3\"]\n}\n");
    s
}

fn opts(dir: &std::path::Path) -> LoadOptions {
    LoadOptions {
        files: vec![],
        cwd: dir.to_path_buf(),
        env: BTreeMap::new(),
        vars: vec![],
        overrides: vec![],
        ..LoadOptions::default()
    }
}

#[test]
fn generated_benchmark_file_is_valid() {
    let text = generate();
    let lines = text.lines().count();
    assert!((450..=650).contains(&lines), "{lines} lines");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("docker-bake.hcl"), &text).expect("write");
    let p = load(&opts(dir.path())).expect("loads");
    assert_eq!(p.targets().len(), 36 + 3 + 2 + 2 + 2);
    let out = p.print_json(&[]).expect("prints");
    assert!(out.contains("\"matrix-0-1-23\""));
}

#[test]
#[ignore = "benchmark: run via bench/bake_eval.sh (release)"]
fn bake_eval_benchmark() {
    let text = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docker-bake.hcl");
    std::fs::write(&path, &text).expect("write");
    if let Ok(out) = std::env::var("BAKE_BENCH_WRITE") {
        std::fs::write(out, &text).expect("write copy");
    }
    let o = opts(dir.path());
    let mut parse_times: Vec<Duration> = Vec::new();
    for _ in 0..200 {
        let t0 = Instant::now();
        let _ = hcl_edit::parser::parse_body(&text).expect("parses");
        parse_times.push(t0.elapsed());
    }
    parse_times.sort();
    let mut times: Vec<Duration> = Vec::new();
    let mut print_times: Vec<Duration> = Vec::new();
    for _ in 0..200 {
        let t0 = Instant::now();
        let p = load(&o).expect("loads");
        times.push(t0.elapsed());
        let t1 = Instant::now();
        let _ = p.print_json(&[]).expect("prints");
        print_times.push(t1.elapsed());
    }
    times.sort();
    print_times.sort();
    let lines = text.lines().count();
    println!(
        "bake eval: {lines} lines, {} targets resolved: load+evaluate median {:?}, min {:?}, p90 {:?}; print_json median {:?}; of which hcl-edit parsing median {:?}",
        load(&o).map(|p| p.targets().len()).unwrap_or(0),
        times[times.len() / 2],
        times[0],
        times[times.len() * 9 / 10],
        print_times[print_times.len() / 2],
        parse_times[parse_times.len() / 2],
    );
}
