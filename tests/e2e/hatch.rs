//! Escape hatches: a spec names a paginator type of this crate (`type = "rust"`), which
//! generated code makes fresh for each request sequence and the runtime drives through its
//! `Paginate` trait: the exact requests it made and the rows they brought. Likewise an auth
//! type (`Authenticate`) that sets the mock's bearer header from a secret the spec lists.

use restsource::runtime::def::PathStep;
use restsource::runtime::http::{AuthError, Authenticate, Credentials};
use restsource::runtime::paginate::{PageView, Paginate, PaginateError, RequestParts};
use restsource::runtime::secret::{Secret, SecretValues};
use restsource_mock::{AuthMode, MockApi, MockConfig, ANALYTICS};
use serde_json::Value;

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/hatch_paginator.json");
restsource::include_source!("tests/e2e/fixtures/hatch_auth.json");

/// Pages of 90 records by offset, ending when the next offset reaches the body's `total`:
/// the mock's pagination, read in a way no built-in paginator's defaults do.
#[derive(Default)]
pub struct TotalPages {
    offset: u64,
}

const PAGE: u64 = 90;
const TOTAL: &[PathStep] = &[PathStep::key("total")];

impl Paginate for TotalPages {
    fn init(&mut self, req: &mut RequestParts) {
        req.set_query("offset", self.offset.to_string());
        req.set_query("limit", PAGE.to_string());
    }

    fn value_paths(&self) -> Vec<&[PathStep]> {
        vec![TOTAL]
    }

    fn advance(
        &mut self,
        page: &PageView<'_>,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        let Some(total) = page.values[0].as_ref().and_then(Value::as_u64) else {
            return Err(PaginateError::Custom(
                "the page has no numeric `total`".into(),
            ));
        };
        self.offset += PAGE;
        if self.offset >= total {
            return Ok(false);
        }
        req.set_query("offset", self.offset.to_string());
        Ok(true)
    }
}

#[tokio::test]
async fn a_rust_paginator_named_in_the_spec_drives_the_requests() {
    let api = MockApi::start(MockConfig {
        analytics_auth: AuthMode::Bearer,
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("hatch-paginator");
    let src = hatch_paginator::Source::new(hatch_paginator::Secrets {
        token: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    run(src.extractor(), &hatch_paginator::Source::resources(), &db)
        .await
        .expect("run");
    assert_tables(
        &db,
        &api,
        &[(&hatch_paginator::RESOURCE_NAME, ANALYTICS)],
        true,
    );
    let total = api.records(ANALYTICS).len() as u64;
    assert!(total > 2 * PAGE, "{total} records make too few pages");
    let expected: Vec<Vec<(String, String)>> = (0..total.div_ceil(PAGE))
        .map(|k| {
            vec![
                ("offset".to_string(), (k * PAGE).to_string()),
                ("limit".to_string(), PAGE.to_string()),
            ]
        })
        .collect();
    let sent: Vec<Vec<(String, String)>> = requests_to(&api.request_log(), "/v1/resource")
        .iter()
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(sent, expected);
}

/// `Authorization: Bearer <token>` from the secret `token` the spec's auth lists.
#[derive(Default)]
pub struct BearerFromSecret;

impl Authenticate for BearerFromSecret {
    fn apply(&self, secrets: &SecretValues, creds: &mut Credentials<'_>) -> Result<(), AuthError> {
        let token = secrets
            .get("token")
            .ok_or_else(|| AuthError("no secret `token`".into()))?;
        creds.header("Authorization", &format!("Bearer {}", token.expose()))
    }
}

#[tokio::test]
async fn a_rust_auth_named_in_the_spec_signs_every_request() {
    let api = MockApi::start(MockConfig {
        analytics_auth: AuthMode::Bearer,
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("hatch-auth");
    let src = |token: &str| {
        hatch_auth::Source::new(hatch_auth::Secrets {
            token: Secret::new(token),
        })
        .with_base_url(api.base_url())
        .with_options(fast_options())
    };
    run(
        src("test-key").extractor(),
        &hatch_auth::Source::resources(),
        &db,
    )
    .await
    .expect("run");
    assert_tables(&db, &api, &[(&hatch_auth::RESOURCE_NAME, ANALYTICS)], true);
    let headers: Vec<Option<String>> = requests_to(&api.request_log(), "/v1/resource")
        .iter()
        .map(|r| r.authorization_header.clone())
        .collect();
    assert_eq!(headers, vec![Some("Bearer test-key".to_string()); 3]);

    api.reset();
    let err = run(
        src("wrong-token").extractor(),
        &hatch_auth::Source::resources(),
        &db,
    )
    .await
    .unwrap_err()
    .to_string();
    let refused = format!(
        "resource `resource_name`: GET {}/v1/resource?offset=0&limit=100 returned status 401, a config error (the API refused the credentials; check this source's secrets): {{\"error\":\"invalid bearer token\"}}",
        api.base_url()
    );
    assert!(err.contains(&refused), "{err}");
    assert!(!err.contains("wrong-token"), "{err}");
    assert_eq!(requests_to(&api.request_log(), "/v1/resource").len(), 1);
}
