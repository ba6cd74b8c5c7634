//! A failed run leaves the destination exactly as the last good run left it, for every write
//! disposition, on SQLite, PostgreSQL (when configured) and JSON lines: full table dumps
//! (every column, `_rs_load_id` included), `_rs_state` and the completed loads compared before
//! and after. Also: a failed run followed by a good one converges to the good runs alone, and
//! a destination string without a path is refused.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::def::ResourceDef;
use restsource_runtime::extract::{ExtractError, ExtractEvent};
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineError, PipelineOptions};
use serde_json::{json, Value};

type Events = Vec<Result<ExtractEvent, ExtractError>>;

/// One resource per disposition: append, replace, delete-insert (+ hard_delete), upsert
/// (+ hard_delete), insert-only, dedup_sort, delete-insert with a merge key.
const ALL: [&ResourceDef; 7] = [
    &ITEMS, &ITEMS_R, &ITEMS_DI, &ITEMS_UP, &ITEMS_IO, &ITEMS_DS, &ITEMS_MK,
];

fn pipeline(dest: Destination) -> Pipeline {
    Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    })
}

fn rows(ids: std::ops::Range<i64>, version: i64) -> Vec<Item> {
    ids.map(|i| item(i, &format!("g{}", i % 2), version))
        .collect()
}

/// A good run of the data in `version`: two pages and a state per resource.
fn good(version: i64) -> Events {
    let mut out = Vec::new();
    for def in ALL {
        out.push(page(def, rows(0..10, version)));
        out.push(page(def, rows(10..20, version)));
        out.push(done(def, Some(json!({"version": version}))));
    }
    out
}

/// Changed first pages (updates, a new row, a hard delete) for every resource.
fn changed_page(def: &'static ResourceDef) -> Result<ExtractEvent, ExtractError> {
    let mut r = rows(0..10, 2);
    r.push(item(30, "g0", 2));
    r.push(tombstone(3));
    page(def, r)
}

/// Every resource but the last completes with changed data; the last fails after page 1.
fn failing_extract() -> Events {
    let mut out = Vec::new();
    for def in &ALL[..ALL.len() - 1] {
        out.push(changed_page(def));
        out.push(done(def, Some(json!({"version": "bad"}))));
    }
    out.push(changed_page(ALL[ALL.len() - 1]));
    out.push(Err(ExtractError::Other {
        resource: ALL[ALL.len() - 1].name.into(),
        message: "page 2: truncated JSON".into(),
    }));
    out
}

/// Every other resource completes with changed data, then the writer fails: `items` gets a
/// page whose declared type of `name` differs from the table's.
fn failing_writer() -> Events {
    let mut out = Vec::new();
    for def in ALL.into_iter().filter(|d| d.name != "items") {
        out.push(changed_page(def));
        out.push(done(def, Some(json!({"version": "bad"}))));
    }
    out.push(page(&ITEMS_BAD, vec![item(99, "x", 9)]));
    out.push(done(&ITEMS_BAD, None));
    out
}

async fn failed_load_ids(b: &Backend) -> Vec<Value> {
    b.query(
        "SELECT load_id FROM _rs_loads WHERE status = 'failed' ORDER BY load_id",
        1,
    )
    .await
    .into_iter()
    .map(|mut r| r.remove(0))
    .collect()
}

async fn every_disposition_is_all_or_nothing(b: &Backend) {
    let p = pipeline(b.destination());
    p.load(stream::iter(good(1))).await.unwrap();
    let before = dump(b).await;
    assert_eq!(
        before
            .iter()
            .filter(|(t, _)| t.starts_with("items"))
            .count(),
        7
    );

    let err = p.load(stream::iter(failing_extract())).await.unwrap_err();
    let PipelineError::Extract { load_id, .. } = &err else {
        panic!("{err}");
    };
    assert!(err
        .to_string()
        .ends_with("resource `items_mk`: page 2: truncated JSON"));
    assert_eq!(dump(b).await, before, "after an extraction error");
    assert_eq!(failed_load_ids(b).await, vec![json!(load_id)]);
    // The failed load records which resources it had started, as failed.
    let recorded = b
        .query(
            &format!(
                "SELECT resource, status FROM _rs_load_resources WHERE load_id = '{load_id}' ORDER BY resource"
            ),
            2,
        )
        .await;
    let mut names: Vec<&str> = ALL.iter().map(|d| d.name).collect();
    names.sort();
    let expected: Vec<Vec<Value>> = names
        .iter()
        .map(|n| vec![json!(n), json!("failed")])
        .collect();
    assert_eq!(recorded, expected);

    let err = p.load(stream::iter(failing_writer())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `items`: column `name` has type TEXT but the spec declares INTEGER; migrate or rename the column, restsource will not change a column type"
            .replace("TEXT", text_type(b))
            .replace("INTEGER", int_type(b))
    );
    assert_eq!(dump(b).await, before, "after a writer error");
    assert_eq!(failed_load_ids(b).await.len(), 2);

    // A good run after the failures converges to the two good runs alone.
    p.load(stream::iter(good(2))).await.unwrap();
    let reference = Backend::sqlite("atomic-ref");
    let r = pipeline(reference.destination());
    r.load(stream::iter(good(1))).await.unwrap();
    r.load(stream::iter(good(2))).await.unwrap();
    for def in ALL {
        assert_eq!(
            b.items(def.table_name).await,
            reference.items(def.table_name).await,
            "{}",
            def.name
        );
    }
    assert_eq!(b.state().await, reference.state().await);
}

fn text_type(b: &Backend) -> &'static str {
    match b {
        Backend::Sqlite(_) => "TEXT",
        #[cfg(feature = "postgres")]
        Backend::Postgres(..) => "text",
    }
}

fn int_type(b: &Backend) -> &'static str {
    match b {
        Backend::Sqlite(_) => "INTEGER",
        #[cfg(feature = "postgres")]
        Backend::Postgres(..) => "bigint",
    }
}

/// The issue's case: merge, the second run's page 2 fails: rows 0-9 keep their values and the
/// good load's id.
async fn merge_page_two_failure_changes_nothing(b: &Backend) {
    let p = pipeline(b.destination());
    p.load(stream::iter(vec![
        page(&ITEMS_DI, rows(0..10, 1)),
        done(&ITEMS_DI, Some(json!(1))),
    ]))
    .await
    .unwrap();
    let before = dump(b).await;
    let err = p
        .load(stream::iter(vec![
            page(&ITEMS_DI, rows(0..10, 2)),
            Err(ExtractError::Other {
                resource: "items_di".into(),
                message: "page 2: truncated JSON".into(),
            }),
        ]))
        .await
        .unwrap_err();
    let PipelineError::Extract { load_id, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(dump(b).await, before);
    assert_eq!(
        b.items("items_di").await,
        (0..10)
            .map(|i| (i, Some(format!("g{}", i % 2)), Some(1), None, None))
            .collect::<Vec<ItemRow>>()
    );
    let stamped = b
        .query(
            &format!("SELECT count(*) FROM items_di WHERE _rs_load_id = '{load_id}'"),
            1,
        )
        .await;
    assert_eq!(stamped, vec![vec![json!(0)]]);
}

macro_rules! on_sql_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                super::$name(&Backend::sqlite(stringify!($name))).await
            }
            #[cfg(feature = "postgres")]
            #[tokio::test]
            async fn postgres() {
                if let Some(b) = Backend::postgres(stringify!($name)).await {
                    super::$name(&b).await
                }
            }
        }
    )*};
}

on_sql_backends!(
    every_disposition_is_all_or_nothing,
    merge_page_two_failure_changes_nothing,
);

#[tokio::test]
async fn jsonl_every_disposition_is_all_or_nothing() {
    let dir = temp_dir("atomic-jsonl");
    let p = pipeline(Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap());
    p.load(stream::iter(good(1))).await.unwrap();
    let before = jsonl_dump(&dir);
    assert_eq!(before.len(), 8, "{before:?}");
    p.load(stream::iter(failing_extract())).await.unwrap_err();
    assert_eq!(jsonl_dump(&dir), before);
    let log = std::fs::read_to_string(dir.join("_rs_loads.jsonl")).unwrap();
    let statuses: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["status"].to_string())
        .collect();
    assert_eq!(statuses, vec!["\"completed\"", "\"failed\""]);

    // A good run after the failure converges to the two good runs alone.
    p.load(stream::iter(good(2))).await.unwrap();
    let ref_dir = temp_dir("atomic-jsonl-ref");
    let r = pipeline(Destination::from_url(&format!("jsonl:{}", ref_dir.display())).unwrap());
    r.load(stream::iter(good(1))).await.unwrap();
    r.load(stream::iter(good(2))).await.unwrap();
    for def in ALL {
        let file = format!("{}.jsonl", def.table_name);
        assert_eq!(
            jsonl_rows(&dir.join(&file)),
            jsonl_rows(&ref_dir.join(&file)),
            "{file}"
        );
    }
    let state = |d: &std::path::Path| -> Value {
        serde_json::from_str::<Value>(&std::fs::read_to_string(d.join("_rs_state.json")).unwrap())
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&dir), state(&ref_dir));
}

#[test]
fn a_destination_without_a_path_is_refused() {
    for (url, message) in [
        (
            "sqlite:",
            "destination `sqlite:` names no database file; write sqlite:path/to.db (created when missing)",
        ),
        (
            "sqlite://",
            "destination `sqlite:` names no database file; write sqlite:path/to.db (created when missing)",
        ),
        (
            "jsonl:",
            "destination `jsonl:` names no directory; write jsonl:path/to/dir (created when missing)",
        ),
    ] {
        match Destination::from_url(url) {
            Ok(d) => panic!("{url} was accepted as {d:?}"),
            Err(e) => assert_eq!(e.to_string(), message, "{url}"),
        }
    }
    assert!(Destination::from_url("sqlite:x.db").is_ok());
}

/// PostgreSQL sends a page's rows while the next page is decoded. A page the server refuses
/// (a NUL character, which its text cannot hold; nothing on the client checks for it) still
/// fails the run, whether pages follow it or not, through a COPY (append) and through the
/// array statement (merge) alike, and the destination stays as the good run left it.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_a_page_the_server_refuses_changes_nothing() {
    let Some(b) = Backend::postgres("server_refuses_json").await else {
        return;
    };
    let p = pipeline(b.destination());
    p.load(stream::iter(good(1))).await.unwrap();
    let before = dump(&b).await;
    for def in [&ITEMS, &ITEMS_DI] {
        for last in [false, true] {
            let mut events = vec![
                page(def, rows(0..10, 2)),
                page(def, vec![item(50, "bad\u{0}name", 2)]),
            ];
            if !last {
                events.push(page(def, rows(10..20, 2)));
            }
            events.push(done(def, Some(json!({"version": "bad"}))));
            let err = p.load(stream::iter(events)).await.unwrap_err().to_string();
            assert!(err.contains("0x00"), "{} {last}: {err}", def.name);
            // Sent ahead, the page's statement is named: its COPY, or its array merge.
            let statement = if def.name == "items" {
                r#"(in `COPY "items" ("id", "#
            } else {
                "(in `WITH page AS (SELECT * FROM unnest("
            };
            assert!(err.contains(statement), "{} {last}: {err}", def.name);
            assert_eq!(dump(&b).await, before, "{} {last}", def.name);
        }
    }
}

/// Once a run has returned, its SQLite file alone holds every row: the connection was closed
/// (moving the WAL's pages into the file) before the run reported done, so a program that
/// exits right after, or a copy of the file without its `-wal`, loses nothing.
#[tokio::test]
async fn a_finished_sqlite_run_leaves_its_rows_in_the_file_itself() {
    for flatten_ahead in [false, true] {
        let b = Backend::sqlite(&format!("closed-{flatten_ahead}"));
        let p = Pipeline::new(b.destination()).with_options(PipelineOptions {
            progress: false,
            flatten_ahead,
            ..PipelineOptions::default()
        });
        p.load(stream::iter(good(1))).await.unwrap();
        let path = b.sqlite_path();
        let wal = path.with_file_name("db.sqlite-wal");
        assert!(!wal.exists(), "{} is still there", wal.display());
        let copy = path.with_file_name("copy.sqlite");
        std::fs::copy(path, &copy).unwrap();
        let conn = rusqlite::Connection::open(&copy).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM items_di", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 20);
    }
}
