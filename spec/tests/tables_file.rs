//! The inferred tables file beside a spec (`<stem>.tables.json`, written by `restsource
//! infer`): attached to its resources when present, an error at its own position when broken.

use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rs-spec-tables-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SPEC: &str = r#"{"client": {"base_url": "https://x.example"}, "resources": [{"name": "items", "primary_key": "id", "columns": {"name": {"data_type": "text"}}}]}"#;

#[test]
fn a_tables_file_is_attached_and_tracked_and_types_the_key() {
    let d = dir("ok");
    std::fs::write(d.join("shop.json"), SPEC).unwrap();
    let without = restsource_spec::load(&d.join("shop.json")).unwrap();
    assert_eq!(without.resolved.resources[0].inferred, None);
    assert_eq!(without.warnings.len(), 1, "the untyped key is warned about");
    std::fs::write(
        d.join("shop.tables.json"),
        r#"{"format": "restsource-tables/2", "source": "shop", "resources": [{"name": "items", "tables": [{"name": "items", "columns": [{"name": "id", "data_type": "bigint", "nullable": false, "path": ["id"]}]}]}]}"#,
    )
    .unwrap();
    let with = restsource_spec::load(&d.join("shop.json")).unwrap();
    let tables = with.resolved.resources[0].inferred.as_ref().unwrap();
    assert_eq!(tables.root().unwrap().columns[0].name, "id");
    assert!(with.files.contains(&d.join("shop.tables.json")));
    assert!(with.warnings.is_empty(), "{:?}", with.warnings);
}

#[test]
fn a_broken_tables_file_is_an_error_at_its_position() {
    let d = dir("broken");
    std::fs::write(d.join("shop.json"), SPEC).unwrap();
    std::fs::write(
        d.join("shop.tables.json"),
        "{\n  \"format\": \"restsource-tables/2\",\n  oops\n}",
    )
    .unwrap();
    let e = restsource_spec::load(&d.join("shop.json")).unwrap_err();
    let text = e.to_string();
    let file = d.join("shop.tables.json");
    assert!(text.contains(&format!("{}:3:3", file.display())), "{text}");
    assert!(
        text.contains("the inferred tables beside the spec cannot be read: not JSON"),
        "{text}"
    );
    assert!(text.contains("re-run `restsource infer SPEC`"), "{text}");
}
