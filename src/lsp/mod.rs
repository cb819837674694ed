//! `bakelint server`: a language server over standard input/output.
//!
//! Synchronous (no async runtime): a reader thread reads frames
//! ([`transport`]) and parses them eagerly into an unbounded queue, a
//! writer thread writes what the main loop sends. Malformed frames are
//! answered by the reader with a JSON-RPC error, and the session goes on.
//! Documents are kept in full (`TextDocumentSyncKind::FULL`); diagnostics
//! are published on open, change and save. Changes are debounced: after a
//! change the server takes everything queued, and whatever arrives within
//! [`DEBOUNCE`] (for at most [`MAX_COALESCE`]), before linting, so a burst
//! of edits, or edits made while a lint ran, is linted once, with the last
//! text. Requests that need fresh diagnostics (code actions, hover) lint
//! their document on demand. While documents are open and no message
//! comes, the server compares the config files' modification times every
//! [`CONFIG_POLL`], for clients that do not watch files; after `shutdown`
//! it publishes nothing more. A document over
//! [`crate::fsread::MAX_FILE_BYTES`] is not linted: it gets one "too large"
//! diagnostic.
//!
//! The process exits as LSP prescribes: status 0 on `exit` after
//! `shutdown`, 1 on `exit` without it or when the input ends first. A
//! client that quits after `shutdown` without sending `exit` or reading
//! the answer (Neovim, when it exits, does not wait) ends the session
//! cleanly too: status 0, nothing on standard error.
//!
//! Positions are UTF-16 code units, as LSP requires.

mod actions;
mod convert;
mod hover;
mod state;
pub mod transport;

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

pub use actions::FIX_ALL_KIND;
pub use convert::Text;
use state::State;
use transport::{FrameReader, Incoming, Outgoing, ReadError};

/// How long to wait for another message before linting changed documents.
pub const DEBOUNCE: Duration = Duration::from_millis(1);
/// The longest a burst of messages may postpone linting.
pub const MAX_COALESCE: Duration = Duration::from_millis(50);

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// `exit` after `shutdown`, or the client gone after `shutdown`.
    Clean,
    /// `exit` without `shutdown`, or the input ended before `shutdown`.
    Abrupt,
}

impl SessionEnd {
    /// The exit status LSP prescribes.
    pub fn exit_code(self) -> u8 {
        match self {
            SessionEnd::Clean => 0,
            SessionEnd::Abrupt => 1,
        }
    }
}

/// The server's side of the wire: messages (or malformed frames, to
/// answer in turn) in, messages out.
pub struct Connection {
    pub sender: Sender<Outgoing>,
    pub receiver: Receiver<Incoming>,
}

impl Connection {
    fn send(&self, msg: impl Into<Message>) -> Result<(), Error> {
        self.send_out(Outgoing::Message(msg.into()))
    }

    fn send_out(&self, out: Outgoing) -> Result<(), Error> {
        self.sender
            .send(out)
            .map_err(|_| Error::from("the writer thread stopped"))
    }
}

/// What the server offers.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(FIX_ALL_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Runs the server on standard input/output until `exit` or the end of
/// the input. An error is a transport failure (a frame too large to read,
/// an unreadable input, an unwritable output).
pub fn run() -> Result<SessionEnd, Error> {
    let (connection, threads) = stdio_connection()?;
    let end = serve(&connection)?;
    drop(connection);
    // Wait until every response is written.
    let written = threads
        .writer
        .join()
        .map_err(|_| Error::from("the writer thread panicked"))?;
    if let Err(e) = written {
        // After `shutdown`, a client that quit without reading the answer
        // (Neovim does not wait for it) has lost nothing: the session
        // ended as it asked.
        if end == SessionEnd::Clean {
            return Ok(end);
        }
        return Err(e.into());
    }
    // `serve` returned on `exit` or the end of the input: the reader is done.
    threads
        .reader
        .join()
        .map_err(|_| Error::from("the reader thread panicked"))??;
    Ok(end)
}

/// The threads moving messages between the main loop and stdio.
struct IoThreads {
    /// Ends on `exit` or the end of the input; an error says why it could
    /// not read on.
    reader: JoinHandle<Result<(), Error>>,
    /// Ends when every sender is gone and everything is written.
    writer: JoinHandle<std::io::Result<()>>,
}

/// The reader and writer threads over standard input/output. The reader
/// parses messages as soon as they arrive into an unbounded queue, so the
/// main loop can see every change already sent and coalesce them.
fn stdio_connection() -> Result<(Connection, IoThreads), Error> {
    let (to_server, from_client) = crossbeam_channel::unbounded::<Incoming>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Outgoing>();
    let reader = std::thread::Builder::new()
        .name("bakelint-lsp-reader".to_string())
        .spawn(move || read_loop(std::io::stdin().lock(), &to_server))?;
    let writer = std::thread::Builder::new()
        .name("bakelint-lsp-writer".to_string())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut output = stdout.lock();
            for msg in from_server {
                transport::write(&mut output, &msg)?;
            }
            Ok(())
        })?;
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((connection, IoThreads { reader, writer }))
}

/// Reads frames until `exit`, the end of the input, or a frame that cannot
/// be followed (answered before the reader stops).
fn read_loop(input: impl std::io::BufRead, to_server: &Sender<Incoming>) -> Result<(), Error> {
    let mut frames = FrameReader::new(input);
    loop {
        match frames.read() {
            Ok(incoming) => {
                let exit = matches!(&incoming,
                    Incoming::Message(Message::Notification(n)) if n.method == "exit");
                if to_server.send(incoming).is_err() || exit {
                    return Ok(());
                }
            }
            Err(ReadError::Eof) => return Ok(()),
            Err(ReadError::Fatal(frame)) => {
                let message = frame.message.clone();
                let _ = to_server.send(Incoming::Malformed(frame));
                return Err(Error::from(format!(
                    "{message}; the input cannot be read further"
                )));
            }
            Err(ReadError::Io(e)) => return Err(Error::from(format!("cannot read input: {e}"))),
        }
    }
}

/// What `initialize` answers.
fn initialize_result() -> serde_json::Value {
    serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "bakelint".to_string(),
            version: Some(crate::cli::VERSION.to_string()),
        },
    })
}

/// The server on an established connection, from `initialize` to `exit`.
pub fn serve(connection: &Connection) -> Result<SessionEnd, Error> {
    let Some(support) = initialize(connection)? else {
        return Ok(SessionEnd::Abrupt);
    };
    if support.watch_files {
        register_watchers(connection)?;
    }
    let mut session = Session::default();
    main_loop(connection, &mut session)
}

/// Waits for `initialize` and answers it; requests before it get
/// `ServerNotInitialized`. False if the session ended first.
fn initialize(connection: &Connection) -> Result<Option<ClientSupport>, Error> {
    while let Ok(incoming) = connection.receiver.recv() {
        let msg = match incoming {
            Incoming::Message(msg) => msg,
            Incoming::Malformed(frame) => {
                connection.send_out(Outgoing::Malformed(frame))?;
                continue;
            }
        };
        match msg {
            Message::Request(req) if req.method == "initialize" => {
                let support = ClientSupport::of(&req.params);
                connection.send(Response::new_ok(req.id, initialize_result()))?;
                return Ok(Some(support));
            }
            Message::Request(req) => connection.send(Response::new_err(
                req.id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized yet".to_string(),
            ))?,
            Message::Notification(n) if n.method == "exit" => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

/// What the client said it can do, as far as the server cares.
#[derive(Debug, Default, Clone, Copy)]
struct ClientSupport {
    /// `workspace.didChangeWatchedFiles.dynamicRegistration`: the server may
    /// ask the client to watch the config files.
    watch_files: bool,
}

impl ClientSupport {
    fn of(params: &serde_json::Value) -> ClientSupport {
        let watch = &params["capabilities"]["workspace"]["didChangeWatchedFiles"];
        ClientSupport {
            watch_files: watch["dynamicRegistration"].as_bool() == Some(true),
        }
    }
}

/// The files whose change changes what the server reports: configs
/// (bakelint's, pyproject's `[tool.bakelint]`, hadolint's) and ignore files.
pub const WATCHED_GLOBS: &[&str] = &[
    "**/bakelint.toml",
    "**/.bakelint.toml",
    "**/pyproject.toml",
    "**/.hadolint.yaml",
    "**/.hadolint.yml",
    "**/.dockerignore",
    "**/*.dockerignore",
];

/// Asks the client to send `workspace/didChangeWatchedFiles` for
/// [`WATCHED_GLOBS`] (clients without dynamic registration are served by
/// the mtime check instead: see `State::check_config_on_disk`).
fn register_watchers(connection: &Connection) -> Result<(), Error> {
    let watchers: Vec<serde_json::Value> = WATCHED_GLOBS
        .iter()
        .map(|g| serde_json::json!({ "globPattern": g }))
        .collect();
    let params = serde_json::json!({
        "registrations": [{
            "id": "bakelint-watched-files",
            "method": DidChangeWatchedFiles::METHOD,
            "registerOptions": { "watchers": watchers },
        }]
    });
    connection.send(Request::new(
        RequestId::from("bakelint/registerWatchers".to_string()),
        "client/registerCapability".to_string(),
        params,
    ))
}

/// The state of an initialized session.
#[derive(Default)]
struct Session {
    state: State,
    /// `shutdown` was received: `exit` may come, nothing else.
    shutting_down: bool,
}

impl Session {
    fn end(&self) -> SessionEnd {
        if self.shutting_down {
            SessionEnd::Clean
        } else {
            SessionEnd::Abrupt
        }
    }
}

enum Flow {
    Continue,
    Exit(SessionEnd),
}

/// How often an idle server with open documents compares the config files'
/// modification times (clients that do not watch files, e.g. Neovim on
/// Linux, say nothing when a config is saved).
pub const CONFIG_POLL: Duration = Duration::from_secs(1);

fn main_loop(connection: &Connection, session: &mut Session) -> Result<SessionEnd, Error> {
    match session_loop(connection, session) {
        // The client went away after `shutdown` (its pipe closed before the
        // answer or `exit` could pass): the session ended as it asked.
        Err(_) if session.shutting_down => Ok(SessionEnd::Clean),
        end => end,
    }
}

fn session_loop(connection: &Connection, session: &mut Session) -> Result<SessionEnd, Error> {
    loop {
        let msg = if session.state.docs.is_empty() || session.shutting_down {
            connection.receiver.recv().ok()
        } else {
            match connection.receiver.recv_timeout(CONFIG_POLL) {
                Ok(msg) => Some(msg),
                Err(e) if e.is_timeout() => {
                    // Idle: a config saved on disk is noticed without a
                    // message from the client.
                    publish(connection, session)?;
                    continue;
                }
                Err(_) => None,
            }
        };
        let Some(msg) = msg else { break };
        if let Flow::Exit(end) = handle(connection, session, msg)? {
            return Ok(end);
        }
        // Coalesce a burst of changes before linting: everything queued,
        // then whatever arrives within DEBOUNCE.
        let started = Instant::now();
        while session.state.has_pending() && started.elapsed() < MAX_COALESCE {
            let next = match connection.receiver.try_recv() {
                Ok(msg) => Ok(msg),
                Err(_) => connection.receiver.recv_timeout(DEBOUNCE),
            };
            match next {
                Ok(msg) => {
                    if let Flow::Exit(end) = handle(connection, session, msg)? {
                        return Ok(end);
                    }
                }
                Err(e) if e.is_timeout() => break,
                // The input ended without `exit`.
                Err(_) => return Ok(session.end()),
            }
        }
        publish(connection, session)?;
    }
    // The input ended without `exit`: 0 after `shutdown`, 1 before it.
    Ok(session.end())
}

/// Lints what changed and publishes it. Nothing is sent after `shutdown`:
/// a client may close the pipe as soon as it has the answer.
fn publish(connection: &Connection, session: &mut Session) -> Result<(), Error> {
    if session.shutting_down {
        return Ok(());
    }
    // Without file watchers, a config changed on disk is noticed here.
    session.state.check_config_on_disk();
    for note in session.state.publish_pending() {
        connection.send(note)?;
    }
    for note in session.state.take_messages() {
        connection.send(note)?;
    }
    Ok(())
}

fn handle(
    connection: &Connection,
    session: &mut Session,
    incoming: Incoming,
) -> Result<Flow, Error> {
    let msg = match incoming {
        Incoming::Message(msg) => msg,
        Incoming::Malformed(frame) => {
            connection.send_out(Outgoing::Malformed(frame))?;
            return Ok(Flow::Continue);
        }
    };
    match msg {
        Message::Request(req) => {
            let resp = match req.method.as_str() {
                "shutdown" => {
                    session.shutting_down = true;
                    Response::new_ok(req.id, serde_json::Value::Null)
                }
                _ if session.shutting_down => {
                    invalid_request(req.id, "the server is shutting down")
                }
                "initialize" => invalid_request(req.id, "the server is already initialized"),
                _ => handle_request(&mut session.state, req),
            };
            connection.send(resp)?;
        }
        Message::Notification(note) => {
            if note.method == "exit" {
                return Ok(Flow::Exit(session.end()));
            }
            if !session.shutting_down {
                handle_notification(&mut session.state, note);
            }
        }
        Message::Response(_) => {}
    }
    Ok(Flow::Continue)
}

fn invalid_request(id: RequestId, message: &str) -> Response {
    Response::new_err(id, ErrorCode::InvalidRequest as i32, message.to_string())
}

fn handle_request(state: &mut State, req: Request) -> Response {
    let id = req.id.clone();
    match req.method.as_str() {
        CodeActionRequest::METHOD => match serde_json::from_value(req.params) {
            Ok(params) => Response::new_ok(id, actions::code_actions(state, &params)),
            Err(e) => invalid_params(id, &e),
        },
        HoverRequest::METHOD => match serde_json::from_value(req.params) {
            Ok(params) => Response::new_ok(id, hover::hover(state, &params)),
            Err(e) => invalid_params(id, &e),
        },
        other => Response::new_err(
            id,
            ErrorCode::MethodNotFound as i32,
            format!("unsupported request: {other}"),
        ),
    }
}

fn invalid_params(id: RequestId, e: &serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string())
}

fn handle_notification(state: &mut State, note: Notification) {
    match note.method.as_str() {
        DidOpenTextDocument::METHOD => {
            if let Ok(p) =
                serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(note.params)
            {
                let doc = p.text_document;
                state.open(doc.uri, &doc.language_id, doc.version, doc.text);
            }
        }
        DidChangeTextDocument::METHOD => {
            if let Ok(p) =
                serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(note.params)
            {
                // Full sync: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().next_back() {
                    state.change(&p.text_document.uri, p.text_document.version, change.text);
                }
            }
        }
        DidSaveTextDocument::METHOD => {
            if let Ok(p) =
                serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(note.params)
            {
                state.save(&p.text_document.uri, p.text);
            }
        }
        DidCloseTextDocument::METHOD => {
            if let Ok(p) =
                serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(note.params)
            {
                state.close(&p.text_document.uri);
            }
        }
        DidChangeWatchedFiles::METHOD => state.config_changed(),
        _ => {}
    }
}
