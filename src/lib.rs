//! bakelint: a linter and auto-fixer for Dockerfiles and docker-bake files.

pub mod app;
pub mod bake;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod dockerfile;
pub mod fix;
pub mod fsread;
pub mod hadolint_config;
pub mod image_path;
pub mod linter;
pub mod lsp;
pub mod output;
pub mod pipeline;
pub mod project;
pub mod rules;
pub mod shell;
pub mod span;
pub mod suppress;
pub mod workspace;
pub mod yaml;
