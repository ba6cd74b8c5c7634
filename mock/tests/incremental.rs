//! `updated_since` filtering and mutations between runs.

mod common;

use common::{fetch_all, get_json};
use restsource_mock::{MockApi, MockConfig, MutationSpec};
use serde_json::{json, Value};

fn ids(records: &[Value]) -> Vec<u64> {
    records.iter().map(|r| r["id"].as_u64().unwrap()).collect()
}

fn max_updated_at(records: &[Value]) -> String {
    records
        .iter()
        .map(|r| r["updated_at"].as_str().unwrap().to_string())
        .max()
        .unwrap()
}

#[tokio::test]
async fn updated_since_keeps_records_at_or_after_it() {
    let api = MockApi::start(MockConfig::default()).await;
    // Record n is updated at n minutes past 2024-01-01T00:00:00Z.
    let (records, pages) =
        fetch_all(&api, "customers", "&updated_since=2024-01-01T02:00:00Z").await;
    assert_eq!(pages, 2);
    assert_eq!(ids(&records), (120..=250).collect::<Vec<u64>>());

    let (_, body) = get_json(
        &api,
        "/v1/customers?limit=2&api_key=test-key&updated_since=2024-01-01T04:09:30%2B00:00",
    )
    .await;
    assert_eq!(body["total"], json!(1));
    assert_eq!(body["data"][0]["id"], json!(250));
}

#[tokio::test]
async fn mutation_updates_inserts_and_soft_deletes() {
    let api = MockApi::start(MockConfig::default()).await;
    let before = api.records("inventory");
    let outcome = api
        .mutate(MutationSpec {
            resource: None,
            update_percent: 10.0,
            inserts: 5,
            deletes: 3,
        })
        .unwrap();
    assert_eq!(outcome.len(), 14);
    let inv = outcome.iter().find(|o| o.resource == "inventory").unwrap();
    assert_eq!(inv.updated.len(), 25);
    assert_eq!(inv.deleted.len(), 3);
    assert_eq!(inv.inserted, vec![251, 252, 253, 254, 255]);

    let after = api.records("inventory");
    assert_eq!(after.len(), 255);
    let old_max = max_updated_at(&before);
    for id in &inv.updated {
        let (old, new) = (&before[*id as usize - 1], &after[*id as usize - 1]);
        assert_ne!(old["name"], new["name"], "id {id}");
        assert!(new["name"].as_str().unwrap().ends_with(" (rev 1)"));
        if !old["quantity"].is_null() {
            assert_eq!(
                new["quantity"].as_u64().unwrap(),
                old["quantity"].as_u64().unwrap() + 10
            );
        }
        assert!(new["updated_at"].as_str().unwrap() > old_max.as_str());
        assert!(new.get("deleted").is_none());
    }
    for id in &inv.deleted {
        let new = &after[*id as usize - 1];
        assert_eq!(new["deleted"], json!(true));
        assert_eq!(new["name"], before[*id as usize - 1]["name"]);
    }
    let changed: usize = after.iter().filter(|r| !before.contains(r)).count();
    assert_eq!(changed, 25 + 3 + 5);
    // The feed serves exactly what records() reports.
    let (served, _) = fetch_all(&api, "inventory", "").await;
    assert_eq!(served, after);
}

#[tokio::test]
async fn incremental_client_gets_exactly_the_changes() {
    let api = MockApi::start(MockConfig::default()).await;
    let (first, _) = fetch_all(&api, "orders", "").await;
    let cursor = max_updated_at(&first);
    let outcome = api
        .mutate(MutationSpec::percent(10.0, 250).for_resource("orders"))
        .unwrap();
    assert_eq!(outcome.len(), 1);
    let o = &outcome[0];
    assert_eq!(
        (o.updated.len(), o.inserted.len(), o.deleted.len()),
        (25, 12, 5)
    );

    let (delta, _) = fetch_all(&api, "orders", &format!("&updated_since={cursor}")).await;
    let mut expected: Vec<u64> = vec![250]; // the boundary record, updated exactly at the cursor
    expected.extend(&o.updated);
    expected.extend(&o.deleted);
    expected.extend(&o.inserted);
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(ids(&delta), expected);

    // Changed records' timestamps strictly increase in id order.
    let stamps: Vec<&str> = delta[1..]
        .iter()
        .filter(|r| r["id"] != json!(250))
        .map(|r| r["updated_at"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
}

#[tokio::test]
async fn second_mutation_bumps_past_the_first() {
    let api = MockApi::start(MockConfig::default()).await;
    api.mutate(MutationSpec::percent(10.0, 250).for_resource("media"))
        .unwrap();
    let cursor = max_updated_at(&api.records("media"));
    let second = api
        .mutate(MutationSpec::percent(4.0, 250).for_resource("media"))
        .unwrap();
    let (delta, _) = fetch_all(&api, "media", &format!("&updated_since={cursor}")).await;
    let changed = second[0].updated.len() + second[0].deleted.len() + second[0].inserted.len();
    // Plus the one record sitting exactly at the cursor.
    assert_eq!(delta.len(), changed + 1);
}

#[tokio::test]
async fn unknown_resource_mutation_is_an_error() {
    let api = MockApi::start(MockConfig::default()).await;
    let err = api
        .mutate(MutationSpec::percent(1.0, 250).for_resource("nope"))
        .unwrap_err();
    assert_eq!(err.0, "nope");
    assert!(api.records("nope").is_empty());
}

#[tokio::test]
async fn reset_restores_the_original_data() {
    let api = MockApi::start(MockConfig::default()).await;
    let original = api.records("stories");
    api.mutate(MutationSpec::percent(50.0, 250)).unwrap();
    assert_ne!(api.records("stories"), original);
    api.reset();
    assert_eq!(api.records("stories"), original);
    assert_eq!(api.stats().requests, 0);
}
