//! The `restsource-mock` binary: its single stdout line and the admin endpoints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// Kills the child even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_restsource-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line");
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (Server(child), base)
}

async fn json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn binary_serves_and_admin_endpoints_drive_it() {
    let (_server, base) = spawn(&["--records", "30", "--api-key", "k", "--auth", "oauth"]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let http = reqwest::Client::new();

    let (status, page) = json(http.get(format!("{base}/v1/items?api_key=k"))).await;
    assert_eq!((status, page["total"].clone()), (200, json!(30)));
    let (status, _) = json(http.get(format!("{base}/v1/resource?api_key=k"))).await;
    assert_eq!(status, 401);

    let (status, outcome) = json(http.post(format!(
        "{base}/_admin/mutate?percent=10&resource=items&inserts=2&deletes=1"
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(outcome[0]["updated"].as_array().unwrap().len(), 3);
    assert_eq!(outcome[0]["inserted"], json!([31, 32]));
    assert_eq!(outcome[0]["deleted"].as_array().unwrap().len(), 1);
    let (_, page) = json(http.get(format!("{base}/v1/items?api_key=k"))).await;
    assert_eq!(page["total"], json!(32));

    let (_, log) = json(http.get(format!("{base}/_admin/log"))).await;
    let paths: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/v1/items", "/v1/resource", "/v1/items"]);
    assert_eq!(log[1]["status"], json!(401));

    let (_, stats) = json(http.get(format!("{base}/_admin/stats"))).await;
    assert_eq!(stats["requests"], json!(3));
    assert_eq!(stats["by_status"], json!({"200": 2, "401": 1}));
    assert!(stats["max_requests_per_second"].as_u64().unwrap() >= 1);

    let (status, _) = json(http.post(format!("{base}/_admin/reset"))).await;
    assert_eq!(status, 200);
    let (_, page) = json(http.get(format!("{base}/v1/items?api_key=k"))).await;
    assert_eq!(page["total"], json!(30));
    let (_, stats) = json(http.get(format!("{base}/_admin/stats"))).await;
    assert_eq!(stats["requests"], json!(1));
}

#[tokio::test]
async fn admin_faults_endpoint_takes_a_json_plan() {
    let (_server, base) = spawn(&[]);
    let http = reqwest::Client::new();
    let plan = json!({"targeted": [{"path": "/v1/users", "kind": "bad_gateway", "times": 1}]});
    let (status, _) = json(http.post(format!("{base}/_admin/faults")).json(&plan)).await;
    assert_eq!(status, 200);
    let url = format!("{base}/v1/users?api_key=test-key");
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 502);
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 200);
    let (_, log) = json(http.get(format!("{base}/_admin/log"))).await;
    assert_eq!(log[0]["fault"], json!("bad_gateway"));
}

#[tokio::test]
async fn shape_flag_trims_inventory_records_only() {
    let (_server, base) = spawn(&["--records", "20", "--shape", "seed"]);
    let http = reqwest::Client::new();
    let (_, page) = json(http.get(format!("{base}/v1/stock_details?api_key=test-key"))).await;
    let first = page["data"][0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "name", "updated_at", "quantity", "sku", "warehouse"]
    );
    assert_eq!(first["sku"], json!("SKU-1"));
    let (_, social) = json(http.get(format!("{base}/v1/media?api_key=test-key"))).await;
    assert!(social["data"][0].get("like_count").is_some());

    let (_server, base) = spawn(&["--records", "20"]);
    let (_, page) = json(http.get(format!("{base}/v1/stock_details?api_key=test-key"))).await;
    assert!(page["data"][0].get("blob").is_some());
    assert!(page["data"][0].get("sku").is_none());
}
