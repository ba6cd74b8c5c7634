//! The destination-independent half of loading: the messages extraction sends to the writer
//! thread, the [`Writer`] interface each destination implements, and the loop that drives it
//! (registration, completion, the one commit of a completed run, discarding a failed one).
//!
//! A run is all or nothing: every row, every completion and every incremental state of a run
//! become visible together when the run completes, or not at all. The one exception is a
//! resource with `checkpoint`, loaded in a run of its own: every N pages its rows so far
//! are committed with the incremental state they reached (marked as a checkpoint, see
//! [`checkpoint_of`]), so a failed run keeps them and the next run resumes from there.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::ahead::{Bin, FlatPage, FlattenPage};
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
        /// The records already flattened ahead of the writer ([`super::ahead`]), when its
        /// resource loads relationally.
        flat: Option<FlatPage>,
    },
    /// A resource finished with this incremental state.
    Done {
        def: &'static ResourceDef,
        state: Option<serde_json::Value>,
    },
    /// Every page of `def` so far was sent; commit them with this incremental state.
    Checkpoint {
        def: &'static ResourceDef,
        state: Option<serde_json::Value>,
    },
    /// The source's auth state changed (a rotated refresh token): store it with the run.
    AuthState(serde_json::Value),
    /// Store `state` as the state row `key` with the run (a shard's partition state).
    State {
        key: String,
        state: serde_json::Value,
    },
    /// No more events; `failed` when extraction failed.
    Finish { failed: bool },
}

/// Key of the checkpoint marker inside a stored incremental state.
const CHECKPOINT_KEY: &str = "checkpoint";

/// Where a stored state came from, when a checkpoint wrote it (not a completed run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The load that committed it and then did not complete.
    pub load_id: String,
    /// Rows of the resource that load committed up to the checkpoint.
    pub rows: u64,
}

/// The checkpoint a stored state was written by, if any. A completed resource stores its
/// state without the marker, so a marked state means the last run of the resource stopped
/// after a checkpoint and the next one resumes from it.
pub fn checkpoint_of(state: &serde_json::Value) -> Option<Checkpoint> {
    let m = state.get(CHECKPOINT_KEY)?;
    Some(Checkpoint {
        load_id: m.get("load_id")?.as_str()?.to_string(),
        rows: m.get("rows")?.as_u64()?,
    })
}

/// `state` with the checkpoint marker; `Incremental::new` reads past the extra key.
fn mark(state: serde_json::Value, load_id: &str, rows: u64) -> serde_json::Value {
    match state {
        serde_json::Value::Object(mut m) => {
            m.insert(
                CHECKPOINT_KEY.into(),
                serde_json::json!({ "load_id": load_id, "rows": rows }),
            );
            serde_json::Value::Object(m)
        }
        // A bare last value (never produced by this version) stays as it is.
        other => other,
    }
}

/// One destination's writing primitives. All calls happen on the writer thread, in this
/// order: `begin`, `prepare`*, then `register`/`write_page`/`complete` as events arrive, then
/// exactly one of `commit_run` (completed) or `fail_run`; `checkpoint` may come between pages
/// of a resource with `checkpoint`, which the pipeline loads in a run of its own.
///
/// Everything between `begin` and `commit_run` belongs to one unit (a database transaction, or
/// pending files for JSON lines) that only `commit_run` makes visible; a killed process leaves
/// none of it. `checkpoint` commits the unit so far and opens the next one.
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
    /// Writes the rows of one page into the run's unit. `flat`: its records as the flattener
    /// this writer gave for `def` ([`Writer::flatten_ahead`]) flattened them ahead; `None`
    /// where they were not.
    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError>;
    /// How the records of each relationally loaded resource are flattened, once every
    /// resource is prepared: what [`super::ahead`] runs on its own thread. From then on the
    /// writer sends what it is done with of those records to `bin`. Empty (the default) where
    /// records are not normalized.
    fn flatten_ahead(&mut self, _bin: &Bin) -> HashMap<&'static str, Box<dyn FlattenPage>> {
        HashMap::new()
    }
    /// Finishes `def` inside the run: replace swap, new state, completion row.
    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError>;
    /// Commits the unit so far with `state` as `def`'s stored incremental state (already
    /// marked as a checkpoint) and `def`'s load-resource row as `checkpoint` with `rows`, then
    /// opens the next unit under the same locks. The load stays `running`; a failure or a kill
    /// after this discards only what came after it, and crash recovery keeps the rows of a
    /// resource marked `checkpoint`.
    fn checkpoint(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError>;
    /// Reads the stored incremental state as it is now, without the run's locks and outside
    /// any unit: what a spooled run extracts from ([`super::spool`]). It reads the state again
    /// under the locks at [`Writer::begin`] and refuses to load if anything it used moved.
    fn read_state(&mut self) -> Result<StartState, LoadError>;
    /// Stores `state` as the state row `key` in the run's unit: a shard's state of one
    /// partition of a resource, or the auth state. Visible with the run's rows or not at all.
    fn save_state(&mut self, key: &str, state: &serde_json::Value) -> Result<(), LoadError>;
    /// Stores the source's auth state in the run's unit, as the state row
    /// [`restsource_core::names::AUTH_STATE`]: it becomes visible with the run's rows or not
    /// at all.
    fn save_auth_state(&mut self, state: &serde_json::Value) -> Result<(), LoadError> {
        self.save_state(restsource_core::names::AUTH_STATE, state)
    }
    /// Stores the auth state on its own after [`Writer::fail_run`] discarded the run: the
    /// token endpoint already retired the refresh token it replaced, so losing the new one
    /// with the run's rows would lock the next run out. The default runs
    /// [`Writer::save_auth_state`] outside any unit (SQL backends commit it by itself).
    fn keep_auth_state(&mut self, state: &serde_json::Value) -> Result<(), LoadError> {
        self.save_auth_state(state)
    }
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
    /// Checkpoints committed.
    pub checkpoints: u64,
    /// The last auth state the run sent, kept even when the run fails.
    pub auth_state: Option<serde_json::Value>,
}

/// Where the writer loop takes its messages from: the pipeline's channel, or a spool file
/// being replayed.
pub(crate) trait Messages {
    /// The next message; `None` when the source is exhausted (a channel closed).
    fn next_msg(&mut self) -> Result<Option<Msg>, LoadError>;

    /// Frees a page's records once written: here, or where freeing them costs the writer
    /// nothing ([`super::ahead`]'s thread; the writer is a run's critical path).
    fn done_with(&mut self, batch: Box<dyn RowBatch>) {
        drop(batch)
    }
}

impl Messages for tokio::sync::mpsc::Receiver<Msg> {
    fn next_msg(&mut self) -> Result<Option<Msg>, LoadError> {
        Ok(self.blocking_recv())
    }
}

/// Runs the writer until `Finish` or until the channel closes, then commits the run if it
/// completed and discards it otherwise. An `Err` means the run was discarded too. `prepared`:
/// the resources the caller prepared after `begin` (any other is prepared at its first
/// message).
pub(crate) fn drive(
    w: &mut dyn Writer,
    msgs: &mut dyn Messages,
    load_id: &str,
    prepared: &[&'static ResourceDef],
) -> Result<Written, LoadError> {
    let mut out = Written::default();
    let result = write_all(w, msgs, &mut out, load_id, prepared).and_then(|status| {
        if status == LoadStatus::Completed {
            w.commit_run(Utc::now(), &out.rows)?;
        }
        Ok(status)
    });
    let keep_auth = |w: &mut dyn Writer, out: &Written| {
        if let Some(state) = &out.auth_state {
            match w.keep_auth_state(state) {
                Ok(()) => tracing::info!("the rotated auth state was kept although the run failed"),
                Err(e) => tracing::warn!(error = %e, "could not keep the rotated auth state"),
            }
        }
    };
    let status = match result {
        Ok(LoadStatus::Completed) => LoadStatus::Completed,
        Ok(status) => {
            w.fail_run(status, Utc::now(), &out.rows)?;
            keep_auth(w, &out);
            status
        }
        Err(e) => {
            // The error that ended the run is the one to report; failing to record it is logged.
            if let Err(also) = w.fail_run(LoadStatus::Failed, Utc::now(), &out.rows) {
                tracing::warn!(error = %also, "could not record the failed load");
            }
            keep_auth(w, &out);
            return Err(e);
        }
    };
    out.status = Some(status);
    Ok(out)
}

/// Feeds every message to the writer; the status the run ends with.
fn write_all(
    w: &mut dyn Writer,
    msgs: &mut dyn Messages,
    out: &mut Written,
    load_id: &str,
    prepared: &[&'static ResourceDef],
) -> Result<LoadStatus, LoadError> {
    // resource name -> rows so far; present once registered in this load.
    let mut started: HashMap<&'static str, u64> = HashMap::new();
    // Preparing a resource again would give it a new writer, without what the first one was
    // given since (its flattener's bin: see `super::ahead`).
    let mut prepared: HashSet<&'static str> = prepared.iter().map(|d| d.name).collect();
    let mut completed = 0usize;
    // A channel closed without `Finish` means the pipeline went away mid-run.
    let mut failed = true;
    while let Some(msg) = msgs.next_msg()? {
        match msg {
            Msg::Page {
                def,
                batch,
                at,
                flat,
            } => {
                if !loads(def) {
                    continue;
                }
                let rows = ensure_started(w, &mut started, &mut prepared, def)?;
                w.write_page(def, batch.as_ref(), flat, at)?;
                *rows += batch.len() as u64;
                *out.rows.entry(def.table_name.to_string()).or_default() += batch.len() as u64;
                msgs.done_with(batch);
            }
            Msg::Done { def, state } => {
                if !loads(def) {
                    continue;
                }
                let rows = *ensure_started(w, &mut started, &mut prepared, def)?;
                out.rows.entry(def.table_name.to_string()).or_default();
                w.complete(def, state.as_ref(), rows)?;
                completed += 1;
            }
            Msg::Checkpoint { def, state } => {
                if !loads(def) {
                    continue;
                }
                let rows = *ensure_started(w, &mut started, &mut prepared, def)?;
                let state = state.map(|s| mark(s, load_id, rows));
                w.checkpoint(def, state.as_ref(), rows)?;
                out.checkpoints += 1;
            }
            Msg::AuthState(state) => {
                w.save_auth_state(&state)?;
                out.auth_state = Some(state);
            }
            Msg::State { key, state } => w.save_state(&key, &state)?,
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
    prepared: &mut HashSet<&'static str>,
    def: &'static ResourceDef,
) -> Result<&'a mut u64, LoadError> {
    if !started.contains_key(def.name) {
        if prepared.insert(def.name) {
            w.prepare(def)?;
        }
        w.register(def)?;
    }
    Ok(started.entry(def.name).or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::def::Disposition;
    use crate::test_defs::resource;

    static A: ResourceDef = resource("a", Disposition::Append, None);
    static B: ResourceDef = resource("b", Disposition::Append, None);

    /// A writer that records the calls it gets.
    #[derive(Default)]
    struct Recording(Vec<String>);

    impl Writer for Recording {
        fn begin(
            &mut self,
            _: &str,
            _: DateTime<Utc>,
            _: &[&'static ResourceDef],
        ) -> Result<StartState, LoadError> {
            self.0.push("begin".into());
            Ok(StartState::new())
        }
        fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
            self.0.push(format!("prepare {}", def.name));
            Ok(())
        }
        fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
            self.0.push(format!("register {}", def.name));
            Ok(())
        }
        fn write_page(
            &mut self,
            def: &'static ResourceDef,
            _: &dyn RowBatch,
            _: Option<FlatPage>,
            _: DateTime<Utc>,
        ) -> Result<(), LoadError> {
            self.0.push(format!("write {}", def.name));
            Ok(())
        }
        fn complete(
            &mut self,
            def: &'static ResourceDef,
            _: Option<&serde_json::Value>,
            rows: u64,
        ) -> Result<(), LoadError> {
            self.0.push(format!("complete {} {rows}", def.name));
            Ok(())
        }
        fn checkpoint(
            &mut self,
            def: &'static ResourceDef,
            _: Option<&serde_json::Value>,
            _: u64,
        ) -> Result<(), LoadError> {
            self.0.push(format!("checkpoint {}", def.name));
            Ok(())
        }
        fn read_state(&mut self) -> Result<StartState, LoadError> {
            Ok(StartState::new())
        }
        fn save_state(&mut self, key: &str, _: &serde_json::Value) -> Result<(), LoadError> {
            self.0.push(format!("state {key}"));
            Ok(())
        }
        fn commit_run(
            &mut self,
            _: DateTime<Utc>,
            _: &BTreeMap<String, u64>,
        ) -> Result<(), LoadError> {
            self.0.push("commit".into());
            Ok(())
        }
        fn fail_run(
            &mut self,
            status: LoadStatus,
            _: DateTime<Utc>,
            _: &BTreeMap<String, u64>,
        ) -> Result<(), LoadError> {
            self.0.push(format!("fail {status}"));
            Ok(())
        }
    }

    /// Messages from a list.
    struct Listed(std::vec::IntoIter<Msg>);

    impl Messages for Listed {
        fn next_msg(&mut self) -> Result<Option<Msg>, LoadError> {
            Ok(self.0.next())
        }
    }

    /// A resource the caller prepared is not prepared again (that would replace its writer,
    /// and what the first one was given since); one it did not is prepared at its first message.
    #[test]
    fn each_resource_is_prepared_once_per_run() {
        let mut w = Recording::default();
        let mut msgs = Listed(
            vec![
                Msg::Done {
                    def: &A,
                    state: None,
                },
                Msg::Done {
                    def: &B,
                    state: None,
                },
                Msg::Finish { failed: false },
            ]
            .into_iter(),
        );
        let written = drive(&mut w, &mut msgs, "L", &[&A]).unwrap();
        assert_eq!(written.status, Some(LoadStatus::Completed));
        assert_eq!(
            w.0,
            [
                "register a",
                "complete a 0",
                "prepare b",
                "register b",
                "complete b 0",
                "commit"
            ]
        );
    }
}
