//! Incremental loading, response actions and the rate limit through `Extractor::run`.

mod common_extract;

use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractEvent, Extractor, ResourceHandle, StartState};
use restsource_runtime::secret::SecretValues;
use serde_json::json;

const INC: ResourceDef = ResourceDef {
    name: "events",
    endpoint: EndpointDef {
        params: &[(
            "since",
            Lit::Str(Template(&[TemplatePart::Incremental(
                IncrementalValue::StartValue,
            )])),
        )],
        incremental: Some(IncrementalDef {
            cursor_path_text: "ts",
            cursor_path: &[PathStep::Key("ts")],
            initial_value: Some(Lit::Int(10)),
            end_value: None,
            start_param: Some("start"),
            end_param: None,
            last_value_func: LastValueFunc::Max,
            lag: None,
            on_cursor_value_missing: OnMissing::Exclude,
            range_start_closed: true,
            range_end_closed: false,
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
            ExtractEvent::Page { batch, .. } => {
                for i in 0..batch.len() {
                    let mut w = IdWriter(None);
                    batch.write_row(i, &mut w);
                    ids.push(w.0.unwrap());
                }
            }
            ExtractEvent::ResourceDone { incremental, .. } => done = incremental,
        }
    }
    (ids, done)
}

struct IdWriter(Option<i64>);
impl restsource_runtime::record::RowWriter for IdWriter {
    fn null(&mut self) {}
    fn bool(&mut self, _: bool) {}
    fn i64(&mut self, v: i64) {
        self.0.get_or_insert(v);
    }
    fn f64(&mut self, _: f64) {}
    fn text(&mut self, _: &str) {}
    fn bytes(&mut self, _: &[u8]) {}
    fn json(&mut self, _: &serde_json::Value) {}
    fn timestamp(&mut self, _: &chrono::DateTime<chrono::Utc>) {}
    fn date(&mut self, _: &chrono::NaiveDate) {}
    fn time(&mut self, _: &chrono::NaiveTime) {}
    fn decimal(&mut self, _: &rust_decimal::Decimal) {}
    fn extras(&mut self, _: &serde_json::Map<String, serde_json::Value>) {}
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
            },
            ResponseActionDef {
                status_code: None,
                content: Some("quota"),
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
            TemplatePart::Parent(&[PathStep::Key("id")]),
        ]),
        ..ENDPOINT
    },
    parent: Some(ParentDef {
        resource: "items",
        include_from_parent: &[],
    }),
    parallelized: true,
    ..RESOURCE
};
record_type!(LimitedChild, &LIMITED_CHILD);

#[tokio::test]
async fn rate_limit_holds_under_concurrency() {
    static SRC: SourceDef = SourceDef {
        rate_limit: Some(RateLimitDef {
            requests_per_second: 20.0,
            burst: 2,
        }),
        resources: &[&RESOURCE, &LIMITED_CHILD],
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
