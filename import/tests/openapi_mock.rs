//! The checked-in spec of the mock API (`specs/openapi/inventory.toml` and its tables file) is
//! exactly what `restsource init --openapi mock/openapi.yaml -o specs/openapi/inventory.toml`
//! writes today, and it validates. `RESTSOURCE_BLESS=1` rewrites both files (then review the
//! diff: `tests/e2e/openapi.rs` loads that spec from the mock).

use std::path::Path;

use restsource_import::openapi::import;

#[test]
fn the_mock_spec_is_what_init_writes_today() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("mock/openapi.yaml")).unwrap();
    let imported = import(&doc, Some("inventory"), "openapi.yaml").unwrap();
    let spec_path = root.join("specs/openapi/inventory.toml");
    let tables_path = root.join("specs/openapi/inventory.tables.json");
    let (spec, tables) = (imported.draft.to_toml(), imported.tables.to_text());
    if std::env::var_os("RESTSOURCE_BLESS").is_some() {
        std::fs::write(&spec_path, &spec).unwrap();
        std::fs::write(&tables_path, &tables).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&spec_path).unwrap(),
        spec,
        "stale: run RESTSOURCE_BLESS=1 cargo test -p restsource-import --test openapi_mock"
    );
    assert_eq!(std::fs::read_to_string(&tables_path).unwrap(), tables);
    let loaded = restsource_spec::load(&spec_path).unwrap_or_else(|d| panic!("{d}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(
        imported.report.skipped,
        vec![
            "POST /v1/orders: not a GET",
            "GET /v1/orders/{order_id}: returns one record, not a list"
        ]
    );
}
