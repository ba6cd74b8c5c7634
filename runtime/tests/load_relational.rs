//! Relational loading through the pipeline: records normalized into typed root and child
//! tables with dlt's (or restsource's) names, merged with their child rows, hard deletes, the
//! schema kept between runs; on SQLite always, on PostgreSQL when configured.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::def::ResourceDef;
use restsource_runtime::def::TablesMode;
use restsource_runtime::extract::{ExtractError, ExtractEvent};
use restsource_runtime::normalize::{ContractMode, SchemaContract, SystemColumns};
use restsource_runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
use serde_json::{json, Value};

/// Each test on SQLite and on PostgreSQL (when configured), each with records flattened on
/// the writer thread and ahead of it ([`PipelineOptions::flatten_ahead`]).
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                super::$name(&Backend::sqlite(stringify!($name))).await
            }
            #[tokio::test]
            async fn sqlite_flattened_ahead() {
                AHEAD.set(true);
                super::$name(&Backend::sqlite(concat!("ahead_", stringify!($name)))).await
            }
            #[cfg(feature = "postgres")]
            #[tokio::test]
            async fn postgres() {
                if let Some(b) = Backend::postgres(stringify!($name)).await {
                    super::$name(&b).await
                }
            }
            #[cfg(feature = "postgres")]
            #[tokio::test]
            async fn postgres_flattened_ahead() {
                AHEAD.set(true);
                let name = concat!("ahead_", stringify!($name));
                if let Some(b) = Backend::postgres(name).await {
                    super::$name(&b).await
                }
            }
        }
    )*};
}

thread_local! {
    /// Whether this test's pipelines flatten ahead of the writer (each test has its thread).
    static AHEAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

on_every_backend!(
    merge_loads_typed_root_and_child_tables_and_replaces_children,
    restsource_names_and_hard_deletes,
    replace_empties_child_tables_too,
    a_frozen_contract_fails_the_run_and_keeps_nothing_of_it,
    a_resources_own_contract_and_nesting_apply_without_run_options,
    insert_only_keeps_the_first_record_of_a_key_with_its_child_rows,
    an_undeclared_value_no_json_type_holds_is_stored_as_its_text,
);

/// `items_di` with the spec's `schema_contract = {columns = "freeze"}` and
/// `max_table_nesting = 0` resolved into its definition.
const ITEMS_FZ: restsource_runtime::def::ResourceDef = restsource_runtime::def::ResourceDef {
    name: "items_fz",
    table_name: "items_fz",
    relational: restsource_runtime::def::RelationalDef {
        contract: SchemaContract {
            columns: ContractMode::Freeze,
            ..SchemaContract::EVOLVE
        },
        max_nesting: 0,
    },
    ..ITEMS_DI
};

/// A test's pipeline: with [`AHEAD`], its resources are prepared before the first event, as
/// [`Pipeline::run`] prepares them, which is when records can be flattened ahead.
struct Loader(Pipeline);

impl Loader {
    async fn load<S>(&self, events: S) -> Result<LoadReport, PipelineError>
    where
        S: futures::Stream<Item = Result<ExtractEvent, ExtractError>> + Send,
    {
        if !AHEAD.get() {
            return self.0.load(events).await;
        }
        let events: Vec<_> = futures::StreamExt::collect(events).await;
        let mut defs: Vec<&'static ResourceDef> = Vec::new();
        for e in &events {
            if let Ok(ExtractEvent::Page { resource, .. }) = e {
                if !defs.iter().any(|d| d.name == resource.name) {
                    defs.push(resource);
                }
            }
        }
        self.0
            .load_resources_with_state(&defs, |_| stream::iter(events))
            .await
    }
}

fn pipeline(b: &Backend, system: SystemColumns) -> Loader {
    Loader(
        Pipeline::new(b.destination()).with_options(PipelineOptions {
            progress: false,
            tables: Some(if system == SystemColumns::DLT {
                TablesMode::Dlt
            } else {
                TablesMode::Relational
            }),
            flatten_ahead: AHEAD.get(),
            ..PipelineOptions::default()
        }),
    )
}

fn with(mut record: Item, extra: Value) -> Item {
    for (k, v) in extra.as_object().unwrap() {
        record.extra.insert(k.clone(), v.clone());
    }
    record
}

/// The columns of `table` as the stored schema lists them: `name type[!]`.
async fn columns(b: &Backend, resource: &str, table: &str) -> Vec<String> {
    let rows = b
        .query(
            &format!(
                "SELECT CAST(\"schema\" AS TEXT) FROM \"_rs_schema\" WHERE resource = '{resource}'"
            ),
            1,
        )
        .await;
    let schema: Value = serde_json::from_str(rows[0][0].as_str().unwrap()).unwrap();
    let t = schema["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap();
    t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let null = if c["nullable"] == json!(false) {
                "!"
            } else {
                ""
            };
            format!(
                "{} {}{null}",
                c["name"].as_str().unwrap(),
                c["data_type"].as_str().unwrap()
            )
        })
        .collect()
}

async fn merge_loads_typed_root_and_child_tables_and_replaces_children(b: &Backend) {
    let p = pipeline(b, SystemColumns::DLT);
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
        columns(b, "items_di", "items_di").await,
        [
            "id bigint!",
            "name text",
            "version bigint",
            "deleted bool",
            "meta__color text",
            "meta__size bigint",
            "_dlt_load_id text!",
            "_dlt_id text!",
            "seen timestamp"
        ]
    );
    assert_eq!(
        columns(b, "items_di", "items_di__tags").await,
        [
            "value text",
            "_dlt_root_id text!",
            "_dlt_parent_id text!",
            "_dlt_list_idx bigint!",
            "_dlt_id text!"
        ]
    );
    assert_eq!(
        b.query(
            "SELECT id, name, version, meta__color FROM items_di ORDER BY id",
            4
        )
        .await,
        [
            vec![json!(1), json!("a2"), json!(2), Value::Null],
            vec![json!(2), json!("b"), json!(1), Value::Null],
        ]
    );
    // The instant, whatever the destination's spelling of it.
    let seen = b
        .query("SELECT CAST(seen AS TEXT) FROM items_di WHERE id = 2", 1)
        .await;
    let seen = seen[0][0]
        .as_str()
        .unwrap()
        .replace(' ', "T")
        .replace("+00", "Z");
    assert_eq!(seen, "2024-05-01T08:00:00Z");
    assert_eq!(
        b.query(
            "SELECT r.id, c.value, c._dlt_list_idx FROM items_di__tags c \
             JOIN items_di r ON c._dlt_root_id = r._dlt_id ORDER BY r.id",
            3
        )
        .await,
        [
            vec![json!(1), json!("w"), json!(0)],
            vec![json!(2), json!("z"), json!(0)]
        ]
    );
    assert_eq!(
        b.query("SELECT count(*) FROM items_di__tags", 1).await,
        [vec![json!(2)]]
    );
    // `id` is a number: it orders and compares as one.
    assert_eq!(
        b.query("SELECT id FROM items_di WHERE id > 1 ORDER BY id", 1)
            .await,
        [vec![json!(2)]]
    );
}

async fn restsource_names_and_hard_deletes(b: &Backend) {
    let p = pipeline(b, SystemColumns::RESTSOURCE);
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
    assert_eq!(
        b.query("SELECT id, name FROM items_up ORDER BY id", 2)
            .await,
        [vec![json!(2), json!("b")]]
    );
    assert_eq!(
        b.query("SELECT count(*) FROM items_up__l", 1).await,
        [vec![json!(0)]]
    );
    assert_eq!(
        columns(b, "items_up", "items_up__l").await,
        [
            "value bigint",
            "_rs_root_id text!",
            "_rs_parent_id text!",
            "_rs_list_idx bigint!",
            "_rs_id text!"
        ]
    );
}

async fn replace_empties_child_tables_too(b: &Backend) {
    let p = pipeline(b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(&ITEMS_R, vec![with(item(1, "a", 1), json!({"l": [1, 2]}))]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(&ITEMS_R, vec![with(item(2, "b", 1), json!({"l": [3]}))]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    assert_eq!(b.query("SELECT id FROM items_r", 1).await, [vec![json!(2)]]);
    assert_eq!(
        b.query("SELECT value FROM items_r__l", 1).await,
        [vec![json!(3)]]
    );
}

async fn a_frozen_contract_fails_the_run_and_keeps_nothing_of_it(b: &Backend) {
    pipeline(b, SystemColumns::DLT)
        .load(stream::iter(vec![
            page(&ITEMS_DI, vec![with(item(1, "a", 1), json!({"a": 1}))]),
            done(&ITEMS_DI, None),
        ]))
        .await
        .unwrap();
    let frozen = Pipeline::new(b.destination()).with_options(PipelineOptions {
        progress: false,
        tables: Some(TablesMode::Dlt),
        schema_contract: Some(SchemaContract {
            columns: ContractMode::Freeze,
            ..SchemaContract::EVOLVE
        }),
        ..PipelineOptions::default()
    });
    let err = frozen
        .load(stream::iter(vec![
            page(&ITEMS_DI, vec![item(2, "b", 1)]),
            page(&ITEMS_DI, vec![with(item(3, "c", 1), json!({"b": "new"}))]),
            done(&ITEMS_DI, None),
        ]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "resource `items_di`: table `items_di`: field `b` (a text value) is not a column, \
             and the schema contract freezes columns"
        ),
        "{err}"
    );
    // The run's first page (record 2) is gone with it; the schema did not gain `b`.
    assert_eq!(
        b.query("SELECT id FROM items_di ORDER BY id", 1).await,
        [vec![json!(1)]]
    );
    assert!(!columns(b, "items_di", "items_di")
        .await
        .iter()
        .any(|c| c.starts_with("b ")));
    // dlt's `_dlt_loads` lists the completed load (status 0), not the failed one.
    assert_eq!(
        b.query(
            r#"SELECT l.status,
                 CASE WHEN l.inserted_at = r.finished_at THEN 'at finish' ELSE 'other' END,
                 r.status
               FROM "_dlt_loads" l JOIN "_rs_loads" r ON r.load_id = l.load_id"#,
            3
        )
        .await,
        [vec![json!(0), json!("at finish"), json!("completed")]]
    );
    assert_eq!(
        b.query(r#"SELECT COUNT(*) FROM "_rs_loads""#, 1).await,
        [vec![json!(2)]]
    );
}

#[tokio::test]
async fn sqlite_column_types_follow_the_inferred_types() {
    let b = Backend::sqlite("relational_sql_types");
    let p = pipeline(&b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(
            &ITEMS,
            vec![with(
                item(1, "a", 1),
                json!({"f": 1.5, "t": "2024-01-01T00:00:00Z", "o": {"k": true}}),
            )],
        ),
        done(&ITEMS, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.query(
            "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('items')",
            1
        )
        .await,
        [vec![json!(
            "id INTEGER, name TEXT, version INTEGER, deleted BOOLEAN, f REAL, t TIMESTAMP, \
             o__k BOOLEAN, _dlt_load_id TEXT, _dlt_id TEXT"
        )]]
    );
}

async fn a_resources_own_contract_and_nesting_apply_without_run_options(b: &Backend) {
    let p = pipeline(b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(
            &ITEMS_FZ,
            vec![with(item(1, "a", 1), json!({"o": {"x": 1}, "l": [1, 2]}))],
        ),
        done(&ITEMS_FZ, None),
    ]))
    .await
    .unwrap();
    // Nesting 0: the object and the list stay whole, as JSON columns; no child table.
    let cols = columns(b, "items_fz", "items_fz").await;
    assert!(cols.contains(&"o json".to_string()), "{cols:?}");
    assert!(cols.contains(&"l json".to_string()), "{cols:?}");
    assert!(!cols.iter().any(|c| c.starts_with("o__")), "{cols:?}");
    // The resource's contract freezes columns: a new field fails the next run.
    let err = p
        .load(stream::iter(vec![
            page(&ITEMS_FZ, vec![with(item(2, "b", 1), json!({"c": true}))]),
            done(&ITEMS_FZ, None),
        ]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "field `c` (a bool value) is not a column, and the schema contract freezes columns"
        ),
        "{err}"
    );
    assert_eq!(
        b.query("SELECT id FROM items_fz ORDER BY id", 1).await,
        [vec![json!(1)]]
    );
}

/// dlt's insert-only: a key stored (by an earlier run or an earlier page) or met earlier in the
/// page keeps its first record and its child rows; nothing is updated or deleted.
async fn insert_only_keeps_the_first_record_of_a_key_with_its_child_rows(b: &Backend) {
    let p = pipeline(b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(
            &ITEMS_IO,
            vec![
                with(item(1, "a", 1), json!({"tags": ["x", "y"]})),
                with(item(2, "b", 1), json!({"tags": ["z"]})),
                with(item(2, "b-again", 2), json!({"tags": ["no"]})),
            ],
        ),
        page(
            &ITEMS_IO,
            vec![with(item(1, "a-next-page", 2), json!({"tags": ["no"]}))],
        ),
        done(&ITEMS_IO, None),
    ]))
    .await
    .unwrap();
    p.load(stream::iter(vec![
        page(
            &ITEMS_IO,
            vec![
                with(item(1, "a-next-run", 3), json!({"tags": ["no"]})),
                with(item(3, "c", 1), json!({"tags": ["w"]})),
            ],
        ),
        done(&ITEMS_IO, None),
    ]))
    .await
    .unwrap();
    assert_eq!(
        b.query("SELECT id, name, version FROM items_io ORDER BY id", 3)
            .await,
        [
            vec![json!(1), json!("a"), json!(1)],
            vec![json!(2), json!("b"), json!(1)],
            vec![json!(3), json!("c"), json!(1)],
        ]
    );
    assert_eq!(
        b.query(
            "SELECT r.id, c.value FROM items_io__tags c \
             JOIN items_io r ON c._dlt_root_id = r._dlt_id ORDER BY r.id, c._dlt_list_idx",
            2
        )
        .await,
        [
            vec![json!(1), json!("x")],
            vec![json!(1), json!("y")],
            vec![json!(2), json!("z")],
            vec![json!(3), json!("w")],
        ]
    );
}

/// The root and child rows of `items_di`, for comparing a destination before and after.
#[cfg(feature = "postgres")]
async fn items_di_rows(b: &Backend) -> Vec<Vec<Value>> {
    b.query(
        "SELECT r.id, r.name, r.version, c.value FROM items_di r \
         LEFT JOIN items_di__tags c ON c._dlt_root_id = r._dlt_id ORDER BY r.id, c.value",
        4,
    )
    .await
}

/// PostgreSQL runs a page's statements while the writer normalizes the next page. A page the
/// server refuses (a NUL character, which PostgreSQL's text cannot hold; nothing on the client
/// checks for it) still fails the run, whether more pages follow it or it is the last one, and
/// the tables keep the last good run's rows. Each failed run is recorded as failed.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_a_page_the_server_refuses_fails_the_run_and_keeps_nothing_of_it() {
    let Some(b) = Backend::postgres("server_refuses").await else {
        return;
    };
    let p = pipeline(&b, SystemColumns::DLT);
    p.load(stream::iter(vec![
        page(
            &ITEMS_DI,
            vec![with(item(1, "a", 1), json!({"tags": ["x"]}))],
        ),
        done(&ITEMS_DI, Some(json!({"v": 1}))),
    ]))
    .await
    .unwrap();
    let before = items_di_rows(&b).await;
    assert_eq!(before, [vec![json!(1), json!("a"), json!(1), json!("x")]]);
    for last in [false, true] {
        let mut events = vec![
            page(
                &ITEMS_DI,
                vec![
                    with(item(1, "a2", 2), json!({"tags": ["y"]})),
                    with(item(2, "b", 2), json!({"tags": ["z"]})),
                ],
            ),
            page(
                &ITEMS_DI,
                vec![with(item(3, "bad\u{0}name", 2), json!({"tags": ["w"]}))],
            ),
        ];
        if !last {
            events.push(page(&ITEMS_DI, vec![item(4, "d", 2)]));
        }
        events.push(done(&ITEMS_DI, Some(json!({"v": 2}))));
        let err = p.load(stream::iter(events)).await.unwrap_err();
        let err = err.to_string();
        assert!(err.contains("0x00"), "last page: {last}: {err}");
        // The failing page is the second one, sent ahead: the error names its statement.
        assert!(
            err.contains(r#"(in `COPY "items_di" ("id", "name", "#),
            "last page: {last}: {err}"
        );
        assert_eq!(items_di_rows(&b).await, before, "last page: {last}");
    }
    assert_eq!(
        b.query("SELECT status FROM _rs_loads ORDER BY started_at", 1)
            .await,
        [
            vec![json!("completed")],
            vec![json!("failed")],
            vec![json!("failed")]
        ]
    );
    assert_eq!(
        b.query("SELECT CAST(state AS TEXT) FROM _rs_state", 1)
            .await,
        [vec![json!(r#"{"v": 1}"#)]]
    );
}

/// A value that passes capture's syntax check but that no JSON number or string type holds (a
/// number beyond every double; a lone UTF-16 surrogate escape, an emoji an API cut in half;
/// an integer beyond 64 bits, which would lose digits as a double) is stored as its JSON
/// text, a string; the record's other undeclared fields load as usual.
/// Before, reading the record's undeclared fields failed as a whole and all of them were
/// dropped without a word.
async fn an_undeclared_value_no_json_type_holds_is_stored_as_its_text(b: &Backend) {
    let mut record = item(1, "a", 1);
    record.extra = extra_from_text(
        r#"{"n":7,"big":1e400,"cut":"ab\ud83d","o":{"x":"\udc00","y":2},"l":[1e400,3],"wei":1000000000000000000000001}"#,
    );
    pipeline(b, SystemColumns::DLT)
        .load(stream::iter(vec![
            page(&ITEMS_R, vec![record]),
            done(&ITEMS_R, None),
        ]))
        .await
        .unwrap();
    assert_eq!(
        b.query(
            "SELECT id, name, n, big, cut, o__x, o__y, wei FROM items_r ORDER BY id",
            8
        )
        .await,
        [vec![
            json!(1),
            json!("a"),
            json!(7),
            json!("1e400"),
            json!(r#""ab\ud83d""#),
            json!(r#""\udc00""#),
            json!(2),
            json!("1000000000000000000000001")
        ]]
    );
    // The list's column is text, as its first value made it (the backends read `3` back
    // differently: compared by its length).
    assert_eq!(
        b.query(
            "SELECT value, length(value) FROM items_r__l ORDER BY _dlt_list_idx",
            2
        )
        .await
        .into_iter()
        .map(|r| r[1].clone())
        .collect::<Vec<_>>(),
        [json!(5), json!(1)]
    );
    assert_eq!(
        b.query("SELECT value FROM items_r__l WHERE _dlt_list_idx = 0", 1)
            .await,
        [vec![json!("1e400")]]
    );
}
