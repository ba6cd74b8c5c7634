//! `restsource check` against the mock API: one request per resource, one line per resource
//! naming the kind of problem, exit 1 unless every resource is ok; nothing written.

mod common;
use common::*;

use std::path::PathBuf;
use std::process::{Command, Output};

use restsource_mock::{MockApi, MockConfig};

/// A spec with a good resource, a wrong path and a wrong selector.
const SPEC: &str = r#"{
  "client": {"base_url": "https://api.example.com",
             "auth": {"type": "api_key", "name": "api_key", "api_key": {"secret": "api_key"}, "location": "query"}},
  "resources": [
    {"name": "items", "endpoint": {"path": "/v1/items", "data_selector": "data", "paginator": {"type": "offset", "limit": 10}}},
    {"name": "missing", "endpoint": {"path": "/v1/missing", "data_selector": "data"}},
    {"name": "customers", "endpoint": {"path": "/v1/customers", "data_selector": "results"}}
  ]
}"#;

fn spec_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("restsource-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("checked.json");
    std::fs::write(&path, SPEC).unwrap();
    path
}

fn check(key: &str, base: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restsource"))
        .env("API_KEY", key)
        .arg("check")
        .arg(spec_file())
        .args(["--base-url", base])
        .args(extra)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_resource_is_asked_once_and_its_problem_named() {
    let api = MockApi::start(MockConfig {
        records: 30,
        ..MockConfig::default()
    })
    .await;
    let base = api.base_url();
    let o = check("test-key", &base, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).replace(&base, "BASE"), concat!(
            "ok       items: 10 records on the first page\n",
            "url      missing: resource `missing`: GET BASE/v1/missing returned status 404: {\"error\":\"not found\"}\n",
            "selector customers: resource `customers`: page 1 (BASE/v1/customers?api_key=***): data_selector `results` not found in the response (if the API leaves it out of empty pages, set the endpoint's `data_selector_missing` to \"empty\"); body: {\"data\":[{\"id\":1,\"name\":\"customers #1\",\"updated_at\":\"2024-01-01T00:01:00Z\",\"quantity\":64,\"price\":\"275.52\",\"active\":true,\"ratio\":0.0830078125,\"created_on\":\"2024-01-02\",\"restock_at\":\"07:45:00\",\"blob\":\"A…\n",
            "1 of 3 resources ok\n",
        ));
    assert_eq!(api.request_log().len(), 3);

    api.clear_log();
    let o = check("wrong-key", &base, &["items"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).replace(&base, "BASE"), concat!(
            "auth     items: resource `items`: GET BASE/v1/items?offset=0&limit=10 returned status 401, a config error (the API refused the credentials; check this source's secrets): {\"error\":\"invalid api key\"}\n",
            "0 of 1 resources ok\n",
        ));
    assert_eq!(api.request_log().len(), 1);
    // The key never appears, not even the wrong one.
    assert!(!text(&o.stdout).contains("wrong-key"));

    let o = check("test-key", &base, &["items"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "ok       items: 10 records on the first page\n1 of 1 resources ok\n"
    );
}
