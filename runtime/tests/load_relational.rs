//! Relational loading through the pipeline (SQLite): records normalized into typed root and
//! child tables with dlt's names, merged with their child rows, the schema kept between runs.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::normalize::{RelationalOptions, SystemColumns};
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::json;

fn pipeline(b: &Backend, system: SystemColumns) -> Pipeline {
    Pipeline::new(b.destination()).with_options(PipelineOptions {
        progress: false,
        relational: Some(RelationalOptions {
            system,
            ..RelationalOptions::default()
        }),
        ..PipelineOptions::default()
    })
}

fn with(mut record: Item, extra: serde_json::Value) -> Item {
    for (k, v) in extra.as_object().unwrap() {
        record.extra.insert(k.clone(), v.clone());
    }
    record
}

fn query(b: &Backend, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(b.sqlite_path()).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn merge_loads_typed_root_and_child_tables_and_replaces_children() {
    let b = Backend::sqlite("relational_merge");
    let p = pipeline(&b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(
            &ITEMS_DI,
            vec![
                with(
                    item(1, "a", 1),
                    json!({"tags": ["x", "y"], "meta": {"color": "red", "size": 3}}),
                ),
                with(
                    item(2, "b", 1),
                    json!({"tags": ["z"], "seen": "2024-05-01T10:00:00+02:00"}),
                ),
            ],
        ),
        done(&ITEMS_DI, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(
            &ITEMS_DI,
            vec![with(item(1, "a2", 2), json!({"tags": ["w"]}))],
        ),
        done(&ITEMS_DI, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        query(&b, "SELECT group_concat(name || ' ' || type || iif(\"notnull\", '!', ''), ', ') FROM pragma_table_info('items_di')"),
        ["id INTEGER!, name TEXT, version INTEGER, deleted BOOLEAN, meta__color TEXT, \
          meta__size INTEGER, _dlt_load_id TEXT!, _dlt_id TEXT!, seen TIMESTAMP"]
    );
    assert_eq!(
        query(&b, "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('items_di__tags')"),
        ["value TEXT, _dlt_root_id TEXT, _dlt_parent_id TEXT, _dlt_list_idx INTEGER, _dlt_id TEXT"]
    );
    assert_eq!(
        query(&b, "SELECT id || ' ' || name || ' ' || version || ' ' || coalesce(meta__color, '-') || ' ' || coalesce(seen, '-') FROM items_di"),
        ["1 a2 2 - -", "2 b 1 - 2024-05-01T08:00:00Z"]
    );
    assert_eq!(
        query(&b, "SELECT r.id || ' ' || c.value || ' ' || c._dlt_list_idx FROM items_di__tags c JOIN items_di r ON c._dlt_root_id = r._dlt_id"),
        ["1 w 0", "2 z 0"]
    );
    assert_eq!(
        query(&b, "SELECT count(*) || '' FROM items_di__tags"),
        ["2"]
    );
    // `id` is an INTEGER column: it orders and compares as a number.
    assert_eq!(
        query(
            &b,
            "SELECT group_concat(id) FROM (SELECT id FROM items_di WHERE id > 1 ORDER BY id)"
        ),
        ["2"]
    );
}

#[tokio::test]
async fn restsource_names_and_hard_deletes() {
    let b = Backend::sqlite("relational_hard_delete");
    let p = pipeline(&b, SystemColumns::RESTSOURCE);
    p.load(stream::iter(vec![
        page(
            &ITEMS_UP,
            vec![with(item(1, "a", 1), json!({"l": [1, 2]})), item(2, "b", 1)],
        ),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    let mut gone = item(1, "a", 2);
    gone.deleted = Some(true);
    p.load(stream::iter(vec![
        page(&ITEMS_UP, vec![gone]),
        done(&ITEMS_UP, None),
    ]))
    .await
    .unwrap();
    assert_eq!(query(&b, "SELECT id || ' ' || name FROM items_up"), ["2 b"]);
    assert!(query(&b, "SELECT _rs_id FROM items_up__l").is_empty());
    assert_eq!(
        query(
            &b,
            "SELECT group_concat(name, ', ') FROM pragma_table_info('items_up__l')"
        ),
        ["value, _rs_root_id, _rs_parent_id, _rs_list_idx, _rs_id"]
    );
}
