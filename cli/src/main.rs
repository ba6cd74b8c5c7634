//! The `restsource` command line: `validate`, `generate`, `schema`, `infer` and `check` (each
//! command in its own module).

mod check;
mod generate;
mod import_dlt;
mod infer;
mod init;
mod leak;
mod schema;
mod shards;
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
    /// Print the generated Rust for a spec (prettyplease-formatted, as build.rs writes it).
    Generate {
        /// Spec file (`.json` or `.toml`).
        #[arg(value_name = "SPEC")]
        spec: PathBuf,
        /// Write to this file (only when its contents change) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Path generated code uses for the runtime (default `::restsource::runtime`).
        #[arg(long, value_name = "PATH")]
        runtime_path: Option<String>,
    },
    /// Print the JSON Schema of the spec format.
    Schema,
    /// Sample each resource's API through the spec's own client (auth, paginator, rate
    /// limit; secrets from the environment) and keep the tables, columns and types a
    /// relational load would create in `<spec stem>.tables.json` beside the spec (written
    /// only when it changes; fields an earlier sample saw are kept). Exit 0 on success, 1 on
    /// an invalid spec or a failed request.
    Infer(infer::Request),
    /// Send one request per resource through the spec's own client (a child: for the first
    /// record of its parent's first page, no retries) and report auth, URL and selector
    /// problems; nothing is loaded. Exit 0 when every resource answered records, else 1.
    Check(check::Request),
    /// Convert a dlt Python config (`rest_api_source({...})`) into a spec file, without
    /// running Python, then validate it and print what was converted, the secret references
    /// and what was left out. Exit 0 when the spec is written and valid; 1 with every
    /// located error when something cannot be converted (nothing is written then).
    ImportDlt(import_dlt::Request),
    /// Write a spec and its tables file from an OpenAPI 3.0/3.1 document (JSON or YAML): one
    /// resource per GET returning a list, paginators and auth guessed with the reason beside
    /// each, every column typed from the schemas; then validate it. Exit 0 when the spec is
    /// valid, 1 otherwise.
    Init(init::Request),
    /// Print what each of N shards (`--shard I/N` on a program) loads whole, loads in part
    /// (a child resource split by its parent records), reads only to find its part, and the
    /// state rows it keeps; computed from the spec as the programs compute it.
    Shards(shards::Request),
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors.
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let code = match cli.command {
        Command::Validate { specs } => validate::run(&specs, &mut out, &mut err),
        Command::Generate {
            spec,
            output,
            runtime_path,
        } => generate::run(
            &spec,
            output.as_deref(),
            runtime_path.as_deref(),
            &mut out,
            &mut err,
        ),
        Command::Schema => schema::run(&mut out, &mut err),
        Command::Infer(request) => infer::run(&request, &mut out, &mut err),
        Command::Check(request) => check::run(&request, &mut out, &mut err),
        Command::ImportDlt(request) => import_dlt::run(&request, &mut out, &mut err),
        Command::Init(request) => init::run(&request, &mut out, &mut err),
        Command::Shards(request) => shards::run(&request, &mut out, &mut err),
    };
    ExitCode::from(code)
}
