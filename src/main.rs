use std::process::ExitCode;

use clap::Parser;

/// glibc's malloc/free were a third of the instructions spent linting a
/// corpus of Dockerfiles (parsing and rules allocate many small strings);
/// mimalloc does the same work in far fewer.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = bakelint::cli::Cli::parse();
    bakelint::app::run(cli)
}
