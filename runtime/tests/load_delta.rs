//! Delta Lake destination: exact rows read back through delta-rs's log replay and the parquet
//! crate after append, replace and a second run; merges (`merge_key` and `dedup_sort` too)
//! leaving SQLite's rows; every column
//! type; a run stopped between two tables' commits finished by the next run without
//! duplicates, a shard's by an unsharded run. Each test runs on a local directory and, when `RESTSOURCE_TEST_S3` holds an
//! S3-compatible endpoint (e.g. `http://127.0.0.1:5000`, moto's server), on a fresh bucket
//! there too; without it the S3 half prints why it skipped.
#![cfg(feature = "delta")]

mod common_delta;
mod common_load;

use common_delta::*;
use common_load::*;
use futures::{stream, StreamExt};
use restsource_runtime::def::ResourceDef;
use restsource_runtime::load::delta::{
    read_bookkeeping, read_table, stop_after_commit, DeltaLocation,
};
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use restsource_runtime::shard::Shard;
use serde_json::{json, Map, Value};

/// The rows of `table` without the system columns, ordered by id.
async fn rows(dest: &Destination, table: &str) -> Vec<Value> {
    let contents = read_table(location(dest), table)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{table}: no delta table"));
    let mut out: Vec<Value> = contents
        .rows
        .into_iter()
        .map(|mut r: Map<String, Value>| {
            assert!(r.remove("_rs_load_id").unwrap().is_string());
            assert!(r.remove("_rs_extracted_at").unwrap().is_string());
            Value::Object(r)
        })
        .collect();
    out.sort_by_key(|r| r["id"].as_i64());
    out
}

/// Loads each of `runs` (the items of one run) of `def` into every destination of `test`, one
/// run after another, and asserts the table's rows ordered by id and version.
async fn assert_rows_after(
    test: &str,
    def: &'static ResourceDef,
    runs: Vec<Vec<Item>>,
    expected: Vec<Value>,
) {
    for (keys, suffix) in PASSES {
        for dest in destinations(&format!("{test}{suffix}")).await {
            let p = pipeline_in_passes(&dest, keys);
            for items in runs.clone() {
                p.load(runs_of(vec![(def, items)])).await.unwrap();
            }
            let mut got = rows(&dest, def.table_name).await;
            got.sort_by_key(|r| (r["id"].as_i64(), r["version"].as_i64()));
            assert_eq!(got, expected, "{keys} keys a pass, {dest:?}");
        }
    }
}

fn row(id: i64, name: &str, version: i64) -> Value {
    json!({"id": id, "name": name, "version": version})
}

#[tokio::test]
async fn delta_appends_replaces_and_keeps_state_across_runs() {
    for dest in destinations("delta_runs").await {
        let p = pipeline(&dest);
        let mut extra = item(2, "b", 1);
        extra.extra.insert("x".into(), json!(1));
        p.load(stream::iter(vec![
            page(&ITEMS, vec![item(1, "a", 1), extra]),
            done(&ITEMS, Some(json!(2))),
            page(&ITEMS_R, vec![item(9, "old", 1)]),
            done(&ITEMS_R, None),
        ]))
        .await
        .unwrap();
        assert_eq!(
            rows(&dest, "items").await,
            vec![
                row(1, "a", 1),
                json!({"id": 2, "name": "b", "version": 1, "_rs_extra": "{\"x\":1}"})
            ],
            "{dest:?}"
        );
        assert_eq!(rows(&dest, "items_r").await, vec![row(9, "old", 1)]);

        // The API's data changed: new rows for the append table, a new snapshot for replace.
        p.load(stream::iter(vec![
            page(&ITEMS, vec![item(3, "c", 2)]),
            done(&ITEMS, Some(json!(3))),
            page(&ITEMS_R, vec![item(10, "new", 2), item(11, "newer", 2)]),
            done(&ITEMS_R, None),
        ]))
        .await
        .unwrap();
        let items = rows(&dest, "items").await;
        assert_eq!(items.len(), 3, "{dest:?}");
        assert_eq!(items[2], row(3, "c", 2));
        assert_eq!(
            rows(&dest, "items_r").await,
            vec![row(10, "new", 2), row(11, "newer", 2)]
        );
        // Each table took one version per run, tagged with the run's sequence number.
        let t = read_table(location(&dest), "items").await.unwrap().unwrap();
        assert_eq!((t.version, t.run), (1, Some(2)));
        let t = read_table(location(&dest), "items_r")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((t.version, t.run), (1, Some(2)));

        // An empty completed replace empties the table.
        p.load(stream::iter(vec![done(&ITEMS_R, None)]))
            .await
            .unwrap();
        assert_eq!(rows(&dest, "items_r").await, Vec::<Value>::new());

        let (manifest, loads) = read_bookkeeping(location(&dest)).await.unwrap();
        assert_eq!(manifest.seq, 3);
        assert!(manifest.pending.is_none());
        assert_eq!(manifest.state.get("items"), Some(&json!(3)));
        let statuses: Vec<&str> = loads.iter().map(|l| l.status.as_str()).collect();
        assert_eq!(statuses, ["completed", "completed", "completed"]);
        assert_eq!(loads[1].rows.get("items_r"), Some(&2));
    }
}

/// A Delta table's rows in the shape [`Backend::items`] reads SQLite's.
async fn item_rows(dest: &Destination, table: &str) -> Vec<ItemRow> {
    let contents = read_table(location(dest), table)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{table}: no delta table"));
    let mut out: Vec<ItemRow> = contents
        .rows
        .into_iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r.get("name").and_then(Value::as_str).map(String::from),
                r.get("version").and_then(Value::as_i64),
                r.get("deleted").and_then(Value::as_bool),
                r.get("_rs_extra")
                    .and_then(Value::as_str)
                    .map(|s| serde_json::from_str(s).unwrap()),
            )
        })
        .collect();
    out.sort_by_key(|r| (r.0, r.2));
    out
}

fn with_extra(mut i: Item, key: &str, value: Value) -> Item {
    i.extra.insert(key.into(), value);
    i
}

#[tokio::test]
async fn delta_merges_leave_the_rows_sqlite_leaves() {
    // Three runs per merge strategy: keys repeated within a run (across pages), hard deletes
    // of stored keys and of keys the same run inserted, an insert-only key seen twice, a
    // merge key (`name`) a later run's row of another id has, and undeclared fields; after
    // each run the lake holds SQLite's rows exactly.
    let runs = |n: usize| -> Vec<
        Vec<
            Result<
                restsource_runtime::extract::ExtractEvent,
                restsource_runtime::extract::ExtractError,
            >,
        >,
    > {
        let mut runs = Vec::new();
        for def in [&ITEMS_DI, &ITEMS_UP, &ITEMS_IO, &ITEMS_DS, &ITEMS_MK] {
            let events = match n {
                0 => vec![
                    page(def, vec![item(1, "a", 1), item(2, "b", 1), item(3, "c", 1)]),
                    page(def, vec![item(2, "b", 2), item(1, "a-again", 1)]),
                    done(def, None),
                ],
                1 => vec![
                    page(def, vec![item(1, "a", 3), tombstone(3), item(4, "d", 1)]),
                    page(def, vec![item(4, "d", 2), tombstone(4), item(5, "e", 1)]),
                    done(def, None),
                ],
                _ => vec![
                    page(
                        def,
                        vec![with_extra(item(5, "e", 2), "x", json!({"y": [1]}))],
                    ),
                    page(def, vec![item(6, "f", 1), item(8, "a", 1)]),
                    done(def, None),
                ],
            };
            runs.push(events);
        }
        runs.into_iter().map(|r| r.into_iter().collect()).collect()
    };
    let sqlite = Backend::sqlite("delta_merge_as_sqlite");
    let mut lakes = Vec::new();
    for (keys, suffix) in PASSES {
        let named = format!("delta_merge_as_sqlite{suffix}");
        lakes.extend(destinations(&named).await.into_iter().map(|d| (keys, d)));
    }
    for n in 0..3 {
        for events in runs(n) {
            pipeline(&sqlite.destination())
                .load(stream::iter(events))
                .await
                .unwrap();
        }
        for (keys, dest) in &lakes {
            for events in runs(n) {
                let p = pipeline_in_passes(dest, *keys);
                p.load(stream::iter(events)).await.unwrap();
            }
            for def in [&ITEMS_DI, &ITEMS_UP, &ITEMS_IO, &ITEMS_DS, &ITEMS_MK] {
                let expected = sqlite.items(def.table_name).await;
                assert_eq!(
                    item_rows(dest, def.table_name).await,
                    expected,
                    "run {n}, {}, {keys} keys a pass, {dest:?}",
                    def.name
                );
            }
        }
    }
    // The expectation itself, so an equal mistake on both sides shows too.
    let row = |id, name: &str, v| (id, Some(name.to_string()), Some(v), None, None);
    let tombstone = |id| (id, None, None, Some(true), None);
    let e2 = (
        5,
        Some("e".into()),
        Some(2),
        None,
        Some(json!({"x": {"y": [1]}})),
    );
    let expected = [
        ("items_di", vec![row(1, "a", 3), row(2, "b", 2), e2.clone()]),
        // `merge_key` (name): run 2's row 8 named "a" deletes the stored row 1 named "a".
        (
            "items_mk",
            vec![row(2, "b", 2), tombstone(3), tombstone(4), e2.clone()],
        ),
        // `dedup_sort` (version, descending): within a run the higher version survives, a
        // tie or a null (tombstones here are plain rows) keeps the earlier row.
        (
            "items_ds",
            vec![
                row(1, "a", 3),
                row(2, "b", 2),
                tombstone(3),
                row(4, "d", 2),
                e2,
            ],
        ),
        (
            "items_io",
            vec![
                row(1, "a", 1),
                row(2, "b", 1),
                row(3, "c", 1),
                row(4, "d", 1),
                row(5, "e", 1),
            ],
        ),
    ];
    for (table, mut rows) in expected {
        // Every strategy ends with run 2's new rows 6 and 8.
        rows.extend([row(6, "f", 1), row(8, "a", 1)]);
        assert_eq!(sqlite.items(table).await, rows, "{table}");
    }
}

#[tokio::test]
async fn delta_stores_every_column_type() {
    for dest in destinations("delta_types").await {
        let record = AllTypes {
            k: 1,
            t: Some("text".into()),
            d: Some(0.5),
            b: Some(true),
            ts: Some("2024-05-01T12:30:00.250Z".parse().unwrap()),
            bin: Some(restsource_runtime::types::Bytes(vec![0, 1, 255])),
            j: Some(json!({"a": [1, 2]})),
            dec: Some("1234.5".parse().unwrap()),
            day: Some("2024-02-29".parse().unwrap()),
            tod: Some("08:15:30".parse().unwrap()),
            extra: Default::default(),
        };
        let empty = AllTypes {
            k: 2,
            t: None,
            d: None,
            b: None,
            ts: None,
            bin: None,
            j: None,
            dec: None,
            day: None,
            tod: None,
            extra: Default::default(),
        };
        pipeline(&dest)
            .load(stream::iter(vec![
                page(&ALL_TYPES, vec![record, empty]),
                done(&ALL_TYPES, None),
            ]))
            .await
            .unwrap();
        let contents = read_table(location(&dest), "all_types")
            .await
            .unwrap()
            .unwrap();
        let mut got = contents.rows;
        got.sort_by_key(|r| r["k"].as_i64());
        for r in &mut got {
            r.remove("_rs_load_id");
            r.remove("_rs_extracted_at");
        }
        assert_eq!(
            Value::Array(got.into_iter().map(Value::Object).collect()),
            json!([
                {
                    "k": 1, "t": "text", "d": 0.5, "b": true,
                    "ts": "2024-05-01T12:30:00.250Z",
                    "bin": "0001ff",
                    "j": "{\"a\":[1,2]}",
                    "dec": "1234.500",
                    "day": "2024-02-29",
                    "tod": "08:15:30"
                },
                {"k": 2}
            ]),
            "{dest:?}"
        );
    }
}

#[tokio::test]
async fn delta_run_stopped_between_table_commits_is_finished_by_the_next_run() {
    for dest in destinations("delta_stop").await {
        let p = pipeline(&dest);
        p.load(stream::iter(vec![
            page(&ITEMS, vec![item(1, "a", 1)]),
            done(&ITEMS, Some(json!(1))),
            page(&ITEMS_R, vec![item(9, "old", 1)]),
            done(&ITEMS_R, None),
        ]))
        .await
        .unwrap();
        // Tables commit in name order: `items` gets run 2's version, then the run stops.
        stop_after_commit(location(&dest), "items");
        let err = p
            .load(stream::iter(vec![
                page(&ITEMS, vec![item(2, "b", 2)]),
                done(&ITEMS, Some(json!(2))),
                page(&ITEMS_R, vec![item(10, "new", 2)]),
                done(&ITEMS_R, None),
            ]))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("stopped after"), "{err}");
        // What a reader sees meanwhile: `items` has run 2's rows, `items_r` still run 1's,
        // and the state still lists run 2 as pending.
        assert_eq!(
            rows(&dest, "items").await,
            vec![row(1, "a", 1), row(2, "b", 2)]
        );
        assert_eq!(rows(&dest, "items_r").await, vec![row(9, "old", 1)]);
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        assert_eq!(manifest.pending.as_ref().map(|p| p.seq), Some(2));
        assert_eq!(manifest.state.get("items"), Some(&json!(1)));

        // The next run first finishes run 2 (without appending `items` twice), then reads
        // the state run 2 reached, then loads its own rows.
        p.load_with_state(|state| {
            assert_eq!(state.get("items"), Some(&json!(2)));
            stream::iter(vec![
                page(&ITEMS, vec![item(3, "c", 3)]),
                done(&ITEMS, Some(json!(3))),
            ])
        })
        .await
        .unwrap();
        assert_eq!(
            rows(&dest, "items").await,
            vec![row(1, "a", 1), row(2, "b", 2), row(3, "c", 3)],
            "{dest:?}"
        );
        assert_eq!(rows(&dest, "items_r").await, vec![row(10, "new", 2)]);
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        assert!(manifest.pending.is_none());
        assert_eq!(
            (manifest.seq, manifest.state.get("items")),
            (3, Some(&json!(3)))
        );
    }
}

#[test]
fn delta_destination_debug_shows_no_credentials() {
    let dest = Destination::from_url("delta+s3://bucket/prefix").unwrap();
    assert_eq!(format!("{dest:?}"), "Delta(delta+s3://bucket/prefix)");
}

/// Two unsharded runs at once into one lake: the second waits for the first (on S3 for its
/// lease, on a local directory for its lock), then fails naming it, with nothing of it
/// written; run again after the first, it appends its rows once. The lake ends as two runs
/// one after the other leave it, and holds no lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_at_once_waits_for_the_first_and_fails_naming_it() {
    for dest in destinations("delta_two_runs").await {
        let s3 = matches!(location(&dest), DeltaLocation::S3 { .. });
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let first = pipeline(&dest);
        let events = stream::iter(vec![page(&ITEMS, vec![item(1, "a", 1)])]).chain(stream::once(
            async move {
                let _ = wait.await;
                done(&ITEMS, Some(json!(1)))
            },
        ));
        let running = tokio::spawn(async move { first.load(events).await });
        // The first run is loading once its lease (or lock) is taken: give it time to begin.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let second = Pipeline::new(dest.clone()).with_options(PipelineOptions {
            progress: false,
            lock_timeout: std::time::Duration::from_millis(300),
            ..PipelineOptions::default()
        });
        let again = || {
            stream::iter(vec![
                page(&ITEMS, vec![item(2, "b", 2)]),
                done(&ITEMS, Some(json!(2))),
            ])
        };
        let err = second.load(again()).await.unwrap_err().to_string();
        assert!(
            err.contains("is being loaded by another run"),
            "{dest:?}: {err}"
        );
        let _ = go.send(());
        let report = running.await.unwrap().unwrap();
        if s3 {
            assert!(err.contains(&report.load_id), "{err}");
        }
        assert_eq!(rows(&dest, "items").await, vec![row(1, "a", 1)], "{dest:?}");
        second.load(again()).await.unwrap();
        assert_eq!(
            rows(&dest, "items").await,
            vec![row(1, "a", 1), row(2, "b", 2)],
            "{dest:?}"
        );
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        assert_eq!(manifest.state.get("items"), Some(&json!(2)));
        assert!(manifest.leases.is_empty(), "{:?}", manifest.leases);
    }
}

/// A run whose lease another run took over (after it lapsed, say while the process was
/// stalled) commits nothing: its commit point checks the lease in the same conditional put.
/// The takeover is written into the S3 lake's `_rs_state.json` by hand while the run waits
/// between two pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_lease_was_taken_over_commits_nothing() {
    use object_store::{path::Path, ObjectStoreExt as _};
    if std::env::var("RESTSOURCE_TEST_S3").is_err() {
        println!("skipping: RESTSOURCE_TEST_S3 not set");
        return;
    }
    let Some(dest) = destinations("delta_lease_lost")
        .await
        .into_iter()
        .find(|d| matches!(location(d), DeltaLocation::S3 { .. }))
    else {
        panic!("no S3 destination");
    };
    let DeltaLocation::S3 { bucket, prefix } = location(&dest) else {
        unreachable!()
    };
    // The test's own client, from the environment `destinations` set up.
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    let state = Path::from(format!("{prefix}/_rs_state.json"));
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let events =
        stream::iter(vec![page(&ITEMS, vec![item(1, "a", 1)])]).chain(stream::once(async move {
            let _ = wait.await;
            done(&ITEMS, Some(json!(1)))
        }));
    let p = pipeline(&dest);
    let running = tokio::spawn(async move { p.load(events).await });
    // The run holds its lease once it has begun.
    let mut manifest = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Ok(got) = store.get(&state).await {
            manifest = serde_json::from_slice(&got.bytes().await.unwrap()).unwrap();
            if manifest["leases"]["unsharded"].is_object() {
                break;
            }
        }
    }
    let lease = &mut manifest["leases"]["unsharded"];
    assert!(lease.is_object(), "no lease taken");
    lease["load_id"] = json!("another-run");
    store
        .put(&state, manifest.to_string().into_bytes().into())
        .await
        .unwrap();
    let _ = go.send(());
    let err = running.await.unwrap().unwrap_err().to_string();
    assert!(err.contains("lease lapsed"), "{err}");
    let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
    assert!(manifest.pending.is_none());
    assert_eq!(manifest.state.get("items"), None);
    let committed = read_table(location(&dest), "items")
        .await
        .unwrap()
        .map(|t| t.rows.len());
    assert!(matches!(committed, None | Some(0)), "{committed:?}");
}

/// One page and a done event (no state) per resource, in order.
fn runs_of(
    pages: Vec<(&'static ResourceDef, Vec<Item>)>,
) -> impl futures::Stream<
    Item = Result<
        restsource_runtime::extract::ExtractEvent,
        restsource_runtime::extract::ExtractError,
    >,
> {
    stream::iter(
        pages
            .into_iter()
            .flat_map(|(def, items)| [page(def, items), done(def, None)]),
    )
}

/// A shard whose run stopped after its commit point and is never run again: the other shard
/// of its split leaves that run alone on object storage (it may be loading it), and the next
/// unsharded run, whose lease keeps every shard out, finishes its table commits without
/// appending anything twice. On a local directory, whose lock keeps every other run out, the
/// next run of any writer finishes it.
#[tokio::test]
async fn a_stopped_shards_run_is_finished_by_the_next_unsharded_run() {
    for dest in destinations("delta_shard_stop").await {
        let conditional = matches!(location(&dest), DeltaLocation::S3 { .. });
        let shard = |index| {
            Pipeline::new(dest.clone()).with_options(PipelineOptions {
                progress: false,
                shard: Some(Shard::new(index, 2).unwrap()),
                ..PipelineOptions::default()
            })
        };
        pipeline(&dest)
            .load(runs_of(vec![
                (&ITEMS, vec![item(1, "a", 1)]),
                (&ITEMS_R, vec![item(9, "old", 1)]),
            ]))
            .await
            .unwrap();
        // Shard 0/2 commits `items`, then stops before `items_r`.
        stop_after_commit(location(&dest), "items");
        let err = shard(0)
            .load(runs_of(vec![
                (&ITEMS, vec![item(2, "b", 2)]),
                (&ITEMS_R, vec![item(10, "new", 2)]),
            ]))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("stopped after"), "{err}");
        let pending = |m: &restsource_runtime::load::delta::Manifest| {
            m.shards
                .get("0/2")
                .and_then(|b| b.pending.as_ref())
                .map(|p| p.seq)
        };
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        assert_eq!(pending(&manifest), Some(1));

        // Shard 1/2 runs: on object storage shard 0/2's run stays pending.
        shard(1)
            .load(runs_of(vec![(&ITEMS, vec![item(5, "e", 2)])]))
            .await
            .unwrap();
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        let expected_r = if conditional {
            assert_eq!(pending(&manifest), Some(1), "{dest:?}");
            vec![row(9, "old", 1)]
        } else {
            assert_eq!(pending(&manifest), None, "{dest:?}");
            vec![row(10, "new", 2)]
        };
        assert_eq!(rows(&dest, "items_r").await, expected_r, "{dest:?}");

        // The unsharded run finishes it, then loads its own rows.
        pipeline(&dest)
            .load(runs_of(vec![(&ITEMS, vec![item(3, "c", 3)])]))
            .await
            .unwrap();
        assert_eq!(
            rows(&dest, "items").await,
            vec![
                row(1, "a", 1),
                row(2, "b", 2),
                row(3, "c", 3),
                row(5, "e", 2)
            ],
            "{dest:?}"
        );
        assert_eq!(rows(&dest, "items_r").await, vec![row(10, "new", 2)]);
        let (manifest, _) = read_bookkeeping(location(&dest)).await.unwrap();
        assert_eq!(pending(&manifest), None);
        assert_eq!(manifest.shards.get("0/2").map(|b| b.seq), Some(1));
    }
}

/// A merge key without a primary key: a run's rows are all inserted (none deduplicated), and
/// every stored row with one of their merge keys is deleted first.
#[tokio::test]
async fn delta_merge_key_without_a_primary_key() {
    const MK_ONLY: ResourceDef = ResourceDef {
        name: "items_mk_only",
        table_name: "items_mk_only",
        primary_key: &[],
        ..ITEMS_MK
    };
    assert_rows_after(
        "delta_mk_only",
        &MK_ONLY,
        vec![
            vec![item(1, "a", 1), item(2, "b", 1), item(3, "a", 1)],
            vec![item(4, "a", 2), item(4, "a", 2)],
        ],
        vec![row(2, "b", 1), row(4, "a", 2), row(4, "a", 2)],
    )
    .await;
}

/// A primary key of two integer columns: files whose statistics rule out either column's
/// values are skipped, and the merge still replaces exactly the stored rows of the run's keys.
#[tokio::test]
async fn delta_merges_by_a_key_of_two_columns() {
    const TWO: ResourceDef = ResourceDef {
        name: "items_two",
        table_name: "items_two",
        primary_key: &["id", "version"],
        ..ITEMS_DI
    };
    assert_rows_after(
        "delta_two_keys",
        &TWO,
        vec![
            vec![item(1, "a", 1), item(2, "b", 1)],
            vec![item(10, "j", 1), item(11, "k", 1)],
            // (1, 1) replaces a row of the first file; (2, 5) and (10, 2) are new keys
            // whose id is within a file's range but whose version is not.
            vec![item(1, "a2", 1), item(2, "b5", 5), item(10, "j2", 2)],
        ],
        vec![
            row(1, "a2", 1),
            row(2, "b", 1),
            row(2, "b5", 5),
            row(10, "j", 1),
            row(10, "j2", 2),
            row(11, "k", 1),
        ],
    )
    .await;
}

/// A text primary key: files whose statistics put every run key outside their range are
/// skipped, and the merge still replaces exactly the stored rows of the run's keys, those
/// equal to a file's minimum or maximum included.
#[tokio::test]
async fn delta_merges_by_a_text_key() {
    const BY_NAME: ResourceDef = ResourceDef {
        name: "items_by_name",
        table_name: "items_by_name",
        primary_key: &["name"],
        ..ITEMS_DI
    };
    assert_rows_after(
        "delta_text_key",
        &BY_NAME,
        vec![
            vec![item(1, "apple", 1), item(2, "banana", 1)],
            vec![item(3, "kiwi", 1), item(4, "lemon", 1)],
            // "banana" is the first file's maximum, "kiwi" the second's minimum; "cherry"
            // lies in neither file's range.
            vec![
                item(5, "banana", 2),
                item(6, "kiwi", 2),
                item(7, "cherry", 1),
            ],
        ],
        vec![
            row(1, "apple", 1),
            row(4, "lemon", 1),
            row(5, "banana", 2),
            row(6, "kiwi", 2),
            row(7, "cherry", 1),
        ],
    )
    .await;
}

/// A primary key and a merge key: a stored file is skipped only when its statistics rule out
/// both the run's ids and its merge keys, so a file outside the run's id range but holding
/// one of its merge keys is still rewritten.
#[tokio::test]
async fn delta_merges_skip_only_files_ruled_out_by_key_and_merge_key() {
    const MK: ResourceDef = ResourceDef {
        name: "items_mk_skip",
        table_name: "items_mk_skip",
        ..ITEMS_MK
    };
    assert_rows_after(
        "delta_mk_skip",
        &MK,
        vec![
            vec![item(1, "a", 1), item(2, "b", 1)],
            vec![item(3, "m", 1), item(4, "n", 1)],
            // Id 5 is in neither file's range; merge key "b" is the first file's maximum.
            vec![item(5, "b", 2)],
        ],
        vec![
            row(1, "a", 1),
            row(3, "m", 1),
            row(4, "n", 1),
            row(5, "b", 2),
        ],
    )
    .await;
}

/// Merges by date and timestamp keys, whose statistics rule files out as instants: a
/// `merge_key` day replaces that day's stored rows and skips the other days' files, and a
/// stored timestamp past its file's maximum as the log keeps it (cut to the millisecond) is
/// still replaced, not stored twice. Each in passes of one key too.
#[tokio::test]
async fn delta_merges_by_date_and_timestamp_keys() {
    use restsource_runtime::def::{Disposition, MergeStrategy, WriteDef};
    const MERGED: WriteDef = WriteDef {
        disposition: Disposition::Merge(MergeStrategy::DeleteInsert),
        deduplicated: false,
    };
    const BY_DAY: ResourceDef = ResourceDef {
        name: "by_day",
        table_name: "by_day",
        merge_key: &["day"],
        write: MERGED,
        ..ALL_TYPES
    };
    const BY_TS: ResourceDef = ResourceDef {
        name: "by_ts",
        table_name: "by_ts",
        primary_key: &["ts"],
        write: MERGED,
        ..ALL_TYPES
    };
    let at = |k: i64, day: &str, ts: &str| AllTypes {
        k,
        t: None,
        d: None,
        b: None,
        ts: Some(ts.parse().unwrap()),
        bin: None,
        j: None,
        dec: None,
        day: Some(day.parse().unwrap()),
        tod: None,
        extra: Default::default(),
    };
    let noon = "2024-05-01T12:00:00.123456Z";
    let runs = [
        vec![
            at(1, "2024-05-01", noon),
            at(2, "2024-05-01", "2024-05-01T10:00:00Z"),
        ],
        vec![
            at(3, "2024-05-02", "2024-05-02T10:00:00Z"),
            at(4, "2024-05-02", "2024-05-02T11:00:00Z"),
        ],
        vec![at(5, "2024-05-02", noon)],
    ];
    for (keys, suffix) in PASSES {
        for dest in destinations(&format!("delta_instant_keys{suffix}")).await {
            let p = pipeline_in_passes(&dest, keys);
            for records in &runs {
                for def in [&BY_DAY, &BY_TS] {
                    let events = vec![page(def, records.clone()), done(def, None)];
                    p.load(stream::iter(events)).await.unwrap();
                }
            }
            for (table, expected) in [
                // Day 2024-05-02's rows 3 and 4 replaced by row 5.
                (
                    "by_day",
                    vec![(1, noon), (2, "2024-05-01T10:00:00Z"), (5, noon)],
                ),
                // Row 1's timestamp replaced by row 5's, the same instant.
                (
                    "by_ts",
                    vec![
                        (2, "2024-05-01T10:00:00Z"),
                        (3, "2024-05-02T10:00:00Z"),
                        (4, "2024-05-02T11:00:00Z"),
                        (5, noon),
                    ],
                ),
            ] {
                let contents = read_table(location(&dest), table).await.unwrap().unwrap();
                let mut got: Vec<(i64, String)> = (contents.rows.iter())
                    .map(|r| {
                        (
                            r["k"].as_i64().unwrap(),
                            r["ts"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                got.sort();
                let expected: Vec<(i64, String)> = expected
                    .into_iter()
                    .map(|(k, ts)| (k, ts.to_string()))
                    .collect();
                assert_eq!(got, expected, "{table}, {keys} keys a pass, {dest:?}");
            }
        }
    }
}
