//! Incremental loading, response actions and the rate limit through `Extractor::run`.

mod common_extract;

use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractEvent, Extractor, ResourceHandle, StartState};
use restsource_runtime::secret::SecretValues;
use serde_json::json;

/// The cursor path `ts`: a constant so a `const` definition can borrow it.
const TS_PATH: &[PathStep] = &[PathStep::key("ts")];

const INC: ResourceDef = ResourceDef {
    name: "events",
    endpoint: EndpointDef {
        params: &[(
            "since",
            Lit::Str::<Static>(Template(&[TemplatePart::Incremental(
                IncrementalValue::StartValue,
            )])),
        )],
        incremental: Some(IncrementalDef {
            initial_value: Some(Lit::Int(10)),
            start_param: Some("start"),
            on_cursor_value_missing: OnCursorValueMissing::Exclude,
            ..IncrementalDef::cursor("ts", TS_PATH)
        }),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Event, &INC);

async fn run(ex: &Extractor, state: StartState) -> (Vec<i64>, Option<serde_json::Value>) {
    let mut ids = Vec::new();
    let mut done = None;
    let mut s = ex.run(&[ResourceHandle::of::<Event>()], state);
    while let Some(ev) = s.next().await {
        match ev.unwrap() {
            ExtractEvent::Page { batch, .. } => ids.extend(batch_ids(batch.as_ref())),
            ExtractEvent::ResourceDone { incremental, .. } => done = incremental,
            ExtractEvent::Checkpoint { .. } => panic!("no checkpoint setting"),
            ExtractEvent::AuthState { .. } => panic!("no auth state"),
        }
    }
    (ids, done)
}

#[tokio::test]
async fn start_value_from_initial_then_state_with_filtering_and_boundary_dedup() {
    static SRC: SourceDef = SOURCE;
    // The server ignores the filter, so the client must filter.
    let (base, log) = serve(|_, _| {
        json(json!({"data": [{"id": 1, "ts": 5}, {"id": 2, "ts": 10}, {"id": 3, "ts": 20}, {"id": 4, "ts": 20}, {"id": 5}]}))
    })
    .await;
    let ex = Extractor::new(&SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    let (ids, state) = run(&ex, StartState::new()).await;
    assert_eq!(ids, vec![2, 3, 4]);
    assert_eq!(
        state,
        Some(json!({"cursor_path": "ts", "last_value": 20, "boundary_keys": ["[3]", "[4]"]}))
    );
    let mut st = StartState::new();
    st.insert("events".into(), state.unwrap());
    let (ids, state) = run(&ex, st).await;
    assert_eq!(ids, Vec::<i64>::new());
    assert_eq!(
        state,
        Some(json!({"cursor_path": "ts", "last_value": 20, "boundary_keys": ["[3]", "[4]"]}))
    );
    assert_eq!(
        uris(&log),
        vec!["/items?since=10&start=10", "/items?since=20&start=20"]
    );
}

const IGNORING: ResourceDef = ResourceDef {
    name: "ignoring",
    endpoint: EndpointDef {
        response_actions: &[
            ResponseActionDef {
                status_code: Some(404),
                content: None,
                action: ResponseActionKind::Ignore,
            },
            ResponseActionDef {
                status_code: None,
                content: Some("quota"),
                action: ResponseActionKind::Ignore,
            },
        ],
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(Ignored, &IGNORING);

#[tokio::test]
async fn response_actions_ignore_by_status_and_content_without_retrying() {
    static SRC: SourceDef = SOURCE;
    let (base, log) = serve(|_, _| status(404, "nope")).await;
    let ex = Extractor::new(&SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    assert!(collect::<Ignored>(&ex).await.unwrap().is_empty());
    let (base2, log2) = serve(|_, _| status(503, "quota exceeded")).await;
    let ex = Extractor::new(&SRC, SecretValues::new())
        .with_base_url(&base2)
        .with_options(options());
    assert!(collect::<Ignored>(&ex).await.unwrap().is_empty());
    assert_eq!((uris(&log).len(), uris(&log2).len()), (1, 1));
}

const LIMITED_CHILD: ResourceDef = ResourceDef {
    name: "limited_child",
    endpoint: EndpointDef {
        path: Template(&[
            TemplatePart::Lit("c/"),
            TemplatePart::Parent(&[PathStep::key("id")]),
        ]),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: &RESOURCE,
        include_from_parent: &[],
    }),
    parallelized: true,
    ..RESOURCE
};
record_type!(Item, &RESOURCE);
record_type!(LimitedChild, &LIMITED_CHILD, parent = Item);

#[tokio::test]
async fn rate_limit_holds_under_concurrency() {
    static SRC: SourceDef = SourceDef {
        rate_limit: Some(RateLimitDef {
            requests_per_second: 20.0,
            burst: 2,
        }),
        resources: &[&RESOURCE, &LIMITED_CHILD],
        tables: TablesMode::Json,
        ..SOURCE
    };
    let times = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let t2 = times.clone();
    let (base, _) = serve(move |s, _| {
        t2.lock().unwrap().push(std::time::Instant::now());
        if s.uri == "/items" {
            json(json!({"data": (0..24).map(|i| json!({"id": i})).collect::<Vec<_>>()}))
        } else {
            json(json!({"data": [{"id": 1}]}))
        }
    })
    .await;
    let ex = Extractor::new(&SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    assert_eq!(collect::<LimitedChild>(&ex).await.unwrap().len(), 24);
    let times = times.lock().unwrap().clone();
    assert_eq!(times.len(), 25);
    // Budget: burst + rate x window. Any half-second window holds at most 2 + 10 requests
    // (one more allowed for the server clock's view of arrival jitter).
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .filter(|u| u.duration_since(*t) < std::time::Duration::from_millis(500))
            .count();
        assert!(in_window <= 13, "{in_window} requests within 500 ms");
    }
}

/// Every event of a run of `handle`, as `Ok((ids of a page | [], incremental of a Done))` or
/// the error text.
async fn events(
    ex: &Extractor,
    handle: ResourceHandle,
    state: StartState,
) -> Vec<Result<(Vec<i64>, Option<serde_json::Value>), String>> {
    let mut out = Vec::new();
    let mut s = ex.run(&[handle], state);
    while let Some(ev) = s.next().await {
        out.push(match ev {
            Ok(ExtractEvent::Page { batch, .. }) => Ok((batch_ids(batch.as_ref()), None)),
            Ok(ExtractEvent::ResourceDone { incremental, .. }) => Ok((Vec::new(), incremental)),
            Ok(ExtractEvent::Checkpoint { .. }) => panic!("no checkpoint setting"),
            Ok(ExtractEvent::AuthState { .. }) => panic!("no auth state"),
            Err(e) => Err(e.to_string()),
        });
    }
    out
}

fn ex_at(src: &'static SourceDef, base: &str) -> Extractor {
    Extractor::new(src, SecretValues::new())
        .with_base_url(base)
        .with_options(options())
}

const INC_DEF: IncrementalDef = match INC.endpoint.incremental {
    Some(d) => d,
    None => panic!(),
};

const BACKFILL: ResourceDef = ResourceDef {
    name: "backfill",
    endpoint: EndpointDef {
        params: &[
            (
                "since",
                Lit::Str::<Static>(Template(&[TemplatePart::Incremental(
                    IncrementalValue::StartValue,
                )])),
            ),
            (
                "until",
                Lit::Str::<Static>(Template(&[TemplatePart::Incremental(
                    IncrementalValue::EndValue,
                )])),
            ),
        ],
        incremental: Some(IncrementalDef {
            end_value: Some(Lit::Int(20)),
            end_param: Some("end"),
            ..INC_DEF
        }),
        ..INC.endpoint
    },
    ..INC
};
record_type!(Backfill, &BACKFILL);

#[tokio::test]
async fn end_value_backfills_initial_to_end_exclusive_ignoring_and_emitting_no_state() {
    static SRC: SourceDef = SOURCE;
    let (base, log) = serve(|_, _| {
        json(json!({"data": [{"id": 1, "ts": 9}, {"id": 2, "ts": 10}, {"id": 3, "ts": 15}, {"id": 4, "ts": 19}, {"id": 5, "ts": 20}, {"id": 6, "ts": 25}]}))
    })
    .await;
    // A stored state is not used by a backfill: the range starts at the initial value.
    let mut st = StartState::new();
    st.insert(
        "backfill".into(),
        json!({"cursor_path": "ts", "last_value": 15, "boundary_keys": ["[3]"]}),
    );
    let got = events(&ex_at(&SRC, &base), ResourceHandle::of::<Backfill>(), st).await;
    assert_eq!(got, vec![Ok((vec![2, 3, 4], None)), Ok((Vec::new(), None))]);
    assert_eq!(uris(&log), vec!["/items?since=10&until=20&start=10&end=20"]);
}

const LAGGED: ResourceDef = ResourceDef {
    name: "lagged",
    endpoint: EndpointDef {
        incremental: Some(IncrementalDef {
            lag: Some(5.0),
            ..INC_DEF
        }),
        ..INC.endpoint
    },
    ..INC
};
record_type!(Lagged, &LAGGED);

#[tokio::test]
async fn lag_moves_the_start_back_and_turns_off_boundary_dedup() {
    static SRC: SourceDef = SOURCE;
    let (base, log) = serve(|_, n| match n {
        0 => json(
            json!({"data": [{"id": 1, "ts": 14}, {"id": 2, "ts": 15}, {"id": 3, "ts": 20}, {"id": 4, "ts": 22}]}),
        ),
        _ => json(json!({"data": [{"id": 4, "ts": 22}]})),
    })
    .await;
    let ex = ex_at(&SRC, &base);
    let mut st = StartState::new();
    st.insert(
        "lagged".into(),
        json!({"cursor_path": "ts", "last_value": 20, "boundary_keys": ["[3]"]}),
    );
    // Start 20 - 5 = 15 (closed); record 3 sits on the old boundary but is loaded again.
    let got = events(&ex, ResourceHandle::of::<Lagged>(), st).await;
    let state = json!({"cursor_path": "ts", "last_value": 22, "boundary_keys": ["[4]"]});
    assert_eq!(
        got,
        vec![
            Ok((vec![2, 3, 4], None)),
            Ok((Vec::new(), Some(state.clone())))
        ]
    );
    // The next run starts at 22 - 5 and reloads the boundary record.
    let mut st = StartState::new();
    st.insert("lagged".into(), state.clone());
    let got = events(&ex, ResourceHandle::of::<Lagged>(), st).await;
    assert_eq!(
        got,
        vec![Ok((vec![4], None)), Ok((Vec::new(), Some(state)))]
    );
    assert_eq!(
        uris(&log),
        vec!["/items?since=15&start=15", "/items?since=17&start=17"]
    );
}

const RAISING: ResourceDef = ResourceDef {
    name: "raising",
    endpoint: EndpointDef {
        incremental: Some(IncrementalDef {
            cursor_path_text: "meta.ts",
            cursor_path: &[PathStep::key("meta"), PathStep::key("ts")],
            on_cursor_value_missing: OnCursorValueMissing::Raise,
            ..INC_DEF
        }),
        ..INC.endpoint
    },
    ..INC
};
record_type!(Raising, &RAISING);

#[tokio::test]
async fn missing_cursor_with_raise_names_resource_page_record_and_path() {
    static SRC: SourceDef = SOURCE;
    let (base, _) = serve(|_, _| {
        json(json!({"data": [{"id": 1, "meta": {"ts": 11}}, {"id": 2, "meta": {"ts": null}}, {"id": 3}]}))
    })
    .await;
    let got = events(
        &ex_at(&SRC, &base),
        ResourceHandle::of::<Raising>(),
        StartState::new(),
    )
    .await;
    // No page and no completion: the resource's rows and state must not be committed.
    assert_eq!(
        got,
        vec![Err(
            "resource `raising`: page 1: record 1 has no value at cursor path `meta.ts`"
                .to_string()
        )]
    );
}
