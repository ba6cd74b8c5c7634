//! The `restsource` command line: `validate` and `schema` (each command in its own module).

mod schema;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Typed, compile-time-checked REST API sources.
#[derive(Debug, Parser)]
#[command(name = "restsource", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check spec files; prints every problem with its location. Exit 0 when all are valid
    /// (warnings printed), 1 when any is not.
    Validate {
        /// Spec files (`.json` or `.toml`).
        #[arg(required = true, value_name = "SPEC")]
        specs: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the spec format.
    Schema,
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors.
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let code = match cli.command {
        Command::Validate { specs } => validate::run(&specs, &mut out, &mut err),
        Command::Schema => schema::run(&mut out, &mut err),
    };
    ExitCode::from(code)
}
