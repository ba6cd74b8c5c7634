//! `checkpoint`: a resource that commits its rows and incremental state every N pages keeps
//! them when a later page fails (or the process is killed), and the next run resumes from the
//! last checkpoint, converging to exactly the rows of an uninterrupted run. Checked through
//! the extractor against a local API, for append and upsert, into SQLite, PostgreSQL and JSON
//! lines.

mod common_extract;
mod common_load;

use std::os::unix::process::ExitStatusExt as _;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common_extract::{json, offset_until_empty, serve, status, uris, Reply, Seen, FAST_RETRY};
use common_load::{Backend, ItemRow, ITEMS, ITEMS_UP};
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor, ResourceHandle};
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions, Resumed};
use restsource_runtime::record::{ColumnValue, Record, RowWriter};
use serde_json::{json, Value};

/// The cursor path `id`: a constant so a `const` definition can borrow it.
const ID_PATH: &[PathStep] = &[PathStep::key("id")];

const INCREMENTAL: IncrementalDef = IncrementalDef {
    initial_value: Some(Lit::Int(0)),
    start_param: Some("since"),
    ..IncrementalDef::cursor("id", ID_PATH)
};

const DATA: &[PathStep] = &[PathStep::key("data")];

const fn checkpointed(base: ResourceDef) -> ResourceDef {
    ResourceDef {
        endpoint: EndpointDef {
            path: Template(&[TemplatePart::Lit("items")]),
            data_selector: Some(DATA),
            paginator: offset_until_empty(2),
            incremental: Some(INCREMENTAL),
            ..base.endpoint
        },
        retry: FAST_RETRY,
        // The checkpoint's boundary dedup needs a key (the spec requires one).
        primary_key: &["id"],
        checkpoint: Some(2),
        ..base
    }
}

static APPEND: ResourceDef = checkpointed(ITEMS);
static UPSERT: ResourceDef = checkpointed(ITEMS_UP);

macro_rules! item_record {
    ($name:ident, $def:expr) => {
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        struct $name {
            id: i64,
            name: Option<String>,
            version: Option<i64>,
            deleted: Option<bool>,
            #[serde(flatten)]
            extra: restsource_runtime::record::Extra,
        }
        impl Record for $name {
            const RESOURCE: &'static ResourceDef = $def;
            type Key = i64;
            fn key(&self) -> i64 {
                self.id
            }
            fn write_row(&self, row: &mut dyn RowWriter) {
                self.id.write_to(row);
                self.name.write_to(row);
                self.version.write_to(row);
                self.deleted.write_to(row);
                row.extras(&self.extra);
            }
            fn set_extra(&mut self, key: String, value: Value) {
                self.extra.insert(key, value);
            }
        }
    };
}
item_record!(AppendItem, &APPEND);
item_record!(UpsertItem, &UPSERT);

/// The API: ids 1..=10 in id order, `since` inclusive, `offset`/`limit` pages. Requests whose
/// offset is `fail_at` (counted on the filtered list) get a truncated body while `failing`.
fn api(seen: &Seen, fail_at: Option<usize>, failing: &AtomicUsize, order: &[i64]) -> Reply {
    let q: std::collections::HashMap<String, String> =
        url::Url::parse(&format!("http://x{}", seen.uri))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
    let n = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let (since, offset, limit) = (n("since"), n("offset") as usize, n("limit") as usize);
    if Some(offset) == fail_at && failing.load(Ordering::SeqCst) > 0 {
        return status(200, "{\"data\": [");
    }
    let rows: Vec<Value> = order
        .iter()
        .filter(|id| **id >= since)
        .skip(offset)
        .take(limit)
        .map(|id| json!({"id": id, "name": format!("n{id}"), "version": 1}))
        .collect();
    json(json!({ "data": rows }))
}

struct Api {
    base: String,
    log: Arc<std::sync::Mutex<Vec<Seen>>>,
    failing: Arc<AtomicUsize>,
}

async fn start(fail_at: Option<usize>, order: Vec<i64>) -> Api {
    let failing = Arc::new(AtomicUsize::new(1));
    let f = failing.clone();
    let (base, log) = serve(move |seen, _| api(seen, fail_at, &f, &order)).await;
    Api { base, log, failing }
}

fn pipeline(destination: Destination) -> Pipeline {
    Pipeline::new(destination).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    })
}

async fn run(
    api: &Api,
    destination: Destination,
    handle: ResourceHandle,
) -> Result<LoadReport, PipelineError> {
    static SRC: SourceDef = common_extract::SOURCE;
    let ex = Extractor::new(&SRC, Default::default())
        .with_base_url(api.base.clone())
        .with_options(ExtractOptions {
            backoff_scale: 0.0,
            // One page at a time, so the failing page is always the fourth delivered.
            page_concurrency: 1,
            ..Default::default()
        });
    pipeline(destination).run_handles(&ex, &[handle]).await
}

fn row(id: i64) -> ItemRow {
    (id, Some(format!("n{id}")), Some(1), None, None)
}

/// A failed run keeps pages 1-2 (the checkpoint) and drops page 3; the next run asks from
/// the checkpoint's cursor and ends with ids 1..=10 exactly once.
async fn fails_then_resumes(b: &Backend, handle: ResourceHandle) {
    let (table, name) = (handle.def.table_name, handle.def.name);
    let api = start(Some(6), (1..=10).collect()).await;
    let err = run(&api, b.destination(), handle).await.unwrap_err();
    let PipelineError::ExtractAfterCheckpoint {
        load_id: failed_load,
        resource,
        checkpoints,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((resource.as_str(), *checkpoints), (name, 1));
    assert!(
        err.to_string().contains(
            "its rows up to the last checkpoint are kept and the next run resumes from there"
        ),
        "{err}"
    );
    assert_eq!(b.items(table).await, (1..=4).map(row).collect::<Vec<_>>());
    let state = b.state().await;
    assert_eq!(
        state,
        vec![(
            name.to_string(),
            json!({"cursor_path": "id", "last_value": 4, "boundary_keys": ["[4]"],
                   "checkpoint": {"load_id": failed_load, "rows": 4}})
        )]
    );
    assert_eq!(
        uris(&api.log),
        [
            "/items?since=0&offset=0&limit=2",
            "/items?since=0&offset=2&limit=2",
            "/items?since=0&offset=4&limit=2",
            "/items?since=0&offset=6&limit=2",
        ]
    );

    api.failing.store(0, Ordering::SeqCst);
    api.log.lock().unwrap().clear();
    let report = run(&api, b.destination(), handle).await.unwrap();
    assert_eq!(
        report.resumed,
        vec![Resumed {
            resource: name.into(),
            from_load: failed_load.clone(),
            rows: 4
        }]
    );
    assert!(
        report.to_string().contains(&format!(
            "resumed `{name}` from the checkpoint of load {failed_load} (4 rows kept)"
        )),
        "{report}"
    );
    // Pages (4,5) (6,7) (8,9) (10) and an empty one: checkpoints after the 2nd and 4th.
    assert_eq!(report.checkpoints, 2);
    assert_eq!(report.rows, [(table.to_string(), 6)].into());
    assert_eq!(
        uris(&api.log),
        [
            "/items?since=4&offset=0&limit=2",
            "/items?since=4&offset=2&limit=2",
            "/items?since=4&offset=4&limit=2",
            "/items?since=4&offset=6&limit=2",
            "/items?since=4&offset=8&limit=2",
        ]
    );
    assert_eq!(b.items(table).await, (1..=10).map(row).collect::<Vec<_>>());
    let loads = b
        .query(
            &format!(
                "SELECT _rs_load_id, count(*) FROM \"{table}\" GROUP BY _rs_load_id ORDER BY 1"
            ),
            2,
        )
        .await;
    assert_eq!(
        loads,
        vec![
            vec![json!(failed_load), json!(4)],
            vec![json!(report.load_id), json!(6)]
        ]
    );
    // Completed: the final state carries no checkpoint marker.
    assert_eq!(
        b.state().await,
        vec![(
            name.to_string(),
            json!({"cursor_path": "id", "last_value": 10, "boundary_keys": ["[10]"]})
        )]
    );
}

#[tokio::test]
async fn append_into_sqlite_resumes_from_its_checkpoint() {
    let b = Backend::sqlite("checkpoint-append");
    fails_then_resumes(&b, ResourceHandle::of::<AppendItem>()).await;
}

#[tokio::test]
async fn upsert_into_sqlite_resumes_from_its_checkpoint() {
    let b = Backend::sqlite("checkpoint-upsert");
    fails_then_resumes(&b, ResourceHandle::of::<UpsertItem>()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn append_and_upsert_into_postgres_resume_from_their_checkpoints() {
    let Some(b) = Backend::postgres("checkpoint_append").await else {
        return;
    };
    fails_then_resumes(&b, ResourceHandle::of::<AppendItem>()).await;
    let Some(b) = Backend::postgres("checkpoint_upsert").await else {
        return;
    };
    fails_then_resumes(&b, ResourceHandle::of::<UpsertItem>()).await;
}

#[tokio::test]
async fn jsonl_keeps_the_checkpointed_lines_and_resumes() {
    let dir = common_load::temp_dir("checkpoint-jsonl");
    let destination = Destination::Jsonl(dir.clone());
    let api = start(Some(6), (1..=10).collect()).await;
    let handle = ResourceHandle::of::<AppendItem>();
    run(&api, destination.clone(), handle).await.unwrap_err();
    let ids = |dir: &std::path::Path| -> Vec<i64> {
        common_load::jsonl_rows(&dir.join("items.jsonl"))
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&dir), [1, 2, 3, 4]);
    api.failing.store(0, Ordering::SeqCst);
    let report = run(&api, destination, handle).await.unwrap();
    assert_eq!(report.resumed.len(), 1);
    assert_eq!(ids(&dir), (1..=10).collect::<Vec<_>>());
}

#[tokio::test]
async fn records_out_of_cursor_order_fail_the_checkpointed_resource() {
    let b = Backend::sqlite("checkpoint-order");
    // Page 3 holds 6 then 5: resuming after 6 would skip 5.
    let api = start(None, vec![1, 2, 3, 4, 6, 5, 7, 8]).await;
    let err = run(&api, b.destination(), ResourceHandle::of::<AppendItem>())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("record 1 has cursor `5` at `id`, behind `6` already loaded: the API does not send records in cursor order, which `checkpoint` relies on"),
        "{text}"
    );
    assert!(text.contains("after 1 checkpoint(s) of `items`"), "{text}");
    assert_eq!(b.items("items").await, (1..=4).map(row).collect::<Vec<_>>());
}

#[tokio::test]
async fn other_resources_load_first_in_a_load_of_their_own() {
    let b = Backend::sqlite("checkpoint-mixed");
    let api = start(Some(6), (1..=10).collect()).await;
    static SRC: SourceDef = common_extract::SOURCE;
    // A plain resource on the same API (one page: the first two ids).
    static PLAIN: ResourceDef = ResourceDef {
        endpoint: EndpointDef {
            path: Template(&[TemplatePart::Lit("items")]),
            data_selector: Some(DATA),
            params: &[("limit", Lit::Int(2))],
            ..ITEMS.endpoint
        },
        name: "plain",
        table_name: "items_io",
        ..common_load::ITEMS_IO
    };
    item_record!(PlainItem, &PLAIN);
    let ex = Extractor::new(&SRC, Default::default())
        .with_base_url(api.base.clone())
        .with_options(ExtractOptions {
            backoff_scale: 0.0,
            page_concurrency: 1,
            ..Default::default()
        });
    let handles = [
        ResourceHandle::of::<AppendItem>(),
        ResourceHandle::of::<PlainItem>(),
    ];
    let err = pipeline(b.destination())
        .run_handles(&ex, &handles)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PipelineError::ExtractAfterCheckpoint { .. }),
        "{err}"
    );
    // The plain resource's load completed before the checkpointed one started.
    assert_eq!(b.items("items_io").await, vec![row(1), row(2)]);
    assert_eq!(b.items("items").await, (1..=4).map(row).collect::<Vec<_>>());
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("completed")], vec![json!("failed")]]
    );

    api.failing.store(0, Ordering::SeqCst);
    let report = pipeline(b.destination())
        .run_handles(&ex, &handles)
        .await
        .unwrap();
    assert_eq!(report.checkpoint_loads.len(), 1);
    assert_eq!(
        report.rows,
        [("items".to_string(), 6), ("items_io".to_string(), 2)].into()
    );
}

const CHILD_DB: &str = "RS_CHECKPOINT_CHILD_DB";
const CHILD_API: &str = "RS_CHECKPOINT_CHILD_API";

/// Child mode: loads from the API named by the env; the API hangs on page 3, where the
/// parent kills this process.
#[tokio::test]
async fn child_entry() {
    let (Ok(db), Ok(base)) = (std::env::var(CHILD_DB), std::env::var(CHILD_API)) else {
        return;
    };
    let api = Api {
        base,
        log: Default::default(),
        failing: Default::default(),
    };
    let _ = run(
        &api,
        Backend::Sqlite(db.into()).destination(),
        ResourceHandle::of::<AppendItem>(),
    )
    .await;
}

// Several workers: the API's hanging reply blocks one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_killed_run_keeps_its_checkpoint_and_the_next_run_resumes() {
    let db = common_load::temp_dir("checkpoint-kill").join("db.sqlite");
    let b = Backend::Sqlite(db.clone());
    // Page 3 (offset 4) never answers while `hang` is set.
    let hang = Arc::new(AtomicUsize::new(1));
    let h = hang.clone();
    let (base, log) = serve(move |seen, _| {
        // Held until the child is killed (at most a minute), however slow the machine.
        let held = std::time::Instant::now();
        while seen.uri.contains("offset=4")
            && h.load(Ordering::SeqCst) > 0
            && held.elapsed().as_secs() < 60
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        api(
            seen,
            None,
            &AtomicUsize::new(0),
            &(1..=10).collect::<Vec<_>>(),
        )
    })
    .await;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &db)
        .env(CHILD_API, &base)
        .spawn()
        .unwrap();
    // Wait until the checkpoint after page 2 is committed (the child then hangs on page 3).
    let t0 = std::time::Instant::now();
    loop {
        let committed = db.exists()
            && rusqlite::Connection::open(&db)
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(*) FROM _rs_state WHERE state LIKE '%checkpoint%'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .is_ok_and(|n| n == 1);
        if committed {
            break;
        }
        assert!(t0.elapsed().as_secs() < 20, "no checkpoint was committed");
        // Not a tokio timer: the API's held replies may occupy the runtime's workers.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9));
    hang.store(0, Ordering::SeqCst);

    let api = Api {
        base,
        log,
        failing: Default::default(),
    };
    let report = run(&api, b.destination(), ResourceHandle::of::<AppendItem>())
        .await
        .unwrap();
    assert_eq!(report.resumed.len(), 1, "{report}");
    assert_eq!(report.resumed[0].rows, 4);
    assert_eq!(
        b.items("items").await,
        (1..=10).map(row).collect::<Vec<_>>()
    );
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("aborted")], vec![json!("completed")]]
    );
}
