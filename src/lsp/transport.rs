//! The wire: JSON-RPC messages framed by `Content-Length` headers, as LSP
//! sends them over standard input/output.
//!
//! A client (or whatever is piped in) may send anything. A frame that
//! cannot be read is answered with a JSON-RPC error and reading goes on:
//! -32700 (parse error) for a bad header or invalid JSON, -32600 (invalid
//! request) for JSON that is not a request, notification or response. A
//! frame without a usable length is skipped up to the next
//! `Content-Length:` header. A length over [`MAX_MESSAGE_BYTES`] is refused
//! before anything is allocated; the stream cannot be followed past it, so
//! it ends the session.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::Value;

use crate::fsread::human_size;

/// The largest message read (64 MiB): above the document limit
/// ([`crate::fsread::MAX_FILE_BYTES`]) with room for JSON escapes.
pub const MAX_MESSAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The longest header line read; longer lines are malformed.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// The header that starts a frame (matched without regard to case).
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// JSON-RPC's parse error code (lsp-server names only the LSP codes we use).
const PARSE_ERROR: i32 = -32700;

/// What was read from the input.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame that is not a message; the error answers it.
    Malformed(MalformedFrame),
}

/// A frame that could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedFrame {
    /// The request's id when the JSON could be read and had one.
    pub id: Option<RequestId>,
    pub code: i32,
    pub message: String,
}

impl MalformedFrame {
    fn parse_error(message: impl Into<String>) -> Self {
        MalformedFrame {
            id: None,
            code: PARSE_ERROR,
            message: message.into(),
        }
    }

    fn invalid_request(id: Option<RequestId>, message: impl Into<String>) -> Self {
        MalformedFrame {
            id,
            code: ErrorCode::InvalidRequest as i32,
            message: message.into(),
        }
    }

    /// The JSON-RPC error response (`id` null when unknown).
    pub fn response(&self) -> Value {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": { "code": self.code, "message": self.message },
        })
    }
}

/// Why reading stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The input ended.
    Eof,
    /// The input cannot be followed any further (a frame too large to
    /// read): the error answers it before the session ends.
    Fatal(MalformedFrame),
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads frames from a byte stream.
pub struct FrameReader<R> {
    input: R,
    /// Input that starts the next header line (found while skipping).
    pending: Vec<u8>,
}

/// One header line: its bytes, or `None` when it was too long.
type HeaderLine = Option<Vec<u8>>;

impl<R: BufRead> FrameReader<R> {
    pub fn new(input: R) -> Self {
        FrameReader {
            input,
            pending: Vec::new(),
        }
    }

    /// The next message, or the error that answers a malformed frame.
    pub fn read(&mut self) -> Result<Incoming, ReadError> {
        let length = match self.read_headers()? {
            Ok(length) => length,
            Err(frame) => {
                // Without a length the body cannot be found: skip to the
                // next frame (unless the bad line held its start).
                if self.pending.is_empty() {
                    self.skip_to_next_frame()?;
                }
                return Ok(Incoming::Malformed(frame));
            }
        };
        if length > MAX_MESSAGE_BYTES {
            return Err(ReadError::Fatal(MalformedFrame::invalid_request(
                None,
                format!(
                    "message of {length} bytes ({}) exceeds the limit of {}",
                    human_size(length),
                    human_size(MAX_MESSAGE_BYTES)
                ),
            )));
        }
        let mut body = Vec::new();
        // `take` grows the buffer with what arrives, not with what is announced.
        (&mut self.input).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            return Err(ReadError::Eof);
        }
        Ok(match parse_message(&body) {
            Ok(msg) => Incoming::Message(msg),
            Err(frame) => Incoming::Malformed(frame),
        })
    }

    /// Reads a header block up to its empty line: the Content-Length, or
    /// the error that answers a malformed header.
    fn read_headers(&mut self) -> Result<Result<u64, MalformedFrame>, ReadError> {
        let mut length: Option<Result<u64, MalformedFrame>> = None;
        let mut seen_header = false;
        loop {
            let Some(line) = self.read_header_line()? else {
                return Ok(Err(MalformedFrame::parse_error(format!(
                    "header line longer than {MAX_HEADER_LINE} bytes"
                ))));
            };
            let line = trim_line_end(&line);
            if line.is_empty() {
                if !seen_header {
                    // A stray empty line between frames.
                    continue;
                }
                return Ok(length.unwrap_or_else(|| {
                    Err(MalformedFrame::parse_error("missing Content-Length header"))
                }));
            }
            seen_header = true;
            let Some((name, value)) = split_header(line) else {
                // A body sent without headers runs into the next frame's
                // header on the same line: that frame is still read.
                if let Some(at) = find_content_length(line) {
                    self.pending = line[at..].to_vec();
                    self.pending.extend_from_slice(b"\r\n");
                }
                return Ok(Err(MalformedFrame::parse_error(format!(
                    "malformed header {:?}: expected `Name: value`",
                    preview(line)
                ))));
            };
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<u64>().map_err(|_| {
                    MalformedFrame::parse_error(format!(
                        "invalid Content-Length {:?}: expected a number of bytes",
                        preview(value.trim().as_bytes())
                    ))
                }));
            }
        }
    }

    /// One line, with its line break; `None` when it was longer than
    /// [`MAX_HEADER_LINE`] (the line is then consumed but not kept).
    fn read_header_line(&mut self) -> Result<HeaderLine, ReadError> {
        let mut line = std::mem::take(&mut self.pending);
        if line.ends_with(b"\n") {
            return Ok(Some(line));
        }
        let mut too_long = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(ReadError::Eof);
            }
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..=i], true),
                None => (buf, false),
            };
            let used = chunk.len();
            if !too_long && line.len() + used <= MAX_HEADER_LINE {
                line.extend_from_slice(chunk);
            } else {
                too_long = true;
                line.clear();
            }
            self.input.consume(used);
            if done {
                return Ok((!too_long).then_some(line));
            }
        }
    }

    /// Discards input up to the next `Content-Length:` header, which then
    /// starts the next header block.
    fn skip_to_next_frame(&mut self) -> Result<(), ReadError> {
        let mut matched = 0usize;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(ReadError::Eof);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                if b == CONTENT_LENGTH[matched] {
                    matched += 1;
                } else {
                    // The header's first byte does not recur in it.
                    matched = usize::from(b == CONTENT_LENGTH[0]);
                }
                if matched == CONTENT_LENGTH.len() {
                    found = true;
                    break;
                }
            }
            self.input.consume(used);
            if found {
                self.pending = b"Content-Length:".to_vec();
                return Ok(());
            }
        }
    }
}

/// Where a `Content-Length:` header starts inside a line, after its start.
fn find_content_length(line: &[u8]) -> Option<usize> {
    (1..line.len()).find(|&i| {
        line.get(i..i + CONTENT_LENGTH.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(CONTENT_LENGTH))
    })
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&b| b != b'\n' && b != b'\r')
        .map_or(0, |i| i + 1);
    &line[..end]
}

/// `Name: value` with a token name.
fn split_header(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, value) = line.split_once(':')?;
    let is_token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    is_token.then_some((name, value))
}

/// The start of a line, for a message.
fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
    if bytes.len() > 60 {
        format!("{text}…")
    } else {
        text
    }
}

/// A JSON-RPC message: a request (`method` and `id`), a notification
/// (`method`, no `id`) or a response (`id` and `result` or `error`).
fn parse_message(body: &[u8]) -> Result<Message, MalformedFrame> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| MalformedFrame::parse_error(format!("invalid JSON: {e}")))?;
    let Value::Object(fields) = &value else {
        return Err(MalformedFrame::invalid_request(
            None,
            "a message must be a JSON object",
        ));
    };
    let id = fields
        .get("id")
        .and_then(|v| serde_json::from_value::<RequestId>(v.clone()).ok());
    let has_id = fields.get("id").is_some_and(|v| !v.is_null());
    let is_response = fields.contains_key("result") || fields.contains_key("error");
    let invalid = |e: serde_json::Error| MalformedFrame::invalid_request(id.clone(), e.to_string());
    match (fields.get("method"), has_id) {
        (Some(Value::String(_)), true) => serde_json::from_value::<Request>(value)
            .map(Message::Request)
            .map_err(invalid),
        (Some(Value::String(_)), false) => serde_json::from_value::<Notification>(value)
            .map(Message::Notification)
            .map_err(invalid),
        (Some(_), _) => Err(MalformedFrame::invalid_request(
            id.clone(),
            "`method` must be a string",
        )),
        (None, true) if is_response => serde_json::from_value::<Response>(value)
            .map(Message::Response)
            .map_err(invalid),
        (None, _) => Err(MalformedFrame::invalid_request(
            id.clone(),
            "not a request, notification or response (no `method`, `result` or `error`)",
        )),
    }
}

/// What the server writes.
#[derive(Debug)]
pub enum Outgoing {
    Message(Message),
    /// An error answering a malformed frame.
    Malformed(MalformedFrame),
}

/// Writes one framed message and flushes.
pub fn write(out: &mut impl Write, msg: &Outgoing) -> io::Result<()> {
    let body = match msg {
        Outgoing::Message(m) => serde_json::to_vec(&Envelope {
            jsonrpc: "2.0",
            msg: m,
        }),
        Outgoing::Malformed(frame) => serde_json::to_vec(&frame.response()),
    }
    .map_err(io::Error::other)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    jsonrpc: &'static str,
    #[serde(flatten)]
    msg: &'a Message,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#;

    /// Everything read from `input`, as (message method or error code) lines.
    fn read_all(input: &str) -> Vec<String> {
        let mut reader = FrameReader::new(input.as_bytes());
        let mut out = Vec::new();
        loop {
            match reader.read() {
                Ok(Incoming::Message(Message::Request(r))) => {
                    out.push(format!("request {} {}", r.id, r.method))
                }
                Ok(Incoming::Message(Message::Notification(n))) => {
                    out.push(format!("notification {}", n.method))
                }
                Ok(Incoming::Message(Message::Response(r))) => {
                    out.push(format!("response {}", r.id))
                }
                Ok(Incoming::Malformed(f)) => out.push(format!("error {} {:?}", f.code, f.id)),
                Err(ReadError::Eof) => break,
                Err(ReadError::Fatal(f)) => {
                    out.push(format!("fatal {}", f.code));
                    break;
                }
                Err(ReadError::Io(e)) => panic!("{e}"),
            }
        }
        out
    }

    #[test]
    fn malformed_frames_are_answered_and_reading_goes_on() {
        let cases = [
            (frame("{bad json}"), "error -32700 None"),
            (
                "Content-Length: abc\r\n\r\n{}".to_string(),
                "error -32700 None",
            ),
            (
                "Content-Type: application/json\r\n\r\n{}".to_string(),
                "error -32700 None",
            ),
            (PING.to_string(), "error -32700 None"),
            ("Garbage line\r\n\r\n".to_string(), "error -32700 None"),
            (
                format!("X: {}\r\n\r\n", "y".repeat(10_000)),
                "error -32700 None",
            ),
            (frame("[1,2]"), "error -32600 None"),
            (
                frame(r#"{"jsonrpc":"2.0","id":7}"#),
                "error -32600 Some(RequestId(I32(7)))",
            ),
            (
                frame(r#"{"jsonrpc":"2.0","id":"a","method":3}"#),
                "error -32600 Some(RequestId(String(\"a\")))",
            ),
            (
                frame(r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#),
                "error -32600 None",
            ),
        ];
        for (bad, expected) in cases {
            let input = format!("{bad}{}", frame(PING));
            assert_eq!(
                read_all(&input),
                vec![expected.to_string(), "request 9 ping".to_string()],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn valid_frames_are_read() {
        let last = r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
        let input = format!(
            "\r\n{}{}content-length: {}\r\nContent-Type: x\r\n\r\n{last}",
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":"r1","result":null}"#),
            last.len(),
        );
        assert_eq!(
            read_all(&input),
            vec![
                "notification initialized".to_string(),
                "response \"r1\"".to_string(),
                "request 1 a".to_string()
            ]
        );
    }

    #[test]
    fn an_absurd_length_is_refused_before_reading() {
        let input = format!("Content-Length: 99999999999\r\n\r\n{{}}{}", frame(PING));
        assert_eq!(read_all(&input), vec!["fatal -32600".to_string()]);
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        assert_eq!(
            read_all("Content-Length: 100\r\n\r\n{}"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn written_messages_are_framed_with_jsonrpc() {
        let mut out = Vec::new();
        let msg = Message::Response(Response::new_ok(RequestId::from(3), Value::Null));
        write(&mut out, &Outgoing::Message(msg)).expect("write");
        let frame = MalformedFrame::parse_error("bad");
        write(&mut out, &Outgoing::Malformed(frame)).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let first = r#"{"jsonrpc":"2.0","id":3,"result":null}"#;
        assert!(
            text.starts_with(&format!("Content-Length: {}\r\n\r\n{first}", first.len())),
            "{text}"
        );
        assert!(
            text.ends_with(
                r#"{"error":{"code":-32700,"message":"bad"},"id":null,"jsonrpc":"2.0"}"#
            ),
            "{text}"
        );
    }
}
