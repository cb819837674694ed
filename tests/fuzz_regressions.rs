//! Cases the mutation fuzzer (`tests/fuzz_mutations.rs`, `scripts/fuzz.sh`)
//! found, minimised: each runs through the fuzzer's whole check (lint with
//! every rule, fix with unsafe fixes, fix again) and asserts what the bug
//! broke.

mod fuzz;

use std::path::Path;
use std::time::Duration;

use fuzz::harness::run_isolated;
use fuzz::project::Project;

/// Generous: these cases take milliseconds; only a hang comes near.
const BOUND: Duration = Duration::from_secs(120);

/// Runs the fuzzer's check on `files` in every report format.
fn passes(name: &str, files: &[(&str, &str)]) {
    let project = Project::from_texts(files);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-regressions")
        .join(name);
    for format in 0..9 {
        if let Err(failure) = run_isolated(&project, &dir, format, BOUND) {
            panic!("{name}: {}\n{}", failure.key(), failure.detail);
        }
    }
}

/// A line just under BuildKit's 65,535-byte limit: BP007's fix (a cache
/// mount) would push it over. Before: the fix loop reverted it and reported
/// "internal error: ... made Dockerfile fail to parse (please report this
/// bug)", exit 2. Now the fix is not applied and the finding stays.
#[test]
fn fix_that_pushes_a_line_past_the_length_limit_is_withheld_quietly() {
    let head = "RUN pip install ";
    let line = format!(
        "{head}{}",
        "a".repeat(bakelint::dockerfile::MAX_LINE - head.len() - 4)
    );
    let dockerfile = format!("# syntax=docker/dockerfile:1\nFROM python:3.12\n{line}\n");
    passes("line-limit", &[("Dockerfile", &dockerfile)]);

    let dir = common_project(&[("Dockerfile", &dockerfile)]);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    assert_eq!(result.changed().count(), 0);
    assert!(result.remaining.iter().any(|d| d.code == "BP007"));
}

fn common_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    Project::from_texts(files)
        .write_to(dir.path())
        .expect("write");
    dir
}

/// `check --fix --unsafe-fixes` in `dir`, in memory: the fix result and the
/// first lint's findings.
fn fix_in(
    dir: &Path,
) -> (
    bakelint::fix::FixResult,
    Vec<bakelint::diagnostic::Diagnostic>,
) {
    use std::collections::BTreeMap;

    use bakelint::config::Settings;
    use bakelint::fix::{fix_all_within, DiskSource, FixMode, ProjectRoot, WriteScope};
    use bakelint::workspace::{self, Plan};

    let dir = dir.canonicalize().expect("canonical");
    let found = bakelint::project::discover(std::slice::from_ref(&dir));
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.clone();
    plan.env = BTreeMap::new();
    let settings = Settings::default();
    let first = workspace::lint(&plan, &BTreeMap::new(), &settings).diagnostics;
    let scope = WriteScope::new(
        ProjectRoot::for_paths(std::slice::from_ref(&dir), &dir),
        &dir,
    );
    let lint =
        |o: &BTreeMap<std::path::PathBuf, String>| workspace::lint(&plan, o, &settings).diagnostics;
    let result = fix_all_within(
        first.clone(),
        FixMode { unsafe_fixes: true },
        &scope,
        &DiskSource,
        &lint,
    );
    (result, first)
}

/// An HCL parse error at a multi-byte character (a stray BOM after the
/// first byte). Before: BK000's span was one byte long, ending inside the
/// character (reports slicing the source there would panic).
#[test]
fn bake_parse_error_at_a_multibyte_character_spans_the_character() {
    for text in ["B\u{feff}", "\u{200b}", "\u{feff}\u{feff}"] {
        passes("bom-parse-error", &[("docker-bake.hcl", text)]);
    }
}

/// A JSON bake file whose tags are one template yielding a list. Before:
/// BP002's fix copied `${formatlist(...)}` into the cache ref, which then
/// failed to evaluate ("internal error: applying the fix of BP002 made
/// docker-bake.json fail to parse"). Now the ref uses the resolved tag.
#[test]
fn registry_cache_fix_does_not_copy_a_list_template_into_the_ref() {
    let bake = r#"{"target":{"default":{"cache-to":["type=gha,"],"tags":"${formatlist(\"%s\",[\"a\"])}"}}}"#;
    let files = [
        ("docker-bake.json", bake),
        ("Dockerfile", "FROM alpine:3.19\n"),
    ];
    passes("bp002-formatlist", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    let fixed = result
        .contents
        .values()
        .find(|t| t.contains("cache-to"))
        .expect("the bake file was fixed");
    assert!(
        fixed.contains(r#""type=registry,ref=a:buildcache"#),
        "{fixed}"
    );
}

/// A fix reverted in one file (BP007's, past the line limit) while another
/// file has fixes of its own (BP001 and BK010 in the bake file). Before: the
/// fix loop stopped at the revert, so the bake file's fixes waited for a
/// second `--fix` (fixes did not converge). Now the reverted file is frozen
/// and the others are fixed in the same run.
#[test]
fn a_reverted_file_does_not_stop_the_fixes_of_the_others() {
    let head = "RUN apt-get update && apt-get install -y ";
    let line = format!(
        "{head}{}",
        "a".repeat(bakelint::dockerfile::MAX_LINE - head.len() - 4)
    );
    let dockerfile = format!("FROM python:3.12-slim\n{line}\n");
    let bake = "target \"worker\" {\n  tags = [\"ghcr.io/acme/shop-worker:1.0\"]\n}\n";
    let files = [
        ("Dockerfile", dockerfile.as_str()),
        ("docker-bake.hcl", bake),
    ];
    passes("frozen-file", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    let fixed_bake = result
        .contents
        .iter()
        .find(|(p, _)| p.ends_with("docker-bake.hcl"))
        .map(|(_, t)| t.as_str())
        .unwrap_or("");
    assert!(fixed_bake.contains("GITHUB_SHA"), "{fixed_bake}");
    assert!(result.remaining.iter().any(|d| d.code == "BP007"));
}

/// Values nested just under the bracket limit, in HCL and JSON, evaluated
/// on a thread with the default 2 MiB stack in an unoptimised build.
/// Before: a JSON object nested 199 deep overflowed the stack (about 12 KB
/// of evaluator frame per level); now about 4 KB.
#[test]
fn values_nested_to_the_limit_evaluate_on_a_small_stack() {
    use bakelint::bake::limits::MAX_NESTING;
    let depth = MAX_NESTING - 2;
    let object = format!("{}1{}", "{a=".repeat(depth), "}".repeat(depth));
    let tuple = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    for value in [&object, &tuple, &parens] {
        let hcl = format!("x = {value}\ntarget \"default\" {{\n  args = {{ A = \"1\" }}\n}}\n");
        passes(
            "nested-hcl",
            &[
                ("docker-bake.hcl", &hcl),
                ("Dockerfile", "FROM alpine:3.19\n"),
            ],
        );
    }
    let json_object = format!("{}1{}", "{\"a\":".repeat(depth - 1), "}".repeat(depth - 1));
    let json = format!("{{\"nest\": {json_object}, \"target\": {{\"default\": {{}}}}}}");
    passes(
        "nested-json",
        &[
            ("docker-bake.json", &json),
            ("Dockerfile", "FROM alpine:3.19\n"),
        ],
    );
}

/// A Dockerfile declaring `ARG /rsion` (not a name) and a bake arg `RSION`.
/// Before: BK005's fix renamed the bake key to `/rsion`, which is not valid
/// HCL ("internal error: applying the fix of BK005 made docker-bake.hcl
/// fail to parse"). Now it suggests the name but offers no rename.
#[test]
fn undeclared_build_arg_fix_renames_only_to_a_plain_name() {
    let files = [
        ("Dockerfile", "FROM 0\nARG /rsion"),
        (
            "docker-bake.hcl",
            "target \"p\" {\n  args = { RSION = \"\" }\n}\n",
        ),
    ];
    passes("bk005-odd-arg", &files);
    let dir = common_project(&files);
    let (result, first) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    let bk005 = first.iter().find(|d| d.code == "BK005").expect("BK005");
    assert!(bk005.fix.is_none(), "{bk005:?}");
}

/// `RUN` separated from its command by a vertical tab (BuildKit splits on
/// any blank). Before: BP007 inserted its cache mount right after `RUN`,
/// making `RUN--mount=...` (an unknown instruction, reverted as an internal
/// error). Now the mount goes after the separator.
#[test]
fn cache_mount_fix_after_a_vertical_tab_separator() {
    let files = [(
        "Dockerfile",
        "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN\u{b}pip install flask\n",
    )];
    passes("bp007-vtab", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    let fixed = result.contents.values().next().expect("fixed");
    assert!(
        fixed.contains("RUN\u{b}--mount=type=cache,target=/root/.cache/pip pip install"),
        "{fixed}"
    );
}

/// Two misspellings of one attribute in a block. Before: BK001 renamed both
/// to `inherits`, and the block had the attribute twice (a parse error,
/// reverted as an internal error). Now only the first is renamed.
#[test]
fn two_misspellings_of_one_attribute_get_one_rename() {
    let files = [
        (
            "docker-bake.hcl",
            "target \"a\" {\n  nerits = [\"\"]\n  herits = []\n}\n",
        ),
        ("Dockerfile", "FROM alpine:3.19\n"),
    ];
    passes("bk001-twice", &files);
    let dir = common_project(&files);
    let (_, first) = fix_in(dir.path());
    let fixable: Vec<usize> = first
        .iter()
        .filter(|d| d.code == "BK001" && d.fix.is_some())
        .map(|d| d.span.start)
        .collect();
    assert_eq!(fixable.len(), 1, "{first:#?}");
}

/// A tag that is only a byte-order mark. Before: BP010 named the base
/// target it adds after the tag's repository, `"\u{feff}-base"`, which
/// buildx refuses ("invalid target name"). Now only a valid name is used.
#[test]
fn prebaked_base_target_gets_a_valid_name() {
    passes(
        "bp010-bom-tag",
        &[
            (
                "docker-bake.hcl",
                "target \"w\" {\n  dockerfile = \"web.Dockerfile\"\n  tags = [\"\u{feff}\"]\n}\n\
                 target \"e\" {\n  dockerfile = \"beat.Dockerfile\"\n}\n",
            ),
            (
                "web.Dockerfile",
                "FROM python\nRUN apt-get install i p t R p\nCOPY . /\n",
            ),
            (
                "beat.Dockerfile",
                "FROM python:\nRUN apt-get install t c t R /\nCOPY . /\n",
            ),
        ],
    );
}

/// `kerfile-inline` holding an empty heredoc. Before: BK001 renamed it to
/// `dockerfile-inline`, an empty Dockerfile (DF000 "file with no
/// instructions", reverted as an internal error). Now the rename is offered
/// only when the value parses as a Dockerfile.
#[test]
fn rename_to_dockerfile_inline_only_when_the_value_parses() {
    let empty = "target \"t\" {\n  kerfile-inline = <<EOT\nEOT\n}\n";
    passes("bk001-inline", &[("docker-bake.hcl", empty)]);
    let fixable = |bake: &str| {
        let dir = common_project(&[("docker-bake.hcl", bake)]);
        let (_, first) = fix_in(dir.path());
        first.iter().any(|d| d.code == "BK001" && d.fix.is_some())
    };
    assert!(!fixable(empty));
    assert!(fixable(
        "target \"t\" {\n  kerfile-inline = \"FROM alpine:3.19\\n\"\n}\n"
    ));
}

/// A JSON bake file with a backslash before a multi-byte character. Before:
/// the "invalid escape" error pointed inside the character.
#[test]
fn json_escape_error_at_a_multibyte_character_is_on_a_boundary() {
    passes(
        "json-escape-bom",
        &[("docker-bake.override.json", "{\"\":\"\\\u{feff}")],
    );
}

/// A misspelt `default` of a variable whose value refers to an undefined
/// variable (or to itself). Before: BK001 renamed it, and the definition
/// stopped evaluating ("undefined variable", "variable cycle"), reverted as
/// an internal error. Now variables and functions get the rename only for
/// literal values (their unknown attributes are never evaluated).
#[test]
fn rename_in_a_variable_only_for_a_literal_value() {
    for bake in [
        "variable {\n  efeult = \"${B}\"\n}\n",
        "variable \"X\" {\n  efeult = \"${X}\"\n}\n",
    ] {
        passes("bk001-variable", &[("docker-bake.hcl", bake)]);
    }
    let dir = common_project(&[("docker-bake.hcl", "variable \"X\" {\n  efeult = \"a\"\n}\n")]);
    let (result, _) = fix_in(dir.path());
    assert!(result
        .contents
        .values()
        .any(|t| t.contains("default = \"a\"")));
}

/// A variable with two misspellings that BK001 renamed to `type` and
/// `default` at once (`"ype": "p"`, `"efau)t": ""`), or a misspelt default
/// that does not convert to the declared type. Before: the renamed block
/// failed to load ("unknown type", "invalid default value ... map(string)
/// required"), reverted as an internal error. Now the rename is offered only
/// when the block still loads.
#[test]
fn variable_type_and_default_renamed_only_when_the_block_still_loads() {
    passes(
        "bk001-variable-type",
        &[
            (
                "docker-bake.hcl",
                "variable\"VERSION\"{\ndefault=\"3\"\ni{\nn=\"\"\n}\n}",
            ),
            (
                "docker-bake.override.json",
                "{\"variable\":{\"\":{\"efau)t\":\"\",\"ype\":\"p\"}},\"target\":{\"t\":{\"tags\":[\"/\"],\"\":[\"\"],\"\":[\"\"]}}}",
            ),
        ],
    );
    let files = [(
        "docker-bake.hcl",
        "variable \"P\" {\n  type = map(string)\n  defualt = \"linux/amd64\"\n}\n",
    )];
    passes("bk001-variable-map", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    assert_eq!(result.changed().count(), 0);
}

/// `nae = ""` in a target. Before: BK001 renamed it to `name`, which
/// buildx accepts only with a matrix ("name requires matrix"), reverted as an
/// internal error. Now `matrix` and `name` are suggested, never renamed.
#[test]
fn target_name_and_matrix_are_not_renamed() {
    let files = [("docker-bake.hcl", "target\"c\"{\nnae=\"\"\n}")];
    passes("bk001-name", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    assert!(result.remaining.iter().any(|d| d.code == "BK001"));
}

/// A bake target whose tag is a newline. Before: BP010 named the base
/// image after it (`FROM \n-base:latest`), which broke the Dockerfile,
/// reverted as an internal error. Now a tag that is no image name falls
/// back to the file's name (`worker-base:latest`).
#[test]
fn prebaked_base_is_not_named_after_a_tag_that_is_no_image_name() {
    let files = [
        (
            "docker-bake.hcl",
            "t\"\"{}\ntarget\"r\"{\nckerfile=\"worker.Dockerfile\"\ntag=[\"\n\"]\n}",
        ),
        (
            "worker.Dockerfile",
            "FROM python:\nRUN apt-get install t l t O /\nCOPY . .",
        ),
    ];
    passes("bp010-tag", &files);
    let files = [
        (
            "docker-bake.hcl",
            "target \"worker\" {\n  dockerfile = \"worker.Dockerfile\"\n  tags = [\"\\n\"]\n}\n",
        ),
        (
            "worker.Dockerfile",
            "FROM python:3.12\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev gettext curl git\nCOPY . .\n",
        ),
    ];
    passes("bp010-tag-newline", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    assert!(result.failures.is_empty(), "{:?}", result.failures);
}

/// `ENV GOPATH /g s`: a cache directory with a space. Before: BP007 added
/// `--mount=type=cache,target=/g s/pkg/mod`, which BuildKit splits in two,
/// so the next run added it again (fixes never converged). Now: help only.
#[test]
fn cache_mount_fix_not_offered_for_a_directory_with_a_space() {
    passes(
        "bp007-space",
        &[("Dockerfile", "FROM\nENV GOPATH /g s\nRUN &go get")],
    );
    let files = [(
        "Dockerfile",
        "FROM golang:1.22\nENV GOPATH /g s\nRUN go get x\n",
    )];
    passes("bp007-space", &files);
    let dir = common_project(&files);
    let (result, _) = fix_in(dir.path());
    // (Before, this one converged on a RUN whose command was `s/pkg/mod`.)
    assert!(
        result.contents.values().all(|t| !t.contains("target=/g s")),
        "{:?}",
        result.contents
    );
}
