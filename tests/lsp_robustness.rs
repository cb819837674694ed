//! `bakelint server` on hostile input: malformed frames, an absurd
//! `Content-Length`, a 20 MB document, a FIFO in the workspace; and the
//! exit status LSP prescribes. Every wait has a deadline, so a hang fails
//! the test instead of blocking it.

use std::process::Command;

use serde_json::{json, Value};

mod common;
use common::lsp_client::{file_uri, Client};

/// Malformed frames get a JSON-RPC error and the server goes on serving.
/// Before: the first one ended the session (the reader gave up), and the
/// server exited with status 0.
#[test]
fn malformed_frames_get_errors_and_serving_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Client::start(dir.path());
    server.initialize(None);

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
    server.send(&json!([1, 2, 3]));
    server.error(-32600, Value::Null);
    server.send(&json!({"jsonrpc": "2.0", "id": 42, "method": 7}));
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
    let mut server = Client::start(dir.path());
    server.initialize(None);
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

    let mut server = Client::start(dir.path());
    server.initialize(None);
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

    let mut server = Client::start(dir.path());
    server.initialize(None);
    server.notify("exit", Value::Null);
    assert_eq!(
        server.exit_status().code(),
        Some(1),
        "exit without shutdown"
    );

    let mut server = Client::start(dir.path());
    server.initialize(None);
    server.close_stdin();
    assert_eq!(server.exit_status().code(), Some(1), "input closed");

    let mut server = Client::start(dir.path());
    server.close_stdin();
    assert_eq!(
        server.exit_status().code(),
        Some(1),
        "input closed before initialize"
    );
}

/// A client that quits after `shutdown` without `exit`, and without
/// reading the answer (Neovim, when it exits, sends `shutdown` and closes
/// its pipes): the session ended as asked, status 0, no error. Before: the
/// answer's write failed, and the server exited 2, or 101 when printing
/// that error to the closed standard error panicked.
#[test]
fn a_client_gone_after_shutdown_is_a_clean_end() {
    use common::lsp_client::frame;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;

    let dir = tempfile::tempdir().expect("tempdir");
    // Input closed after `shutdown`, the answer read.
    let mut server = Client::start(dir.path());
    server.initialize(None);
    let resp = server.request("shutdown", Value::Null);
    assert!(resp.get("error").is_none(), "{resp}");
    server.close_stdin();
    assert_eq!(
        server.exit_status().code(),
        Some(0),
        "shutdown, input closed"
    );

    // Output and standard error closed before the answer is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_bakelint"))
        .arg("server")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bakelint server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let stderr = child.stderr.take().expect("stderr");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": null, "rootUri": null, "capabilities": {}}});
    stdin.write_all(&frame(&init)).expect("write");
    stdin.flush().expect("flush");
    // Read the initialize answer (headers, then the body).
    let mut length = 0;
    loop {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("header");
        match line.trim_end().strip_prefix("Content-Length:") {
            Some(v) => length = v.trim().parse().expect("length"),
            None if line.trim_end().is_empty() => break,
            None => {}
        }
    }
    let mut body = vec![0u8; length];
    stdout.read_exact(&mut body).expect("body");
    drop(stdout);
    drop(stderr);
    let initialized = json!({"jsonrpc": "2.0", "method": "initialized", "params": {}});
    let shutdown = json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"});
    let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": file_uri(&dir.path().join("Dockerfile")), "languageId": "dockerfile", "version": 1,
         "text": "FROM alpine AS Foo\n"}}});
    let mut bytes = frame(&initialized);
    bytes.extend(frame(&open));
    bytes.extend(frame(&shutdown));
    stdin.write_all(&bytes).expect("write");
    drop(stdin);
    let status = common::cli::wait_or_kill(&mut child, common::lsp_client::TIMEOUT, "server");
    assert_eq!(status.code(), Some(0), "{status}");
}

/// A 20 MB document gets one "too large" diagnostic, promptly and without
/// the memory linting it would take, and the server goes on. Before: it was
/// linted (half a minute and 1.3 GB in a debug build).
#[test]
fn a_20_mb_document_is_refused_with_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Client::start(dir.path());
    server.initialize(None);
    let uri = file_uri(&dir.path().join("Dockerfile"));
    let line = "RUN echo a line of a generated Dockerfile, repeated\n";
    let text = format!(
        "FROM alpine:3.19\n{}",
        line.repeat(20 * 1024 * 1024 / line.len())
    );
    assert!(text.len() > 20_000_000);
    server.open(&uri, &text);
    let diags = server.diagnostic_list(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
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
    server.change(&uri, 2, "FROM alpine:3.19\nMAINTAINER me\n");
    let text = server.diagnostics(&uri, Some(2)).to_string();
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
    let mut server = Client::start(dir.path());
    server.initialize(None);
    let uri = file_uri(&dir.path().join("Dockerfile"));
    server.open(&uri, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n");
    server.diagnostics(&uri, None);
    server.still_serving();
}
