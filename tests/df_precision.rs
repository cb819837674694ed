//! Precision of the Dockerfile syntax check and the BuildKit-derived DF
//! rules on patterns seen in real projects: unknown instructions and flags
//! (which BuildKit refuses), one syntax error per file, instructions before
//! the first FROM, Windows drive paths in WORKDIR, where DF012 is reported
//! (and suppressed), and stage graphs of 10,000 stages.

use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::dockerfile::{parse, NodeKind};
use bakelint::linter::lint_dockerfile_text;
use bakelint::rules::BuildInfo;

fn lint(src: &str) -> Vec<Diagnostic> {
    lint_dockerfile_text(
        Path::new("Dockerfile"),
        src,
        &Settings::default(),
        &BuildInfo::default(),
    )
}

/// Lints with only the rules named.
fn lint_only(src: &str, codes: &[&str]) -> Vec<Diagnostic> {
    let cli = CliSelection {
        select: Some(codes.iter().map(|c| c.to_string()).collect()),
        ..CliSelection::default()
    };
    let settings = Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings");
    lint_dockerfile_text(
        Path::new("Dockerfile"),
        src,
        &settings,
        &BuildInfo::default(),
    )
}

/// `(line, message)` of the findings of rule `code`.
fn findings(src: &str, code: &str) -> Vec<(usize, String)> {
    let df = parse(src);
    lint(src)
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| (df.line_index.line_of(d.span.start) + 1, d.message))
        .collect()
}

fn syntax(src: &str) -> Vec<(usize, String)> {
    findings(src, "DF000")
}

fn one(line: usize, message: &str) -> Vec<(usize, String)> {
    vec![(line, message.to_string())]
}

// ------------------------------------------------------------ DF000

#[test]
fn unknown_instructions_are_syntax_errors_with_buildkits_suggestion() {
    assert_eq!(
        syntax("FROM busybox\nARGGG NAME=foo\nRUN echo $NAME\n"),
        one(2, "unknown instruction: ARGGG (did you mean ARG?)")
    );
    assert_eq!(
        syntax("FROM busybox\nrunn echo\n"),
        one(2, "unknown instruction: runn (did you mean run?)")
    );
    // A misspelt FROM is an unknown instruction, not "no build stage".
    assert_eq!(
        syntax("FORM alpine\nRUN true\n"),
        one(1, "unknown instruction: FORM (did you mean FROM?)")
    );
    assert_eq!(
        syntax("FROM alpine\nother foo bar\n"),
        one(2, "unknown instruction: other")
    );
}

#[test]
fn unknown_and_malformed_flags_are_syntax_errors() {
    let cases = [
        ("COPY --user=me a /b", "unknown flag: --user"),
        (
            "COPY --chwon=1000 a /b",
            "unknown flag: --chwon (did you mean chown?)",
        ),
        ("ADD --from=x a /b", "unknown flag: --from"),
        (
            "RUN --mount=type=cache,target=/x --netwrok=none true",
            "unknown flag: --netwrok (did you mean network?)",
        ),
        ("CMD --doit [\"a\"]", "unknown flag: --doit"),
        ("WORKDIR --x=1 /app", "unknown flag: --x"),
        (
            "COPY --from=a --from=b x /y",
            "duplicate flag specified: --from",
        ),
        ("COPY --chown a /b", "missing a value on flag: --chown"),
        ("COPY --link= a /b", "missing a value on flag: --link"),
        (
            "ADD --link=maybe a /b",
            "expecting boolean value for flag --link, not: maybe",
        ),
        (
            "HEALTHCHECK --intervall=5s CMD true",
            "unknown flag: --intervall (did you mean interval?)",
        ),
    ];
    for (line, message) in cases {
        let src = format!("FROM alpine\n{line}\n");
        assert_eq!(syntax(&src), one(2, message), "{line}");
        // The span is the flag as written.
        let df = parse(&src);
        let name = message.split("--").nth(1).unwrap_or_default();
        let name = name.split([' ', ',']).next().unwrap_or_default();
        let flag = line
            .split_whitespace()
            .rfind(|w| w.starts_with(&format!("--{name}")))
            .unwrap_or_default();
        assert!(
            df.errors.iter().any(|e| e.span.slice(&src) == flag),
            "{line}: {:?}",
            df.errors
        );
    }
}

#[test]
fn every_flag_buildkit_accepts_is_accepted() {
    let src = "\
# syntax=docker/dockerfile:1-labs
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN --mount=type=cache,target=/root/.cache --mount=type=bind,source=.,target=/src \\
    --network=none --security=insecure --device=name=gpu go build ./...
COPY --from=build --chown=1000:1000 --chmod=755 --link --parents --exclude=*.md --exclude=*.txt a /b/
COPY --link=false a /c/
ADD --chown=1 --chmod=644 --link=true --keep-git-dir --checksum=sha256:abc --unpack=false --exclude=x https://example.com/a.tar.gz /d/
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --start-interval=1s --retries=3 CMD true
COPY -- --not-a-flag /e/
";
    assert_eq!(syntax(src), []);
}

#[test]
fn flags_buildkit_never_reads_are_left_alone() {
    // BuildKit does not parse the flags of ARG, STOPSIGNAL and HEALTHCHECK
    // NONE, nor those of an ONBUILD trigger (read by the child build).
    let src = "ARG --x=1 A\nFROM alpine\nSTOPSIGNAL --y SIGTERM\nHEALTHCHECK --z NONE\nONBUILD COPY --user=me a /b\nONBUILD FOO bar\n";
    assert_eq!(syntax(src), []);
}

#[test]
fn other_frontends_may_add_instructions_and_flags() {
    // `# syntax=` naming another frontend (dockerfile-x adds INCLUDE):
    // its instructions and flags are its own business.
    let src = "# syntax=devthefuture/dockerfile-x\nINCLUDE ./base.Dockerfile\nFROM alpine\nCOPY --user=me a /b\n";
    assert_eq!(syntax(src), []);
    // BuildKit's own frontend, any tag or mirror, is checked.
    for syntax_line in [
        "# syntax=docker/dockerfile:1",
        "# syntax = docker.io/docker/dockerfile-upstream:master-labs",
    ] {
        let src = format!("{syntax_line}\nFROM alpine\nCOPY --user=me a /b\n");
        assert_eq!(
            syntax(&src),
            one(3, "unknown flag: --user"),
            "{syntax_line}"
        );
    }
}

#[test]
fn one_syntax_error_per_file_and_the_rest_is_still_linted() {
    let src = "FROM alpine AS Build\nENV PATH\nCOPY --user=me a /b\nFORM x\nWORKDIR app\n";
    let diags = lint(src);
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "DF000").collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].message, "ENV must have two arguments");
    assert_eq!(
        errors[0].help.as_deref(),
        Some("BuildKit stops at this error; 2 more syntax problems may follow in this file")
    );
    // The parser keeps every error; other rules still run on what parsed.
    assert_eq!(parse(src).errors.len(), 3);
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&"DF001") && codes.contains(&"DF010"),
        "{codes:?}"
    );
}

#[test]
fn only_arg_may_come_before_the_first_from() {
    assert_eq!(
        syntax("# a comment\nLABEL a=b\nENV X=1\nFROM alpine\n"),
        one(2, "no build stage in current context")
    );
    assert_eq!(
        syntax("WORKDIR relative/dir\n"),
        one(1, "no build stage in current context")
    );
    assert_eq!(
        syntax("# syntax=docker/dockerfile:1\nARG A=B\n\nARG C\nFROM alpine\nLABEL a=b\n"),
        []
    );
}

#[test]
fn unknown_instructions_and_flags_keep_the_file_byte_for_byte() {
    let src = "\u{feff}FORM alpine \\\r\n  AS x\r\nFROM alpine\r\nCOPY --user=me \\\r\n  --chwon=1 a /b\r\nARGGG\r\nfoo bar\r\n";
    let df = parse(src);
    assert_eq!(df.to_source(), src);
    let mut at = 0;
    for node in &df.nodes {
        assert_eq!(node.span.start, at);
        at = node.span.end;
    }
    assert_eq!(at, src.len());
    // They stay instructions (other rules see them), with the bad flag kept.
    let keywords: Vec<&str> = df
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Instruction(ins) => Some(ins.keyword_span.slice(src)),
            _ => None,
        })
        .collect();
    assert_eq!(keywords, ["FORM", "FROM", "COPY", "ARGGG", "foo"]);
    let copy = df.instructions().nth(2).map(|(_, i)| i);
    let flags: Vec<&str> = copy
        .map(|i| i.flags.iter().map(|f| f.name.value.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(flags, ["user", "chwon"]);
}

// ------------------------------------------------------------ DF010

#[test]
fn windows_drive_workdirs_are_absolute() {
    let src = "\
# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
ENV GOPATH=C:\\go
ARG AGENT_ROOT=C:/Users/jenkins
WORKDIR $GOPATH
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
WORKDIR \"${AGENT_ROOT}\"
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
WORKDIR C:\\cygwin
";
    assert_eq!(findings(src, "DF010"), []);
    assert_eq!(
        findings("FROM alpine\nWORKDIR app\n", "DF010"),
        one(
            2,
            "Relative workdir \"app\" can have unexpected results if the base image changes"
        )
    );
}

// ------------------------------------------------------------ DF012

#[test]
fn multiple_instructions_are_reported_at_the_one_that_wins() {
    let src = "FROM debian\nCMD bash\nRUN foo\nCMD another\n";
    let df = parse(src);
    let diags: Vec<Diagnostic> = lint(src)
        .into_iter()
        .filter(|d| d.code == "DF012")
        .collect();
    assert_eq!(diags.len(), 1);
    let line = |at: usize| df.line_index.line_of(at) + 1;
    assert_eq!(diags[0].span.slice(src), "CMD");
    assert_eq!(line(diags[0].span.start), 4);
    // The overridden CMD, which BuildKit points at, is a label.
    assert_eq!(diags[0].labels.len(), 1);
    assert_eq!(line(diags[0].labels[0].span.start), 2);
}

#[test]
fn hadolint_and_bakelint_ignore_comments_above_the_later_instruction_work() {
    // Without a comment each file has its finding, at the later instruction.
    let plain =
        "FROM debian\nCMD bash\nENTRYPOINT a\nHEALTHCHECK CMD a\nHEALTHCHECK NONE\nCMD another\n";
    let lines = |src: &str| -> Vec<usize> { findings(src, "DF012").iter().map(|f| f.0).collect() };
    assert_eq!(lines(plain), [5, 6], "{plain}");
    // hadolint's DL3012 (two HEALTHCHECKs) is an alias too.
    let healthcheck = plain.replace(
        "HEALTHCHECK NONE",
        "# hadolint ignore=DL3012\nHEALTHCHECK NONE",
    );
    assert_eq!(lines(&healthcheck), [7], "{healthcheck}");
    for comment in [
        "# hadolint ignore=DL4003",
        "# hadolint ignore=DL4004,DL3012",
        "# bakelint ignore=DF012",
        "# check=skip=MultipleInstructionsDisallowed",
    ] {
        let src = format!(
            "FROM debian\nCMD bash\nENTRYPOINT a\nHEALTHCHECK CMD a\n{comment}\nCMD another\n"
        );
        let src = if comment.contains("DL4004") {
            src.replace("CMD another", "ENTRYPOINT b")
        } else {
            src
        };
        assert_eq!(findings(&src, "DF012"), [], "{comment}");
    }
}

// ------------------------------------------------------------ scale

#[test]
fn ten_thousand_stages_give_exact_answers() {
    // A chain of 10,000 stages, each built FROM the previous one with an
    // uppercase name: DF010 needs the root's variable at the end of the
    // chain, DF001 renames every reference. (Work is counted by the rules'
    // unit tests; this checks the answers at scale.)
    let n = 10_000;
    let mut src = String::from("FROM alpine AS Stage0\nENV DIR=rel\n");
    for i in 1..n {
        src += &format!("FROM stage{} AS Stage{i}\nARG A{i}=x\n", i - 1);
    }
    src += "WORKDIR $DIR/app\nCOPY --from=STAGE0 /a /b\n";
    let diags = lint_only(&src, &["DF000", "DF001", "DF007", "DF010", "DF012"]);
    let count = |code: &str| diags.iter().filter(|d| d.code == code).count();
    assert_eq!(count("DF001"), n);
    assert_eq!(count("DF010"), 1);
    assert_eq!(count("DF000"), 0);
    let first = diags.iter().find(|d| d.code == "DF001");
    assert_eq!(
        first.and_then(|d| d.fix.as_ref()).map(|f| f.edits.len()),
        Some(2)
    );
}
