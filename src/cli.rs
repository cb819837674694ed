//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::OutputFormat;

/// `0.1.0 (abc1234)`: the package version and the commit it was built from
/// (set by `build.rs`; `unknown` when built without git).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("BAKELINT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "bakelint",
    version = VERSION,
    about = "A fast linter and auto-fixer for Dockerfiles and docker-bake files",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and directories (the default command)
    Check(CheckArgs),
    /// Show the documentation of a rule
    Rule(RuleArgs),
    /// Run the language server over standard input/output
    Server,
    /// Print a shell completion script
    ///
    /// e.g. `bakelint completions bash > ~/.local/share/bash-completion/completions/bakelint`
    Completions {
        /// The shell to generate completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the resolved bake definition as `docker buildx bake --print` does
    Print(PrintArgs),
    /// Configuration tools: `config --from-hadolint` prints the
    /// `bakelint.toml` equivalent to a hadolint config
    Config(ConfigArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Print the `bakelint.toml` equivalent to this hadolint config
    /// (default: the `.hadolint.yaml` hadolint would use here)
    #[arg(long, value_name = "PATH", num_args = 0..=1, required = true)]
    pub from_hadolint: Option<Option<PathBuf>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Files or directories to lint (`-` reads standard input)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Apply safe fixes
    #[arg(long)]
    pub fix: bool,
    /// Also apply unsafe fixes (with --fix or --diff)
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the changes fixes would make as a unified diff; write nothing
    #[arg(long)]
    pub diff: bool,
    /// Report format (default: github when GITHUB_ACTIONS=true, full on a terminal, concise otherwise)
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,
    /// Write the report to this file; the terminal still gets the summary
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// When to use colours
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Rules to enable: codes, code prefixes or names (replaces the config's `select`)
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules to disable, in addition to the config's `ignore`
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Rules to enable in addition to the selection
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Print the number of findings per rule
    #[arg(long)]
    pub statistics: bool,
    /// Exit with 0 even when findings remain
    #[arg(long)]
    pub exit_zero: bool,
    /// The lowest severity that makes the exit code 1 (default: the config's
    /// `fail-level`, else warning); findings below it are still reported
    #[arg(long, value_enum, value_name = "LEVEL", alias = "failure-threshold")]
    pub fail_level: Option<crate::diagnostic::Severity>,
    /// Config file (default: bakelint.toml or .bakelint.toml, searched upward)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The file name to report for standard input
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Print findings only, no summary
    #[arg(long, short)]
    pub quiet: bool,
    /// Bake file(s) to load as one definition, replacing the default set (repeatable)
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Set a bake variable: NAME=VALUE (wins over the environment; repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = bake_var)]
    pub var: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// A rule code, name or alias
    pub rule: Option<String>,
    /// Print every rule's documentation
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,
    /// `text` (the markdown documentation) or `json` (code, name, aliases,
    /// severity, summary, fix, options and documentation of each rule, as `ruff rule
    /// --output-format json` prints them)
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: RuleFormat,
}

/// How `bakelint rule` prints rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct PrintArgs {
    /// Targets or groups (globs allowed); default: the `default` group
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Bake file(s), replacing the default set (repeatable)
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Set a variable: NAME=VALUE (wins over the environment; repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = bake_var)]
    pub var: Vec<String>,
    /// Override a target attribute: target.key=value (repeatable)
    #[arg(long, value_name = "TARGET.KEY=VALUE")]
    pub set: Vec<String>,
}

/// A `--var` value: `NAME=VALUE`, as `docker buildx bake --var` requires
/// (an empty value is allowed, and an empty argument is ignored, as there).
pub fn bake_var(arg: &str) -> Result<String, String> {
    if arg.is_empty() {
        return Ok(String::new());
    }
    match arg.split_once('=') {
        Some(("", _)) => Err("the variable name before `=` is empty".to_string()),
        Some(_) => Ok(arg.to_string()),
        None => Err("expected NAME=VALUE".to_string()),
    }
}
