//! Delta Lake destination (feature `delta`): one Delta table per resource table under a root
//! folder, on a local directory (`delta+file:dir`) or S3-compatible object storage
//! (`delta+s3://bucket/prefix`, settings from the `AWS_*` environment variables), written
//! with delta-rs without DataFusion.
//!
//! **A run commits at its end, tables first and state last.** Rows go through Arrow builders
//! into Parquet files under each table's folder while the run extracts; no Delta log entry
//! names them, so readers do not see them. When the run completes, its list of table commits
//! (the files of each table, and whether it replaces the table) and its new incremental
//! states are stored in `_rs_state.json` as `pending`: that single put is the run's commit
//! point. Then each table gets one version (append: the new files; replace: every old file
//! removed and the new ones added, in one version), each carrying a `txn` action
//! (`restsource`, the run's sequence number) and the load id in `commitInfo`; last,
//! `_rs_state.json` takes the new states and drops `pending`.
//!
//! **What a reader sees if the process dies.** Before the commit point: nothing of the run
//! (its Parquet files stay unreferenced until a `VACUUM`). Between two tables' commits: the
//! tables committed so far hold the run's rows, the others their previous version, and
//! `_rs_state.json` still lists the run as pending. The next run against the destination
//! that no run of that writer can be loading beside (the same shard again, an unsharded run,
//! or any run on a local directory) finishes that list before it reads any state: a table
//! whose log already holds the run's `txn` version is skipped, so no row is appended twice,
//! and the others are committed from the stored list. So the tables converge to exactly what
//! one uninterrupted run leaves.
//!
//! **Dispositions.** Append, replace, and merge by primary key (`delete-insert`, `upsert`,
//! `insert-only`, with `hard_delete`), computed at each table's commit without DataFusion
//! (see `merge`), with a delete-insert's `merge_key` and `dedup_sort` as the SQL
//! destinations have them.
//! Tables follow the run's tables mode as in the SQL destinations: `relational` or `dlt`
//! (the spec's default) gives dlt's root and child tables, each a Delta table (see
//! `normal`); `json` the declared columns plus `_rs_extra`.
//!
//! **Runs at once.** On a local directory a run holds an exclusive lock on `_rs_lock` while it
//! loads (released by the OS if the process dies), so runs load one after another. Object
//! storage has no such lock, and needs none for shards (`--shard I/N`) running at once: each
//! table version is a put-if-absent of its log entry (delta-rs retries an append that lost the
//! race on top of the winner), a table two shards create at once is created by one and appended
//! to by the other, each shard tags its commits with its own `txn` app id
//! (`restsource shard I/N`) and keeps its own sequence number and pending run, and every change
//! of `_rs_state.json` is a conditional put (see `state`). Runs of the same part (two unsharded
//! runs, or two of one shard) are kept apart by a lease in `_rs_state.json` (see `lease`).

mod arrow_rows;
mod children;
mod dedup;
mod files;
mod lease;
mod location;
mod merge;
mod normal;
mod passes;
mod prune;
mod read;
mod removed_ids;
mod state;
mod table;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

pub use location::DeltaLocation;
pub use read::{read_table, TableContents};
pub use state::{Book, LoadRecord, Manifest, Pending, LOADS_FOLDER, STATE_OBJECT};
pub use table::APP_ID;

use super::ahead::{Bin, FlatPage, FlattenPage};
use super::mode::{Mode, Plan};
use super::writer::{LoadStatus, Writer};
use super::{text, LoadError};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};
use crate::normalize::RelationalOptions;
use crate::shard::Shard;
use merge::MergeSpec;
use normal::NormalResource;
use restsource_core::names;
use table::{TableCommit, TableRun};

const LOCK_FILE: &str = "_rs_lock";

/// Writes a run into Delta tables (see the module docs for the commit protocol).
pub(crate) struct DeltaWriter {
    location: DeltaLocation,
    rt: tokio::runtime::Handle,
    lock_timeout: Duration,
    /// How many of a run's keys a merge holds at a time (see `passes`).
    keys_per_pass: usize,
    /// The shard this process runs (`I/N`), `None` unsharded: whose bookkeeping it keeps.
    writer: Option<String>,
    /// Manifest changes are conditional puts (object storage); a local directory is locked.
    conditional: bool,
    root: Url,
    /// The object store settings from the environment; never logged.
    options: HashMap<String, String>,
    store: Arc<dyn object_store::ObjectStore>,
    lock: Option<File>,
    /// The run's lease on a lake on object storage (see `lease`), renewed while it loads.
    lease: Option<lease::Held>,
    manifest: Manifest,
    /// Per resource: its table's schema and whether it replaces, from `prepare`.
    plans: HashMap<&'static str, (deltalake::kernel::StructType, (bool, Option<MergeSpec>))>,
    /// Relational tables for every resource (`None`: `json` tables).
    relational: Option<RelationalOptions>,
    /// Per resource loaded relationally: its normalizer and tables.
    normal: HashMap<&'static str, NormalResource>,
    /// Tables with rows (or a pending replace) in the current unit, by table name.
    tables: BTreeMap<String, TableRun>,
    /// Tables already replaced by a checkpoint of this run: later rows append.
    replaced: std::collections::HashSet<String>,
    /// Incremental states reached in the current unit.
    states: Vec<(String, serde_json::Value)>,
    load_id: String,
    started_at: String,
}

impl std::fmt::Debug for DeltaWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The options hold credentials: only the location is shown.
        write!(f, "DeltaWriter({})", self.location)
    }
}

impl DeltaWriter {
    /// A writer for `location` run by `shard` (if any), whose merges hold at most
    /// `keys_per_pass` keys at a time; S3 settings are read from the environment here.
    pub fn open(
        location: &DeltaLocation,
        rt: tokio::runtime::Handle,
        lock_timeout: Duration,
        relational: Option<RelationalOptions>,
        shard: Option<Shard>,
        keys_per_pass: usize,
    ) -> Result<DeltaWriter, LoadError> {
        if matches!(location, DeltaLocation::S3 { .. }) {
            location::register_s3();
        }
        let root = location.root_url()?;
        let options = location.storage_options();
        let store =
            deltalake::logstore::store_for(&root, options.iter()).map_err(table::delta_err(""))?;
        Ok(DeltaWriter {
            location: location.clone(),
            rt,
            lock_timeout,
            keys_per_pass,
            writer: shard.filter(|s| s.count() > 1).map(|s| s.to_string()),
            conditional: matches!(location, DeltaLocation::S3 { .. }),
            root,
            options,
            store,
            lock: None,
            lease: None,
            manifest: Manifest::default(),
            plans: HashMap::new(),
            relational,
            normal: HashMap::new(),
            tables: BTreeMap::new(),
            replaced: Default::default(),
            states: Vec::new(),
            load_id: String::new(),
            started_at: String::new(),
        })
    }

    fn table_url(&self, table: &str) -> Result<Url, LoadError> {
        self.root
            .join(&format!("{table}/"))
            .map_err(|e| LoadError::Delta {
                table: table.to_string(),
                message: format!("bad table location: {e}"),
            })
    }

    /// Takes the local directory's lock, polling until the lock timeout (object storage has
    /// no lock to take).
    fn take_lock(&mut self) -> Result<(), LoadError> {
        let DeltaLocation::File(dir) = &self.location else {
            return Ok(());
        };
        let what = format!("Delta destination `{}`", self.location);
        let file = super::file_lock::lock_file(&dir.join(LOCK_FILE), &what, self.lock_timeout)?;
        self.lock = Some(file);
        Ok(())
    }

    /// Takes the run's lease on a lake on object storage (a local directory is locked
    /// instead), and keeps renewing it until the run ends.
    async fn take_lease(&mut self) -> Result<(), LoadError> {
        if !self.conditional {
            return Ok(());
        }
        let what = format!("Delta destination `{}`", self.location);
        self.manifest = lease::take(
            self.store.as_ref(),
            self.writer.as_deref(),
            &self.load_id,
            &what,
            self.lock_timeout,
        )
        .await?;
        self.lease = Some(lease::Held::renewing(
            &self.rt,
            self.store.clone(),
            self.writer.clone(),
            self.load_id.clone(),
        ));
        Ok(())
    }

    /// Lets other runs in: the directory lock, or the lease given back.
    async fn release(&mut self) {
        self.lock = None;
        if let Some(held) = self.lease.take() {
            held.release().await;
        }
    }

    /// Reads the manifest and finishes every run that reached its commit point but not the
    /// end of its table commits, and that no run can be applying now: this writer's own, and
    /// on object storage those of every writer this run's lease keeps out (an unsharded run
    /// finishes any shard's, so a shard that is never run again leaves no table short; a
    /// shard leaves the other shards of its split theirs, since they may be loading). A local
    /// directory's lock keeps every other run out, so there every pending run is finished.
    async fn recover(&mut self) -> Result<(), LoadError> {
        self.manifest = state::read(self.store.as_ref()).await?;
        let mine = self.writer.clone();
        for (writer, pending) in self.manifest.pending_runs() {
            let finish = writer == mine
                || !self.conditional
                || lease::excludes(mine.as_deref(), writer.as_deref());
            if !finish {
                continue;
            }
            tracing::info!(
                load_id = %pending.load_id,
                writer = writer.as_deref().unwrap_or("unsharded"),
                "finishing the table commits of a run that stopped after its commit point"
            );
            self.apply(writer.as_deref(), pending).await?;
        }
        Ok(())
    }

    /// Applies a stored pending run of `writer` (`None`: an unsharded run's): every table
    /// commit, then the state.
    async fn apply(&mut self, writer: Option<&str>, pending: Pending) -> Result<(), LoadError> {
        let app = table::app_id(writer);
        for c in &pending.tables {
            let url = self.table_url(&c.table)?;
            let run = table::RunOf {
                app: &app,
                seq: pending.seq,
                load_id: &pending.load_id,
                keys_per_pass: self.keys_per_pass,
            };
            table::commit(&url, &self.options, c, run).await?;
            if take_injected_stop(&self.location, &c.table) {
                return Err(LoadError::Delta {
                    table: c.table.clone(),
                    message: "stopped after this table's commit (injected by a test)".into(),
                });
            }
        }
        self.manifest = state::update(self.store.as_ref(), self.conditional, |m| {
            m.applied(writer, &pending)
        })
        .await?;
        for c in pending
            .tables
            .iter()
            .filter(|c| c.merge.as_ref().is_some_and(|m| m.row_ids.is_some()))
        {
            let url = self.table_url(&c.table)?;
            if let Ok(store) = deltalake::logstore::store_for(&url, self.options.iter()) {
                removed_ids::forget_removed(store.as_ref(), &pending.load_id).await;
            }
        }
        match &pending.record {
            Some(record) => state::log_load(self.store.as_ref(), record).await,
            None => Ok(()),
        }
    }

    /// Closes the unit's Parquet files, stores the pending run (the commit point) and applies
    /// it; `record` is the load's completion record when this unit ends the run.
    async fn commit_unit(&mut self, record: Option<LoadRecord>) -> Result<(), LoadError> {
        // A merge that removes a stored root removes its child rows, also from the child
        // tables this unit brought no rows.
        let mut merged: Vec<(&'static ResourceDef, usize)> = Vec::new();
        for n in self.normal.values().filter(|n| n.merges()) {
            let tables = n.schema.tables();
            let root_run = tables
                .iter()
                .any(|t| t.parent.is_none() && self.tables.contains_key(&t.name));
            if root_run {
                let children = (0..tables.len()).filter(|i| tables[*i].parent.is_some());
                merged.extend(children.map(|i| (n.def(), i)));
            }
        }
        for (def, index) in merged {
            normal_run(self, def, index)?;
        }
        // A normalized table's columns came with the data: a column another run gave another
        // type fails here, before the commit point, not in a commit that could never apply.
        for (name, run) in &self.tables {
            if !run.is_normal() {
                continue;
            }
            let url = self.table_url(name)?;
            if let Some(t) = table::open(name, &url, &self.options).await? {
                let current = t.snapshot().map_err(table::delta_err(name))?;
                table::evolve(name, current.schema().as_ref(), &run.schema)?;
            }
        }
        let mut tables = Vec::with_capacity(self.tables.len());
        for (name, mut run) in std::mem::take(&mut self.tables) {
            let adds = run.finish().await?;
            if run.replace {
                self.replaced.insert(name.clone());
            }
            tables.push(TableCommit {
                table: name,
                schema: run.schema.clone(),
                replace: run.replace,
                merge: run.merge.clone(),
                adds,
                children_of: run.children_of.clone(),
            });
        }
        // dlt's load row is the last table to show the run, as dlt writes it last.
        if let Some(i) = tables
            .iter()
            .position(|c| c.table == names::DLT_LOADS_TABLE)
        {
            let loads = tables.remove(i);
            tables.push(loads);
        }
        let mut pending = Pending {
            load_id: self.load_id.clone(),
            seq: 0,
            tables,
            state: std::mem::take(&mut self.states).into_iter().collect(),
            schemas: self
                .normal
                .iter()
                .map(|(name, n)| (name.to_string(), n.schema.to_json()))
                .collect(),
            record,
        };
        let writer = self.writer.clone();
        let (conditional, load_id) = (self.conditional, self.load_id.clone());
        let mut lost = false;
        self.manifest = state::update(self.store.as_ref(), self.conditional, |m| {
            // In the same conditional put as the commit point: a run whose lease another run
            // took over commits nothing.
            lost = conditional && !lease::holds(m, writer.as_deref(), &load_id);
            if !lost {
                pending.seq = m.seq_of(writer.as_deref()) + 1;
                m.set_pending(writer.as_deref(), Some(pending.clone()));
            }
        })
        .await?;
        if lost {
            return Err(LoadError::LeaseLost {
                what: format!("Delta destination `{}`", self.location),
            });
        }
        // The commit point passed: from here the run is finished, by this process or the
        // next run of the same writer (or one whose lease keeps this writer out).
        self.apply(writer.as_deref(), pending).await
    }

    /// With dlt's names, the run's row of dlt's `_dlt_loads` table (status 0: loaded),
    /// committed with the run's last unit so a dataset dbt models read for dlt has it.
    fn dlt_loads_row(&mut self, finished_at: DateTime<Utc>) -> Result<(), LoadError> {
        use deltalake::kernel::{DataType as D, StructField};
        if !self
            .relational
            .is_some_and(|r| r.system == crate::normalize::SystemColumns::DLT)
        {
            return Ok(());
        }
        let name = names::DLT_LOADS_TABLE;
        let schema = deltalake::kernel::StructType::try_new([
            StructField::new("load_id", D::STRING, false),
            StructField::new("schema_name", D::STRING, true),
            StructField::new("status", D::LONG, false),
            StructField::new("inserted_at", D::TIMESTAMP, false),
            StructField::new("schema_version_hash", D::STRING, true),
        ])
        .map_err(|e| LoadError::Delta {
            table: name.to_string(),
            message: e.to_string(),
        })?;
        let url = self.table_url(name)?;
        let mut run = TableRun::new(name, url, schema, (false, None), self.options.clone())?;
        run.set_json(vec![false; 5]);
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        run.push_cells(&[
            (0, serde_json::Value::from(self.load_id.as_str())),
            (2, serde_json::Value::from(0)),
            (3, serde_json::Value::from(at)),
        ])?;
        self.tables.insert(name.to_string(), run);
        Ok(())
    }

    fn log_load(
        &self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        let record = LoadRecord::new(&self.load_id, &self.started_at, finished_at, status, rows);
        self.rt
            .block_on(state::log_load(self.store.as_ref(), &record))
    }

    /// The run of `def`'s table in the current unit, started when missing.
    fn table_run(&mut self, def: &'static ResourceDef) -> Result<&mut TableRun, LoadError> {
        let name = def.table_name;
        if !self.tables.contains_key(name) {
            let (schema, (replace, merge)) =
                self.plans
                    .get(def.name)
                    .cloned()
                    .ok_or_else(|| LoadError::Delta {
                        table: name.to_string(),
                        message: "written before it was prepared".to_string(),
                    })?;
            // After a checkpoint replaced the table, the rest of the run appends to it.
            let replace = replace && !self.replaced.contains(name);
            let url = self.table_url(name)?;
            let run = TableRun::new(name, url, schema, (replace, merge), self.options.clone())?;
            self.tables.insert(name.to_string(), run);
        }
        self.tables.get_mut(name).ok_or(LoadError::WriterGone)
    }
}

/// The run of table `index` of relational resource `n` in the current unit, started when
/// missing (`how`: the resource's plan; only the root table merges), and as wide as the table.
fn normal_run<'a>(
    w: &'a mut DeltaWriter,
    def: &'static ResourceDef,
    index: usize,
) -> Result<&'a mut TableRun, LoadError> {
    let n = w.normal.get(def.name).ok_or(LoadError::WriterGone)?;
    let t = n.schema.table_at(index);
    let name = t.name.as_str();
    if !w.tables.contains_key(name) {
        let (_, (replace, merge)) = w.plans.get(def.name).ok_or_else(|| LoadError::Delta {
            table: name.to_string(),
            message: "written before it was prepared".to_string(),
        })?;
        let replace = *replace && !w.replaced.contains(name);
        let merge = merge.clone().filter(|_| t.parent.is_none());
        let children_of = n.child_of(index);
        let url = w.table_url(name)?;
        let mut run = TableRun::new(
            name,
            url,
            n.delta_schema(index)?,
            (replace, merge),
            w.options.clone(),
        )?;
        run.set_json(NormalResource::json_columns(t));
        run.children_of = children_of;
        w.tables.insert(name.to_string(), run);
    }
    let run = w.tables.get_mut(name).ok_or(LoadError::WriterGone)?;
    if run.rows().width() < t.columns().len() {
        run.widen(n.delta_schema(index)?)?;
        run.set_json(NormalResource::json_columns(t));
    }
    Ok(run)
}

/// Stops planted by [`stop_after_commit`]: (destination, table).
static STOPS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// Makes the next commit of a run into `location` stop right after table `table`'s version is
/// committed, as if the process died there: the run's pending list stays in `_rs_state.json`
/// and the remaining tables keep their previous version until the next run finishes them.
/// For crash-convergence tests; a stop fires once.
#[doc(hidden)]
pub fn stop_after_commit(location: &DeltaLocation, table: &str) {
    if let Ok(mut stops) = STOPS.lock() {
        stops.push((location.to_string(), table.to_string()));
    }
}

fn take_injected_stop(location: &DeltaLocation, table: &str) -> bool {
    let Ok(mut stops) = STOPS.lock() else {
        return false;
    };
    let key = (location.to_string(), table.to_string());
    match stops.iter().position(|s| *s == key) {
        Some(i) => {
            stops.remove(i);
            true
        }
        None => false,
    }
}

/// How `def`'s rows join its table: whether they replace it, and how they merge into it
/// (see `merge`); a resource whose plan is invalid fails here, before any row.
fn disposition(def: &ResourceDef) -> Result<(bool, Option<MergeSpec>), LoadError> {
    let plan = Plan::of(def)?;
    match plan.mode {
        Mode::Append => Ok((false, None)),
        Mode::Replace => Ok((true, None)),
        Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly => {
            // As in the SQL destinations, only delete-insert deletes by a merge key and
            // deduplicates by a sort column.
            let merge_key = match plan.mode {
                Mode::DeleteInsert => def.merge_key.iter().map(|k| k.to_string()).collect(),
                _ => Vec::new(),
            };
            let dedup_sort = def
                .columns
                .iter()
                .find_map(|c| Some((c.sql_name.to_string(), c.dedup_sort?)))
                .filter(|_| plan.mode == Mode::DeleteInsert)
                .map(|(c, order)| (c, order == crate::def::SortOrder::Desc));
            let hard_delete = plan.hard_delete.and_then(|i| def.columns.get(i)).map(|c| {
                (
                    c.sql_name.to_string(),
                    c.data_type == crate::def::DataType::Bool,
                )
            });
            Ok((
                false,
                Some(MergeSpec {
                    keys: def.primary_key.iter().map(|k| k.to_string()).collect(),
                    hard_delete,
                    insert_only: plan.mode == Mode::InsertOnly,
                    dedup_sort,
                    merge_key,
                    row_ids: None,
                }),
            ))
        }
    }
}

impl Writer for DeltaWriter {
    fn begin(
        &mut self,
        load_id: &str,
        started_at: DateTime<Utc>,
        defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        text::timestamp(&mut self.started_at, &started_at);
        // Refused before the lock and any I/O: nothing of the run exists yet.
        for def in defs {
            disposition(def)?;
        }
        self.take_lock()?;
        let rt = self.rt.clone();
        if let Err(e) = rt.block_on(self.take_lease()) {
            self.lock = None;
            return Err(e);
        }
        if let Err(e) = rt.block_on(self.recover()) {
            rt.block_on(self.release());
            return Err(e);
        }
        Ok(self.manifest.states().into_iter().collect())
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let how = disposition(def)?;
        if let Some(options) = self.relational {
            let stored = self.manifest.schema_of(def.name);
            let n = NormalResource::prepare(def, Plan::of(def)?.mode, options, stored.as_ref())?;
            let how = (how.0, n.merge_spec(how.1));
            let none = deltalake::kernel::StructType::try_new(Vec::new()).map_err(|e| {
                LoadError::Delta {
                    table: def.table_name.to_string(),
                    message: e.to_string(),
                }
            })?;
            self.normal.insert(def.name, n);
            self.plans.insert(def.name, (none, how));
            return Ok(());
        }
        let schema = arrow_rows::delta_schema(def)?;
        // A type change fails here, before any row; new columns are added at commit.
        let url = self.table_url(def.table_name)?;
        let existing = self
            .rt
            .block_on(table::open(def.table_name, &url, &self.options))?;
        if let Some(t) = existing {
            let current = t.snapshot().map_err(table::delta_err(def.table_name))?;
            table::evolve(def.table_name, current.schema().as_ref(), &schema)?;
        }
        self.plans.insert(def.name, (schema, how));
        Ok(())
    }

    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let replace = self
            .plans
            .get(def.name)
            .is_some_and(|(_, (replace, _))| *replace);
        if replace && self.normal.contains_key(def.name) {
            // Every table of the resource is replaced, also those this run brings no rows.
            let count = self
                .normal
                .get(def.name)
                .map_or(0, |n| n.schema.tables().len());
            for index in 0..count {
                normal_run(self, def, index)?;
            }
            return Ok(());
        }
        if replace {
            // An empty completed replace empties the table: it needs a commit too.
            self.table_run(def)?;
        }
        Ok(())
    }

    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError> {
        let micros = at.timestamp_micros();
        let load_id = self.load_id.clone();
        let rt = self.rt.clone();
        if let Some(n) = self.normal.get_mut(def.name) {
            let rows = n.rows(batch, flat, &load_id)?;
            for row in &rows {
                let run = normal_run(self, def, row.table)?;
                run.push_cells(&row.cells)?;
                if run.batch_full() {
                    rt.block_on(run.row_done())?;
                }
            }
            if let Some(n) = self.normal.get(def.name) {
                n.discard(rows);
            }
            return Ok(());
        }
        let run = self.table_run(def)?;
        for i in 0..batch.len() {
            run.rows()
                .push_row(|w| batch.write_row(i, w), &load_id, micros)?;
            // The writer is entered only when a batch is full, not once per row.
            if run.batch_full() {
                rt.block_on(run.row_done())?;
            }
        }
        Ok(())
    }

    fn flatten_ahead(&mut self, bin: &Bin) -> HashMap<&'static str, Box<dyn FlattenPage>> {
        self.normal
            .iter_mut()
            .map(|(name, n)| (*name, n.flatten_ahead(bin.clone())))
            .collect()
    }

    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        _rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.states.push((def.name.to_string(), state.clone()));
        }
        Ok(())
    }

    fn checkpoint(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        _rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.states.push((def.name.to_string(), state.clone()));
        }
        let rt = self.rt.clone();
        rt.block_on(self.commit_unit(None))
    }

    fn read_state(&mut self) -> Result<StartState, LoadError> {
        // One get of an object replaced by single puts: a whole manifest, no lock needed. A
        // run past its commit point counts as committed, so its states are included.
        let rt = self.rt.clone();
        let manifest = rt.block_on(state::read(self.store.as_ref()))?;
        Ok(manifest.states().into_iter().collect())
    }

    fn save_state(&mut self, key: &str, state: &serde_json::Value) -> Result<(), LoadError> {
        self.states.push((key.to_string(), state.clone()));
        Ok(())
    }

    fn keep_auth_state(&mut self, state: &serde_json::Value) -> Result<(), LoadError> {
        // Called after the run let go of its lock. A local directory has no conditional put,
        // so the read and the put of the manifest happen under the lock, as a run's do: else
        // this put could drop another shard's commit list or states stored in between.
        let locked_here = self.lock.is_none() && !self.conditional;
        if locked_here {
            self.take_lock()?;
        }
        let rt = self.rt.clone();
        let key = restsource_core::names::AUTH_STATE;
        let result = rt.block_on(state::update(self.store.as_ref(), self.conditional, |m| {
            m.state.insert(key.to_string(), state.clone());
        }));
        if locked_here {
            self.lock = None;
        }
        result.map(|_| ())
    }

    fn commit_run(
        &mut self,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        let record = LoadRecord::new(
            &self.load_id,
            &self.started_at,
            finished_at,
            LoadStatus::Completed,
            rows,
        );
        let rt = self.rt.clone();
        let result = match self.dlt_loads_row(finished_at) {
            Ok(()) => rt.block_on(self.commit_unit(Some(record))),
            Err(e) => Err(e),
        };
        rt.block_on(self.release());
        result
    }

    fn fail_run(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        // The unit's Parquet files stay unreferenced: no log entry will name them.
        self.tables.clear();
        self.states.clear();
        if self
            .manifest
            .pending_of(self.writer.as_deref())
            .is_some_and(|p| p.load_id == self.load_id)
        {
            // Past its commit point the run is committed: the next run finishes its table
            // commits and stores its `completed` record; a `failed` one now would contradict it.
            let rt = self.rt.clone();
            rt.block_on(self.release());
            return Ok(());
        }
        let result = self.log_load(status, finished_at, rows);
        let rt = self.rt.clone();
        rt.block_on(self.release());
        result
    }
}

/// Reads a destination's `_rs_state.json` and load records (for tests and tools that check
/// a lake's bookkeeping without running a pipeline).
pub async fn read_bookkeeping(
    location: &DeltaLocation,
) -> Result<(Manifest, Vec<LoadRecord>), LoadError> {
    if matches!(location, DeltaLocation::S3 { .. }) {
        location::register_s3();
    }
    let root = location.root_url()?;
    let options = location.storage_options();
    let store =
        deltalake::logstore::store_for(&root, options.iter()).map_err(table::delta_err(""))?;
    let manifest = state::read(store.as_ref()).await?;
    let loads = state::loads(store.as_ref()).await?;
    Ok((manifest, loads))
}
