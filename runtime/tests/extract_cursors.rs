//! A child's incremental cursor kept per parent record (dlt#2429), and `row_order` stopping
//! a descending resource's paging once its records fall behind the start value.

mod common_extract;

use std::sync::{Arc, Mutex};

use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractEvent, Extractor, ResourceHandle, StartState};
use restsource_runtime::secret::SecretValues;
use serde_json::{json, Value};

/// The cursor path `ts`: a constant so a `const` definition can borrow it.
const TS_PATH: &[PathStep] = &[PathStep::key("ts")];

record_type!(Item, &RESOURCE);

const CURSOR: IncrementalDef = IncrementalDef {
    initial_value: Some(Lit::Int(0)),
    start_param: Some("since"),
    ..IncrementalDef::cursor("ts", TS_PATH)
};

const EVENTS: ResourceDef = ResourceDef {
    name: "events",
    table_name: "events",
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("events")]),
        params: &[(
            "parent",
            Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[PathStep::key("id")])])),
        )],
        incremental: Some(CURSOR),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &RESOURCE,
        include_from_parent: &[],
    }),
    ..RESOURCE
};
record_type!(Event, &EVENTS, parent = Item);

static CHILD_SRC: SourceDef = SourceDef {
    resources: &[&RESOURCE, &EVENTS],
    ..SOURCE
};

fn query(uri: &str, key: &str) -> Option<i64> {
    uri.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

/// Runs `handle` and returns the ids loaded and the state it finished with.
async fn run(
    ex: &Extractor,
    handle: ResourceHandle,
    state: StartState,
) -> (Vec<i64>, Option<Value>) {
    let mut ids = Vec::new();
    let mut done = None;
    let mut s = ex.run(&[handle], state);
    while let Some(ev) = s.next().await {
        match ev.unwrap() {
            ExtractEvent::Page { batch, .. } => ids.extend(batch_ids(batch.as_ref())),
            ExtractEvent::ResourceDone { incremental, .. } => done = incremental,
            _ => {}
        }
    }
    (ids, done)
}

#[tokio::test]
async fn each_parent_resumes_from_its_own_cursor_and_a_new_parent_from_the_initial_value() {
    // Parents 1 and 2, then 3 joins; each parent's events (id, ts), filtered by `since`.
    let parents: Arc<Mutex<Vec<i64>>> = Arc::new(Mutex::new(vec![1, 2]));
    let p2 = parents.clone();
    let (base, log) = serve(move |seen, _| {
        if seen.uri.starts_with("/items") {
            let list: Vec<Value> = p2
                .lock()
                .unwrap()
                .iter()
                .map(|id| json!({"id": id}))
                .collect();
            return json(json!({ "data": list }));
        }
        let events: &[(i64, i64)] = match query(&seen.uri, "parent") {
            Some(1) => &[(11, 5), (12, 7)],
            Some(2) => &[(21, 3)],
            Some(3) => &[(31, 1)],
            _ => &[],
        };
        let since = query(&seen.uri, "since").unwrap_or(0);
        let data: Vec<Value> = events
            .iter()
            .filter(|(_, ts)| *ts >= since)
            .map(|(id, ts)| json!({"id": id, "ts": ts}))
            .collect();
        json(json!({ "data": data }))
    })
    .await;
    let ex = Extractor::new(&CHILD_SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    let (ids, state) = run(&ex, ResourceHandle::of::<Event>(), StartState::new()).await;
    assert_eq!(ids, vec![11, 12, 21]);
    let state = state.expect("a state");
    assert_eq!(
        state,
        json!({"parents": {
            "[1]": {"cursor_path": "ts", "last_value": 7, "boundary_keys": ["[12]"]},
            "[2]": {"cursor_path": "ts", "last_value": 3, "boundary_keys": ["[21]"]},
        }})
    );

    parents.lock().unwrap().push(3);
    log.lock().unwrap().clear();
    let mut st = StartState::new();
    st.insert("events".into(), state);
    let (ids, state) = run(&ex, ResourceHandle::of::<Event>(), st).await;
    // Each parent's boundary record is dropped; the new parent's event is loaded.
    assert_eq!(ids, vec![31]);
    let events: Vec<String> = uris(&log)
        .into_iter()
        .filter(|u| u.starts_with("/events"))
        .collect();
    assert_eq!(
        events,
        vec![
            "/events?parent=1&since=7",
            "/events?parent=2&since=3",
            "/events?parent=3&since=0",
        ]
    );
    assert_eq!(
        state.expect("a state")["parents"]["[3]"],
        json!({"cursor_path": "ts", "last_value": 1, "boundary_keys": ["[31]"]})
    );
}

const DESCENDING: ResourceDef = ResourceDef {
    name: "descending",
    endpoint: EndpointDef {
        paginator: offset_until_empty(2),
        incremental: Some(IncrementalDef {
            start_param: None,
            row_order: Some(SortOrder::Desc),
            ..CURSOR
        }),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Desc, &DESCENDING);

static DESC_SRC: SourceDef = SourceDef {
    resources: &[&DESCENDING],
    ..SOURCE
};

#[tokio::test]
async fn row_order_desc_stops_paging_once_records_fall_behind_the_start_value() {
    // Newest first, two a page; the API ignores the cursor.
    let (base, log) = serve(|seen, _| {
        let offset = query(&seen.uri, "offset").unwrap_or(0);
        let data: Vec<Value> = (1..=8i64)
            .rev()
            .skip(offset as usize)
            .take(2)
            .map(|ts| json!({"id": ts * 10, "ts": ts}))
            .collect();
        json(json!({ "data": data }))
    })
    .await;
    let ex = Extractor::new(&DESC_SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    let mut st = StartState::new();
    st.insert("descending".into(), json!(6));
    let (ids, state) = run(&ex, ResourceHandle::of::<Desc>(), st).await;
    assert_eq!(ids, vec![80, 70, 60]);
    assert_eq!(state.expect("state")["last_value"], json!(8));
    // Page 2 (ts 6, 5) holds a record behind 6: no third page (without `row_order` the
    // paginator goes on to the empty fifth page).
    assert_eq!(
        uris(&log),
        vec!["/items?offset=0&limit=2", "/items?offset=2&limit=2"]
    );
}
