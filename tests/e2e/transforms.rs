//! Transforms: typed Rust closures attached to a generated source (`Source::filter`,
//! `Source::map`), run after the incremental filter and before loading.

use restsource::runtime::futures::StreamExt;
use restsource::runtime::secret::Secret;
use restsource_mock::{MockApi, MockConfig};
use serde_json::Value;

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/transforms.json");

use transforms::Inventory;

fn source(api: &MockApi) -> transforms::Source {
    transforms::Source::new(transforms::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

/// The largest `updated_at` the API serves for `inventory`.
fn max_updated_at(api: &MockApi) -> String {
    api.records("inventory")
        .iter()
        .filter_map(|r| r["updated_at"].as_str().map(str::to_string))
        .max()
        .expect("records")
}

#[tokio::test]
async fn typed_filter_and_map_shape_the_loaded_rows_and_the_cursor_counts_every_record() {
    let api = MockApi::start(MockConfig {
        records: 120,
        ..MockConfig::default()
    })
    .await;
    let newest = max_updated_at(&api);
    let newest_at: restsource::runtime::chrono::DateTime<restsource::runtime::chrono::Utc> = newest.parse().expect("timestamp");
    // The newest record is filtered out: the stored cursor must still be its `updated_at`
    // (the incremental step runs first, as in dlt).
    let src = source(&api)
        .filter(|i: &Inventory| i.id % 3 != 0)
        .filter(move |i: &Inventory| i.updated_at != Some(newest_at))
        .map(|i: Inventory| Inventory {
            name: i.name.map(|n| n.to_uppercase()),
            quantity: i.quantity.map(|q| q * 10),
            ..i
        });
    let db = scratch_db("transforms-typed");
    let report = run(src.extractor(), &transforms::Source::resources(), &db)
        .await
        .expect("run");

    let expected: Vec<Value> = expected_rows(&api, "inventory")
        .into_iter()
        .filter(|r| r["id"].as_i64().expect("id") % 3 != 0 && r["updated_at"] != newest.as_str())
        .map(|mut r| {
            let name = r["name"].as_str().expect("name").to_uppercase();
            r["name"] = Value::from(name);
            if let Some(q) = r["quantity"].as_i64() {
                r["quantity"] = Value::from(q * 10);
            }
            r
        })
        .collect();
    assert!(!expected.is_empty() && expected.len() <= 80, "{} rows kept", expected.len());
    assert!(expected.iter().all(|r| r["updated_at"] != newest.as_str()));
    assert_rows_eq(
        "inventory",
        &table_rows(&db, &transforms::INVENTORY),
        &expected,
    );
    assert_eq!(report.rows["inventory"], expected.len() as u64);
    let state = state_of(&db, "inventory").expect("state");
    assert_eq!(state["last_value"], Value::from(newest));
    drop(api);
}

#[tokio::test]
async fn the_typed_record_stream_runs_the_same_transforms() {
    let api = MockApi::start(MockConfig {
        records: 30,
        ..MockConfig::default()
    })
    .await;
    let src = source(&api)
        .filter(|i: &Inventory| i.id <= 4)
        .map(|i: Inventory| Inventory { id: i.id * 100, ..i });
    let ids: Vec<i64> = src
        .inventory()
        .map(|r| r.expect("record").id)
        .collect()
        .await;
    assert_eq!(ids, [100, 200, 300, 400]);
    drop(api);
}
