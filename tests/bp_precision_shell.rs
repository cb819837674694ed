//! BP004 `chromium-skip-arg`, BP007 `cache-mount`, BP011
//! `copy-before-install` and BP012 `adhoc-test-deps` on real-project
//! patterns (whole temp projects, bake definitions included), and their
//! work on large generated Dockerfiles: long `FROM <stage>` chains, many
//! stages, one stage of thousands of COPY + RUN, one RUN of thousands of
//! commands. Work is counted (`stage_walk::work`), never timed: doubling the
//! input must about double the count.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::dockerfile::parse;
use bakelint::linter::lint_dockerfile;
use bakelint::rules::stage_walk::work;
use bakelint::rules::BuildInfo;
use bakelint::workspace;

mod common;
use common::{plan, project};

fn settings(select: &[&str], toml: &str) -> Settings {
    let cli = CliSelection {
        select: Some(select.iter().map(|s| s.to_string()).collect()),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), toml, &cli).expect("settings")
}

fn lint(dir: &Path, select: &[&str], toml: &str) -> Vec<Diagnostic> {
    let out = workspace::lint(&plan(dir), &BTreeMap::new(), &settings(select, toml));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.diagnostics
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

const CHROMIUM_DOCKERFILE: &str = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation\nEXPOSE 9222\n";

#[test]
fn bp004_a_bake_image_named_for_the_browser_is_the_product() {
    let bake =
        "target \"headless-chrome\" {\n  tags = [\"ghcr.io/acme/headless-chrome:latest\"]\n}\n";
    let dir = project(&[
        ("Dockerfile", CHROMIUM_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    assert!(lint(dir.path(), &["BP004"], "").is_empty());
    // The same Dockerfile built as `web` is reported.
    let bake = "target \"web\" {\n  tags = [\"ghcr.io/acme/web:latest\"]\n}\n";
    let dir = project(&[
        ("Dockerfile", CHROMIUM_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    assert_eq!(codes_of(&lint(dir.path(), &["BP004"], "")), ["BP004"]);
    // A tag alone says it too; so does a `dockerfile-inline`'s target.
    let bake = "target \"svc\" {\n  tags = [\"acme/browserless:2\"]\n}\ntarget \"pdf\" {\n  dockerfile-inline = \"FROM debian\\nRUN apt-get install -y chromium\\n\"\n  tags = [\"acme/puppeteer-pdf\"]\n}\n";
    let dir = project(&[
        ("Dockerfile", CHROMIUM_DOCKERFILE),
        ("docker-bake.hcl", bake),
    ]);
    assert!(lint(dir.path(), &["BP004"], "").is_empty());
}

const PLAIN_PIP: &str =
    "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";

#[test]
fn bp007_default_scope_is_buildkit_builds() {
    let dir = project(&[("Dockerfile", PLAIN_PIP), ("requirements.txt", "flask\n")]);
    assert!(lint(dir.path(), &["BP007"], "").is_empty());
    let all = "[rules.cache-mount]\nscope = \"all\"\n";
    assert_eq!(codes_of(&lint(dir.path(), &["BP007"], all)), ["BP007"]);
    // Built by bake: BuildKit.
    let dir = project(&[
        ("Dockerfile", PLAIN_PIP),
        ("requirements.txt", "flask\n"),
        ("docker-bake.hcl", "target \"default\" {}\n"),
    ]);
    assert_eq!(codes_of(&lint(dir.path(), &["BP007"], "")), ["BP007"]);
    let adopted = "[rules.cache-mount]\nscope = \"cache-mounts\"\n";
    assert!(lint(dir.path(), &["BP007"], adopted).is_empty());
}

#[test]
fn bp007_scope_values_are_checked() {
    let cli = CliSelection::default();
    let err = Settings::from_toml(
        Path::new("bakelint.toml"),
        "[rules.cache-mount]\nscope = \"everywhere\"\n",
        &cli,
    )
    .expect_err("unknown scope");
    assert!(err.message.contains("\"buildkit\""), "{}", err.message);
}

#[test]
fn bp012_third_party_requirements_and_bootstraps() {
    let files = |dockerfile: &'static str| {
        project(&[
            ("Dockerfile", dockerfile),
            ("requirements.txt", "flask==3.0\n"),
        ])
    };
    // librenms: the requirements file is the cloned application's.
    let dir = files("FROM alpine\nWORKDIR /opt/librenms\nRUN apk add py3-pip && pip3 install python-memcached mysqlclient --break-system-packages\nRUN git clone --depth=1 https://github.com/librenms/librenms.git . && pip3 install -r requirements.txt --break-system-packages\nCOPY rootfs /\n");
    assert!(lint(dir.path(), &["BP012"], "").is_empty());
    // maturin before the project's own requirements: a build tool.
    let dir = files("FROM python\nCOPY requirements.txt /tmp\nRUN python3 -m pip install maturin\nRUN python3 -m pip install -r /tmp/requirements.txt\n");
    assert!(lint(dir.path(), &["BP012"], "").is_empty());
    // A test plugin next to the project's requirements is still reported.
    let dir = files("FROM python\nCOPY requirements.txt /tmp\nRUN python3 -m pip install pytest-xdist\nRUN python3 -m pip install -r /tmp/requirements.txt\n");
    assert_eq!(codes_of(&lint(dir.path(), &["BP012"], "")), ["BP012"]);
}

#[test]
fn bp012_a_downloaded_script_is_not_the_whole_working_directory() {
    let dir = project(&[
        ("Dockerfile", "FROM python\nWORKDIR /app\nCOPY . .\nRUN wget https://x/tool.sh && pip install -r requirements.txt\nRUN pip install pytest\n"),
        ("requirements.txt", "flask==3.0\n"),
    ]);
    assert_eq!(codes_of(&lint(dir.path(), &["BP012"], "")), ["BP012"]);
    // An archive unpacked into a vendor directory (`unzip -o` overwrites,
    // `-d` names the directory) leaves the project's own file the project's.
    let dir = project(&[
        ("Dockerfile", "FROM python\nWORKDIR /app\nCOPY . .\nRUN unzip -o x.zip -d /app/vendor && pip install -r requirements.txt\nRUN pip install pytest\n"),
        ("requirements.txt", "flask==3.0\n"),
    ]);
    assert_eq!(codes_of(&lint(dir.path(), &["BP012"], "")), ["BP012"]);
    // Downloaded under its own name, the requirements file is not the project's.
    let dir = project(&[
        ("Dockerfile", "FROM python\nWORKDIR /app\nCOPY . .\nRUN curl -fsSLo requirements.txt https://x/r.txt && pip install -r requirements.txt\nRUN pip install pytest\n"),
        ("requirements.txt", "flask==3.0\n"),
    ]);
    assert!(lint(dir.path(), &["BP012"], "").is_empty());
}

/// Units of work each rule of `codes` does on `text` (parsed once; BP007
/// with `scope = "all"`).
fn units(codes: &[&str], text: &str) -> Vec<u64> {
    let df = parse(text);
    codes
        .iter()
        .map(|code| {
            let settings = settings(&[code], "[rules.cache-mount]\nscope = \"all\"\n");
            work::take();
            let diags = lint_dockerfile(
                Path::new("Dockerfile"),
                &df,
                &settings,
                &BuildInfo::default(),
            );
            let units = work::take();
            assert!(
                diags.iter().all(|d| d.code == *code),
                "{:?}",
                codes_of(&diags)
            );
            units
        })
        .collect()
}

/// `FROM s{i-1} AS s{i}` chains: each stage sets ENV, WORKDIR, copies a
/// file and installs (what the stage-carrying rules replayed per stage).
fn chain(stages: usize) -> String {
    let mut out = String::from("FROM python:3.12-slim AS s0\n");
    for i in 1..stages {
        out += &format!(
            "FROM s{p} AS s{i}\nENV PIP_CACHE_DIR=/cache/{i}\nWORKDIR /app/{i}\nCOPY req{i}.txt ./\nRUN pip install -r req{i}.txt && pip install pytest && npm install puppeteer\n",
            p = i - 1
        );
    }
    out
}

/// Independent stages, each with the whole context copied before an install.
fn siblings(stages: usize) -> String {
    (0..stages)
        .map(|i| {
            format!("FROM python:3.12-slim AS s{i}\nWORKDIR /app\nCOPY requirements.txt ./\nCOPY . .\nRUN pip install -r requirements.txt\nRUN pip install pytest\n")
        })
        .collect()
}

/// One stage of many narrow COPYs, each followed by a requirements install.
fn copies(count: usize) -> String {
    let mut out = String::from("FROM python:3.12-slim\nWORKDIR /app\n");
    for i in 0..count {
        out += &format!(
            "COPY pkg{i}/requirements.txt pkg{i}/\nRUN apt-get update && apt-get install -y curl && pip install -r pkg{i}/requirements.txt && pip install x{i}\n"
        );
    }
    out
}

/// Many COPYs into one directory, each file then installed (every COPY is
/// a candidate source of every later path there).
fn copies_into_one_dir(count: usize) -> String {
    let mut out = String::from("FROM python:3.12-slim AS s0\n");
    for i in 1..count {
        out += &format!(
            "FROM s{p} AS s{i}\nCOPY r{i}.txt ./\nRUN pip install -r r{i}.txt && pip install x{i}\n",
            p = i - 1
        );
    }
    out
}

/// A chain of stages, each copying the whole context again and a file
/// into the same directory before its requirements install.
fn whole_context_copies(count: usize) -> String {
    let mut out = String::from("FROM python:3.12-slim AS s0\nWORKDIR /app\n");
    for i in 1..count {
        out += &format!(
            "FROM s{p} AS s{i}\nCOPY . .\nCOPY f{i}.txt ./\nRUN pip install -r requirements.txt && pip install x{i}\n",
            p = i - 1
        );
    }
    out
}

/// One RUN of many commands.
fn long_run(commands: usize) -> String {
    let mut out = String::from(
        "FROM node:20\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt",
    );
    for i in 0..commands {
        out += &format!(" \\\n && pip install x{i} && npm install puppeteer y{i} && cd /app/d{i}");
    }
    out + "\n"
}

/// The units of each rule on `shape(n)` and `shape(2n)`: the second at
/// most about twice the first (a quadratic rule gives four times).
fn assert_linear(codes: &[&str], shape: fn(usize) -> String, n: usize) {
    let small = units(codes, &shape(n));
    let large = units(codes, &shape(2 * n));
    for ((code, small), large) in codes.iter().zip(small).zip(large) {
        assert!(small > 0, "{code}: no work counted");
        assert!(
            large * 10 <= small * 23,
            "{code}: {small} units for n = {n}, {large} for 2n"
        );
    }
}

const RULES: &[&str] = &["BP004", "BP007", "BP011", "BP012"];

#[test]
fn ten_thousand_stage_chains_take_linear_work() {
    assert_linear(RULES, chain, 5_000);
}

#[test]
fn many_stages_copies_and_commands_take_linear_work() {
    assert_linear(RULES, siblings, 1_000);
    assert_linear(RULES, copies, 1_000);
    assert_linear(&["BP004", "BP012"], long_run, 1_000);
    assert_linear(&["BP011", "BP012"], copies_into_one_dir, 1_000);
    assert_linear(&["BP012"], whole_context_copies, 1_000);
}

#[test]
fn a_one_megabyte_dockerfile_is_linted_with_bounded_work() {
    // About 1 MB: 9,000 stages in a chain (each its five instructions).
    let text = chain(9_000);
    assert!(text.len() > 1_000_000, "{}", text.len());
    let instructions = text.lines().count() as u64;
    for (code, units) in RULES.iter().zip(units(RULES, &text)) {
        // A few units per instruction; replaying the chain per stage was
        // about 9,000 / 2 per instruction.
        assert!(units <= 20 * instructions, "{code}: {units} units");
    }
}
