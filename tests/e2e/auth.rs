//! Bearer, HTTP Basic and an API key in a cookie, from the spec through `include_source!` to
//! the mock: the exact header the API saw on every request, and a wrong credential failing
//! the run as a config error that names the resource and never the secret.

use restsource::runtime::secret::Secret;
use restsource_mock::{AuthMode, MockApi, MockConfig, ANALYTICS};

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/auth_bearer.json");
restsource::include_source!("tests/e2e/fixtures/auth_basic.json");
restsource::include_source!("tests/e2e/fixtures/auth_cookie.json");

async fn mock(mode: AuthMode) -> MockApi {
    MockApi::start(MockConfig {
        analytics_auth: mode,
        ..MockConfig::default()
    })
    .await
}

/// The `(Authorization, Cookie)` headers of every data request, in order.
fn seen(api: &MockApi) -> Vec<(Option<String>, Option<String>)> {
    requests_to(&api.request_log(), "/v1/resource")
        .iter()
        .map(|r| (r.authorization_header.clone(), r.cookie.clone()))
        .collect()
}

/// The error of a run refused for its credentials, as the pipeline reports it.
fn refused(api: &MockApi, why: &str) -> String {
    format!(
        "resource `resource_name`: GET {}/v1/resource?offset=0&limit=100 returned status 401, a config error (the API refused the credentials; check this source's secrets): {{\"error\":\"{why}\"}}",
        api.base_url()
    )
}

#[tokio::test]
async fn a_bearer_token_is_sent_on_every_request() {
    let api = mock(AuthMode::Bearer).await;
    let db = scratch_db("auth-bearer");
    let src = |token: &str| {
        auth_bearer::Source::new(auth_bearer::Secrets {
            token: Secret::new(token),
        })
        .with_base_url(api.base_url())
        .with_options(fast_options())
    };
    run(
        src("test-key").extractor(),
        &auth_bearer::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_tables(&db, &api, &[(&auth_bearer::RESOURCE_NAME, ANALYTICS)], true);
    let bearer = (Some("Bearer test-key".to_string()), None);
    assert_eq!(seen(&api), vec![bearer.clone(), bearer.clone(), bearer]);

    api.reset();
    let err = run(
        src("wrong-token").extractor(),
        &auth_bearer::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&refused(&api, "invalid bearer token")),
        "{err}"
    );
    assert!(!err.contains("wrong-token"), "{err}");
    assert_eq!(requests_to(&api.request_log(), "/v1/resource").len(), 1);
}

#[tokio::test]
async fn http_basic_sends_user_and_password_encoded() {
    let api = mock(AuthMode::Basic).await;
    let db = scratch_db("auth-basic");
    let src = |password: &str| {
        auth_basic::Source::new(auth_basic::Secrets {
            user: Secret::new("client-1"),
            password: Secret::new(password),
        })
        .with_base_url(api.base_url())
        .with_options(fast_options())
    };
    run(
        src("secret-1").extractor(),
        &auth_basic::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_tables(&db, &api, &[(&auth_basic::RESOURCE_NAME, ANALYTICS)], true);
    // base64("client-1:secret-1")
    let basic = (Some("Basic Y2xpZW50LTE6c2VjcmV0LTE=".to_string()), None);
    assert_eq!(seen(&api), vec![basic.clone(), basic.clone(), basic]);

    api.reset();
    let err = run(
        src("not-the-password").extractor(),
        &auth_basic::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&refused(&api, "invalid user or password")),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
}

#[tokio::test]
async fn an_api_key_cookie_is_sent_as_a_cookie_only() {
    let api = mock(AuthMode::Cookie).await;
    let db = scratch_db("auth-cookie");
    let src = |key: &str| {
        auth_cookie::Source::new(auth_cookie::Secrets {
            api_key: Secret::new(key),
        })
        .with_base_url(api.base_url())
        .with_options(fast_options())
    };
    run(
        src("test-key").extractor(),
        &auth_cookie::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_tables(&db, &api, &[(&auth_cookie::RESOURCE_NAME, ANALYTICS)], true);
    let cookie = (None, Some("api_key=test-key".to_string()));
    assert_eq!(seen(&api), vec![cookie.clone(), cookie.clone(), cookie]);
    assert!(api
        .request_log()
        .iter()
        .all(|r| r.query_value("api_key").is_none()));

    api.reset();
    let err = run(
        src("bad-key").extractor(),
        &auth_cookie::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&refused(&api, "invalid api key cookie")),
        "{err}"
    );
    assert!(!err.contains("bad-key"), "{err}");
}
