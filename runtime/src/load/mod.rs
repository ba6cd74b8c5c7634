//! Destinations: SQLite, PostgreSQL, JSON lines, Delta Lake (feature `delta`, module `delta`).
//!
//! Each destination is driven by one `writer::Writer` on a dedicated thread (see
//! `pipeline`). The SQL comes from codegen ([`crate::def::TableSql`]); this module adds the
//! system tables, locking, recovery and the per-row choice of statement (see `mode`).
//!
//! **A run is all or nothing.** Every write of a run (table creation and evolution, rows of
//! every disposition, each resource's completion row in `_rs_load_resources` and its new
//! incremental state in `_rs_state`) happens in one unit that is committed only when the whole
//! run completed: one transaction in SQLite and PostgreSQL, pending files made visible by one
//! atomic rename of `_rs_state.json` for JSON lines. A failed run (extraction error, writer
//! error, the pipeline dropped) is rolled back and then recorded as `failed` on its own, so it
//! leaves every table and cursor exactly as the last good run left them, also for resources
//! that completed before the failure (as dlt, where a failed extract loads nothing). A killed
//! process leaves nothing either: SQLite discards the uncommitted WAL frames, PostgreSQL rolls
//! back, JSON lines cut table files back to their committed length at the next start. The
//! transaction spills to disk (SQLite's WAL, PostgreSQL's heap), so memory stays bounded.
//!
//! **Concurrent runs never touch each other's rows.** PostgreSQL: a session advisory lock per
//! loaded resource and per table, taken in sorted order before the state is read, and one per
//! run that proves it is alive; a load left `running` is marked `aborted` only when its
//! liveness lock is free. SQLite: the run's write transaction (`BEGIN IMMEDIATE`) is the lock.
//! JSON lines: an exclusive lock on `_rs_lock` in the directory. Every wait is bounded by
//! `PipelineOptions::lock_timeout` and ends in [`LoadError::Locked`].

pub(crate) mod ahead;
#[cfg(feature = "delta")]
pub mod delta;
mod error;
mod file_lock;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod json_row;
pub(crate) mod jsonl;
pub(crate) mod mode;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod normal_ahead;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod normal_batch;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod normal_tables;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod normal_typed;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod normal_writer;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "postgres")]
pub(crate) mod postgres_budget;
#[cfg(feature = "postgres")]
mod postgres_copy;
#[cfg(feature = "postgres")]
mod postgres_lock;
#[cfg(feature = "postgres")]
mod postgres_normal;
#[cfg(feature = "postgres")]
mod postgres_page;
#[cfg(feature = "postgres")]
mod postgres_pipeline;
#[cfg(feature = "postgres")]
mod postgres_value;
pub(crate) mod spool;
mod spool_cells;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_bind;
#[cfg(feature = "sqlite")]
mod sqlite_normal;
#[cfg(feature = "sqlite")]
mod sqlite_raw;
pub(crate) mod text;
pub(crate) mod writer;

pub use writer::LoadStatus;

pub use error::LoadError;

/// How many of a run's keys a merge into Delta Lake holds in memory at a time, by default
/// (`PipelineOptions::delta_keys_per_pass`): about 13 MB of winners map and 2 to 4 MB of key
/// values for file skipping, below what the run's Parquet writers take (row groups of up to
/// 8 MiB per table). The SQL destinations merge inside the database.
pub const DELTA_KEYS_PER_PASS: usize = 1 << 18;

use std::path::PathBuf;

/// Where records are loaded.
#[derive(Clone, PartialEq, Eq)]
pub enum Destination {
    /// A SQLite database file (created when missing).
    #[cfg(feature = "sqlite")]
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres {
        /// `postgres://` URL or libpq `key=value` string. May hold a password: never printed.
        conn: String,
        /// Schema the tables live in (created when missing); `None` uses the server default.
        schema: Option<String>,
    },
    /// A directory of `<table>.jsonl` files plus `_rs_state.json`.
    Jsonl(PathBuf),
    /// Delta Lake tables under a local directory or an S3 prefix (`delta+file:`,
    /// `delta+s3://`). S3 credentials come from the environment when the writer opens: they
    /// are not part of this value.
    #[cfg(feature = "delta")]
    Delta(delta::DeltaLocation),
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "sqlite")]
            Destination::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            #[cfg(feature = "postgres")]
            Destination::Postgres { schema, .. } => {
                write!(f, "Postgres {{ conn: ***, schema: {schema:?} }}")
            }
            Destination::Jsonl(p) => write!(f, "Jsonl({})", p.display()),
            #[cfg(feature = "delta")]
            Destination::Delta(location) => write!(f, "Delta({location})"),
        }
    }
}

impl Destination {
    /// Parses `sqlite:path/to.db`, `jsonl:dir`, `postgres://...`/`postgresql://...`, a libpq
    /// `key=value` string (`host=... dbname=...`), `delta+file:dir` or
    /// `delta+s3://bucket/prefix` (the last two with feature `delta`).
    pub fn from_url(url: &str) -> Result<Destination, LoadError> {
        if let Some(rest) = url.strip_prefix("delta+") {
            #[cfg(feature = "delta")]
            if let Some(location) = delta::DeltaLocation::parse(rest) {
                return location.map(Destination::Delta);
            }
            #[cfg(not(feature = "delta"))]
            if rest.starts_with("file:") || rest.starts_with("s3://") {
                return Err(LoadError::FeatureDisabled { feature: "delta" });
            }
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(LoadError::MissingPath {
                    scheme: "sqlite",
                    what: "database file",
                    example: "sqlite:path/to.db (created when missing)",
                });
            }
            #[cfg(feature = "sqlite")]
            return Ok(Destination::Sqlite(PathBuf::from(path)));
            #[cfg(not(feature = "sqlite"))]
            return Err(LoadError::FeatureDisabled { feature: "sqlite" });
        }
        if let Some(path) = url.strip_prefix("jsonl:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(LoadError::MissingPath {
                    scheme: "jsonl",
                    what: "directory",
                    example: "jsonl:path/to/dir (created when missing)",
                });
            }
            return Ok(Destination::Jsonl(PathBuf::from(path)));
        }
        let is_pg =
            url.starts_with("postgres://") || url.starts_with("postgresql://") || url.contains('=');
        if is_pg {
            #[cfg(feature = "postgres")]
            return Ok(Destination::Postgres {
                conn: url.to_string(),
                schema: None,
            });
            #[cfg(not(feature = "postgres"))]
            return Err(LoadError::FeatureDisabled {
                feature: "postgres",
            });
        }
        // Only the scheme is echoed: the rest may hold a password.
        let scheme = url.split(':').next().unwrap_or_default();
        Err(LoadError::UnknownDestination {
            scheme: scheme.chars().take(32).collect(),
        })
    }

    /// Whether this destination stores each record whole (`json` tables: declared columns plus
    /// `_rs_extra`) whatever the spec's tables mode: JSON lines.
    pub(crate) fn keeps_records_whole(&self) -> bool {
        matches!(self, Destination::Jsonl(_))
    }

    /// Puts PostgreSQL tables in `schema` (ignored by other destinations).
    pub fn with_schema(self, schema: impl Into<String>) -> Destination {
        match self {
            #[cfg(feature = "postgres")]
            Destination::Postgres { conn, .. } => Destination::Postgres {
                conn,
                schema: Some(schema.into()),
            },
            other => {
                let _ = schema.into();
                other
            }
        }
    }

    /// Opens a writer for this destination (called on the writer thread). `lock_timeout`
    /// bounds every wait for another run; `relational` normalizes records into typed tables;
    /// `shard` is the part of the source this process runs (a lake keeps each shard's
    /// bookkeeping apart, since nothing locks object storage); a Delta merge holds at most
    /// `keys_per_pass` keys at a time.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "delta")),
        allow(unused_variables)
    )]
    pub(crate) fn open(
        &self,
        handle: &tokio::runtime::Handle,
        lock_timeout: std::time::Duration,
        relational: Option<crate::normalize::RelationalOptions>,
        shard: Option<crate::shard::Shard>,
        keys_per_pass: usize,
    ) -> Result<Box<dyn writer::Writer>, LoadError> {
        #[cfg(not(feature = "delta"))]
        let _ = (shard, keys_per_pass);
        if relational.is_some() && matches!(self, Destination::Jsonl(_)) {
            return Err(LoadError::Config {
                resource: "*".to_string(),
                message: "relational loading needs a database or a lake (SQLite, PostgreSQL \
                          or Delta); JSON lines keeps each record whole"
                    .to_string(),
            });
        }
        match self {
            #[cfg(feature = "sqlite")]
            Destination::Sqlite(path) => Ok(Box::new(sqlite::SqliteWriter::open(
                path,
                lock_timeout,
                relational,
            )?)),
            #[cfg(feature = "postgres")]
            Destination::Postgres { conn, schema } => Ok(Box::new(postgres::PostgresWriter::open(
                handle.clone(),
                conn,
                schema.as_deref(),
                lock_timeout,
                relational,
            )?)),
            Destination::Jsonl(dir) => Ok(Box::new(jsonl::JsonlWriter::open(dir, lock_timeout)?)),
            #[cfg(feature = "delta")]
            Destination::Delta(location) => Ok(Box::new(delta::DeltaWriter::open(
                location,
                handle.clone(),
                lock_timeout,
                relational,
                shard,
                keys_per_pass,
            )?)),
        }
    }
}

impl Destination {
    /// The source's `rate_limit` as a budget every process loading into this destination
    /// shares (PostgreSQL), so shards together stay within it; `None` where the destination
    /// cannot share one or the source has no limit. A budget that cannot be set up is
    /// logged and leaves each process its own.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub(crate) async fn shared_budget(
        &self,
        source: &crate::def::SourceDef,
    ) -> Option<std::sync::Arc<dyn crate::http::SharedBudget>> {
        let limit = source.rate_limit.filter(|l| l.requests_per_second > 0.0)?;
        match self {
            #[cfg(feature = "postgres")]
            Destination::Postgres { conn, schema } => {
                match postgres_budget::PgBudget::connect(
                    conn,
                    schema.as_deref(),
                    source.name,
                    limit,
                )
                .await
                {
                    Ok(b) => Some(std::sync::Arc::new(b)),
                    Err(e) => {
                        tracing::warn!(error = %e, "no shared rate budget: each process spends its own");
                        None
                    }
                }
            }
            _ => None,
        }
    }
}

pub use restsource_core::names::STAGING_PREFIX;

pub use restsource_core::sql::quote_ident;

/// Schema evolution's safety check, shared by the SQL destinations: every declared column that
/// already exists must keep its type (compared as the dialect names it). Run before any
/// `ALTER TABLE`, so a refused change leaves the table as it was.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn check_column_types(
    def: &crate::def::ResourceDef,
    sql: &crate::def::TableSql,
    existing: &std::collections::HashMap<String, String>,
) -> Result<(), LoadError> {
    for (column, new) in sql.column_types {
        if let Some(old) = existing.get(*column) {
            if !old.eq_ignore_ascii_case(new) {
                return Err(LoadError::TypeChange {
                    table: def.table_name.to_string(),
                    column: column.to_string(),
                    old: old.clone(),
                    new: new.to_string(),
                });
            }
        }
    }
    Ok(())
}
