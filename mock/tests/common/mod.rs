//! Helpers shared by the mock's integration tests.
#![allow(dead_code)]

use restsource_mock::MockApi;
use serde_json::Value;

/// GETs `path_and_query` and returns the status and the body parsed as JSON.
pub async fn get_json(api: &MockApi, path_and_query: &str) -> (u16, Value) {
    let url = format!("{}{}", api.base_url(), path_and_query);
    let response = reqwest::get(&url).await.expect("request reaches the mock");
    let status = response.status().as_u16();
    let body = response.json().await.expect("body is JSON");
    (status, body)
}

/// Reads every page of `resource` with limit 100 and the test API key, plus `extra` query.
pub async fn fetch_all(api: &MockApi, resource: &str, extra: &str) -> (Vec<Value>, usize) {
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = get_json(
            api,
            &format!(
                "/v1/{resource}?offset={}&limit=100&api_key=test-key{extra}",
                records.len()
            ),
        )
        .await;
        assert_eq!(status, 200, "page {pages} of {resource}: {body}");
        pages += 1;
        let page = body["data"].as_array().expect("data is a list").clone();
        let total = body["total"].as_u64().expect("total") as usize;
        let empty = page.is_empty();
        records.extend(page);
        if empty || records.len() >= total {
            return (records, pages);
        }
    }
}
