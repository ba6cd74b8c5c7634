//! Issue 17: the spec `restsource init --openapi` wrote from a hand-written OpenAPI document of
//! the mock (`mock/openapi.yaml` -> `specs/openapi/inventory.toml` and its tables file),
//! compiled through `include_source!` as written, loads the tables `restsource infer` typed
//! from the live API (`specs/inferred/inventory.json`): the same tables, columns, order and
//! rows. Where the document says more than a sample can, the document's type is the right
//! one and the test says so column by column.

use restsource_mock::AuthMode;
use serde_json::Value;

use crate::as_written::{key, load, mock, ours};
use crate::harness::*;

mod specs {
    restsource::include_source!("specs/openapi/inventory.toml");
}

mod sampled {
    restsource::include_source!("specs/inferred/inventory.json");
}

/// Columns the document types more precisely than a sample of their text can: (column, the
/// document's type, the sampled type).
const SHARPER: [(&str, &str, &str); 4] = [
    ("price", "decimal", "text"),
    ("created_on", "date", "text"),
    ("restock_at", "time", "text"),
    ("blob", "binary", "text"),
];

#[tokio::test]
async fn the_openapi_spec_loads_the_tables_infer_typed() {
    let api = mock(AuthMode::ApiKey).await;
    let db = scratch_db("openapi-inventory");
    let src = specs::inventory::Source::new(specs::inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &specs::inventory::Source::resources(), &db).await;
    let sampled_db = scratch_db("openapi-inventory-sampled");
    let src = sampled::inventory::Source::new(sampled::inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(
        src.extractor(),
        &sampled::inventory::Source::resources(),
        &sampled_db,
    )
    .await;

    let theirs = ours(&sampled_db);
    let mut ours = ours(&db);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (table, t) in ours.iter_mut() {
        if t["parent"].is_null() && !table.starts_with("_") {
            sharpen_back(table, t, &theirs[table]);
        }
    }
    for (table, t) in ours.iter() {
        assert_eq!(t, &theirs[table], "table {table}");
    }
    blobs_are_the_base64_bytes(&db, &sampled_db);
}

/// The document says `format: byte`: the column holds the bytes the sampled text encodes.
fn blobs_are_the_base64_bytes(db: &std::path::Path, sampled: &std::path::Path) {
    use base64::Engine;
    let read = |db: &std::path::Path, sql: &str| -> Vec<(i64, rusqlite::types::Value)> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let sql = r#"SELECT "id", "blob" FROM "items" ORDER BY "id""#;
    let (bytes, text) = (read(db, sql), read(sampled, sql));
    assert_eq!(bytes.len(), 40);
    for ((id, b), (sid, t)) in bytes.into_iter().zip(text) {
        let rusqlite::types::Value::Text(t) = t else {
            panic!("sampled blob of {sid} is not text")
        };
        let want = base64::engine::general_purpose::STANDARD.decode(t).unwrap();
        assert_eq!((id, b), (sid, rusqlite::types::Value::Blob(want)));
    }
}

/// Checks the document's sharper types and its declared `deleted` column (no record of a
/// fresh mock is deleted, so it is empty), then puts the sampled view in their place so the
/// rest compares exactly.
fn sharpen_back(table: &str, t: &mut Value, sampled: &Value) {
    let columns = t["columns"].as_array_mut().unwrap();
    let deleted = columns.iter().position(|c| c["name"] == "deleted");
    let deleted = deleted.unwrap_or_else(|| panic!("{table}: no `deleted` column"));
    assert_eq!(columns[deleted]["type"], "bool", "{table}");
    columns.remove(deleted);
    for c in columns.iter_mut() {
        if let Some((_, doc, sample)) = SHARPER.iter().find(|(n, _, _)| c["name"] == *n) {
            assert_eq!(c["type"], *doc, "{table}.{}", c["name"]);
            c["type"] = (*sample).into();
        }
    }
    let sampled_rows = sampled["rows"].as_array().unwrap();
    for (i, row) in t["rows"].as_array_mut().unwrap().iter_mut().enumerate() {
        let row = row.as_object_mut().unwrap();
        assert!(!row.contains_key("deleted"), "{table}: {row:?}");
        for (name, _, _) in SHARPER {
            let (Some(v), Some(s)) = (row.get(name), sampled_rows[i].get(name)) else {
                continue;
            };
            // Binary values are compared byte for byte by `blobs_are_the_base64_bytes`;
            // every other sharper column stores the same text (a decimal, a date, a time).
            if name == "blob" {
                assert_eq!(v, "<blob>", "{table}");
                row.insert(name.to_string(), s.clone());
            }
        }
    }
}
