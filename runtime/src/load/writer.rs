//! The destination-independent half of loading: the messages extraction sends to the writer
//! thread, the [`Writer`] interface each destination implements, and the loop that drives it
//! (registration, completion, the one commit of a completed run, discarding a failed one).
//!
//! A run is all or nothing: every row, every completion and every incremental state of a run
//! become visible together when the run completes, or not at all. A later per-resource
//! checkpoint would commit one resource's rows and state inside the run (see `Writer`).

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
    /// Extraction or loading failed. Nothing of the run is kept: every table and `_rs_state`
    /// are exactly as the last completed run left them, including resources that completed
    /// within the failed run (as dlt, where a failed extract loads nothing). The stored `rows`
    /// count what was written and then discarded.
    Failed,
    /// Found `running` by a later load whose process was gone (killed); nothing of it is kept.
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
/// order: `begin`, `prepare`*, then `register`/`write_page`/`complete` as events arrive, then
/// exactly one of `commit_run` (completed) or `fail_run`.
///
/// Everything between `begin` and `commit_run` belongs to one unit (a database transaction, or
/// pending files for JSON lines) that only `commit_run` makes visible; a killed process leaves
/// none of it. A per-resource checkpoint would be one more call, `checkpoint(def, state)`,
/// that commits the unit so far with that resource's state and opens the next one.
pub(crate) trait Writer: Send {
    /// Takes this run's locks (waiting at most the lock timeout: the tables of `defs`, or the
    /// whole destination where it has no finer lock), marks loads left `running` by dead
    /// processes `aborted`, records `load_id` as running, opens the run's unit and returns the
    /// stored incremental state, read under the locks so no other run can move it meanwhile.
    /// On error nothing of the run is left to clean up.
    fn begin(
        &mut self,
        load_id: &str,
        started_at: DateTime<Utc>,
        defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError>;
    /// Creates or evolves the table of `def` inside the run (locking it first if `begin` did
    /// not); fails before any row on an unsafe type change.
    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError>;
    /// Records that `def` started in this load (and sets up its staging table).
    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError>;
    /// Writes the rows of one page into the run's unit.
    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError>;
    /// Finishes `def` inside the run: replace swap, new state, completion row.
    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError>;
    /// Marks the load completed and commits the whole run at once; releases the locks.
    fn commit_run(
        &mut self,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError>;
    /// Discards the run's unit, then records the load (and its registered resources) as
    /// `status` on its own; releases the locks. Best effort after a broken connection.
    fn fail_run(
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

/// Runs the writer until `Finish` or until the channel closes, then commits the run if it
/// completed and discards it otherwise. An `Err` means the run was discarded too.
pub(crate) fn drive(
    w: &mut dyn Writer,
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
) -> Result<Written, LoadError> {
    let mut out = Written::default();
    let result = write_all(w, rx, &mut out).and_then(|status| {
        if status == LoadStatus::Completed {
            w.commit_run(Utc::now(), &out.rows)?;
        }
        Ok(status)
    });
    let status = match result {
        Ok(LoadStatus::Completed) => LoadStatus::Completed,
        Ok(status) => {
            w.fail_run(status, Utc::now(), &out.rows)?;
            status
        }
        Err(e) => {
            // The error that ended the run is the one to report; failing to record it is logged.
            if let Err(also) = w.fail_run(LoadStatus::Failed, Utc::now(), &out.rows) {
                tracing::warn!(error = %also, "could not record the failed load");
            }
            return Err(e);
        }
    };
    out.status = Some(status);
    Ok(out)
}

/// Feeds every message to the writer; the status the run ends with.
fn write_all(
    w: &mut dyn Writer,
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
    out: &mut Written,
) -> Result<LoadStatus, LoadError> {
    // resource name -> rows so far; present once registered in this load.
    let mut started: HashMap<&'static str, u64> = HashMap::new();
    let mut completed = 0usize;
    // A channel closed without `Finish` means the pipeline went away mid-run.
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
            }
            Msg::Done { def, state } => {
                if !loads(def) {
                    continue;
                }
                let rows = *ensure_started(w, &mut started, def)?;
                out.rows.entry(def.table_name.to_string()).or_default();
                w.complete(def, state.as_ref(), rows)?;
                completed += 1;
            }
            Msg::Finish { failed: f } => {
                failed = f;
                break;
            }
        }
    }
    // A stream that ended without completing a started resource did not load it fully.
    Ok(if failed || completed < started.len() {
        LoadStatus::Failed
    } else {
        LoadStatus::Completed
    })
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
