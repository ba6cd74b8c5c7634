//! The committed `generated/` files are exactly what the generator produces today (refresh
//! them with `RESTSOURCE_BLESS=1 cargo test --test generated`); `tests/generated_compiles.rs`
//! compiles them with warnings denied.

use std::path::PathBuf;

use restsource_codegen::{generate_with, Settings};

const REFRESH: &str = "RESTSOURCE_BLESS=1 cargo test --test generated";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every spec in `dir`, sorted (the JSON Schema of the format and the inferred tables files
/// beside specs are not specs).
fn specs_in(dir: &str) -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    (name.ends_with(".json") || name.ends_with(".toml"))
                        && !name.ends_with(".schema.json")
                        && !name.ends_with(".tables.json")
                })
                .collect()
        })
        .unwrap_or_default();
    specs.sort();
    specs
}

/// The example specs in `specs/`, then the fixtures kept beside their output in `generated/`
/// (`showcase.json`, which exercises every generator feature).
fn specs() -> Vec<PathBuf> {
    let mut specs = specs_in("specs");
    specs.extend(specs_in("generated"));
    specs
}

/// (committed file, what the generator produces now).
fn expected() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
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
