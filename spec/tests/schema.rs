//! The committed JSON Schema must match the model.

#[test]
fn committed_schema_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/restsource.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == restsource_spec::json_schema(),
        "specs/restsource.schema.json is stale; refresh it with:\n  cargo run -p restsource-cli -- schema > specs/restsource.schema.json"
    );
}

#[test]
fn schema_describes_the_top_level_keys() {
    let v: serde_json::Value = serde_json::from_str(&restsource_spec::json_schema()).unwrap();
    let keys: Vec<&str> = v["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "$schema",
            "name",
            "client",
            "tables",
            "schema_contract",
            "max_table_nesting",
            "resource_defaults",
            "resources"
        ]
    );
    assert_eq!(v["required"], serde_json::json!(["client", "resources"]));
}
