//! Incremental date windows (`step`, `lookback`) and `row_order` against the mock's
//! `updated_since`/`updated_before` filter (issue 16 item 5).

use restsource::runtime::extract::{ExtractOptions, ResourceHandle};
use restsource::runtime::secret::Secret;
use restsource_mock::{MockApi, MockConfig};
use serde_json::{json, Value};

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/windows.toml");

/// Where windows end without `end_value`: fixed, so every run has the same windows.
const WINDOW_END: &str = "2024-01-01T05:00:00Z";

fn source(api: &MockApi) -> windows::Source {
    let window_end = chrono::DateTime::parse_from_rfc3339(WINDOW_END)
        .expect("time")
        .to_utc();
    windows::Source::new(windows::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(ExtractOptions {
        window_end: Some(window_end),
        // Two windows at once: the third waits for a slot.
        page_concurrency: 2,
        ..fast_options()
    })
}

fn only(name: &str) -> Vec<ResourceHandle> {
    windows::Source::resources()
        .into_iter()
        .filter(|h| h.def.name == name)
        .collect()
}

/// `(updated_since, updated_before, offset)` of every request to the inventory, sorted (the
/// windows run concurrently, so arrival order is not fixed).
fn window_requests(api: &MockApi) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = requests_to(&api.request_log(), "/v1/inventory")
        .iter()
        .map(|r| {
            let q = |k| r.query_value(k).unwrap_or("-").to_string();
            (q("updated_since"), q("updated_before"), q("offset"))
        })
        .collect();
    out.sort();
    out
}

fn w(since: &str, before: &str, offset: &str) -> (String, String, String) {
    (since.into(), before.into(), offset.into())
}

/// The mock's records whose `updated_at` is in `[since, before)`.
fn rows_between(api: &MockApi, since: &str, before: &str) -> Vec<Value> {
    expected_rows(api, "inventory")
        .into_iter()
        .filter(|r| {
            let t = r["updated_at"].as_str().unwrap_or_default();
            t >= since && t < before
        })
        .collect()
}

#[tokio::test]
async fn a_backfill_is_three_bounded_windows_with_exact_requests_and_rows() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("windows-backfill");
    let report = run(source(&api).extractor(), &only("backfill"), &db)
        .await
        .expect("run");
    // 00:00 to 05:00 in steps of 100 minutes; each window's records fit one page of 100.
    assert_eq!(
        window_requests(&api),
        vec![
            w("2024-01-01T00:00:00Z", "2024-01-01T01:40:00Z", "0"),
            w("2024-01-01T01:40:00Z", "2024-01-01T03:20:00Z", "0"),
            w("2024-01-01T03:20:00Z", "2024-01-01T05:00:00Z", "0"),
        ]
    );
    assert_eq!(report.requests, 3);
    // Every record (ids 1 to 250, 00:01 to 04:10) exactly once, in window order.
    assert_rows_eq(
        "backfill",
        &table_rows(&db, &windows::BACKFILL),
        &expected_rows(&api, "inventory"),
    );
    assert_eq!(report.rows["backfill"], 250);
    // A backfill keeps no state.
    assert_eq!(state_of(&db, "backfill"), None);
}

#[tokio::test]
async fn the_next_run_looks_back_and_requests_the_overlap_without_duplicate_rows() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("windows-lookback");
    run(source(&api).extractor(), &only("lookback"), &db)
        .await
        .expect("first run");
    assert_eq!(
        window_requests(&api),
        vec![
            w("2024-01-01T00:00:00Z", "2024-01-01T01:40:00Z", "0"),
            w("2024-01-01T01:40:00Z", "2024-01-01T03:20:00Z", "0"),
            w("2024-01-01T03:20:00Z", "2024-01-01T05:00:00Z", "0"),
        ]
    );
    // The furthest cursor of any window, whatever order they finished in.
    assert_eq!(
        state_of(&db, "lookback"),
        Some(json!({
            "cursor_path": "updated_at",
            "last_value": "2024-01-01T04:10:00Z",
            "boundary_keys": ["[250]"],
        }))
    );

    api.clear_log();
    let report = run(source(&api).extractor(), &only("lookback"), &db)
        .await
        .expect("second run");
    // 04:10 minus 30 minutes: one window to the end, the overlap fetched again.
    assert_eq!(
        window_requests(&api),
        vec![w("2024-01-01T03:40:00Z", "2024-01-01T05:00:00Z", "0")]
    );
    let overlap = rows_between(&api, "2024-01-01T03:40:00Z", "2024-01-01T05:00:00Z");
    assert_eq!(overlap.len(), 31);
    assert_eq!(report.rows["lookback"], 31);
    // Merged on `id`: still one row per record.
    assert_rows_eq(
        "lookback",
        &table_rows(&db, &windows::LOOKBACK),
        &expected_rows(&api, "inventory"),
    );
}

#[tokio::test]
async fn row_order_asc_stops_paging_at_the_first_record_past_end_value() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("windows-ordered");
    let report = run(source(&api).extractor(), &only("ordered"), &db)
        .await
        .expect("run");
    // Pages of 50: page 2 holds id 100 (01:40, the open end), so page 3 is never asked for
    // (without `row_order` the paginator would walk all 5 pages of 250 records).
    let offsets: Vec<String> = requests_to(&api.request_log(), "/v1/inventory")
        .iter()
        .map(|r| r.query_value("offset").unwrap_or("-").to_string())
        .collect();
    assert_eq!(offsets, vec!["0", "50"]);
    assert_eq!(report.requests, 2);
    assert_rows_eq(
        "ordered",
        &table_rows(&db, &windows::ORDERED),
        &rows_between(&api, "2024-01-01T00:00:00Z", "2024-01-01T01:40:00Z"),
    );
}
