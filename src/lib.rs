//! bakelint: a linter and auto-fixer for Dockerfiles and docker-bake files.

pub mod bake;
pub mod diagnostic;
pub mod dockerfile;
pub mod span;
pub mod rules;
pub mod config;
pub mod linter;
pub mod suppress;
