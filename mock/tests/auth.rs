//! API key and OAuth2 client-credentials auth.

mod common;

use std::time::Duration;

use common::get_json;
use restsource_mock::{AuthMode, MockApi, MockConfig};
use serde_json::{json, Value};

fn oauth_config() -> MockConfig {
    MockConfig {
        analytics_auth: AuthMode::OAuth,
        ..MockConfig::default()
    }
}

async fn token_with_form(api: &MockApi, id: &str, secret: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", api.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn get_bearer(api: &MockApi, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/resource?offset=0&limit=5", api.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn api_key_is_required_and_checked() {
    let api = MockApi::start(MockConfig::default()).await;
    let missing = get_json(&api, "/v1/resource?offset=0").await;
    assert_eq!(missing, (401, json!({"error": "invalid api key"})));
    let wrong = get_json(&api, "/v1/stock_details?api_key=nope").await;
    assert_eq!(wrong, (401, json!({"error": "invalid api key"})));
    let (status, _) = get_json(&api, "/v1/stock_details?api_key=test-key").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn configured_api_key_replaces_the_default() {
    let api = MockApi::start(MockConfig {
        api_key: "k-123".into(),
        ..MockConfig::default()
    })
    .await;
    assert_eq!(get_json(&api, "/v1/users?api_key=test-key").await.0, 401);
    assert_eq!(get_json(&api, "/v1/users?api_key=k-123").await.0, 200);
}

#[tokio::test]
async fn oauth_token_flow_with_form_credentials() {
    let api = MockApi::start(MockConfig {
        token_ttl: Duration::from_secs(90),
        ..oauth_config()
    })
    .await;
    let (status, body) = token_with_form(&api, "client-1", "secret-1").await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], json!("bearer"));
    assert_eq!(body["expires_in"], json!(90));
    let token = body["access_token"].as_str().unwrap().to_string();

    let (status, page) = get_bearer(&api, &token).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], json!(250));
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    assert!(api.request_log()[1].authorization);

    // The API key is not accepted in OAuth mode, and other resources keep their API key.
    assert_eq!(get_json(&api, "/v1/resource?api_key=test-key").await.0, 401);
    assert_eq!(get_json(&api, "/v1/media?api_key=test-key").await.0, 200);
}

#[tokio::test]
async fn oauth_accepts_basic_client_credentials() {
    let api = MockApi::start(oauth_config()).await;
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", api.base_url()))
        .basic_auth("client-1", Some("secret-1"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], json!(3600));
    assert_eq!(api.tokens_issued(), 1);
}

#[tokio::test]
async fn wrong_client_credentials_are_invalid_client() {
    let api = MockApi::start(oauth_config()).await;
    let wrong = token_with_form(&api, "client-1", "guess").await;
    assert_eq!(wrong, (401, json!({"error": "invalid_client"})));
    assert_eq!(api.tokens_issued(), 0);
}

#[tokio::test]
async fn expired_or_unknown_tokens_get_401() {
    let api = MockApi::start(oauth_config()).await;
    let (_, body) = token_with_form(&api, "client-1", "secret-1").await;
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_bearer(&api, &token).await.0, 200);

    api.expire_tokens();
    let expired = get_bearer(&api, &token).await;
    assert_eq!(expired, (401, json!({"error": "token expired"})));
    let unknown = get_bearer(&api, "made-up").await;
    assert_eq!(unknown, (401, json!({"error": "token expired"})));

    let (_, fresh) = token_with_form(&api, "client-1", "secret-1").await;
    let fresh = fresh["access_token"].as_str().unwrap().to_string();
    assert_ne!(fresh, token);
    assert_eq!(get_bearer(&api, &fresh).await.0, 200);
}

#[tokio::test]
async fn sub_second_ttl_reports_one_second_and_expires() {
    let api = MockApi::start(MockConfig {
        token_ttl: Duration::from_millis(1),
        ..oauth_config()
    })
    .await;
    let (_, body) = token_with_form(&api, "client-1", "secret-1").await;
    assert_eq!(body["expires_in"], json!(1));
    let token = body["access_token"].as_str().unwrap().to_string();
    // Waiting longer than the TTL only makes expiry certain; nothing asserts on timing.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(get_bearer(&api, &token).await.0, 401);
}

#[tokio::test]
async fn tokens_expire_after_the_configured_number_of_requests() {
    let api = MockApi::start(MockConfig {
        faults: restsource_mock::FaultPlan::none().expire_tokens_after(2),
        ..oauth_config()
    })
    .await;
    let (_, body) = token_with_form(&api, "client-1", "secret-1").await;
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_bearer(&api, &token).await.0, 200);
    assert_eq!(get_bearer(&api, &token).await.0, 200);
    assert_eq!(get_bearer(&api, &token).await.0, 401);
    let (_, fresh) = token_with_form(&api, "client-1", "secret-1").await;
    let fresh = fresh["access_token"].as_str().unwrap().to_string();
    // Expiry happens once: the fresh token keeps working.
    for _ in 0..3 {
        assert_eq!(get_bearer(&api, &fresh).await.0, 200);
    }
}
