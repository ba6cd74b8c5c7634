//! Seed 004: six inventory resources; merge on `id` with hard deletes, full refresh of
//! `stock_summaries`, incremental `inventory` and `orders` filtered with `updated_since`, and
//! `items` declaring every column type.

use restsource::runtime::def::ResourceDef;
use restsource::runtime::secret::Secret;
use restsource_mock::{FaultKind, FaultPlan, MockApi, MockConfig, MutationSpec};
use serde_json::Value;

use crate::harness::*;

restsource::include_source!("specs/inventory.toml");

const TABLES: [&ResourceDef; 6] = [
    &inventory::STOCK_SUMMARIES,
    &inventory::CUSTOMERS,
    &inventory::ITEMS,
    &inventory::STOCK_DETAILS,
    &inventory::INVENTORY,
    &inventory::ORDERS,
];
const INCREMENTAL: [&str; 2] = ["inventory", "orders"];

fn source(api: &MockApi) -> inventory::Source {
    inventory::Source::new(inventory::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

/// Merge tables drop records flagged `deleted` (the `hard_delete` column); the full-refresh
/// table holds exactly what the API served, flags included (hard_delete applies to merge, as
/// in dlt).
fn assert_tables_match_api(db: &std::path::Path, api: &MockApi) {
    for def in TABLES {
        let expected = if def.name == "stock_summaries" {
            expected_rows_keeping_deleted(api, def.name)
        } else {
            expected_rows(api, def.name)
        };
        assert_rows_eq(def.table_name, &table_rows(db, def), &expected);
    }
}

/// The largest `updated_at` the API serves for `resource`.
fn max_updated_at(api: &MockApi, resource: &str) -> String {
    api.records(resource)
        .iter()
        .filter_map(|r| r["updated_at"].as_str().map(str::to_string))
        .max()
        .expect("records")
}

#[tokio::test]
async fn first_run_loads_every_row_with_exact_requests() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("inventory-first");
    let report = run(
        source(&api).extractor(),
        &inventory::Source::resources(),
        &db,
    )
    .await
    .expect("run");

    assert_tables_match_api(&db, &api);
    for def in TABLES {
        assert_eq!(report.rows[def.table_name], 250, "{}", def.name);
    }
    // Offset 100 over 250 records: offsets 0, 100, 200 per resource, the key in the query,
    // the incremental filter from the spec's initial value.
    let log = api.request_log();
    assert_eq!(log.len(), 18);
    assert_eq!(report.requests, 18);
    assert_eq!(report.retries, 0);
    for def in TABLES {
        let path = format!("/v1/{}", def.name);
        let mut offsets: Vec<&str> = requests_to(&log, &path)
            .iter()
            .map(|r| r.query_value("offset").unwrap_or("-"))
            .collect();
        offsets.sort();
        assert_eq!(offsets, ["0", "100", "200"], "{path}");
        for r in requests_to(&log, &path) {
            assert_eq!(r.query_value("limit"), Some("100"));
            assert_eq!(r.query_value("api_key"), Some("test-key"));
            let since = r.query_value("updated_since");
            if INCREMENTAL.contains(&def.name) {
                assert_eq!(since, Some("2024-01-01T00:00:00Z"), "{path}");
            } else {
                assert_eq!(since, None, "{path}");
            }
        }
    }
    // The cursor is the largest updated_at seen, stored with the data.
    for name in INCREMENTAL {
        let state = state_of(&db, name).expect("state");
        assert_eq!(state["last_value"], Value::from(max_updated_at(&api, name)));
    }
    // Undeclared fields survive in _rs_extra: `notes` everywhere, `tags` declared on items only.
    let rows = table_rows(&db, &inventory::CUSTOMERS);
    assert_eq!(rows[0]["notes"], "note 1");
}

#[tokio::test]
async fn second_run_merges_changes_in_place_and_asks_only_for_what_is_new() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("inventory-second");
    let src = source(&api);
    let handles = inventory::Source::resources();
    run(src.extractor(), &handles, &db)
        .await
        .expect("first run");
    let cursor_before: Vec<String> = INCREMENTAL
        .iter()
        .map(|r| max_updated_at(&api, r))
        .collect();

    let outcomes = api
        .mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    assert!(!outcomes.is_empty());
    api.clear_log();
    let report = run(src.extractor(), &handles, &db)
        .await
        .expect("second run");

    // Updated rows changed in place, new rows added, deleted rows gone, for every table.
    assert_tables_match_api(&db, &api);
    // Incremental resources asked only for records since the stored cursor, and got the
    // changed ones (25 updates, 12 inserts, 5 deletes) plus the boundary record.
    let log = api.request_log();
    for (name, cursor) in INCREMENTAL.iter().zip(&cursor_before) {
        let path = format!("/v1/{name}");
        let requests = requests_to(&log, &path);
        assert_eq!(requests.len(), 1, "{path}: one page of changes");
        assert_eq!(
            requests[0].query_value("updated_since"),
            Some(cursor.as_str())
        );
        // The boundary record (already loaded) is dropped by the incremental dedup.
        assert_eq!(report.rows[*name], 25 + 12 + 5, "{name}");
    }
    // The report covers this run only: 4 resources x 3 pages, 2 incremental x 1 page.
    assert_eq!((report.requests, report.pages, report.retries), (14, 14, 0));
    // Full-refresh and merged snapshot resources were fetched whole again.
    assert_eq!(requests_to(&log, "/v1/stock_summaries").len(), 3);
    assert_eq!(requests_to(&log, "/v1/customers").len(), 3);
}

#[tokio::test]
async fn ten_percent_of_requests_failing_still_loads_exact_data() {
    let api = MockApi::start(MockConfig {
        faults: FaultPlan::retryable(0.10)
            .with_max_consecutive_failures(3)
            .with_slow_delay_ms(50),
        // 10 pages per resource, so a 10% fault rate hits several requests.
        records: 1000,
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("inventory-faults");
    let src = source(&api);
    let report = run(src.extractor(), &inventory::Source::resources(), &db)
        .await
        .expect("run completes despite faults");
    assert_tables_match_api(&db, &api);
    let log = api.request_log();
    // Slow responses count as successes (below the 60 s timeout); every other fault is retried.
    let failed = assert_each_request_once(
        &log.iter()
            .filter(|r| r.fault != Some(FaultKind::Slow))
            .cloned()
            .collect::<Vec<_>>(),
        3,
    );
    assert!(failed > 0, "the plan injected faults");
    assert_eq!(report.retries as usize, failed);

    // A second run after changes, still with faults, converges too.
    api.mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    run(src.extractor(), &inventory::Source::resources(), &db)
        .await
        .expect("second run");
    assert_tables_match_api(&db, &api);
}

#[tokio::test]
async fn bad_pages_fail_clearly_and_leave_the_last_good_load() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("inventory-bad");
    let src = source(&api);
    let handles = inventory::Source::resources();
    run(src.extractor(), &handles, &db).await.expect("good run");
    let before: Vec<Vec<Value>> = TABLES.iter().map(|d| table_rows(&db, d)).collect();
    let state_before = state_of(&db, "orders");

    // The API changes, then serves one bad page of `orders` per case.
    api.mutate(MutationSpec::percent(10.0, 250).for_resource("orders"))
        .expect("mutate");
    for (kind, expected) in [
        (FaultKind::MalformedJson, "orders"),
        (FaultKind::HtmlErrorPage, "text/html"),
        (
            FaultKind::WrongType,
            "field `quantity`: invalid type: string \"lots\", expected i64",
        ),
        // 200 with an error object: never an empty page (it would end `orders` early).
        (
            FaultKind::ErrorObject,
            "body: {\"message\":\"Service unavailable\"}",
        ),
    ] {
        api.set_faults(FaultPlan::none().fail_path("/v1/orders", kind, 1));
        let err = run(src.extractor(), &handles, &db)
            .await
            .expect_err("a bad page fails the run");
        let message = format!("{err}");
        assert!(
            message.contains("orders"),
            "{kind:?}: names the resource: {message}"
        );
        assert!(
            message.contains(expected),
            "{kind:?}: says what is wrong: {message}"
        );
        assert!(
            message.contains("/v1/orders"),
            "{kind:?}: names the URL: {message}"
        );
        assert!(
            !message.contains("test-key"),
            "{kind:?}: secret leaked: {message}"
        );
        // `orders` keeps the last good data and cursor; the others loaded identical data.
        for (def, rows) in TABLES.iter().zip(&before) {
            assert_rows_eq(def.table_name, &table_rows(&db, def), rows);
        }
        assert_eq!(
            state_of(&db, "orders"),
            state_before,
            "{kind:?}: cursor unchanged"
        );
    }
    // Once the API is healthy again the next run catches up.
    api.set_faults(FaultPlan::none());
    run(src.extractor(), &handles, &db)
        .await
        .expect("recovery run");
    assert_tables_match_api(&db, &api);
}

/// The public API: a generated source runs through `Pipeline::run` / `run_only` with no
/// handles in sight; an unknown name is refused before anything is loaded.
#[tokio::test]
async fn the_source_trait_runs_all_or_named_resources() {
    use restsource::{Destination, Pipeline, PipelineError, PipelineOptions};
    let api = MockApi::start(MockConfig::default()).await;
    let src = source(&api);
    let db = scratch_db("inventory-source-trait");
    let pipeline = || {
        Pipeline::new(Destination::from_url(&format!("sqlite:{}", db.display())).unwrap())
            .with_options(PipelineOptions {
                progress: false,
                ..PipelineOptions::default()
            })
    };
    let err = pipeline()
        .run_only(&src, &["orders", "nope"])
        .await
        .unwrap_err();
    assert!(
        matches!(err, PipelineError::UnknownResource { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "unknown resource `nope`; the source has: stock_summaries, customers, items, stock_details, inventory, orders"
    );
    assert!(
        api.request_log().is_empty(),
        "nothing is fetched for a bad name"
    );

    let report = pipeline().run_only(&src, &["orders"]).await.unwrap();
    assert_eq!(report.rows.keys().collect::<Vec<_>>(), ["orders"]);
    assert_rows_eq(
        "orders",
        &table_rows(&db, &inventory::ORDERS),
        &expected_rows(&api, "orders"),
    );

    let report = pipeline().run(&src).await.unwrap();
    assert_eq!(report.rows.len(), 6, "{report}");
    assert_tables_match_api(&db, &api);
}

/// A declared `json` column keeps every part of its value: a number beyond every double, an
/// integer beyond 64 bits and a lone UTF-16 surrogate escape are kept as their JSON text, in
/// their place, and the rest as sent. Read straight into a `serde_json::Value`, the first and
/// the last failed the whole page, and the integer lost its last digits.
#[test]
fn a_json_column_keeps_values_no_json_type_holds_exactly() {
    let record = r#"{"id":1,"attributes":{"big":1e400,"wei":1000000000000000000000001,
        "cut":"ab\ud83d","ok":[1,2.5,"x"]},"tags":["a",18446744073709551616]}"#;
    let items: inventory::Items = match serde_json::from_str(record) {
        Ok(items) => items,
        Err(e) => panic!("the record did not decode: {e}"),
    };
    assert_eq!(
        items.attributes,
        Some(serde_json::json!({
            "big": "1e400",
            "wei": "1000000000000000000000001",
            "cut": "\"ab\\ud83d\"",
            "ok": [1, 2.5, "x"]
        }))
    );
    assert_eq!(
        items.tags,
        Some(serde_json::json!(["a", "18446744073709551616"]))
    );
    // Null is no value, as before; a repeated field is still refused.
    let items: inventory::Items = match serde_json::from_str(r#"{"id":2,"attributes":null}"#) {
        Ok(items) => items,
        Err(e) => panic!("the record did not decode: {e}"),
    };
    assert_eq!(items.attributes, None);
    let repeated =
        serde_json::from_str::<inventory::Items>(r#"{"id":3,"attributes":{},"attributes":{}}"#);
    assert!(
        repeated.is_err_and(|e| e.to_string().contains("duplicate field `attributes`")),
        "a repeated json field must be refused"
    );
}
