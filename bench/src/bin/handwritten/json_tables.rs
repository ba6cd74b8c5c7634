//! The seed's tables (`tables = "json"`): declared columns, `_rs_extra` with every other field as
//! raw JSON text, `INTEGER PRIMARY KEY` upserts, hard deletes, `replace` for
//! `stock_summaries`, and the incremental cursors, all in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::records::{ItemsColumns, JsonRecord};
use crate::{Batch, INCREMENTAL};

/// Rows written per table.
pub type Counts = BTreeMap<String, u64>;

const REPLACED: &str = "stock_summaries";

/// The cursors the last run stored: `updated_since` of the incremental resources.
pub fn stored_cursors(db: &str) -> rusqlite::Result<HashMap<String, String>> {
    let conn = Connection::open(db)?;
    let exists: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE name = '_hw_state'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(HashMap::new());
    }
    let mut stmt = conn.prepare("SELECT resource, cursor FROM _hw_state")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Opens `db` for a run: WAL and a 4 MiB page cache, as restsource's SQLite destination does.
pub fn open(db: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open(db)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-4096;
         CREATE TABLE IF NOT EXISTS _hw_state (resource TEXT PRIMARY KEY, cursor TEXT NOT NULL);",
    )?;
    Ok(conn)
}

/// Per-run bookkeeping shared by both table layouts: the load id, the tables seen, the
/// incremental cursors and the row counts.
#[derive(Default)]
pub struct Run {
    pub load_id: String,
    pub seen: HashSet<String>,
    pub cursors: HashMap<String, DateTime<Utc>>,
    pub counts: Counts,
}

impl Run {
    pub fn new() -> Run {
        Run {
            load_id: Utc::now().format("%Y%m%dT%H%M%S%.6fZ").to_string(),
            ..Run::default()
        }
    }

    /// Advances `resource`'s cursor (the highest `updated_at` seen) when it is incremental.
    pub fn cursor(&mut self, resource: &str, value: Option<&DateTime<Utc>>) {
        if let Some(v) = value {
            if INCREMENTAL.contains(&resource) {
                let c = self.cursors.entry(resource.to_string()).or_insert(*v);
                if v > c {
                    *c = *v;
                }
            }
        }
    }

    /// Stores the cursors in the run's transaction.
    pub fn save_cursors(&self, txn: &Transaction<'_>) -> rusqlite::Result<()> {
        let mut stmt = txn.prepare_cached(
            "INSERT INTO _hw_state (resource, cursor) VALUES (?1, ?2)
             ON CONFLICT(resource) DO UPDATE SET cursor = excluded.cursor",
        )?;
        for (resource, cursor) in &self.cursors {
            stmt.execute(params![resource, timestamp(cursor)])?;
        }
        Ok(())
    }
}

/// restsource's text form of a timestamp (`2024-05-01T12:00:00Z`).
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

const BASE: &str =
    "id INTEGER PRIMARY KEY, name TEXT, quantity INTEGER, updated_at TIMESTAMP, deleted BOOLEAN";
const ITEMS_COLUMNS: &str = ", price DECIMAL_TEXT, active BOOLEAN, ratio REAL, created_on DATE, restock_at TIME, blob BLOB, attributes JSON_TEXT, tags JSON_TEXT";
const TAIL: &str = ", _rs_extra JSON_TEXT, _rs_load_id TEXT, _rs_extracted_at TIMESTAMP";

fn columns(items: bool) -> Vec<&'static str> {
    let mut c = vec!["id", "name", "quantity", "updated_at", "deleted"];
    if items {
        c.extend([
            "price",
            "active",
            "ratio",
            "created_on",
            "restock_at",
            "blob",
            "attributes",
            "tags",
        ]);
    }
    c.extend(["_rs_extra", "_rs_load_id", "_rs_extracted_at"]);
    c
}

fn upsert_sql(table: &str, items: bool) -> String {
    let cols = columns(items);
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let set: Vec<String> = cols[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        cols.join(", "),
        params.join(", "),
        set.join(", ")
    )
}

/// Writes every batch in one transaction; returns the rows written per table.
pub fn write(db: String, rx: mpsc::Receiver<Batch>) -> rusqlite::Result<Counts> {
    let mut conn = open(&db)?;
    let txn = conn.transaction()?;
    let mut run = Run::new();
    for batch in rx {
        match batch {
            Batch::Json(table, records) => page(&txn, &mut run, &table, &records)?,
            Batch::Items(table, records) => page(&txn, &mut run, &table, &records)?,
            Batch::Wide(..) | Batch::WideItems(..) => {
                unreachable!("json tables get no wide records")
            }
        }
    }
    run.save_cursors(&txn)?;
    txn.commit()?;
    Ok(run.counts)
}

fn page<const ITEMS: bool>(
    txn: &Transaction<'_>,
    run: &mut Run,
    table: &str,
    records: &[JsonRecord<ITEMS>],
) -> rusqlite::Result<()> {
    if run.seen.insert(table.to_string()) {
        let items = if ITEMS { ITEMS_COLUMNS } else { "" };
        txn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS \"{table}\" ({BASE}{items}{TAIL})"
        ))?;
        if table == REPLACED {
            txn.execute_batch(&format!("DELETE FROM \"{table}\""))?;
        }
    }
    let extracted_at = timestamp(&Utc::now());
    let mut upsert = txn.prepare_cached(&upsert_sql(table, ITEMS))?;
    let mut delete = txn.prepare_cached(&format!("DELETE FROM \"{table}\" WHERE id = ?1"))?;
    let mut written = 0;
    for r in records {
        run.cursor(table, r.updated_at.as_ref());
        if r.deleted == Some(true) {
            delete.execute([r.id])?;
            continue;
        }
        let updated_at = r.updated_at.as_ref().map(timestamp);
        let extra = (!r.extra.is_empty()).then_some(r.extra.as_str());
        upsert.raw_bind_parameter(1, r.id)?;
        upsert.raw_bind_parameter(2, r.name.as_deref())?;
        upsert.raw_bind_parameter(3, r.quantity)?;
        upsert.raw_bind_parameter(4, updated_at.as_deref())?;
        upsert.raw_bind_parameter(5, r.deleted)?;
        let mut at = 6;
        if ITEMS {
            at = bind_items(&mut upsert, at, &r.items)?;
        }
        upsert.raw_bind_parameter(at, extra)?;
        upsert.raw_bind_parameter(at + 1, run.load_id.as_str())?;
        upsert.raw_bind_parameter(at + 2, extracted_at.as_str())?;
        upsert.raw_execute()?;
        written += 1;
    }
    *run.counts.entry(table.to_string()).or_default() += written;
    Ok(())
}

/// Binds `items`' declared columns from parameter `at`; returns the next parameter.
fn bind_items(
    stmt: &mut rusqlite::CachedStatement<'_>,
    at: usize,
    c: &ItemsColumns,
) -> rusqlite::Result<usize> {
    stmt.raw_bind_parameter(at, c.price.map(|d| d.to_string()))?;
    stmt.raw_bind_parameter(at + 1, c.active)?;
    stmt.raw_bind_parameter(at + 2, c.ratio)?;
    stmt.raw_bind_parameter(
        at + 3,
        c.created_on.map(|d| d.format("%Y-%m-%d").to_string()),
    )?;
    stmt.raw_bind_parameter(
        at + 4,
        c.restock_at.map(|t| t.format("%H:%M:%S%.f").to_string()),
    )?;
    stmt.raw_bind_parameter(at + 5, c.blob.as_deref())?;
    stmt.raw_bind_parameter(at + 6, c.attributes.as_ref().map(|r| r.get()))?;
    stmt.raw_bind_parameter(at + 7, c.tags.as_ref().map(|r| r.get()))?;
    Ok(at + 8)
}
