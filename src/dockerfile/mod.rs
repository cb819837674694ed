//! bakelint's own lossless Dockerfile parser.
//!
//! Why not the `dockerfile-parser` crate: it is deprecated upstream and cannot
//! read heredocs, the `escape` directive, empty continuation lines or
//! `RUN --mount` flags, and it keeps no byte spans. This parser follows
//! BuildKit's reading of the format (checked against BuildKit's own test
//! corpus) and keeps every byte, so fixes can edit the file in place.

mod ast;
pub mod dump;
pub mod expand;
mod image_ref;
mod json;
mod line_parsers;
mod parser;

pub use ast::*;
pub use line_parsers::go_quote;
pub use parser::{parse, parse_image_ref, LINE_TOO_LONG, MAX_LINE};
