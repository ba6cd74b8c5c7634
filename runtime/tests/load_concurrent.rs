//! Concurrent and killed runs, in real processes: the test binary re-executes itself as a
//! loader ("child mode", selected by `RS_CONC_DEST`). Two and four runs at once into one SQLite
//! file and one PostgreSQL schema (same resources, different resources) end with exactly the
//! tables of a single run; a run killed with SIGKILL leaves the destination exactly as before
//! and the next run marks it aborted (PostgreSQL) and loads correctly.

mod common_load;

use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, Output};
use std::time::Duration;

use common_load::*;
use futures::{stream, Stream, StreamExt};
use restsource_runtime::def::ResourceDef;
use restsource_runtime::extract::{ExtractError, ExtractEvent, StartState};
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::json;

const DEST: &str = "RS_CONC_DEST";
const SET: &str = "RS_CONC_SET";
const VERSION: &str = "RS_CONC_VERSION";
const KILL_AT: &str = "RS_CONC_KILL_AT";
const PAGE: i64 = 50;

/// Append (incremental on id), merge delete-insert with hard deletes, replace, upsert.
const ALL: [&ResourceDef; 4] = [&ITEMS, &ITEMS_DI, &ITEMS_R, &ITEMS_UP];

type Events = Vec<Result<ExtractEvent, ExtractError>>;

/// Pages of `PAGE` rows of `ids`, row `i` made by `f`.
fn pages(
    out: &mut Events,
    def: &'static ResourceDef,
    ids: std::ops::Range<i64>,
    f: impl Fn(i64) -> Item,
) {
    let mut start = ids.start;
    while start < ids.end {
        let end = (start + PAGE).min(ids.end);
        out.push(page(def, (start..end).map(&f).collect()));
        start = end;
    }
}

/// The API's data in `version`, as an extractor starting from `state` would emit it.
fn events(defs: &[&'static ResourceDef], version: i64, state: &StartState) -> Events {
    let mut out = Vec::new();
    for def in defs {
        let state = match def.name {
            "items" => {
                let cursor = state.get("items").and_then(|v| v.as_i64()).unwrap_or(0);
                let last = 300 * version;
                pages(&mut out, def, cursor + 1..last + 1, |i| {
                    item(i, "app", version)
                });
                Some(json!(last))
            }
            "items_di" => {
                pages(&mut out, def, 0..200, |i| {
                    if version == 2 && i % 7 == 0 {
                        tombstone(i)
                    } else {
                        item(i, &format!("m{version}"), version)
                    }
                });
                Some(json!(version))
            }
            "items_r" => {
                pages(&mut out, def, 0..100 * version, |i| {
                    item(i, &format!("r{version}"), version)
                });
                None
            }
            _ => {
                pages(&mut out, def, 0..100, |i| {
                    if version == 2 && i % 5 == 0 {
                        tombstone(i)
                    } else {
                        item(i, &format!("u{version}"), version)
                    }
                });
                None
            }
        };
        out.push(done(def, state));
    }
    out
}

fn defs_named(names: &str) -> Vec<&'static ResourceDef> {
    names
        .split(',')
        .map(|n| *ALL.iter().find(|d| d.name == n).unwrap())
        .collect()
}

fn pipeline(dest: Destination) -> Pipeline {
    Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        channel_depth: 1,
        ..PipelineOptions::default()
    })
}

/// Paces events (so concurrent runs overlap) and kills this process with SIGKILL before
/// yielding event `kill_at`.
fn paced(
    events: Vec<Result<ExtractEvent, ExtractError>>,
    kill_at: Option<usize>,
) -> impl Stream<Item = Result<ExtractEvent, ExtractError>> + Send {
    stream::iter(events.into_iter().enumerate()).then(move |(i, e)| async move {
        if Some(i) == kill_at {
            let _ = Command::new("kill")
                .args(["-9", &std::process::id().to_string()])
                .status();
            std::thread::sleep(Duration::from_secs(60));
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
        e
    })
}

fn destination(spec: &str) -> Destination {
    match spec.strip_prefix("pg:") {
        Some(schema) => {
            let conn = std::env::var("RESTSOURCE_TEST_POSTGRES").unwrap();
            Destination::from_url(&conn).unwrap().with_schema(schema)
        }
        None => Destination::from_url(spec).unwrap(),
    }
}

/// Child mode: one run of the resources in `RS_CONC_SET` into `RS_CONC_DEST`.
#[tokio::test]
async fn child_entry() {
    let Ok(dest) = std::env::var(DEST) else {
        return;
    };
    let defs = defs_named(&std::env::var(SET).unwrap());
    let version: i64 = std::env::var(VERSION).unwrap().parse().unwrap();
    let kill_at = std::env::var(KILL_AT).ok().and_then(|v| v.parse().ok());
    let result = pipeline(destination(&dest))
        .load_resources_with_state(&defs, |state| {
            paced(events(&defs, version, &state), kill_at)
        })
        .await;
    match result {
        Ok(report) => println!("CHILD OK {}", report.load_id),
        Err(e) => {
            println!("CHILD ERR {e}");
            std::process::exit(3);
        }
    }
}

/// Starts one child per resource set at once and waits for all of them.
fn children(dest: &str, sets: &[&str], version: i64, kill_at: Option<usize>) -> Vec<Output> {
    let spawned: Vec<_> = sets
        .iter()
        .map(|set| {
            let mut cmd = Command::new(std::env::current_exe().unwrap());
            cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
                .env(DEST, dest)
                .env(SET, set)
                .env(VERSION, version.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            if let Some(k) = kill_at {
                cmd.env(KILL_AT, k.to_string());
            }
            cmd.spawn().unwrap()
        })
        .collect();
    spawned
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn assert_all_ok(outputs: &[Output]) {
    for o in outputs {
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.contains("CHILD OK"),
            "child failed ({}):\n{stdout}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The tables and state of single in-process runs of `versions`, all resources.
async fn reference(versions: &[i64]) -> Backend {
    let b = Backend::sqlite("conc-ref");
    for v in versions {
        pipeline(b.destination())
            .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, *v, &state)))
            .await
            .unwrap();
    }
    b
}

async fn assert_same_tables(got: &Backend, want: &Backend) {
    for def in ALL {
        assert_eq!(
            got.items(def.table_name).await,
            want.items(def.table_name).await,
            "{}",
            def.name
        );
    }
    assert_eq!(got.state().await, want.state().await);
}

const SAME_2: &[&str] = &["items,items_di,items_r,items_up"; 2];
const SAME_4: &[&str] = &["items,items_di,items_r,items_up"; 4];
const DIFF_2: &[&str] = &["items,items_di", "items_r,items_up"];
const DIFF_4: &[&str] = &["items", "items_di", "items_r", "items_up"];

async fn concurrent(b: Backend, dest: String, sets: &[&str]) {
    let outputs = children(&dest, sets, 1, None);
    assert_all_ok(&outputs);
    assert_same_tables(&b, &reference(&[1]).await).await;
    let statuses = b
        .query("SELECT status, count(*) FROM _rs_loads GROUP BY status", 2)
        .await;
    assert_eq!(statuses, vec![vec![json!("completed"), json!(sets.len())]]);
}

fn sqlite(name: &str) -> (Backend, String) {
    let b = Backend::sqlite(name);
    let path = b.sqlite_path();
    let dest = format!("sqlite:{}", path.display());
    (b, dest)
}

#[tokio::test]
async fn sqlite_two_runs_same_resources() {
    let (b, dest) = sqlite("conc-s2");
    concurrent(b, dest, SAME_2).await;
}

#[tokio::test]
async fn sqlite_four_runs_same_resources() {
    let (b, dest) = sqlite("conc-s4");
    concurrent(b, dest, SAME_4).await;
}

#[tokio::test]
async fn sqlite_two_runs_different_resources() {
    let (b, dest) = sqlite("conc-d2");
    concurrent(b, dest, DIFF_2).await;
}

#[tokio::test]
async fn sqlite_four_runs_different_resources() {
    let (b, dest) = sqlite("conc-d4");
    concurrent(b, dest, DIFF_4).await;
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    async fn pg(name: &str) -> Option<(Backend, String)> {
        let b = Backend::postgres(name).await?;
        let Backend::Postgres(_, schema) = &b else {
            unreachable!()
        };
        let dest = format!("pg:{schema}");
        Some((b, dest))
    }

    #[tokio::test]
    async fn two_runs_same_resources() {
        if let Some((b, dest)) = pg("conc_s2").await {
            concurrent(b, dest, SAME_2).await;
        }
    }

    #[tokio::test]
    async fn four_runs_same_resources() {
        if let Some((b, dest)) = pg("conc_s4").await {
            concurrent(b, dest, SAME_4).await;
        }
    }

    #[tokio::test]
    async fn two_runs_different_resources() {
        if let Some((b, dest)) = pg("conc_d2").await {
            concurrent(b, dest, DIFF_2).await;
        }
    }

    #[tokio::test]
    async fn four_runs_different_resources() {
        if let Some((b, dest)) = pg("conc_d4").await {
            concurrent(b, dest, DIFF_4).await;
        }
    }

    #[tokio::test]
    async fn killed_run_changes_nothing_and_is_aborted_by_the_next() {
        let Some((b, dest)) = pg("kill").await else {
            return;
        };
        killed_run(&b, &dest).await;
        let statuses = b
            .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
            .await;
        assert_eq!(
            statuses,
            vec![
                vec![json!("completed")],
                vec![json!("aborted")],
                vec![json!("completed")]
            ]
        );
    }
}

const ALL_SET: &str = "items,items_di,items_r,items_up";
/// After `items` completed (7 events) and two pages of `items_di`.
const KILL_POINT: usize = 9;

/// Version 1, then a version-2 run killed mid-way, then version 2 again.
async fn killed_run(b: &Backend, dest: &str) {
    pipeline(destination(dest))
        .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, 1, &state)))
        .await
        .unwrap();
    let before = dump(b).await;
    let outputs = children(dest, &[ALL_SET], 2, Some(KILL_POINT));
    assert_eq!(outputs[0].status.signal(), Some(9), "{:?}", outputs[0]);
    wait_for_dead_connections(b).await;
    assert_eq!(dump(b).await, before);
    pipeline(destination(dest))
        .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, 2, &state)))
        .await
        .unwrap();
    assert_same_tables(b, &reference(&[1, 2]).await).await;
}

/// PostgreSQL ends a killed client's session (and its locks) when it notices the closed
/// socket; a run starting before that rightly sees the load as alive.
async fn wait_for_dead_connections(b: &Backend) {
    #[cfg(feature = "postgres")]
    if let Backend::Postgres(..) = b {
        for _ in 0..100 {
            let live = b
                .query(
                    "SELECT count(*) FROM pg_stat_activity a JOIN _rs_loads l \
                     ON a.application_name = 'restsource load ' || l.load_id \
                     WHERE l.status = 'running'",
                    1,
                )
                .await;
            if live == vec![vec![json!(0)]] {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the killed run's session is still alive");
    }
    let _ = b;
}

#[tokio::test]
async fn sqlite_killed_run_changes_nothing() {
    let (b, dest) = sqlite("kill");
    killed_run(&b, &dest).await;
    // The killed run's `running` row was part of its transaction: nothing of it remains.
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("completed")], vec![json!("completed")]]
    );
}

#[tokio::test]
async fn jsonl_killed_run_changes_nothing() {
    let dir = temp_dir("kill-jsonl");
    let dest = format!("jsonl:{}", dir.display());
    pipeline(destination(&dest))
        .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, 1, &state)))
        .await
        .unwrap();
    let before = jsonl_dump(&dir);
    let outputs = children(&dest, &[ALL_SET], 2, Some(KILL_POINT));
    assert_eq!(outputs[0].status.signal(), Some(9), "{:?}", outputs[0]);
    assert_eq!(jsonl_dump(&dir), before);
    pipeline(destination(&dest))
        .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, 2, &state)))
        .await
        .unwrap();
    let ref_dir = temp_dir("kill-jsonl-ref");
    for v in [1, 2] {
        pipeline(destination(&format!("jsonl:{}", ref_dir.display())))
            .load_resources_with_state(&ALL, |state| stream::iter(events(&ALL, v, &state)))
            .await
            .unwrap();
    }
    for def in ALL {
        let file = format!("{}.jsonl", def.table_name);
        assert_eq!(
            jsonl_rows(&dir.join(&file)),
            jsonl_rows(&ref_dir.join(&file)),
            "{file}"
        );
    }
}
