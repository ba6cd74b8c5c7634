//! One Delta table of a run: its rows buffered in Arrow builders and streamed into Parquet
//! files under the table's folder by delta-rs's writer (invisible to readers: no log entry
//! names them yet), and the commit that makes them a table version. Every commit carries a
//! `txn` action (app id [`APP_ID`], or [`app_id`] of the shard, version = the run's sequence
//! number) and the load id in its `commitInfo`, so a commit that already happened is
//! recognised and never repeated.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::datatypes::Schema as ArrowSchema;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, MetadataExt as _, StructField, StructType, Transaction};
use deltalake::operations::create::CreateBuilder;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::writer::{DeltaWriter as _, RecordBatchWriter};
use deltalake::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use futures::TryStreamExt as _;
use url::Url;

use super::super::LoadError;
use super::arrow_rows::{arrow_schema, ArrowRows};
use super::children::{self, ChildOf};
use super::merge::{merge_actions, MergeSpec};
use super::removed_ids;

/// The application id of restsource's `txn` actions in every table it commits to.
pub const APP_ID: &str = "restsource";

/// The `txn` app id of `writer`'s commits (`None`: unsharded runs, [`APP_ID`]). Each shard has
/// its own, so shards appending to one table at once do not conflict on it (delta-rs fails a
/// commit whose app id a concurrent winner also wrote) and each recognises its own commits.
pub fn app_id(writer: Option<&str>) -> String {
    match writer {
        None => APP_ID.to_string(),
        Some(w) => format!("{APP_ID} shard {w}"),
    }
}

/// Tries of one table commit that lost a race to another writer (a table created at once, a
/// schema change beside an append) before the run fails.
const COMMIT_ATTEMPTS: u32 = 8;

/// Rows buffered per table before they are handed to the Parquet writer as one batch.
const BATCH_ROWS: usize = 8192;

/// Rows per Parquet row group, at most. The writer holds a row group's encoded columns in
/// memory until it is complete and streams it out then, so the row group's size bounds a
/// table's memory while a run loads; parquet's default (about a million rows) held a whole
/// run's rows of a table: 137 MB peak at 20,000 records, 204 MB at 300,000.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Encoded bytes per Parquet row group, at most: wide rows reach it long before
/// [`ROW_GROUP_ROWS`].
const ROW_GROUP_BYTES: usize = 8 << 20;

/// A Parquet writer for files under the table at `url` with `schema`: snappy-compressed, as
/// delta-rs writes them, in row groups of at most [`ROW_GROUP_ROWS`] and [`ROW_GROUP_BYTES`].
pub fn parquet_writer(
    table: &str,
    url: &str,
    schema: Arc<ArrowSchema>,
    options: &HashMap<String, String>,
) -> Result<RecordBatchWriter, LoadError> {
    use deltalake::parquet::basic::Compression;
    use deltalake::parquet::file::properties::WriterProperties;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_created_by(format!("restsource {}", env!("CARGO_PKG_VERSION")))
        .build();
    let writer = RecordBatchWriter::try_new(url, schema, None, Some(options.clone()))
        .map_err(delta_err(table))?;
    Ok(writer.with_writer_properties(properties))
}

/// Wraps a delta-rs error with the table it concerns.
pub fn delta_err(table: &str) -> impl Fn(DeltaTableError) -> LoadError + '_ {
    move |e| LoadError::Delta {
        table: table.to_string(),
        message: e.to_string(),
    }
}

/// Opens the table at `url` with its latest version, or `None` when no Delta log is there.
pub async fn open(
    table: &str,
    url: &Url,
    options: &HashMap<String, String>,
) -> Result<Option<DeltaTable>, LoadError> {
    let mut t = DeltaTableBuilder::from_url(url.clone())
        .and_then(|b| b.with_storage_options(options.clone()).build())
        .map_err(delta_err(table))?;
    if !t
        .verify_deltatable_existence()
        .await
        .map_err(delta_err(table))?
    {
        return Ok(None);
    }
    t.load().await.map_err(delta_err(table))?;
    Ok(Some(t))
}

/// Checks that `wanted` can be written into `existing` (the table's current schema): every
/// column both have keeps its type. Returns the schema to commit: the existing one with
/// `wanted`'s new columns appended (nullable, since older rows lack them), or `None` when
/// nothing changes.
pub fn evolve(
    table: &str,
    existing: &StructType,
    wanted: &StructType,
) -> Result<Option<StructType>, LoadError> {
    let mut added: Vec<StructField> = Vec::new();
    for field in wanted.fields() {
        match existing.field(field.name()) {
            Some(old) if old.data_type() != field.data_type() => {
                return Err(LoadError::TypeChange {
                    table: table.to_string(),
                    column: field.name().to_string(),
                    old: old.data_type().to_string(),
                    new: field.data_type().to_string(),
                });
            }
            Some(_) => {}
            None => added.push(StructField::new(
                field.name().clone(),
                field.data_type().clone(),
                true,
            )),
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    let fields = existing.fields().cloned().chain(added);
    StructType::try_new(fields)
        .map(Some)
        .map_err(|e| LoadError::Delta {
            table: table.to_string(),
            message: e.to_string(),
        })
}

/// A table's rows of the current run, on their way into Parquet files.
pub struct TableRun {
    /// The table's name (its folder under the destination root).
    pub name: String,
    /// The table's URL.
    pub url: Url,
    /// The schema the run writes (declared columns plus system columns, or a normalized
    /// table's columns so far).
    pub schema: StructType,
    /// Replace the table's rows at commit instead of appending.
    pub replace: bool,
    /// Merge the run's rows into the table at commit instead of appending.
    pub merge: Option<MergeSpec>,
    /// A merged resource's child table: which root's removed rows it drops.
    pub children_of: Option<ChildOf>,
    rows: ArrowRows,
    /// The open Parquet writer and the schema of its files.
    writer: Option<(Arc<ArrowSchema>, RecordBatchWriter)>,
    /// Files of writers closed because the table gained columns since they were opened.
    closed: Vec<Add>,
    /// A normalized table's JSON columns by index (their values stored as JSON text);
    /// `None` for a `json` table, whose rows the generated code writes.
    json: Option<Vec<bool>>,
    options: HashMap<String, String>,
}

impl TableRun {
    /// A run of table `name` at `url` writing `schema`.
    pub fn new(
        name: &str,
        url: Url,
        schema: StructType,
        (replace, merge): (bool, Option<MergeSpec>),
        options: HashMap<String, String>,
    ) -> Result<TableRun, LoadError> {
        let arrow = arrow_schema(name, &schema)?;
        Ok(TableRun {
            name: name.to_string(),
            url,
            schema,
            replace,
            merge,
            children_of: None,
            rows: ArrowRows::new(name, arrow)?,
            writer: None,
            closed: Vec::new(),
            json: None,
            options,
        })
    }

    /// Where the next row goes; call [`TableRun::row_done`] once [`TableRun::batch_full`].
    pub fn rows(&mut self) -> &mut ArrowRows {
        &mut self.rows
    }

    /// Makes `schema` (this run's schema with columns appended) the one rows are written
    /// with from now on: rows buffered so far get nulls in the new columns, and files
    /// already written keep their narrower schema (Delta reads a column a file lacks as null).
    pub fn widen(&mut self, schema: StructType) -> Result<(), LoadError> {
        let arrow = arrow_schema(&self.name, &schema)?;
        self.rows.widen(arrow)?;
        self.schema = schema;
        Ok(())
    }

    /// Marks this a normalized table whose columns `json` says hold JSON.
    pub fn set_json(&mut self, json: Vec<bool>) {
        self.json = Some(json);
    }

    /// Whether this is a normalized table (its columns come with the data).
    pub fn is_normal(&self) -> bool {
        self.json.is_some()
    }

    /// Buffers one normalized row (cells by column index; see [`ArrowRows::push_cells`]).
    pub fn push_cells(&mut self, cells: &[(usize, serde_json::Value)]) -> Result<(), LoadError> {
        let json = self.json.as_deref().unwrap_or_default();
        self.rows.push_cells(cells, json)
    }

    /// Whether the buffered rows make a whole batch for the Parquet writer.
    pub fn batch_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS
    }

    /// Hands a full batch of buffered rows to the Parquet writer.
    pub async fn row_done(&mut self) -> Result<(), LoadError> {
        if self.rows.len() >= BATCH_ROWS {
            self.write_buffered().await?;
        }
        Ok(())
    }

    async fn write_buffered(&mut self) -> Result<(), LoadError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let batch = self.rows.take_batch()?;
        let arrow = batch.schema();
        if self.writer.as_ref().is_some_and(|(s, _)| *s != arrow) {
            // The table gained columns: the files so far keep the schema they were opened with.
            if let Some((_, mut w)) = self.writer.take() {
                let adds = w.flush().await.map_err(delta_err(&self.name))?;
                self.closed.extend(adds);
            }
        }
        if self.writer.is_none() {
            // Built without loading the table: the files go under its folder whether or not
            // the table exists yet; the commit creates it if needed.
            let w = parquet_writer(&self.name, self.url.as_str(), arrow.clone(), &self.options)?;
            self.writer = Some((arrow, w));
        }
        if let Some((_, w)) = self.writer.as_mut() {
            w.write(batch).await.map_err(delta_err(&self.name))?;
        }
        Ok(())
    }

    /// Writes what is buffered and closes the run's Parquet files: the `add` actions that
    /// will make them part of the table.
    pub async fn finish(&mut self) -> Result<Vec<Add>, LoadError> {
        self.write_buffered().await?;
        let mut adds = std::mem::take(&mut self.closed);
        if let Some((_, mut w)) = self.writer.take() {
            adds.extend(w.flush().await.map_err(delta_err(&self.name))?);
        }
        Ok(adds)
    }
}

/// What one table's commit holds, kept in the pending manifest until it is done.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TableCommit {
    /// Table name.
    pub table: String,
    /// The schema the run wrote.
    pub schema: StructType,
    /// Remove every file the table had (replace) before adding these.
    pub replace: bool,
    /// Merge these files into the table's rows by key (computed on the version committed
    /// onto, see `merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeSpec>,
    /// The run's Parquet files.
    pub adds: Vec<Add>,
    /// A merged resource's child table: its rows (stored and the run's) whose root the root
    /// table's merge removed are dropped (see `children`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_of: Option<ChildOf>,
}

/// The run a table commit belongs to: its writer's `txn` app id, its sequence number and load
/// id, and how many keys its merges hold at a time (see `passes`).
#[derive(Debug, Clone, Copy)]
pub struct RunOf<'a> {
    /// The writer's `txn` app id ([`app_id`]).
    pub app: &'a str,
    /// The run's sequence number of that app.
    pub seq: i64,
    /// The run's load id.
    pub load_id: &'a str,
    /// Keys a merge holds in memory at a time.
    pub keys_per_pass: usize,
}

/// Commits `c` as one table version tagged with `run`'s app, sequence number and load id,
/// creating the table (with the run's files in its first version) when it does not exist.
/// Does nothing when the table already holds a commit of this run or a later one of its app,
/// so a run that died half-way through its commits can be finished by its writer's next run
/// without duplicating rows. A commit that lost a race to another shard's is tried again on
/// the new table version.
pub async fn commit(
    url: &Url,
    options: &HashMap<String, String>,
    c: &TableCommit,
    run: RunOf<'_>,
) -> Result<(), LoadError> {
    let mut attempt = 1;
    loop {
        match commit_once(url, options, c, run).await {
            Ok(Committed::Yes) => return Ok(()),
            Ok(Committed::LostRace(e)) if attempt < COMMIT_ATTEMPTS => {
                tracing::debug!(table = %c.table, attempt, error = %e, "table commit lost a race; trying again");
                attempt += 1;
                let pause = 10 * u64::from(attempt) + rand::random::<u64>() % 40;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            Ok(Committed::LostRace(e)) => return Err(delta_err(&c.table)(e)),
            Err(e) => return Err(e),
        }
    }
}

/// How one try of a table commit ended, when it did not fail outright.
enum Committed {
    /// The version is committed (or was already).
    Yes,
    /// Another writer committed first in a way delta-rs could not rebase onto.
    LostRace(DeltaTableError),
}

/// The actions that add the run's files of `c` to `table` (`stored`: it exists and is
/// loaded): as they are for an append or replace; merged by key (see `merge`), the removed
/// row ids of a relational root stored for its child tables first; or, for a merged
/// resource's child table, without the children of the roots its root's merge removed (see
/// `children`).
async fn run_actions(
    table: &DeltaTable,
    stored: bool,
    url: &Url,
    c: &TableCommit,
    run: RunOf<'_>,
    options: &HashMap<String, String>,
) -> Result<Vec<Action>, LoadError> {
    let name = c.table.as_str();
    let load_id = run.load_id;
    if let Some(spec) = &c.merge {
        let (actions, removed) = merge_actions(
            table,
            stored,
            name,
            &c.adds,
            spec,
            options,
            run.keys_per_pass,
        )
        .await?;
        if spec.row_ids.is_some() {
            // Before the version that removes them: the child tables' commits, now or after
            // a restart, read exactly these.
            let store = table.object_store();
            removed_ids::store_removed(store.as_ref(), name, load_id, removed).await?;
        }
        return Ok(actions);
    }
    if let Some(child) = &c.children_of {
        let root = url
            .join(&format!("../{}/", child.root))
            .map_err(|e| LoadError::Delta {
                table: name.to_string(),
                message: format!("bad root table location: {e}"),
            })?;
        let store =
            deltalake::logstore::store_for(&root, options.iter()).map_err(delta_err(name))?;
        let dead = removed_ids::removed(store.as_ref(), &child.root, load_id).await?;
        return children::child_actions(
            table,
            stored,
            name,
            &c.adds,
            &child.root_id,
            (&child.root, &dead, store.as_ref()),
            options,
            run.keys_per_pass,
        )
        .await;
    }
    Ok(c.adds.iter().cloned().map(Action::Add).collect())
}

async fn commit_once(
    url: &Url,
    options: &HashMap<String, String>,
    c: &TableCommit,
    run: RunOf<'_>,
) -> Result<Committed, LoadError> {
    let name = c.table.as_str();
    let RunOf {
        app, seq, load_id, ..
    } = run;
    let props = CommitProperties::default()
        .with_metadata([(
            "restsource.load_id".to_string(),
            serde_json::Value::from(load_id),
        )])
        .with_application_transaction(Transaction::new(app, seq));
    let Some(table) = open(name, url, options).await? else {
        // Even into a new table a merge drops the run's superseded and deleted rows.
        let t = DeltaTableBuilder::from_url(url.clone())
            .and_then(|b| b.with_storage_options(options.clone()).build())
            .map_err(delta_err(name))?;
        let adds = run_actions(&t, false, url, c, run, options).await?;
        let created = CreateBuilder::new()
            .with_location(url.as_str())
            .with_storage_options(options.clone())
            .with_table_name(name)
            .with_columns(c.schema.fields().cloned())
            .with_save_mode(SaveMode::ErrorIfExists)
            .with_actions(adds)
            .with_commit_properties(props)
            .await;
        return match created {
            Ok(_) => Ok(Committed::Yes),
            // Another shard created the table first: append to it instead.
            Err(e) if open(name, url, options).await?.is_some() => Ok(Committed::LostRace(e)),
            Err(e) => Err(delta_err(name)(e)),
        };
    };
    let snapshot = table.snapshot().map_err(delta_err(name))?;
    let done = snapshot
        .transaction_version(table.log_store().as_ref(), app)
        .await
        .map_err(delta_err(name))?;
    if done.is_some_and(|v| v >= seq) {
        return Ok(Committed::Yes);
    }
    let mut actions: Vec<Action> = Vec::new();
    if let Some(schema) = evolve(name, snapshot.schema().as_ref(), &c.schema)? {
        let metadata = snapshot
            .metadata()
            .clone()
            .with_schema(&schema)
            .map_err(|e| LoadError::Delta {
                table: name.to_string(),
                message: e.to_string(),
            })?;
        actions.push(Action::Metadata(metadata));
    }
    if c.replace {
        let removes: Vec<Action> = table
            .get_active_add_actions_by_partitions(&[])
            .map_ok(|f| Action::Remove(f.remove_action(true)))
            .try_collect()
            .await
            .map_err(delta_err(name))?;
        actions.extend(removes);
    }
    actions.extend(run_actions(&table, true, url, c, run, options).await?);
    if actions.is_empty() {
        // An append of no rows: nothing to make visible.
        return Ok(Committed::Yes);
    }
    let mode = if c.replace {
        SaveMode::Overwrite
    } else {
        SaveMode::Append
    };
    let operation = match &c.merge {
        // A merge read every file: delta-rs refuses it if another writer changed them since.
        Some(spec) => DeltaOperation::Merge {
            predicate: None,
            merge_predicate: Some(format!("primary key ({})", spec.keys.join(", "))),
            matched_predicates: Vec::new(),
            not_matched_predicates: Vec::new(),
            not_matched_by_source_predicates: Vec::new(),
        },
        None => DeltaOperation::Write {
            mode,
            partition_by: None,
            predicate: None,
        },
    };
    let committed = CommitBuilder::from(props)
        .with_actions(actions)
        .build(Some(snapshot), table.log_store(), operation)
        .await;
    match committed {
        Ok(_) => Ok(Committed::Yes),
        Err(
            e @ (DeltaTableError::Transaction { .. } | DeltaTableError::VersionAlreadyExists(_)),
        ) => Ok(Committed::LostRace(e)),
        Err(e) => Err(delta_err(name)(e)),
    }
}
