//! Bounded lock waits: a second run of a resource that another run is loading fails after
//! `lock_timeout` with a message naming what is locked (and, on PostgreSQL, the holding load);
//! on PostgreSQL a run of another resource goes ahead and leaves the live run alone.

mod common_load;

use std::time::Duration;

use common_load::*;
use futures::{stream, StreamExt};
use restsource_runtime::def::ResourceDef;
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
use serde_json::json;
use tokio::sync::oneshot;

fn pipeline(dest: Destination, lock_timeout: Duration) -> Pipeline {
    Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        lock_timeout,
        ..PipelineOptions::default()
    })
}

/// A run of `def` that has begun (holds its locks) and waits for `release` before completing.
struct Held {
    release: oneshot::Sender<()>,
    run: tokio::task::JoinHandle<Result<LoadReport, PipelineError>>,
}

async fn hold(dest: Destination, def: &'static ResourceDef) -> Held {
    let (started_tx, started_rx) = oneshot::channel();
    let (release, release_rx) = oneshot::channel::<()>();
    let p = pipeline(dest, Duration::from_secs(60));
    let run = tokio::spawn(async move {
        let events = stream::once(async move {
            let _ = started_tx.send(());
            page(def, vec![item(1, "held", 1)])
        })
        .chain(stream::once(async move {
            let _ = release_rx.await;
            done(def, Some(json!("held")))
        }));
        p.load_resources_with_state(&[def], |_| events).await
    });
    started_rx.await.unwrap();
    Held { release, run }
}

impl Held {
    async fn finish(self) -> LoadReport {
        self.release.send(()).unwrap();
        self.run.await.unwrap().unwrap()
    }
}

async fn second_run_error(dest: Destination, def: &'static ResourceDef) -> String {
    pipeline(dest, Duration::from_millis(200))
        .load_resources_with_state(&[def], |_| {
            stream::iter(vec![page(def, vec![item(2, "second", 1)]), done(def, None)])
        })
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_second_run_times_out() {
    let b = Backend::sqlite("lock");
    let held = hold(b.destination(), &ITEMS).await;
    let err = second_run_error(b.destination(), &ITEMS).await;
    let path = b.sqlite_path();
    assert_eq!(
        err,
        format!(
            "SQLite database `{}` is being loaded by another run; waited 200 ms; raise lock_timeout (PipelineOptions) or wait for that run to finish",
            path.display()
        )
    );
    held.finish().await;
    assert_eq!(
        b.items("items").await,
        vec![(1, Some("held".into()), Some(1), None, None)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_second_run_times_out() {
    let dir = temp_dir("lock-jsonl");
    let dest = Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap();
    let held = hold(dest.clone(), &ITEMS).await;
    let err = second_run_error(dest, &ITEMS).await;
    assert_eq!(
        err,
        format!(
            "JSON-lines directory `{}` is being loaded by another run; waited 200 ms; raise lock_timeout (PipelineOptions) or wait for that run to finish",
            dir.display()
        )
    );
    held.finish().await;
    assert_eq!(jsonl_rows(&dir.join("items.jsonl")).len(), 1);
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_second_run_times_out_naming_the_holder() {
    let Some(b) = Backend::postgres("lock").await else {
        return;
    };
    let held = hold(b.destination(), &ITEMS).await;
    let running = b
        .query("SELECT load_id FROM _rs_loads WHERE status = 'running'", 1)
        .await;
    assert_eq!(running.len(), 1);
    let holder = running[0][0].as_str().unwrap().to_string();
    let err = second_run_error(b.destination(), &ITEMS).await;
    assert_eq!(
        err,
        format!(
            "resource `items` is being loaded by another run (load {holder}); waited 200 ms; raise lock_timeout (PipelineOptions) or wait for that run to finish"
        )
    );
    let report = held.finish().await;
    assert_eq!(report.load_id, holder);
    let statuses = b
        .query("SELECT load_id, status FROM _rs_loads ORDER BY load_id", 2)
        .await;
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0], vec![json!(holder), json!("completed")]);
    assert_eq!(statuses[1][1], json!("failed"));
}

/// Another resource's run goes ahead while a run is live, and neither marks nor cleans the
/// live one.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_other_resource_runs_alongside_a_live_run() {
    let Some(b) = Backend::postgres("alongside").await else {
        return;
    };
    let held = hold(b.destination(), &ITEMS).await;
    pipeline(b.destination(), Duration::from_millis(200))
        .load_resources_with_state(&[&ITEMS_DI], |_| {
            stream::iter(vec![
                page(&ITEMS_DI, vec![item(5, "di", 1)]),
                done(&ITEMS_DI, None),
            ])
        })
        .await
        .unwrap();
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("running")], vec![json!("completed")]]
    );
    held.finish().await;
    assert_eq!(
        b.items("items").await,
        vec![(1, Some("held".into()), Some(1), None, None)]
    );
    assert_eq!(
        b.items("items_di").await,
        vec![(5, Some("di".into()), Some(1), None, None)]
    );
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("completed")], vec![json!("completed")]]
    );
}
