//! Errors from loading bake files: the right file and span, never a panic.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bakelint::bake::{load, BakeError, LoadOptions};

fn opts(dir: &Path) -> LoadOptions {
    LoadOptions {
        files: vec![],
        cwd: dir.to_path_buf(),
        env: BTreeMap::new(),
        vars: vec![],
        overrides: vec![],
        ..LoadOptions::default()
    }
}

fn load_text(text: &str, env: &[(&str, &str)]) -> (tempfile::TempDir, Result<(), Vec<BakeError>>) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("docker-bake.hcl"), text).expect("write");
    let mut o = opts(dir.path());
    o.env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let r = load(&o).map(|_| ());
    (dir, r)
}

fn one_error(text: &str, env: &[(&str, &str)]) -> BakeError {
    let (_dir, r) = load_text(text, env);
    let errs = r.expect_err("expected an error");
    assert!(!errs.is_empty());
    errs[0].clone()
}

fn slice<'a>(text: &'a str, e: &BakeError) -> &'a str {
    e.span.slice(text)
}

#[test]
fn malformed_hcl_points_at_the_error() {
    let text = "target \"a\" {\n  tags = [\"x\",\n}\n";
    let e = one_error(text, &[]);
    assert_eq!(e.file, PathBuf::from("docker-bake.hcl"));
    assert!(e.message.contains("parse error"), "{}", e.message);
    assert!(e.span.start >= text.find("tags").unwrap_or(0), "{e:?}");
    assert!(e.span.start <= text.len());
}

#[test]
fn malformed_json_points_at_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "{\n  \"target\": {\n    \"a\": {\"tags\": [\"x\",]}\n  }\n}\n";
    fs::write(dir.path().join("docker-bake.json"), text).expect("write");
    let errs = load(&opts(dir.path())).expect_err("error");
    assert_eq!(errs[0].file, PathBuf::from("docker-bake.json"));
    assert!(errs[0].message.contains("invalid JSON"), "{:?}", errs[0]);
    assert_eq!(&text[errs[0].span.start..errs[0].span.start + 1], "]");
}

#[test]
fn missing_file_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = opts(dir.path());
    o.files = vec![PathBuf::from("missing.hcl")];
    let errs = load(&o).expect_err("error");
    assert_eq!(errs[0].file, PathBuf::from("missing.hcl"));
    assert!(errs[0].message.contains("no such file"), "{:?}", errs[0]);
}

#[test]
fn unreadable_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("docker-bake.hcl"), [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let errs = load(&opts(dir.path())).expect_err("error");
    assert!(errs[0].message.contains("UTF-8"), "{:?}", errs[0]);
}

#[test]
fn no_files_loads_empty_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = load(&opts(dir.path())).expect("loads");
    assert!(p.targets().is_empty());
    let e = p.print_json(&[]).expect_err("no default target");
    assert!(e.message.contains("failed to find target default"));
}

#[test]
fn unknown_function_with_did_you_mean() {
    let text = "target \"default\" {\n  tags = [lowr(\"X\")]\n}\n";
    let e = one_error(text, &[]);
    assert_eq!(e.message, "undefined function lowr");
    assert_eq!(e.help.as_deref(), Some("did you mean \"lower\"?"));
    assert_eq!(slice(text, &e), "lowr(\"X\")");
}

#[test]
fn unknown_function_inside_user_function() {
    let text = "function \"f\" {\n  params = [x]\n  result = uppr(x)\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[]);
    assert_eq!(e.message, "undefined function uppr");
    assert_eq!(slice(text, &e), "uppr(x)");
}

#[test]
fn unknown_variable_with_did_you_mean() {
    let text = "variable \"VERSION\" {\n  default = \"1\"\n}\ntarget \"default\" {\n  tags = [\"a:${VERSOIN}\"]\n}\n";
    let e = one_error(text, &[]);
    assert_eq!(e.message, "undefined variable \"VERSOIN\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"VERSION\"?"));
    assert_eq!(slice(text, &e), "VERSOIN");
}

#[test]
fn variable_cycle_points_at_a_reference() {
    let text = "variable \"A\" {\n  default = B\n}\nvariable \"B\" {\n  default = A\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[]);
    assert!(
        e.message.contains("variable cycle not allowed for A"),
        "{e:?}"
    );
    assert!(slice(text, &e) == "A" || slice(text, &e) == "B", "{e:?}");
}

#[test]
fn invalid_env_override_points_at_the_variable() {
    let text = "variable \"N\" {\n  default = 1\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[("N", "abc")]);
    assert!(e.message.contains("failed to parse N as number"), "{e:?}");
    assert_eq!(slice(text, &e), "\"N\"");
    assert!(e.help.as_deref().unwrap_or("").contains("environment"));
}

#[test]
fn invalid_json_env_override() {
    let text =
        "variable \"L\" {\n  type = list(string)\n  default = []\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[("L_JSON", "[1,")]);
    assert!(e.message.contains("failed to parse L_JSON"), "{e:?}");
    assert_eq!(slice(text, &e), "\"L\"");
}

#[test]
fn untyped_list_variable_cannot_be_overridden() {
    let text = "variable \"L\" {\n  default = [\"a\"]\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[("L", "a,b")]);
    assert!(e.message.contains("unsupported type"), "{e:?}");
}

#[test]
fn failed_validation_uses_error_message() {
    let text = "variable \"P\" {\n  default = \"x\"\n  validation {\n    condition = P != \"x\"\n    error_message = \"P must not be x\"\n  }\n}\ntarget \"default\" {}\n";
    let e = one_error(text, &[]);
    assert_eq!(e.message, "P must not be x");
    assert_eq!(slice(text, &e), "P != \"x\"");
}

#[test]
fn type_error_points_at_the_attribute_value() {
    let text = "target \"default\" {\n  tags = \"notalist\"\n}\n";
    let e = one_error(text, &[]);
    assert!(e.message.contains("list of string required"), "{e:?}");
    assert_eq!(slice(text, &e), "\"notalist\"");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("X = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let e = one_error(&text, &[]);
    assert!(e.message.contains("nesting"), "{e:?}");
}

#[test]
fn print_unknown_target_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("docker-bake.hcl"), "target \"app\" {}\n").expect("write");
    let p = load(&opts(dir.path())).expect("loads");
    let e = p.print_json(&["ap".to_string()]).expect_err("unknown");
    assert!(e.message.contains("failed to find target ap"));
    assert_eq!(e.help.as_deref(), Some("did you mean \"app\"?"));
}

/// Truncations and byte mutations of a realistic file never panic.
#[test]
fn mutated_inputs_never_panic() {
    let text = include_str!("../testdata/bake/realworld/docker-bake.hcl");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docker-bake.hcl");
    let step = (text.len() / 300).max(1);
    let mut cut = 0;
    while cut < text.len() {
        if text.is_char_boundary(cut) {
            fs::write(&path, &text[..cut]).expect("write");
            if let Ok(p) = load(&opts(dir.path())) {
                let _ = p.print_json(&[]);
            }
        }
        cut += step;
    }
    let bytes = text.as_bytes();
    for (i, repl) in [(b'"', b'{'), (b'}', b'('), (b'=', b'['), (b'$', b'%')]
        .iter()
        .cycle()
        .take(60)
        .enumerate()
    {
        let positions: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == repl.0)
            .map(|(p, _)| p)
            .collect();
        if positions.is_empty() {
            continue;
        }
        let p = positions[(i * 7919) % positions.len()];
        let mut m = bytes.to_vec();
        m[p] = repl.1;
        fs::write(&path, &m).expect("write");
        if let Ok(p) = load(&opts(dir.path())) {
            let _ = p.print_json(&[]);
        }
    }
}

#[test]
fn realworld_file_evaluates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bake/realworld");
    let p = load(&opts(&dir)).expect("real-world file loads");
    assert!(p.targets().len() >= 20, "{}", p.targets().len());
    let out = p.print_json(&["all".to_string()]).expect("print all");
    assert!(out.contains("lint-labs"));
    assert!(
        p.resolve_names(&["test-*".to_string()])
            .expect("glob")
            .len()
            == 6
    );
}

#[test]
fn unknown_function_in_unevaluated_branch() {
    let text = "target \"default\" {\n  tags = false ? [uper(\"x\")] : []\n}\n";
    let (_dir, r) = load_text(text, &[]);
    let errs = r.expect_err("error");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].message, "undefined function uper");
    assert_eq!(slice(text, &errs[0]), "uper(\"x\")");
}

#[test]
fn function_block_structure_errors() {
    let text = "function \"f\" {\n  params = [\"x\"]\n  result = 1\n}\nfunction \"g\" {\n  params = []\n}\ntarget \"default\" {}\n";
    let (_dir, r) = load_text(text, &[]);
    let errs = r.expect_err("error");
    assert!(
        errs.iter()
            .any(|e| e.message == "invalid param element" && slice(text, e) == "\"x\""),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.message.contains("\"result\" is required") && slice(text, e) == "\"g\""),
        "{errs:?}"
    );
}

#[test]
fn long_operator_chains_do_not_crash() {
    for n in [300usize, 3000, 30000] {
        let text = format!(
            "X = {}1\ntarget \"default\" {{\n  args = {{ X = X }}\n}}\n",
            "1 + ".repeat(n)
        );
        let (_dir, r) = load_text(&text, &[]);
        match r {
            Ok(()) => {}
            Err(e) => assert!(
                e[0].message.contains("too deep") || e[0].message.contains("chained"),
                "{e:?}"
            ),
        }
    }
}

#[test]
fn deep_unary_and_conditional_chains_do_not_crash() {
    for text in [
        format!("X = {}true\n", "!".repeat(20_000)),
        format!("X = {}1\n", "-".repeat(20_000)),
        format!("X = {}1\n", "true ? 1 : ".repeat(20_000)),
    ] {
        let (_dir, r) = load_text(&text, &[]);
        if let Err(e) = r {
            assert!(!e.is_empty());
        }
    }
}
