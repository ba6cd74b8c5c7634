//! The spec's `tables` and `max_table_nesting` through generated code: a spec saying
//! `tables = "dlt"` loads dlt's tables with no run option, at the nesting each resource
//! resolves (the source's 1 for `items`, its own 0 for `customers`).

use restsource::runtime::secret::Secret;
use restsource::{Destination, Pipeline, PipelineOptions};
use restsource_mock::{MockApi, MockConfig};

use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/spec_keys.json");

/// `(name, type)` of every column of `table`, as SQLite reports them.
fn columns(db: &std::path::Path, table: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn tables(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_spec_asking_for_dlt_tables_gets_them_at_each_resources_nesting() {
    assert_eq!(
        spec_keys::SOURCE.tables,
        restsource::runtime::def::TablesMode::Dlt
    );
    let api = MockApi::start(MockConfig {
        records: 20,
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("spec-keys-dlt");
    let src = spec_keys::Source::new(spec_keys::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    let destination = Destination::from_url(&format!("sqlite:{}", db.display())).unwrap();
    Pipeline::new(destination)
        .with_options(PipelineOptions {
            progress: false,
            ..PipelineOptions::default()
        })
        .run(&src)
        .await
        .unwrap();
    let names = tables(&db);
    assert!(names.contains(&"items__tags".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("customers__")),
        "{names:?}"
    );
    let items = columns(&db, "items");
    let has = |cols: &[(String, String)], name: &str| cols.iter().any(|(n, _)| n == name);
    // Nesting 1: `attributes` flattens one level; `dims` below it stays whole.
    assert!(has(&items, "attributes__color"), "{items:?}");
    assert!(has(&items, "attributes__dims"), "{items:?}");
    assert!(!has(&items, "attributes__dims__w"), "{items:?}");
    assert!(has(&items, "_dlt_id"), "{items:?}");
    // Nesting 0 on `customers`: nested objects and lists are JSON columns.
    let customers = columns(&db, "customers");
    assert!(
        !customers.iter().any(|(n, _)| n.contains("__")),
        "{customers:?}"
    );
    drop(api);
}

/// A seed config as written: no `tables` key, no `columns`.
mod bare {
    restsource::include_source!("specs/as_written/analytics.json");
}

#[tokio::test]
async fn a_spec_that_does_not_say_loads_relational_tables_into_sql_and_whole_records_into_json_lines(
) {
    assert_eq!(
        bare::analytics::SOURCE.tables,
        restsource::runtime::def::TablesMode::Relational
    );
    let api = MockApi::start(MockConfig {
        records: 20,
        ..MockConfig::default()
    })
    .await;
    let src = bare::analytics::Source::new(bare::analytics::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    let quiet = PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    };

    let db = scratch_db("spec-keys-default");
    let destination = Destination::from_url(&format!("sqlite:{}", db.display())).unwrap();
    Pipeline::new(destination)
        .with_options(quiet.clone())
        .run(&src)
        .await
        .unwrap();
    let names = tables(&db);
    assert!(
        names.contains(&"resource_name__tags".to_string()),
        "{names:?}"
    );
    let root = columns(&db, "resource_name");
    assert_eq!(
        root[0],
        ("id".to_string(), "INTEGER".to_string()),
        "{root:?}"
    );
    assert!(root.iter().any(|(n, _)| n == "_rs_id"), "{root:?}");
    assert!(!root.iter().any(|(n, _)| n == "_rs_extra"), "{root:?}");

    // JSON lines keeps each record whole, whatever the spec's tables mode.
    let dir = scratch_db("spec-keys-default-jsonl").with_extension("d");
    let _ = std::fs::remove_dir_all(&dir);
    let destination = Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap();
    Pipeline::new(destination)
        .with_options(quiet.clone())
        .run(&src)
        .await
        .unwrap();
    let text = std::fs::read_to_string(dir.join("resource_name.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(first["_rs_extra"]["tags"].is_array(), "{first}");
    assert!(first["_rs_extra"]["data"]["geo"].is_object(), "{first}");
    assert!(!dir.join("resource_name__tags.jsonl").exists());

    // Asking for relational tables in JSON lines on the run is refused, not ignored.
    let destination = Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap();
    let err = Pipeline::new(destination)
        .with_options(PipelineOptions {
            tables: Some(restsource::runtime::def::TablesMode::Relational),
            ..quiet
        })
        .run(&src)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("relational loading needs a database or a lake"),
        "{err}"
    );
}
