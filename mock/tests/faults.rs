//! Every fault kind as a plain reqwest client sees it, the consecutive-failure bound,
//! targeted and permanent faults.

mod common;

use std::time::Duration;

use restsource_mock::{FaultKind, FaultPlan, MockApi, MockConfig, RetryAfter};
use serde_json::{json, Value};

const PAGE: &str = "/v1/items?offset=0&limit=100&api_key=test-key";

async fn start_with(plan: FaultPlan) -> MockApi {
    MockApi::start(MockConfig {
        faults: plan,
        ..MockConfig::default()
    })
    .await
}

async fn get(api: &MockApi, path: &str) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::new()
        .get(format!("{}{}", api.base_url(), path))
        .send()
        .await
}

/// Fails the next request to `/v1/items` with `kind`.
async fn once(kind: FaultKind) -> MockApi {
    start_with(FaultPlan::none().fail_path("/v1/items", kind, 1)).await
}

#[tokio::test]
async fn status_faults_answer_with_their_status_then_recover() {
    for (kind, status) in [
        (FaultKind::InternalServerError, 500),
        (FaultKind::BadGateway, 502),
        (FaultKind::ServiceUnavailable, 503),
        (FaultKind::GatewayTimeout, 504),
    ] {
        let api = once(kind).await;
        let response = get(&api, PAGE).await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(get(&api, PAGE).await.unwrap().status().as_u16(), 200);
        let log = api.request_log();
        assert_eq!(log[0].fault, Some(kind));
        assert_eq!(log[0].status, Some(status));
        assert_eq!(log[1].fault, None);
    }
}

#[tokio::test]
async fn too_many_requests_carries_retry_after_seconds() {
    let api = start_with(
        FaultPlan::none()
            .with_retry_after(RetryAfter::Seconds(7))
            .fail_path("/v1/items", FaultKind::TooManyRequests, 1),
    )
    .await;
    let response = get(&api, PAGE).await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
}

#[tokio::test]
async fn too_many_requests_can_carry_an_http_date() {
    let api = start_with(
        FaultPlan::none()
            .with_retry_after(RetryAfter::HttpDate(2))
            .fail_path("/v1/items", FaultKind::TooManyRequests, 1),
    )
    .await;
    let response = get(&api, PAGE).await.unwrap();
    let value = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(value.ends_with(" GMT"), "{value}");
    assert!(chrono::DateTime::parse_from_rfc2822(&value.replace("GMT", "+0000")).is_ok());
}

#[tokio::test]
async fn dropped_connection_is_a_connection_error() {
    let api = once(FaultKind::DroppedConnection).await;
    let err = get(&api, PAGE).await.unwrap_err();
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(get(&api, PAGE).await.unwrap().status().as_u16(), 200);
    let log = api.request_log();
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault, Some(FaultKind::DroppedConnection));
}

#[tokio::test]
async fn slow_response_trips_a_client_timeout() {
    let api = start_with(FaultPlan::none().with_slow_delay_ms(30_000).fail_path(
        "/v1/items",
        FaultKind::Slow,
        1,
    ))
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = format!("{}{}", api.base_url(), PAGE);
    let err = client.get(&url).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        client.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(api.request_log()[0].fault, Some(FaultKind::Slow));
    api.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_a_truncated_200() {
    let api = once(FaultKind::MalformedJson).await;
    let response = get(&api, PAGE).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    assert!(text.starts_with("{\"data\":[{\"id\":1,"));
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn html_error_page_is_a_200_with_html() {
    let api = once(FaultKind::HtmlErrorPage).await;
    let response = get(&api, PAGE).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(response
        .text()
        .await
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

#[tokio::test]
async fn wrong_type_corrupts_the_first_record_only() {
    let api = once(FaultKind::WrongType).await;
    let body: Value = get(&api, PAGE).await.unwrap().json().await.unwrap();
    let expected = api.records("items");
    assert_eq!(body["data"][0]["quantity"], json!("lots"));
    assert_eq!(body["data"][0]["name"], expected[0]["name"]);
    assert_eq!(body["data"][1], expected[1]);
    assert_eq!(body["total"], json!(250));
}

#[tokio::test]
async fn default_mix_never_injects_bad_input() {
    let plan = FaultPlan::retryable(1.0)
        .with_max_consecutive_failures(1)
        .with_slow_delay_ms(1);
    let api = start_with(plan).await;
    for offset in 0..40 {
        let path = format!("/v1/items?offset={offset}&limit=1&api_key=test-key");
        let _ = get(&api, &path).await;
    }
    let log = api.request_log();
    assert_eq!(log.len(), 40);
    assert!(log
        .iter()
        .all(|r| r.fault.is_some_and(FaultKind::is_retryable)));
}

#[tokio::test]
async fn a_request_fails_at_most_n_times_in_a_row() {
    // Every attempt would fail if not for the bound.
    let plan = FaultPlan::retryable(1.0)
        .with_kinds(&[FaultKind::ServiceUnavailable])
        .with_max_consecutive_failures(3);
    let api = start_with(plan).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get(&api, PAGE).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [503, 503, 503, 200, 503, 503, 503, 200]);
    // The credential is not part of the request's identity.
    let other_key = "/v1/items?offset=0&limit=100&api_key=rotated";
    assert_eq!(get(&api, other_key).await.unwrap().status().as_u16(), 401);
}

#[tokio::test]
async fn random_faults_hit_about_the_configured_rate() {
    let plan = FaultPlan::retryable(0.1)
        .with_kinds(&[FaultKind::InternalServerError])
        .with_max_consecutive_failures(3);
    let api = start_with(plan).await;
    for offset in 0..500 {
        let path = format!("/v1/users?offset={offset}&limit=1&api_key=test-key");
        let _ = get(&api, &path).await;
    }
    let faults = api
        .request_log()
        .iter()
        .filter(|r| r.fault.is_some())
        .count();
    // Deterministic: the same seed and requests always draw the same 41 faults (~10%).
    assert_eq!(faults, 41);
    assert_eq!(api.stats().faults, faults as u64);
}

#[tokio::test]
async fn permanent_status_never_recovers() {
    let api = start_with(FaultPlan::none().permanent_status("/v1/orders", 500)).await;
    for _ in 0..5 {
        let r = get(&api, "/v1/orders?api_key=test-key").await.unwrap();
        assert_eq!(r.status().as_u16(), 500);
    }
    assert_eq!(get(&api, PAGE).await.unwrap().status().as_u16(), 200);
    let faults: Vec<_> = api.request_log().iter().map(|r| r.fault).collect();
    assert_eq!(faults[..5], [Some(FaultKind::Permanent(500)); 5]);
}

#[tokio::test]
async fn set_faults_replaces_the_plan_at_runtime() {
    let api = start_with(FaultPlan::none()).await;
    assert_eq!(get(&api, PAGE).await.unwrap().status().as_u16(), 200);
    api.set_faults(FaultPlan::none().fail_path("/v1/items", FaultKind::BadGateway, 2));
    let statuses = [
        get(&api, PAGE).await.unwrap().status().as_u16(),
        get(&api, PAGE).await.unwrap().status().as_u16(),
        get(&api, PAGE).await.unwrap().status().as_u16(),
    ];
    assert_eq!(statuses, [502, 502, 200]);
}

#[tokio::test]
async fn token_endpoint_can_be_targeted() {
    let api =
        start_with(FaultPlan::none().fail_path("/oauth/token", FaultKind::ServiceUnavailable, 1))
            .await;
    let post = || {
        reqwest::Client::new()
            .post(format!("{}/oauth/token", api.base_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "client-1"),
                ("client_secret", "secret-1"),
            ])
            .send()
    };
    assert_eq!(post().await.unwrap().status().as_u16(), 503);
    assert_eq!(post().await.unwrap().status().as_u16(), 200);
}
