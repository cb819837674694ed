//! A language-server client for `bakelint server`: real Content-Length
//! framed JSON-RPC over the child's stdio. Every wait has a deadline, so a
//! hang fails the test instead of blocking it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any one wait may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    /// `None` once closed.
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else.
    pub backlog: VecDeque<Value>,
    next_id: i64,
    /// The server's whole standard error, sent when it closes.
    stderr: Receiver<String>,
}

/// The next framed message, or `None` at the end of the input or on a
/// frame that cannot be read.
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

/// `msg` with its Content-Length header.
pub fn frame(msg: &Value) -> Vec<u8> {
    let body = serde_json::to_string(msg).expect("serialize");
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

pub fn file_uri(path: &Path) -> String {
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

impl Client {
    /// Starts `bakelint server` in `cwd`.
    pub fn start(cwd: &Path) -> Client {
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
        Client {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            backlog: VecDeque::new(),
            next_id: 1,
            stderr: err_rx,
        }
    }

    /// Writes `bytes` as they are: frames or not.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, msg: &Value) {
        self.send_raw(&frame(msg));
    }

    /// Writes several messages with one write, as a client that fell behind would.
    pub fn send_many(&mut self, msgs: &[Value]) {
        let bytes: Vec<u8> = msgs.iter().flat_map(frame).collect();
        self.send_raw(&bytes);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole message).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(&format!("response {id} ({method})"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// The next message matching `pred`, keeping the others for later.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
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
                    panic!(
                        "timed out waiting for {what}; got meanwhile: {:?}",
                        self.backlog
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server closed its output waiting for {what}")
                }
            }
        }
    }

    /// The next error response with `code` (and `id`).
    pub fn error(&mut self, code: i64, id: Value) -> Value {
        self.wait_for(&format!("error {code} for id {id}"), |m| {
            m["error"]["code"] == code && m["id"] == id
        })
    }

    /// The params of the next publishDiagnostics for `uri` (optionally of
    /// a given version).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Value {
        let uri = uri.to_string();
        self.wait_for(&format!("diagnostics for {uri} v{version:?}"), move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && version.is_none_or(|v| m["params"]["version"] == v)
        })["params"]
            .clone()
    }

    /// The diagnostics of the next publishDiagnostics for `uri`, as a list.
    pub fn diagnostic_list(&mut self, uri: &str) -> Vec<Value> {
        self.diagnostics(uri, None)["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// initialize (with `root` as rootUri, or none) + initialized; the
    /// initialize response, which must announce capabilities.
    pub fn initialize(&mut self, root: Option<&Path>) -> Value {
        self.initialize_with(root, json!({}))
    }

    /// [`Client::initialize`] with the client capabilities an editor sends.
    pub fn initialize_with(&mut self, root: Option<&Path>, capabilities: Value) -> Value {
        let root_uri = root.map(file_uri);
        let resp = self.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": capabilities}),
        );
        assert!(resp["result"]["capabilities"].is_object(), "{resp}");
        self.notify("initialized", json!({}));
        resp
    }

    /// didOpen of a Dockerfile, version 1.
    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Fails unless the server answers a request (hover on a document it
    /// does not know).
    pub fn still_serving(&mut self) {
        let resp = self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///nowhere/Dockerfile"},
                   "position": {"line": 0, "character": 0}}),
        );
        assert!(resp.get("error").is_none(), "{resp}");
    }

    /// Every message still to come, until the server closes its output.
    pub fn rest(&mut self) -> Vec<Value> {
        let mut out: Vec<Value> = self.backlog.drain(..).collect();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) => out.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("the server kept its output open"),
                Err(RecvTimeoutError::Disconnected) => return out,
            }
        }
    }

    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// The exit status, which must come within [`TIMEOUT`].
    pub fn exit_status(&mut self) -> ExitStatus {
        super::cli::wait_or_kill(&mut self.child, TIMEOUT, "bakelint server")
    }

    /// shutdown + exit; the process must end by itself, with status 0.
    pub fn shutdown(mut self) {
        let resp = self.request("shutdown", Value::Null);
        assert!(resp.get("error").is_none(), "{resp}");
        self.notify("exit", Value::Null);
        self.close_stdin();
        let status = self.exit_status();
        assert!(status.success(), "server exit status {status}");
    }

    /// Everything the server wrote to its standard error, once it closed it.
    pub fn stderr(&self) -> String {
        self.stderr.recv_timeout(TIMEOUT).unwrap_or_default()
    }

    /// Peak resident memory in kB, from /proc.
    #[cfg(target_os = "linux")]
    pub fn peak_memory_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
