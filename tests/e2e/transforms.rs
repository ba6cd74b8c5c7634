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
    let newest_at: restsource::runtime::chrono::DateTime<restsource::runtime::chrono::Utc> =
        newest.parse().expect("timestamp");
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
    assert!(
        !expected.is_empty() && expected.len() <= 80,
        "{} rows kept",
        expected.len()
    );
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
        .map(|i: Inventory| Inventory {
            id: i.id * 100,
            ..i
        });
    let ids: Vec<i64> = src
        .inventory()
        .map(|r| r.expect("record").id)
        .collect()
        .await;
    assert_eq!(ids, [100, 200, 300, 400]);
    drop(api);
}

/// The same API through a spec's declarative `processing_steps`.
mod declared {
    restsource::include_source!("tests/e2e/fixtures/steps.json");
}
use declared::steps;

#[tokio::test]
async fn declarative_steps_reshape_and_filter_records_before_they_are_decoded() {
    let api = MockApi::start(MockConfig {
        records: 120,
        ..MockConfig::default()
    })
    .await;
    let src = steps::Source::new(steps::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    let db = scratch_db("transforms-declared");
    let report = run(src.extractor(), &steps::Source::resources(), &db)
        .await
        .expect("run");

    // Records 1..=29 are before the initial value (the incremental filter drops them), 30 is
    // at it (kept by the incremental filter, dropped by the step's `>`), and records without
    // a quantity are dropped by the step.
    let expected: Vec<Value> = expected_rows(&api, "inventory")
        .into_iter()
        .filter(|r| r["id"].as_i64().expect("id") > 30 && r.get("quantity").is_some())
        .map(|r| {
            let mut m = r.as_object().expect("record").clone();
            m.remove("tags");
            m.remove("blob");
            let ratio = m.remove("ratio").expect("ratio");
            m.insert("share".into(), ratio);
            m.insert("source".into(), Value::from("mock"));
            let label = format!("{} ({})", m["name"].as_str().expect("name"), m["id"]);
            m.insert("label".into(), Value::from(label));
            Value::Object(m)
        })
        .collect();
    let rows = table_rows(&db, &steps::INVENTORY);
    assert_rows_eq("inventory", &rows, &expected);
    // A page whose records a filter drops entirely is not an empty page: paging goes on.
    let orders: Vec<Value> = table_rows(&db, &steps::ORDERS)
        .into_iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(orders, (101..=120).map(Value::from).collect::<Vec<_>>());
    assert_eq!(rows[0]["id"], 31);
    assert_eq!(rows[0]["label"], "inventory #31 (31)");
    // Renamed into a declared double column: typed, and not left in the extras.
    assert_eq!(rows[0]["share"], api.records("inventory")[30]["ratio"]);
    assert!(rows[0].get("ratio").is_none() && rows[0].get("tags").is_none());
    assert_eq!(report.rows["inventory"], expected.len() as u64);
    // Pagination counts the records the API sent: two pages of 100 over 120 records.
    let log = api.request_log();
    let mut offsets: Vec<&str> = requests_to(&log, "/v1/inventory")
        .iter()
        .map(|r| r.query_value("offset").unwrap_or("-"))
        .collect();
    offsets.sort();
    assert_eq!(offsets, ["0", "100"]);
    assert_eq!(requests_to(&log, "/v1/orders").len(), 3);
    let state = state_of(&db, "inventory").expect("state");
    assert_eq!(state["last_value"], Value::from(max_updated_at(&api)));
    drop(api);
}
