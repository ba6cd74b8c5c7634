//! Response actions beyond dlt's `ignore`, as Airbyte has them: `retry` on a body that says
//! the API is unavailable, `fail` as a config error without retrying, `rate_limited` waited
//! out like a 429 although the status is not in the retry policy.

use restsource::runtime::extract::ResourceHandle;
use restsource::runtime::secret::Secret;
use restsource_mock::{FaultKind, FaultPlan, MockApi, MockConfig};

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/response_actions.json");

async fn mock(faults: FaultPlan) -> MockApi {
    MockApi::start(MockConfig {
        faults,
        ..MockConfig::default()
    })
    .await
}

fn source(api: &MockApi) -> response_actions::Source {
    response_actions::Source::new(response_actions::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

fn only(name: &str) -> Vec<ResourceHandle> {
    response_actions::Source::resources()
        .into_iter()
        .filter(|h| h.def.name == name)
        .collect()
}

/// `(status, offset)` of every request to `path`, in order.
fn requests(api: &MockApi, path: &str) -> Vec<(Option<u16>, String)> {
    requests_to(&api.request_log(), path)
        .iter()
        .map(|r| (r.status, r.query_value("offset").unwrap_or("-").to_string()))
        .collect()
}

#[tokio::test]
async fn retry_on_body_content_retries_a_200_that_carries_no_data() {
    let api = mock(FaultPlan::none().fail_path("/v1/customers", FaultKind::ErrorObject, 2)).await;
    let db = scratch_db("actions-retry");
    let src = source(&api);
    run(src.extractor(), &only("retried"), &db)
        .await
        .expect("the retries get the data");
    assert_tables(
        &db,
        &api,
        &[(&response_actions::RETRIED, "customers")],
        true,
    );
    assert_eq!(assert_each_request_once(&api.request_log(), 3), 2);
    assert_eq!(
        requests(&api, "/v1/customers")[..3],
        [
            (Some(200), "0".to_string()),
            (Some(200), "0".to_string()),
            (Some(200), "0".to_string())
        ]
    );
    assert_eq!(src.extractor().retry_waits().len(), 2);
}

#[tokio::test]
async fn retries_that_run_out_say_the_error_is_transient() {
    let api = mock(FaultPlan::none().fail_path("/v1/customers", FaultKind::ErrorObject, 10)).await;
    let db = scratch_db("actions-retry-out");
    let err = run(source(&api).extractor(), &only("retried"), &db)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "returned status 200 after 3 retries: a transient error (response action `retry`): {\"message\":\"Service unavailable\"}"
        ),
        "{err}"
    );
    assert!(err.contains(": resource `retried`: GET "), "{err}");
    assert_eq!(requests(&api, "/v1/customers").len(), 4);
}

#[tokio::test]
async fn fail_is_a_config_error_at_once() {
    let api = mock(FaultPlan::none().permanent_status("/v1/items", 503)).await;
    let db = scratch_db("actions-fail");
    let err = run(source(&api).extractor(), &only("failing"), &db)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(": resource `failing`: GET "), "{err}");
    assert!(
        err.contains(
            "returned status 503, a config error (response action `fail`): {\"error\":\"injected fault\"}"
        ),
        "{err}"
    );
    assert!(!err.contains("test-key"), "{err}");
    assert_eq!(requests(&api, "/v1/items"), [(Some(503), "0".to_string())]);
}

#[tokio::test]
async fn rate_limited_waits_and_retries_a_status_the_policy_does_not_retry() {
    let api =
        mock(FaultPlan::none().fail_path("/v1/orders", FaultKind::ServiceUnavailable, 2)).await;
    let db = scratch_db("actions-limited");
    let src = source(&api);
    run(src.extractor(), &only("limited"), &db)
        .await
        .expect("waited out");
    assert_tables(&db, &api, &[(&response_actions::LIMITED, "orders")], true);
    let waits: Vec<Option<u16>> = src
        .extractor()
        .retry_waits()
        .iter()
        .map(|w| w.status)
        .collect();
    assert_eq!(waits, [Some(503), Some(503)]);
    assert_eq!(
        requests(&api, "/v1/orders")[..3],
        [
            (Some(503), "0".to_string()),
            (Some(503), "0".to_string()),
            (Some(200), "0".to_string())
        ]
    );
}
