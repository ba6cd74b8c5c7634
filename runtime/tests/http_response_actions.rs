//! Response action `refresh_token`: a response that says the token is stale (here a 200 whose
//! body says so, which no status check would catch) gets a new OAuth2 token and is sent again
//! once; matching again after that fails the resource as a config error.

mod common_extract;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::Extractor;
use restsource_runtime::secret::{Secret, SecretValues};
use serde_json::json;

const REFRESHING: ResourceDef = ResourceDef {
    name: "refreshing",
    endpoint: EndpointDef {
        response_actions: &[ResponseActionDef {
            status_code: None,
            content: Some("session expired"),
            action: ResponseActionKind::RefreshToken,
        }],
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Refreshed, &REFRESHING);

static SRC: SourceDef = SourceDef {
    auth: Some(AuthDef::OAuth2 {
        token_url: "/oauth/token",
        client_id: CredDef {
            secret: "client_id",
        },
        client_secret: CredDef {
            secret: "client_secret",
        },
        extra: &[],
        default_expiration_secs: 3600,
        client_auth: ClientAuth::Body,
        scopes: &[],
        refresh_token: None,
    }),
    ..SOURCE
};

fn extractor(base: &str) -> Extractor {
    let mut s = SecretValues::new();
    s.insert("client_id", Secret::new("the-client"));
    s.insert("client_secret", Secret::new("SUPERSECRET42"));
    Extractor::new(&SRC, s)
        .with_base_url(base)
        .with_options(options())
}

/// Tokens are `tok<n>`; data requests with a token below `good_from` get a 200 saying the
/// session expired.
async fn server(good_from: usize) -> (String, Arc<std::sync::Mutex<Vec<Seen>>>) {
    let fetches = Arc::new(AtomicUsize::new(0));
    serve(move |s, _| {
        if s.uri == "/oauth/token" {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            return json(json!({"access_token": format!("tok{n}"), "expires_in": 3600}));
        }
        let n = fetches.load(Ordering::SeqCst);
        if n >= good_from {
            json(json!({"data": [{"id": 1}]}))
        } else {
            json(json!({"error": "session expired"}))
        }
    })
    .await
}

#[tokio::test]
async fn refresh_token_fetches_a_new_token_and_sends_again() {
    let (base, log) = server(2).await;
    let recs = collect::<Refreshed>(&extractor(&base)).await.unwrap();
    assert_eq!(ids(&recs), vec![1]);
    assert_eq!(
        uris(&log),
        ["/oauth/token", "/items", "/oauth/token", "/items"]
    );
}

#[tokio::test]
async fn refresh_token_matching_again_is_a_config_error() {
    let (base, log) = server(usize::MAX).await;
    let err = collect::<Refreshed>(&extractor(&base))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "resource `refreshing`: GET {base}/items returned status 200, a config error (response action `refresh_token` matched, and a new token did not help (or the auth has none to refresh)): {{\"error\":\"session expired\"}}"
        )
    );
    assert_eq!(
        uris(&log),
        ["/oauth/token", "/items", "/oauth/token", "/items"]
    );
}
