//! bakelint: a linter and auto-fixer for Dockerfiles and docker-bake files.

pub mod bake;
pub mod diagnostic;
pub mod dockerfile;
pub mod span;
