//! Each step on exact pages: what a record becomes, what a filter keeps and the count it
//! reports dropped.

use serde_json::{json, Value};

use super::*;
use crate::def::{PathStep, Static};

/// A list of the `'static` form, for steps built in a test body.
fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn run(
    body: Value,
    selector: &[PathStep],
    steps: &[StepDef],
    start: Option<Value>,
) -> (Value, usize) {
    let bytes = serde_json::to_vec(&body).unwrap();
    let out = rewrite_with(&bytes, selector, steps, start.as_ref()).unwrap();
    (serde_json::from_slice(&out.body).unwrap(), out.dropped)
}

const DATA: &[PathStep] = &[PathStep::key("data")];

#[test]
fn add_fields_sets_constants_and_fills_templates_from_the_record() {
    let steps = [StepDef::AddFields::<Static>(leak(vec![
        ("source", "\"mock\""),
        ("label", "\"{name} #{id} {{x}}\""),
        ("copy", "\"{id}\""),
        ("missing", "\"{nope}\""),
        ("tags", "[1, {\"by\": \"{name}\"}]"),
    ]))];
    let (page, dropped) = run(
        json!({"data": [{"id": 7, "name": "a"}]}),
        DATA,
        &steps,
        None,
    );
    assert_eq!(dropped, 0);
    assert_eq!(
        page,
        json!({"data": [{
            "id": 7, "name": "a", "source": "mock", "label": "a #7 {x}", "copy": 7,
            "missing": null, "tags": [1, {"by": "a"}]
        }]})
    );
}

#[test]
fn remove_rename_and_snake_case_change_keys_in_order() {
    let steps = [
        StepDef::KeysToSnakeCase,
        StepDef::RenameFields::<Static>(leak(vec![("updated_at", "modified"), ("absent", "x")])),
        StepDef::RemoveFields::<Static>(leak(vec!["secret_note", "absent"])),
    ];
    let (page, _) = run(
        json!({"data": [{"id": 1, "updatedAt": "t", "Secret Note": "s", "ok": true}]}),
        DATA,
        &steps,
        None,
    );
    assert_eq!(
        page,
        json!({"data": [{"id": 1, "ok": true, "modified": "t"}]})
    );
}

fn cond(field: &'static str, op: CompareOp, value: &'static str) -> ConditionDef {
    ConditionDef {
        field,
        op,
        value: Operand::Json(value),
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn filters_compare_numbers_text_timestamps_lists_and_nulls() {
    let page = json!({"data": [
        {"id": 1, "q": 5, "s": "a", "t": "2024-01-01T00:00:00Z"},
        {"id": 2, "q": 50, "s": "b", "t": "2024-01-01T01:00:00+01:00"},
        {"id": 3, "q": null, "s": "c", "t": "2024-03-01T00:00:00Z"},
        {"id": 4, "s": "b"},
    ]});
    let keep = |conds: &[ConditionDef]| {
        let steps = [StepDef::Filter::<Static>(leak(conds.to_vec()))];
        let (out, dropped) = run(page.clone(), DATA, &steps, None);
        let kept = ids(&out);
        assert_eq!(kept.len() + dropped, 4);
        kept
    };
    assert_eq!(keep(&[cond("q", CompareOp::Ge, "10")]), [2]);
    assert_eq!(keep(&[cond("q", CompareOp::Lt, "10")]), [1]);
    assert_eq!(keep(&[cond("q", CompareOp::Eq, "5.0")]), [1]);
    assert_eq!(keep(&[cond("q", CompareOp::Ne, "5")]), [2, 3, 4]);
    assert_eq!(keep(&[cond("s", CompareOp::In, "[\"a\", \"c\"]")]), [1, 3]);
    assert_eq!(keep(&[cond("q", CompareOp::IsNull, "")]), [3, 4]);
    assert_eq!(keep(&[cond("q", CompareOp::IsNotNull, "")]), [1, 2]);
    // The same instant written with another offset is equal, not greater.
    assert_eq!(
        keep(&[cond("t", CompareOp::Le, "\"2024-01-01T00:00:00Z\"")]),
        [1, 2]
    );
    // A number never equals a string.
    assert_eq!(keep(&[cond("s", CompareOp::Eq, "1")]), Vec::<i64>::new());
    // Conditions of one filter must all hold.
    assert_eq!(
        keep(&[
            cond("s", CompareOp::Eq, "\"b\""),
            cond("q", CompareOp::Gt, "1")
        ]),
        [2]
    );
}

#[test]
fn a_filter_against_the_cursor_start_value_keeps_newer_records_and_none_without_one() {
    let page = json!({"data": [
        {"id": 1, "t": "2024-01-01T00:00:00Z"},
        {"id": 2, "t": "2024-02-01T00:00:00Z"},
    ]});
    let steps = [StepDef::Filter::<Static>(leak(vec![ConditionDef {
        field: "t",
        op: CompareOp::Gt,
        value: Operand::CursorStart,
    }]))];
    let (out, dropped) = run(
        page.clone(),
        DATA,
        &steps,
        Some(json!("2024-01-15T00:00:00Z")),
    );
    assert_eq!((ids(&out), dropped), (vec![2], 1));
    let (out, dropped) = run(page, DATA, &steps, None);
    assert_eq!((ids(&out), dropped), (vec![], 2));
}

#[test]
fn steps_reach_records_through_wildcards_and_single_objects() {
    let steps = [
        StepDef::Filter::<Static>(leak(vec![cond("id", CompareOp::Ne, "2")])),
        StepDef::AddFields::<Static>(leak(vec![("k", "1")])),
    ];
    let all = [PathStep::key("data"), PathStep::Wildcard];
    let (out, dropped) = run(json!({"data": [{"id": 1}, {"id": 2}]}), &all, &steps, None);
    assert_eq!((out, dropped), (json!({"data": [{"id": 1, "k": 1}]}), 1));
    let (out, dropped) = run(json!({"data": {"id": 2}}), DATA, &steps, None);
    assert_eq!((out, dropped), (json!({"data": []}), 1));
    let (out, dropped) = run(json!([{"id": 3}]), &[], &steps, None);
    assert_eq!((out, dropped), (json!([{"id": 3, "k": 1}]), 0));
}
