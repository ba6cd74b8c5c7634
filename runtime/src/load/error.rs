//! Loading errors. None of them carries a connection string or a row value.

/// Something went wrong writing to a destination.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The destination string has an unknown scheme.
    #[error("unknown destination `{scheme}:...`: use sqlite:<path>, jsonl:<dir>, postgres://..., a libpq key=value string, delta+file:<dir> or delta+s3://<bucket>/<prefix>")]
    UnknownDestination {
        /// The scheme as written.
        scheme: String,
    },
    /// The destination string names no file or directory (`sqlite:`, `sqlite://`, `jsonl:`).
    /// Refused rather than loading into a temporary database whose rows vanish at exit.
    #[error("destination `{scheme}:` names no {what}; write {example}")]
    MissingPath {
        /// The scheme as written (`sqlite`, `jsonl`, `delta+file`, `delta+s3`).
        scheme: &'static str,
        /// What is missing (`database file`, `directory`).
        what: &'static str,
        /// A valid destination string of that scheme.
        example: &'static str,
    },
    /// Another run holds what this run must write and did not release it within the
    /// pipeline's `lock_timeout`. Nothing was written by this run.
    #[error("{what} is being loaded by another run{}; waited {}; raise lock_timeout (PipelineOptions) or wait for that run to finish", holder_suffix(.holder), format_wait(.waited))]
    Locked {
        /// What is locked: ``resource `orders` ``, ``SQLite database `x.db` ``, ...
        what: String,
        /// Load id of the run holding it, when the destination can tell.
        holder: Option<String>,
        /// How long this run waited.
        waited: std::time::Duration,
    },
    /// A spooled run (a shard) found, once it held the locks, that a state it extracted from
    /// had moved: another run of the same resources committed in the meantime. Nothing of
    /// this run was written; running it again extracts from the new state.
    #[error("the stored state `{key}` changed while this run extracted: another run of the same resources (the same shard) loaded first; nothing of this run was written, run it again")]
    StateMoved {
        /// The state row (a resource name, or a shard's row of one).
        key: String,
    },
    /// A run into a lake on object storage could not renew its lease in time and another
    /// run took the lake over. Nothing of this run was committed.
    #[error("{what}: this run's lease lapsed (it could not renew it in time) and another run took the destination over; nothing of this run was committed, run it again")]
    LeaseLost {
        /// The destination.
        what: String,
    },
    /// The destination needs a cargo feature this build lacks.
    #[error("this destination needs restsource's `{feature}` feature")]
    FeatureDisabled {
        /// Feature name.
        feature: &'static str,
    },
    /// A declared column's type differs from the existing column's and cannot be changed
    /// safely. Raised before any row of the resource is written.
    #[error("table `{table}`: column `{column}` has type {old} but the spec declares {new}; migrate or rename the column, restsource will not change a column type")]
    TypeChange {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Type in the database.
        old: String,
        /// Declared type.
        new: String,
    },
    /// The resource's settings cannot be loaded as written.
    #[error("resource `{resource}`: {message}")]
    Config {
        /// Resource.
        resource: String,
        /// What is wrong.
        message: String,
    },
    /// A record that relational normalization refuses (a frozen schema contract, a NULL
    /// primary key, a value that fits no column).
    #[error("resource `{resource}`: {source}")]
    Normalize {
        /// The resource.
        resource: String,
        /// What normalization refused.
        #[source]
        source: crate::normalize::NormalizeError,
    },
    /// SQLite failed.
    #[cfg(feature = "sqlite")]
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[cfg(feature = "postgres")]
    #[error("postgres: {}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A statement of a page sent ahead failed (its error reaches the run when the writer
    /// next waits for the connection, so it names the statement).
    #[cfg(feature = "postgres")]
    #[error("postgres: {} (in `{statement}`)", postgres_message(.source))]
    PostgresIn {
        /// The start of the statement that failed.
        statement: String,
        /// What the server or the client said.
        source: tokio_postgres::Error,
    },
    /// A Delta Lake table or the bookkeeping beside it could not be read or written (the
    /// message comes from delta-rs or object_store, which do not echo credentials).
    #[cfg(feature = "delta")]
    #[error("delta table `{table}`: {message}")]
    Delta {
        /// The table (empty for the destination's root or its bookkeeping).
        table: String,
        /// What failed.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Stored state or a system table holds invalid JSON.
    #[error("invalid JSON in {what}: {source}")]
    Json {
        /// Which value.
        what: String,
        /// Cause.
        source: serde_json::Error,
    },
    /// A value could not be put in PostgreSQL's binary form for its column (text in a
    /// decimal column that is not a number, for one). Nothing of the run is committed.
    #[error("table `{table}`: {message}")]
    Encode {
        /// The table.
        table: String,
        /// What could not be encoded.
        message: String,
    },
    /// The writer thread stopped unexpectedly.
    #[error("the destination writer stopped unexpectedly")]
    WriterGone,
}

/// What the server said (`tokio_postgres::Error` displays a server's error as only `db
/// error`), with its detail and hint when it gave them; else the client's error and its cause.
#[cfg(feature = "postgres")]
fn postgres_message(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        };
    };
    let mut out = format!("{} ({})", db.message(), db.code().code());
    if let Some(detail) = db.detail() {
        out.push_str("; ");
        out.push_str(detail);
    }
    if let Some(hint) = db.hint() {
        out.push_str("; hint: ");
        out.push_str(hint);
    }
    out
}

fn holder_suffix(holder: &Option<String>) -> String {
    holder
        .as_ref()
        .map(|id| format!(" (load {id})"))
        .unwrap_or_default()
}

/// `30 s` for whole seconds, `250 ms` otherwise: the figure as the user configured it.
fn format_wait(d: &std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

impl LoadError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> LoadError {
        LoadError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
