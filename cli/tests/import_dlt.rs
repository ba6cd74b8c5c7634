//! `restsource import-dlt`: the spec it writes, its summary and validation, and the located
//! errors (exit 1, nothing written) for a config it cannot convert.

mod common;
use common::*;

#[test]
fn a_seed_config_becomes_a_valid_toml_spec_with_a_summary() {
    let dir = scratch("import-dlt-seed");
    let out = dir.join("analytics.toml");
    let out_s = out.to_str().unwrap();
    let o = run(&[
        "import-dlt",
        "import/tests/fixtures/seed_000.py",
        "-o",
        out_s,
        "--name",
        "analytics",
    ]);
    assert_eq!(text(&o.stderr), "");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o.stdout),
        format!(
            "wrote {out_s} from import/tests/fixtures/seed_000.py (the first argument of `rest_api_source` at line 4)\n\
             resources (1): resource_name\n\
             secret references (1), read from the environment at run time:\n  \
             client.auth.api_key: dlt.secrets[\"api_key\"] -> API_KEY\n\
             {out_s}: valid\n"
        )
    );
    let expected = r#"# Imported from seed_000.py by `restsource import-dlt`: the first argument of `rest_api_source` at line 4.
# Check the comments below, then `restsource validate` this file.

name = "analytics"

[client]
base_url = "https://api.example.com"

[client.auth]
type = "api_key"
name = "api_key"
api_key = { secret = "api_key" }
location = "query"

[resource_defaults]
primary_key = "id"
write_disposition = "merge"

[[resources]]
name = "resource_name"

[resources.endpoint]
path = "/v1/resource"
data_selector = "data"
paginator = { type = "offset", limit = 100 }
"#;
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);

    // An existing spec is never overwritten without --force.
    let again = run(&[
        "import-dlt",
        "import/tests/fixtures/seed_000.py",
        "-o",
        out_s,
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        text(&again.stderr),
        format!("error: {out_s} exists; pass --force to replace it, or -o another file\n")
    );
    let forced = run(&[
        "import-dlt",
        "import/tests/fixtures/seed_000.py",
        "-o",
        out_s,
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("\nname = \"seed_000\"\n"), "{written}");
}

#[test]
fn json_output_keeps_the_nulls_dlt_gives_a_meaning() {
    let dir = scratch("import-dlt-json");
    let py = dir.join("gh.py");
    std::fs::write(
        &py,
        "source = rest_api_source({\n    \"client\": {\"base_url\": \"https://api.example.com\"},\n    \"resources\": [{\"name\": \"issues\", \"endpoint\": {\"paginator\": OffsetPaginator(limit=10, total_path=None), \"params\": {\"state\": None}}}],\n})\n",
    )
    .unwrap();
    let o = run(&["import-dlt", py.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = dir.join("gh.json");
    let out_s = out.to_str().unwrap();
    assert_eq!(
        text(&o.stdout),
        format!(
            "wrote {out_s} from {} (the first argument of `rest_api_source` at line 1)\n\
             resources (1): issues\n\
             left out (1):\n  \
             resources[0].endpoint.params.state: `None` (line 3) means not set: left out\n\
             {out_s}: valid\n",
            py.display()
        )
    );
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        spec,
        serde_json::json!({
            "name": "gh",
            "client": {"base_url": "https://api.example.com"},
            "resources": [{"name": "issues", "endpoint": {
                "paginator": {"type": "offset", "limit": 10, "total_path": null},
                "params": {},
            }}],
        })
    );
}

#[test]
fn a_lambda_is_a_located_error_and_nothing_is_written() {
    let dir = scratch("import-dlt-lambda");
    let py = dir.join("pipeline.py");
    std::fs::write(
        &py,
        "import dlt\n\nsource = rest_api_source({\n    \"client\": {\"base_url\": \"https://api.example.com\", \"auth\": BearerTokenAuth(token=dlt.secrets[\"token\"])},\n    \"resources\": [\n        {\"name\": \"users\", \"processing_steps\": [{\"map\": lambda r: {**r, \"x\": 1}}]},\n        {\"name\": \"posts\", \"endpoint\": {\"paginator\": MyPaginator()}},\n    ],\n})\n",
    )
    .unwrap();
    let py_s = py.to_str().unwrap();
    let o = run(&["import-dlt", py_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout),
        format!("{py_s}: cannot be converted (2 errors); nothing written\n")
    );
    assert_eq!(
        text(&o.stderr),
        format!(
            r#"error: a lambda cannot be converted
 --> {py_s}:6:56
  |
6 |         {{"name": "users", "processing_steps": [{{"map": lambda r: {{**r, "x": 1}}}}]}},
  |                                                        ^^^^^^
  = note: at `resources[0].processing_steps[0].map`
  = help: a spec's processing steps are declarative: `filter = {{ field = "…", op = "==", value = … }}`, `map`, `add_fields`, … (README, "processing_steps")

error: the call `MyPaginator(…)` cannot be converted: it runs Python code
 --> {py_s}:7:53
  |
7 |         {{"name": "posts", "endpoint": {{"paginator": MyPaginator()}}}},
  |                                                     ^^^^^^^^^^^
  = note: at `resources[1].endpoint.paginator`
  = help: write the paginator's dict form (`{{ type = "offset", limit = 100 }}`), or `{{ type = "rust", path = "crate::YourPaginator" }}` for a paginator in Rust (README, "Escape hatches in Rust")

"#
        )
    );
    assert!(!dir.join("pipeline.toml").exists());
}
