//! `restsource init --openapi`: writes the spec and its tables file, validates the spec,
//! prints the report; refuses to overwrite without `--force`; a Swagger 2.0 document fails
//! with the way out.

mod common;
use common::*;

#[test]
fn init_writes_the_mock_spec_validates_it_and_reports() {
    let dir = scratch("init-mock");
    let spec = dir.join("inventory.toml");
    let spec_arg = spec.to_str().unwrap();
    let o = run(&["init", "--openapi", "mock/openapi.yaml", "-o", spec_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let offset = "    paginator offset: the endpoint takes `offset` and `limit`, the response \
                  counts records in `total`\n";
    let mut expected = String::from("8 operations, 6 resources made, 2 skipped\n");
    for name in [
        "stock_summaries",
        "customers",
        "items",
        "stock_details",
        "inventory",
        "orders",
    ] {
        expected.push_str(&format!(
            "  {name} (GET /v1/{name}): 12 columns typed, 2 tables with 16 typed columns\n"
        ));
        expected.push_str(offset);
    }
    expected.push_str(
        "skipped:\n  POST /v1/orders: not a GET\n  GET /v1/orders/{order_id}: returns one \
         record, not a list\n",
    );
    expected.push_str(&format!(
        "{spec_arg}: written, with {}\n{spec_arg}: valid\n",
        dir.join("inventory.tables.json").display()
    ));
    assert_eq!(text(&o.stdout), expected);
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        std::fs::read_to_string(root().join("specs/openapi/inventory.toml")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("inventory.tables.json")).unwrap(),
        std::fs::read_to_string(root().join("specs/openapi/inventory.tables.json")).unwrap()
    );

    // A second run does not overwrite the user's edits without --force.
    let o = run(&["init", "--openapi", "mock/openapi.yaml", "-o", spec_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        format!("{spec_arg}: already exists; pass --force to overwrite it\n")
    );
    let o = run(&[
        "init",
        "--openapi",
        "mock/openapi.yaml",
        "-o",
        spec_arg,
        "--force",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        format!("{spec_arg}: --json writes JSON; name the output `.json`\n")
    );
    let json_spec = dir.join("inventory.json");
    let json_arg = json_spec.to_str().unwrap();
    // The same stem: the same tables file, hence --force.
    let o = run(&[
        "init",
        "--openapi",
        "mock/openapi.yaml",
        "-o",
        json_arg,
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).ends_with(&format!("{json_arg}: valid\n")));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_spec).unwrap()).unwrap();
    assert_eq!(json["client"]["auth"]["api_key"]["secret"], "api_key");
}

#[test]
fn a_swagger_2_document_fails_with_the_way_out() {
    let dir = scratch("init-swagger");
    let doc = dir.join("old.json");
    std::fs::write(
        &doc,
        r#"{"swagger": "2.0", "info": {"title": "Old"}, "paths": {}}"#,
    )
    .unwrap();
    let o = run(&[
        "init",
        "--openapi",
        doc.to_str().unwrap(),
        "-o",
        dir.join("old.toml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        format!(
            "{}: this is a Swagger 2.0 document; only OpenAPI 3.0 and 3.1 are read. Convert it \
             first (for example with swagger2openapi or the Swagger Editor's \"Convert to \
             OpenAPI 3\"), then run `restsource init --openapi` on the result\n",
            doc.display()
        )
    );
    assert!(!dir.join("old.toml").exists());
}
