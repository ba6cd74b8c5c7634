//! The committed `generated/` files are exactly what the generator produces today (refresh
//! them with `RESTSOURCE_BLESS=1 cargo test --test generated`), and they compile with
//! warnings denied.

use std::path::{Path, PathBuf};

use restsource_codegen::{format_code, generate_tokens, generate_with, Settings};

const REFRESH: &str = "RESTSOURCE_BLESS=1 cargo test --test generated";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every spec in `specs/`, sorted (the JSON Schema of the format is not a spec).
fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("specs"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    (name.ends_with(".json") || name.ends_with(".toml"))
                        && !name.ends_with(".schema.json")
                })
                .collect()
        })
        .unwrap_or_default();
    specs.sort();
    specs
}

/// (committed file, what the generator produces now).
fn expected() -> Vec<(PathBuf, String)> {
    let showcase = restsource_codegen::testing::showcase_source();
    let tokens = generate_tokens(&showcase, &Settings::default()).expect("showcase generates");
    let code = format_code(tokens, Path::new("testing::showcase_source()"), "showcase")
        .expect("showcase formats");
    let mut out = vec![(root().join("generated/showcase.rs"), code)];
    for spec in specs() {
        let generated = generate_with(&spec, &Settings::default())
            .unwrap_or_else(|e| panic!("{} does not generate:\n{e}", spec.display()));
        out.push((
            root()
                .join("generated")
                .join(format!("{}.rs", generated.module)),
            generated.code,
        ));
    }
    out
}

#[test]
fn generated_files_are_fresh() {
    let bless = std::env::var("RESTSOURCE_BLESS").is_ok_and(|v| v == "1");
    let expected = expected();
    let mut stale = Vec::new();
    for (path, code) in &expected {
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if &current != code {
            if bless {
                std::fs::write(path, code).expect("write generated file");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // A generated file whose spec is gone is stale too.
    let wanted: Vec<&PathBuf> = expected.iter().map(|(p, _)| p).collect();
    for entry in std::fs::read_dir(root().join("generated")).expect("generated/ exists") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "rs") && !wanted.contains(&&path) {
            if bless {
                std::fs::remove_file(&path).expect("remove stale file");
            } else {
                stale.push(format!("{} (no spec)", path.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated code is stale: {stale:#?}\nrefresh it with:\n    {REFRESH}"
    );
}

/// The committed files, compiled. `dead_code` is allowed because a test binary uses only a
/// part of each public API; every other warning is an error.
#[deny(warnings)]
#[allow(dead_code)]
mod compiled {
    include!("../generated/showcase.rs");
    include!("../generated/analytics.rs");
    include!("../generated/analytics_typed.rs");
    include!("../generated/social_media.rs");
    include!("../generated/oauth_analytics.rs");
    include!("../generated/inventory.rs");
}

#[test]
fn seed_sources_have_their_resources() {
    use compiled::*;
    let names = |def: &restsource::runtime::def::SourceDef| -> Vec<&str> {
        def.resources.iter().map(|r| r.name).collect()
    };
    assert_eq!(names(&analytics::SOURCE).len(), 1);
    assert_eq!(names(&analytics_typed::SOURCE).len(), 1);
    assert_eq!(names(&social_media::SOURCE).len(), 7);
    assert_eq!(names(&oauth_analytics::SOURCE).len(), 1);
    assert_eq!(
        names(&inventory::SOURCE),
        [
            "stock_summaries",
            "customers",
            "items",
            "stock_details",
            "inventory",
            "orders"
        ]
    );
    let secrets: Vec<&str> = oauth_analytics::SOURCE
        .secrets
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(secrets, ["client_id", "client_secret"]);
}

#[test]
fn showcase_compiles_to_the_expected_constants() {
    use compiled::showcase as s;
    assert_eq!(s::SOURCE.name, "showcase");
    assert_eq!(s::SOURCE.resources.len(), 6);
    assert_eq!(s::ITEMS.primary_key, &["id", "type"]);
    assert_eq!(s::SOURCE_2.name, "source");
    let names: Vec<&str> = s::Source::resources().iter().map(|h| h.def.name).collect();
    // `type` is deselected.
    assert_eq!(names, ["items", "item_details", "source", "new", "offsets"]);
    assert_eq!(
        s::Source::resource("type").map(|h| h.def.table_name),
        Some("type")
    );
    assert!(s::Source::resource("nope").is_none());
}
