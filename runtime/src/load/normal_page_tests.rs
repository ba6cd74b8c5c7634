//! A page written at once must leave exactly the tables that writing its records one by one
//! leaves: the same DDL, rows, ids and replacements.

use super::*;
use crate::load::sqlite_normal::SqliteSql;
use crate::load::sqlite_raw::RawStatements;
use crate::normalize::{Schema, SystemColumns};
use restsource_core::naming::Naming;
use rusqlite::Connection;
use serde_json::json;

/// An upsert writer (key-hash ids, so two writers give the same ids), hard deletes on
/// `deleted`.
fn upsert_writer() -> NormalWriter {
    let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
    n.root_key = true;
    n.primary_key = vec!["id".into()];
    let tables = NormalTables::stored(Schema::new(), vec!["id".into()], SystemColumns::DLT);
    let mut w = NormalWriter::new(n, tables, "t", NormalMode::Merge, RootId::KeyHash);
    w.hard_delete = Some("deleted".into());
    w
}

/// A record object's fields, as a typed record writes them.
fn fields(v: &Value) -> Vec<(super::Field, Value)> {
    v.as_object()
        .map(|m| {
            m.clone()
                .into_iter()
                .map(|(k, v)| (super::Field::Owned(k), v))
                .collect()
        })
        .unwrap_or_default()
}

/// Every table's DDL and every row, sorted, as text.
fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut tables = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let tables: Vec<(String, String)> = tables
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, sql) in tables {
        out.push(sql);
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
        let width = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..width).map(|i| cell(r.get_ref(i).unwrap())).collect();
                Ok(format!("{name}: {}", cells.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// A stored value as text: integers bare, text quoted, NULL as `-`.
fn cell(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "-".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("{b:?}"),
    }
}

/// Writes `page` through `w` into `conn` as one page of table `t`; returns the rows written.
fn write_page(w: &mut NormalWriter, conn: &Connection, page: &[Value]) -> usize {
    let mut raw = RawStatements::default();
    w.write_records(
        &mut SqliteSql(conn, &mut raw),
        "t",
        page.iter().map(fields),
        "L",
    )
    .unwrap()
}

/// Loads `pages` with page-at-once writes and record by record; returns both dumps.
fn both_ways(pages: &[Vec<Value>]) -> (Vec<String>, Vec<String>) {
    let paged = Connection::open_in_memory().unwrap();
    let single = Connection::open_in_memory().unwrap();
    let (mut a, mut b) = (upsert_writer(), upsert_writer());
    let (mut na, mut nb) = (0, 0);
    for page in pages {
        na += write_page(&mut a, &paged, page);
        for r in page {
            nb += b
                .write(
                    &mut SqliteSql(&single, &mut RawStatements::default()),
                    "t",
                    r,
                    "L",
                )
                .unwrap();
        }
    }
    assert_eq!(na, nb, "rows counted");
    (dump(&paged), dump(&single))
}

#[test]
fn a_page_bringing_new_columns_and_tables_mid_page_stores_every_row() {
    let page = vec![
        json!({"id": 1, "a": 1}),
        json!({"id": 2, "a": 2, "b": "x"}),
        json!({"id": 3, "l": [1, 2], "o": {"p": true}}),
        json!({"id": 4, "l": [{"q": [[1], []]}], "a": "text"}),
    ];
    let (paged, single) = both_ways(&[page]);
    assert_eq!(paged, single);
    let expected = [
        r#"CREATE TABLE "t" ("id" INTEGER NOT NULL, "a" INTEGER, "_dlt_load_id" TEXT NOT NULL, "_dlt_id" TEXT NOT NULL, "b" TEXT, "o__p" BOOLEAN, "a__v_text" TEXT)"#,
        "t: 1 | 1 | 'L' | 'z5jIxXIbUnmbKw' | - | - | -",
        "t: 2 | 2 | 'L' | 'M6/KlLzJ2FeV/w' | 'x' | - | -",
        "t: 3 | - | 'L' | 'hKdQ/VhGat+Pgw' | - | 1 | -",
        "t: 4 | - | 'L' | 'KzKP0q9TGlvQbA' | - | - | 'text'",
        r#"CREATE TABLE "t__l" ("value" INTEGER, "_dlt_root_id" TEXT NOT NULL, "_dlt_parent_id" TEXT NOT NULL, "_dlt_list_idx" INTEGER NOT NULL, "_dlt_id" TEXT NOT NULL)"#,
        "t__l: - | 'KzKP0q9TGlvQbA' | 'KzKP0q9TGlvQbA' | 0 | 'M7XAGWRBiq7zfA'",
        "t__l: 1 | 'hKdQ/VhGat+Pgw' | 'hKdQ/VhGat+Pgw' | 0 | 'OaBRmoM5irS8SQ'",
        "t__l: 2 | 'hKdQ/VhGat+Pgw' | 'hKdQ/VhGat+Pgw' | 1 | 'EI0YZyn0qFR92A'",
        r#"CREATE TABLE "t__l__q" ("_dlt_root_id" TEXT NOT NULL, "_dlt_parent_id" TEXT NOT NULL, "_dlt_list_idx" INTEGER NOT NULL, "_dlt_id" TEXT NOT NULL)"#,
        "t__l__q: 'KzKP0q9TGlvQbA' | 'M7XAGWRBiq7zfA' | 0 | 'hzq4Qlv3LRRN3Q'",
        "t__l__q: 'KzKP0q9TGlvQbA' | 'M7XAGWRBiq7zfA' | 1 | '9EmrSL7l/zMrjQ'",
        r#"CREATE TABLE "t__l__q__list" ("value" INTEGER, "_dlt_root_id" TEXT NOT NULL, "_dlt_parent_id" TEXT NOT NULL, "_dlt_list_idx" INTEGER NOT NULL, "_dlt_id" TEXT NOT NULL)"#,
        "t__l__q__list: 1 | 'KzKP0q9TGlvQbA' | 'hzq4Qlv3LRRN3Q' | 0 | 'j1ROt8P7AErICw'",
    ];
    assert_eq!(paged, expected);
}

#[test]
fn a_key_repeated_in_a_page_keeps_only_its_last_record() {
    let pages = [
        vec![
            json!({"id": 1, "tags": ["a", "b"]}),
            json!({"id": 5, "tags": ["k"]}),
        ],
        vec![
            json!({"id": 1, "tags": ["c", "d", "e"]}),
            json!({"id": 2, "tags": ["z"]}),
            json!({"id": 1, "tags": ["f"], "v": 1}),
            json!({"id": 5, "deleted": true}),
            json!({"id": 6, "tags": ["y"]}),
            json!({"id": 6, "deleted": true}),
            json!({"id": 7, "deleted": true}),
            json!({"id": 7, "tags": ["w"]}),
        ],
    ];
    let (paged, single) = both_ways(&pages);
    assert_eq!(paged, single);
    // Key, tags by the root row's id: 1 keeps only its last record's tag, 5 and 6 are
    // deleted, 7 comes back after its delete.
    let id = |row: &str| row.split(" | ").nth(2).map(str::to_string);
    let roots: Vec<(String, String)> = paged
        .iter()
        .filter(|r| r.starts_with("t: "))
        .map(|r| {
            (
                r[3..].split(' ').next().unwrap_or("").to_string(),
                id(r).unwrap(),
            )
        })
        .collect();
    let tags: Vec<String> = roots
        .iter()
        .map(|(key, root)| {
            let mut t: Vec<&str> = paged
                .iter()
                .filter(|r| r.starts_with("t__tags: ") && r.contains(root.as_str()))
                .map(|r| r.split(' ').nth(1).unwrap_or(""))
                .collect();
            t.sort();
            format!("{key}:{}", t.join(","))
        })
        .collect();
    assert_eq!(tags, ["1:'f'", "2:'z'", "7:'w'"]);
}

#[test]
fn a_page_of_more_rows_than_one_statement_binds() {
    // 200 columns: 163 rows fit SQLite's 32,766 parameters, so statements of 128 rows.
    let wide = |id: usize| {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), json!(id));
        for c in 0..198 {
            m.insert(format!("c{c}"), json!(id * 1000 + c));
        }
        m.insert("l".into(), json!([id, id + 1, id + 2]));
        Value::Object(m)
    };
    let page: Vec<Value> = (0..300).map(wide).collect();
    assert_eq!(chunks(300, 201, Dialect::Sqlite), [128, 128, 32, 8, 4]);
    let (paged, single) = both_ways(&[page]);
    assert_eq!(paged, single);
    assert_eq!(paged.iter().filter(|r| r.starts_with("t: ")).count(), 300);
    assert_eq!(
        paged.iter().filter(|r| r.starts_with("t__l: ")).count(),
        900
    );
}

#[test]
fn decimal_keys_are_written_record_by_record() {
    let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
    n.root_key = true;
    n.primary_key = vec!["id".into()];
    let tables = NormalTables::stored(Schema::new(), vec!["id".into()], SystemColumns::DLT);
    let mut w = NormalWriter::new(n, tables, "t", NormalMode::Merge, RootId::KeyHash);
    let conn = Connection::open_in_memory().unwrap();
    let page = [json!({"id": 1.5, "v": 1}), json!({"id": 1.5, "v": 2})];
    write_page(&mut w, &conn, &page);
    assert!(!w.batched_keys);
    let rows: Vec<String> = dump(&conn)
        .into_iter()
        .filter(|r| r.starts_with("t: "))
        .collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].starts_with("t: 1.5 | 2 | 'L' | "), "{rows:?}");
}

/// Insert-only with a key of two columns (one query per key): the first record of a key
/// stays, across pages and within one.
#[test]
fn insert_only_with_a_two_column_key_keeps_each_first_record() {
    let conn = Connection::open_in_memory().unwrap();
    let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
    n.root_key = true;
    n.primary_key = vec!["a".into(), "b".into()];
    let tables = NormalTables::stored(Schema::new(), n.primary_key.clone(), SystemColumns::DLT);
    let mut w = NormalWriter::new(n, tables, "t", NormalMode::InsertOnly, RootId::KeyHash);
    let pages = [
        vec![
            json!({"a": 1, "b": "x", "v": "first", "l": [1]}),
            json!({"a": 1, "b": "y", "v": "first"}),
            json!({"a": 1, "b": "x", "v": "again", "l": [2]}),
        ],
        vec![
            json!({"a": 1, "b": "y", "v": "next page"}),
            json!({"a": 2, "b": "x", "v": "first"}),
        ],
    ];
    for page in &pages {
        write_page(&mut w, &conn, page);
    }
    let rows: Vec<String> = dump(&conn)
        .into_iter()
        .filter(|l| !l.starts_with("CREATE"))
        .map(|l| l.split(" | ").take(3).collect::<Vec<_>>().join(" | "))
        .collect();
    assert_eq!(
        rows,
        [
            "t: 1 | 'x' | 'first'",
            "t: 1 | 'y' | 'first'",
            "t: 2 | 'x' | 'first'",
            "t__l: 1 | 'khlsLbyhkJKGeQ' | 'khlsLbyhkJKGeQ'"
        ]
    );
}
