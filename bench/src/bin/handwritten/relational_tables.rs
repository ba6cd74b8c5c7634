//! dlt's tables (`tables = "dlt"`) for the inventory seed on wide records: the declared columns
//! first, the rest in dlt's order (`attributes__*` flattened last), `_dlt_load_id` and a random
//! `_dlt_id` per root row; `tags` as `<table>__tags` child rows whose `_dlt_id` is dlt's digest
//! of parent id, table and index. `items` declares `attributes` and `tags` as `json`, so they
//! stay whole there. A merge deletes the stored rows of a page's keys and their children first
//! (one statement per page); `stock_summaries` is replaced.

use std::sync::mpsc;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use rusqlite::{Connection, Transaction};

use crate::json_tables::{open, timestamp, Counts, Run};
use crate::records::{WideItem, WideRecord};
use crate::Batch;

const REPLACED: &str = "stock_summaries";

const ROOT: &str = "\"id\" INTEGER NOT NULL, \"name\" TEXT, \"quantity\" INTEGER, \"updated_at\" TIMESTAMP, \"deleted\" BOOLEAN, \"price\" TEXT, \"active\" BOOLEAN, \"ratio\" REAL, \"created_on\" TEXT, \"restock_at\" TEXT, \"blob\" TEXT, \"notes\" TEXT, \"attributes__color\" TEXT, \"attributes__dims__w\" INTEGER, \"attributes__dims__h\" INTEGER, \"_dlt_load_id\" TEXT NOT NULL, \"_dlt_id\" TEXT NOT NULL";
const ITEMS: &str = "\"id\" INTEGER NOT NULL, \"name\" TEXT, \"quantity\" INTEGER, \"updated_at\" TIMESTAMP, \"deleted\" BOOLEAN, \"price\" DECIMAL_TEXT, \"active\" BOOLEAN, \"ratio\" REAL, \"created_on\" DATE, \"restock_at\" TIME, \"blob\" BLOB, \"attributes\" JSON_TEXT, \"tags\" JSON_TEXT, \"notes\" TEXT, \"_dlt_load_id\" TEXT NOT NULL, \"_dlt_id\" TEXT NOT NULL";

/// Writes every batch in one transaction; returns the rows written per table.
pub fn write(db: String, rx: mpsc::Receiver<Batch>) -> rusqlite::Result<Counts> {
    let mut conn: Connection = open(&db)?;
    let txn = conn.transaction()?;
    let mut run = Run::new();
    for batch in rx {
        match batch {
            Batch::Wide(table, records) => wide_page(&txn, &mut run, &table, &records)?,
            Batch::WideItems(table, records) => items_page(&txn, &mut run, &table, &records)?,
            Batch::Json(..) | Batch::Items(..) => unreachable!("dlt tables get wide records"),
        }
    }
    run.save_cursors(&txn)?;
    txn.commit()?;
    Ok(run.counts)
}

/// Creates `table` (and its `__tags` child) on its first page; truncates a replaced one.
fn create(txn: &Transaction<'_>, run: &mut Run, table: &str, items: bool) -> rusqlite::Result<()> {
    if !run.seen.insert(table.to_string()) {
        return Ok(());
    }
    let merged = table != REPLACED;
    let columns = if items { ITEMS } else { ROOT };
    txn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS \"{table}\" ({columns});
         CREATE INDEX IF NOT EXISTS \"{table}__id__idx\" ON \"{table}\" (\"id\");"
    ))?;
    if !items {
        let root = if merged {
            "\"_dlt_root_id\" TEXT NOT NULL, "
        } else {
            ""
        };
        txn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS \"{table}__tags\" (\"value\" TEXT, {root}\"_dlt_parent_id\" TEXT NOT NULL, \"_dlt_list_idx\" INTEGER NOT NULL, \"_dlt_id\" TEXT NOT NULL);"
        ))?;
        if merged {
            txn.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS \"{table}__tags___dlt_root_id__idx\" ON \"{table}__tags\" (\"_dlt_root_id\");"
            ))?;
        }
    }
    if !merged {
        txn.execute_batch(&format!("DELETE FROM \"{table}\""))?;
        if !items {
            txn.execute_batch(&format!("DELETE FROM \"{table}__tags\""))?;
        }
    }
    Ok(())
}

/// A merge: deletes the stored rows of `ids` and, when `children`, their `__tags` rows.
fn delete_stored(
    txn: &Transaction<'_>,
    table: &str,
    ids: &[i64],
    children: bool,
) -> rusqlite::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let marks = vec!["?"; ids.len()].join(",");
    let mut delete = txn.prepare_cached(&format!(
        "DELETE FROM \"{table}\" WHERE \"id\" IN ({marks}) RETURNING \"_dlt_id\""
    ))?;
    let old: Vec<String> = delete
        .query_map(rusqlite::params_from_iter(ids), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if children && !old.is_empty() {
        let marks = vec!["?"; old.len()].join(",");
        txn.prepare_cached(&format!(
            "DELETE FROM \"{table}__tags\" WHERE \"_dlt_root_id\" IN ({marks})"
        ))?
        .execute(rusqlite::params_from_iter(&old))?;
    }
    Ok(())
}

fn random_id() -> String {
    STANDARD_NO_PAD.encode(rand::random::<[u8; 10]>())
}

/// dlt's child row id: SHAKE-128 of `<parent id>_<table>_<index>`, 10 bytes, base64. The
/// digest is restsource-core's, which permutes once per id where the sha3 crate's reader
/// permutes twice: the fastest SHAKE-128 at hand, as a skilled engineer would pick.
fn child_id(buf: &mut String, parent: &str, table: &str, index: usize) -> String {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{parent}_{table}_{index}");
    restsource_core::naming::digest128(buf)
}

fn wide_page(
    txn: &Transaction<'_>,
    run: &mut Run,
    table: &str,
    records: &[WideRecord],
) -> rusqlite::Result<()> {
    create(txn, run, table, false)?;
    let merged = table != REPLACED;
    if merged {
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        delete_stored(txn, table, &ids, true)?;
    }
    let mut root = txn.prepare_cached(&format!(
        "INSERT INTO \"{table}\" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))?;
    let child_table = format!("{table}__tags");
    let mut child = if merged {
        txn.prepare_cached(&format!(
            "INSERT INTO \"{child_table}\" VALUES (?1, ?2, ?3, ?4, ?5)"
        ))?
    } else {
        txn.prepare_cached(&format!(
            "INSERT INTO \"{child_table}\" VALUES (?1, ?2, ?3, ?4)"
        ))?
    };
    let (mut roots, mut children) = (0, 0);
    let mut buf = String::new();
    for r in records {
        run.cursor(table, r.updated_at.as_ref());
        if merged && r.deleted == Some(true) {
            continue;
        }
        let id = random_id();
        let attributes = r.attributes.as_ref();
        let dims = attributes.and_then(|a| a.dims.as_ref());
        root.execute(rusqlite::params![
            r.id,
            r.name,
            r.quantity,
            r.updated_at.as_ref().map(timestamp),
            r.deleted,
            r.price,
            r.active,
            r.ratio,
            r.created_on,
            r.restock_at,
            r.blob,
            r.notes,
            attributes.and_then(|a| a.color.as_deref()),
            dims.and_then(|d| d.w),
            dims.and_then(|d| d.h),
            run.load_id,
            id,
        ])?;
        roots += 1;
        for (i, tag) in r.tags.iter().enumerate() {
            let row_id = child_id(&mut buf, &id, &child_table, i);
            if merged {
                child.execute(rusqlite::params![tag, id, id, i as i64, row_id])?;
            } else {
                child.execute(rusqlite::params![tag, id, i as i64, row_id])?;
            }
            children += 1;
        }
    }
    *run.counts.entry(table.to_string()).or_default() += roots;
    *run.counts.entry(child_table).or_default() += children;
    Ok(())
}

fn items_page(
    txn: &Transaction<'_>,
    run: &mut Run,
    table: &str,
    records: &[WideItem],
) -> rusqlite::Result<()> {
    create(txn, run, table, true)?;
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    delete_stored(txn, table, &ids, false)?;
    let mut root = txn.prepare_cached(&format!(
        "INSERT INTO \"{table}\" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?;
    let mut rows = 0;
    for r in records {
        if r.deleted == Some(true) {
            continue;
        }
        root.execute(rusqlite::params![
            r.id,
            r.name,
            r.quantity,
            r.updated_at.as_ref().map(timestamp),
            r.deleted,
            r.price.map(|d| d.to_string()),
            r.active,
            r.ratio,
            r.created_on.map(|d| d.format("%Y-%m-%d").to_string()),
            r.restock_at.map(|t| t.format("%H:%M:%S%.f").to_string()),
            r.blob,
            r.attributes.as_ref().map(|a| a.get()),
            r.tags.as_ref().map(|t| t.get()),
            r.notes,
            run.load_id,
            random_id(),
        ])?;
        rows += 1;
    }
    *run.counts.entry(table.to_string()).or_default() += rows;
    Ok(())
}
