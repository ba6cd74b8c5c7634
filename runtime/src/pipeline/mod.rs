//! The pipeline runner: extraction into a destination, with state and a report.
//!
//! Extraction and writing run concurrently: events go through a bounded channel to one writer
//! thread per run, so memory is bounded by page size × channel depth, never by data size.
//!
//! A run is one load, all or nothing, except for resources with `checkpoint`: each of those
//! is loaded after the others, in a load of its own, so its intermediate commits never make
//! another resource's partial rows visible.

mod progress;
mod spooled;

pub use progress::PROGRESS_TARGET;
mod report;

pub use crate::load::writer::{checkpoint_of, Checkpoint};
pub use report::{LoadReport, Resumed};

use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::def::{ResourceDef, SchemaContract, TablesMode};
use crate::extract::{ExtractError, ExtractEvent, Extractor, ResourceHandle, StartState};
use crate::load::ahead;
use crate::load::writer::{drive, LoadStatus, Msg, Written};
use crate::load::{Destination, LoadError};
use crate::normalize::{RelationalOptions, SystemColumns};
use crate::shard::{Role, Shard, ShardPlan};
use crate::source::Source;

/// Tuning knobs of a [`Pipeline`].
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Unused since runs became all or nothing (a run commits once, when it completes, so a
    /// failed run changes nothing). Kept so existing option literals still compile.
    pub commit_rows: usize,
    /// Pages buffered between extraction and the writer (default 16).
    pub channel_depth: usize,
    /// Progress bars on a terminal (default on; never shown when stderr is not a terminal).
    /// Without bars, progress is a `tracing` line per resource every `progress_interval`
    /// and one when it is extracted (target `restsource::progress`, level INFO).
    pub progress: bool,
    /// How often a resource's progress line is written when there are no bars (default 5 s).
    pub progress_interval: Duration,
    /// How long a run waits for another run that is loading the same resources (PostgreSQL:
    /// the same resource or table; SQLite and JSON lines: the same database or directory)
    /// before failing with [`LoadError::Locked`] (default 60 s). Long enough to queue behind
    /// a short run or the tail of an overlapping scheduled run, short enough that two runs
    /// stuck behind each other surface as a clear error instead of a silent pile-up.
    pub lock_timeout: Duration,
    /// How records become tables, overriding the source's `tables` (a program's `--tables`):
    /// `Relational` and `Dlt` normalize records into typed root and child tables as dlt makes
    /// them, with the schema kept in the destination (SQLite, PostgreSQL, Delta); `Json` keeps
    /// the declared columns plus the `_rs_extra` JSON column. `None` (the default): the
    /// source's (its spec's `tables`, `relational` when the spec does not say, and always
    /// `json` into JSON lines, which keeps records whole; [`Pipeline::load`] and the other
    /// event-level entry points, which have no source, load `json`).
    pub tables: Option<TablesMode>,
    /// A schema contract for every resource of the run, over each resource's own (dlt's
    /// `pipeline.run(schema_contract=...)`); `None` (the default): each resource's.
    pub schema_contract: Option<SchemaContract>,
    /// Run only this shard's part of the source (`--shard I/N`; see [`crate::shard`]): N
    /// processes with the same source and destination, shard 0 to N-1, together load what
    /// one run loads. A shard extracts into a spool on disk and takes the destination's
    /// locks only to load it. `None` (the default), or a count of 1: all of it.
    pub shard: Option<Shard>,
    /// Flatten the records of relationally loaded resources on a thread of their own, ahead
    /// of the writer thread, which then only places and writes them (default off). On 2
    /// cores it takes about a third off a relational load's wall time, with an allocator that
    /// frees blocks of another thread cheaply (mimalloc, which `source_main!` programs use);
    /// under glibc's allocator the two threads contend for its locks and the load gets
    /// slower, so it is off unless the program's allocator is known. A shard's run loads its
    /// spool after extracting and flattens on the writer thread.
    pub flatten_ahead: bool,
    /// How many of a run's keys a merge into Delta Lake holds in memory at a time (default
    /// [`crate::load::DELTA_KEYS_PER_PASS`], 262,144: about 17 MB). A merge of more keys
    /// reads the run's and the table's key columns once per pass of that many, so its memory
    /// stays bounded however large the run; a larger value takes fewer passes for more
    /// memory (about 60 bytes a key). Other destinations merge inside the database.
    pub delta_keys_per_pass: usize,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            commit_rows: 10_000,
            channel_depth: 16,
            progress: true,
            progress_interval: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(60),
            tables: None,
            schema_contract: None,
            shard: None,
            flatten_ahead: false,
            delta_keys_per_pass: crate::load::DELTA_KEYS_PER_PASS,
        }
    }
}

/// A run failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Extraction failed. The run changed nothing: every table and every incremental state
    /// are as the last completed run left them, also for resources that completed before the
    /// failure (as dlt: a failed extract loads nothing). The load is recorded as failed.
    #[error("extraction failed (load {load_id}): {source}")]
    Extract {
        /// The failed load.
        load_id: String,
        /// What failed (names the resource).
        source: ExtractError,
    },
    /// Extraction of a resource with `checkpoint` failed after it committed checkpoints: its
    /// rows and state up to the last one are kept, and the next run resumes from there.
    /// Resources without `checkpoint` were loaded (and committed) before it.
    #[error("extraction failed (load {load_id}) after {checkpoints} checkpoint(s) of `{resource}`; its rows up to the last checkpoint are kept and the next run resumes from there: {source}")]
    ExtractAfterCheckpoint {
        /// The failed load.
        load_id: String,
        /// The checkpointed resource.
        resource: String,
        /// Checkpoints committed before the failure.
        checkpoints: u64,
        /// What failed (boxed: this variant is rare, the error type stays small).
        source: Box<ExtractError>,
    },
    /// Writing failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A selected resource name is not part of the source.
    #[error("unknown resource `{name}`; the source has: {known}")]
    UnknownResource {
        /// Name asked for.
        name: String,
        /// Names available, comma-separated.
        known: String,
    },
}

/// Runs extraction into a destination.
#[derive(Debug, Clone)]
pub struct Pipeline {
    destination: Destination,
    options: PipelineOptions,
}

/// The handles named in `names`, in source order (an unknown name is an error).
pub fn select(
    handles: &[ResourceHandle],
    names: &[&str],
) -> Result<Vec<ResourceHandle>, PipelineError> {
    for name in names {
        if !handles.iter().any(|h| h.def.name == *name) {
            return Err(PipelineError::UnknownResource {
                name: name.to_string(),
                known: handles
                    .iter()
                    .map(|h| h.def.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(handles
        .iter()
        .filter(|h| names.contains(&h.def.name))
        .copied()
        .collect())
}

struct Session {
    load_id: String,
    /// The resources locked and prepared for this load.
    defs: Vec<&'static ResourceDef>,
    state: StartState,
    tx: mpsc::Sender<Msg>,
    done: oneshot::Receiver<Result<Written, LoadError>>,
    started: Instant,
}

impl Pipeline {
    /// A pipeline loading into `destination` with default options.
    pub fn new(destination: Destination) -> Pipeline {
        Pipeline {
            destination,
            options: PipelineOptions::default(),
        }
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: PipelineOptions) -> Pipeline {
        self.options = options;
        self
    }

    /// Runs every selected resource of `source`: reads the stored incremental state,
    /// extracts from it and loads the result. Resources with `checkpoint` are loaded
    /// afterwards, one load each. The first failure ends the run.
    pub async fn run<S: Source>(&self, source: &S) -> Result<LoadReport, PipelineError> {
        self.run_handles(source.extractor(), &S::resources()).await
    }

    /// As [`Pipeline::run`] for the resources named in `names` (an unknown name is an error
    /// listing the known ones).
    pub async fn run_only<S: Source>(
        &self,
        source: &S,
        names: &[&str],
    ) -> Result<LoadReport, PipelineError> {
        let chosen = select(&S::resources(), names)?;
        self.run_handles(source.extractor(), &chosen).await
    }

    /// As [`Pipeline::run`] for `handles` extracted by `extractor` (the level tests and
    /// hand-built definitions work at).
    pub async fn run_handles(
        &self,
        extractor: &Extractor,
        handles: &[ResourceHandle],
    ) -> Result<LoadReport, PipelineError> {
        let plan = self
            .options
            .shard
            .filter(|s| s.count() > 1)
            .map(|s| ShardPlan::new(s, &handles.iter().map(|h| h.def).collect::<Vec<_>>()));
        let (alone, together): (Vec<ResourceHandle>, Vec<ResourceHandle>) = handles
            .iter()
            .filter(|h| plan.as_ref().is_none_or(|p| p.role(h.def).is_some()))
            .partition(|h| {
                h.def.checkpoint.is_some()
                    && crate::load::writer::loads(h.def)
                    && plan.as_ref().is_none_or(|p| p.loads(h.def))
            });
        let mut alone = alone.into_iter();
        // The first load: the resources loaded together, else the first checkpointed one.
        let first = if together.is_empty() {
            alone.next().map(|h| vec![h]).unwrap_or_default()
        } else {
            together
        };
        // A checkpointed resource commits along the way, so it is never spooled.
        let mut report = self.run_one(extractor, &first, plan.as_ref()).await?;
        for h in alone {
            report.absorb(self.run_one(extractor, &[h], None).await?);
        }
        Ok(report)
    }

    /// One load of `handles`; through a spool, and of its part only, for a shard's `plan`.
    async fn run_one(
        &self,
        extractor: &Extractor,
        handles: &[ResourceHandle],
        plan: Option<&ShardPlan>,
    ) -> Result<LoadReport, PipelineError> {
        let defs: Vec<&'static ResourceDef> = handles
            .iter()
            .map(|h| h.def)
            .filter(|d| plan.is_none_or(|p| p.loads(d)))
            .collect();
        let spool = plan.map(ShardPlan::state_keys);
        let session = self.open(&defs, extractor.def().tables, spool).await?;
        // An extractor's counters live as long as it does; the report covers this run only.
        let before = extractor.stats();
        let mut state = session.state.clone();
        if let Some(plan) = plan {
            // Each resource extracts from the state this shard keeps of it.
            for h in handles {
                let key = plan.state_key(h.def);
                if key != h.def.name {
                    match session.state.get(&key) {
                        Some(v) => state.insert(h.def.name.to_string(), v.clone()),
                        None => state.remove(h.def.name),
                    };
                }
            }
        }
        let budget = self.destination.shared_budget(extractor.def()).await;
        let events = extractor.run_shard(handles, state, plan, budget);
        let mut report = self.feed(session, events, plan).await?;
        let stats = extractor.stats();
        report.pages = report.pages.max(stats.pages.saturating_sub(before.pages));
        report.requests = stats.requests.saturating_sub(before.requests);
        report.retries = stats.retries.saturating_sub(before.retries);
        report.bytes = stats.bytes.saturating_sub(before.bytes);
        Ok(report)
    }

    /// Loads a stream of extraction events (what [`Pipeline::run`] does after starting the
    /// extractor). Tests drive loading with hand-made events this way.
    pub async fn load<S>(&self, events: S) -> Result<LoadReport, PipelineError>
    where
        S: Stream<Item = Result<ExtractEvent, ExtractError>> + Send,
    {
        self.load_with_state(|_| events).await
    }

    /// Reads the stored incremental state, then loads the events `make_events` builds from it
    /// (how [`Pipeline::run`] feeds an extractor; tests use it to emulate incremental APIs).
    pub async fn load_with_state<F, S>(&self, make_events: F) -> Result<LoadReport, PipelineError>
    where
        F: FnOnce(StartState) -> S,
        S: Stream<Item = Result<ExtractEvent, ExtractError>> + Send,
    {
        self.load_resources_with_state(&[], make_events).await
    }

    /// As [`Pipeline::load_with_state`] for events of `resources`, which are locked and
    /// prepared before the state is read, as [`Pipeline::run`] does (without them a
    /// resource's lock is only taken at its first event, after the state was read).
    pub async fn load_resources_with_state<F, S>(
        &self,
        resources: &[&'static ResourceDef],
        make_events: F,
    ) -> Result<LoadReport, PipelineError>
    where
        F: FnOnce(StartState) -> S,
        S: Stream<Item = Result<ExtractEvent, ExtractError>> + Send,
    {
        let session = self.open(resources, TablesMode::Json, None).await?;
        let events = make_events(session.state.clone());
        self.feed(session, events, None).await
    }

    /// Starts the writer: recovery, state, and the tables of `defs` prepared (so a bad schema
    /// fails before anything is extracted).
    /// `source_tables` is the source's tables mode, which the options may override.
    /// With `spool` (the state rows the run extracts from), the writer only reads the state,
    /// keeps the run's messages on disk, and does all of that once extraction is over.
    async fn open(
        &self,
        defs: &[&'static ResourceDef],
        source_tables: TablesMode,
        spool: Option<Vec<String>>,
    ) -> Result<Session, PipelineError> {
        let load_id = new_load_id();
        let (tx, mut rx) = mpsc::channel::<Msg>(self.options.channel_depth.max(1));
        let (state_tx, state_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let destination = self.destination.clone();
        let handle = tokio::runtime::Handle::current();
        let lock_timeout = self.options.lock_timeout;
        let shard = self.options.shard;
        let flatten_ahead = self.options.flatten_ahead;
        let keys_per_pass = self.options.delta_keys_per_pass;
        // JSON lines keeps records whole: a spec's tables mode (relational by default) does
        // not apply to it; only an explicit run option asks, and is refused.
        let whole = self.destination.keeps_records_whole();
        let mode = match self.options.tables {
            Some(mode) => mode,
            None if whole => TablesMode::Json,
            None => source_tables,
        };
        let relational = SystemColumns::of(mode).map(|system| RelationalOptions {
            system,
            contract: self.options.schema_contract,
        });
        let defs: Vec<&'static ResourceDef> = defs
            .iter()
            .copied()
            .filter(|d| crate::load::writer::loads(d))
            .collect();
        let loaded = defs.clone();
        let id = load_id.clone();
        std::thread::Builder::new()
            .name("restsource-writer".into())
            .spawn(move || {
                let mut w =
                    match destination.open(&handle, lock_timeout, relational, shard, keys_per_pass)
                    {
                        Ok(w) => w,
                        Err(e) => {
                            let _ = state_tx.send(Err(e));
                            return;
                        }
                    };
                if let Some(keys) = spool {
                    let spooled = spooled::run(w.as_mut(), &mut rx, &id, defs, &keys, state_tx);
                    // Closed before the run is reported done (see below).
                    drop(w);
                    let _ = done_tx.send(spooled);
                    return;
                }
                let state = match w.begin(&id, chrono::Utc::now(), &defs) {
                    Ok(state) => state,
                    Err(e) => {
                        let _ = state_tx.send(Err(e));
                        return;
                    }
                };
                // With `flatten_ahead`, relational resources are flattened ahead of the writer,
                // on a thread of their own; other messages pass through it unchanged.
                let ready = defs
                    .iter()
                    .try_for_each(|def| w.prepare(def))
                    .and_then(|()| {
                        if flatten_ahead {
                            ahead::messages(rx, w.as_mut())
                        } else {
                            Ok(Box::new(rx))
                        }
                    });
                let mut msgs = match ready {
                    Ok(msgs) => msgs,
                    Err(e) => {
                        let none = Default::default();
                        if let Err(also) = w.fail_run(LoadStatus::Failed, chrono::Utc::now(), &none)
                        {
                            tracing::warn!(error = %also, "could not record the failed load");
                        }
                        let _ = state_tx.send(Err(e));
                        return;
                    }
                };
                let _ = state_tx.send(Ok(state));
                let done = drive(w.as_mut(), msgs.as_mut(), &id, &defs);
                // The destination is closed before the run is reported done: a program may
                // exit as soon as it is, and SQLite moves the run's pages from its WAL into
                // the database file only when its connection closes. Left open, the file
                // alone (copied, or read where the WAL is not) would hold none of the rows.
                drop(msgs);
                drop(w);
                let _ = done_tx.send(done);
            })
            .map_err(|source| LoadError::Io {
                path: "writer thread".into(),
                source,
            })?;
        let state = state_rx.await.map_err(|_| LoadError::WriterGone)??;
        Ok(Session {
            load_id,
            defs: loaded,
            state,
            tx,
            done: done_rx,
            started: Instant::now(),
        })
    }

    async fn feed<S>(
        &self,
        session: Session,
        events: S,
        plan: Option<&ShardPlan>,
    ) -> Result<LoadReport, PipelineError>
    where
        S: Stream<Item = Result<ExtractEvent, ExtractError>> + Send,
    {
        let Session {
            load_id,
            tx,
            done,
            started,
            state,
            defs,
        } = session;
        let mut resumed = Vec::new();
        for def in defs.iter().filter(|d| d.checkpoint.is_some()) {
            let resource = def.name.to_string();
            if let Some(c) = state.get(def.name).and_then(checkpoint_of) {
                tracing::info!(
                    resource = %resource,
                    from_load = %c.load_id,
                    rows = c.rows,
                    "resuming from the checkpoint of a load that did not complete"
                );
                resumed.push(Resumed {
                    resource,
                    from_load: c.load_id,
                    rows: c.rows,
                });
            }
        }
        resumed.sort_by(|a, b| a.resource.cmp(&b.resource));
        // The last checkpointed resource seen: named when its load fails.
        let mut checkpointed: Option<&'static ResourceDef> = None;
        let mut progress = progress::Progress::new(
            self.options.progress,
            self.options.progress_interval,
            &load_id,
        );
        let mut events = std::pin::pin!(events);
        let mut pages = 0u64;
        let mut failure = None;
        while let Some(event) = events.next().await {
            let msg = match event {
                Ok(ExtractEvent::Page { resource, batch }) => {
                    pages += 1;
                    progress.page(resource, batch.len());
                    Msg::Page {
                        def: resource,
                        batch,
                        at: chrono::Utc::now(),
                        flat: None,
                    }
                }
                Ok(ExtractEvent::ResourceDone {
                    resource,
                    incremental,
                }) => {
                    let role = plan.and_then(|p| p.role(resource));
                    let keep = |state: serde_json::Value| Msg::State {
                        key: plan
                            .map_or_else(|| resource.name.to_string(), |p| p.state_key(resource)),
                        state,
                    };
                    match role {
                        None | Some(Role::Own) => {
                            progress.done(resource);
                            Msg::Done {
                                def: resource,
                                state: incremental,
                            }
                        }
                        // The part's state goes to the shard's row, the resource's stays.
                        Some(Role::Part { .. }) => {
                            progress.done(resource);
                            if let Some(state) = incremental {
                                if tx.send(keep(state)).await.is_err() {
                                    break;
                                }
                            }
                            Msg::Done {
                                def: resource,
                                state: None,
                            }
                        }
                        Some(Role::Feed { .. }) => match incremental {
                            Some(state) => keep(state),
                            None => continue,
                        },
                    }
                }
                Ok(ExtractEvent::Checkpoint {
                    resource,
                    incremental,
                }) => {
                    checkpointed = Some(resource);
                    Msg::Checkpoint {
                        def: resource,
                        state: incremental,
                    }
                }
                Ok(ExtractEvent::AuthState { state }) => Msg::AuthState(state),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            if tx.send(msg).await.is_err() {
                // The writer stopped; its error arrives on `done`.
                break;
            }
        }
        let _ = tx
            .send(Msg::Finish {
                failed: failure.is_some(),
            })
            .await;
        drop(tx);
        let written = done.await.map_err(|_| LoadError::WriterGone)??;
        progress.finish();
        if let Some(source) = failure {
            tracing::error!(load_id = %load_id, error = %source, "load failed");
            return Err(match checkpointed {
                Some(def) if written.checkpoints > 0 => PipelineError::ExtractAfterCheckpoint {
                    load_id,
                    resource: def.name.to_string(),
                    checkpoints: written.checkpoints,
                    source: Box::new(source),
                },
                _ => PipelineError::Extract { load_id, source },
            });
        }
        let report = LoadReport {
            load_id,
            status: written.status.unwrap_or(LoadStatus::Failed),
            rows: written.rows,
            pages,
            requests: 0,
            retries: 0,
            bytes: 0,
            duration: started.elapsed(),
            checkpoints: written.checkpoints,
            resumed,
            checkpoint_loads: Vec::new(),
        };
        tracing::info!(load_id = %report.load_id, status = %report.status, pages, "load finished");
        Ok(report)
    }
}

/// A sortable, unique load id: UTC start time plus a random suffix.
fn new_load_id() -> String {
    format!(
        "{}-{:04x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
        rand::random::<u16>()
    )
}
