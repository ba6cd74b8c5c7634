//! Every seed spec through `include_source!` in the facade crate, the way users write it.

mod seeds {
    restsource::include_source!("specs/analytics.json");
    restsource::include_source!("specs/analytics_typed.toml");
    restsource::include_source!("specs/social_media.json");
    restsource::include_source!("specs/oauth_analytics.toml");
    restsource::include_source!("specs/inventory.toml");
}

use restsource::runtime::record::Record;
use seeds::*;

#[test]
fn resources_are_listed_in_dependency_order() {
    let names: Vec<&str> = social_media::Source::resources()
        .iter()
        .map(|h| h.def.name)
        .collect();
    let from_def: Vec<&str> = social_media::SOURCE
        .resources
        .iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, from_def);
    assert_eq!(names.len(), 7);
    assert_eq!(
        inventory::Source::resource("orders").map(|h| h.def.table_name),
        Some("orders")
    );
    assert!(inventory::Source::resource("nope").is_none());
}

#[test]
fn missing_secret_names_its_variable() {
    // Only meaningful where CLIENT_ID is unset (it is in CI and the test scripts).
    if std::env::var_os("CLIENT_ID").is_none() {
        let err = oauth_analytics::Secrets::from_env()
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.name, "client_id");
        assert_eq!(err.env, "CLIENT_ID");
        assert_eq!(
            err.to_string(),
            "secret `client_id` is not set: export the environment variable CLIENT_ID"
        );
    }
}

#[test]
fn secrets_convert_without_leaking() {
    let secrets = inventory::Secrets {
        api_key: restsource::runtime::secret::Secret::new("s3cr3t-value"),
    };
    assert!(!format!("{secrets:?}").contains("s3cr3t-value"));
    let values: restsource::runtime::secret::SecretValues = secrets.into();
    assert_eq!(
        values.get("api_key").map(|s| s.expose()),
        Some("s3cr3t-value")
    );
}

#[test]
fn typed_fields_follow_the_columns() {
    let rec: analytics_typed::ResourceName = restsource::runtime::serde_json::from_str(
        r#"{"id": 1, "name": "a", "value": 2.5, "other": [1]}"#,
    )
    .expect("decodes");
    assert_eq!(rec.key(), (1,));
    assert_eq!(rec.extra.as_json(), Some(r#"{"other":[1]}"#));
    assert_eq!(
        <analytics_typed::ResourceName as Record>::RESOURCE.primary_key,
        &["id"]
    );
}

#[test]
fn generated_decoding_keeps_extras_and_names_the_failing_field() {
    use restsource::runtime::select::decode_page;
    type R = analytics_typed::ResourceName;
    let body = br#"{"data": [{"id": 1, "x": {"y": [1, 2.50]}, "name": "a\"b"},
                              {"note": "n", "id": 2, "name": "m"}]}"#;
    let recs = decode_page::<R>(body).expect("decodes");
    assert_eq!(recs[0].extra.as_json(), Some(r#"{"x":{"y":[1,2.50]}}"#));
    assert_eq!(recs[0].name, "a\"b");
    assert_eq!(recs[1].extra.as_json(), Some(r#"{"note":"n"}"#));
    // The second pass (path tracking) goes through the same raw capture of extras.
    let bad = br#"{"data": [{"id": 1, "name": "a", "x": [1]}, {"id": 2, "name": "b", "x": {"z": 1}, "value": "high"}]}"#;
    let err = decode_page::<R>(bad).unwrap_err();
    assert_eq!((err.index, err.field.as_deref()), (Some(1), Some("value")));
    let missing = decode_page::<R>(br#"{"data": [{"x": 1, "name": "n"}]}"#).unwrap_err();
    assert!(
        missing.message.starts_with("missing field `id`"),
        "{}",
        missing.message
    );
}

#[test]
fn generated_lookup_reads_one_field_and_agrees_with_the_records_json() {
    use restsource::runtime::def::PathStep;
    use restsource::runtime::serde_json::{json, Value};
    let rec: inventory::Items = restsource::runtime::serde_json::from_str(
        r#"{"id": 3, "name": "a", "updated_at": "2024-01-01T10:00:00+01:00", "ratio": 1.0,
            "attributes": {"size": {"w": 2}}, "tags": ["x", "y"], "note": {"k": [5]}}"#,
    )
    .expect("decodes");
    let k = PathStep::key;
    let cases: Vec<(Vec<PathStep>, Option<Value>)> = vec![
        // Into a JSON column, by key and by index from the end.
        (vec![k("attributes"), k("size"), k("w")], Some(json!(2))),
        (vec![k("tags"), PathStep::Index(-1)], Some(json!("y"))),
        // Typed columns in their JSON form; a null column is null, and has nothing inside.
        (vec![k("updated_at")], Some(json!("2024-01-01T09:00:00Z"))),
        (vec![k("ratio")], Some(json!(1.0))),
        (vec![k("quantity")], Some(Value::Null)),
        (vec![k("quantity"), k("x")], None),
        (vec![k("id"), PathStep::Wildcard], None),
        // Undeclared fields, from the extras.
        (vec![k("note"), k("k"), PathStep::Index(0)], Some(json!(5))),
        (vec![k("missing")], None),
        // A wildcard takes the first field the rest matches in, declared before undeclared.
        (vec![PathStep::Wildcard, k("size")], Some(json!({"w": 2}))),
        (vec![PathStep::Wildcard, k("k")], Some(json!([5]))),
        (vec![PathStep::Index(0)], None),
    ];
    let whole = restsource::runtime::serde_json::to_value(&rec).expect("serializes");
    for (path, want) in cases {
        assert_eq!(rec.lookup(&path), want, "{path:?}");
        // The same value the record's JSON holds there.
        assert_eq!(
            restsource::runtime::record::walk(&whole, &path),
            rec.lookup(&path),
            "{path:?}"
        );
    }
    assert_eq!(rec.lookup(&[]), Some(whole));
}

#[test]
fn generated_cursor_reads_the_declared_column() {
    use restsource::runtime::record::Cursor;
    let rec: inventory::Inventory = restsource::runtime::serde_json::from_str(
        r#"{"id": 1, "updated_at": "2024-01-01T10:00:00+01:00"}"#,
    )
    .expect("decodes");
    let at = restsource::runtime::chrono::DateTime::parse_from_rfc3339("2024-01-01T09:00:00Z")
        .expect("a timestamp")
        .to_utc();
    assert_eq!(rec.cursor(), Some(Cursor::Timestamp(at)));
    let rec: inventory::Inventory =
        restsource::runtime::serde_json::from_str(r#"{"id": 1, "updated_at": null}"#)
            .expect("decodes");
    assert_eq!(rec.cursor(), None);
    // A resource without incremental has no cursor.
    let rec: inventory::Items =
        restsource::runtime::serde_json::from_str(r#"{"id": 1}"#).expect("decodes");
    assert_eq!(rec.cursor(), None);
}
