//! Hostile input on the command line: FIFOs named like inputs, UTF-16
//! files, malformed `--var`, unknown rules in the config, huge one-line
//! files, labels past column 65,535 and a closed standard output. Each
//! run has a deadline: a hang fails the test instead of blocking it.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::thread::JoinHandle;
use std::time::Duration;

mod common;
use common::cli::{command, wait_or_kill};

const DEADLINE: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs bakelint in `dir`, killing it (and failing) after [`DEADLINE`].
fn run_with(dir: &Path, args: &[&str], stdout: Stdio) -> Run {
    let mut child = command(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bakelint");
    // Drain the pipes while waiting, so a large output cannot block the child.
    let out_reader = drain(child.stdout.take());
    let err_reader = drain(child.stderr.take());
    let status = wait_or_kill(&mut child, DEADLINE, &format!("bakelint {args:?}"));
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr")).into_owned(),
    }
}

/// Reads `pipe` to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut s);
        }
        s
    })
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, Stdio::piped())
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), content).expect("write");
}

fn assert_no_panic(r: &Run) {
    assert!(
        !r.stderr.contains("panicked"),
        "bakelint panicked: {}",
        r.stderr
    );
    assert_ne!(r.code, Some(101), "panic exit status: {}", r.stderr);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO named like an input (Dockerfile, .dockerignore, bake file) under
/// a linted directory is reported, never opened: opening one blocks until
/// a writer comes. Before: `.dockerignore` hung the run, the others were
/// silently skipped (exit 0).
#[cfg(unix)]
#[test]
fn fifos_named_like_inputs_are_reported_not_opened() {
    for name in ["Dockerfile", ".dockerignore", "docker-bake.hcl"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        if name != "Dockerfile" {
            write(d, "Dockerfile", "FROM alpine:3.19\nCOPY . /app\n");
        }
        mkfifo(&d.join(name));
        let r = run(d, &["check", "--output-format", "concise", "."]);
        assert_no_panic(&r);
        assert_eq!(r.code, Some(2), "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{name}: not a regular file (it is a FIFO)")),
            "{name}: {}",
            r.stderr
        );
    }
}

/// A `.dockerignore` that is a FIFO is there: BP008 does not call it
/// missing (and offers no fix that would create a file over it).
/// Before: "no .dockerignore" next to the FIFO error.
#[cfg(unix)]
#[test]
fn a_fifo_dockerignore_is_not_reported_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "Dockerfile", "FROM alpine:3.19\nCOPY . /app\n");
    write(
        d,
        "docker-bake.hcl",
        "target \"default\" {\n  context = \".\"\n}\n",
    );
    let r = run(d, &["check", "--output-format", "concise", "."]);
    assert!(r.stdout.contains("BP008"), "without one: {}", r.stdout);
    mkfifo(&d.join(".dockerignore"));
    let r = run(d, &["check", "--output-format", "concise", "."]);
    assert_no_panic(&r);
    assert!(!r.stdout.contains("BP008"), "{}", r.stdout);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

/// A bake target's Dockerfile that is a FIFO is reported once, as not a
/// regular file, not also as missing (BK003).
#[cfg(unix)]
#[test]
fn a_fifo_dockerfile_of_a_bake_target_is_not_also_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "docker-bake.hcl",
        "target \"default\" {\n  dockerfile = \"app.Dockerfile\"\n}\n",
    );
    let r = run(d, &["check", "--output-format", "concise", "."]);
    assert!(r.stdout.contains("BK003"), "before the FIFO: {}", r.stdout);
    mkfifo(&d.join("app.Dockerfile"));
    let r = run(d, &["check", "--output-format", "concise", "."]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("BK003"), "{}", r.stdout);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

/// A FIFO named on the command line, as a file to lint or a bake file,
/// and manifests and requirements files rules read from the build context.
/// Before: `check FIFO` passed silently (exit 0), `print -f FIFO` hung.
#[cfg(unix)]
#[test]
fn fifos_named_explicitly_or_read_by_rules_do_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    mkfifo(&d.join("Dockerfile.fifo"));
    let r = run(d, &["check", "Dockerfile.fifo"]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Dockerfile.fifo: not a regular file (it is a FIFO)"),
        "{}",
        r.stderr
    );

    mkfifo(&d.join("bake.hcl"));
    let r = run(d, &["print", "-f", "bake.hcl"]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);

    // Files rules read from the context: a requirements file (BP012,
    // BP006), an npm manifest (BP006).
    let ctx = d.join("app");
    std::fs::create_dir(&ctx).expect("mkdir");
    write(
        &ctx,
        "Dockerfile",
        "FROM python:3.12\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt\n\
         RUN pip install pytest\nRUN npm ci\n",
    );
    write(&ctx, "package-lock.json", "{}\n");
    mkfifo(&ctx.join("requirements.txt"));
    mkfifo(&ctx.join("package.json"));
    for args in [
        &["check", "app"][..],
        &["check", "--fix", "--unsafe-fixes", "app"][..],
    ] {
        let r = run(d, args);
        assert_no_panic(&r);
        assert!(matches!(r.code, Some(0..=2)), "{args:?}: {}", r.stderr);
    }
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if little_endian {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

/// UTF-16 files are named as such, with or without a byte order mark.
/// Before: "binary file (contains NUL bytes)".
#[test]
fn utf16_files_are_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text = "FROM alpine:3.19\nRUN echo hi\n";
    let mut with_bom = vec![0xFF, 0xFE];
    with_bom.extend(utf16(text, true));
    write(d, "Dockerfile", with_bom);
    write(d, "be.Dockerfile", utf16(text, false));
    let r = run(d, &["check", "Dockerfile", "be.Dockerfile"]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Dockerfile: UTF-16 LE text: save it as UTF-8"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("be.Dockerfile: UTF-16 BE text: save it as UTF-8"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("binary"), "{}", r.stderr);
}

/// `--var` requires NAME=VALUE, as `docker buildx bake --var` does (a
/// usage error, exit 2). Before: `NOEQUALS` was taken as an empty variable.
#[test]
fn var_without_equals_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "docker-bake.hcl",
        "variable \"TAG\" {\n  default = \"a\"\n}\ntarget \"default\" {\n  tags = [\"x:${TAG}\"]\n}\n",
    );
    write(d, "Dockerfile", "FROM alpine:3.19\n");
    for args in [
        &["print", "--var", "NOEQUALS"][..],
        &["check", "--var", "NOEQUALS", "."][..],
        &["print", "--var", "=value"][..],
    ] {
        let r = run(d, args);
        assert_eq!(r.code, Some(2), "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("--var"), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let r = run(d, &["print", "--var", "TAG=b"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("x:b"), "{}", r.stdout);
}

/// An unknown rule in `[severity]` points at its key in the config.
/// Before: the message had no location.
#[test]
fn unknown_rule_in_severity_points_at_the_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "bakelint.toml",
        "[severity]\nDF001 = \"error\"\nNOPE = \"error\"\n",
    );
    write(d, "Dockerfile", "FROM alpine:3.19\n");
    let r = run(d, &["check", "."]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("unknown rule or rule prefix `NOPE`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("bakelint.toml:3:1]"), "{}", r.stderr);
    assert!(r.stderr.contains("3 │ NOPE = \"error\""), "{}", r.stderr);
}

/// A 139 KB one-line JSON bake file with a finding per target: each
/// snippet in the `full` format shows the span and a little around it.
/// Before: the whole line was printed once per finding (hundreds of MB).
#[test]
fn one_line_bake_file_snippets_stay_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let targets: Vec<String> = (0..600)
        .map(|i| {
            format!(
                "\"t{i}\": {{\"dockerfile\": \"missing{i}.Dockerfile\", \"args\": {{\"PAD\": \"{}\"}}}}",
                "x".repeat(160)
            )
        })
        .collect();
    let names: Vec<String> = (0..600).map(|i| format!("\"t{i}\"")).collect();
    let json = format!(
        "{{\"group\": {{\"default\": {{\"targets\": [{}]}}}}, \"target\": {{{}}}}}",
        names.join(", "),
        targets.join(", ")
    );
    assert!(
        json.len() > 139_000 && !json.contains('\n'),
        "{}",
        json.len()
    );
    write(d, "docker-bake.json", &json);
    let r = run(d, &["check", "--output-format", "full", "."]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let findings = r.stdout.matches("does not exist").count();
    assert_eq!(findings, 600, "{}", &r.stdout[..r.stdout.len().min(3000)]);
    assert!(
        r.stdout.len() < findings * 1_500,
        "{} bytes for {findings} findings",
        r.stdout.len()
    );
    let last = json.rfind("\"missing599.Dockerfile\"").expect("last") + 1;
    assert!(
        r.stdout.contains(&format!("[docker-bake.json:1:{last}]")),
        "the real column is shown"
    );
}

/// A finding past column 65,535 in the `full` format, and a bake error
/// there in `print`. Before: miette panicked ("Formatting argument out of
/// range").
#[test]
fn labels_past_column_65535_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let line = format!("RUN true {} && apt-get install curl", "x".repeat(70_000));
    // BuildKit syntax keeps the file in BP007's scope; its finding is info,
    // so `--fail-level info` makes it count for the exit code.
    write(
        d,
        "Dockerfile",
        format!("# syntax=docker/dockerfile:1\nFROM alpine:3.19\n{line}\n"),
    );
    let r = run(
        d,
        &[
            "check",
            "--output-format",
            "full",
            "--select",
            "BP",
            "--fail-level",
            "info",
            "Dockerfile",
        ],
    );
    assert_no_panic(&r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let column = line.find("apt-get").expect("apt-get") + 1;
    assert!(
        r.stdout.contains(&format!("[Dockerfile:3:{column}]")),
        "{}",
        &r.stdout[..r.stdout.len().min(3000)]
    );
    assert!(r.stdout.len() < 5_000, "{} bytes", r.stdout.len());

    let bake = format!(
        "{{\"target\": {{\"a\": {{\"args\": {{\"PAD\": \"{}\"}}, \"tags\": {{\"x\": 1}}}}}}}}",
        "x".repeat(70_000)
    );
    write(d, "docker-bake.json", &bake);
    let r = run(d, &["print"]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("docker-bake.json:1:"), "{}", r.stderr);
    assert!(r.stderr.len() < 5_000, "{} bytes", r.stderr.len());
}

/// A standard output whose reader is gone (`bakelint print | head -0`):
/// `print` and `completions` end quietly, as `check` does. Before: both
/// panicked ("failed printing to stdout: Broken pipe").
#[cfg(unix)]
#[test]
fn closed_stdout_ends_print_and_completions_quietly() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "docker-bake.hcl",
        "target \"default\" {\n  tags = [\"a\"]\n}\n",
    );
    for args in [
        &["print"][..],
        &["completions", "bash"][..],
        &["completions", "zsh"][..],
    ] {
        // A pipe whose read end is closed before the child starts: its
        // first write fails with EPIPE.
        let mut fds = [0; 2];
        // SAFETY: `pipe` fills the two descriptors, owned below.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: fresh descriptors from `pipe`, each owned once.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(read_end);
        let r = run_with(d, args, Stdio::from(write_end));
        assert_no_panic(&r);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    }
}
