//! A small front end for programs that run one generated source: argument parsing
//! (`--base-url`, `--destination`, resource names), the run, the report, and exit codes.
//! The seed examples are built on it; a user with a real API changes only the spec and the
//! environment.

use std::fmt;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::runtime::def::TablesMode;
use crate::runtime::load::Destination;
use crate::runtime::pipeline::{LoadReport, Pipeline, PipelineOptions};
use crate::runtime::Source;

/// Command-line options of a source program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--base-url URL`: send requests here instead of the spec's base URL.
    pub base_url: Option<String>,
    /// `--destination URL` (`sqlite:file.db`, `postgres://...`, `jsonl:dir`, with feature `delta`
    /// `delta+file:dir` or `delta+s3://bucket/prefix`).
    pub destination: String,
    /// Resource names to run (empty: every selected resource).
    pub resources: Vec<String>,
    /// `--lock-timeout SECONDS`: how long to wait for another run loading the same resources
    /// (default: [`PipelineOptions`]'s, 60 s).
    pub lock_timeout: Option<std::time::Duration>,
    /// `--tables json|relational|dlt`: declared columns plus one `_rs_extra` JSON column
    /// (`json`), or every field in typed root and child tables with restsource's
    /// (`relational`) or dlt's (`dlt`) system column names. `None`: the spec's `tables`.
    pub tables: Option<TablesMode>,
    /// `--limit N`: at most N pages per resource (per parent record for a child resource),
    /// as dlt's `add_limit`: for development runs against a large API.
    pub limit: Option<u64>,
    /// `--limit-records N`: at most N records per resource (per parent record for a child
    /// resource), counted as the API sends them; the last page is cut to fit and no further
    /// page is requested. With `--limit`, whichever is reached first stops the resource.
    pub limit_records: Option<u64>,
    /// `--check`: one request per resource, reporting auth, URL and selector problems;
    /// nothing is loaded (see [`check`]).
    pub check: bool,
    /// `--shard I/N`: load only shard I's part of the source, one of N processes sharing the
    /// destination (see [`crate::runtime::shard`]).
    pub shard: Option<crate::runtime::Shard>,
    /// `--delta-keys-per-pass N`: how many of a run's keys a merge into Delta Lake holds in
    /// memory at a time (default: [`PipelineOptions`]'s, 262,144).
    pub delta_keys_per_pass: Option<usize>,
}

/// A command line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\nusage: [--base-url URL] [--destination sqlite:FILE|postgres://...|jsonl:DIR|delta+file:DIR|delta+s3://BUCKET/PREFIX] [--lock-timeout SECONDS] [--tables json|relational|dlt] [--limit PAGES] [--limit-records N] [--shard I/N] [--delta-keys-per-pass N] [--check] [RESOURCE...]",
            self.0
        )
    }
}

impl std::error::Error for UsageError {}

impl Args {
    /// Parses `args` (without the program name); `default_destination` is used when
    /// `--destination` is absent.
    pub fn parse<I, S>(args: I, default_destination: &str) -> Result<Args, UsageError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = Args {
            base_url: None,
            destination: default_destination.to_string(),
            resources: Vec::new(),
            lock_timeout: None,
            tables: None,
            limit: None,
            limit_records: None,
            check: false,
            shard: None,
            delta_keys_per_pass: None,
        };
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| UsageError(format!("{name} needs a value")))
            };
            match flag.as_str() {
                "--base-url" => out.base_url = Some(value("--base-url")?),
                "--destination" => out.destination = value("--destination")?,
                "--lock-timeout" => {
                    let text = value("--lock-timeout")?;
                    let wait = text
                        .parse::<f64>()
                        .ok()
                        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
                        .ok_or_else(|| {
                            UsageError(format!(
                                "--lock-timeout takes a number of seconds, not `{text}`"
                            ))
                        })?;
                    out.lock_timeout = Some(wait);
                }
                "--tables" => {
                    let text = value("--tables")?;
                    out.tables = Some(TablesMode::from_name(&text).ok_or_else(|| {
                        UsageError(format!(
                            "--tables takes json, relational or dlt, not `{text}`"
                        ))
                    })?);
                }
                "--limit" => {
                    let text = value("--limit")?;
                    let pages = text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        UsageError(format!(
                            "--limit takes a number of pages (1 or more), not `{text}`"
                        ))
                    })?;
                    out.limit = Some(pages);
                }
                "--limit-records" => {
                    let text = value("--limit-records")?;
                    let records = text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        UsageError(format!(
                            "--limit-records takes a number of records (1 or more), not `{text}`"
                        ))
                    })?;
                    out.limit_records = Some(records);
                }
                "--shard" => {
                    let text = value("--shard")?;
                    out.shard = Some(
                        text.parse()
                            .map_err(|e| UsageError(format!("--shard: {e}")))?,
                    );
                }
                "--delta-keys-per-pass" => {
                    let text = value("--delta-keys-per-pass")?;
                    let keys = text
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            UsageError(format!(
                            "--delta-keys-per-pass takes a number of keys (1 or more), not `{text}`"
                        ))
                        })?;
                    out.delta_keys_per_pass = Some(keys);
                }
                "--check" => out.check = true,
                "-h" | "--help" => return Err(UsageError("help".into())),
                f if f.starts_with('-') => return Err(UsageError(format!("unknown option `{f}`"))),
                _ => out.resources.push(arg),
            }
        }
        Ok(out)
    }

    /// Parses the process arguments.
    pub fn from_env(default_destination: &str) -> Result<Args, UsageError> {
        Args::parse(std::env::args().skip(1), default_destination)
    }
}

/// Runs the resources `args` names (every selected one when none) into `args.destination`.
pub async fn run<S: Source>(
    source: &S,
    args: &Args,
) -> Result<LoadReport, Box<dyn std::error::Error>> {
    let destination = Destination::from_url(&args.destination)?;
    let mut options = PipelineOptions::default();
    if let Some(wait) = args.lock_timeout {
        options.lock_timeout = wait;
    }
    options.tables = args.tables;
    options.shard = args.shard;
    if let Some(keys) = args.delta_keys_per_pass {
        options.delta_keys_per_pass = keys;
    }
    options.flatten_ahead = PROGRAM_ALLOCATOR.load(Ordering::Relaxed);
    let pipeline = Pipeline::new(destination).with_options(options);
    Ok(if args.resources.is_empty() {
        pipeline.run(source).await?
    } else {
        let names: Vec<&str> = args.resources.iter().map(String::as_str).collect();
        pipeline.run_only(source, &names).await?
    })
}

/// The extraction options `args` ask for: `--limit` bounds the pages of each resource,
/// `--limit-records` its records.
pub fn extract_options(args: &Args) -> crate::runtime::extract::ExtractOptions {
    crate::runtime::extract::ExtractOptions {
        max_pages: args.limit,
        max_records: args.limit_records,
        ..Default::default()
    }
}

/// `--check`: one request per resource `args` names (every selected one when none; the
/// parents they need are checked too), nothing loaded.
pub async fn check<S: Source>(
    source: &S,
    args: &Args,
) -> Result<crate::runtime::extract::CheckReport, Box<dyn std::error::Error>> {
    let mut handles = Vec::new();
    if args.resources.is_empty() {
        handles = S::resources();
    }
    for name in &args.resources {
        handles.push(S::resource(name).ok_or_else(|| UsageError(format!("no resource `{name}`")))?);
    }
    Ok(source.extractor().check(&handles).await?)
}

/// Prints an error and its causes to stderr and returns the failure exit code; the error
/// texts are the runtime's, which never carry secrets.
pub fn fail(error: &dyn std::error::Error) -> ExitCode {
    eprint!("{}", error_report(error));
    ExitCode::FAILURE
}

/// `error: ...` and one `  caused by: ...` line per cause, each cause once: many errors
/// already write their source into their own text (`"...: {source}"`), so a cause whose text
/// is part of a line already printed adds nothing and is left out (its own causes are still
/// followed).
fn error_report(error: &dyn std::error::Error) -> String {
    let top = error.to_string();
    let mut out = format!("error: {top}\n");
    let mut printed = vec![top];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !printed.iter().any(|p| p.contains(&text)) {
            out.push_str(&format!("  caused by: {text}\n"));
            printed.push(text);
        }
        source = cause.source();
    }
    out
}

/// The log filter when `RUST_LOG` is not set: restsource's progress lines, retries, token
/// refreshes and long rate-limit waits (INFO), and only warnings from everything else.
pub const DEFAULT_LOG_FILTER: &str = "warn,restsource=info,restsource_runtime=info";

/// Sends `tracing` events to stderr, filtered by `RUST_LOG` (for example
/// `RUST_LOG=restsource_runtime=debug`) or else [`DEFAULT_LOG_FILTER`]. Does nothing when the
/// program already installed a subscriber of its own.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Runs a program's main on a fresh multi-threaded tokio runtime (what [`source_main!`]
/// expands to, so users need no tokio dependency of their own).
///
/// [`source_main!`]: crate::source_main
pub fn block_on<F: std::future::Future<Output = ExitCode>>(main: F) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(main),
        Err(e) => fail(&e),
    }
}

/// Set once a `source_main!` program's `main` starts with mimalloc as its allocator (the
/// facade's `mimalloc` feature): [`run`] then flattens records ahead of the writer
/// ([`PipelineOptions::flatten_ahead`]), which glibc's allocator would make slower.
static PROGRAM_ALLOCATOR: AtomicBool = AtomicBool::new(false);

/// Called first by a `source_main!` program's `main`: notes that the program runs on the
/// allocator [`source_main!`] installed (none without the `mimalloc` feature).
#[doc(hidden)]
pub fn started_on_program_allocator() {
    PROGRAM_ALLOCATOR.store(cfg!(feature = "mimalloc"), Ordering::Relaxed);
}

/// The global allocator of a `source_main!` program: mimalloc with the facade's `mimalloc`
/// feature (on by default), which frees blocks allocated by another thread without the
/// lock glibc's allocator takes. Turn the feature off to use a program's own allocator.
#[cfg(feature = "mimalloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __program_allocator {
    () => {
        #[global_allocator]
        static RESTSOURCE_PROGRAM_ALLOCATOR: $crate::program::MiMalloc = $crate::program::MiMalloc;
    };
}

/// Without the `mimalloc` feature a `source_main!` program keeps the default allocator.
#[cfg(not(feature = "mimalloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __program_allocator {
    () => {};
}

#[cfg(feature = "mimalloc")]
#[doc(hidden)]
pub use mimalloc::MiMalloc;

/// The `main` of a program that runs one generated source: parses [`Args`], reads the
/// secrets from the environment, runs the pipeline and prints the report on stdout. Progress
/// (bars on a terminal, otherwise a line per resource every few seconds), retries and token
/// refreshes go to stderr through `tracing`, filtered by `RUST_LOG` (see [`init_logging`]).
///
/// ```ignore
/// restsource::include_source!("specs/inventory.toml");
/// restsource::source_main!(inventory, "sqlite:inventory.db");
/// ```
#[macro_export]
macro_rules! source_main {
    ($source:ident, $default_destination:expr) => {
        $crate::__program_allocator!();

        fn main() -> ::std::process::ExitCode {
            $crate::program::started_on_program_allocator();
            $crate::program::init_logging();
            $crate::program::block_on(async {
                let args = match $crate::program::Args::from_env($default_destination) {
                    Ok(args) => args,
                    Err(e) => return $crate::program::fail(&e),
                };
                let mut source = match $source::Source::from_env() {
                    Ok(source) => source,
                    Err(e) => return $crate::program::fail(&e),
                };
                if let Some(url) = &args.base_url {
                    source = source.with_base_url(url.clone());
                }
                if args.limit.is_some() || args.limit_records.is_some() {
                    source = source.with_options($crate::program::extract_options(&args));
                }
                if args.check {
                    return match $crate::program::check(&source, &args).await {
                        Ok(report) => {
                            println!("{report}");
                            if report.passed() {
                                ::std::process::ExitCode::SUCCESS
                            } else {
                                ::std::process::ExitCode::FAILURE
                            }
                        }
                        Err(e) => $crate::program::fail(e.as_ref()),
                    };
                }
                match $crate::program::run(&source, &args).await {
                    Ok(report) => {
                        println!("{report}");
                        ::std::process::ExitCode::SUCCESS
                    }
                    Err(e) => $crate::program::fail(e.as_ref()),
                }
            })
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_values_and_resources() {
        let args = Args::parse(
            [
                "--base-url",
                "http://127.0.0.1:9",
                "--destination=jsonl:out",
                "--tables",
                "dlt",
                "--limit=2",
                "--limit-records",
                "500",
                "--shard",
                "1/4",
                "--delta-keys-per-pass=1000",
                "--check",
                "items",
                "orders",
            ],
            "sqlite:x.db",
        )
        .unwrap();
        assert_eq!(
            args,
            Args {
                base_url: Some("http://127.0.0.1:9".into()),
                destination: "jsonl:out".into(),
                resources: vec!["items".into(), "orders".into()],
                lock_timeout: None,
                tables: Some(TablesMode::Dlt),
                limit: Some(2),
                limit_records: Some(500),
                check: true,
                shard: Some(crate::runtime::Shard::new(1, 4).unwrap()),
                delta_keys_per_pass: Some(1000),
            }
        );
        let e = Args::parse(["--shard", "4/4"], "sqlite:x.db").unwrap_err();
        assert_eq!(
            e.0,
            "--shard: `4/4` is not a shard: expected I/N with 0 <= I < N, e.g. `0/4` for the first of four"
        );
        assert_eq!(
            Args::parse(Vec::<String>::new(), "sqlite:x.db")
                .unwrap()
                .destination,
            "sqlite:x.db"
        );
    }

    /// An error whose text carries its source, as `#[error("...: {source}")]` writes it.
    #[derive(Debug)]
    struct Wraps(&'static str, Option<Box<Wraps>>);

    impl fmt::Display for Wraps {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match &self.1 {
                Some(inner) if self.0.ends_with(": ") => write!(f, "{}{inner}", self.0),
                _ => f.write_str(self.0.trim_end_matches(": ")),
            }
        }
    }

    impl std::error::Error for Wraps {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static))
        }
    }

    #[test]
    fn each_cause_is_printed_once() {
        // extraction failed: resource: request failed (the last two already in the first),
        // then a cause that is not in the text above it ("connection refused").
        let refused = Wraps("connection refused", None);
        let request = Wraps("error sending request", Some(Box::new(refused)));
        let resource = Wraps("resource `items`: ", Some(Box::new(request)));
        let run = Wraps("extraction failed (load 7): ", Some(Box::new(resource)));
        assert_eq!(
            error_report(&run),
            "error: extraction failed (load 7): resource `items`: error sending request\n  \
             caused by: connection refused\n"
        );
    }

    #[test]
    fn rejects_unknown_flags_and_missing_values() {
        assert_eq!(
            Args::parse(["--bogus"], "d").unwrap_err().0,
            "unknown option `--bogus`"
        );
        assert_eq!(
            Args::parse(["--base-url"], "d").unwrap_err().0,
            "--base-url needs a value"
        );
        assert_eq!(
            Args::parse(["--lock-timeout", "soon"], "d").unwrap_err().0,
            "--lock-timeout takes a number of seconds, not `soon`"
        );
        assert_eq!(
            Args::parse(["--lock-timeout", "1e300"], "d").unwrap_err().0,
            "--lock-timeout takes a number of seconds, not `1e300`"
        );
        assert_eq!(
            Args::parse(["--limit", "0"], "d").unwrap_err().0,
            "--limit takes a number of pages (1 or more), not `0`"
        );
        assert_eq!(
            Args::parse(["--delta-keys-per-pass", "0"], "d")
                .unwrap_err()
                .0,
            "--delta-keys-per-pass takes a number of keys (1 or more), not `0`"
        );
        assert_eq!(
            Args::parse(["--limit-records=500r"], "d").unwrap_err().0,
            "--limit-records takes a number of records (1 or more), not `500r`"
        );
        assert_eq!(
            Args::parse(["--lock-timeout=2.5"], "d")
                .unwrap()
                .lock_timeout,
            Some(std::time::Duration::from_millis(2500))
        );
    }
}
