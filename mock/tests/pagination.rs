//! Pagination, record shapes and the request log.

mod common;

use common::{fetch_all, get_json};
use restsource_mock::{all_resources, MockApi, MockConfig, MutationSpec, Shape, INVENTORY};
use serde_json::json;

#[tokio::test]
async fn default_config_serves_250_records_in_3_pages() {
    let api = MockApi::start(MockConfig::default()).await;
    let (records, pages) = fetch_all(&api, "resource", "").await;
    assert_eq!(pages, 3);
    assert_eq!(records.len(), 250);
    let ids: Vec<u64> = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=250).collect::<Vec<u64>>());
    assert_eq!(records, api.records("resource"));
}

#[tokio::test]
async fn every_resource_pages_to_its_records() {
    let api = MockApi::start(MockConfig {
        records: 120,
        ..MockConfig::default()
    })
    .await;
    assert_eq!(all_resources().len(), 14);
    for resource in all_resources() {
        let (records, pages) = fetch_all(&api, resource, "").await;
        assert_eq!(pages, 2, "{resource}");
        assert_eq!(records, api.records(resource), "{resource}");
    }
}

#[tokio::test]
async fn page_contents_and_totals_are_exact() {
    let api = MockApi::start(MockConfig::default()).await;
    let (status, body) = get_json(&api, "/v1/items?offset=240&limit=100&api_key=test-key").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], json!(250));
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 10);
    assert_eq!(data[0]["id"], json!(241));
    assert_eq!(data[9]["id"], json!(250));

    let (_, past_end) = get_json(&api, "/v1/items?offset=900&api_key=test-key").await;
    assert_eq!(past_end, json!({"data": [], "total": 250}));

    // Defaults: offset 0, limit 100.
    let (_, first) = get_json(&api, "/v1/items?api_key=test-key").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 100);
    assert_eq!(first["data"][0]["id"], json!(1));
}

#[tokio::test]
async fn limit_is_clamped_to_max_page_size() {
    let api = MockApi::start(MockConfig {
        max_page_size: 30,
        ..MockConfig::default()
    })
    .await;
    let (_, body) = get_json(&api, "/v1/orders?limit=1000&api_key=test-key").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 30);
    assert_eq!(body["total"], json!(250));
}

#[tokio::test]
async fn bad_parameters_and_unknown_paths_are_rejected() {
    let api = MockApi::start(MockConfig::default()).await;
    let cases = [
        ("/v1/items?offset=x&api_key=test-key", 400, "invalid offset"),
        ("/v1/items?limit=-1&api_key=test-key", 400, "invalid limit"),
        (
            "/v1/items?updated_since=yesterday&api_key=test-key",
            400,
            "invalid updated_since",
        ),
        ("/v1/nothing?api_key=test-key", 404, "not found"),
    ];
    for (path, status, message) in cases {
        let (got, body) = get_json(&api, path).await;
        assert_eq!((got, body), (status, json!({ "error": message })), "{path}");
    }
}

#[tokio::test]
async fn records_have_the_seed_shapes() {
    let api = MockApi::start(MockConfig::default()).await;
    let analytics = api.records("resource");
    let r5 = &analytics[4];
    assert_eq!(r5["name"], json!("Ünïcødé ✓ 漢字 #5"));
    assert_eq!(r5["updated_at"], json!("2024-01-01T00:05:00Z"));
    assert_eq!(analytics[0]["name"], json!("resource #1"));
    assert_eq!(analytics[6]["value"], json!(null));
    assert!(analytics[0]["value"].is_f64());
    assert!(analytics[0]["customer_id"]
        .as_str()
        .unwrap()
        .starts_with("cust-"));
    assert!(analytics[0]["data"]["geo"]["country"].is_string());
    assert!(analytics[0]["data"]["clicks"].is_u64());
    assert_eq!(analytics[10]["tags"], json!([]));
    assert_eq!(
        analytics[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "name",
            "updated_at",
            "customer_id",
            "event_timestamp",
            "value",
            "data",
            "tags"
        ]
    );

    let social = api.records("media");
    assert_eq!(social[13]["caption"], json!(null));
    assert!(social[0]["like_count"].is_u64());
    assert!(social[0]["timestamp"].as_str().unwrap().ends_with('Z'));

    let items = api.records("items");
    let item = &items[0];
    assert_eq!(items[6]["quantity"], json!(null));
    assert!(item["quantity"].is_u64());
    assert!(item["price"].as_str().unwrap().contains('.'));
    assert_eq!(item["active"], json!(true));
    assert_eq!(items[2]["active"], json!(false));
    assert_eq!(item["created_on"], json!("2024-01-02"));
    assert_eq!(item["restock_at"].as_str().unwrap().len(), 8);
    assert!(item["attributes"]["dims"]["w"].is_u64());
    assert_eq!(item["notes"], json!("note 1"));
    assert_eq!(items[12]["notes"], json!("line one\nline \"two\" of 13"));
    assert!(items.iter().all(|r| r.get("deleted").is_none()));
}

#[tokio::test]
async fn request_log_records_method_path_query_status() {
    let api = MockApi::start(MockConfig::default()).await;
    get_json(&api, "/v1/users?offset=100&limit=50&api_key=test-key").await;
    get_json(&api, "/v1/users?offset=0").await;
    let log = api.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/v1/users");
    assert_eq!(
        log[0].query,
        vec![
            ("offset".to_string(), "100".to_string()),
            ("limit".to_string(), "50".to_string()),
            ("api_key".to_string(), "test-key".to_string()),
        ]
    );
    assert_eq!(log[0].query_value("limit"), Some("50"));
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[0].fault, None);
    assert!(!log[0].authorization);
    assert_eq!(log[1].status, Some(401));
    assert_eq!(api.stats().requests, 2);
    api.clear_log();
    assert!(api.request_log().is_empty());
    assert_eq!(api.stats().requests, 2);
    api.shutdown().await;
}

#[tokio::test]
async fn seed_shape_serves_the_same_ids_and_changes_with_fewer_fields() {
    let api = MockApi::start(MockConfig {
        records: 120,
        shape: Shape::Seed,
        ..MockConfig::default()
    })
    .await;
    let wide = MockApi::start(MockConfig {
        records: 120,
        ..MockConfig::default()
    })
    .await;
    let spec = MutationSpec::percent(10.0, 120);
    assert_eq!(
        api.mutate(spec.clone()).unwrap(),
        wide.mutate(spec).unwrap()
    );
    for resource in all_resources() {
        let (records, _) = fetch_all(&api, resource, "").await;
        assert_eq!(records, api.records(resource), "{resource}");
        let (wide_records, _) = fetch_all(&wide, resource, "").await;
        if !INVENTORY.contains(&resource) {
            assert_eq!(records, wide_records, "{resource}");
            continue;
        }
        for (seed, wide) in records.iter().zip(&wide_records) {
            for field in ["id", "name", "updated_at", "quantity", "deleted"] {
                assert_eq!(seed.get(field), wide.get(field), "{resource} {field}");
            }
            let extra =
                seed.as_object().unwrap().len() - 4 - usize::from(seed.get("deleted").is_some());
            assert_eq!(extra, 2, "{seed}");
        }
    }
}
