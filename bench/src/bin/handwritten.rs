//! The floor: a straightforward hand-written loader for the inventory seed, as a competent
//! engineer would write it without restsource (tokio, reqwest, serde with a flattened map for
//! undeclared fields, rusqlite upserts in 10k-row transactions, resources concurrent, 8 pages
//! in flight, one writer thread). Generated code is measured against it.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Instant;

use clap::Parser;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;

#[derive(Parser)]
struct Args {
    /// Mock API base URL.
    #[arg(long)]
    base_url: String,
    /// SQLite file.
    #[arg(long, default_value = "handwritten.db")]
    db: String,
    /// API key.
    #[arg(long, default_value = "test-key")]
    api_key: String,
    /// Run resources one after another with one page in flight.
    #[arg(long)]
    sequential: bool,
    /// Resources to load.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "stock_summaries,customers,items,stock_details,inventory,orders"
    )]
    resources: Vec<String>,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Item>,
    total: u64,
}

#[derive(Deserialize)]
struct Item {
    id: i64,
    name: Option<String>,
    quantity: Option<i64>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
    deleted: Option<bool>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

const LIMIT: u64 = 100;

async fn fetch(
    client: &reqwest::Client,
    args: &Args,
    resource: &str,
    offset: u64,
) -> Result<Page, String> {
    let url = format!("{}/v1/{resource}", args.base_url.trim_end_matches('/'));
    let bytes = client
        .get(&url)
        .query(&[
            ("offset", offset.to_string()),
            ("limit", LIMIT.to_string()),
            ("api_key", args.api_key.clone()),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

async fn load_resource(
    client: reqwest::Client,
    args: &Args,
    resource: String,
    tx: mpsc::SyncSender<(String, Vec<Item>)>,
) -> Result<(), String> {
    let first = fetch(&client, args, &resource, 0).await?;
    let total = first.total;
    tx.send((resource.clone(), first.data))
        .map_err(|e| e.to_string())?;
    let in_flight = if args.sequential { 1 } else { 8 };
    let offsets: Vec<u64> = (1..)
        .map(|p| p * LIMIT)
        .take_while(|o| *o < total)
        .collect();
    let mut pages = stream::iter(offsets)
        .map(|o| fetch(&client, args, &resource, o))
        .buffered(in_flight);
    while let Some(page) = pages.try_next().await? {
        tx.send((resource.clone(), page.data))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn writer(db: String, rx: mpsc::Receiver<(String, Vec<Item>)>) -> Result<u64, rusqlite::Error> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
    let mut created = std::collections::HashSet::new();
    let mut rows = 0u64;
    let mut pending = 0usize;
    let mut txn = conn.transaction()?;
    for (table, items) in rx {
        if created.insert(table.clone()) {
            txn.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS \"{table}\" (id INTEGER PRIMARY KEY, name TEXT, quantity INTEGER, updated_at TEXT, deleted INTEGER, extra TEXT)"
            ))?;
        }
        {
            let mut stmt = txn.prepare_cached(&format!(
                "INSERT INTO \"{table}\" (id, name, quantity, updated_at, deleted, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT(id) DO UPDATE SET name=excluded.name, quantity=excluded.quantity, updated_at=excluded.updated_at, deleted=excluded.deleted, extra=excluded.extra"
            ))?;
            for item in &items {
                let extra = if item.extra.is_empty() {
                    None
                } else {
                    serde_json::to_string(&item.extra).ok()
                };
                stmt.execute(rusqlite::params![
                    item.id,
                    item.name,
                    item.quantity,
                    item.updated_at.map(|t| t.to_rfc3339()),
                    item.deleted,
                    extra
                ])?;
            }
        }
        rows += items.len() as u64;
        pending += items.len();
        if pending >= 10_000 {
            txn.commit()?;
            txn = conn.transaction()?;
            pending = 0;
        }
    }
    txn.commit()?;
    Ok(rows)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let started = Instant::now();
    let (tx, rx) = mpsc::sync_channel(64);
    let db = args.db.clone();
    let writer = std::thread::spawn(move || writer(db, rx));
    let client = reqwest::Client::new();
    let concurrency = if args.sequential {
        1
    } else {
        args.resources.len().max(1)
    };
    stream::iter(args.resources.clone())
        .map(|r| load_resource(client.clone(), &args, r, tx.clone()))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    drop(tx);
    let rows = writer
        .join()
        .map_err(|_| "writer panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rows={rows} seconds={secs:.3} rows_per_sec={:.0}",
        rows as f64 / secs
    );
    Ok(())
}
