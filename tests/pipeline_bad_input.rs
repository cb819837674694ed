//! Workflows nobody should have to fix before bakelint reads the rest:
//! malformed YAML, alias bombs, binary and UTF-16 files, FIFOs, `${{ }}`
//! expressions in every position, matrix jobs, reusable-workflow calls and
//! composite actions. Each unreadable file is a clear error with its
//! position; the other files are still linted; nothing crashes or hangs.

mod common;

use std::time::{Duration, Instant};

use common::cli::{bakelint, stderr, stdout};

/// An alias bomb: eleven levels of ten aliases each (10^12 nodes if expanded).
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    text
}

const EXPRESSIONS: &str = r#"name: ${{ github.event_name }}
on: ${{ fromJSON('x') }}
jobs:
  ${{ github.job }}:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
        pg: [14, 16]
    services: ${{ fromJSON(inputs.services) }}
    container: ${{ matrix.container }}
    steps:
      - uses: ${{ matrix.action }}
      - run: ${{ matrix.cmd }}
        with: ${{ inputs.with }}
  db:
    runs-on: ubuntu-latest
    needs: ${{ inputs.needs }}
    services:
      pg:
        image: postgres:${{ matrix.pg }}
        options: ${{ env.OPTS }}
      cache:
        image: ${{ vars.REDIS }}
        options: --health-cmd "redis-cli ping" ${{ env.MORE }}
  call:
    uses: ./.github/workflows/reusable.yml
    with: {a: 1}
    secrets: inherit
"#;

const COMPOSITE: &str =
    "runs:\n  using: composite\n  steps:\n    - run: docker pull postgres:16\n      shell: bash\n";

#[test]
fn unreadable_workflows_are_errors_with_positions_and_the_rest_is_linted() {
    let dir = common::project(&[
        ("Dockerfile", "FROM alpine\n"),
        (".github/workflows/broken.yml", "jobs:\n  a:\n    steps: [\n"),
        (".github/workflows/list.yml", "- a\n- b\n"),
        (".github/workflows/bomb.yml", &alias_bomb()),
        (".github/workflows/expressions.yml", EXPRESSIONS),
        (".github/actions/db/action.yml", COMPOSITE),
        (
            ".github/workflows/ok.yml",
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n    steps:\n      - run: make test\n",
        ),
    ]);
    std::fs::write(
        dir.path().join(".github/workflows/utf16.yml"),
        b"\xff\xfej\x00o\x00b\x00s\x00",
    )
    .expect("write");
    #[cfg(unix)]
    {
        let fifo = dir.path().join(".github/workflows/fifo.yml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
    }
    let start = Instant::now();
    let out = bakelint(dir.path(), &["check", ".", "--output-format", "concise"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for expected in [
        ".github/workflows/broken.yml: cannot read the workflow: 4:1: invalid YAML",
        ".github/workflows/list.yml: cannot read the workflow: 1:1: not a workflow: the top level is a list, not a mapping",
        ".github/workflows/bomb.yml: cannot read the workflow:",
        "more than 1000000 nodes",
        ".github/workflows/utf16.yml: UTF-16 LE text: save it as UTF-8",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in\n{stderr}");
    }
    #[cfg(unix)]
    assert!(
        stderr.contains(".github/workflows/fifo.yml: not a regular file (it is a FIFO)"),
        "{stderr}"
    );
    // The readable files are still linted: the Dockerfile and the good
    // workflow's service image; the expressions are never guessed at.
    assert!(stdout.contains("Dockerfile:1:6: DL3006"), "{stdout}");
    assert!(
        stdout.contains(".github/workflows/ok.yml:7:16: BP006"),
        "{stdout}"
    );
    assert!(!stdout.contains("expressions.yml"), "{stdout}");
    // A composite action is not a workflow: not read as one.
    assert!(!stdout.contains("action.yml") && !stderr.contains("action.yml"));
}

#[test]
fn expressions_everywhere_give_no_findings_and_no_fixes() {
    let dir = common::project(&[(".github/workflows/expressions.yml", EXPRESSIONS)]);
    let out = bakelint(dir.path(), &["check", ".", "--fix", "--unsafe-fixes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = std::fs::read_to_string(dir.path().join(".github/workflows/expressions.yml"))
        .expect("read");
    assert_eq!(text, EXPRESSIONS, "nothing rewritten");
}
