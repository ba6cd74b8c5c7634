//! Incremental boundary dedup with typed primary keys: states written by earlier versions
//! (keys stored as JSON text) keep deduplicating, and a stored key matches a record whose
//! key has the same value even when the stored text spells it differently.

mod common_extract;

use chrono::{DateTime, Utc};
use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractEvent, Extractor, ResourceHandle, StartState};
use restsource_runtime::record::{Extra, Record, RowWriter};
use restsource_runtime::secret::SecretValues;
use serde_json::{json, Value};

/// The cursor path `ts`: a constant so a `const` definition can borrow it.
const TS_PATH: &[PathStep] = &[PathStep::key("ts")];

/// Cursor `ts` (undeclared, in the extras), closed start: boundary dedup applies.
const BY_TS: EndpointDef = EndpointDef {
    incremental: Some(IncrementalDef {
        ..IncrementalDef::cursor("ts", TS_PATH)
    }),
    ..ENDPOINT
};

const COMPOSITE: ResourceDef = ResourceDef {
    name: "composite",
    endpoint: BY_TS,
    primary_key: &["id", "name"],
    ..RESOURCE
};

/// Keyed by `(id, name)`, as a generated struct with those two declared columns is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Composite {
    id: i64,
    name: String,
    #[serde(flatten)]
    extra: Extra,
}

impl Record for Composite {
    const RESOURCE: &'static ResourceDef = &COMPOSITE;
    type Key = (i64, String);
    fn key(&self) -> Self::Key {
        (self.id, self.name.clone())
    }
    fn write_row(&self, row: &mut dyn RowWriter) {
        row.i64(self.id);
        row.text(&self.name);
        row.extras(&self.extra);
    }
    fn set_extra(&mut self, key: String, value: Value) {
        self.extra.insert(key, value);
    }
}

const STAMPED: ResourceDef = ResourceDef {
    name: "stamped",
    endpoint: BY_TS,
    primary_key: &["at"],
    ..RESOURCE
};

/// Keyed by a timestamp column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Stamped {
    n: i64,
    at: DateTime<Utc>,
    #[serde(flatten)]
    extra: Extra,
}

impl Record for Stamped {
    const RESOURCE: &'static ResourceDef = &STAMPED;
    type Key = (DateTime<Utc>,);
    fn key(&self) -> Self::Key {
        (self.at,)
    }
    fn write_row(&self, row: &mut dyn RowWriter) {
        row.i64(self.n);
        row.timestamp(&self.at);
        row.extras(&self.extra);
    }
    fn set_extra(&mut self, key: String, value: Value) {
        self.extra.insert(key, value);
    }
}

/// The first integer column of every record emitted, and the final state.
async fn run(handle: ResourceHandle, page: Value, state: Value) -> (Vec<i64>, Option<Value>) {
    static SRC: SourceDef = SOURCE;
    let (base, _log) = serve(move |_, _| json(page.clone())).await;
    let ex = Extractor::new(&SRC, SecretValues::new())
        .with_base_url(&base)
        .with_options(options());
    let mut st = StartState::new();
    st.insert(handle.def.name.to_string(), state);
    let (mut ids, mut done) = (Vec::new(), None);
    let mut s = ex.run(&[handle], st);
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
async fn a_state_written_by_earlier_versions_still_dedups_composite_keys() {
    // Exactly what earlier versions stored: each key the JSON text of its values' array.
    let state = json!({"cursor_path": "ts", "last_value": 20,
        "boundary_keys": ["[1,\"a\"]", "[2,\"b\"]"]});
    let page = json!({"data": [
        {"id": 1, "name": "a", "ts": 20},
        {"id": 2, "name": "c", "ts": 20},
        {"id": 9, "name": "z", "ts": 19},
        {"id": 2, "name": "b", "ts": 20},
        {"id": 3, "name": "a", "ts": 21},
    ]});
    let (ids, state) = run(ResourceHandle::of::<Composite>(), page.clone(), state).await;
    assert_eq!(ids, vec![2, 3]);
    assert_eq!(
        state,
        Some(json!({"cursor_path": "ts", "last_value": 21, "boundary_keys": ["[3,\"a\"]"]}))
    );
    // The state this version writes reads back the same way.
    let (ids, again) = run(ResourceHandle::of::<Composite>(), page, state.unwrap()).await;
    assert_eq!(ids, Vec::<i64>::new());
    assert_eq!(
        again,
        Some(json!({"cursor_path": "ts", "last_value": 21, "boundary_keys": ["[3,\"a\"]"]}))
    );
}

#[tokio::test]
async fn a_stored_key_matches_by_value_not_by_spelling() {
    // Stored while `at` was an undeclared key column (its text as the API sent it); the
    // column is now a timestamp, whose JSON form is UTC. Same instant, same key.
    let state = json!({"cursor_path": "ts", "last_value": 20,
        "boundary_keys": ["[\"2024-01-01T10:00:00+01:00\"]"]});
    let page = json!({"data": [
        {"n": 1, "at": "2024-01-01T10:00:00+01:00", "ts": 20},
        {"n": 2, "at": "2024-01-01T11:00:00+01:00", "ts": 20},
    ]});
    let (ids, state) = run(ResourceHandle::of::<Stamped>(), page, state).await;
    assert_eq!(ids, vec![2]);
    assert_eq!(
        state,
        Some(json!({"cursor_path": "ts", "last_value": 20,
            "boundary_keys": ["[\"2024-01-01T10:00:00+01:00\"]", "[\"2024-01-01T10:00:00Z\"]"]}))
    );
}
