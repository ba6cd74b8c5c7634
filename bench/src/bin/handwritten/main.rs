//! The floor: the inventory seed loaded by hand, as a skilled engineer would write it without
//! restsource, doing the same work restsource does and producing the same tables.
//!
//! - tokio and reqwest, resources concurrent, 8 pages in flight per resource; pages decoded
//!   into serde structs on the fetching tasks; one writer thread with one transaction for the
//!   run (rows and incremental state commit together, as restsource's do).
//! - `json` tables (the seed's `tables = "json"`): the declared columns typed, every other
//!   field copied as raw JSON text into `_rs_extra`, `INTEGER PRIMARY KEY` upserts.
//! - `--relational`: dlt's tables (`tables = "dlt"`): nested objects flattened into
//!   `attributes__*` columns, `tags` into `<table>__tags` child tables with dlt's row ids,
//!   merges replacing a record's child rows, hard deletes, `replace` for `stock_summaries`.

mod json_tables;
mod records;
mod relational_tables;

use std::sync::mpsc;
use std::time::Instant;

use clap::Parser;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use records::{JsonRecord, Page, WideItem, WideRecord};

#[derive(Parser)]
pub struct Args {
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
    /// dlt's normalized tables instead of the seed's declared columns plus `_rs_extra`.
    #[arg(long)]
    relational: bool,
    /// Resources to load.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "stock_summaries,customers,items,stock_details,inventory,orders"
    )]
    resources: Vec<String>,
}

/// Records of one page of a resource, decoded, on their way to the writer.
pub enum Batch {
    Json(String, Vec<JsonRecord<false>>),
    Items(String, Vec<JsonRecord<true>>),
    Wide(String, Vec<WideRecord>),
    WideItems(String, Vec<WideItem>),
}

const LIMIT: u64 = 100;
/// `inventory` and `orders` are incremental on `updated_at` (`updated_since`).
const INCREMENTAL: [&str; 2] = ["inventory", "orders"];
const INITIAL_VALUE: &str = "2024-01-01T00:00:00Z";

async fn fetch<T: DeserializeOwned>(
    client: &reqwest::Client,
    args: &Args,
    resource: &str,
    since: Option<&str>,
    offset: u64,
) -> Result<Page<T>, String> {
    let url = format!("{}/v1/{resource}", args.base_url.trim_end_matches('/'));
    let mut query = vec![
        ("offset", offset.to_string()),
        ("limit", LIMIT.to_string()),
        ("api_key", args.api_key.clone()),
    ];
    if let Some(since) = since {
        query.push(("updated_since", since.to_string()));
    }
    let bytes = client
        .get(&url)
        .query(&query)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{resource} at offset {offset}: {e}"))
}

/// Every page of `resource`, decoded as `T`, sent to the writer in page order.
async fn load_resource<T: DeserializeOwned + Send + 'static>(
    client: reqwest::Client,
    args: &Args,
    resource: String,
    since: Option<String>,
    tx: mpsc::SyncSender<Batch>,
    wrap: fn(String, Vec<T>) -> Batch,
) -> Result<(), String> {
    let since = since.as_deref();
    let first: Page<T> = fetch(&client, args, &resource, since, 0).await?;
    let total = first.total;
    tx.send(wrap(resource.clone(), first.data))
        .map_err(|e| e.to_string())?;
    let in_flight = if args.sequential { 1 } else { 8 };
    let offsets: Vec<u64> = (1..)
        .map(|p| p * LIMIT)
        .take_while(|o| *o < total)
        .collect();
    let mut pages = stream::iter(offsets)
        .map(|o| fetch::<T>(&client, args, &resource, since, o))
        .buffered(in_flight);
    while let Some(page) = pages.try_next().await? {
        tx.send(wrap(resource.clone(), page.data))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn load(
    client: reqwest::Client,
    args: &Args,
    resource: String,
    since: Option<String>,
    tx: mpsc::SyncSender<Batch>,
) -> Result<(), String> {
    if args.relational && resource == "items" {
        load_resource(client, args, resource, since, tx, Batch::WideItems).await
    } else if args.relational {
        load_resource(client, args, resource, since, tx, Batch::Wide).await
    } else if resource == "items" {
        load_resource(client, args, resource, since, tx, Batch::Items).await
    } else {
        load_resource(client, args, resource, since, tx, Batch::Json).await
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let started = Instant::now();
    // The stored cursors, read before any request (the writer owns the connection after).
    let cursors = json_tables::stored_cursors(&args.db).map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::sync_channel(64);
    let db = args.db.clone();
    let relational = args.relational;
    let writer = std::thread::spawn(move || {
        if relational {
            relational_tables::write(db, rx)
        } else {
            json_tables::write(db, rx)
        }
    });
    let client = reqwest::Client::new();
    let concurrency = if args.sequential {
        1
    } else {
        args.resources.len().max(1)
    };
    let jobs: Vec<(String, Option<String>)> = args
        .resources
        .iter()
        .map(|r| {
            let since = INCREMENTAL.contains(&r.as_str()).then(|| {
                cursors
                    .get(r)
                    .cloned()
                    .unwrap_or_else(|| INITIAL_VALUE.to_string())
            });
            (r.clone(), since)
        })
        .collect();
    stream::iter(jobs)
        .map(|(r, since)| load(client.clone(), &args, r, since, tx.clone()))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    drop(tx);
    let counts = writer
        .join()
        .map_err(|_| "writer panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    let rows: u64 = counts.values().sum();
    let tables = serde_json::to_string(&counts).map_err(|e| e.to_string())?;
    println!(
        "rows={rows} seconds={secs:.3} rows_per_sec={:.0} tables={tables}",
        rows as f64 / secs
    );
    Ok(())
}
