//! `init --openapi`: response schemas as typed columns and tables: `$ref` chains and cycles,
//! `allOf`, `oneOf`/`anyOf` widening, `nullable` both ways, formats and enums.

use restsource_import::openapi::{import, Imported};
use serde_json::{json, Value};

/// One list endpoint whose records have schema `record`, with `schemas` as components.
fn records(version: &str, record: Value, schemas: Value) -> Imported {
    let doc = json!({
        "openapi": version,
        "info": { "title": "Shapes", "version": "1" },
        "servers": [{ "url": "https://api.example.com" }],
        "paths": { "/rows": { "get": { "responses": { "200": { "description": "ok",
            "content": { "application/json": { "schema": {
                "type": "object",
                "properties": { "results": { "type": "array", "items": record } }
            } } } } } } } },
        "components": { "schemas": schemas }
    });
    import(&doc.to_string(), None, "shapes.json").unwrap()
}

/// The root table's columns as `name type nullable path` lines, then each child table's.
fn tables(i: &Imported) -> Vec<String> {
    let mut out = Vec::new();
    for t in &i.tables.resources[0].tables {
        out.push(format!(
            "[{}] parent={:?} path={:?}",
            t.name, t.parent, t.path
        ));
        for c in &t.columns {
            out.push(format!(
                "{} {} {} {:?}",
                c.name,
                c.data_type.name(),
                c.nullable,
                c.path.clone().unwrap()
            ));
        }
    }
    out
}

#[test]
fn ref_chains_all_of_formats_and_nested_tables() {
    let i = records(
        "3.0.3",
        json!({ "$ref": "#/components/schemas/Alias" }),
        json!({
            "Alias": { "$ref": "#/components/schemas/Order" },
            "Base": { "type": "object", "required": ["id"], "properties": {
                "id": { "type": "integer", "format": "int64" },
                "created": { "type": "string", "format": "date-time" } } },
            "Order": { "allOf": [
                { "$ref": "#/components/schemas/Base" },
                { "type": "object", "properties": {
                    "total": { "type": "string", "format": "decimal" },
                    "fee": { "type": "number", "x-restsource-type": "decimal" },
                    "day": { "type": "string", "format": "date" },
                    "status": { "type": "string", "enum": ["open", "paid"] },
                    "ratio": { "type": "number", "format": "float" },
                    "count": { "type": "integer", "format": "int32" },
                    "payload": { "type": "string", "format": "byte" },
                    "secret": { "type": "string", "writeOnly": true },
                    "meta": { "type": "object", "additionalProperties": { "type": "string" } },
                    "customer": { "type": "object", "properties": {
                        "name": { "type": "string" },
                        "address": { "type": "object", "properties": { "zip": { "type": "string" } } },
                        "tags": { "type": "array", "items": { "type": "string" } } } },
                    "lines": { "type": "array", "items": { "$ref": "#/components/schemas/Line" } }
                } }
            ] },
            "Line": { "type": "object", "properties": {
                "sku": { "type": "string" }, "qty": { "type": "integer" } } }
        }),
    );
    assert_eq!(
        tables(&i),
        vec![
            "[rows] parent=None path=None",
            "id bigint false [\"id\"]",
            "created timestamp true [\"created\"]",
            "total decimal true [\"total\"]",
            "fee decimal true [\"fee\"]",
            "day date true [\"day\"]",
            "status text true [\"status\"]",
            "ratio double true [\"ratio\"]",
            "count bigint true [\"count\"]",
            "payload binary true [\"payload\"]",
            "customer__name text true [\"customer\", \"name\"]",
            "customer__address__zip text true [\"customer\", \"address\", \"zip\"]",
            "[rows__lines] parent=Some(\"rows\") path=Some([\"lines\"])",
            "sku text true [\"sku\"]",
            "qty bigint true [\"qty\"]",
            "[rows__customer__tags] parent=Some(\"rows\") path=Some([\"customer\", \"tags\"])",
            "value text true []",
        ]
    );
    let r = &i.draft.spec["resources"][0];
    assert_eq!(r["primary_key"], "id");
    assert_eq!(r["write_disposition"], "merge");
    assert_eq!(
        r["columns"],
        json!({
            "id": { "data_type": "bigint", "nullable": false },
            "created": { "data_type": "timestamp" }, "total": { "data_type": "decimal" },
            "fee": { "data_type": "decimal" }, "day": { "data_type": "date" },
            "status": { "data_type": "text" }, "ratio": { "data_type": "double" },
            "count": { "data_type": "bigint" }, "payload": { "data_type": "binary" }
        })
    );
    assert_eq!(r["endpoint"]["data_selector"], "results");
}

#[test]
fn one_of_and_any_of_widen_and_nullable_both_ways() {
    let record = |version: &str| {
        let null_int = if version == "3.0.3" {
            json!({ "type": "integer", "nullable": true })
        } else {
            json!({ "type": ["integer", "null"] })
        };
        records(
            version,
            json!({ "type": "object", "properties": {
                "n": null_int,
                "num": { "oneOf": [{ "type": "integer" }, { "type": "number" }] },
                "when": { "anyOf": [{ "type": "string", "format": "date-time" },
                                    { "type": "string", "format": "date" }] },
                "either": { "oneOf": [{ "type": "integer" }, { "type": "string" }] },
                "maybe": { "anyOf": [{ "type": "boolean" }, { "type": "null" }] },
                "pet": { "oneOf": [
                    { "type": "object", "required": ["kind"], "properties": {
                        "kind": { "type": "string" }, "bark": { "type": "boolean" } } },
                    { "type": "object", "required": ["kind"], "properties": {
                        "kind": { "type": "string" }, "lives": { "type": "integer" } } } ] }
            } }),
            json!({}),
        )
    };
    for version in ["3.0.3", "3.1.0"] {
        let i = record(version);
        assert_eq!(
            tables(&i),
            vec![
                "[rows] parent=None path=None",
                "n bigint true [\"n\"]",
                "num double true [\"num\"]",
                "when text true [\"when\"]",
                "maybe bool true [\"maybe\"]",
                "pet__kind text true [\"pet\", \"kind\"]",
                "pet__bark bool true [\"pet\", \"bark\"]",
                "pet__lives bigint true [\"pet\", \"lives\"]",
            ],
            "{version}"
        );
        // `either` (a number or a string) has no common declared type: left to run-time
        // inference, which gives other values a variant column as dlt does.
        assert_eq!(i.draft.spec["resources"][0]["columns"].get("either"), None);
        // No `id`: no primary key, so no merge.
        assert_eq!(i.draft.spec["resources"][0].get("primary_key"), None);
    }
}

#[test]
fn a_ref_cycle_and_a_recursive_schema_are_reported_not_looped() {
    let i = records(
        "3.1.0",
        json!({ "$ref": "#/components/schemas/Node" }),
        json!({
            "Node": { "type": "object", "properties": {
                "id": { "type": "integer" },
                "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } },
                "loop": { "$ref": "#/components/schemas/A" },
                "gone": { "$ref": "#/components/schemas/Missing" },
                "far": { "$ref": "other.yaml#/Thing" }
            } },
            "A": { "$ref": "#/components/schemas/B" },
            "B": { "$ref": "#/components/schemas/A" }
        }),
    );
    assert_eq!(
        i.report.notes,
        vec![
            "GET /rows.results[].children[]: `#/components/schemas/Node` contains itself; kept as JSON from here",
            "GET /rows.results[].loop: `$ref` cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A; kept as JSON",
            "GET /rows.results[].gone: `$ref: #/components/schemas/Missing` points at nothing in the document; kept as JSON",
            "GET /rows.results[].far: `$ref: other.yaml#/Thing` is in another file; only references inside the document are read; kept as JSON",
        ]
    );
    assert_eq!(
        tables(&i),
        vec!["[rows] parent=None path=None", "id bigint true [\"id\"]"]
    );
}
