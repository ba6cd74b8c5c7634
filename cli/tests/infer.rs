//! `restsource infer` against the mock API: the tables file it writes equals the tables dlt
//! 1.31 creates from the same config and API (recorded once in
//! `tests/e2e/fixtures/dlt_seeds.json`, system columns aside), `--check` passes on the same
//! data and fails, naming each difference, once the API gains a field and sends text in a
//! number field.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use restsource_mock::{MockApi, MockConfig, Shape};
use serde_json::{json, Value};

/// The record count the dlt fixture was recorded with.
const RECORDS: usize = 40;

fn infer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restsource"))
        .env("API_KEY", "test-key")
        .arg("infer")
        .args(args)
        .output()
        .unwrap()
}

/// A fresh directory holding a copy of the inventory seed as its document writes it.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("restsource-infer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("specs/as_written/inventory.json"),
        dir.join("inventory.json"),
    )
    .unwrap();
    dir
}

async fn mock(shape: Shape) -> MockApi {
    MockApi::start(MockConfig {
        records: RECORDS,
        shape,
        ..MockConfig::default()
    })
    .await
}

/// dlt's inventory tables from the fixture, without its system columns, in the file's form.
fn dlt_tables() -> Vec<Value> {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/e2e/fixtures/dlt_seeds.json")).unwrap(),
    )
    .unwrap();
    fixture["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let columns: Vec<Value> = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| !c["name"].as_str().unwrap().starts_with("_dlt_"))
                .map(|c| json!({"name": c["name"], "data_type": c["type"], "nullable": c["nullable"]}))
                .collect();
            let mut table = json!({"name": t["name"], "columns": columns});
            if !t["parent"].is_null() {
                table["parent"] = t["parent"].clone();
            }
            table
        })
        .collect()
}

/// Every table of the file, resources in spec order, without the key paths (dlt has none;
/// [`key_paths`] checks them).
fn file_tables(file: &Path) -> Vec<Value> {
    let mut tables = file_tables_with_paths(file);
    for t in &mut tables {
        t.as_object_mut().unwrap().remove("path");
        for c in t["columns"].as_array_mut().unwrap() {
            c.as_object_mut().unwrap().remove("path");
        }
    }
    tables
}

fn file_tables_with_paths(file: &Path) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(doc["format"], "restsource-tables/2");
    assert_eq!(doc["source"], "inventory");
    doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["tables"].as_array().unwrap().clone())
        .collect()
}

/// `table.column`'s key path in the file, joined with `/`.
fn key_paths(file: &Path, table: &str) -> Vec<String> {
    let tables = file_tables_with_paths(file);
    let t = tables.iter().find(|t| t["name"] == table).unwrap();
    let mut out: Vec<String> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let keys: Vec<&str> = c["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            format!("{}={}", c["name"].as_str().unwrap(), keys.join("/"))
        })
        .collect();
    if let Some(list) = t.get("path") {
        out.insert(0, format!("list={}", list[0].as_str().unwrap()));
    }
    out
}

fn sorted(mut tables: Vec<Value>) -> Vec<Value> {
    tables.sort_by_key(|t| t["name"].as_str().unwrap().to_string());
    tables
}

#[tokio::test(flavor = "multi_thread")]
async fn infer_writes_dlts_tables_and_check_passes_until_the_api_drifts() {
    let dir = workdir("drift");
    let spec = dir.join("inventory.json");
    let file = dir.join("inventory.tables.json");
    let api = mock(Shape::Wide).await;
    let base = api.base_url();
    let spec_arg = spec.to_str().unwrap();

    let o = infer(&[spec_arg, "--base-url", &base, "--pages", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.ends_with(&format!("{}: written\n", file.display())),
        "{out}"
    );
    assert!(
        out.starts_with("stock_summaries: 1 page, 40 records\n"),
        "{out}"
    );
    // The tables dlt creates from the same config and records, column for column.
    assert_eq!(sorted(file_tables(&file)), sorted(dlt_tables()));
    // Each column says which keys its values come from, for codegen's struct fields.
    assert_eq!(
        key_paths(&file, "inventory")[9..],
        [
            "blob=blob",
            "notes=notes",
            "attributes__color=attributes/color",
            "attributes__dims__w=attributes/dims/w",
            "attributes__dims__h=attributes/dims/h",
        ]
    );
    assert_eq!(key_paths(&file, "inventory__tags"), ["list=tags", "value="]);

    // Sampling again changes nothing, and the check passes.
    let before = std::fs::read(&file).unwrap();
    let o = infer(&[spec_arg, "--base-url", &base, "--pages", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).ends_with(&format!("{}: unchanged\n", file.display())));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let o = infer(&[spec_arg, "--base-url", &base, "--check", "items"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        format!(
            "items: 1 page, 40 records\n{}: the API's data fits\n",
            file.display()
        )
    );

    // The API changes: a new field, and text where a number was.
    let drifted = mock(Shape::Drifted).await;
    let o = infer(&[
        spec_arg,
        "--base-url",
        &drifted.base_url(),
        "--check",
        "items",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        format!(
            "items: 1 page, 40 records\n\
             {}: the API's data no longer fits (2 differences); run `restsource infer {}` and review the change\n  \
             resource `items`, table `items`: new column `warranty_months` (bigint)\n  \
             resource `items`, table `items`: column `ratio` is double in the file, but the API sent text values\n",
            file.display(),
            spec.display()
        )
    );
    // A check never writes.
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_without_a_file_says_how_to_make_one() {
    let dir = workdir("nofile");
    let spec = dir.join("inventory.json");
    let o = infer(&[
        spec.to_str().unwrap(),
        "--check",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        format!(
            "{}: no tables file to check against; run `restsource infer {}` first and commit the file\n",
            dir.join("inventory.tables.json").display(),
            spec.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_resource_is_named_with_the_known_ones() {
    let dir = workdir("unknown");
    let spec = dir.join("inventory.json");
    let o = infer(&[
        spec.to_str().unwrap(),
        "--base-url",
        "http://127.0.0.1:9",
        "itemz",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "no resource `itemz` in the spec; it has: stock_summaries, customers, items, stock_details, inventory, orders\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
