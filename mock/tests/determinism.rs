//! Same configuration, same data and same fault decisions; large resources stay cheap.

mod common;

use common::get_json;
use restsource_mock::{FaultPlan, MockApi, MockConfig, MutationSpec};
use serde_json::json;

fn config(seed: u64) -> MockConfig {
    MockConfig {
        seed,
        faults: FaultPlan::retryable(0.3).with_kinds(&[restsource_mock::FaultKind::BadGateway]),
        ..MockConfig::default()
    }
}

async fn statuses(api: &MockApi) -> Vec<u16> {
    let mut out = Vec::new();
    for offset in (0..250).step_by(10) {
        let path = format!("/v1/stories?offset={offset}&limit=10&api_key=test-key");
        out.push(get_json(api, &path).await.0);
    }
    out
}

#[tokio::test]
async fn same_seed_same_data_mutations_and_faults() {
    let (a, b) = (
        MockApi::start(config(7)).await,
        MockApi::start(config(7)).await,
    );
    assert_eq!(a.records("orders"), b.records("orders"));
    let spec = MutationSpec::percent(10.0, 250);
    assert_eq!(a.mutate(spec.clone()).unwrap(), b.mutate(spec).unwrap());
    assert_eq!(a.records("orders"), b.records("orders"));
    let (sa, sb) = (statuses(&a).await, statuses(&b).await);
    assert_eq!(sa, sb);
    assert!(sa.contains(&502) && sa.contains(&200), "{sa:?}");
}

#[tokio::test]
async fn another_seed_gives_other_values_with_the_same_ids() {
    let (a, b) = (
        MockApi::start(config(7)).await,
        MockApi::start(config(8)).await,
    );
    let (ra, rb) = (a.records("items"), b.records("items"));
    assert_eq!(ra.len(), rb.len());
    assert_eq!(ra[0]["id"], rb[0]["id"]);
    assert_eq!(ra[0]["name"], rb[0]["name"]);
    assert_ne!(ra[0]["price"], rb[0]["price"]);
}

#[tokio::test]
async fn a_million_records_page_and_filter() {
    let api = MockApi::start(MockConfig {
        records: 1_000_000,
        ..MockConfig::default()
    })
    .await;
    let (_, last) = get_json(
        &api,
        "/v1/inventory?offset=999990&limit=100&api_key=test-key",
    )
    .await;
    assert_eq!(last["total"], json!(1_000_000));
    assert_eq!(last["data"].as_array().unwrap().len(), 10);
    assert_eq!(last["data"][9]["id"], json!(1_000_000));

    // Minute 999_000 after 2024-01-01T00:00:00Z.
    let since = "2025-11-24T18:00:00Z";
    let path =
        format!("/v1/inventory?offset=900&limit=1000&api_key=test-key&updated_since={since}");
    let (_, filtered) = get_json(&api, &path).await;
    assert_eq!(filtered["total"], json!(1001));
    assert_eq!(filtered["data"].as_array().unwrap().len(), 101);
    assert_eq!(filtered["data"][0]["id"], json!(999_900));
}
