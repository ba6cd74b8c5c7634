//! The five seed documents' Python configs (copied into `fixtures/`) convert to the specs the
//! project wrote from the same documents (`specs/as_written/`), as JSON values: the same spec,
//! so the same tables. The spec's `name` is not in the Python (dlt takes it from the function
//! or `name=`), so each test passes the one `as_written` uses.

use restsource_import::import_dlt;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(fixture: &str, as_written: &str, name: &str) {
    let py = root().join("import/tests/fixtures").join(fixture);
    let src = std::fs::read_to_string(&py).unwrap();
    let imported = import_dlt(&src, &py, Some(name)).unwrap_or_else(|e| {
        let all: Vec<String> = e.diagnostics.iter().map(|d| d.render()).collect();
        panic!("{}", all.join("\n"))
    });
    let converted: Value = serde_json::from_str(&imported.draft.to_json()).unwrap();
    let path = root().join("specs/as_written").join(as_written);
    let mut expected: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    expected.as_object_mut().unwrap().remove("$schema");
    assert_eq!(converted, expected);
    // The TOML printing says the same.
    let toml: toml::Value = toml::from_str(&imported.draft.to_toml()).unwrap();
    assert_eq!(serde_json::to_value(toml).unwrap(), expected);
    let secrets: Vec<(&str, &str)> = imported
        .secrets
        .iter()
        .map(|s| (s.place.as_str(), s.python.as_str()))
        .collect();
    let expected_secrets: Vec<(&str, &str)> = if name == "oauth_analytics" {
        vec![
            ("client.auth.client_id", "dlt.secrets[\"client_id\"]"),
            (
                "client.auth.client_secret",
                "dlt.secrets[\"client_secret\"]",
            ),
        ]
    } else {
        vec![("client.auth.api_key", "dlt.secrets[\"api_key\"]")]
    };
    assert_eq!(secrets, expected_secrets);
    assert!(imported.left_out.is_empty(), "{:?}", imported.left_out);
}

#[test]
fn seed_000_converts_to_as_written_analytics() {
    check("seed_000.py", "analytics.json", "analytics");
}

#[test]
fn seed_001_converts_to_as_written_analytics_typed() {
    check("seed_001.py", "analytics_typed.json", "analytics_typed");
}

#[test]
fn seed_002_converts_to_as_written_social_media() {
    check("seed_002.py", "social_media.json", "social_media");
}

#[test]
fn seed_003_converts_to_as_written_oauth_analytics() {
    check("seed_003.py", "oauth_analytics.json", "oauth_analytics");
}

#[test]
fn seed_004_converts_to_as_written_inventory() {
    check("seed_004.py", "inventory.json", "inventory");
}

#[test]
fn without_a_name_the_spec_is_named_after_the_file() {
    let py = root().join("import/tests/fixtures/seed_000.py");
    let src = std::fs::read_to_string(&py).unwrap();
    let imported = import_dlt(&src, &py, None).unwrap();
    assert_eq!(imported.draft.spec["name"], "seed_000");
    assert_eq!(imported.resources, vec!["resource_name"]);
    assert_eq!(
        imported.found,
        "the first argument of `rest_api_source` at line 4"
    );
}

/// `specs/imported/` holds what `restsource import-dlt` writes for each seed's Python (the TOML
/// `tests/e2e/imported.rs` loads through `include_source!`). Refresh with `RESTSOURCE_BLESS=1`.
#[test]
fn the_checked_in_imported_specs_are_what_import_dlt_writes() {
    let seeds = [
        ("seed_000.py", "analytics"),
        ("seed_001.py", "analytics_typed"),
        ("seed_002.py", "social_media"),
        ("seed_003.py", "oauth_analytics"),
        ("seed_004.py", "inventory"),
    ];
    let bless = std::env::var_os("RESTSOURCE_BLESS").is_some();
    let mut stale = Vec::new();
    for (fixture, name) in seeds {
        let py = root().join("import/tests/fixtures").join(fixture);
        let src = std::fs::read_to_string(&py).unwrap();
        let text = import_dlt(&src, &py, Some(name)).unwrap().to_toml();
        let file = root().join("specs/imported").join(format!("{name}.toml"));
        if bless {
            std::fs::write(&file, &text).unwrap();
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            stale.push(file.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; refresh with `RESTSOURCE_BLESS=1 cargo test -p restsource-import --all-features --test seeds`"
    );
}
