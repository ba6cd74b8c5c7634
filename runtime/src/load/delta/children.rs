//! A merge's child tables: when a merge removes root rows (a stored record replaced or
//! deleted, a run record that lost to a later one of its key or to a stored one), their
//! child rows go too, as dlt's delete-insert removes them by `_dlt_root_id`.
//!
//! The root table's commit comes first (tables commit in name order, and `items` sorts
//! before `items__tags`). Its merge gives the row ids it removed; before committing its
//! version it stores them beside the table (`<root>/_rs_dead/<load id>.json`, a folder Delta
//! readers and `VACUUM` leave alone), so a run that stopped between the two commits is
//! finished by the next one with the same ids. Each child table's commit then drops every
//! row, stored or of the run, whose root id is among them: a stored file holding one is
//! rewritten without it and removed in the same version. Root ids are random, so file
//! statistics cannot rule a file out: every stored file's root id column is read.

use std::collections::HashMap;

use deltalake::arrow::array::RecordBatch;
use deltalake::kernel::{Action, Add};
use deltalake::DeltaTable;
use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

use super::super::LoadError;
use super::files::{read_file, rewrite, TableFile};
use super::merge::{err, keys_of, DigestSet, Digests};
use super::table::delta_err;

/// A child table of a merged resource: which root table's removed rows it follows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChildOf {
    /// The root table's name.
    pub root: String,
    /// This table's root id column (`_rs_root_id`, `_dlt_root_id`).
    pub root_id: String,
}

/// Where a root table's merge keeps the ids it removed, relative to the table's folder.
fn dead_path(load_id: &str) -> Path {
    Path::from(format!("_rs_dead/{load_id}.json"))
}

/// The row ids a root table's merge removes, kept as the JSON array its child tables' commits
/// read (about an id's length each, not a `String` per id: 38 MB at a million).
#[derive(Debug, Default)]
pub struct RemovedIds {
    json: Vec<u8>,
}

impl RemovedIds {
    /// Adds one removed row's id.
    pub fn push(&mut self, name: &str, id: &str) -> Result<(), LoadError> {
        self.json
            .push(if self.json.is_empty() { b'[' } else { b',' });
        serde_json::to_writer(&mut self.json, id).map_err(|e| err(name, e))
    }

    fn into_json(mut self) -> Vec<u8> {
        if self.json.is_empty() {
            self.json.push(b'[');
        }
        self.json.push(b']');
        self.json
    }
}

/// Stores the row ids a merge of run `load_id` removed from `table`.
pub async fn store_removed(
    table: &DeltaTable,
    name: &str,
    load_id: &str,
    ids: RemovedIds,
) -> Result<(), LoadError> {
    table
        .object_store()
        .put(&dead_path(load_id), PutPayload::from(ids.into_json()))
        .await
        .map_err(|e| err(name, format!("{}: {e}", dead_path(load_id))))?;
    Ok(())
}

/// The root rows a merge removed, as digests of their ids (16 bytes each, not the ids' text;
/// see `merge::Digests`).
pub struct DeadRoots {
    digests: Digests,
    ids: DigestSet,
}

impl DeadRoots {
    /// Whether the merge removed no root row.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the root row of `id` was removed.
    fn contains(&self, id: &str) -> bool {
        self.ids.contains(&self.digests.of(id))
    }
}

/// The row ids run `load_id`'s merge removed from the root table in `store` (the root's
/// folder); none when its merge removed nothing or stored nothing.
pub async fn removed(
    store: &dyn ObjectStore,
    root: &str,
    load_id: &str,
) -> Result<DeadRoots, LoadError> {
    let digests = Digests::new();
    let path = dead_path(load_id);
    let bytes = match store.get(&path).await {
        Ok(got) => got
            .bytes()
            .await
            .map_err(|e| err(root, format!("{path}: {e}")))?,
        Err(object_store::Error::NotFound { .. }) => {
            return Ok(DeadRoots {
                digests,
                ids: DigestSet::default(),
            })
        }
        Err(e) => return Err(err(root, format!("{path}: {e}"))),
    };
    // Borrowed from the file's bytes when no id holds an escape (ours never do), so the ids'
    // text is not held twice.
    let ids: DigestSet = match serde_json::from_slice::<Vec<&str>>(&bytes) {
        Ok(ids) => ids.into_iter().map(|id| digests.of(id)).collect(),
        Err(_) => serde_json::from_slice::<Vec<String>>(&bytes)
            .map_err(|e| err(root, e))?
            .iter()
            .map(|id| digests.of(id))
            .collect(),
    };
    Ok(DeadRoots { digests, ids })
}

/// Deletes the ids stored for run `load_id` once every table of the run is committed
/// (best effort: a file left behind is only read by that run's commits).
pub async fn forget_removed(store: &dyn ObjectStore, load_id: &str) {
    let _ = store.delete(&dead_path(load_id)).await;
}

/// Per row of `batch`, whether its `root_id` is not in `dead`.
fn alive(
    name: &str,
    batch: &RecordBatch,
    root_id: &str,
    dead: &DeadRoots,
) -> Result<Vec<bool>, LoadError> {
    let ids = keys_of(name, batch, &[root_id.to_string()])?;
    Ok(ids
        .iter()
        .map(|id| id.as_ref().is_none_or(|id| !dead.contains(id)))
        .collect())
}

/// `file` rewritten without the rows whose root is in `dead` (their root id column read
/// first, the whole file only when it holds one): the new files, or `None` when it holds none.
async fn rewritten(
    table: &DeltaTable,
    name: &str,
    file: &TableFile,
    root_id: &str,
    dead: &DeadRoots,
    options: &HashMap<String, String>,
) -> Result<Option<Vec<Add>>, LoadError> {
    let store = table.object_store();
    let column = [root_id.to_string()];
    let mut ids = read_file(name, &store, file, Some(&column)).await?;
    let mut hit = false;
    while let Some(batch) = ids.next().await? {
        if alive(name, &batch, root_id, dead)?.contains(&false) {
            hit = true;
            break;
        }
    }
    if !hit {
        return Ok(None);
    }
    let whole = read_file(name, &store, file, None).await?;
    rewrite(table, name, whole, options, |batch| {
        alive(name, batch, root_id, dead)
    })
    .await
    .map(Some)
}

/// The actions of committing child table `table`'s run files `run`, given the root rows
/// `dead` its root's merge removed (`stored`: the table exists and is loaded): stored files
/// holding a child of a removed root rewritten without those rows, and the run's files
/// likewise.
pub async fn child_actions(
    table: &DeltaTable,
    stored: bool,
    name: &str,
    run: &[Add],
    root_id: &str,
    dead: &DeadRoots,
    options: &HashMap<String, String>,
) -> Result<Vec<Action>, LoadError> {
    let mut actions: Vec<Action> = Vec::new();
    if dead.is_empty() {
        actions.extend(run.iter().cloned().map(Action::Add));
        return Ok(actions);
    }
    if stored {
        let files: Vec<_> = table
            .get_active_add_actions_by_partitions(&[])
            .try_collect()
            .await
            .map_err(delta_err(name))?;
        for file in files {
            let stored = TableFile::at(name, file.object_store_path(), file.size())?;
            if let Some(adds) = rewritten(table, name, &stored, root_id, dead, options).await? {
                actions.push(Action::Remove(file.remove_action(true)));
                actions.extend(adds.into_iter().map(Action::Add));
            }
        }
    }
    for add in run {
        let file = TableFile::added(name, add)?;
        match rewritten(table, name, &file, root_id, dead, options).await? {
            // The original file stays unreferenced, as a failed run's files do.
            Some(adds) => actions.extend(adds.into_iter().map(Action::Add)),
            None => actions.push(Action::Add(add.clone())),
        }
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    #[test]
    fn removed_ids_are_kept_as_their_json_array() {
        let mut ids = RemovedIds::default();
        assert_eq!(RemovedIds::default().into_json(), b"[]");
        ids.push("items", "a").unwrap();
        ids.push("items", "b\"c").unwrap();
        let back: Vec<String> = serde_json::from_slice(&ids.into_json()).unwrap();
        assert_eq!(back, ["a", "b\"c"]);
    }

    #[tokio::test]
    async fn the_stored_removed_ids_are_read_back_as_digests() {
        let store = InMemory::new();
        let none = removed(&store, "items", "L1").await.unwrap();
        assert!(none.is_empty());
        for (load_id, ids) in [("L2", r#"["a","bc"]"#), ("L3", r#"["a","b\"c"]"#)] {
            store
                .put(
                    &dead_path(load_id),
                    PutPayload::from(ids.as_bytes().to_vec()),
                )
                .await
                .unwrap();
            let dead = removed(&store, "items", load_id).await.unwrap();
            assert!(!dead.is_empty());
            assert!(dead.contains("a"));
            assert!(!dead.contains("b"));
            assert!(!dead.contains(""));
        }
        let escaped = removed(&store, "items", "L3").await.unwrap();
        assert!(escaped.contains("b\"c"));
        assert!(!escaped.contains("bc"));
    }
}
