//! Exact table contents for each write disposition and merge strategy, over two loads where
//! the API's data changed in between; on SQLite always, on PostgreSQL when configured.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::extract::ExtractError;
use restsource_runtime::pipeline::{Pipeline, PipelineError, PipelineOptions};
use serde_json::json;

macro_rules! on_every_backend {
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

on_every_backend!(
    append_keeps_every_row_and_extras,
    replace_swaps_only_on_completion,
    merge_delete_insert_updates_adds_and_deletes,
    merge_dedup_sort_picks_the_highest,
    merge_key_deletes_only_other_loads,
    upsert_updates_and_hard_deletes,
    a_keys_last_record_in_a_page_decides,
    insert_only_never_updates,
    skip_loads_nothing,
    extraction_error_keeps_nothing_of_the_run,
    undeclared_values_no_json_type_holds_exactly_stay_as_sent,
);

fn pipeline(b: &Backend) -> Pipeline {
    Pipeline::new(b.destination()).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    })
}

fn row(id: i64, name: &str, version: i64) -> ItemRow {
    (id, Some(name.to_string()), Some(version), None, None)
}

async fn append_keeps_every_row_and_extras(b: &Backend) {
    let p = pipeline(b);
    let mut with_extra = item(2, "b", 1);
    with_extra
        .extra
        .insert("x".into(), json!({"nested": [1, "ü"]}));
    let report = p
        .load(stream::iter(vec![
            page(&ITEMS, vec![item(1, "a", 1), with_extra]),
            done(&ITEMS, Some(json!({"cursor": 2}))),
        ]))
        .await
        .unwrap();
    assert_eq!(report.rows.get("items"), Some(&2));
    assert_eq!(report.pages, 1);
    p.load(stream::iter(vec![
        page(&ITEMS, vec![item(3, "c", 1)]),
        done(&ITEMS, Some(json!({"cursor": 3}))),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items").await,
        vec![
            row(1, "a", 1),
            (
                2,
                Some("b".into()),
                Some(1),
                None,
                Some(json!({"x": {"nested": [1, "ü"]}}))
            ),
            row(3, "c", 1),
        ]
    );
    assert_eq!(
        b.state().await,
        vec![("items".to_string(), json!({"cursor": 3}))]
    );
    let loads = b
        .query("SELECT count(DISTINCT _rs_load_id) FROM items", 1)
        .await;
    assert_eq!(loads, vec![vec![json!(2)]]);
    let statuses = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(
        statuses,
        vec![vec![json!("completed")], vec![json!("completed")]]
    );
}

async fn replace_swaps_only_on_completion(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS_R, vec![item(1, "a", 1), item(2, "b", 1)]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(&ITEMS_R, vec![item(3, "c", 1)]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    assert_eq!(b.items("items_r").await, vec![row(3, "c", 1)]);
    // A failing run leaves the previous data in place, and no staging table behind.
    let err = p
        .load(stream::iter(vec![
            page(&ITEMS_R, vec![item(4, "d", 1)]),
            Err(ExtractError::Other {
                resource: "items_r".into(),
                message: "HTTP 500".into(),
            }),
        ]))
        .await
        .unwrap_err();
    assert!(matches!(err, PipelineError::Extract { .. }));
    assert!(
        err.to_string().ends_with("resource `items_r`: HTTP 500"),
        "{err}"
    );
    assert_eq!(b.items("items_r").await, vec![row(3, "c", 1)]);
    let staging = b
        .query(
            "SELECT count(*) FROM _rs_load_resources WHERE resource = 'items_r' AND status = 'failed'",
            1,
        )
        .await;
    assert_eq!(staging, vec![vec![json!(1)]]);
    // An empty completed run empties the table.
    p.load(stream::iter(vec![done(&ITEMS_R, None)]))
        .await
        .unwrap();
    assert_eq!(b.items("items_r").await, vec![]);
}

async fn merge_delete_insert_updates_adds_and_deletes(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS_DI, vec![item(1, "a", 1), item(2, "b", 1)]),
        page(&ITEMS_DI, vec![item(3, "c", 1), item(1, "a2", 2)]),
        done(&ITEMS_DI, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_di").await,
        vec![row(1, "a2", 2), row(2, "b", 1), row(3, "c", 1)]
    );
    p.load(stream::iter(vec![
        page(
            &ITEMS_DI,
            vec![item(2, "b2", 2), item(4, "d", 1), tombstone(3)],
        ),
        done(&ITEMS_DI, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_di").await,
        vec![row(1, "a2", 2), row(2, "b2", 2), row(4, "d", 1)]
    );
}

async fn merge_dedup_sort_picks_the_highest(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(
            &ITEMS_DS,
            vec![item(1, "x", 2), item(1, "y", 1), item(2, "z", 1)],
        ),
        done(&ITEMS_DS, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_ds").await,
        vec![row(1, "x", 2), row(2, "z", 1)]
    );
    // A later load replaces the row whatever its sort value.
    p.load(stream::iter(vec![
        page(&ITEMS_DS, vec![item(1, "w", 1)]),
        done(&ITEMS_DS, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_ds").await,
        vec![row(1, "w", 1), row(2, "z", 1)]
    );
}

async fn merge_key_deletes_only_other_loads(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(
            &ITEMS_MK,
            vec![item(1, "g1", 1), item(2, "g1", 1), item(3, "g2", 1)],
        ),
        done(&ITEMS_MK, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(&ITEMS_MK, vec![item(4, "g1", 2)]),
        page(&ITEMS_MK, vec![item(5, "g1", 2)]),
        done(&ITEMS_MK, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_mk").await,
        vec![row(3, "g2", 1), row(4, "g1", 2), row(5, "g1", 2)]
    );
}

async fn upsert_updates_and_hard_deletes(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS_UP, vec![item(1, "a", 1), item(2, "b", 1)]),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    let mut not_deleted = item(3, "c", 1);
    not_deleted.deleted = Some(false);
    p.load(stream::iter(vec![
        page(&ITEMS_UP, vec![item(1, "a2", 2), not_deleted, tombstone(2)]),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_up").await,
        vec![
            row(1, "a2", 2),
            (3, Some("c".into()), Some(1), Some(false), None)
        ]
    );
}

/// A key repeated within one page ends as its last record says, deletes included, as writing
/// record by record leaves it (PostgreSQL writes the page through one page table).
async fn a_keys_last_record_in_a_page_decides(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(
            &ITEMS_UP,
            vec![item(1, "a", 1), item(2, "b", 1), item(3, "c", 1)],
        ),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(
            &ITEMS_UP,
            vec![
                // 1: updated, deleted, inserted again: the last version stays.
                item(1, "a2", 2),
                tombstone(1),
                item(1, "a3", 3),
                // 2: updated, then deleted: gone.
                item(2, "b2", 2),
                tombstone(2),
                // 4: new, twice: the second stays.
                item(4, "d", 1),
                item(4, "d2", 2),
                // 5: deleted before it ever existed, then inserted.
                tombstone(5),
                item(5, "e", 1),
            ],
        ),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_up").await,
        vec![
            row(1, "a3", 3),
            row(3, "c", 1),
            row(4, "d2", 2),
            row(5, "e", 1)
        ]
    );
}

async fn insert_only_never_updates(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS_IO, vec![item(1, "a", 1), item(2, "b", 1)]),
        done(&ITEMS_IO, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(&ITEMS_IO, vec![item(1, "a2", 2), item(3, "c", 1)]),
        done(&ITEMS_IO, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.items("items_io").await,
        vec![row(1, "a", 1), row(2, "b", 1), row(3, "c", 1)]
    );
}

async fn skip_loads_nothing(b: &Backend) {
    let p = pipeline(b);
    let report = p
        .load(stream::iter(vec![
            page(&ITEMS_SKIP, vec![item(1, "a", 1)]),
            done(&ITEMS_SKIP, Some(json!(1))),
        ]))
        .await
        .unwrap();
    assert!(report.rows.is_empty());
    assert_eq!(b.state().await, vec![]);
    let tables = b
        .query(
            "SELECT count(*) FROM _rs_load_resources WHERE resource = 'items_skip'",
            1,
        )
        .await;
    assert_eq!(tables, vec![vec![json!(0)]]);
}

async fn extraction_error_keeps_nothing_of_the_run(b: &Backend) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS, vec![item(1, "a", 1)]),
        done(&ITEMS, Some(json!("2023-12-31"))),
        page(&ITEMS_DI, vec![item(7, "m", 1)]),
        done(&ITEMS_DI, Some(json!("2023-12-31"))),
    ]))
    .await
    .unwrap();
    let err = p
        .load(stream::iter(vec![
            page(&ITEMS, vec![item(2, "b", 1)]),
            page(&ITEMS_DI, vec![item(7, "m2", 2), item(8, "n", 1)]),
            done(&ITEMS_DI, Some(json!("2024-01-01"))),
            page(&ITEMS, vec![item(3, "c", 1)]),
            Err(ExtractError::Other {
                resource: "items".into(),
                message: "HTTP 503 after 5 attempts".into(),
            }),
            done(&ITEMS, Some(json!("never"))),
        ]))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("resource `items`: HTTP 503 after 5 attempts"),
        "{err}"
    );
    // All or nothing: `items_di` completed within the failed run, yet is as before.
    assert_eq!(b.items("items_di").await, vec![row(7, "m", 1)]);
    assert_eq!(b.items("items").await, vec![row(1, "a", 1)]);
    assert_eq!(
        b.state().await,
        vec![
            ("items".to_string(), json!("2023-12-31")),
            ("items_di".to_string(), json!("2023-12-31"))
        ]
    );
    let loads = b
        .query("SELECT status FROM _rs_loads ORDER BY load_id", 1)
        .await;
    assert_eq!(loads, vec![vec![json!("completed")], vec![json!("failed")]]);
}

/// With `_rs_extra`, undeclared values no JSON number or string type holds exactly stay as the
/// API sent them: a number beyond every double and an integer beyond 64 bits on both
/// backends. A lone UTF-16 surrogate escape stays as sent on SQLite; PostgreSQL's `jsonb`
/// refuses it, so there the run fails and keeps nothing of itself.
async fn undeclared_values_no_json_type_holds_exactly_stay_as_sent(b: &Backend) {
    let p = pipeline(b);
    let mut wide = item(1, "a", 1);
    wide.extra = extra_from_text(r#"{"big":1e400,"wei":1000000000000000000000001}"#);
    p.load(stream::iter(vec![
        page(&ITEMS, vec![wide]),
        done(&ITEMS, None),
    ]))
    .await
    .unwrap();
    let mut cut = item(2, "b", 1);
    cut.extra = extra_from_text(r#"{"cut":"ab\ud83d"}"#);
    let second = p
        .load(stream::iter(vec![
            page(&ITEMS, vec![cut]),
            done(&ITEMS, None),
        ]))
        .await;
    match b {
        Backend::Sqlite(_) => {
            second.unwrap();
            assert_eq!(
                b.query("SELECT id, _rs_extra FROM items ORDER BY id", 2)
                    .await,
                [
                    vec![
                        json!(1),
                        json!(r#"{"big":1e400,"wei":1000000000000000000000001}"#)
                    ],
                    vec![json!(2), json!(r#"{"cut":"ab\ud83d"}"#)]
                ]
            );
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(..) => {
            let err = second.expect_err("jsonb refuses a lone surrogate");
            eprintln!("the run's error: {err}");
            assert_eq!(
                b.query(
                    "SELECT id, _rs_extra->>'wei', (_rs_extra->>'big')::numeric = 1e400 FROM items",
                    3
                )
                .await,
                [vec![
                    json!(1),
                    json!("1000000000000000000000001"),
                    json!(true)
                ]]
            );
        }
    }
}
