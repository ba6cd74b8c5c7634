//! The inventory API through `include_source!` into Delta Lake tables, on a local directory
//! and (when `RESTSOURCE_TEST_S3` names an S3-compatible server, e.g. moto's) on a bucket,
//! read back with delta-rs's log replay and the parquet crate: exact rows after the first run
//! (replace and append), and after a second run once the API's data changed.
#![cfg(feature = "delta")]

use base64::Engine as _;
use restsource::runtime::def::{DataType, ResourceDef};
use restsource::runtime::load::delta::{read_bookkeeping, read_table, DeltaLocation};
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::{Pipeline, PipelineOptions};
use restsource::runtime::secret::Secret;
use restsource_mock::{MockApi, MockConfig, MutationSpec};
use serde_json::{Map, Value};

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/inventory_delta.toml");

fn source(api: &MockApi) -> inventory_delta::Source {
    inventory_delta::Source::new(inventory_delta::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

/// A local lake and, with `RESTSOURCE_TEST_S3`, a fresh bucket on that server.
pub(crate) async fn lakes(test: &str) -> Vec<Destination> {
    let dir = scratch_db(test).with_extension("lake");
    let mut out = vec![Destination::from_url(&format!("delta+file:{}", dir.display())).unwrap()];
    let Ok(endpoint) = std::env::var("RESTSOURCE_TEST_S3") else {
        println!("skipping the S3 half of {test}: RESTSOURCE_TEST_S3 not set");
        return out;
    };
    for (k, v) in [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        if std::env::var_os(k).is_none() {
            // Every test sets the same values, so racing setters agree.
            unsafe { std::env::set_var(k, v) };
        }
    }
    let bucket = format!(
        "e2e-{}-{}-{}",
        test.replace('_', "-"),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let status = put(&format!("{}/{bucket}", endpoint.trim_end_matches('/'))).await;
    assert!(status < 300, "creating bucket {bucket}: HTTP {status}");
    out.push(Destination::from_url(&format!("delta+s3://{bucket}/inventory")).unwrap());
    out
}

/// A bare PUT (S3's create-bucket; moto needs no signature) through a raw TCP exchange, so
/// the test needs no HTTP client of its own.
async fn put(url: &str) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rest = url.strip_prefix("http://").expect("http endpoint");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let req = format!(
        "PUT /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn location(dest: &Destination) -> &DeltaLocation {
    match dest {
        Destination::Delta(l) => l,
        other => panic!("not a delta destination: {other:?}"),
    }
}

async fn run(api: &MockApi, dest: &Destination) {
    let report = Pipeline::new(dest.clone())
        .with_options(PipelineOptions {
            progress: false,
            ..PipelineOptions::default()
        })
        .run_handles(
            source(api).extractor(),
            &inventory_delta::Source::resources(),
        )
        .await
        .expect("run");
    println!("--- {dest:?}\n{report}");
}

/// A Delta row as the API's record: declared columns decoded by type, `_rs_extra` merged
/// in, nulls dropped; with its load id.
fn as_record(def: &ResourceDef, mut row: Map<String, Value>) -> (String, Value) {
    let load_id = row
        .remove("_rs_load_id")
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("load id");
    assert!(row.remove("_rs_extracted_at").is_some());
    let mut out = Map::new();
    for c in def.columns {
        let Some(v) = row.remove(c.sql_name) else {
            continue;
        };
        let v = match (c.data_type, v) {
            (_, Value::Null) => continue,
            (DataType::Json, Value::String(s)) => serde_json::from_str(&s).expect("json text"),
            (DataType::Timestamp, Value::String(s)) => Value::from(
                chrono::DateTime::parse_from_rfc3339(&s)
                    .expect("timestamp")
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            (DataType::Decimal, v) => {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let d: rust_decimal::Decimal = text.parse().expect("decimal");
                Value::from(format!("{:.2}", d))
            }
            (DataType::Binary, Value::String(hex)) => {
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                    .collect();
                Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            (_, v) => v,
        };
        out.insert(c.json_name.to_string(), v);
    }
    if let Some(Value::String(extra)) = row.remove("_rs_extra") {
        let extra: Map<String, Value> = serde_json::from_str(&extra).expect("extra json");
        out.extend(extra.into_iter().filter(|(_, v)| !v.is_null()));
    }
    assert!(row.is_empty(), "unexpected columns {:?}", row.keys());
    (load_id, Value::Object(out))
}

/// The table's rows as API records with their load ids, ordered by load then id.
async fn table(dest: &Destination, def: &ResourceDef) -> Vec<(String, Value)> {
    let contents = read_table(location(dest), def.table_name)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no delta table {}", def.table_name));
    let mut rows: Vec<(String, Value)> = contents
        .rows
        .into_iter()
        .map(|r| as_record(def, r))
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1["id"].as_i64()).cmp(&(&b.0, b.1["id"].as_i64())));
    rows
}

fn records(rows: Vec<(String, Value)>) -> Vec<Value> {
    rows.into_iter().map(|(_, r)| r).collect()
}

#[tokio::test]
async fn delta_tables_hold_exactly_the_api_rows_after_replace_append_and_a_second_run() {
    let api = MockApi::start(MockConfig::default()).await;
    let first_inventory = expected_rows_keeping_deleted(&api, "inventory");
    let lakes = lakes("delta-inventory").await;
    for dest in &lakes {
        run(&api, dest).await;
        for def in [&inventory_delta::STOCK_SUMMARIES, &inventory_delta::ITEMS] {
            let expected = expected_rows_keeping_deleted(&api, def.name);
            assert_rows_eq(def.table_name, &records(table(dest, def).await), &expected);
        }
        let inventory = records(table(dest, &inventory_delta::INVENTORY).await);
        assert_rows_eq("inventory", &inventory, &first_inventory);
    }

    // The API changes: 25 updates, 12 inserts and 5 deletes per resource.
    let outcomes = api
        .mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    let changed: std::collections::BTreeSet<u64> = outcomes
        .iter()
        .filter(|o| o.resource == "inventory")
        .flat_map(|o| {
            o.updated
                .iter()
                .chain(&o.inserted)
                .chain(&o.deleted)
                .copied()
        })
        .collect();
    assert_eq!(changed.len(), 25 + 12 + 5);
    for dest in &lakes {
        run(&api, dest).await;
        // Replaced tables: exactly the API's new snapshot.
        for def in [&inventory_delta::STOCK_SUMMARIES, &inventory_delta::ITEMS] {
            let expected = expected_rows_keeping_deleted(&api, def.name);
            assert_rows_eq(def.table_name, &records(table(dest, def).await), &expected);
        }
        // The append table: the first run's rows untouched, then exactly the changed records
        // in their new state (the incremental filter asked only for those).
        let rows = table(dest, &inventory_delta::INVENTORY).await;
        let loads: std::collections::BTreeSet<&String> = rows.iter().map(|(l, _)| l).collect();
        assert_eq!(loads.len(), 2, "{dest:?}");
        let second_load = loads.iter().next_back().copied().cloned().unwrap();
        let (second, first): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|(l, _)| *l == second_load);
        assert_rows_eq("inventory (first load)", &records(first), &first_inventory);
        let expected: Vec<Value> = expected_rows_keeping_deleted(&api, "inventory")
            .into_iter()
            .filter(|r| changed.contains(&r["id"].as_u64().unwrap()))
            .collect();
        assert_rows_eq("inventory (second load)", &records(second), &expected);

        let (manifest, loads) = read_bookkeeping(location(dest)).await.expect("bookkeeping");
        assert_eq!(manifest.seq, 2);
        assert!(manifest.pending.is_none());
        assert!(manifest.state.contains_key("inventory"));
        assert_eq!(loads.len(), 2);
        assert!(loads.iter().all(|l| l.status == "completed"));
        assert_eq!(loads[1].rows.get("inventory"), Some(&42));
    }
}
