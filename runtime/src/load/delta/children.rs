//! A merge's child tables: when a merge removes root rows (a stored record replaced or
//! deleted, a run record that lost to a later one of its key or to a stored one), their
//! child rows go too, as dlt's delete-insert removes them by `_dlt_root_id`.
//!
//! The root table's commit comes first (tables commit in name order, and `items` sorts
//! before `items__tags`). Its merge gives the row ids it removed; before committing its
//! version it stores them beside the table (`<root>/_rs_dead/<load id>.lines`, a folder Delta
//! readers and `VACUUM` leave alone), so a run that stopped between the two commits is
//! finished by the next one with the same ids. Each child table's commit then drops every
//! row, stored or of the run, whose root id is among them: a stored file holding one is
//! rewritten without it and removed in the same version. Root ids are random, so file
//! statistics cannot rule a file out: every stored file's root id column is read.
//!
//! Neither side holds all the ids (see `removed_ids`): the child commit reads them in passes
//! of at most `keys_per_pass` ids (see `passes`), each pass reading the root id columns again
//! and marking the rows to drop, one bit each.

use std::collections::HashMap;
use std::sync::Arc;

use deltalake::arrow::array::{Array as _, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType as ArrowType;
use deltalake::kernel::{Action, Add};
use deltalake::DeltaTable;
use futures::TryStreamExt as _;
use object_store::ObjectStore;

use super::super::LoadError;
use super::files::{read_file, rewrite, TableFile};
use super::merge::{err, Digests};
use super::passes::{Pass, RowSet};
use super::removed_ids::{Dead, DeadRoots};
use super::table::delta_err;

/// A child table of a merged resource: which root table's removed rows it follows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChildOf {
    /// The root table's name.
    pub root: String,
    /// This table's root id column (`_rs_root_id`, `_dlt_root_id`).
    pub root_id: String,
}

/// Adds to `gone` the rows of `file` whose root id is in `dead`, reading the root id column.
async fn dead_rows(
    name: &str,
    store: &Arc<dyn ObjectStore>,
    file: &TableFile,
    root_id: &str,
    (digests, dead): (&Digests, &Dead),
    gone: &mut RowSet,
) -> Result<(), LoadError> {
    let column = [root_id.to_string()];
    let mut ids = read_file(name, store, file, Some(&column)).await?;
    let mut row = 0;
    while let Some(batch) = ids.next().await? {
        let Some(c) = batch.column_by_name(root_id) else {
            row += batch.num_rows();
            continue;
        };
        // Read in place: a child table holds several rows per root, read once per pass.
        let c = cast(c, &ArrowType::Utf8).map_err(|e| err(name, e))?;
        let Some(c) = c.as_any().downcast_ref::<StringArray>() else {
            return Err(err(name, format!("{root_id}: not a text column")));
        };
        for id in c.iter() {
            if id.is_some_and(|id| dead.contains(digests, id)) {
                gone.insert(row);
            }
            row += 1;
        }
    }
    Ok(())
}

/// `file` rewritten without the rows in `gone`.
async fn rewritten(
    table: &DeltaTable,
    name: &str,
    file: &TableFile,
    gone: &RowSet,
    options: &HashMap<String, String>,
) -> Result<Vec<Add>, LoadError> {
    let store = table.object_store();
    let whole = read_file(name, &store, file, None).await?;
    let mut row = 0;
    rewrite(table, name, whole, options, |batch| {
        let first = row;
        row += batch.num_rows();
        Ok((first..row).map(|r| !gone.contains(r)).collect())
    })
    .await
}

/// The actions of committing child table `table`'s run files `run`, given the root rows
/// `dead` its root's merge removed (`stored`: the table exists and is loaded), reading them
/// in passes of at most `keys_per_pass` ids: stored files holding a child of a removed root
/// rewritten without those rows, and the run's files likewise.
#[allow(clippy::too_many_arguments)]
pub async fn child_actions(
    table: &DeltaTable,
    stored: bool,
    name: &str,
    run: &[Add],
    root_id: &str,
    (root, dead, root_store): (&str, &DeadRoots, &dyn ObjectStore),
    options: &HashMap<String, String>,
    keys_per_pass: usize,
) -> Result<Vec<Action>, LoadError> {
    let mut actions: Vec<Action> = Vec::new();
    if dead.is_empty() {
        actions.extend(run.iter().cloned().map(Action::Add));
        return Ok(actions);
    }
    let store = table.object_store();
    let files: Vec<_> = if stored {
        table
            .get_active_add_actions_by_partitions(&[])
            .try_collect()
            .await
            .map_err(delta_err(name))?
    } else {
        Vec::new()
    };
    let mut stored_gone = vec![RowSet::default(); files.len()];
    let mut run_gone = vec![RowSet::default(); run.len()];
    for pass in Pass::all(dead.count(), keys_per_pass) {
        let of_pass = dead.of_pass(root_store, root, pass).await?;
        if of_pass.is_empty() {
            continue;
        }
        let dead = (dead.digests(), &of_pass);
        for (file, gone) in files.iter().zip(&mut stored_gone) {
            let file = TableFile::at(name, file.object_store_path(), file.size())?;
            dead_rows(name, &store, &file, root_id, dead, gone).await?;
        }
        for (add, gone) in run.iter().zip(&mut run_gone) {
            let file = TableFile::added(name, add)?;
            dead_rows(name, &store, &file, root_id, dead, gone).await?;
        }
    }
    for (file, gone) in files.iter().zip(&stored_gone) {
        if gone.len() == 0 {
            continue;
        }
        let stored = TableFile::at(name, file.object_store_path(), file.size())?;
        let adds = rewritten(table, name, &stored, gone, options).await?;
        actions.push(Action::Remove(file.remove_action(true)));
        actions.extend(adds.into_iter().map(Action::Add));
    }
    for (add, gone) in run.iter().zip(&run_gone) {
        if gone.len() == 0 {
            actions.push(Action::Add(add.clone()));
            continue;
        }
        let file = TableFile::added(name, add)?;
        // The original file stays unreferenced, as a failed run's files do.
        let adds = rewritten(table, name, &file, gone, options).await?;
        actions.extend(adds.into_iter().map(Action::Add));
    }
    Ok(actions)
}
