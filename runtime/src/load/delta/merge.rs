//! Merge into a Delta table without DataFusion: the run's Parquet files are written as for an
//! append, and the table commit computes the merge on the table version it commits onto.
//!
//! **What a merge commit does** (by primary key; `delete-insert` and `upsert` give the same
//! flat table, `insert-only` keeps stored rows):
//! 1. It reads the key columns of the run's files. Of the rows sharing a key, the last one in
//!    the run wins (the first for `insert-only`; for `delete-insert` with a `dedup_sort`
//!    column, the one that column ranks first: see `dedup`), as a run of SQL pages leaves
//!    them. A winning row flagged by the `hard_delete` column deletes its key and is not
//!    inserted. A row with
//!    a null key part matches nothing and is always inserted.
//! 2. It reads the key columns of every file of the table's current version. A file holding
//!    a key of the run (or, with a `merge_key`, a merge key of any of the run's rows) is
//!    rewritten without those rows (`insert-only`: the run's row for that key is dropped
//!    instead), and the old file is removed in the same version. Without a primary key, the
//!    run's rows are all inserted but its hard deletes, which only delete by merge key.
//! 3. A run file holding a row that lost is rewritten with the winners only.
//!
//! The version is committed as a `MERGE` that read the whole table, so delta-rs refuses it if
//! another writer changed the files it read in the meantime; the commit is then computed
//! again on the new version (shards merging into one table at once).
//!
//! A stored file is read only if it may hold a key of the run: a file whose statistics (min
//! and max per column, in the Delta log) hold none of the run's values of some integer key
//! column is skipped without a read (text columns are not used: their statistics may be
//! truncated). Memory holds the run's keys (not its rows) and one file's
//! batches at a time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use deltalake::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch};
use deltalake::arrow::compute::{cast, filter_record_batch};
use deltalake::arrow::datatypes::DataType as ArrowType;
use deltalake::kernel::{Action, Add};
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::writer::DeltaWriter as _;
use deltalake::DeltaTable;
use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _};

use super::super::LoadError;
use super::dedup::{self, SortValue};
use super::table::{delta_err, parquet_writer};

/// How a merge resource's run joins its table, kept with the run's pending commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MergeSpec {
    /// The primary key's columns.
    pub keys: Vec<String>,
    /// The `hard_delete` column, and whether it is a bool (`true` deletes) rather than any
    /// non-null value deleting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_delete: Option<(String, bool)>,
    /// Stored rows win over the run's (`insert-only`).
    #[serde(default)]
    pub insert_only: bool,
    /// The `dedup_sort` column and whether it sorts descending (`delete-insert` only): of the
    /// run's rows of one key, the one it ranks first wins instead of the last (see `dedup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_sort: Option<(String, bool)>,
    /// The merge key's columns (`delete-insert` only): every stored row whose merge key one of
    /// the run's rows has is deleted, as the SQL destinations delete other loads' rows by it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_key: Vec<String>,
    /// A relational root table's row id column: the merge reports the ids of the rows it
    /// removes (stored rows replaced or deleted, run rows that lost), whose child rows the
    /// child tables' commits remove (see `children`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_ids: Option<String>,
}

/// Where a run row is: its file's index among the run's files and its row in that file.
type At = (usize, usize);

/// The outcome of the run's rows by key.
struct RunKeys {
    /// Per key, the winning row and whether it is a hard delete.
    winners: HashMap<String, (At, bool)>,
    /// Per run file, its rows and those of them without a whole key.
    rows: Vec<(usize, usize)>,
    /// The run's merge key values: stored rows with one of them are deleted.
    merged: HashSet<String>,
    /// Rows inserted by no key that are dropped: hard deletes of a resource without a primary
    /// key (they only delete by merge key).
    dropped: HashSet<At>,
}

pub(super) fn err(table: &str, what: impl std::fmt::Display) -> LoadError {
    LoadError::Delta {
        table: table.to_string(),
        message: what.to_string(),
    }
}

/// Reads a Parquet file of the table (`path` relative to its root), only `columns` when given.
pub(super) async fn read_file(
    table: &str,
    store: &dyn ObjectStore,
    path: &Path,
    columns: Option<&[String]>,
) -> Result<Vec<RecordBatch>, LoadError> {
    let bytes = store
        .get(path)
        .await
        .map_err(|e| err(table, format!("{path}: {e}")))?
        .bytes()
        .await
        .map_err(|e| err(table, format!("{path}: {e}")))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(|e| err(table, format!("{path}: {e}")))?;
    if let Some(columns) = columns {
        let schema = builder.parquet_schema();
        // A column the file lacks (added to the table after it was written) reads as null.
        let indices: Vec<usize> = (0..schema.num_columns())
            .filter(|i| columns.iter().any(|c| c == schema.column(*i).name()))
            .collect();
        let mask = deltalake::parquet::arrow::ProjectionMask::leaves(schema, indices);
        builder = builder.with_projection(mask);
    }
    let reader = builder
        .build()
        .map_err(|e| err(table, format!("{path}: {e}")))?;
    reader
        .map(|b| b.map_err(|e| err(table, format!("{path}: {e}"))))
        .collect()
}

/// Each row's key as text (`None` when a key part is null or missing), in row order.
pub(super) fn keys_of(
    table: &str,
    batch: &RecordBatch,
    keys: &[String],
) -> Result<Vec<Option<String>>, LoadError> {
    let mut columns: Vec<Option<ArrayRef>> = Vec::with_capacity(keys.len());
    for k in keys {
        columns.push(match batch.column_by_name(k) {
            Some(c) => Some(cast(c, &ArrowType::Utf8).map_err(|e| err(table, e))?),
            None => None,
        });
    }
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let mut key = String::new();
        let mut whole = true;
        for (i, c) in columns.iter().enumerate() {
            let Some(c) = c else {
                whole = false;
                break;
            };
            let Some(text) = c
                .as_any()
                .downcast_ref::<deltalake::arrow::array::StringArray>()
                .filter(|a| !a.is_null(row))
                .map(|a| a.value(row))
            else {
                whole = false;
                break;
            };
            if i > 0 {
                // A separator no key text holds, so ("a|b", "c") and ("a", "b|c") differ.
                key.push('\u{1f}');
            }
            key.push_str(text);
        }
        out.push(whole.then_some(key));
    }
    Ok(out)
}

/// Whether each row is flagged by the hard-delete column.
fn deletes_of(batch: &RecordBatch, hard_delete: &Option<(String, bool)>) -> Vec<bool> {
    let n = batch.num_rows();
    let Some((column, is_bool)) = hard_delete else {
        return vec![false; n];
    };
    let Some(c) = batch.column_by_name(column) else {
        return vec![false; n];
    };
    match c.as_any().downcast_ref::<BooleanArray>() {
        Some(b) if *is_bool => (0..n).map(|r| !b.is_null(r) && b.value(r)).collect(),
        _ => (0..n).map(|r| !c.is_null(r)).collect(),
    }
}

/// Per key column whose part of every run key is an integer, those integers sorted: what a
/// stored file's statistics can rule out (none when no column qualifies).
fn int_columns(spec: &MergeSpec, keys: &RunKeys) -> Vec<(String, Vec<i64>)> {
    let n = spec.keys.len();
    let mut columns: Vec<Option<Vec<i64>>> = vec![Some(Vec::new()); n];
    for key in keys.winners.keys() {
        let parts: Vec<&str> = key.split('\u{1f}').collect();
        if parts.len() != n {
            return Vec::new();
        }
        for (column, part) in columns.iter_mut().zip(parts) {
            if let Some(values) = column {
                match part.parse() {
                    Ok(v) => values.push(v),
                    Err(_) => *column = None,
                }
            }
        }
    }
    spec.keys
        .iter()
        .zip(columns)
        .filter_map(|(name, values)| {
            let mut values = values?;
            values.sort_unstable();
            Some((name.clone(), values))
        })
        .collect()
}

/// Whether a stored file with statistics `stats` (the Delta log's JSON) may hold a row with
/// one of the run's keys: not when, for some column of `columns`, none of the run's values
/// lies within the file's minimum and maximum of it (a matching row has each of its key's
/// values within them). `true` whenever the statistics cannot tell.
fn may_hold(stats: Option<&str>, columns: &[(String, Vec<i64>)]) -> bool {
    let Some(stats) = stats.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) else {
        return true;
    };
    columns.iter().all(|(column, sorted)| {
        let bound = |which: &str| stats.get(which)?.get(column)?.as_i64();
        let (Some(min), Some(max)) = (bound("minValues"), bound("maxValues")) else {
            return true;
        };
        // The first run value not below the file's minimum, if any, is within its maximum.
        let i = sorted.partition_point(|k| *k < min);
        sorted.get(i).is_some_and(|k| *k <= max)
    })
}

/// Step 1: the winner of every key among the run's files.
async fn run_keys(
    table: &str,
    store: &dyn ObjectStore,
    run: &[Add],
    spec: &MergeSpec,
) -> Result<RunKeys, LoadError> {
    let mut columns = spec.keys.clone();
    if let Some((c, _)) = &spec.hard_delete {
        columns.push(c.clone());
    }
    if let Some((c, _)) = &spec.dedup_sort {
        columns.push(c.clone());
    }
    columns.extend(spec.merge_key.iter().cloned());
    let mut merged: HashSet<String> = HashSet::new();
    let mut dropped: HashSet<At> = HashSet::new();
    let mut winners: HashMap<String, (At, bool)> = HashMap::new();
    // With `dedup_sort`: each key's surviving row's sort value.
    let mut sorted: HashMap<String, Option<SortValue>> = HashMap::new();
    let mut rows = Vec::with_capacity(run.len());
    for (f, add) in run.iter().enumerate() {
        let path = add_path(table, add)?;
        let (mut row, mut keyless) = (0, 0);
        for batch in read_file(table, store, &path, Some(&columns)).await? {
            let deletes = deletes_of(&batch, &spec.hard_delete);
            let mut sorts = match &spec.dedup_sort {
                Some((c, _)) => dedup::sort_values(table, &batch, c)?,
                None => Vec::new(),
            };
            merged.extend(
                keys_or_none(table, &batch, &spec.merge_key)?
                    .into_iter()
                    .flatten(),
            );
            let keys = keys_or_none(table, &batch, &spec.keys)?;
            for (i, (key, delete)) in keys.into_iter().zip(deletes).enumerate() {
                match (key, &spec.dedup_sort) {
                    (Some(key), _) if spec.insert_only => {
                        winners.entry(key).or_insert(((f, row), delete));
                    }
                    // A hard delete always takes the key; a row takes it from nothing or a
                    // delete, and from a row only by sorting strictly first.
                    (Some(key), Some((_, descending))) => {
                        let value = sorts.get_mut(i).and_then(Option::take);
                        let keeps = !delete
                            && matches!(winners.get(&key), Some((_, false)))
                            && !dedup::replaces(
                                value.as_ref(),
                                sorted.get(&key).and_then(Option::as_ref),
                                *descending,
                            );
                        if !keeps {
                            winners.insert(key.clone(), ((f, row), delete));
                            sorted.insert(key, value);
                        }
                    }
                    (Some(key), None) => {
                        winners.insert(key, ((f, row), delete));
                    }
                    (None, _) if delete && spec.keys.is_empty() => {
                        dropped.insert((f, row));
                    }
                    (None, _) => keyless += 1,
                }
                row += 1;
            }
        }
        rows.push((row, keyless));
    }
    Ok(RunKeys {
        winners,
        rows,
        merged,
        dropped,
    })
}

pub(super) fn add_path(table: &str, add: &Add) -> Result<Path, LoadError> {
    Path::from_url_path(&add.path).map_err(|e| err(table, format!("{}: {e}", add.path)))
}

/// Writes `batches` (rows kept by a rewrite) as new files of the table: their `add` actions.
pub(super) async fn write_files(
    table: &DeltaTable,
    name: &str,
    batches: Vec<RecordBatch>,
    options: &HashMap<String, String>,
) -> Result<Vec<Add>, LoadError> {
    let Some(first) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(Vec::new());
    };
    let mut writer = parquet_writer(name, table.table_url().as_str(), first.schema(), options)?;
    for batch in batches.into_iter().filter(|b| b.num_rows() > 0) {
        writer.write(batch).await.map_err(delta_err(name))?;
    }
    writer.flush().await.map_err(delta_err(name))
}

/// Each row's key of `columns` in `batch`, `None` for every row when there are no columns.
fn keys_or_none(
    table: &str,
    batch: &RecordBatch,
    columns: &[String],
) -> Result<Vec<Option<String>>, LoadError> {
    if columns.is_empty() {
        return Ok(vec![None; batch.num_rows()]);
    }
    keys_of(table, batch, columns)
}

/// Reads a whole file and keeps the rows `keep` says (given each row's place, its key and its
/// merge key); the row id (`spec.row_ids`) of every row left out joins `removed`.
async fn filtered(
    name: &str,
    store: &dyn ObjectStore,
    path: &Path,
    mut keep: impl FnMut(usize, &Option<String>, &Option<String>) -> bool,
    spec: &MergeSpec,
    removed: &mut Vec<String>,
) -> Result<Vec<RecordBatch>, LoadError> {
    let mut out = Vec::new();
    let mut row = 0usize;
    for batch in read_file(name, store, path, None).await? {
        let merge_keys = keys_or_none(name, &batch, &spec.merge_key)?;
        let mask: Vec<bool> = keys_or_none(name, &batch, &spec.keys)?
            .iter()
            .zip(&merge_keys)
            .map(|(k, m)| {
                let kept = keep(row, k, m);
                row += 1;
                kept
            })
            .collect();
        if let Some(column) = &spec.row_ids {
            let ids = keys_of(name, &batch, std::slice::from_ref(column))?;
            let gone = ids.into_iter().zip(&mask).filter(|(_, kept)| !**kept);
            removed.extend(gone.filter_map(|(id, _)| id));
        }
        let mask = BooleanArray::from(mask);
        out.push(filter_record_batch(&batch, &mask).map_err(|e| err(name, e))?);
    }
    Ok(out)
}

/// The actions of merging the run's files `run` into `table`'s current version (`stored`:
/// the table exists and is loaded; else it is about to be created): removes of the stored
/// files rewritten, and adds of every file the version gains. With `spec.row_ids`, also the
/// ids of the rows the merge removes.
pub async fn merge_actions(
    table: &DeltaTable,
    stored: bool,
    name: &str,
    run: &[Add],
    spec: &MergeSpec,
    options: &HashMap<String, String>,
) -> Result<(Vec<Action>, Vec<String>), LoadError> {
    let mut removed = Vec::new();
    let store: Arc<dyn ObjectStore> = table.object_store();
    let keys = run_keys(name, store.as_ref(), run, spec).await?;
    let mut actions: Vec<Action> = Vec::new();

    // Step 2: stored files holding a key of the run.
    let files: Vec<_> = if stored {
        table
            .get_active_add_actions_by_partitions(&[])
            .try_collect()
            .await
            .map_err(delta_err(name))?
    } else {
        Vec::new()
    };
    let mut taken: HashSet<String> = HashSet::new();
    // A file outside the run's key range may still hold one of its merge keys.
    let prune = if spec.merge_key.is_empty() {
        int_columns(spec, &keys)
    } else {
        Vec::new()
    };
    let deleted = |k: &Option<String>, m: &Option<String>| {
        k.as_ref().is_some_and(|k| keys.winners.contains_key(k))
            || m.as_ref().is_some_and(|m| keys.merged.contains(m))
    };
    let mut read: Vec<String> = spec.keys.clone();
    read.extend(spec.merge_key.iter().cloned());
    for file in files {
        if !prune.is_empty() && !may_hold(file.stats().as_deref(), &prune) {
            continue;
        }
        let path = file.object_store_path();
        let mut hits = false;
        for batch in read_file(name, store.as_ref(), &path, Some(&read)).await? {
            let merge_keys = keys_or_none(name, &batch, &spec.merge_key)?;
            let row_keys = keys_or_none(name, &batch, &spec.keys)?;
            for (key, merge_key) in row_keys.into_iter().zip(merge_keys) {
                if deleted(&key, &merge_key) {
                    hits = true;
                    if let (true, Some(key)) = (spec.insert_only, key) {
                        taken.insert(key);
                    }
                }
            }
        }
        if !hits || spec.insert_only {
            continue;
        }
        let batches = filtered(
            name,
            store.as_ref(),
            &path,
            |_, k, m| !deleted(k, m),
            spec,
            &mut removed,
        )
        .await?;
        actions.push(Action::Remove(file.remove_action(true)));
        actions.extend(
            write_files(table, name, batches, options)
                .await?
                .into_iter()
                .map(Action::Add),
        );
    }

    // Step 3: the run's files, each kept whole when every row in it won.
    let mut kept = vec![0usize; run.len()];
    for (key, ((f, _), delete)) in &keys.winners {
        if !delete && !taken.contains(key) {
            kept[*f] += 1;
        }
    }
    for (f, add) in run.iter().enumerate() {
        let (rows, keyless) = keys.rows[f];
        if kept[f] + keyless == rows {
            actions.push(Action::Add(add.clone()));
            continue;
        }
        let path = add_path(name, add)?;
        let keep = |row: usize, k: &Option<String>, _: &Option<String>| match k {
            None => !keys.dropped.contains(&(f, row)),
            Some(k) => match keys.winners.get(k) {
                Some((at, delete)) => *at == (f, row) && !delete && !taken.contains(k),
                None => true,
            },
        };
        let batches = filtered(name, store.as_ref(), &path, keep, spec, &mut removed).await?;
        // The original file stays unreferenced, as a failed run's files do.
        actions.extend(
            write_files(table, name, batches, options)
                .await?
                .into_iter()
                .map(Action::Add),
        );
    }
    Ok((actions, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_statistics_rule_out_only_files_without_a_run_key_in_their_range() {
        let stats = r#"{"numRecords":3,"minValues":{"id":10,"k":5,"name":"a"},"maxValues":{"id":20,"k":6,"name":"z"},"nullCount":{"id":0}}"#;
        let ids = |keys: &[i64]| vec![("id".to_string(), keys.to_vec())];
        let may = |keys: &[i64]| may_hold(Some(stats), &ids(keys));
        assert!(may(&[10]));
        assert!(may(&[20]));
        assert!(may(&[1, 15, 99]));
        assert!(!may(&[1, 9, 21, 99]));
        assert!(!may(&[]));
        // A key of two columns: ruled out when either column's values miss the file's range.
        let two = |id: &[i64], k: &[i64]| {
            may_hold(
                Some(stats),
                &[
                    ("id".to_string(), id.to_vec()),
                    ("k".to_string(), k.to_vec()),
                ],
            )
        };
        assert!(two(&[15], &[6]));
        assert!(!two(&[15], &[7]));
        assert!(!two(&[30], &[5]));
        // Whatever the statistics cannot tell is read.
        assert!(may_hold(None, &ids(&[1])));
        assert!(may_hold(Some(stats), &[("name".to_string(), vec![1])]));
        assert!(may_hold(Some(r#"{"numRecords":3}"#), &ids(&[1])));
        assert!(may_hold(Some("not json"), &ids(&[1])));
    }

    #[test]
    fn integer_key_columns_are_pruned_by() {
        let spec = |keys: &[&str]| MergeSpec {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            hard_delete: None,
            insert_only: false,
            dedup_sort: None,
            merge_key: Vec::new(),
            row_ids: None,
        };
        let run = |keys: &[&str]| RunKeys {
            winners: keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.to_string(), ((0, i), false)))
                .collect(),
            rows: vec![(keys.len(), 0)],
            merged: HashSet::new(),
            dropped: HashSet::new(),
        };
        let id = |v: Vec<i64>| ("id".to_string(), v);
        assert_eq!(
            int_columns(&spec(&["id"]), &run(&["3", "1", "2"])),
            vec![id(vec![1, 2, 3])]
        );
        assert_eq!(int_columns(&spec(&["id"]), &run(&["3", "x"])), vec![]);
        // Of a key of two columns, each integer column on its own.
        assert_eq!(
            int_columns(&spec(&["id", "k"]), &run(&["3\u{1f}a", "1\u{1f}b"])),
            vec![id(vec![1, 3])]
        );
        assert_eq!(
            int_columns(&spec(&["id", "k"]), &run(&["3\u{1f}7", "1\u{1f}5"])),
            vec![id(vec![1, 3]), ("k".to_string(), vec![5, 7])]
        );
    }
}
