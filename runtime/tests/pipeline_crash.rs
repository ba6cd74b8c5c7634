//! Kills a loading process (SIGKILL) at several points and checks that re-running converges to
//! exactly the rows and cursors of an uninterrupted run, for append (incremental), merge and
//! replace. The test binary re-executes itself as the loader ("child mode", selected by env).

mod common_load;

use std::os::unix::process::ExitStatusExt as _;
use std::process::Command;

use common_load::*;
use futures::{stream, Stream, StreamExt};
use restsource_runtime::extract::{ExtractError, ExtractEvent, StartState};
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::json;

const CHILD_DB: &str = "RS_CRASH_CHILD_DB";
const CHILD_KILL_AT: &str = "RS_CRASH_KILL_AT";
const PAGE: i64 = 100;

/// The API's data in `version` (1 before, 2 after it changed), as the events an extractor
/// would emit when starting from `state`.
fn events(version: i64, state: &StartState) -> Vec<Result<ExtractEvent, ExtractError>> {
    let mut out = Vec::new();
    // append, incremental on id: fetch ids above the cursor.
    let last = if version == 1 { 500 } else { 1500 };
    let cursor = state.get("items").and_then(|v| v.as_i64()).unwrap_or(0);
    let mut id = cursor + 1;
    while id <= last {
        let end = (id + PAGE - 1).min(last);
        out.push(page(
            &ITEMS,
            (id..=end).map(|i| item(i, "app", version)).collect(),
        ));
        id = end + 1;
    }
    out.push(done(&ITEMS, Some(json!(last))));
    // merge delete-insert: full refresh with updates, new rows and hard deletes.
    let n = if version == 1 { 500 } else { 1000 };
    for start in (1..=n).step_by(PAGE as usize) {
        let rows = (start..start + PAGE)
            .map(|i| {
                if version == 2 && i % 7 == 0 {
                    tombstone(i)
                } else {
                    item(i, &format!("m{version}"), version)
                }
            })
            .collect();
        out.push(page(&ITEMS_DI, rows));
    }
    out.push(done(&ITEMS_DI, Some(json!(format!("v{version}")))));
    // replace: full refresh.
    let n = if version == 1 { 300 } else { 1000 };
    for start in (1..=n).step_by(PAGE as usize) {
        let rows = (start..start + PAGE)
            .map(|i| item(i, &format!("r{version}"), version))
            .collect();
        out.push(page(&ITEMS_R, rows));
    }
    out.push(done(&ITEMS_R, None));
    out
}

fn pipeline(b: &Backend) -> Pipeline {
    Pipeline::new(b.destination()).with_options(PipelineOptions {
        commit_rows: 250,
        channel_depth: 1,
        progress: false,
        ..PipelineOptions::default()
    })
}

/// Kills this process with SIGKILL before yielding event `kill_at`.
fn killing(
    events: Vec<Result<ExtractEvent, ExtractError>>,
    kill_at: Option<usize>,
) -> impl Stream<Item = Result<ExtractEvent, ExtractError>> + Send {
    stream::iter(events.into_iter().enumerate()).map(move |(i, e)| {
        if Some(i) == kill_at {
            let _ = Command::new("kill")
                .args(["-9", &std::process::id().to_string()])
                .status();
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
        e
    })
}

/// Child mode: load version 2 into the database named by the env, dying at the kill point.
#[tokio::test]
async fn child_entry() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let kill_at = std::env::var(CHILD_KILL_AT)
        .ok()
        .and_then(|v| v.parse().ok());
    let b = Backend::Sqlite(db.into());
    pipeline(&b)
        .load_with_state(|state| killing(events(2, &state), kill_at))
        .await
        .unwrap();
}

async fn snapshot(
    b: &Backend,
) -> (
    Vec<ItemRow>,
    Vec<ItemRow>,
    Vec<ItemRow>,
    Vec<(String, serde_json::Value)>,
) {
    (
        b.items("items").await,
        b.items("items_di").await,
        b.items("items_r").await,
        b.state().await,
    )
}

async fn load(b: &Backend, version: i64) {
    pipeline(b)
        .load_with_state(|state| stream::iter(events(version, &state)))
        .await
        .unwrap();
}

#[tokio::test]
async fn killed_loads_converge_to_an_uninterrupted_run() {
    let reference = Backend::sqlite("crash-ref");
    load(&reference, 1).await;
    load(&reference, 2).await;
    let expected = snapshot(&reference).await;
    assert_eq!(expected.0.len(), 1500);
    assert_eq!(expected.1.len(), 1000 - 1000 / 7);
    assert_eq!(expected.2.len(), 1000);

    let total = events(2, &StartState::from([("items".to_string(), json!(500))])).len();
    // Before anything, mid-transaction, after several commits, after every row of a resource
    // but before its state, right after a completion, and inside the last resource.
    let points = [0, 3, 7, 10, 11, 15, 21, 22, total - 1];
    for kill_at in points {
        let db = temp_dir(&format!("crash-{kill_at}")).join("db.sqlite");
        let b = Backend::Sqlite(db.clone());
        load(&b, 1).await;
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, &db)
            .env(CHILD_KILL_AT, kill_at.to_string())
            .status()
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "child at {kill_at} was not killed: {status}"
        );
        load(&b, 2).await;
        let got = snapshot(&b).await;
        assert_eq!(got, expected, "kill point {kill_at}");
        // The killed run's `running` row was part of its one transaction: nothing of it is
        // left, so there is nothing to mark aborted (PostgreSQL commits that row on its own;
        // see load_concurrent.rs).
        let others = b
            .query(
                "SELECT count(*) FROM _rs_loads WHERE status <> 'completed'",
                1,
            )
            .await;
        assert_eq!(others, vec![vec![json!(0)]], "kill point {kill_at}");
        let staging = b
            .query(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE '_rs_staging_%'",
                1,
            )
            .await;
        assert_eq!(staging, vec![vec![json!(0)]], "kill point {kill_at}");
    }
}
