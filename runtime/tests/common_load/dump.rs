//! Whole-destination dumps: every table with every column (incl. `_rs_load_id`), the stored
//! state and the completed loads, so "the destination is exactly as before" is one comparison.

use serde_json::Value;

use super::Backend;

/// One table's rows (every column as text, integer, boolean or NULL), by table name.
pub type Dump = Vec<(String, Vec<Vec<Value>>)>;

/// Every table of `b` in full. System tables are reduced to what a completed run leaves:
/// `_rs_loads` and `_rs_load_resources` rows of completed loads (a failed run adds its own
/// `failed` record by design); `_rs_state` is dumped whole.
pub async fn dump(b: &Backend) -> Dump {
    let tables_sql = match b {
        Backend::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        #[cfg(feature = "postgres")]
        Backend::Postgres(..) => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        }
    };
    let mut out = Vec::new();
    for t in b.query(tables_sql, 1).await {
        let table = t[0].as_str().unwrap().to_string();
        let (sql, n) = match table.as_str() {
            "_rs_state" => (
                "SELECT resource, CAST(state AS TEXT), load_id FROM _rs_state ORDER BY resource"
                    .to_string(),
                3,
            ),
            "_rs_schema" => (
                "SELECT resource, CAST(schema AS TEXT), load_id FROM _rs_schema ORDER BY resource"
                    .to_string(),
                3,
            ),
            "_rs_loads" => (
                "SELECT load_id, status, CAST(rows AS TEXT) FROM _rs_loads \
                 WHERE status = 'completed' ORDER BY load_id"
                    .to_string(),
                3,
            ),
            "_rs_load_resources" => (
                "SELECT load_id, resource, table_name, mode, status, rows FROM _rs_load_resources \
                 WHERE status = 'completed' ORDER BY load_id, resource"
                    .to_string(),
                6,
            ),
            t => (
                format!(
                    "SELECT id, name, version, deleted, CAST(_rs_extra AS TEXT), _rs_load_id, \
                     CAST(_rs_extracted_at AS TEXT) FROM \"{t}\" ORDER BY id, version, _rs_load_id"
                ),
                7,
            ),
        };
        let rows = b.query(&sql, n).await;
        out.push((table, rows));
    }
    out
}

/// Every file a reader of a JSON-lines directory looks at (`*.jsonl` tables and
/// `_rs_state.json`), byte for byte; `_rs_loads.jsonl` (the load log) is left out.
pub fn jsonl_dump(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| (n.ends_with(".jsonl") && n != "_rs_loads.jsonl") || n == "_rs_state.json")
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap();
            (n, text)
        })
        .collect();
    out.sort();
    out
}

/// The rows of a JSON-lines table file without `_rs_load_id` and `_rs_extracted_at` (which
/// differ between two destinations fed the same data).
pub fn jsonl_rows(path: &std::path::Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("_rs_load_id");
            o.remove("_rs_extracted_at");
            v
        })
        .collect()
}
