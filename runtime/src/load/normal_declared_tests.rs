//! Declared columns in relational tables, as dlt treats column hints: a declared type wins
//! over inference and text converts into it (decimal, date, time, binary); a column declared
//! `json` keeps its value whole; a column declared without a type is left to inference (it
//! then takes its place in record order, after the typed ones).

use super::*;
use crate::def::ColumnDef;
use crate::load::sqlite_normal::SqliteSql;
use crate::load::sqlite_raw::RawStatements;
use crate::normalize::{Schema, SystemColumns};
use restsource_core::naming::Naming;
use rusqlite::Connection;
use serde_json::json;

const COLUMNS: &[ColumnDef] = &[
    ColumnDef::new("id", "id", DataType::Bigint, false),
    ColumnDef::new("price", "price", DataType::Decimal, true),
    ColumnDef::new("day", "day", DataType::Date, true),
    ColumnDef::new("at", "at", DataType::Time, true),
    ColumnDef::new("blob", "blob", DataType::Binary, true),
    ColumnDef::new("attributes", "attributes", DataType::Json, true),
    ColumnDef::new("tags", "tags", DataType::Json, true),
    ColumnDef::untyped("notes", "notes", true),
];

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let out = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out
}

#[test]
fn declared_types_win_and_json_stays_whole() {
    let conn = Connection::open_in_memory().unwrap();
    let mut raw = RawStatements::default();
    let mut sql = SqliteSql(&conn, &mut raw);
    let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
    n.primary_key = vec!["id".into()];
    // As `NormalWriter::prepare` does: nothing stored yet, then the declared columns.
    let mut tables = NormalTables::stored(Schema::new(), vec!["id".into()], SystemColumns::DLT);
    n.declare_columns(&mut tables.schema, "t", COLUMNS);
    let mut w = NormalWriter::new(n, tables, "t", NormalMode::Merge, RootId::Given("r".into()));
    let records = [
        json!({"id": 1, "price": "173.30", "day": "2024-01-02", "at": "11:00:00",
               "blob": "AAAAAScatQ==", "attributes": {"color": "green", "dims": {"w": 9}},
               "tags": ["sale", "new"], "notes": "n"}),
        // Numbers into decimal; a timestamp into a date; hex into bytes; HH:MM into a time.
        json!({"id": 2, "price": 5, "day": "2024-03-04T23:30:00Z", "at": "07:15",
               "blob": "0x0102ff", "attributes": null, "tags": []}),
        // Text that is not a date, a time or base64 goes to variant columns, as in dlt.
        json!({"id": 3, "price": "n/a", "day": "soon", "at": "noon", "blob": "not base64!"}),
    ];
    for r in &records {
        w.write(&mut sql, "t", r, "L1").unwrap();
    }
    assert_eq!(
        rows(
            &conn,
            "SELECT name || ' ' || type FROM pragma_table_info('t') ORDER BY cid"
        ),
        [
            "id INTEGER",
            "price DECIMAL_TEXT",
            "day DATE",
            "at TIME",
            "blob BLOB",
            "attributes JSON_TEXT",
            "tags JSON_TEXT",
            "notes TEXT",
            "_dlt_load_id TEXT",
            "_dlt_id TEXT",
            "price__v_text TEXT",
            "day__v_text TEXT",
            "at__v_text TEXT",
            "blob__v_text TEXT",
        ]
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT id || '|' || ifnull(price, '-') || '|' || ifnull(day, '-') || '|' || \
             ifnull(at, '-') || '|' || hex(blob) || '|' || ifnull(attributes, '-') || '|' || \
             ifnull(tags, '-') || '|' || ifnull(notes, '-') || '|' || ifnull(price__v_text, '-') \
             || '|' || ifnull(day__v_text, '-') || '|' || ifnull(at__v_text, '-') || '|' || \
             ifnull(blob__v_text, '-') FROM t ORDER BY id"
        ),
        [
            r#"1|173.30|2024-01-02|11:00:00|00000001271AB5|{"color":"green","dims":{"w":9}}|["sale","new"]|n|-|-|-|-"#,
            "2|5|2024-03-04|07:15:00|0102FF|-|[]|-|-|-|-|-",
            "3|-|-|-||-|-|-|n/a|soon|noon|not base64!",
        ]
    );
    // No child table: `tags` is declared json.
    assert_eq!(
        rows(&conn, "SELECT name FROM sqlite_master WHERE type = 'table'"),
        ["t"]
    );
}
