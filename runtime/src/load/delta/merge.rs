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
//! A stored file is read only if it may hold a key or merge key of the run: a file whose
//! statistics (min and max per column, in the Delta log) hold none of the run's values of
//! some integer or text key column is skipped without a read (see `prune`).
//!
//! **Memory** holds one file's batches at a time and, per key of the run, its 128-bit digest
//! and where its winning row is (about 50 bytes a key, not the key's text: see [`Digests`]),
//! for at most `keys_per_pass` keys at a time: a larger run takes steps 1 and 2 in passes,
//! each over its share of the keys, and keeps what they decide as one bit per row of the
//! files they read; the rewrites of step 2 and 3 follow the last pass (see `passes`).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher as _;
use std::sync::Arc;

use deltalake::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType as ArrowType;
use deltalake::kernel::{Action, Add};
use deltalake::DeltaTable;
use futures::TryStreamExt as _;
use object_store::ObjectStore;

use super::super::LoadError;
use super::dedup::{self, SortValue};
use super::files::{read_file, rewrite, TableFile};
use super::passes::{Pass, RowSet};
use super::prune::{KeyRanges, Kind, Prune};
use super::removed_ids::RemovedIds;
use super::table::delta_err;

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

/// Where a run row is: its file's index among the run's files and its row in that file
/// (`u32`s: a run's key map holds one per key).
type At = (u32, u32);

/// A key's 128-bit digest (see [`Digests`]), as two `u64`s: a `u128` would align the map's
/// entries to 16 bytes and make them a third larger.
pub(super) type Digest = (u64, u64);

/// A key's winning run row and whether it is a hard delete, packed in one `u64` (file in the
/// top 31 bits, row in the next 32, the delete flag in the lowest), so that a map entry is
/// 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Won(u64);

impl Won {
    fn new((file, row): At, delete: bool) -> Self {
        Won((u64::from(file) << 33) | (u64::from(row) << 1) | u64::from(delete))
    }

    fn at(self) -> At {
        ((self.0 >> 33) as u32, (self.0 >> 1) as u32)
    }

    fn delete(self) -> bool {
        self.0 & 1 == 1
    }
}

/// Maps keyed by digests, which are random already: hashing them again only needs to be fast.
type DigestMap<V> = HashMap<Digest, V, foldhash::fast::RandomState>;
pub(super) type DigestSet = HashSet<Digest, foldhash::fast::RandomState>;

/// The 128-bit digests a merge commit keys its maps by, instead of the keys' text: a run of a
/// million keys holds 16 bytes per key, not a `String` (the map took 38.5 MB of the 41 MB peak
/// heap at 300,000 keys with text). The hash is keyed at random per commit, so two distinct
/// keys share a digest with probability about 2^-128 per pair (1e-27 for a million keys),
/// and an API cannot choose keys that collide: it never sees the hash keys.
pub(super) struct Digests {
    keyed: std::collections::hash_map::RandomState,
    /// A fast hash, seeded at random too, that only spreads keys over a merge's passes.
    spread: foldhash::fast::RandomState,
}

impl Digests {
    pub(super) fn new() -> Self {
        Self {
            keyed: std::collections::hash_map::RandomState::new(),
            spread: foldhash::fast::RandomState::default(),
        }
    }

    /// Two 64-bit halves from one keyed hash over two domains, so they are independent.
    pub(super) fn of(&self, key: &str) -> Digest {
        (
            self.keyed.hash_one((0u8, key)),
            self.keyed.hash_one((1u8, key)),
        )
    }

    /// Which pass takes `key` (see `passes`), from a hash far cheaper than its digest, so a
    /// pass digests only its own keys.
    pub(super) fn spread(&self, key: &str) -> u64 {
        self.spread.hash_one(key)
    }
}

/// One pass's outcome of the run's rows by key (see `passes`).
struct RunKeys {
    /// Per key of the pass, the winning row and whether it is a hard delete.
    winners: DigestMap<Won>,
    /// The pass's merge key values of the run: stored rows with one of them are deleted.
    merged: DigestSet,
}

/// What the passes decided, one bit per row of the files they read, for the rewrites after
/// the last pass.
struct Decided {
    /// Per run file: how many rows it holds, and which of them are kept.
    run: Vec<(usize, RowSet)>,
    /// Per stored file holding a row the merge removes (by its index among the table's
    /// files): those rows.
    stored: HashMap<usize, RowSet>,
}

/// A run row's position: a run has fewer than 2^31 files and a file fewer than 2^32 rows
/// (this process wrote them), which [`Won`] relies on.
fn at(table: &str, file: usize, row: usize) -> Result<At, LoadError> {
    match (u32::try_from(file), u32::try_from(row)) {
        (Ok(f), Ok(r)) if f < 1 << 31 => Ok((f, r)),
        _ => Err(err(
            table,
            format!("run file {file} row {row}: more than 2^31 files or 2^32 rows"),
        )),
    }
}

/// The rows a run file holds, from the statistics its `add` carries (0 without them: only
/// a size hint).
fn records_of(add: &Add) -> usize {
    add.stats
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("numRecords")?.as_u64())
        .map_or(0, |n| n as usize)
}

pub(super) fn err(table: &str, what: impl std::fmt::Display) -> LoadError {
    LoadError::Delta {
        table: table.to_string(),
        message: what.to_string(),
    }
}

/// Calls `f` with each row's key of `keys` as text, in row order: `None` when a key part is
/// null or missing, and for every row when there are no key columns. The text is built in
/// one buffer, not a `String` per row: a merge reads every key once per pass.
fn each_key(
    table: &str,
    batch: &RecordBatch,
    keys: &[String],
    mut f: impl FnMut(Option<&str>) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let mut cast_columns: Vec<Option<ArrayRef>> = Vec::with_capacity(keys.len());
    for k in keys {
        cast_columns.push(match batch.column_by_name(k) {
            Some(c) => Some(cast(c, &ArrowType::Utf8).map_err(|e| err(table, e))?),
            None => None,
        });
    }
    let columns: Vec<Option<&StringArray>> = (cast_columns.iter())
        .map(|c| {
            c.as_ref()
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        })
        .collect();
    let mut key = String::new();
    for row in 0..batch.num_rows() {
        key.clear();
        let mut whole = !columns.is_empty();
        for (i, c) in columns.iter().enumerate() {
            let Some(text) = c.filter(|a| !a.is_null(row)).map(|a| a.value(row)) else {
                whole = false;
                break;
            };
            if i > 0 {
                // A separator no key text holds, so ("a|b", "c") and ("a", "b|c") differ.
                key.push('\u{1f}');
            }
            key.push_str(text);
        }
        f(whole.then_some(key.as_str()))?;
    }
    Ok(())
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

/// Step 1 of `pass`: the winner of every key of the pass among the run's files, and the
/// values of the pass's keys per key column. The first pass also counts each run file's rows
/// into `decided` and keeps its rows without a whole key there.
#[allow(clippy::too_many_arguments)]
async fn run_keys(
    table: &str,
    store: &Arc<dyn ObjectStore>,
    run: &[Add],
    spec: &MergeSpec,
    digests: &Digests,
    pass: Pass,
    records: usize,
    decided: &mut Decided,
) -> Result<(RunKeys, Prune), LoadError> {
    let mut columns = spec.keys.clone();
    if let Some((c, _)) = &spec.hard_delete {
        columns.push(c.clone());
    }
    if let Some((c, _)) = &spec.dedup_sort {
        columns.push(c.clone());
    }
    columns.extend(spec.merge_key.iter().cloned());
    let mut merged = DigestSet::default();
    // Sized once for the pass's share of the run's rows (the files' record counts), so the
    // map never grows: a growing map briefly holds its old table beside the new one (104 MB
    // at 1M keys).
    let share = pass.share(records);
    let mut winners: DigestMap<Won> =
        DigestMap::with_capacity_and_hasher(share, Default::default());
    // With `dedup_sort`: each key's surviving row's sort value.
    let mut sorted: DigestMap<Option<SortValue>> = DigestMap::default();
    let mut ranges = KeyRanges::new(spec.keys.len(), share);
    let mut merge_ranges = KeyRanges::new(spec.merge_key.len(), share);
    for (f, add) in run.iter().enumerate() {
        let file = TableFile::added(table, add)?;
        let mut row = 0;
        let mut batches = read_file(table, store, &file, Some(&columns)).await?;
        while let Some(batch) = batches.next().await? {
            let deletes = deletes_of(&batch, &spec.hard_delete);
            let kinds = kinds_of(&batch, &spec.keys);
            let mut sorts = match &spec.dedup_sort {
                Some((c, _)) => dedup::sort_values(table, &batch, c)?,
                None => Vec::new(),
            };
            let merge_kinds = kinds_of(&batch, &spec.merge_key);
            each_key(table, &batch, &spec.merge_key, |k| {
                if let Some(k) = k.filter(|k| pass.takes(digests, k)) {
                    merged.insert(digests.of(k));
                    merge_ranges.note(k, &merge_kinds);
                }
                Ok(())
            })?;
            let mut i = 0;
            each_key(table, &batch, &spec.keys, |key| {
                let delete = deletes.get(i).copied().unwrap_or(false);
                let here = at(table, f, row)?;
                match key {
                    Some(key) if pass.takes(digests, key) => {
                        let digest = digests.of(key);
                        ranges.note(key, &kinds);
                        let won = Won::new(here, delete);
                        match &spec.dedup_sort {
                            _ if spec.insert_only => {
                                winners.entry(digest).or_insert(won);
                            }
                            // A hard delete always takes the key; a row takes it from nothing
                            // or a delete, and from a row only by sorting strictly first.
                            Some((_, descending)) => {
                                let value = sorts.get_mut(i).and_then(Option::take);
                                let keeps = !delete
                                    && winners.get(&digest).is_some_and(|w| !w.delete())
                                    && !dedup::replaces(
                                        value.as_ref(),
                                        sorted.get(&digest).and_then(Option::as_ref),
                                        *descending,
                                    );
                                if !keeps {
                                    winners.insert(digest, won);
                                    sorted.insert(digest, value);
                                }
                            }
                            None => {
                                winners.insert(digest, won);
                            }
                        }
                    }
                    // Another pass's key.
                    Some(_) => {}
                    // A row without a whole key is kept, except a hard delete of a resource
                    // without a primary key (it only deletes by merge key).
                    None => {
                        if pass.is_first() && !(delete && spec.keys.is_empty()) {
                            decided.run[f].1.insert(row);
                        }
                    }
                }
                i += 1;
                row += 1;
                Ok(())
            })?;
        }
        decided.run[f].0 = row;
    }
    let prune = Prune::new(ranges, &spec.keys, merge_ranges, &spec.merge_key);
    Ok((RunKeys { winners, merged }, prune))
}

/// The kind of each of `columns` in `batch`, for pruning by its values.
fn kinds_of(batch: &RecordBatch, columns: &[String]) -> Vec<Kind> {
    (columns.iter())
        .map(|c| Kind::of(batch.column_by_name(c).map(|c| c.data_type())))
        .collect()
}

/// Which rows of `batch` `keep` keeps (given each row's place in its file, counted on in
/// `row`); the row id (`spec.row_ids`) of every row left out joins `removed`.
fn kept_rows(
    name: &str,
    batch: &RecordBatch,
    spec: &MergeSpec,
    row: &mut usize,
    removed: &mut RemovedIds,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<bool>, LoadError> {
    let first = *row;
    *row += batch.num_rows();
    let mask: Vec<bool> = (first..*row).map(keep).collect();
    if let Some(column) = &spec.row_ids {
        let mut kept = mask.iter();
        each_key(name, batch, std::slice::from_ref(column), |id| {
            if let (Some(id), Some(false)) = (id, kept.next()) {
                removed.push(name, id)?;
            }
            Ok(())
        })?;
    }
    Ok(mask)
}

/// Step 2 of `pass`: the rows of the stored `files` the pass's keys remove, into
/// `decided.stored`; for `insert-only`, the pass's keys a stored row already has instead.
async fn stored_hits(
    name: &str,
    store: &Arc<dyn ObjectStore>,
    files: &[deltalake::kernel::LogicalFileView],
    spec: &MergeSpec,
    (digests, keys, prune): (&Digests, &RunKeys, &Prune),
    pass: Pass,
    decided: &mut Decided,
) -> Result<DigestSet, LoadError> {
    let mut taken = DigestSet::default();
    let mut read: Vec<String> = spec.keys.clone();
    read.extend(spec.merge_key.iter().cloned());
    for (i, file) in files.iter().enumerate() {
        if !prune.may_hold(file.stats().as_deref()) {
            continue;
        }
        let stored = TableFile::at(name, file.object_store_path(), file.size())?;
        let (mut row, mut first) = (0, 0);
        let mut batches = read_file(name, store, &stored, Some(&read)).await?;
        while let Some(batch) = batches.next().await? {
            // Rows whose merge key is one of the pass's (none without a merge key).
            let mut by_merge_key = Vec::new();
            if !spec.merge_key.is_empty() {
                by_merge_key.reserve(batch.num_rows());
                each_key(name, &batch, &spec.merge_key, |m| {
                    let m = m.filter(|m| pass.takes(digests, m));
                    by_merge_key.push(m.is_some_and(|m| keys.merged.contains(&digests.of(m))));
                    Ok(())
                })?;
            }
            each_key(name, &batch, &spec.keys, |key| {
                let key = key
                    .filter(|k| pass.takes(digests, k))
                    .map(|k| digests.of(k));
                let by_key = key.filter(|k| keys.winners.contains_key(k));
                match by_key {
                    Some(key) if spec.insert_only => {
                        taken.insert(key);
                    }
                    _ if spec.insert_only => {}
                    Some(_) => decided.stored.entry(i).or_default().insert(row),
                    None if by_merge_key.get(row - first).copied().unwrap_or(false) => {
                        decided.stored.entry(i).or_default().insert(row)
                    }
                    None => {}
                }
                row += 1;
                Ok(())
            })?;
            first = row;
        }
    }
    Ok(taken)
}

/// The actions of merging the run's files `run` into `table`'s current version (`stored`:
/// the table exists and is loaded; else it is about to be created), holding at most
/// `keys_per_pass` of the run's keys at a time (see `passes`): removes of the stored files
/// rewritten, and adds of every file the version gains. With `spec.row_ids`, also the ids of
/// the rows the merge removes.
pub async fn merge_actions(
    table: &DeltaTable,
    stored: bool,
    name: &str,
    run: &[Add],
    spec: &MergeSpec,
    options: &HashMap<String, String>,
    keys_per_pass: usize,
) -> Result<(Vec<Action>, RemovedIds), LoadError> {
    let mut removed = RemovedIds::default();
    let store: Arc<dyn ObjectStore> = table.object_store();
    let files: Vec<_> = if stored {
        table
            .get_active_add_actions_by_partitions(&[])
            .try_collect()
            .await
            .map_err(delta_err(name))?
    } else {
        Vec::new()
    };
    let records: usize = run.iter().map(records_of).sum();
    let digests = Digests::new();
    let mut decided = Decided {
        run: vec![(0, RowSet::default()); run.len()],
        stored: HashMap::new(),
    };
    for pass in Pass::all(records, keys_per_pass) {
        let (keys, prune) = run_keys(
            name,
            &store,
            run,
            spec,
            &digests,
            pass,
            records,
            &mut decided,
        )
        .await?;
        // Step 2: stored rows of the pass's keys and merge keys.
        let taken = stored_hits(
            name,
            &store,
            &files,
            spec,
            (&digests, &keys, &prune),
            pass,
            &mut decided,
        )
        .await?;
        // Step 3's part: the pass's winning run rows.
        for (key, won) in &keys.winners {
            if !won.delete() && !taken.contains(key) {
                let (f, row) = won.at();
                decided.run[f as usize].1.insert(row as usize);
            }
        }
    }

    let mut actions: Vec<Action> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Some(gone) = decided.stored.get(&i) else {
            continue;
        };
        let stored = TableFile::at(name, file.object_store_path(), file.size())?;
        let mut row = 0;
        let whole = read_file(name, &store, &stored, None).await?;
        let adds = rewrite(table, name, whole, options, |batch| {
            kept_rows(name, batch, spec, &mut row, &mut removed, |r| {
                !gone.contains(r)
            })
        })
        .await?;
        actions.push(Action::Remove(file.remove_action(true)));
        actions.extend(adds.into_iter().map(Action::Add));
    }

    // Step 3: the run's files, each kept whole when every row in it won.
    for (add, (rows, kept)) in run.iter().zip(&decided.run) {
        if kept.len() == *rows {
            actions.push(Action::Add(add.clone()));
            continue;
        }
        let file = TableFile::added(name, add)?;
        let mut row = 0;
        let whole = read_file(name, &store, &file, None).await?;
        let adds = rewrite(table, name, whole, options, |batch| {
            kept_rows(name, batch, spec, &mut row, &mut removed, |r| {
                kept.contains(r)
            })
        })
        .await?;
        // The original file stays unreferenced, as a failed run's files do.
        actions.extend(adds.into_iter().map(Action::Add));
    }
    Ok((actions, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_winner_packs_its_place_and_delete_flag() {
        for (at, delete) in [
            ((0, 0), false),
            ((3, 7), true),
            (((1 << 31) - 1, u32::MAX), true),
        ] {
            let won = Won::new(at, delete);
            assert_eq!((won.at(), won.delete()), (at, delete));
        }
        assert_eq!(std::mem::size_of::<(Digest, Won)>(), 24);
    }

    #[test]
    fn digests_tell_keys_apart_as_their_text_does() {
        let d = Digests::new();
        assert_eq!(d.of("42"), d.of("42"));
        assert_ne!(d.of("42"), d.of("43"));
        assert_ne!(d.of("a\u{1f}bc"), d.of("ab\u{1f}c"));
        assert_ne!(d.of(""), d.of("0"));
        // Another commit digests with other hash keys.
        assert_ne!(Digests::new().of("42"), d.of("42"));
    }
}
