//! restsource's normalization against dlt 1.31's on recorded cases (`fixtures/dlt_normalize.json`,
//! written by `fixtures/record_dlt_normalize.py`): every table in dlt's order with its parent,
//! every column with its name, type and nullability in dlt's order, and every row's values,
//! child row ids included (the random root ids are fed from dlt's output; upsert's key-hash
//! ids are computed).

use restsource_core::naming::Naming;
use restsource_runtime::normalize::{
    ContractMode, Normalizer, RootId, Row, Schema, SchemaContract, SystemColumns,
};
use serde_json::{json, Map, Value};

/// A cell as the fixture writes it: timestamps as instants, load ids blanked (they differ per run).
fn canonical(column: &str, data_type: &str, v: &Value) -> Value {
    if column == "_dlt_load_id" {
        return json!("L");
    }
    match (data_type, v) {
        ("timestamp", Value::String(s)) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => json!(t.timestamp_nanos_opt()),
            Err(_) => v.clone(),
        },
        _ => v.clone(),
    }
}

fn mode(v: &Value) -> ContractMode {
    match v.as_str() {
        Some("freeze") => ContractMode::Freeze,
        Some("discard_row") => ContractMode::DiscardRow,
        Some("discard_value") => ContractMode::DiscardValue,
        _ => ContractMode::Evolve,
    }
}

/// dlt's `schema_contract` value: one mode for all, or a mode per entity.
fn contract(v: &Value) -> SchemaContract {
    match v {
        Value::String(_) => SchemaContract::all(mode(v)),
        Value::Object(_) => SchemaContract {
            tables: mode(&v["tables"]),
            columns: mode(&v["columns"]),
            data_type: mode(&v["data_type"]),
        },
        _ => SchemaContract::EVOLVE,
    }
}

/// Our tables after loading the case's batches, one load each, and whether a load failed.
fn ours(case: &Value) -> (Value, bool) {
    let naming = Naming::UNLIMITED;
    let mut n = Normalizer::new(naming, SystemColumns::DLT);
    let disposition = case["disposition"].as_str().unwrap();
    n.root_key = matches!(disposition, "merge" | "upsert");
    if let Some(pk) = case["primary_key"].as_str() {
        n.primary_key = vec![naming.key(pk)];
    }
    if let Some(m) = case["max_table_nesting"].as_u64() {
        n.max_nesting = m as u32;
    }
    let mut schema = Schema::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut failed = false;
    'batches: for (number, batch) in case["batches"].as_array().unwrap().iter().enumerate() {
        if number > 0 || case["first_contract"] == json!(true) {
            n.contract = contract(&case["contract"]);
        }
        // A failed load leaves schema and rows as the last good load left them.
        let (schema_before, rows_before) = (schema.clone(), rows.len());
        for record in batch.as_array().unwrap() {
            let rid = record["rid"].to_string();
            let root = match disposition {
                "upsert" => RootId::KeyHash,
                // A record dlt dropped has no id there: ours must drop it too.
                _ => RootId::Given(
                    case["root_ids"][&rid][0]
                        .as_str()
                        .map_or(format!("dropped-by-dlt-{rid}"), str::to_string),
                ),
            };
            if n.normalize(&mut schema, "t", record, &root, "L", &mut rows)
                .is_err()
            {
                schema = schema_before;
                rows.truncate(rows_before);
                failed = true;
                break 'batches;
            }
        }
        schema.mark_seen();
    }
    let tables: Vec<Value> = schema
        .tables()
        .iter()
        .enumerate()
        // dlt does not keep a table that never received a row.
        .filter(|(_, t)| t.has_rows)
        .map(|(i, t)| {
            let columns: Vec<Value> = t
                .columns()
                .iter()
                .map(
                    |c| json!({"name": c.name, "type": c.data_type.name(), "nullable": c.nullable}),
                )
                .collect();
            let mut table_rows: Vec<Value> = rows
                .iter()
                .filter(|r| r.table == i)
                .map(|r| {
                    let mut row = Map::new();
                    for (c, v) in &r.cells {
                        let col = &t.columns()[*c];
                        if !v.is_null() {
                            let v = canonical(&col.name, col.data_type.name(), v);
                            row.insert(col.name.clone(), v);
                        }
                    }
                    Value::Object(row)
                })
                .collect();
            table_rows.sort_by(|a, b| a["_dlt_id"].as_str().cmp(&b["_dlt_id"].as_str()));
            let parent = t.parent.map(|p| schema.table_at(p).name.clone());
            json!({"name": t.name, "parent": parent, "columns": columns, "rows": table_rows})
        })
        .collect();
    (Value::Array(tables), failed)
}

fn dlts(case: &Value) -> Value {
    let mut tables = case["tables"].clone();
    for table in tables.as_array_mut().unwrap() {
        let types: Vec<(String, String)> = table["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for row in table["rows"].as_array_mut().unwrap() {
            for (name, t) in &types {
                if let Some(v) = row.get_mut(name) {
                    *v = canonical(name, t, v);
                }
            }
        }
    }
    tables
}

#[test]
fn normalization_equals_dlts_on_every_recorded_case() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/dlt_normalize.json")).unwrap();
    assert!(cases.len() >= 6);
    let mut failures = Vec::new();
    for case in &cases {
        let want = (dlts(case), !case["error"].is_null());
        let got = ours(case);
        if want != got {
            failures.push(format!(
                "case {}:\n dlt {}\n us  {}",
                case["name"],
                serde_json::to_string(&want.0).unwrap() + &format!(" failed: {}", want.1),
                serde_json::to_string(&got.0).unwrap() + &format!(" failed: {}", got.1)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
