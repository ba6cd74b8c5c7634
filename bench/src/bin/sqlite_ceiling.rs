//! SQLite's ceiling: how fast SQLite alone takes the rows of a finished load.
//!
//! Reads every row of the given tables from a database a loader filled (untimed), then times
//! writing them into a fresh database with the same tables, indexes and journal settings, as
//! one upsert per row in 10,000-row transactions: what any single-writer SQLite loader must do
//! at the least, with no HTTP and no JSON. A loader's rows per second cannot exceed this.

use std::time::Instant;

use clap::Parser;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

#[derive(Parser)]
struct Args {
    /// A database a load filled.
    #[arg(long)]
    source: String,
    /// The database to write (recreated).
    #[arg(long)]
    db: String,
    /// Tables to copy.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "stock_summaries,customers,items,stock_details,inventory,orders"
    )]
    tables: Vec<String>,
    /// Tables written with plain inserts (replace) rather than upserts on `id`.
    #[arg(long, value_delimiter = ',', default_value = "stock_summaries")]
    plain: Vec<String>,
}

struct Table {
    name: String,
    ddl: Vec<String>,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

fn read(src: &Connection, name: &str) -> rusqlite::Result<Table> {
    let mut ddl = Vec::new();
    let mut stmt = src.prepare(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL ORDER BY type DESC",
    )?;
    for sql in stmt.query_map([name], |r| r.get::<_, String>(0))? {
        ddl.push(sql?);
    }
    let mut stmt = src.prepare(&format!("SELECT * FROM \"{name}\""))?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let n = columns.len();
    let rows = stmt
        .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())?
        .collect::<rusqlite::Result<Vec<Vec<Value>>>>()?;
    Ok(Table {
        name: name.to_string(),
        ddl,
        columns,
        rows,
    })
}

fn upsert_sql(t: &Table, plain: bool) -> String {
    let cols: Vec<String> = t.columns.iter().map(|c| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let mut sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({})",
        t.name,
        cols.join(", "),
        marks.join(", ")
    );
    if !plain {
        let set: Vec<String> = cols
            .iter()
            .filter(|c| c.as_str() != "\"id\"")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        sql.push_str(&format!(
            " ON CONFLICT (\"id\") DO UPDATE SET {}",
            set.join(", ")
        ));
    }
    sql
}

/// User + system CPU seconds of this process so far (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() -> rusqlite::Result<()> {
    let args = Args::parse();
    let src = Connection::open(&args.source)?;
    let tables = args
        .tables
        .iter()
        .map(|t| read(&src, t))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", args.db));
    }
    let conn = Connection::open(&args.db)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
    for t in &tables {
        for ddl in &t.ddl {
            conn.execute_batch(ddl)?;
        }
    }
    let (started, cpu0) = (Instant::now(), cpu_seconds());
    let mut rows = 0usize;
    let mut in_tx = 0usize;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    for t in &tables {
        let mut stmt = conn.prepare(&upsert_sql(t, args.plain.contains(&t.name)))?;
        for row in &t.rows {
            stmt.execute(params_from_iter(row.iter()))?;
            rows += 1;
            in_tx += 1;
            if in_tx == 10_000 {
                conn.execute_batch("COMMIT; BEGIN IMMEDIATE")?;
                in_tx = 0;
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    drop(conn);
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "rows={rows} seconds={secs:.3} cpu={cpu:.2} rows_per_second={:.0}",
        rows as f64 / secs
    );
    Ok(())
}
