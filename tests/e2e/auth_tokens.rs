//! OAuth2's refresh-token grant with a rotating token endpoint (the rotated refresh token is
//! stored with the run's rows and sent by the next run instead of the spec's secret), and a
//! session login whose token is sent as a bearer token.

use restsource::runtime::secret::Secret;
use restsource_mock::{AuthMode, FaultKind, FaultPlan, MockApi, MockConfig, ANALYTICS};
use serde_json::json;

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/auth_refresh.json");
restsource::include_source!("tests/e2e/fixtures/auth_session.json");

async fn mock(rotate: bool, faults: FaultPlan) -> MockApi {
    MockApi::start(MockConfig {
        analytics_auth: AuthMode::OAuth,
        rotate_refresh_tokens: rotate,
        faults,
        ..MockConfig::default()
    })
    .await
}

fn refresh_source(api: &MockApi) -> auth_refresh::Source {
    auth_refresh::Source::new(auth_refresh::Secrets {
        client_id: Secret::new("client-1"),
        client_secret: Secret::new("secret-1"),
        refresh_token: Secret::new("refresh-1"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_with_the_rows_and_used_by_the_next_run() {
    let api = mock(true, FaultPlan::none()).await;
    let db = scratch_db("auth-refresh-rotate");
    let tables = [(&auth_refresh::RESOURCE_NAME, ANALYTICS)];
    run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .expect("first run");
    assert_tables(&db, &api, &tables, true);
    assert_eq!(api.refresh_tokens_presented(), ["refresh-1"]);
    assert_eq!(
        state_of(&db, "_rs_auth"),
        Some(json!({"refresh_tokens": {"refresh_token": "refresh-rotated-1"}}))
    );

    // The spec's secret still says refresh-1, which the provider retired: the stored one
    // is sent, and the one rotated in its place is stored.
    run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .expect("second run");
    assert_eq!(
        api.refresh_tokens_presented(),
        ["refresh-1", "refresh-rotated-1"]
    );
    assert_eq!(
        state_of(&db, "_rs_auth"),
        Some(json!({"refresh_tokens": {"refresh_token": "refresh-rotated-2"}}))
    );
    assert_tables(&db, &api, &tables, true);
}

#[tokio::test]
async fn a_token_rotated_by_a_run_that_fails_is_kept_for_the_next_run() {
    // The token endpoint rotates, then the first data request fails without a retry.
    let faults = FaultPlan::none().fail_path("/v1/resource", FaultKind::Permanent(400), 1);
    let api = mock(true, faults).await;
    let db = scratch_db("auth-refresh-rotate-fail");
    let err = run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("status 400"), "{err}");
    // No rows, but the provider retired refresh-1: the rotated token is kept on its own.
    assert_eq!(
        state_of(&db, "_rs_auth"),
        Some(json!({"refresh_tokens": {"refresh_token": "refresh-rotated-1"}}))
    );
    run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .expect("the next run, with the kept token");
    assert_eq!(
        api.refresh_tokens_presented(),
        ["refresh-1", "refresh-rotated-1"]
    );
    assert_tables(
        &db,
        &api,
        &[(&auth_refresh::RESOURCE_NAME, ANALYTICS)],
        true,
    );
}

#[tokio::test]
async fn a_refresh_token_without_rotation_stores_nothing() {
    let api = mock(false, FaultPlan::none()).await;
    let db = scratch_db("auth-refresh-plain");
    run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_eq!(api.refresh_tokens_presented(), ["refresh-1"]);
    assert_eq!(state_of(&db, "_rs_auth"), None);
    let data = requests_to(&api.request_log(), "/v1/resource")
        .iter()
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert_eq!(data, [Some(200), Some(200), Some(200)]);
}

#[tokio::test]
async fn a_retired_refresh_token_is_a_config_error_without_the_token() {
    let api = mock(true, FaultPlan::none()).await;
    let db = scratch_db("auth-refresh-retired");
    run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &db,
    )
    .await
    .expect("first run rotates");
    // Another destination never saw the rotated token: refresh-1 is refused.
    let other = scratch_db("auth-refresh-retired-other");
    let err = run(
        refresh_source(&api).extractor(),
        &auth_refresh::Source::resources(),
        &other,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "resource `resource_name`: OAuth2 token request to {}/oauth/token failed: the refresh token was refused (status 400: {{\"error\":\"invalid_grant\"}}), a config error: set a new refresh token",
            api.base_url()
        )),
        "{err}"
    );
    assert!(
        !err.contains("refresh-1") && !err.contains("secret-1"),
        "{err}"
    );
}

fn session_source(api: &MockApi, password: &str) -> auth_session::Source {
    auth_session::Source::new(auth_session::Secrets {
        user: Secret::new("client-1"),
        password: Secret::new(password),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

#[tokio::test]
async fn a_session_token_from_the_login_endpoint_is_sent_as_bearer() {
    // Tokens expire right after the first page: the 401 logs in again, once.
    let api = mock(false, FaultPlan::none().expire_tokens_after(1)).await;
    let db = scratch_db("auth-session");
    run(
        session_source(&api, "secret-1").extractor(),
        &auth_session::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_tables(
        &db,
        &api,
        &[(&auth_session::RESOURCE_NAME, ANALYTICS)],
        true,
    );
    let log = api.request_log();
    let logins: Vec<_> = requests_to(&log, "/auth/login")
        .iter()
        .map(|r| (r.method.as_str(), r.status))
        .collect();
    assert_eq!(logins, [("POST", Some(200)), ("POST", Some(200))]);
    assert_eq!(api.tokens_issued(), 2);
    let mut data: Vec<(Option<u16>, String)> = requests_to(&log, "/v1/resource")
        .iter()
        .map(|r| {
            let auth = r.authorization_header.clone().unwrap_or_default();
            // Tokens are `tok-<n>-<hash>`: keep the issue number.
            (
                r.status,
                auth.split('-').take(2).collect::<Vec<_>>().join("-"),
            )
        })
        .collect();
    // Pages 2 and 3 go out together once the total is known, so one or both meet the
    // expired token; either way one new login serves both.
    data.sort();
    let rejected = data.iter().filter(|(s, _)| *s == Some(401)).count();
    assert!((1..=2).contains(&rejected), "{data:?}");
    let mut expected = vec![
        (Some(200), "Bearer tok-1".to_string()),
        (Some(200), "Bearer tok-2".to_string()),
        (Some(200), "Bearer tok-2".to_string()),
    ];
    expected.extend(std::iter::repeat_n(
        (Some(401), "Bearer tok-1".to_string()),
        rejected,
    ));
    assert_eq!(data, expected);
}

#[tokio::test]
async fn a_refused_login_is_a_config_error_naming_the_resource() {
    let api = mock(false, FaultPlan::none()).await;
    let db = scratch_db("auth-session-refused");
    let err = run(
        session_source(&api, "wrong-password").extractor(),
        &auth_session::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "resource `resource_name`: POST {}/auth/login returned status 401, a config error (the API refused the credentials; check this source's secrets): {{\"error\":\"invalid credentials\"}}",
            api.base_url()
        )),
        "{err}"
    );
    assert!(!err.contains("wrong-password"), "{err}");
    assert!(requests_to(&api.request_log(), "/v1/resource").is_empty());
}
