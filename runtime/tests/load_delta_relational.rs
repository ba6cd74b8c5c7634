//! Relational tables in a Delta lake: records normalized into root and child tables with the
//! columns, names and types SQLite gets from the same records (new columns and variants in a
//! later run too), child rows linked to their parents, replace emptying child tables; merges
//! (delete-insert, upsert, insert-only, hard deletes, a key twice in a run) leaving the root
//! and child rows SQLite leaves, also when a run stopped between the root's commit and its
//! child table's; dlt's names and its `_dlt_loads` table. On a local directory and, with
//! `RESTSOURCE_TEST_S3`, on S3.
#![cfg(feature = "delta")]

mod common_delta;
mod common_load;

use common_delta::*;
use common_load::*;
use futures::stream;
use restsource_runtime::def::{ResourceDef, TablesMode};
use restsource_runtime::extract::{ExtractError, ExtractEvent};
use restsource_runtime::load::delta::read_table;
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::{json, Map, Value};

/// A pipeline loading relational tables; `ahead`: records flattened ahead of the writer
/// (which needs the resources prepared before the first event, as `Pipeline::run` does).
fn relational(dest: &Destination, ahead: bool) -> Pipeline {
    relational_in_passes(dest, ahead, PipelineOptions::default().delta_keys_per_pass)
}

/// As [`relational`], with Delta merges holding at most `keys` keys at a time.
fn relational_in_passes(dest: &Destination, ahead: bool, keys: usize) -> Pipeline {
    Pipeline::new(dest.clone()).with_options(PipelineOptions {
        progress: false,
        tables: Some(TablesMode::Relational),
        flatten_ahead: ahead,
        delta_keys_per_pass: keys,
        ..PipelineOptions::default()
    })
}

async fn load(
    p: &Pipeline,
    events: Vec<Result<ExtractEvent, ExtractError>>,
) -> Result<(), restsource_runtime::pipeline::PipelineError> {
    let mut defs: Vec<&'static ResourceDef> = Vec::new();
    for e in &events {
        if let Ok(
            ExtractEvent::Page { resource, .. } | ExtractEvent::ResourceDone { resource, .. },
        ) = e
        {
            if !defs.iter().any(|d| d.name == resource.name) {
                defs.push(resource);
            }
        }
    }
    p.load_resources_with_state(&defs, |_| stream::iter(events))
        .await
        .map(|_| ())
}

fn with(mut record: Item, extra: Value) -> Item {
    for (k, v) in extra.as_object().unwrap() {
        record.extra.insert(k.clone(), v.clone());
    }
    record
}

/// The first run: nested objects, lists of scalars and of objects, an empty list, a
/// timestamp.
fn first_run() -> Vec<Result<ExtractEvent, ExtractError>> {
    vec![
        page(
            &ITEMS,
            vec![
                with(
                    item(1, "a", 1),
                    json!({"attrs": {"color": "red", "size": 3}, "tags": ["x", "y"], "price": 1.5}),
                ),
                with(
                    item(2, "b", 1),
                    json!({"tags": [], "attrs": {"color": "blue"}, "seen": "2024-05-01T12:00:00Z"}),
                ),
            ],
        ),
        done(&ITEMS, None),
        page(
            &ITEMS_R,
            vec![with(
                item(9, "old", 1),
                json!({"parts": [{"n": 1}, {"n": 2}]}),
            )],
        ),
        done(&ITEMS_R, None),
    ]
}

/// The second run: a new column, a value that does not fit its column (a variant), a new
/// tag; the replaced resource without parts.
fn second_run() -> Vec<Result<ExtractEvent, ExtractError>> {
    vec![
        page(
            &ITEMS,
            vec![with(
                item(3, "c", 2),
                json!({"tags": ["z"], "attrs": {"color": "green", "size": "big"}, "fresh": true}),
            )],
        ),
        done(&ITEMS, None),
        page(&ITEMS_R, vec![item(10, "new", 2)]),
        done(&ITEMS_R, None),
    ]
}

/// A table's columns with their Delta types, and its rows (ordered by `order`) without the
/// ids and load ids that differ between loads.
async fn table(dest: &Destination, name: &str, order: &[&str]) -> (Vec<String>, Vec<Value>) {
    let t = read_table(location(dest), name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name}: no delta table"));
    let columns = t
        .columns
        .iter()
        .map(|(c, ty)| format!("{c} {ty}"))
        .collect();
    let mut rows: Vec<Map<String, Value>> = t.rows;
    rows.sort_by_key(|r| {
        order
            .iter()
            .map(|k| r.get(*k).map(Value::to_string))
            .collect::<Vec<_>>()
    });
    let rows = rows
        .into_iter()
        .map(|mut r| {
            for system in ["_rs_id", "_rs_parent_id", "_rs_load_id"] {
                r.remove(system);
            }
            Value::Object(r)
        })
        .collect();
    (columns, rows)
}

/// The column names SQLite gives `table` for the same records.
fn sqlite_columns(db: &std::path::Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .unwrap();
    let names = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    names.map(Result::unwrap).collect()
}

fn names(columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .map(|c| c.split(' ').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn delta_relational_tables_are_sqlites_tables() {
    for ahead in [false, true] {
        let sqlite = Backend::sqlite(&format!("delta_rel_sqlite_{ahead}"));
        for dest in destinations(&format!("delta_rel_{ahead}")).await {
            let p = relational(&dest, ahead);
            load(&p, first_run()).await.unwrap();
            let (columns, rows) = table(&dest, "items", &["id"]).await;
            assert_eq!(
                columns,
                [
                    "id long",
                    "name string",
                    "version long",
                    "deleted boolean",
                    "price double",
                    "attrs__color string",
                    "attrs__size long",
                    "_rs_load_id string",
                    "_rs_id string",
                    "seen timestamp",
                ],
                "{dest:?} ahead {ahead}"
            );
            assert_eq!(
                rows,
                vec![
                    json!({"id": 1, "name": "a", "version": 1, "price": 1.5,
                           "attrs__color": "red", "attrs__size": 3}),
                    json!({"id": 2, "name": "b", "version": 1, "attrs__color": "blue",
                           "seen": "2024-05-01T12:00:00Z"}),
                ]
            );
            let (columns, tags) = table(&dest, "items__tags", &["value"]).await;
            assert_eq!(
                columns,
                [
                    "value string",
                    "_rs_parent_id string",
                    "_rs_list_idx long",
                    "_rs_id string"
                ]
            );
            assert_eq!(
                tags,
                vec![
                    json!({"value": "x", "_rs_list_idx": 0}),
                    json!({"value": "y", "_rs_list_idx": 1})
                ]
            );
            let (_, parts) = table(&dest, "items_r__parts", &["n"]).await;
            assert_eq!(
                parts,
                vec![
                    json!({"n": 1, "_rs_list_idx": 0}),
                    json!({"n": 2, "_rs_list_idx": 1})
                ]
            );
            assert_parents(&dest, "items", "items__tags").await;
            assert_parents(&dest, "items_r", "items_r__parts").await;

            // The API's data changed: a new column, a variant, a replace without parts.
            load(&p, second_run()).await.unwrap();
            let (columns, rows) = table(&dest, "items", &["id"]).await;
            assert_eq!(
                &columns[10..],
                ["fresh boolean", "attrs__size__v_text string"],
                "{dest:?} ahead {ahead}"
            );
            assert_eq!(rows.len(), 3);
            assert_eq!(
                rows[2],
                json!({"id": 3, "name": "c", "version": 2, "attrs__color": "green",
                       "attrs__size__v_text": "big", "fresh": true})
            );
            // Rows of the first run read the new columns as null.
            assert_eq!(rows[0]["price"], json!(1.5));
            assert!(rows[0].get("fresh").is_none());
            let (_, tags) = table(&dest, "items__tags", &["value"]).await;
            assert_eq!(tags.len(), 3);
            assert_parents(&dest, "items", "items__tags").await;
            let (_, items_r) = table(&dest, "items_r", &["id"]).await;
            assert_eq!(
                items_r,
                vec![json!({"id": 10, "name": "new", "version": 2})]
            );
            let (_, parts) = table(&dest, "items_r__parts", &["n"]).await;
            assert_eq!(
                parts,
                Vec::<Value>::new(),
                "replace empties child tables too"
            );

            // The same records give SQLite the same tables and columns, in the same order.
            if matches!(
                dest,
                Destination::Delta(restsource_runtime::load::delta::DeltaLocation::File(_))
            ) {
                let sp = relational(&sqlite.destination(), false);
                load(&sp, first_run()).await.unwrap();
                load(&sp, second_run()).await.unwrap();
                for t in ["items", "items__tags", "items_r", "items_r__parts"] {
                    let (columns, _) = table(&dest, t, &[]).await;
                    assert_eq!(
                        names(&columns),
                        sqlite_columns(sqlite.sqlite_path(), t),
                        "{t}"
                    );
                }
            }
        }
    }
}

/// Every row of `child` names a row of `parent` as its parent.
async fn assert_parents(dest: &Destination, parent: &str, child: &str) {
    let ids: Vec<Value> = read_table(location(dest), parent)
        .await
        .unwrap()
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r["_rs_id"].clone())
        .collect();
    let children = read_table(location(dest), child)
        .await
        .unwrap()
        .unwrap()
        .rows;
    assert!(!ids.is_empty() || children.is_empty());
    for c in children {
        assert!(
            ids.contains(&c["_rs_parent_id"]),
            "{child}: {c:?} has no parent in {parent}"
        );
    }
}

/// Each root row's id and fields (row ids left out), and each child row as its root's
/// `id` with its value and list index: what a merge leaves, comparable between destinations
/// whose row ids differ.
type Merged = (Vec<Value>, Vec<(i64, String, i64)>);

async fn delta_merged(dest: &Destination, root: &str) -> Merged {
    let (_, roots) = table(dest, root, &["id"]).await;
    let ids: Vec<(Value, i64)> = read_table(location(dest), root)
        .await
        .unwrap()
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r["_rs_id"].clone(), r["id"].as_i64().unwrap()))
        .collect();
    let mut children = Vec::new();
    if let Some(t) = read_table(location(dest), &format!("{root}__tags"))
        .await
        .unwrap()
    {
        for c in t.rows {
            let (_, id) = ids
                .iter()
                .find(|(rid, _)| *rid == c["_rs_root_id"])
                .unwrap_or_else(|| panic!("{c:?}: no root row"));
            children.push((
                *id,
                c["value"].as_str().unwrap().to_string(),
                c["_rs_list_idx"].as_i64().unwrap(),
            ));
        }
    }
    children.sort();
    (roots, children)
}

fn sqlite_merged(db: &std::path::Path, root: &str) -> Merged {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT i.id, t.value, t._rs_list_idx FROM {root}__tags t JOIN {root} i ON t._rs_root_id = i._rs_id ORDER BY 1, 2, 3"
        ))
        .unwrap();
    let children = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT id, name, version, deleted FROM {root} ORDER BY id"
        ))
        .unwrap();
    let roots = stmt
        .query_map([], |r| {
            let mut o = Map::new();
            o.insert("id".into(), json!(r.get::<_, i64>(0)?));
            if let Some(n) = r.get::<_, Option<String>>(1)? {
                o.insert("name".into(), json!(n));
            }
            if let Some(v) = r.get::<_, Option<i64>>(2)? {
                o.insert("version".into(), json!(v));
            }
            if let Some(d) = r.get::<_, Option<bool>>(3)? {
                o.insert("deleted".into(), json!(d));
            }
            Ok(Value::Object(o))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (roots, children)
}

fn tagged(
    def: &'static ResourceDef,
    records: Vec<(i64, &str, &[&str])>,
) -> Vec<Result<ExtractEvent, ExtractError>> {
    let items = records
        .into_iter()
        .map(|(id, name, tags)| match tags {
            ["DELETE"] => Item {
                deleted: Some(true),
                ..item(id, name, 1)
            },
            tags => with(item(id, name, 1), json!({ "tags": tags })),
        })
        .collect();
    vec![page(def, items), done(def, None)]
}

#[tokio::test]
async fn delta_relational_merges_replace_child_rows_as_sqlite_does() {
    // A stored record replaced (its tags with it), one left alone, a key twice in a run (the
    // later wins with its own tags), a hard delete, an insert-only key already stored.
    let runs: [Vec<(i64, &str, &[&str])>; 3] = [
        vec![(1, "a", &["x", "y"]), (2, "b", &["z"]), (5, "e", &["k"])],
        vec![
            (1, "a2", &["w"]),
            (4, "d", &["p", "q"]),
            (4, "d2", &["r"]),
            (3, "c", &["DELETE"]),
        ],
        vec![(2, "b", &["DELETE"]), (5, "e2", &[]), (6, "f", &["s"])],
    ];
    let mut left = Vec::new();
    for def in [&ITEMS_DI, &ITEMS_UP, &ITEMS_IO] {
        let sqlite = Backend::sqlite(&format!("delta_rel_merge_{}", def.name));
        let sp = relational(&sqlite.destination(), false);
        let mut expected = Vec::new();
        for records in &runs {
            load(&sp, tagged(def, records.clone())).await.unwrap();
            expected.push(sqlite_merged(sqlite.sqlite_path(), def.table_name));
        }
        left.push(expected[2].1.clone());
        let mut lakes = Vec::new();
        for (keys, suffix) in PASSES {
            let named = format!("delta_rel_merge_{}{suffix}", def.name);
            lakes.extend(destinations(&named).await.into_iter().map(|d| (keys, d)));
        }
        for (keys, dest) in lakes {
            let p = relational_in_passes(&dest, false, keys);
            for (run, records) in runs.iter().enumerate() {
                if run == 2 {
                    // Stopped right after the root table's commit: the next run finishes the
                    // child table's with the removed ids its root stored.
                    restsource_runtime::load::delta::stop_after_commit(
                        location(&dest),
                        def.table_name,
                    );
                    let err = load(&p, tagged(def, records.clone()))
                        .await
                        .unwrap_err()
                        .to_string();
                    assert!(err.contains("injected by a test"), "{err}");
                    load(&p, vec![done(def, None)]).await.unwrap();
                } else {
                    load(&p, tagged(def, records.clone())).await.unwrap();
                }
                assert_eq!(
                    delta_merged(&dest, def.table_name).await,
                    expected[run],
                    "{} run {run}, {keys} keys a pass, {dest:?}",
                    def.name
                );
            }
        }
    }
    // The child rows SQLite (and so Delta) left, spelled out: delete-insert and upsert alike;
    // insert-only kept the first record of every key with its tags.
    let tags = |rows: &[(i64, &str, i64)]| -> Vec<(i64, String, i64)> {
        rows.iter()
            .map(|(i, v, x)| (*i, v.to_string(), *x))
            .collect()
    };
    let merged = tags(&[(1, "w", 0), (4, "r", 0), (6, "s", 0)]);
    assert_eq!(left[0], merged, "delete-insert");
    assert_eq!(left[1], merged, "upsert");
    assert_eq!(
        left[2],
        tags(&[
            (1, "x", 0),
            (1, "y", 1),
            (2, "z", 0),
            (4, "p", 0),
            (4, "q", 1),
            (5, "k", 0),
            (6, "s", 0)
        ]),
        "insert-only"
    );
}

#[tokio::test]
async fn delta_dlt_tables_carry_dlts_names_and_its_loads_table() {
    for dest in destinations("delta_dlt").await {
        let p = Pipeline::new(dest.clone()).with_options(PipelineOptions {
            progress: false,
            tables: Some(TablesMode::Dlt),
            ..PipelineOptions::default()
        });
        load(&p, first_run()).await.unwrap();
        load(&p, second_run()).await.unwrap();
        let items = read_table(location(&dest), "items").await.unwrap().unwrap();
        let columns: Vec<&str> = items.columns.iter().map(|(c, _)| c.as_str()).collect();
        assert!(
            columns.contains(&"_dlt_id") && columns.contains(&"_dlt_load_id"),
            "{columns:?}"
        );
        let tags = read_table(location(&dest), "items__tags")
            .await
            .unwrap()
            .unwrap();
        let columns: Vec<&str> = tags.columns.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            columns,
            ["value", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"]
        );

        // One `_dlt_loads` row per run, status 0, naming the loads the rows carry.
        let loads = read_table(location(&dest), "_dlt_loads")
            .await
            .unwrap()
            .unwrap();
        let types: Vec<String> = loads
            .columns
            .iter()
            .map(|(c, t)| format!("{c} {t}"))
            .collect();
        assert_eq!(
            types,
            [
                "load_id string",
                "schema_name string",
                "status long",
                "inserted_at timestamp",
                "schema_version_hash string"
            ]
        );
        let mut loaded: Vec<String> = loads
            .rows
            .iter()
            .map(|r| {
                assert_eq!(r["status"], json!(0));
                assert!(r["inserted_at"].as_str().unwrap().ends_with('Z'));
                r["load_id"].as_str().unwrap().to_string()
            })
            .collect();
        loaded.sort();
        let mut carried: Vec<String> = items
            .rows
            .iter()
            .map(|r| r["_dlt_load_id"].as_str().unwrap().to_string())
            .collect();
        carried.sort();
        carried.dedup();
        assert_eq!(loaded, carried, "{dest:?}");
        assert_eq!(loaded.len(), 2);
    }
}
