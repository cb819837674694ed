//! `bakelint server` on hostile input: malformed frames, an absurd
//! `Content-Length`, a 20 MB document, a FIFO in the workspace; and the
//! exit status LSP prescribes. Every wait has a deadline, so a hang fails
//! the test instead of blocking it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    backlog: VecDeque<Value>,
    next_id: i64,
    stderr: Receiver<String>,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse().ok();
        }
    }
    let mut body = vec![0u8; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn frame(msg: &Value) -> Vec<u8> {
    let body = serde_json::to_string(msg).expect("serialize");
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

impl Server {
    fn start(cwd: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bakelint"))
            .arg("server")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start bakelint server");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            let _ = err_tx.send(s);
        });
        Server {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            backlog: VecDeque::new(),
            next_id: 1,
            stderr: err_rx,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&frame(
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        ));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_raw(&frame(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        ));
        self.wait_for(&format!("response {id}"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            if let Some(m) = self.backlog.remove(i) {
                return m;
            }
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push_back(m),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; got: {:?}", self.backlog)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server closed its output waiting for {what}")
                }
            }
        }
    }

    /// The next error response with `code` (and `id`).
    fn error(&mut self, code: i64, id: Value) -> Value {
        self.wait_for(&format!("error {code} for id {id}"), |m| {
            m["error"]["code"] == code && m["id"] == id
        })
    }

    fn initialize(&mut self) {
        let resp = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert!(resp["result"]["capabilities"].is_object(), "{resp}");
        self.notify("initialized", json!({}));
    }

    /// A request the server answers (hover on a document it does not know).
    fn still_serving(&mut self) {
        let resp = self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///nowhere/Dockerfile"},
                   "position": {"line": 0, "character": 0}}),
        );
        assert!(resp.get("error").is_none(), "{resp}");
    }

    fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// The exit status, which must come within the deadline.
    fn exit_status(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.recv_timeout(TIMEOUT).unwrap_or_default()
    }

    /// Peak resident memory in kB, from /proc.
    #[cfg(target_os = "linux")]
    fn peak_memory_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Malformed frames get a JSON-RPC error and the server goes on serving.
/// Before: the first one ended the session (the reader gave up), and the
/// server exited with status 0.
#[test]
fn malformed_frames_get_errors_and_serving_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    server.initialize();

    // Invalid JSON.
    server.send_raw(b"Content-Length: 10\r\n\r\n{bad json}");
    let e = server.error(-32700, Value::Null);
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("JSON")),
        "{e}"
    );
    server.still_serving();

    // A body without its header.
    server.send_raw(br#"{"jsonrpc":"2.0","id":77,"method":"textDocument/hover"}"#);
    server.still_serving();
    server.error(-32700, Value::Null);

    // A Content-Length that is not a number.
    server.send_raw(b"Content-Length: abc\r\n\r\n{}");
    server.still_serving();
    server.error(-32700, Value::Null);

    // Headers without a Content-Length.
    server.send_raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}");
    server.still_serving();
    server.error(-32700, Value::Null);

    // JSON that is not a message: -32600, with the id when there is one.
    server.send_raw(&frame(&json!([1, 2, 3])));
    server.error(-32600, Value::Null);
    server.send_raw(&frame(&json!({"jsonrpc": "2.0", "id": 42, "method": 7})));
    server.error(-32600, json!(42));
    server.still_serving();

    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status().code(), Some(0));
}

/// A Content-Length of 99,999,999,999 is refused before anything is
/// allocated: the client gets an error and the server exits with an error
/// (the input cannot be followed past such a frame). Before: the server
/// allocated the buffer and waited for 100 GB.
#[test]
fn absurd_content_length_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    server.initialize();
    server.send_raw(b"Content-Length: 99999999999\r\n\r\n{}");
    let e = server.error(-32600, Value::Null);
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("exceeds the limit")),
        "{e}"
    );
    let status = server.exit_status();
    assert_eq!(status.code(), Some(2), "{status}");
    assert!(server.stderr().contains("exceeds the limit"));
}

/// Exit status as LSP prescribes: 0 on exit after shutdown, 1 on exit
/// without it, 1 when the input ends without exit. Before: always 0.
#[test]
fn exit_status_follows_the_lsp_spec() {
    let dir = tempfile::tempdir().expect("tempdir");

    let mut server = Server::start(dir.path());
    server.initialize();
    let resp = server.request("shutdown", Value::Null);
    assert!(resp.get("error").is_none(), "{resp}");
    // After shutdown, requests are refused.
    let resp = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x/Dockerfile"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(resp["error"]["code"], -32600, "{resp}");
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status().code(), Some(0), "shutdown + exit");

    let mut server = Server::start(dir.path());
    server.initialize();
    server.notify("exit", Value::Null);
    assert_eq!(
        server.exit_status().code(),
        Some(1),
        "exit without shutdown"
    );

    let mut server = Server::start(dir.path());
    server.initialize();
    server.close_stdin();
    assert_eq!(server.exit_status().code(), Some(1), "input closed");

    let mut server = Server::start(dir.path());
    server.close_stdin();
    assert_eq!(
        server.exit_status().code(),
        Some(1),
        "input closed before initialize"
    );
}

/// A 20 MB document gets one "too large" diagnostic, promptly and without
/// the memory linting it would take, and the server goes on. Before: it was
/// linted (half a minute and 1.3 GB in a debug build).
#[test]
fn a_20_mb_document_is_refused_with_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    server.initialize();
    let uri = file_uri(&dir.path().join("Dockerfile"));
    let line = "RUN echo a line of a generated Dockerfile, repeated\n";
    let text = format!(
        "FROM alpine:3.19\n{}",
        line.repeat(20 * 1024 * 1024 / line.len())
    );
    assert!(text.len() > 20_000_000);
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
    );
    let published = server.wait_for("diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    });
    let diags = published["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(diags.len(), 1, "{published}");
    let message = diags[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("too large"), "{message}");
    assert!(message.contains("20.0 MiB"), "{message}");
    server.still_serving();
    #[cfg(target_os = "linux")]
    if let Some(kb) = server.peak_memory_kb() {
        // The message itself is read and parsed (tens of MB); a lint of it
        // took over a gigabyte.
        assert!(kb < 600_000, "peak memory {kb} kB");
    }

    // An edit that brings the document under the limit is linted again.
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": "FROM alpine:3.19\nMAINTAINER me\n"}]}),
    );
    let published = server.wait_for("diagnostics v2", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2
    });
    let text = published.to_string();
    assert!(!text.contains("too large"), "{text}");
    assert!(
        text.contains("DF008"),
        "the deprecated MAINTAINER is found: {text}"
    );
}

/// A FIFO named `.dockerignore` (or `package.json`) next to an open
/// Dockerfile is never opened. Before: the server hung reading it.
#[cfg(unix)]
#[test]
fn a_fifo_in_the_workspace_does_not_block_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [".dockerignore", "package.json"] {
        let status = Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .expect("mkfifo");
        assert!(status.success());
    }
    std::fs::write(dir.path().join("package-lock.json"), "{}\n").expect("write");
    let mut server = Server::start(dir.path());
    server.initialize();
    let uri = file_uri(&dir.path().join("Dockerfile"));
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
               "text": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"}}),
    );
    server.wait_for("diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    });
    server.still_serving();
}
