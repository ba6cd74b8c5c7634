//! The destination-independent half of loading: the messages extraction sends to the writer
//! thread, the [`Writer`] interface each destination implements, and the loop that drives it
//! (registration, commit cadence, completion, failure cleanup).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::LoadError;
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};

/// Final status of a load, as stored in `_rs_loads.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadStatus {
    /// Still running (or crashed while running).
    Running,
    /// Every resource completed.
    Completed,
    /// Extraction or loading failed; completed resources stay committed.
    Failed,
    /// Found running by a later load and cleaned up.
    Aborted,
}

impl LoadStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadStatus::Running => "running",
            LoadStatus::Completed => "completed",
            LoadStatus::Failed => "failed",
            LoadStatus::Aborted => "aborted",
        }
    }
}

impl std::fmt::Display for LoadStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the pipeline sends to the writer thread.
pub(crate) enum Msg {
    /// Rows of one page.
    Page {
        def: &'static ResourceDef,
        batch: Box<dyn RowBatch>,
        at: DateTime<Utc>,
    },
    /// A resource finished with this incremental state.
    Done {
        def: &'static ResourceDef,
        state: Option<serde_json::Value>,
    },
    /// No more events; `failed` when extraction failed.
    Finish { failed: bool },
}

/// One destination's writing primitives. All calls happen on the writer thread, in this
/// order: `begin`, `prepare`*, then `register`/`write_page`/`commit`/`complete` as events
/// arrive, then `finish`.
pub(crate) trait Writer: Send {
    /// Creates the system tables, cleans up loads found running (crashed), records `load_id`
    /// as running and returns the stored incremental state.
    fn begin(&mut self, load_id: &str, started_at: DateTime<Utc>) -> Result<StartState, LoadError>;
    /// Creates or evolves the table of `def`; fails before any row on an unsafe type change.
    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError>;
    /// Records that `def` started in this load (and sets up its staging table).
    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError>;
    /// Writes the rows of one page into the open transaction.
    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError>;
    /// Commits the open transaction, if any.
    fn commit(&mut self) -> Result<(), LoadError>;
    /// Finishes `def` in one transaction with its last rows: replace swap, state, completion.
    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError>;
    /// Drops uncommitted work after an error.
    fn rollback(&mut self);
    /// Records the end of the load; a failed load's incomplete resources are cleaned up.
    fn finish(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError>;
}

/// What the writer loop reports.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    /// Final status.
    pub status: Option<LoadStatus>,
}

/// Runs the writer until `Finish` or until the channel closes.
pub(crate) fn drive(
    w: &mut dyn Writer,
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
    commit_rows: usize,
) -> Result<Written, LoadError> {
    let mut out = Written::default();
    // resource name -> rows so far; present once registered in this load.
    let mut started: HashMap<&'static str, u64> = HashMap::new();
    let mut completed = 0usize;
    let mut pending = 0usize;
    let mut failed = true;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Page { def, batch, at } => {
                if !loads(def) {
                    continue;
                }
                let rows = ensure_started(w, &mut started, def)?;
                w.write_page(def, batch.as_ref(), at)?;
                *rows += batch.len() as u64;
                *out.rows.entry(def.table_name.to_string()).or_default() += batch.len() as u64;
                pending += batch.len();
                if pending >= commit_rows {
                    w.commit()?;
                    pending = 0;
                }
            }
            Msg::Done { def, state } => {
                if !loads(def) {
                    continue;
                }
                let rows = *ensure_started(w, &mut started, def)?;
                out.rows.entry(def.table_name.to_string()).or_default();
                w.complete(def, state.as_ref(), rows)?;
                completed += 1;
                pending = 0;
            }
            Msg::Finish { failed: f } => {
                failed = f;
                break;
            }
        }
    }
    // A stream that ended without completing a started resource did not load it fully.
    let status = if failed || completed < started.len() {
        LoadStatus::Failed
    } else {
        LoadStatus::Completed
    };
    w.commit()?;
    w.finish(status, Utc::now(), &out.rows)?;
    out.status = Some(status);
    Ok(out)
}

/// Whether pages of `def` are written at all (skip and deselected resources are not).
pub(crate) fn loads(def: &ResourceDef) -> bool {
    def.selected && def.write.disposition != crate::def::Disposition::Skip
}

fn ensure_started<'a>(
    w: &mut dyn Writer,
    started: &'a mut HashMap<&'static str, u64>,
    def: &'static ResourceDef,
) -> Result<&'a mut u64, LoadError> {
    if !started.contains_key(def.name) {
        w.prepare(def)?;
        w.register(def)?;
    }
    Ok(started.entry(def.name).or_default())
}
