//! Faults cost what the retry policy forces on one request, never more: a 429 or 5xx delays
//! only its own request, many of them do not add up across requests, and every retry, token
//! fetch and rate-limit wait is logged with its reason (and no secret).
//!
//! The tests run on tokio's paused clock with the server on the same runtime: the time the
//! server sees a request is virtual and exact (I/O takes no virtual time; only waits do).

mod common_extract;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common_extract::logs::Logs;
use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor, ResourceHandle};
use restsource_runtime::secret::{Secret, SecretValues};
use serde_json::json;
use tokio::time::Instant;

record_type!(Item, &RESOURCE);

/// Real retry waits (scale 1.0): the clock is paused, so they cost no wall time.
fn extractor(src: &'static SourceDef, base: &str, secrets: SecretValues) -> Extractor {
    Extractor::new(src, secrets)
        .with_base_url(base)
        .with_options(ExtractOptions {
            backoff_scale: 1.0,
            ..ExtractOptions::default()
        })
}

/// Each request the server saw: path and query, and the virtual ms since the test started.
type Timeline = Arc<Mutex<Vec<(String, u128)>>>;

/// A server whose `reply` sees the request's URI and how many times that URI came before.
async fn timed_server(
    reply: impl Fn(&str, usize) -> Reply + Send + Sync + 'static,
) -> (String, Timeline) {
    let start = Instant::now();
    let timeline: Timeline = Arc::default();
    let t = timeline.clone();
    let (base, _) = serve(move |s, _| {
        let mut t = t.lock().unwrap();
        let before = t.iter().filter(|(u, _)| *u == s.uri).count();
        t.push((s.uri.clone(), (Instant::now() - start).as_millis()));
        reply(&s.uri, before)
    })
    .await;
    (base, timeline)
}

fn refused(retry_after: &str) -> Reply {
    Reply {
        status: 429,
        headers: vec![("retry-after", retry_after.into())],
        body: String::new(),
    }
}

/// The `offset` query parameter of a request (0 when absent).
fn offset(uri: &str) -> i64 {
    uri.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("offset="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `offset`/`limit` pages of one record each, `total` records, stopping on an empty page.
fn page(uri: &str, total: i64) -> Reply {
    let offset = offset(uri);
    let data: Vec<_> = (offset < total)
        .then(|| json!({"id": offset}))
        .into_iter()
        .collect();
    json(json!({"data": data, "total": total}))
}

const SEQUENTIAL: ResourceDef = ResourceDef {
    name: "pages",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("pages")]),
        paginator: offset_until_empty(1),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Page, &SEQUENTIAL);

const TWO_RESOURCES: &[&ResourceDef] = &[&RESOURCE, &SEQUENTIAL];
static TWO: SourceDef = SourceDef {
    resources: TWO_RESOURCES,
    ..SOURCE
};

async fn run_all(ex: &Extractor, handles: &[ResourceHandle]) {
    use futures::StreamExt;
    let events: Vec<_> = ex.run(handles, Default::default()).collect().await;
    for e in events {
        if let Err(err) = e {
            panic!("{err}");
        }
    }
}

/// A 429 with `Retry-After: 1` on one resource: its own retry comes exactly 1 s later, and
/// the 21 requests of the other resource, made while the 429 stands, are not delayed at all.
/// (Before, every request of the run after a 429 was spaced 200 ms apart for 30 s.)
#[tokio::test(start_paused = true)]
async fn a_429_delays_only_its_own_request() {
    let (base, timeline) = timed_server(|uri, before| match uri {
        "/items" if before == 0 => refused("1"),
        "/items" => json(json!({"data": [{"id": 1}]})),
        _ => page(uri, 20),
    })
    .await;
    let ex = extractor(&TWO, &base, SecretValues::new());
    run_all(
        &ex,
        &[ResourceHandle::of::<Item>(), ResourceHandle::of::<Page>()],
    )
    .await;
    let t = timeline.lock().unwrap().clone();
    let items: Vec<u128> = t
        .iter()
        .filter(|(u, _)| u == "/items")
        .map(|x| x.1)
        .collect();
    let pages: Vec<u128> = t
        .iter()
        .filter(|(u, _)| u != "/items")
        .map(|x| x.1)
        .collect();
    assert_eq!(items, vec![0, 1000]);
    assert_eq!(pages, vec![0; 21]);
    let waits = ex.retry_waits();
    assert_eq!(waits.len(), 1);
    assert_eq!(
        (waits[0].status, waits[0].wait, waits[0].from_retry_after),
        (Some(429), Duration::from_secs(1), true)
    );
}

/// Ten 429s (`Retry-After: 1`) spread over 40 sequential pages: the run takes exactly the
/// ten seconds the ten refused requests were told to wait, and 50 requests.
#[tokio::test(start_paused = true)]
async fn many_429s_cost_each_request_its_own_wait_only() {
    let (base, timeline) = timed_server(|uri, before| {
        if before == 0 && offset(uri) % 4 == 0 && offset(uri) < 40 {
            refused("1")
        } else {
            page(uri, 40)
        }
    })
    .await;
    let ex = extractor(&TWO, &base, SecretValues::new());
    let recs = collect::<Page>(&ex).await.unwrap();
    assert_eq!(ids(&recs), (0..40).collect::<Vec<_>>());
    let t = timeline.lock().unwrap().clone();
    assert_eq!(t.len(), 41 + 10);
    // Page 4k is refused at k s and retried at k+1 s; every other request goes at once.
    let at: Vec<u128> = t.iter().map(|x| x.1).collect();
    let mut expected = Vec::new();
    for k in 0..10u128 {
        expected.push(k * 1000);
        expected.extend([(k + 1) * 1000; 4]);
    }
    expected.push(10_000);
    assert_eq!(at, expected);
    assert!(ex
        .retry_waits()
        .iter()
        .all(|w| w.wait == Duration::from_secs(1) && w.from_retry_after));
}

const PARALLEL: ResourceDef = ResourceDef {
    name: "parallel",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("parallel")]),
        paginator: PaginatorDef::Offset {
            limit: 1,
            offset: 0,
            offset_param: ParamPlace::Query("offset"),
            limit_param: ParamPlace::Query("limit"),
            total_path: Some(&[PathStep::key("total")]),
            maximum_offset: None,
            stop_after_empty_page: false,
            has_more_path: None,
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Parallel, &PARALLEL);
static PARALLEL_SRC: SourceDef = SourceDef {
    resources: &[&PARALLEL],
    ..SOURCE
};

/// Pages fetched 8 at a time, up to 32 ahead of the next to deliver: a 503 on page 10 costs
/// its own backoff (1 s with factor 1, jitter at most -25%) once; every other page is fetched
/// at once meanwhile, so the resource does not stall behind the page that waits.
#[tokio::test(start_paused = true)]
async fn a_5xx_among_parallel_pages_costs_one_backoff() {
    let (base, timeline) = timed_server(|uri, before| {
        if before == 0 && offset(uri) == 10 {
            status(503, "busy")
        } else {
            page(uri, 40)
        }
    })
    .await;
    let ex = extractor(&PARALLEL_SRC, &base, SecretValues::new());
    let recs = collect::<Parallel>(&ex).await.unwrap();
    assert_eq!(ids(&recs), (0..40).collect::<Vec<_>>());
    let waits = ex.retry_waits();
    assert_eq!(waits.len(), 1);
    let wait = waits[0].wait.as_millis();
    assert!((750..=1000).contains(&wait), "{wait}");
    let t = timeline.lock().unwrap().clone();
    assert_eq!(t.len(), 41);
    // Every page goes at once (page 10 waits, pages up to 10 + 32 may be fetched meanwhile);
    // only page 10's retry comes, exactly one backoff later.
    let late: Vec<u128> = t.iter().map(|x| x.1).filter(|&ms| ms > 0).collect();
    let mut at_once: Vec<i64> = t
        .iter()
        .filter(|x| x.1 == 0)
        .map(|x| offset(&x.0))
        .collect();
    at_once.sort();
    assert_eq!(at_once, (0..40).collect::<Vec<_>>(), "{t:?}");
    assert_eq!(late.len(), 1, "{t:?}");
    // (Within the millisecond the timer wheel rounds to.)
    assert!(
        late.iter().all(|&ms| ms.abs_diff(wait) <= 1),
        "{wait} {t:?}"
    );
}

/// Every retry is one WARN line with its reason (status or kind of transport error), the
/// attempt, and the wait; never the key in the query, a header value or the body.
#[tokio::test(start_paused = true)]
async fn retries_are_logged_with_reason_and_wait_and_no_secret() {
    static SRC: SourceDef = SourceDef {
        auth: Some(AuthDef::ApiKey {
            name: "api_key",
            key: CredDef { secret: "key" },
            location: ApiKeyLocation::Query,
        }),
        ..SOURCE
    };
    let logs = Logs::capture(tracing::Level::INFO);
    let (base, _) = timed_server(|uri, before| match before {
        // The body and a header echo the key: neither may reach the log.
        0 => Reply {
            status: 429,
            headers: vec![("retry-after", "3".into()), ("x-echo", uri.into())],
            body: format!("slow down {uri}"),
        },
        1 => status(503, &format!("down {uri}")),
        _ => json(json!({"data": [{"id": 1}]})),
    })
    .await;
    let mut secrets = SecretValues::new();
    secrets.insert("key", Secret::new("KEY-abc-123"));
    let recs = collect::<Item>(&extractor(&SRC, &base, secrets))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![1]);
    let logs = logs.text();
    let retries: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("retrying request"))
        .collect();
    assert_eq!(retries.len(), 2, "{logs}");
    let first = retries[0];
    assert!(
        first.starts_with(" WARN") || first.starts_with("WARN"),
        "{first}"
    );
    for part in [
        "reason=status 429",
        "attempt=1",
        "retry=1",
        "max_retries=2",
        "wait_ms=3000",
        "wait_source=\"retry-after\"",
        "url=http://127.0.0.1:",
        "/items reason=",
    ] {
        assert!(first.contains(part), "`{part}` missing from {first}");
    }
    // The backoff of retry 2 with factor 1: 2 s, less at most 25% jitter.
    let second = retries[1];
    assert!(
        second.contains("reason=status 503") && second.contains("attempt=2"),
        "{second}"
    );
    assert!(second.contains("wait_source=\"backoff\""), "{second}");
    let wait: u64 = second
        .split("wait_ms=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((1500..=2000).contains(&wait), "{second}");
    for secret in ["KEY-abc-123", "slow down", "down /items"] {
        assert!(!logs.contains(secret), "`{secret}` in {logs}");
    }
}

/// A dropped connection is logged as its kind, not as reqwest's message.
// Real time, no backoff: with a paused clock, a slow machine let the request timeout fire
// (time jumps while the runtime waits on the socket) and the reason read `timeout`.
#[tokio::test]
async fn a_transport_error_is_logged_by_its_kind() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and closes every connection at once: no response at all.
    tokio::spawn(async move {
        loop {
            if let Ok((s, _)) = listener.accept().await {
                drop(s);
            }
        }
    });
    let logs = Logs::capture(tracing::Level::INFO);
    let ex = extractor(&PLAIN, &base, SecretValues::new()).with_options(ExtractOptions {
        backoff_scale: 0.0,
        ..ExtractOptions::default()
    });
    let err = collect::<Item>(&ex).await.unwrap_err();
    assert!(err.to_string().contains("after 2 retries"), "{err}");
    let logs = logs.text();
    let retries: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("retrying request"))
        .collect();
    assert_eq!(retries.len(), 2, "{logs}");
    assert!(
        retries[0].contains("reason=connection error"),
        "{}",
        retries[0]
    );
}
static PLAIN: SourceDef = SOURCE;

/// Token fetches and refreshes are logged at INFO, never with the token or the client
/// secret; a 401 says the token was rejected.
#[tokio::test(start_paused = true)]
async fn token_fetches_are_logged_without_the_token() {
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
    let fetched = Arc::new(AtomicUsize::new(0));
    let f = fetched.clone();
    let (base, _) = timed_server(move |uri, before| {
        if uri == "/oauth/token" {
            let n = f.fetch_add(1, Ordering::SeqCst) + 1;
            return json(json!({"access_token": format!("TOKEN-{n}-zz"), "expires_in": 600}));
        }
        // The first token is rejected once.
        if before == 0 {
            status(401, "expired")
        } else {
            json(json!({"data": [{"id": 1}]}))
        }
    })
    .await;
    let logs = Logs::capture(tracing::Level::INFO);
    let mut secrets = SecretValues::new();
    secrets.insert("client_id", Secret::new("the-client"));
    secrets.insert("client_secret", Secret::new("SUPERSECRET42"));
    let recs = collect::<Item>(&extractor(&SRC, &base, secrets))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![1]);
    assert_eq!(fetched.load(Ordering::SeqCst), 2);
    let logs = logs.text();
    let lines = |needle: &str| logs.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(lines("fetching an OAuth token"), 2, "{logs}");
    assert_eq!(lines("OAuth token received"), 2, "{logs}");
    assert_eq!(lines("expires_in_s=600"), 2, "{logs}");
    assert_eq!(lines("rejected the OAuth token (401)"), 1, "{logs}");
    for secret in ["TOKEN-", "SUPERSECRET42", "the-client"] {
        assert!(!logs.contains(secret), "`{secret}` in {logs}");
    }
}

/// Waits for the spec's `rate_limit` are logged at DEBUG (INFO when over a second).
#[tokio::test(start_paused = true)]
async fn rate_limit_waits_are_logged() {
    static LIMITED: SourceDef = SourceDef {
        rate_limit: Some(RateLimitDef {
            requests_per_second: 0.5,
            burst: 1,
        }),
        resources: &[&SEQUENTIAL],
        ..SOURCE
    };
    let (base, timeline) = timed_server(|uri, _| page(uri, 2)).await;
    let logs = Logs::capture(tracing::Level::DEBUG);
    let recs = collect::<Page>(&extractor(&LIMITED, &base, SecretValues::new()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1]);
    let at: Vec<u128> = timeline.lock().unwrap().iter().map(|x| x.1).collect();
    assert_eq!(at, vec![0, 2000, 4000]);
    let logs = logs.text();
    let waits: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("rate-limit wait"))
        .collect();
    assert_eq!(waits.len(), 2, "{logs}");
    for w in waits {
        assert!(
            w.contains(" INFO")
                && w.contains("reason=\"rate_limit\"")
                && w.contains("wait_ms=2000"),
            "{w}"
        );
    }
}
