//! The quickstart: one command shows the main job on a fresh machine.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! It starts the demo API on loopback (the mock serving the seed APIs), loads the inventory
//! seed (specs/inventory.toml: six resources, merge, full refresh and incremental) into
//! `quickstart.db`, prints the load report and a few rows. Run it again to see an
//! incremental run: `inventory` and `orders` only ask for what changed since the last cursor.

use std::process::ExitCode;

use restsource::program;
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::Pipeline;
use restsource::runtime::secret::Secret;
use restsource_mock::{MockApi, MockConfig};

restsource::include_source!("specs/inventory.toml");

const DATABASE: &str = "quickstart.db";

#[tokio::main]
async fn main() -> ExitCode {
    let api = MockApi::start(MockConfig::default()).await;
    println!("demo API listening on {}", api.base_url());

    // A real program reads secrets with `inventory::Source::from_env()` (API_KEY); the demo
    // API's key is public.
    let secrets = inventory::Secrets {
        api_key: Secret::new(MockConfig::default().api_key),
    };
    let source = inventory::Source::new(secrets).with_base_url(api.base_url());
    let destination = match Destination::from_url(&format!("sqlite:{DATABASE}")) {
        Ok(d) => d,
        Err(e) => return program::fail(&e),
    };
    let report = match Pipeline::new(destination).run(&source).await {
        Ok(report) => report,
        Err(e) => return program::fail(&e),
    };
    println!("\n{report}\n");
    match show_rows() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => program::fail(&e),
    }
}

/// Prints a few loaded rows, typed columns and the undeclared fields kept in `_rs_extra`.
fn show_rows() -> Result<(), rusqlite::Error> {
    let db = rusqlite::Connection::open(DATABASE)?;
    println!("first rows of `items` in {DATABASE}:");
    let mut stmt = db.prepare(
        "SELECT id, name, quantity, price, updated_at, substr(_rs_extra, 1, 60) \
         FROM items ORDER BY id LIMIT 5",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "  {:>3}  {:<24} qty={:<5} price={:<7} updated_at={}  extra={}…",
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            r.get::<_, Option<i64>>(2)?
                .map_or("null".into(), |q| q.to_string()),
            r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        ))
    })?;
    for row in rows {
        println!("{}", row?);
    }
    let loads: i64 = db.query_row("SELECT count(*) FROM _rs_loads", [], |r| r.get(0))?;
    println!("\nloads recorded in _rs_loads: {loads}; query the tables with any SQLite client.");
    Ok(())
}
