//! Parent and child resources: placeholders in a child's JSON body, the child concurrency
//! bound, the few pages a parallel child fetches ahead of its turn, and running a child whose
//! parent is not selected.

mod common_extract;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{
    ExtractError, ExtractEvent, ExtractOptions, Extractor, ResourceHandle,
};
use restsource_runtime::secret::SecretValues;
use serde_json::json;

record_type!(Item, &RESOURCE);

// Strings that are exactly one parent placeholder.
const PARENT_ID: Lit =
    Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[PathStep::key("id")])]));
const PARENT_TAGS: Lit =
    Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[PathStep::key("tags")])]));
const PARENT_ACTIVE: Lit = Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[
    PathStep::key("flags"),
    PathStep::key("active"),
])]));

const DETAILS: ResourceDef = ResourceDef {
    name: "details",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("details")]),
        method: Method::Post,
        data: None,
        json: Some(Lit::Map::<Static>(&[
            ("parent_id", PARENT_ID),
            (
                "label",
                Lit::Str::<Static>(Template(&[
                    TemplatePart::Lit("p-"),
                    TemplatePart::Parent(&[PathStep::key("id")]),
                    TemplatePart::Lit("/"),
                    TemplatePart::Parent(&[PathStep::key("name")]),
                ])),
            ),
            ("ids", Lit::List::<Static>(&[PARENT_ID, Lit::Int(0)])),
            ("tags", PARENT_TAGS),
            (
                "filter",
                Lit::Map::<Static>(&[
                    ("active", PARENT_ACTIVE),
                    (
                        "kind",
                        Lit::Str::<Static>(Template(&[TemplatePart::Lit("x")])),
                    ),
                ]),
            ),
        ])),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &RESOURCE,
        include_from_parent: &[],
    }),
    ..RESOURCE
};
record_type!(Detail, &DETAILS, parent = Item);

static BODY_SRC: SourceDef = SourceDef {
    resources: &[&RESOURCE, &DETAILS],
    ..SOURCE
};

fn ex(src: &'static SourceDef, base: &str, opts: ExtractOptions) -> Extractor {
    Extractor::new(src, SecretValues::new())
        .with_base_url(base)
        .with_options(opts)
}

/// Parents 7 and 8; a child answers with the record `parent_id + 100`.
fn body_server(s: &Seen, _: usize) -> Reply {
    if s.uri == "/items" {
        return json(json!({"data": [
            {"id": 7, "name": "a", "tags": ["x", "y"], "flags": {"active": true}},
            {"id": 8, "name": "b", "tags": [], "flags": {"active": false}},
        ]}));
    }
    let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
    json(json!({"data": [{"id": body["parent_id"].as_i64().unwrap() + 100}]}))
}

#[tokio::test]
async fn parent_placeholders_in_a_json_body_keep_the_value_type() {
    let (base, log) = serve(body_server).await;
    let recs = collect::<Detail>(&ex(&BODY_SRC, &base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![107, 108]);
    let seen: Vec<(String, String, String)> = log
        .lock()
        .unwrap()
        .iter()
        .map(|s| (s.method.clone(), s.uri.clone(), s.body.clone()))
        .collect();
    // A string that is exactly one placeholder takes the value's JSON type (number, list,
    // bool); a placeholder inside other text is rendered as text.
    assert_eq!(
        seen,
        vec![
            ("GET".into(), "/items".into(), String::new()),
            (
                "POST".into(),
                "/details".into(),
                r#"{"parent_id":7,"label":"p-7/a","ids":[7,0],"tags":["x","y"],"filter":{"active":true,"kind":"x"}}"#.into()
            ),
            (
                "POST".into(),
                "/details".into(),
                r#"{"parent_id":8,"label":"p-8/b","ids":[8,0],"tags":[],"filter":{"active":false,"kind":"x"}}"#.into()
            ),
        ]
    );
}

const FORM_DETAILS: ResourceDef = ResourceDef {
    name: "form_details",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("search")]),
        method: Method::Post,
        data: Some(DataDef::Form::<Static>(&[
            ("parent", PARENT_ID),
            (
                "q",
                Lit::Str::<Static>(Template(&[
                    TemplatePart::Lit("name:"),
                    TemplatePart::Parent(&[PathStep::key("name")]),
                    TemplatePart::Lit(" & ü"),
                ])),
            ),
            ("tags", PARENT_TAGS),
            ("skip", Lit::Null),
        ])),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &RESOURCE,
        include_from_parent: &[],
    }),
    ..RESOURCE
};
record_type!(FormDetail, &FORM_DETAILS, parent = Item);

const RAW_DETAILS: ResourceDef = ResourceDef {
    name: "raw_details",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("query")]),
        method: Method::Post,
        data: Some(DataDef::Raw::<Static>(Template(&[
            TemplatePart::Lit("{ item(id: "),
            TemplatePart::Parent(&[PathStep::key("id")]),
            TemplatePart::Lit(") }"),
        ]))),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &RESOURCE,
        include_from_parent: &[],
    }),
    ..RESOURCE
};
record_type!(RawDetail, &RAW_DETAILS, parent = Item);

static FORM_SRC: SourceDef = SourceDef {
    resources: &[&RESOURCE, &FORM_DETAILS, &RAW_DETAILS],
    ..SOURCE
};

/// Parents 7 and 8 (as in `body_server`); every child answers with one record.
fn form_server(s: &Seen, _: usize) -> Reply {
    if s.uri == "/items" {
        return body_server(s, 0);
    }
    json(json!({"data": [{"id": 1}]}))
}

#[tokio::test]
async fn form_and_raw_bodies_are_sent_with_parent_values() {
    let (base, log) = serve(form_server).await;
    let ex = ex(&FORM_SRC, &base, options());
    collect::<FormDetail>(&ex).await.unwrap();
    collect::<RawDetail>(&ex).await.unwrap();
    let seen: Vec<(String, String, String, String)> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri != "/items")
        .map(|s| {
            let ct = s
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_string();
            (s.method.clone(), s.uri.clone(), ct, s.body.clone())
        })
        .collect();
    // Form fields are URL-encoded, a list repeats its key, null is dropped; a raw body is
    // sent as is, with no content type.
    let form = "application/x-www-form-urlencoded";
    assert_eq!(
        seen,
        vec![
            (
                "POST".into(),
                "/search".into(),
                form.into(),
                "parent=7&q=name%3Aa+%26+%C3%BC&tags=x&tags=y".into()
            ),
            (
                "POST".into(),
                "/search".into(),
                form.into(),
                "parent=8&q=name%3Ab+%26+%C3%BC".into()
            ),
            (
                "POST".into(),
                "/query".into(),
                "-".into(),
                "{ item(id: 7) }".into()
            ),
            (
                "POST".into(),
                "/query".into(),
                "-".into(),
                "{ item(id: 8) }".into()
            ),
        ]
    );
}

/// `(resource, ids)` of each page and `(resource, [])` of each completion, or the error.
async fn run_events(ex: &Extractor, handles: &[ResourceHandle]) -> Vec<(String, Vec<i64>)> {
    let mut out = Vec::new();
    let mut s = ex.run(handles, Default::default());
    while let Some(ev) = s.next().await {
        match ev.unwrap() {
            ExtractEvent::Page { resource, batch } => {
                out.push((format!("page {}", resource.name), batch_ids(batch.as_ref())));
            }
            ExtractEvent::ResourceDone { resource, .. } => {
                out.push((format!("done {}", resource.name), Vec::new()))
            }
            ExtractEvent::Checkpoint { resource, .. } => {
                panic!("`{}` has no checkpoint setting", resource.name)
            }
            ExtractEvent::AuthState { .. } => panic!("no auth state"),
        }
    }
    out
}

#[tokio::test]
async fn selecting_only_a_child_fetches_its_parent_without_emitting_it() {
    let (base, log) = serve(body_server).await;
    let ex = ex(&BODY_SRC, &base, options());
    let got = run_events(&ex, &[ResourceHandle::of::<Detail>()]).await;
    assert_eq!(
        got,
        vec![
            ("page details".to_string(), vec![107]),
            ("page details".to_string(), vec![108]),
            ("done details".to_string(), vec![]),
        ]
    );
    assert_eq!(uris(&log), vec!["/items", "/details", "/details"]);

    // Both selected: the parent is still fetched once, and now emitted too.
    log.lock().unwrap().clear();
    let mut got = run_events(
        &ex,
        &[ResourceHandle::of::<Detail>(), ResourceHandle::of::<Item>()],
    )
    .await;
    // The two resources run concurrently; each one's own events keep their order.
    got.sort_by_key(|(what, _)| what.split(' ').nth(1).map(str::to_string));
    assert_eq!(
        got,
        vec![
            ("page details".to_string(), vec![107]),
            ("page details".to_string(), vec![108]),
            ("done details".to_string(), vec![]),
            ("page items".to_string(), vec![7, 8]),
            ("done items".to_string(), vec![]),
        ]
    );
    assert_eq!(uris(&log), vec!["/items", "/details", "/details"]);
}

// A `const` item, not a literal inside the `const fn`: a path step owns a `Cow`, so only a
// constant's final value (not a const fn's temporary) may borrow one.
const CHILD_PATH: Template = Template(&[
    TemplatePart::Lit("c/"),
    TemplatePart::Parent(&[PathStep::key("id")]),
]);

const fn child(name: &'static str, parallelized: bool) -> ResourceDef {
    ResourceDef {
        name,
        endpoint: EndpointDef {
            path: CHILD_PATH,
            ..ENDPOINT
        },
        parent: Some(ParentDef {
            resource: &RESOURCE,
            include_from_parent: &[],
        }),
        parallelized,
        ..RESOURCE
    }
}

const PAR_CHILD: ResourceDef = child("par_child", true);
const SEQ_CHILD: ResourceDef = child("seq_child", false);
record_type!(ParChild, &PAR_CHILD, parent = Item);
record_type!(SeqChild, &SEQ_CHILD, parent = Item);
static CHILD_SRC: SourceDef = SourceDef {
    resources: &[&RESOURCE, &PAR_CHILD, &SEQ_CHILD],
    ..SOURCE
};

/// Child requests in flight, as the server sees them.
#[derive(Default)]
struct Gate {
    arrivals: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    notify: tokio::sync::Notify,
}

/// A server with `parents` parent records whose child requests are held in waves of `wave`:
/// each waits until its whole wave has arrived (or `valve` passed), so a client that can send
/// `wave` requests at once always does, and the recorded maximum is deterministic.
async fn gated_server(parents: usize, wave: usize, valve: Duration) -> (String, Arc<Gate>) {
    let gate = Arc::new(Gate::default());
    let g = gate.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let gate = g.clone();
        async move {
            if uri.path() == "/items" {
                let data: Vec<_> = (0..parents).map(|i| json!({"id": i})).collect();
                return json!({ "data": data }).to_string();
            }
            let n: i64 = uri.path().trim_start_matches("/c/").parse().unwrap();
            let arrived = gate.arrivals.fetch_add(1, Ordering::SeqCst) + 1;
            let now = gate.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            gate.max_in_flight.fetch_max(now, Ordering::SeqCst);
            gate.notify.notify_waiters();
            let target = ((arrived - 1) / wave + 1).saturating_mul(wave).min(parents);
            let _ = tokio::time::timeout(valve, async {
                loop {
                    let notified = gate.notify.notified();
                    tokio::pin!(notified);
                    notified.as_mut().enable();
                    if gate.arrivals.load(Ordering::SeqCst) >= target {
                        return;
                    }
                    notified.await;
                }
            })
            .await;
            gate.in_flight.fetch_sub(1, Ordering::SeqCst);
            json!({"data": [{"id": 100 + n}]}).to_string()
        }
    });
    (listen(app).await, gate)
}

/// Serves `app` on a loopback port; returns its base URL.
async fn listen(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn parallelized_children_stay_within_child_concurrency_and_keep_parent_order() {
    let (base, gate) = gated_server(7, 3, Duration::from_secs(30)).await;
    let ex = ex(
        &CHILD_SRC,
        &base,
        ExtractOptions {
            child_concurrency: 3,
            ..options()
        },
    );
    let recs = collect::<ParChild>(&ex).await.unwrap();
    assert_eq!(ids(&recs), (100..107).collect::<Vec<_>>());
    assert_eq!(gate.arrivals.load(Ordering::SeqCst), 7);
    assert_eq!(gate.max_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn children_without_parallelized_are_fetched_one_at_a_time() {
    // Every request waits for the others of its wave, briefly: a client sending them
    // together would show more than one in flight; a sequential one only waits.
    let (base, gate) = gated_server(3, 3, Duration::from_millis(100)).await;
    let ex = ex(
        &CHILD_SRC,
        &base,
        ExtractOptions {
            child_concurrency: 8,
            ..options()
        },
    );
    let recs = collect::<SeqChild>(&ex).await.unwrap();
    assert_eq!(ids(&recs), vec![100, 101, 102]);
    assert_eq!(gate.arrivals.load(Ordering::SeqCst), 3);
    assert_eq!(gate.max_in_flight.load(Ordering::SeqCst), 1);
}

const PAGED_CHILD: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        paginator: offset_until_empty(1),
        ..child("", true).endpoint
    },
    ..child("paged_child", true)
};
record_type!(PagedChild, &PAGED_CHILD, parent = Item);
static PAGED_SRC: SourceDef = SourceDef {
    resources: &[&RESOURCE, &PAGED_CHILD],
    ..SOURCE
};

/// Three parents whose children have `pages` one-record pages each (the child of parent
/// `failing`, if any, answers 404); counts child requests per parent.
async fn paged_server(pages: u64, failing: Option<u64>) -> (String, Arc<[AtomicUsize; 3]>) {
    let counts: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let c = counts.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let counts = c.clone();
        async move {
            if uri.path() == "/items" {
                return Ok(json!({"data": [{"id": 0}, {"id": 1}, {"id": 2}]}).to_string());
            }
            let parent: u64 = uri.path().trim_start_matches("/c/").parse().unwrap();
            counts[parent as usize].fetch_add(1, Ordering::SeqCst);
            if Some(parent) == failing {
                return Err((axum::http::StatusCode::NOT_FOUND, "gone"));
            }
            let offset: u64 = uri
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("offset=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let data: Vec<_> = (offset..pages.min(offset + 1))
                .map(|o| json!({"id": parent * 1000 + o}))
                .collect();
            Ok(json!({ "data": data }).to_string())
        }
    });
    (listen(app).await, counts)
}

/// The paged children, three at a time.
fn paged_extractor(base: &str) -> Extractor {
    ex(
        &PAGED_SRC,
        base,
        ExtractOptions {
            child_concurrency: 3,
            ..options()
        },
    )
}

#[tokio::test]
async fn a_parallel_child_waiting_for_its_turn_fetches_only_a_few_pages_ahead() {
    let (base, counts) = paged_server(50, None).await;
    let ex = paged_extractor(&base);
    let mut records = ex.records::<PagedChild>();
    // Take one record and stop reading: the first child's pages back up to it, and the other
    // two children must wait for their turn instead of fetching all 50 pages into memory.
    assert_eq!(records.next().await.unwrap().unwrap().id, 0);
    let total = |c: &[AtomicUsize; 3]| c.iter().map(|n| n.load(Ordering::SeqCst)).sum::<usize>();
    let mut seen = total(&counts);
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = total(&counts);
        if now == seen {
            break;
        }
        seen = now;
    }
    let waiting: Vec<usize> = counts[1..]
        .iter()
        .map(|n| n.load(Ordering::SeqCst))
        .collect();
    // Two pages queued for its turn and a third held until there is room.
    assert_eq!(waiting, vec![3, 3]);
    // Reading on delivers every record, in parent order.
    let mut ids = vec![0];
    while let Some(r) = records.next().await {
        ids.push(r.unwrap().id);
    }
    let want: Vec<i64> = (0..3)
        .flat_map(|p| (0..50).map(move |o| p * 1000 + o))
        .collect();
    assert_eq!(ids, want);
    assert_eq!(total(&counts), 3 * 51);
}

#[tokio::test]
async fn a_failing_parallel_child_fails_the_resource_while_the_others_wait() {
    let (base, counts) = paged_server(50, Some(1)).await;
    let ex = paged_extractor(&base);
    let got = tokio::time::timeout(Duration::from_secs(20), collect::<PagedChild>(&ex))
        .await
        .expect("a failing child must not leave the run waiting");
    assert_eq!(
        got.unwrap_err().to_string(),
        format!(
            "resource `paged_child`: GET {base}/c/1?offset=0&limit=1 returned status 404: gone"
        )
    );
    // The child after the failing one never got further than its look-ahead.
    assert!(counts[2].load(Ordering::SeqCst) <= 3);
}

// Same resource as `Detail`, but its record type does not name its parent's.
record_type!(Orphan, &DETAILS);

#[tokio::test]
async fn a_parent_fetched_only_for_its_child_decodes_with_its_own_record_type() {
    // The second parent's `id` is not the integer `Item` declares: decoding the parent's
    // page as `Item` fails there, as it does when the parent is selected, rather than the
    // child being fed a value of another type.
    let (base, log) = serve(|s, _| {
        if s.uri == "/items" {
            return json(json!({"data": [{"id": 7}, {"id": "seven"}]}));
        }
        json(json!({"data": []}))
    })
    .await;
    let err = collect::<Detail>(&ex(&BODY_SRC, &base, options()))
        .await
        .unwrap_err();
    match &err {
        ExtractError::Decode {
            resource,
            page,
            index,
            field,
            ..
        } => assert_eq!(
            (resource.as_str(), *page, *index, field.as_deref()),
            ("items", 1, Some(1), Some("id")),
            "{err}"
        ),
        other => panic!("expected a decode error of `items`, got {other}"),
    }
    assert_eq!(uris(&log), vec!["/items"]);

    // A child whose record type does not name its parent's cannot decode that parent.
    let err = collect::<Orphan>(&ex(&BODY_SRC, &base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        ExtractError::Config {
            resource: "details".into(),
            message: "parent resource `items` has no record type: set `Record::PARENT` to its \
                      handle (generated records do)"
                .into(),
        }
        .to_string()
    );
}

#[tokio::test]
async fn a_record_limit_counts_per_parent_record_and_cuts_the_parent_too() {
    let (base, counts) = paged_server(50, None).await;
    let ex = ex(
        &PAGED_SRC,
        &base,
        ExtractOptions {
            max_records: Some(2),
            child_concurrency: 3,
            ..options()
        },
    );
    let ids: Vec<i64> = collect::<PagedChild>(&ex)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    // The parent page of three is cut to two; each of those parents' children stops after
    // two one-record pages, without asking for a third.
    assert_eq!(ids, vec![0, 1, 1000, 1001]);
    let sent: Vec<usize> = counts.iter().map(|n| n.load(Ordering::SeqCst)).collect();
    assert_eq!(sent, vec![2, 2, 0]);
}
