//! Running the `bakelint` binary from a test: a command with the
//! environment that changes its output (colour, CI annotations) removed,
//! its output as text, and waits that end in a failure instead of a hang.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// `bakelint` run in `dir`, without `NO_COLOR`, `FORCE_COLOR` and
/// `GITHUB_ACTIONS` from the environment the tests run in.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bakelint"));
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

/// `bakelint ARGS` run in `dir`, to the end.
pub fn bakelint(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("run bakelint")
}

/// [`bakelint`] with `input` on its standard input (then closed).
pub fn bakelint_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bakelint");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait for bakelint")
}

/// [`bakelint`] as a normal user (see `super::as_normal_user`), so that
/// a read-only file is read-only even when the tests run as root.
#[cfg(unix)]
pub fn bakelint_as_user(dir: &Path, tree: &Path, args: &[&str]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args);
    super::as_normal_user(&mut cmd, tree);
    cmd.output().expect("run bakelint")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code, showing both outputs when it differs.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        stdout(out),
        stderr(out)
    );
}

/// The exit status of `child`, which must come within `limit`: past it the
/// child is killed and the test fails, naming `what` did not end.
#[track_caller]
pub fn wait_or_kill(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?} (hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
