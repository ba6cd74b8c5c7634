//! Retries, Retry-After, the circuit breaker, OAuth2 and redaction against a local server.

mod common_extract;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor};
use restsource_runtime::secret::{Secret, SecretValues};
use serde_json::json;

record_type!(Item, &RESOURCE);

fn extractor(src: &'static SourceDef, base: &str, secrets: SecretValues) -> Extractor {
    Extractor::new(src, secrets)
        .with_base_url(base)
        .with_options(options())
}

static PLAIN: SourceDef = SOURCE;

#[tokio::test]
async fn retry_after_seconds_and_date_are_honoured() {
    let (base, log) = serve(|_, n| match n {
        0 => Reply {
            status: 429,
            headers: vec![("retry-after", "3".into())],
            body: String::new(),
        },
        1 => Reply {
            status: 503,
            headers: vec![("retry-after", httpdate(7))],
            body: String::new(),
        },
        _ => json(json!({"data": [{"id": 1}]})),
    })
    .await;
    let ex = extractor(&PLAIN, &base, SecretValues::new());
    let recs = collect::<Item>(&ex).await.unwrap();
    assert_eq!(ids(&recs), vec![1]);
    assert_eq!(uris(&log).len(), 3);
    let waits = ex.retry_waits();
    assert_eq!(waits.len(), 2);
    assert_eq!(
        (waits[0].status, waits[0].wait, waits[0].from_retry_after),
        (Some(429), Duration::from_secs(3), true)
    );
    // An HTTP date a few seconds ahead: honoured, within the whole-second precision of dates.
    assert!(
        waits[1].from_retry_after
            && waits[1].wait <= Duration::from_secs(7)
            && waits[1].wait >= Duration::from_secs(5),
        "{:?}",
        waits[1]
    );
    assert_eq!(ex.stats().retries, 2);
}

fn httpdate(ahead: u64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::seconds(ahead as i64);
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

const TWO_RESOURCES: &[&ResourceDef] = &[&RESOURCE, &OTHER];
const OTHER: ResourceDef = ResourceDef {
    name: "other",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("other")]),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Other, &OTHER);
static TWO: SourceDef = SourceDef {
    resources: TWO_RESOURCES,
    ..SOURCE
};

#[tokio::test]
async fn max_retries_exact_backoff_bounded_and_circuit_breaker_stops_the_api() {
    let (base, log) = serve(|s, _| {
        if s.uri.starts_with("/items") {
            status(503, "<html>down</html>")
        } else {
            json(json!({"data": [{"id": 1}]}))
        }
    })
    .await;
    let ex = extractor(&TWO, &base, SecretValues::new());
    let err = collect::<Item>(&ex).await.unwrap_err();
    assert_eq!(err.to_string(), format!("resource `items`: GET {base}/items returned status 503 after 2 retries: <html>down</html>"));
    // max_retries = 2: three attempts in all.
    assert_eq!(uris(&log), vec!["/items", "/items", "/items"]);
    let waits: Vec<Duration> = ex.retry_waits().iter().map(|w| w.wait).collect();
    assert_eq!(waits.len(), 2);
    assert!(
        waits[0] >= Duration::from_millis(750) && waits[0] <= Duration::from_secs(1),
        "{waits:?}"
    );
    assert!(
        waits[1] >= Duration::from_millis(1500) && waits[1] <= Duration::from_secs(2),
        "{waits:?}"
    );

    // The breaker is per run: a new run of another resource goes through; within one run a
    // failure stops the other resource with a message saying why.
    let ex = extractor(&TWO, &base, SecretValues::new()).with_options(ExtractOptions {
        resource_concurrency: 1,
        ..options()
    });
    use futures::StreamExt;
    let events: Vec<_> = ex
        .run(
            &[
                restsource_runtime::extract::ResourceHandle::of::<Item>(),
                restsource_runtime::extract::ResourceHandle::of::<Other>(),
            ],
            Default::default(),
        )
        .collect()
        .await;
    let errors: Vec<String> = events
        .iter()
        .filter_map(|e| e.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[1].starts_with(&format!("resource `other`: request to {base}/other not sent: an earlier request failed and used up its retries")), "{errors:?}");
    assert!(!uris(&log).iter().any(|u| u == "/other"));
}

#[tokio::test]
async fn html_body_is_a_clear_error() {
    let (base, _) = serve(|_, _| Reply {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: "<html>login</html>".into(),
    })
    .await;
    let err = collect::<Item>(&extractor(&PLAIN, &base, SecretValues::new()))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), format!("resource `items`: page 1 ({base}/items): expected JSON, got text/html: <html>login</html>"));
}

#[tokio::test]
async fn record_decode_error_names_page_index_field_and_message() {
    let (base, _) = serve(|_, _| json(json!({"data": [{"id": 1}, {"id": "x"}]}))).await;
    let err = collect::<Item>(&extractor(&PLAIN, &base, SecretValues::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: page 1 ({base}/items): record 1, field `id`: invalid type: string \"x\", expected i64 at line 1 column 27")
    );
}

const OAUTH: AuthDef = AuthDef::OAuth2 {
    token_url: "https://api.example.com/oauth/token",
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
};

fn oauth_secrets() -> SecretValues {
    let mut s = SecretValues::new();
    s.insert("client_id", Secret::new("the-client"));
    s.insert("client_secret", Secret::new("SUPERSECRET42"));
    s
}

/// A server whose tokens are `tok<n>`; `valid` holds the token it currently accepts.
async fn oauth_server(valid_from_start: bool) -> (String, Arc<Mutex<Vec<Seen>>>, Arc<AtomicUsize>) {
    let fetches = Arc::new(AtomicUsize::new(0));
    let f = fetches.clone();
    let (base, log) = serve(move |s, _| {
        if s.uri == "/oauth/token" {
            let n = f.fetch_add(1, Ordering::SeqCst) + 1;
            return json(json!({"access_token": format!("tok{n}"), "expires_in": 3600}));
        }
        let current = format!("Bearer tok{}", f.load(Ordering::SeqCst));
        let auth = s
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Until a second token exists, the first one is treated as expired.
        let ok = auth == current && (valid_from_start || f.load(Ordering::SeqCst) >= 2);
        if ok {
            json(json!({"data": [{"id": 1}]}))
        } else {
            status(401, "expired")
        }
    })
    .await;
    (base, log, fetches)
}

#[tokio::test]
async fn expired_oauth_token_is_fetched_once_more_and_the_request_retried() {
    static SRC: SourceDef = SourceDef {
        auth: Some(OAUTH),
        ..SOURCE
    };
    let (base, log, fetches) = oauth_server(false).await;
    let recs = collect::<Item>(&extractor(&SRC, &base, oauth_secrets()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![1]);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        uris(&log),
        vec!["/oauth/token", "/items", "/oauth/token", "/items"]
    );
    let token_body = log.lock().unwrap()[0].body.clone();
    assert_eq!(
        token_body,
        "grant_type=client_credentials&client_id=the-client&client_secret=SUPERSECRET42"
    );
}

#[tokio::test]
async fn oauth_basic_client_auth_sends_credentials_in_a_header() {
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
            client_auth: ClientAuth::Basic,
            scopes: &["read", "write"],
            refresh_token: None,
        }),
        ..SOURCE
    };
    let (base, log, _) = oauth_server(true).await;
    collect::<Item>(&extractor(&SRC, &base, oauth_secrets()))
        .await
        .unwrap();
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.body, "grant_type=client_credentials&scope=read+write");
    assert_eq!(
        seen.headers.get("authorization").unwrap(),
        "Basic dGhlLWNsaWVudDpTVVBFUlNFQ1JFVDQy"
    );
}

const PARENT: ResourceDef = ResourceDef {
    name: "parents",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("parents")]),
        ..ENDPOINT
    },
    selected: false,
    ..RESOURCE
};
const CHILD: ResourceDef = ResourceDef {
    name: "children",
    endpoint: EndpointDef {
        path: Template(&[
            TemplatePart::Lit("parents/"),
            TemplatePart::Parent(&[PathStep::key("id")]),
            TemplatePart::Lit("/children"),
        ]),
        params: &[(
            "kind",
            Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[PathStep::key("kind")])])),
        )],
        headers: &[(
            "x-parent",
            Template(&[
                TemplatePart::Lit("p-"),
                TemplatePart::Parent(&[PathStep::key("id")]),
            ]),
        )],
        json: None,
        data: None,
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &PARENT,
        include_from_parent: &["kind"],
    }),
    parallelized: true,
    ..RESOURCE
};
record_type!(ParentRec, &PARENT);
record_type!(ChildRec, &CHILD, parent = ParentRec);
const FAMILY: &[&ResourceDef] = &[&PARENT, &CHILD];

#[tokio::test]
async fn fifty_concurrent_requests_share_one_token_fetch() {
    static SRC: SourceDef = SourceDef {
        auth: Some(OAUTH),
        resources: FAMILY,
        ..SOURCE
    };
    let fetches = Arc::new(AtomicUsize::new(0));
    let f = fetches.clone();
    let (base, log) = serve(move |s, _| {
        if s.uri == "/oauth/token" {
            std::thread::sleep(Duration::from_millis(20));
            let n = f.fetch_add(1, Ordering::SeqCst) + 1;
            return json(json!({"access_token": format!("tok{n}")}));
        }
        if s.uri.starts_with("/parents?") || s.uri == "/parents" {
            let data: Vec<_> = (0..50).map(|i| json!({"id": i, "kind": "k"})).collect();
            return json(json!({"data": data}));
        }
        let id: i64 = s.uri.split('/').nth(2).unwrap().parse().unwrap();
        json(json!({"data": [{"id": id * 100}]}))
    })
    .await;
    let ex = extractor(&SRC, &base, oauth_secrets()).with_options(ExtractOptions {
        child_concurrency: 50,
        ..options()
    });
    let recs = collect::<ChildRec>(&ex).await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // Children come in parent order, each carrying the parent's kind.
    assert_eq!(ids(&recs), (0..50).map(|i| i * 100).collect::<Vec<i64>>());
    assert_eq!(recs[3].extra.get("_parents_kind"), Some(json!("k")));
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.iter().filter(|s| s.uri == "/parents").count(), 1);
    let c7 = seen
        .iter()
        .find(|s| s.uri.starts_with("/parents/7/"))
        .unwrap();
    assert_eq!(c7.uri, "/parents/7/children?kind=k");
    assert_eq!(c7.headers.get("x-parent").unwrap(), "p-7");
    assert_eq!(c7.headers.get("authorization").unwrap(), "Bearer tok1");
}

#[tokio::test]
async fn secrets_never_appear_in_errors_or_logs() {
    const KEYED: ResourceDef = ResourceDef {
        endpoint: EndpointDef {
            params: &[(
                "token",
                Lit::Str::<Static>(Template(&[TemplatePart::Lit("plain-token-param")])),
            )],
            ..ENDPOINT
        },
        ..RESOURCE
    };
    record_type!(Keyed, &KEYED);
    static SRC: SourceDef = SourceDef {
        auth: Some(AuthDef::ApiKey {
            name: "api_key",
            key: CredDef { secret: "key" },
            location: ApiKeyLocation::Query,
        }),
        ..SOURCE
    };
    let captured = common_extract::logs::Logs::capture(tracing::Level::TRACE);
    // The server echoes the request (with the key) into an error body.
    let (base, _) = serve(|s, _| status(500, &format!("bad request {}", s.uri))).await;
    let mut secrets = SecretValues::new();
    secrets.insert("key", Secret::new("KEY-abc-123"));
    let err = collect::<Keyed>(&extractor(&SRC, &base, secrets))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    let logs = captured.text();
    assert!(logs.contains("retrying request"), "{logs}");
    for secret in ["KEY-abc-123", "plain-token-param"] {
        assert!(!text.contains(secret), "{text}");
        assert!(!logs.contains(secret), "{logs}");
    }
    assert!(text.contains("api_key=***"), "{text}");
}

#[tokio::test]
async fn credentials_are_not_forwarded_to_another_host_after_a_redirect() {
    static SRC: SourceDef = SourceDef {
        auth: Some(AuthDef::ApiKey {
            name: "x-api-key",
            key: CredDef { secret: "key" },
            location: ApiKeyLocation::Header,
        }),
        ..SOURCE
    };
    let (other, other_log) = serve(|_, _| json(json!({"data": [{"id": 2}]}))).await;
    // Same IP, other port: another origin.
    let target = format!("{other}/landing");
    let (base, log) = serve(move |_, _| Reply {
        status: 302,
        headers: vec![("location", target.clone())],
        body: String::new(),
    })
    .await;
    let mut secrets = SecretValues::new();
    secrets.insert("key", Secret::new("KEY-xyz"));
    let recs = collect::<Item>(&extractor(&SRC, &base, secrets))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![2]);
    assert_eq!(
        log.lock().unwrap()[0].headers.get("x-api-key").unwrap(),
        "KEY-xyz"
    );
    assert!(other_log.lock().unwrap()[0]
        .headers
        .get("x-api-key")
        .is_none());
}

const PAGED: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        paginator: offset_until_empty(2),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Paged, &PAGED);
static HEADERS_SOURCE: SourceDef = SourceDef {
    resources: &[&PAGED],
    rate_limit_headers: Some(RateLimitHeadersDef {
        reset: Some("x-ratelimit-reset"),
        reset_format: ResetFormat::Seconds,
        remaining: Some("x-ratelimit-remaining"),
        min_remaining: 0,
        max_wait_secs: 10.0,
    }),
    ..SOURCE
};

#[tokio::test]
async fn no_calls_left_pauses_the_next_request_until_the_reset() {
    let (base, log) = serve(|_, n| {
        let mut reply =
            json(json!({"data": if n == 0 { json!([{"id": 1}, {"id": 2}]) } else { json!([]) }}));
        let left = if n == 0 { "0" } else { "9" };
        reply.headers.push(("x-ratelimit-remaining", left.into()));
        reply.headers.push(("x-ratelimit-reset", "1".into()));
        reply
    })
    .await;
    let ex = extractor(&HEADERS_SOURCE, &base, SecretValues::new());
    let start = std::time::Instant::now();
    let recs = collect::<Paged>(&ex).await.unwrap();
    let took = start.elapsed();
    assert_eq!(ids(&recs), vec![1, 2]);
    assert_eq!(
        uris(&log),
        vec!["/items?offset=0&limit=2", "/items?offset=2&limit=2"]
    );
    // The second request waited for the reset (1 s), and only once: no retry happened.
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(ex.stats().retries, 0);
}
