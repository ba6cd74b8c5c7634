//! The worked examples of `dlt_normalizer.md`, verified there on dlt 1.31, asserted exactly.

use restsource_core::naming::digest128;
use serde_json::{json, Value};

use super::*;

fn dlt() -> Normalizer {
    Normalizer::new(Naming::UNLIMITED, SystemColumns::DLT)
}

/// Every table as `name(column type[!], ...)` (`!` = NOT NULL) and its rows as JSON objects.
fn tables(schema: &Schema, rows: &[Row]) -> Vec<(String, Vec<Value>)> {
    schema
        .tables()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let columns: Vec<String> = t
                .columns()
                .iter()
                .map(|c| {
                    let null = if c.nullable { "" } else { "!" };
                    format!("{} {}{null}", c.name, c.data_type.name())
                })
                .collect();
            let rows = rows
                .iter()
                .filter(|r| r.table == i)
                .map(|r| {
                    Value::Object(
                        r.cells
                            .iter()
                            .map(|(c, v)| (t.columns()[*c].name.clone(), v.clone()))
                            .collect(),
                    )
                })
                .collect();
            (format!("{}({})", t.name, columns.join(", ")), rows)
        })
        .collect()
}

#[test]
fn worked_example_matches_dlt() {
    let record = json!({"id": 5, "Name": "x", "value": 1.5, "quantity": null, "active": true,
        "created_at": "2023-05-30T12:33:51Z", "tags": ["eco", "new"],
        "attributes": {"color": "blue", "size": 73},
        "Order Lines": [{"sku": "A-1", "qty": 2, "dims": {"w": 1}}]});
    let mut n = dlt();
    n.root_key = true;
    n.primary_key = vec!["id".into()];
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let root = RootId::Given("K9Tzm8JkDeytog".into());
    n.normalize(&mut schema, "items", &record, &root, "LID", &mut rows)
        .unwrap();
    let got = tables(&schema, &rows);
    let r = "K9Tzm8JkDeytog";
    assert_eq!(
        got,
        vec![
            (
                "items(id bigint!, name text, value double, active bool, created_at timestamp, \
                 attributes__color text, attributes__size bigint, _dlt_load_id text!, _dlt_id text!)"
                    .to_string(),
                vec![json!({"id": 5, "name": "x", "value": 1.5, "active": true,
                    "created_at": "2023-05-30T12:33:51Z", "attributes__color": "blue",
                    "attributes__size": 73, "_dlt_load_id": "LID", "_dlt_id": r})]
            ),
            (
                "items__tags(value text, _dlt_root_id text!, _dlt_parent_id text!, \
                 _dlt_list_idx bigint!, _dlt_id text!)"
                    .to_string(),
                vec![
                    json!({"value": "eco", "_dlt_root_id": r, "_dlt_parent_id": r,
                        "_dlt_list_idx": 0, "_dlt_id": "wr7JI0zQzhQcGA"}),
                    json!({"value": "new", "_dlt_root_id": r, "_dlt_parent_id": r,
                        "_dlt_list_idx": 1, "_dlt_id": "ilDkK+mtsYOT2A"}),
                ]
            ),
            (
                "items__order_lines(sku text, qty bigint, dims__w bigint, _dlt_root_id text!, \
                 _dlt_parent_id text!, _dlt_list_idx bigint!, _dlt_id text!)"
                    .to_string(),
                vec![json!({"sku": "A-1", "qty": 2, "dims__w": 1, "_dlt_root_id": r,
                    "_dlt_parent_id": r, "_dlt_list_idx": 0, "_dlt_id": "UgpU6cplgH3kiw"})]
            ),
        ]
    );
}

#[test]
fn nested_dicts_flatten_last_pushed_first() {
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let record = json!({"a": {"x": 1, "q": {"r": 1}}, "b": {"y": 2}, "c": 3});
    dlt()
        .normalize(
            &mut schema,
            "t",
            &record,
            &RootId::Given("R".into()),
            "L",
            &mut rows,
        )
        .unwrap();
    let names: Vec<&str> = schema.tables()[0]
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["c", "b__y", "a__x", "a__q__r", "_dlt_load_id", "_dlt_id"]
    );
}

#[test]
fn nesting_budget_as_dlt() {
    let record = json!({"id":1,"d1":{"d2":{"d3":{"v":1}}},
        "l1":[{"a":1,"l2":[{"b":1,"l3":[1]}],"dd":{"e":{"f":1}}}],"sl":[1,2]});
    let shape = |n: u32| {
        let mut norm = dlt();
        norm.max_nesting = n;
        let mut schema = Schema::new();
        let mut rows = Vec::new();
        norm.normalize(
            &mut schema,
            "t",
            &record,
            &RootId::Given("R".into()),
            "L",
            &mut rows,
        )
        .unwrap();
        schema
            .tables()
            .iter()
            .map(|t| {
                let cols: Vec<String> = t
                    .columns()
                    .iter()
                    .filter(|c| !c.name.starts_with("_dlt"))
                    .map(|c| match c.data_type {
                        DataType::Json => format!("{} json", c.name),
                        _ => c.name.clone(),
                    })
                    .collect();
                format!("{}({})", t.name, cols.join(", "))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(0), ["t(id, d1 json, l1 json, sl json)"]);
    assert_eq!(
        shape(1),
        [
            "t(id, d1__d2 json)",
            "t__l1(a, l2 json, dd json)",
            "t__sl(value)"
        ]
    );
    assert_eq!(
        shape(2),
        [
            "t(id, d1__d2__d3 json)",
            "t__l1(a, dd__e json)",
            "t__l1__l2(b, l3 json)",
            "t__sl(value)"
        ]
    );
}

#[test]
fn conflicting_types_coerce_or_go_to_variants() {
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let n = dlt();
    let first = json!({"bi":1,"db":1.5,"tx":"x","bo":true,"ts":"2023-05-30T12:33:51Z"});
    let later = [
        json!({"bi": 2.0, "db": 2, "tx": 5}),
        json!({"bi": 1.5, "db": "3.5", "tx": true}),
        json!({"bi": "7", "db": "x"}),
        json!({"bi": "abc", "db": true, "ts": "abc"}),
        json!({"bi": true}),
    ];
    for record in std::iter::once(&first).chain(&later) {
        n.normalize(
            &mut schema,
            "t",
            record,
            &RootId::Given("R".into()),
            "L",
            &mut rows,
        )
        .unwrap();
    }
    let got = tables(&schema, &rows);
    assert_eq!(
        got[0].0,
        "t(bi bigint, db double, tx text, bo bool, ts timestamp, _dlt_load_id text!, \
         _dlt_id text!, bi__v_double double, db__v_text text, bi__v_text text, db__v_bool bool, \
         ts__v_text text, bi__v_bool bool)"
    );
    let data: Vec<Value> = got[0]
        .1
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let m = r.as_object_mut().unwrap();
            m.remove("_dlt_load_id");
            m.remove("_dlt_id");
            r
        })
        .collect();
    assert_eq!(
        data,
        vec![
            json!({"bi":1,"db":1.5,"tx":"x","bo":true,"ts":"2023-05-30T12:33:51Z"}),
            json!({"bi": 2, "db": 2.0, "tx": "5"}),
            json!({"bi__v_double": 1.5, "db": 3.5, "tx": "True"}),
            json!({"bi": 7, "db__v_text": "x"}),
            json!({"bi__v_text": "abc", "db__v_bool": true, "ts__v_text": "abc"}),
            json!({"bi__v_bool": true}),
        ]
    );
}

#[test]
fn lists_of_lists_mixed_lists_and_empty_lists() {
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let record =
        json!({"id": 1, "lol": [[1, 2], []], "mixed": [1, {"a": 2}, null, "s", [5]], "e": []});
    dlt()
        .normalize(
            &mut schema,
            "t",
            &record,
            &RootId::Given("R".into()),
            "L",
            &mut rows,
        )
        .unwrap();
    let names: Vec<String> = tables(&schema, &rows)
        .into_iter()
        .map(|(t, rows)| format!("{t}: {}", rows.len()))
        .collect();
    assert_eq!(
        names,
        [
            "t(id bigint, _dlt_load_id text!, _dlt_id text!): 1",
            "t__lol(_dlt_parent_id text!, _dlt_list_idx bigint!, _dlt_id text!): 2",
            "t__lol__list(value bigint, _dlt_parent_id text!, _dlt_list_idx bigint!, _dlt_id text!): 2",
            "t__mixed(value bigint, _dlt_parent_id text!, _dlt_list_idx bigint!, _dlt_id text!, \
             a bigint, value__v_text text): 5",
            "t__mixed__list(value bigint, _dlt_parent_id text!, _dlt_list_idx bigint!, _dlt_id text!): 1",
        ]
    );
}

#[test]
fn key_hash_root_ids_are_dlts() {
    let mut n = dlt();
    n.primary_key = vec!["id".into()];
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    n.normalize(
        &mut schema,
        "t",
        &json!({"id": 1, "v": "a"}),
        &RootId::KeyHash,
        "L",
        &mut rows,
    )
    .unwrap();
    assert_eq!(rows[0].cells.last().unwrap().1, json!("z5jIxXIbUnmbKw"));
}

#[test]
fn null_primary_key_is_an_error() {
    let mut n = dlt();
    n.primary_key = vec!["id".into()];
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let r = RootId::Given("R".into());
    n.normalize(&mut schema, "t", &json!({"id": 1}), &r, "L", &mut rows)
        .unwrap();
    let err = n
        .normalize(&mut schema, "t", &json!({"id": null}), &r, "L", &mut rows)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `t`: column `id` is NOT NULL but the record has null there"
    );
}

#[test]
fn frozen_contracts_name_table_field_and_type() {
    let r = RootId::Given("R".into());
    let mut n = dlt();
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    n.normalize(&mut schema, "t", &json!({"a": 1}), &r, "L", &mut rows)
        .unwrap();
    schema.mark_seen();
    n.contract = SchemaContract::all(ContractMode::Freeze);
    let message = |schema: &mut Schema, record: Value| {
        n.normalize(schema, "t", &record, &r, "L", &mut Vec::new())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        message(&mut schema, json!({"a": 1, "b": "new"})),
        "table `t`: field `b` (a text value) is not a column, and the schema contract freezes \
         columns (`schema_contract.columns = \"freeze\"`); declare it in `columns` or let columns evolve"
    );
    assert_eq!(
        message(&mut schema, json!({"a": "x"})),
        "table `t`: field `a` holds a text value, which its column's type does not take, and the \
         schema contract freezes data types (`schema_contract.data_type = \"freeze\"`)"
    );
    assert_eq!(
        message(&mut schema, json!({"a": 1, "l": [1]})),
        "table `t__l` is new, but the schema contract freezes tables \
         (`schema_contract.tables = \"freeze\"`); declare the table or let tables evolve"
    );
    // Nothing of a refused record reached the schema.
    let columns: Vec<&str> = schema.tables()[0]
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["a", "_dlt_load_id", "_dlt_id"]);
    assert_eq!(schema.tables().len(), 1);
}

/// Keys that normalize to one column keep the first one's place and the later one's value
/// (dlt assigns into one dict), and names remembered from one record never leak into the
/// next when its keys come in another order, in other objects or at other depths.
#[test]
fn keys_normalizing_alike_and_records_of_changing_shape() {
    let n = dlt();
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let records = [
        json!({"fooBar": 1, "b": {"c": 1, "C": 2}, "foo_bar": 3, "tags": ["x"]}),
        json!({"b": {"C": 5, "d": 6}, "foo_bar": 7, "fooBar": 8, "tags": [{"value": "y"}]}),
        json!({"x": {"b": {"c": 9}}, "b": 10, "tags": []}),
    ];
    for (i, record) in records.iter().enumerate() {
        let root = RootId::Given(format!("R{i}"));
        n.normalize(&mut schema, "t", record, &root, "L", &mut rows)
            .unwrap();
    }
    // One column, in the first key's place, with the later key's value.
    let Value::Object(first) = records[0].clone() else {
        unreachable!()
    };
    let flat = n.flatten_record("t", first, &RootId::Given("R0".into()), &Schema::new());
    let columns: Vec<(&str, &Value)> = flat.rows[0].flat.iter().map(|(c, v)| (&**c, v)).collect();
    assert_eq!(columns, [("foo_bar", &json!(3)), ("b__c", &json!(2))]);
    let got = tables(&schema, &rows);
    assert_eq!(
        got,
        vec![
            (
                "t(foo_bar bigint, b__c bigint, _dlt_load_id text!, _dlt_id text!, \
                 b__d bigint, b bigint, x__b__c bigint)"
                    .to_string(),
                vec![
                    json!({"foo_bar": 3, "b__c": 2, "_dlt_load_id": "L", "_dlt_id": "R0"}),
                    json!({"foo_bar": 8, "b__c": 5, "b__d": 6, "_dlt_load_id": "L",
                        "_dlt_id": "R1"}),
                    json!({"b": 10, "x__b__c": 9, "_dlt_load_id": "L", "_dlt_id": "R2"}),
                ]
            ),
            (
                "t__tags(value text, _dlt_parent_id text!, _dlt_list_idx bigint!, \
                 _dlt_id text!)"
                    .to_string(),
                vec![
                    json!({"value": "x", "_dlt_parent_id": "R0", "_dlt_list_idx": 0,
                        "_dlt_id": digest128("R0_t__tags_0")}),
                    json!({"value": "y", "_dlt_parent_id": "R1", "_dlt_list_idx": 0,
                        "_dlt_id": digest128("R1_t__tags_0")}),
                ]
            ),
        ]
    );
}

#[test]
fn columns_found_by_position_follow_rows_whose_columns_move() {
    let n = dlt();
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let records = [
        json!({"a": 1, "b": "x"}),
        json!({"b": "y", "a": 2}),
        json!({"a": 3, "n": null}),
        // `n` becomes a column in this row, after the row was located without it.
        json!({"a": 4, "n": 5}),
        json!({"a": 6, "n": 7}),
        json!({"n": 8, "b": "z", "a": 9}),
    ];
    for (i, record) in records.iter().enumerate() {
        let root = RootId::Given(format!("R{i}"));
        n.normalize(&mut schema, "t", record, &root, "L", &mut rows)
            .unwrap();
    }
    assert_eq!(
        tables(&schema, &rows),
        vec![(
            "t(a bigint, b text, _dlt_load_id text!, _dlt_id text!, n bigint)".to_string(),
            vec![
                json!({"a": 1, "b": "x", "_dlt_load_id": "L", "_dlt_id": "R0"}),
                json!({"b": "y", "a": 2, "_dlt_load_id": "L", "_dlt_id": "R1"}),
                json!({"a": 3, "_dlt_load_id": "L", "_dlt_id": "R2"}),
                json!({"a": 4, "n": 5, "_dlt_load_id": "L", "_dlt_id": "R3"}),
                json!({"a": 6, "n": 7, "_dlt_load_id": "L", "_dlt_id": "R4"}),
                json!({"n": 8, "b": "z", "a": 9, "_dlt_load_id": "L", "_dlt_id": "R5"}),
            ]
        )]
    );
}

#[test]
fn row_ids_hash_the_texts_dlt_hashes() {
    for index in [0, 9, 10, 12345, usize::MAX] {
        assert_eq!(
            flat::child_row_id("p", "t__x", index),
            digest128(&format!("p_t__x_{index}"))
        );
    }
    // A compound key: the key columns sorted by name, as compact JSON.
    let mut n = dlt();
    n.primary_key = vec!["b".into(), "a".into()];
    let mut schema = Schema::new();
    let mut rows = Vec::new();
    let record = json!({"c": 1, "b": 2.5, "a": "x\"\u{e9}"});
    n.normalize(&mut schema, "t", &record, &RootId::KeyHash, "L", &mut rows)
        .unwrap();
    let expected = digest128(&json!({"a": "x\"\u{e9}", "b": 2.5}).to_string());
    assert_eq!(rows[0].cells.last().unwrap().1, json!(expected));
}
