//! `bakelint server`: a language server over standard input/output.
//!
//! Synchronous (the `lsp-server` crate, no async runtime). Documents are
//! kept in full (`TextDocumentSyncKind::FULL`); diagnostics are published on
//! open, change and save. Changes are debounced: a reader thread parses
//! incoming messages eagerly into an unbounded queue, and after a change the
//! server takes everything queued, and whatever arrives within [`DEBOUNCE`]
//! (for at most [`MAX_COALESCE`]), before linting, so a burst of edits, or
//! edits made while a lint ran, is linted once, with the last text. Requests
//! that need fresh diagnostics (code actions, hover) lint their document on
//! demand.
//!
//! Positions are UTF-16 code units, as LSP requires.

mod actions;
mod convert;
mod hover;
mod state;

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
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

/// How long to wait for another message before linting changed documents.
pub const DEBOUNCE: Duration = Duration::from_millis(1);
/// The longest a burst of messages may postpone linting.
pub const MAX_COALESCE: Duration = Duration::from_millis(50);

pub type Error = Box<dyn std::error::Error + Send + Sync>;

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

/// Runs the server on standard input/output until `exit`.
pub fn run() -> Result<(), Error> {
    let (connection, writer) = stdio_connection()?;
    serve(&connection)?;
    drop(connection);
    // Wait until every response is written.
    writer
        .join()
        .map_err(|_| Error::from("the writer thread panicked"))??;
    Ok(())
}

/// Like `Connection::stdio`, but the reader parses messages as soon as they
/// arrive into an unbounded queue (lsp-server's hands each one over only
/// when the server asks for it), so the main loop can see every change
/// already sent and coalesce them. Returns the writer thread.
fn stdio_connection() -> Result<(Connection, JoinHandle<std::io::Result<()>>), Error> {
    let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    std::thread::Builder::new()
        .name("bakelint-lsp-reader".to_string())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            while let Ok(Some(msg)) = Message::read(&mut input) {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if to_server.send(msg).is_err() || exit {
                    break;
                }
            }
        })?;
    let writer = std::thread::Builder::new()
        .name("bakelint-lsp-writer".to_string())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut output = stdout.lock();
            for msg in from_server {
                // `Message::write` flushes.
                msg.write(&mut output)?;
            }
            Ok(())
        })?;
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((connection, writer))
}

/// The server on an established connection (handshake included).
pub fn serve(connection: &Connection) -> Result<(), Error> {
    let init = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "bakelint".to_string(),
            version: Some(crate::cli::VERSION.to_string()),
        },
    });
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, init)?;
    let mut state = State::default();
    main_loop(connection, &mut state)
}

enum Flow {
    Continue,
    Exit,
}

fn main_loop(connection: &Connection, state: &mut State) -> Result<(), Error> {
    while let Ok(msg) = connection.receiver.recv() {
        if let Flow::Exit = handle(connection, state, msg)? {
            return Ok(());
        }
        // Coalesce a burst of changes before linting: everything queued,
        // then whatever arrives within DEBOUNCE.
        let started = Instant::now();
        while state.has_pending() && started.elapsed() < MAX_COALESCE {
            let next = match connection.receiver.try_recv() {
                Ok(msg) => Ok(msg),
                Err(_) => connection.receiver.recv_timeout(DEBOUNCE),
            };
            match next {
                Ok(msg) => {
                    if let Flow::Exit = handle(connection, state, msg)? {
                        return Ok(());
                    }
                }
                Err(e) if e.is_timeout() => break,
                Err(_) => return Ok(()),
            }
        }
        for note in state.publish_pending() {
            connection.sender.send(Message::Notification(note))?;
        }
        for note in state.take_messages() {
            connection.sender.send(Message::Notification(note))?;
        }
    }
    Ok(())
}

fn handle(connection: &Connection, state: &mut State, msg: Message) -> Result<Flow, Error> {
    match msg {
        Message::Request(req) => {
            if connection.handle_shutdown(&req)? {
                return Ok(Flow::Exit);
            }
            let resp = handle_request(state, req);
            connection.sender.send(Message::Response(resp))?;
        }
        Message::Notification(note) => {
            if note.method == "exit" {
                return Ok(Flow::Exit);
            }
            handle_notification(state, note);
        }
        Message::Response(_) => {}
    }
    Ok(Flow::Continue)
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

fn invalid_params(id: lsp_server::RequestId, e: &serde_json::Error) -> Response {
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
