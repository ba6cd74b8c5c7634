//! The source's auth state (a rotated OAuth2 refresh token) is stored as the `_rs_auth` row of
//! `_rs_state` in the run's own transaction when the run commits, and on its own when the run
//! fails (the token endpoint already retired the token it replaced, so it must outlive the
//! discarded rows), and handed back at the start of the next run. On SQLite, PostgreSQL (when
//! configured), JSON lines and a local Delta lake.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::extract::{ExtractError, ExtractEvent, StartState};
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::{json, Value};

fn pipeline(dest: Destination) -> Pipeline {
    Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    })
}

fn auth(token: &str) -> Result<ExtractEvent, ExtractError> {
    Ok(ExtractEvent::AuthState {
        state: json!({"refresh_tokens": {"refresh_token": token}}),
    })
}

/// Loads `events` and returns the `_rs_auth` state the run started with.
async fn run_seeing_start(
    p: &Pipeline,
    events: Vec<Result<ExtractEvent, ExtractError>>,
) -> (Option<Value>, bool) {
    let mut seen = None;
    let ok = p
        .load_with_state(|start: StartState| {
            seen = start.get("_rs_auth").cloned();
            stream::iter(events)
        })
        .await
        .is_ok();
    (seen, ok)
}

fn good(version: i64, token: &str) -> Vec<Result<ExtractEvent, ExtractError>> {
    vec![
        page(&ITEMS, vec![item(1, "a", version)]),
        done(&ITEMS, None),
        auth(token),
    ]
}

fn failing(token: &str) -> Vec<Result<ExtractEvent, ExtractError>> {
    vec![
        page(&ITEMS, vec![item(2, "b", 9)]),
        auth(token),
        Err(ExtractError::Other {
            resource: "items".into(),
            message: "page 2: truncated JSON".into(),
        }),
    ]
}

/// The `_rs_auth` rows a backend holds (SQL backends).
async fn stored(b: &Backend) -> Vec<(String, Value)> {
    b.state()
        .await
        .into_iter()
        .filter(|(k, _)| k == "_rs_auth")
        .collect()
}

async fn auth_state_commits_with_the_rows(b: &Backend) {
    let p = pipeline(b.destination());
    assert_eq!(run_seeing_start(&p, good(1, "rt-2")).await, (None, true));
    let rt2 = json!({"refresh_tokens": {"refresh_token": "rt-2"}});
    assert_eq!(stored(b).await, [("_rs_auth".to_string(), rt2.clone())]);

    // A failed run's rows are discarded, its rotated token is kept.
    assert_eq!(
        run_seeing_start(&p, failing("rt-3")).await,
        (Some(rt2.clone()), false)
    );
    let rt3 = json!({"refresh_tokens": {"refresh_token": "rt-3"}});
    assert_eq!(stored(b).await, [("_rs_auth".to_string(), rt3.clone())]);
    assert_eq!(b.items("items").await.len(), 1);

    // The next run starts from the rotated token.
    assert_eq!(
        run_seeing_start(&p, good(2, "rt-4")).await,
        (Some(rt3), true)
    );
    assert_eq!(
        stored(b).await,
        [(
            "_rs_auth".to_string(),
            json!({"refresh_tokens": {"refresh_token": "rt-4"}})
        )]
    );
}

mod auth_state_commits_with_the_rows {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        auth_state_commits_with_the_rows(&Backend::sqlite("auth-state")).await
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn postgres() {
        if let Some(b) = Backend::postgres("auth_state").await {
            auth_state_commits_with_the_rows(&b).await
        }
    }
}

#[tokio::test]
async fn jsonl_auth_state_commits_with_the_rows_and_outlives_a_failed_run() {
    let dir = temp_dir("auth-state-jsonl");
    let p = pipeline(Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap());
    let state = || -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("_rs_state.json")).unwrap()).unwrap()
    };
    let rt2 = json!({"refresh_tokens": {"refresh_token": "rt-2"}});
    assert_eq!(run_seeing_start(&p, good(1, "rt-2")).await, (None, true));
    assert_eq!(state()["state"]["_rs_auth"], rt2);
    assert_eq!(
        run_seeing_start(&p, failing("rt-3")).await,
        (Some(rt2.clone()), false)
    );
    let rt3 = json!({"refresh_tokens": {"refresh_token": "rt-3"}});
    assert_eq!(state()["state"]["_rs_auth"], rt3);
    assert_eq!(
        run_seeing_start(&p, good(2, "rt-4")).await,
        (Some(rt3), true)
    );
}

#[cfg(feature = "delta")]
#[tokio::test]
async fn delta_auth_state_commits_with_the_rows_and_outlives_a_failed_run() {
    use restsource_runtime::load::delta::{read_bookkeeping, DeltaLocation};
    let dir = temp_dir("auth-state-delta");
    let p = pipeline(Destination::from_url(&format!("delta+file:{}", dir.display())).unwrap());
    let location = DeltaLocation::File(dir.clone());
    let stored = || async {
        let (manifest, _) = read_bookkeeping(&location).await.unwrap();
        manifest.state.get("_rs_auth").cloned()
    };
    let rt2 = json!({"refresh_tokens": {"refresh_token": "rt-2"}});
    assert_eq!(run_seeing_start(&p, good(1, "rt-2")).await, (None, true));
    assert_eq!(stored().await, Some(rt2.clone()));
    // The failed run's token is stored on its own (under the lake's lock) and the next run
    // starts from it.
    assert_eq!(
        run_seeing_start(&p, failing("rt-3")).await,
        (Some(rt2.clone()), false)
    );
    let rt3 = json!({"refresh_tokens": {"refresh_token": "rt-3"}});
    assert_eq!(stored().await, Some(rt3.clone()));
    // The lock taken to store it was let go: this run gets it (or would time out).
    assert_eq!(
        run_seeing_start(&p, good(2, "rt-4")).await,
        (Some(rt3), true)
    );
}
