//! Seed 003: the analytics API behind OAuth2 client credentials (`type = "oauth2"` with
//! `token_url`), the token cached and fetched again when it expires or is rejected.

use restsource::runtime::secret::Secret;
use restsource_mock::{AuthMode, FaultPlan, MockApi, MockConfig, MutationSpec, ANALYTICS};

use crate::harness::*;

restsource::include_source!("specs/oauth_analytics.toml");

fn config(faults: FaultPlan) -> MockConfig {
    MockConfig {
        analytics_auth: AuthMode::OAuth,
        faults,
        ..MockConfig::default()
    }
}

fn source(api: &MockApi) -> oauth_analytics::Source {
    // The spec's token URL is https://api.example.com/oauth/token; overriding the base URL
    // rebases it onto the mock because it shares the spec's origin.
    oauth_analytics::Source::new(oauth_analytics::Secrets {
        client_id: Secret::new("client-1"),
        client_secret: Secret::new("secret-1"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

const TABLES: [(&restsource::runtime::def::ResourceDef, &str); 1] =
    [(&oauth_analytics::RESOURCE_NAME, ANALYTICS)];

#[tokio::test]
async fn one_token_serves_the_whole_run() {
    let api = MockApi::start(config(FaultPlan::none())).await;
    let db = scratch_db("oauth");
    let src = source(&api);
    run(src.extractor(), &oauth_analytics::Source::resources(), &db)
        .await
        .expect("run");
    assert_tables(&db, &api, &TABLES, true);
    assert_eq!(api.tokens_issued(), 1);
    let log = api.request_log();
    let token_requests = requests_to(&log, "/oauth/token");
    assert_eq!(token_requests.len(), 1);
    let data = requests_to(&log, "/v1/resource");
    assert_eq!(data.len(), 3);
    assert!(data
        .iter()
        .all(|r| r.authorization && r.query_value("api_key").is_none()));
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_fetched_again_once() {
    // Tokens expire right after the first page is served.
    let api = MockApi::start(config(FaultPlan::none().expire_tokens_after(1))).await;
    let db = scratch_db("oauth-expiry");
    let src = source(&api);
    run(src.extractor(), &oauth_analytics::Source::resources(), &db)
        .await
        .expect("run survives the expiry");
    assert_tables(&db, &api, &TABLES, true);
    assert_eq!(api.tokens_issued(), 2, "exactly one new token");
    let log = api.request_log();
    let rejected = log.iter().filter(|r| r.status == Some(401)).count();
    assert!(rejected >= 1, "the expired token was rejected");
    // Every page was eventually served exactly once.
    let served = requests_to(&log, "/v1/resource")
        .iter()
        .filter(|r| r.status == Some(200))
        .count();
    assert_eq!(served, 3);
}

#[tokio::test]
async fn faults_and_changes_converge() {
    let api = MockApi::start(config(
        FaultPlan::retryable(0.10).with_max_consecutive_failures(3),
    ))
    .await;
    let db = scratch_db("oauth-faults");
    let src = source(&api);
    run(src.extractor(), &oauth_analytics::Source::resources(), &db)
        .await
        .expect("first run");
    api.mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    run(src.extractor(), &oauth_analytics::Source::resources(), &db)
        .await
        .expect("second run");
    assert_tables(&db, &api, &TABLES, true);
}
