//! Hostile inputs get a clear error (or the right answer) after bounded
//! work: no exponential or unbounded evaluation, no stack overflow on deep
//! nesting. Inputs are generated here, small as the files that cause the
//! trouble are (a few KB). Each test runs in the normal test thread, whose
//! small stack is part of the check; none measures wall time.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use bakelint::bake::limits::{
    MAX_COLLECTION_LEN, MAX_EVAL_BYTES, MAX_GROUP_DEPTH, MAX_INHERIT_DEPTH, MAX_MATRIX_TARGETS,
    MAX_VARIABLE_CHAIN,
};
use bakelint::bake::{load, BakeError, BakeProject, LoadOptions};
use bakelint::config::{CliSelection, Settings};
use bakelint::dockerfile::expand::{ShellLex, MAX_SUBSTITUTION_DEPTH};
use bakelint::dockerfile::parse;
use bakelint::workspace;

mod common;
use common::{plan, project};

fn load_hcl(text: &str) -> Result<BakeProject, Vec<BakeError>> {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("docker-bake.hcl"), text).expect("write");
    load(&LoadOptions {
        cwd: dir.path().to_path_buf(),
        ..LoadOptions::default()
    })
}

/// The single error loading `text` gives, and the text it points at.
fn limit_error(text: &str) -> (BakeError, String) {
    let errors = load_hcl(text).expect_err("a limit error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].clone();
    let culprit = e.span.slice(text).to_string();
    (e, culprit)
}

/// `variable "v0"` = `first`, then `v1` … `v{n}` each defined by `step`
/// applied to the previous one (`{p}` stands for its name).
fn doubling(first: &str, step: &str, n: usize) -> String {
    let mut out = format!("variable \"v0\" {{\n  default = {first}\n}}\n");
    for i in 1..=n {
        let def = step.replace("{p}", &format!("v{}", i - 1));
        out += &format!("variable \"v{i}\" {{\n  default = {def}\n}}\n");
    }
    out + &format!("target \"default\" {{\n  args = {{ N = length(v{n}) }}\n}}\n")
}

#[test]
fn inherits_diamond_forty_levels_deep_resolves_each_target_once() {
    // t0 inherits [t1a, t1b]; each of those inherits [t2a, t2b]; ... The
    // leaves append one annotation: buildx would copy it 2^40 times.
    let levels = 40;
    let mut text = String::from("target \"default\" {\n  inherits = [\"t1a\", \"t1b\"]\n}\n");
    for level in 1..levels {
        for side in ["a", "b"] {
            text += &format!(
                "target \"t{level}{side}\" {{\n  inherits = [\"t{n}a\", \"t{n}b\"]\n  labels = {{ l{level} = \"{side}\" }}\n}}\n",
                n = level + 1
            );
        }
    }
    for side in ["a", "b"] {
        text += &format!(
            "target \"t{levels}{side}\" {{\n  annotations = [\"index:a=1\"]\n  tags = [\"x:{side}\"]\n}}\n"
        );
    }
    let project = load_hcl(&text).expect("loads");
    let t = &project.targets()["default"];
    assert_eq!(t.str_list("annotations"), ["index:a=1"]);
    assert_eq!(t.tags(), ["x:b"]);
    assert_eq!(t.labels().len(), levels - 1);
    assert_eq!(t.inherits_chain.len(), 2 * levels);
    // No resolved list or map holds more than its distinct values.
    let largest = project
        .targets()
        .values()
        .flat_map(|t| t.attrs.values())
        .map(|r| r.elements.len())
        .max();
    assert_eq!(largest, Some(levels - 1));
}

#[test]
fn a_ten_thousand_target_inherits_chain_is_a_limit_error() {
    let n = 10_000;
    let mut text: String = (0..n)
        .map(|i| format!("target \"c{i}\" {{\n  inherits = [\"c{}\"]\n}}\n", i + 1))
        .collect();
    text += &format!("target \"c{n}\" {{\n  tags = [\"x\"]\n}}\n");
    let (e, culprit) = limit_error(&text);
    assert!(e.message.contains("`inherits` chain"), "{e:?}");
    assert!(e.message.contains(&MAX_INHERIT_DEPTH.to_string()), "{e:?}");
    assert_eq!(culprit, format!("\"c{}\"", MAX_INHERIT_DEPTH + 1));
}

#[test]
fn dockerfile_values_that_double_per_line_stop_at_the_expansion_limit() {
    // The line that crosses the limit: `$A$A` produces four bytes per byte
    // of A (two lookups, two copies), `${A:+$A$A}` seven.
    for (first, step, crossing) in [
        ("ARG A=x", "ARG A=$A$A", 20),
        ("ENV A=x", "ENV A=$A$A", 20),
        ("ARG A=x", "ARG A=${A:+$A$A}", 19),
        ("ENV A x", "ENV A ${A}${A}", 20),
    ] {
        // Global ARGs too: the doubling happens before the first FROM.
        for (before, after) in [("FROM alpine\n", ""), ("", "FROM alpine:$A\n")] {
            let lines = format!("{first}\n") + &format!("{step}\n").repeat(64);
            let text = format!("{before}{lines}{after}RUN echo $A\n");
            let df = parse(&text);
            let errors: Vec<_> = df
                .errors
                .iter()
                .filter(|e| e.message.contains("expansion produces more than"))
                .collect();
            // Reported once: the variable is dropped after the error.
            assert_eq!(errors.len(), 1, "{step}: {:?}", df.errors);
            assert!(errors[0].message.contains("1 MiB"), "{:?}", errors[0]);
            let culprit = errors[0].span.slice(&text);
            assert!(step.ends_with(culprit), "{step}: {culprit:?}");
            let line = df.line_index.position(&text, errors[0].span.start).line;
            let first_line = 1 + before.lines().count() + 1;
            assert_eq!(line - first_line + 1, crossing, "{step}");
        }
    }
}

#[test]
fn expansion_replacements_are_bounded_too() {
    let lex = ShellLex::new('\\');
    let env = BTreeMap::from([("A".to_string(), "a".repeat(1 << 19))]);
    let e = lex.process_word("${A//a/$A}", &env).expect_err("too large");
    assert!(e.limit && e.message.contains("1 MiB"), "{e:?}");
    // Within the limit, the same expansion works.
    let env = BTreeMap::from([("A".to_string(), "ab".repeat(8))]);
    assert_eq!(lex.process_word("${A//a/x}", &env).expect("fits").len(), 16);
}

#[test]
fn substitutions_twenty_thousand_deep_are_an_error_not_a_stack_overflow() {
    let depth = 20_000;
    let word = "${a:-".repeat(depth) + "x" + &"}".repeat(depth);
    let lex = ShellLex::new('\\');
    let e = lex
        .process_word(&word, &BTreeMap::<String, String>::new())
        .expect_err("too deep");
    assert!(e.limit, "{e:?}");
    assert!(
        e.message
            .contains(&format!("more than {MAX_SUBSTITUTION_DEPTH} levels")),
        "{e:?}"
    );
    // Scanning for references stops at the limit as well.
    assert!(lex.variable_refs(&word).len() <= MAX_SUBSTITUTION_DEPTH);
    // In a Dockerfile (continuation lines keep each line short), the
    // instruction BuildKit would expand gets a DF000 error.
    let chunk = "${a:-".repeat(1000);
    let close = "}".repeat(1000);
    let text = format!(
        "ARG a\nFROM alpine:{}x{}\nRUN true\n",
        vec![chunk; depth / 1000].join("\\\n"),
        vec![close; depth / 1000].join("\\\n"),
    );
    let df = parse(&text);
    assert!(
        df.errors.iter().any(
            |e| e.message.contains("levels deep") && e.span.slice(&text).starts_with("alpine:")
        ),
        "{:?}",
        df.errors
    );
}

#[test]
fn bake_string_and_list_bombs_stop_at_a_limit_with_the_culprit() {
    let cases = [
        // (definition, the expression the error points at, message part)
        // The second `v19` of v20's template crosses 4 MiB.
        (doubling("\"xxxxxxxx\"", "\"${{p}}${{p}}\"", 64), "v19", "longer than 4 MiB"),
        (
            doubling("\"xxxxxxxx\"", "format(\"%s%s\", {p}, {p})", 64),
            // format's bound counts its format string too: v19 is refused.
            "format(\"%s%s\", v18, v18)",
            "longer than 4 MiB",
        ),
        (
            doubling("\"xxxxxxxx\"", "join(\"\", [{p}, {p}])", 64),
            "join(\"\", [v19, v19])",
            "longer than 4 MiB",
        ),
        (
            doubling("[\"x\"]", "concat({p}, {p})", 64),
            "concat(v19, v19)",
            "more than 1000000 elements",
        ),
        (
            "x = setproduct(range(1000), range(1000), range(1000))\ntarget \"default\" {}\n"
                .to_string(),
            "setproduct(range(1000), range(1000), range(1000))",
            "more than 1000000 elements",
        ),
        // Squaring nested lists: the copies of v4 exhaust the whole budget.
        (
            doubling("[\"x\", \"y\"]", "setproduct({p}, {p})", 8),
            "v4",
            "in total",
        ),
        (
            "target \"default\" {\n  tags = [for x in range(1e9): \"t${x}\"]\n}\n".to_string(),
            "range(1e9)",
            "more than 1000000 elements",
        ),
        (
            "variable \"s\" {\n  default = join(\"\", [for i in range(100000): \"x\"])\n}\nx = join(s, range(1000000))\ntarget \"default\" {}\n".to_string(),
            "join(s, range(1000000))",
            "longer than 4 MiB",
        ),
        (
            "x = indent(10000, join(\"\\n\", range(100000)))\ntarget \"default\" {}\n".to_string(),
            "indent(10000, join(\"\\n\", range(100000)))",
            "longer than 4 MiB",
        ),
    ];
    assert_eq!(MAX_COLLECTION_LEN, 1_000_000);
    for (text, culprit, message) in cases {
        let (e, got) = limit_error(&text);
        assert!(e.message.contains(message), "{culprit}: {e:?}");
        assert_eq!(got, culprit, "{e:?}");
        assert!(e.help.as_deref().unwrap_or("").contains("limits"), "{e:?}");
    }
}

#[test]
fn many_uses_of_a_large_value_hit_the_whole_load_budget() {
    // One 1 MB string is fine; copying it into thousands of matrix targets is not.
    let text = "variable \"s\" {\n  default = join(\"\", [for i in range(1000000): \"x\"])\n}\n\
        target \"m\" {\n  matrix = { i = range(9999) }\n  name = \"m${i}\"\n  args = { A = s }\n}\n";
    let (e, culprit) = limit_error(text);
    assert!(
        e.message
            .contains(&format!("more than {} MiB in total", MAX_EVAL_BYTES >> 20)),
        "{e:?}"
    );
    assert_eq!(culprit, "s");
    // try() cannot catch a limit and go on.
    let text =
        "x = [for i in range(1000): try(join(\"\", [for j in range(1000000): \"x\"]), \"\")]\n\
        y = [for i in range(1000): can(join(\"\", [for j in range(1000000): \"x\"]))]\n\
        target \"default\" {}\n";
    let (e, _) = limit_error(text);
    assert!(e.message.contains("in total"), "{e:?}");
}

#[test]
fn matrix_expansion_is_bounded_over_the_whole_file() {
    // Ten axes of ten values: ten billion targets, refused before any is built.
    let axes: String = (0..10)
        .map(|i| {
            format!("    a{i} = [\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]\n")
        })
        .collect();
    let names: Vec<String> = (0..10).map(|i| format!("${{a{i}}}")).collect();
    let text = format!(
        "target \"m\" {{\n  matrix = {{\n{axes}  }}\n  name = \"m-{}\"\n}}\n",
        names.join("-")
    );
    let (e, culprit) = limit_error(&text);
    assert!(e.message.contains(&MAX_MATRIX_TARGETS.to_string()), "{e:?}");
    assert!(
        culprit.starts_with('{') && culprit.contains("a9"),
        "{culprit}"
    );

    // Two hundred targets of 1,000 each: each fits, together they do not.
    let block = |j: usize| {
        format!(
            "target \"m{j}\" {{\n  matrix = {{ a = range(10), b = range(10), c = range(10) }}\n  name = \"m{j}-${{a}}${{b}}${{c}}\"\n  tags = [\"x/m{j}:${{a}}${{b}}${{c}}\"]\n}}\n"
        )
    };
    let text: String = (0..200).map(block).collect();
    let (e, culprit) = limit_error(&text);
    assert!(e.message.contains("in this definition"), "{e:?}");
    assert!(culprit.starts_with("{ a = range(10)"), "{culprit}");
    // The first target past the budget is the one refused.
    let first_refused = MAX_MATRIX_TARGETS / 1000;
    let block_at = |j: usize| text.find(&format!("target \"m{j}\"")).unwrap_or(0);
    assert!(
        block_at(first_refused) < e.span.start && e.span.start < block_at(first_refused + 1),
        "{e:?}"
    );
    // Ten such targets fit: 10,000 targets, all built.
    let text: String = (0..10).map(block).collect();
    let project = load_hcl(&text).expect("fits");
    assert_eq!(project.targets().len(), MAX_MATRIX_TARGETS);
}

#[test]
fn deep_nesting_in_bake_files_is_an_error_not_a_stack_overflow() {
    // Brackets in HCL and JSON, and `${` inside strings.
    let depth = 20_000;
    let hcl = [
        format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("x = {}1{}\n", "{a=".repeat(depth), "}".repeat(depth)),
        format!(
            "target \"default\" {{\n  args = {{ A = \"{}x{}\" }}\n}}\n",
            "$${a:-".repeat(depth),
            "}".repeat(depth)
        ),
    ];
    for text in &hcl {
        let (e, _) = limit_error(text);
        assert!(e.message.contains("nesting"), "{e:?}");
    }
    let json = format!(
        "{{\"x\": {}{}, \"target\": {{\"default\": {{}}}}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let dir = project(&[("docker-bake.json", &json)]);
    let errors = load(&LoadOptions {
        cwd: dir.path().to_path_buf(),
        ..LoadOptions::default()
    })
    .expect_err("an error");
    assert!(errors[0].message.contains("nesting"), "{errors:?}");

    // Values nested through a chain of variables, each wrapping the last:
    // refused by the length of the chain, before evaluation.
    let mut text = String::from("n00000 = 1\n");
    for i in 1..=depth {
        text += &format!("n{i:05} = [n{:05}]\n", i - 1);
    }
    text += "target \"default\" {\n  args = { A = length(n20000) }\n}\n";
    let (e, culprit) = limit_error(&text);
    assert!(
        e.message
            .contains(&format!("more than {MAX_VARIABLE_CHAIN} variables")),
        "{e:?}"
    );
    assert_eq!(culprit, format!("n{:05}", MAX_VARIABLE_CHAIN));
}

#[test]
fn set_functions_are_linear_in_their_lists() {
    let text = "x = length(distinct(concat(range(200000), range(200000))))\n\
        y = length(setunion(range(200000), range(100000, 300000)))\n\
        z = length(setsubtract(range(200000), range(100000)))\n\
        target \"default\" {\n  args = { X = x, Y = y, Z = z }\n}\n";
    let project = load_hcl(text).expect("loads");
    let args = project.targets()["default"].args();
    assert_eq!(args["X"], "200000");
    assert_eq!(args["Y"], "300000");
    assert_eq!(args["Z"], "100000");
}

#[test]
fn check_reports_a_group_cycle_as_a_bake_error_at_the_closing_name() {
    let text =
        "group \"default\" {\n  targets = [\"a\"]\n}\ngroup \"a\" {\n  targets = [\"b\"]\n}\n\
        group \"b\" {\n  targets = [\"a\", \"app\"]\n}\ntarget \"app\" {}\n";
    let dir = project(&[("docker-bake.hcl", text), ("Dockerfile", "FROM alpine\n")]);
    let cli = CliSelection {
        select: Some(vec!["BK".to_string()]),
        ..CliSelection::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
    let diags = workspace::lint(&plan(dir.path()), &BTreeMap::new(), &settings).diagnostics;
    let cycles: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("group cycle"))
        .collect();
    assert_eq!(cycles.len(), 1, "{diags:?}");
    let d = cycles[0];
    assert_eq!(d.code, "BK000");
    assert_eq!(d.message, "group cycle: a -> b -> a");
    // The "a" in group "b"'s targets closes the cycle.
    let at = text.find("[\"a\", \"app\"]").expect("b's targets") + 1;
    assert_eq!(d.span.slice(text), "\"a\"");
    assert_eq!(d.span.start, at);
    // A group listing itself is the shortest cycle.
    let text = "group \"default\" {\n  targets = [\"default\"]\n}\n";
    let errors = load_hcl(text).expect_err("a cycle");
    assert_eq!(errors[0].message, "group cycle: default -> default");
    // Unless a target has the group's name: buildx then builds the target.
    let text = format!("{text}target \"default\" {{}}\n");
    assert!(load_hcl(&text).is_ok());
}

#[test]
fn groups_nested_twenty_thousand_deep_are_a_limit_error() {
    // Resolving a group recurses into its member groups: `print` overflowed
    // the stack and `check` ran for minutes on this 600 KB file.
    let n = 20_000;
    let mut text: String = (0..n)
        .map(|i| format!("group \"g{i}\" {{\n  targets = [\"g{}\"]\n}}\n", i + 1))
        .collect();
    text += &format!("group \"g{n}\" {{\n  targets = [\"app\"]\n}}\ntarget \"app\" {{}}\n");
    let (e, culprit) = limit_error(&text);
    assert!(
        e.message
            .contains(&format!("more than {MAX_GROUP_DEPTH} levels")),
        "{e:?}"
    );
    // The first group (from the deep end) that nests too many others.
    assert_eq!(culprit, format!("\"g{}\"", n - MAX_GROUP_DEPTH));
}
