use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bakelint::cli::Cli::parse();
    bakelint::app::run(cli)
}
