//! Seeds 000 and 001: the analytics API with an API key in the query, offset/100, merge on
//! `id`, retries on 429/5xx (3 retries, backoff factor 2); 001 with a typed schema and the
//! rule "on repeated failure, log and stop without hammering the API".

use restsource::runtime::secret::Secret;
use restsource_mock::{FaultPlan, MockApi, MockConfig, MutationSpec, ANALYTICS};

use crate::harness::*;

restsource::include_source!("specs/analytics.json");
restsource::include_source!("specs/analytics_typed.toml");

fn untyped(api: &MockApi) -> analytics::Source {
    analytics::Source::new(analytics::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

fn typed(api: &MockApi) -> analytics_typed::Source {
    analytics_typed::Source::new(analytics_typed::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

#[tokio::test]
async fn seed_000_loads_merges_and_survives_faults() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("analytics");
    let src = untyped(&api);
    let handles = analytics::Source::resources();
    let tables = [(&analytics::RESOURCE_NAME, ANALYTICS)];

    let report = run(src.extractor(), &handles, &db)
        .await
        .expect("first run");
    assert_tables(&db, &api, &tables, true);
    assert_eq!(report.rows["resource_name"], 250);
    let log = api.request_log();
    let offsets: Vec<_> = log
        .iter()
        .map(|r| r.query_value("offset").unwrap_or("-"))
        .collect();
    assert_eq!(log.len(), 3);
    assert!(offsets.contains(&"0") && offsets.contains(&"100") && offsets.contains(&"200"));
    assert!(log
        .iter()
        .all(|r| r.query_value("api_key") == Some("test-key")));

    // Changed data merges in place on the next run; deleted records keep their flag (this
    // spec declares no hard_delete column).
    api.mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    run(src.extractor(), &handles, &db)
        .await
        .expect("second run");
    assert_tables(&db, &api, &tables, true);

    // The same with 10% of requests failing.
    api.set_faults(FaultPlan::retryable(0.10).with_max_consecutive_failures(3));
    api.clear_log();
    api.mutate(MutationSpec::percent(10.0, 262))
        .expect("mutate");
    let report = run(src.extractor(), &handles, &db)
        .await
        .expect("run with faults");
    assert_tables(&db, &api, &tables, true);
    let failed = assert_each_request_once(&api.request_log(), 3);
    assert_eq!(report.retries as usize, failed);
}

#[tokio::test]
async fn seed_001_types_the_schema_and_keeps_other_fields() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("analytics-typed");
    let src = typed(&api);
    run(src.extractor(), &analytics_typed::Source::resources(), &db)
        .await
        .expect("run");
    assert_tables(
        &db,
        &api,
        &[(&analytics_typed::RESOURCE_NAME, ANALYTICS)],
        true,
    );
    // `value` is a nullable double column (null every 7th id); the rest is in _rs_extra.
    let conn = rusqlite::Connection::open(&db).expect("db");
    let nulls: i64 = conn
        .query_row(
            "SELECT count(*) FROM resource_name WHERE value IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(nulls, 250 / 7);
    let extra: String = conn
        .query_row(
            "SELECT _rs_extra FROM resource_name WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .expect("extra");
    let extra: serde_json::Value = serde_json::from_str(&extra).expect("json");
    assert_eq!(
        extra["customer_id"],
        api.records(ANALYTICS)[0]["customer_id"]
    );
    assert!(extra["customer_id"]
        .as_str()
        .is_some_and(|c| c.starts_with("cust-")));

    // Changes merge in place on the next run, with 10% of requests failing.
    api.mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    api.set_faults(FaultPlan::retryable(0.10).with_max_consecutive_failures(3));
    api.clear_log();
    let report = run(src.extractor(), &analytics_typed::Source::resources(), &db)
        .await
        .expect("second run with faults");
    assert_tables(
        &db,
        &api,
        &[(&analytics_typed::RESOURCE_NAME, ANALYTICS)],
        true,
    );
    let failed = assert_each_request_once(&api.request_log(), 3);
    assert_eq!(report.retries as usize, failed);
}

#[tokio::test]
async fn seed_001_stops_after_its_retries_without_hammering_the_api() {
    let api = MockApi::start(MockConfig {
        faults: FaultPlan::none().permanent_status("/v1/resource", 503),
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("analytics-down");
    let src = typed(&api);
    let err = run(src.extractor(), &analytics_typed::Source::resources(), &db)
        .await
        .expect_err("a permanently failing API fails the run");
    let message = err.to_string();
    // One try and exactly 3 retries, then nothing more.
    assert_eq!(api.request_log().len(), 4, "{message}");
    assert!(message.contains("resource_name"), "{message}");
    assert!(message.contains("503"), "{message}");
    assert!(message.contains("/v1/resource"), "{message}");
    assert!(!message.contains("test-key"), "secret leaked: {message}");
}
