//! bakelint: a linter and auto-fixer for Dockerfiles and docker-bake files.

pub mod bake;
pub mod config;
pub mod diagnostic;
pub mod dockerfile;
pub mod fix;
pub mod linter;
pub mod rules;
pub mod span;
pub mod suppress;
