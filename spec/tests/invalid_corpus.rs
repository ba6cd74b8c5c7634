//! One invalid spec per error class under `tests/invalid/`, each with the exact rendered
//! diagnostics in `<file>.expected` (message, line, column, snippet, help). Set
//! `RESTSOURCE_BLESS=1` to rewrite the expected files after a deliberate change.

use restsource_spec::load;
use std::path::{Path, PathBuf};

fn specs() -> Vec<PathBuf> {
    let dir = Path::new("tests/invalid");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "expected"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_invalid_spec_reports_exactly_the_expected_diagnostics() {
    // Paths relative to the package root (cargo's working directory for tests) keep the
    // rendered file names stable.
    let bless = std::env::var_os("RESTSOURCE_BLESS").is_some();
    let mut mismatches = Vec::new();
    let files = specs();
    assert!(files.len() >= 29, "{files:?}");
    for f in files {
        let rendered = match load(&f) {
            Ok(_) => format!("unexpectedly valid: {}\n", f.display()),
            Err(d) => d.to_string() + "\n",
        };
        let expected_path = PathBuf::from(format!("{}.expected", f.display()));
        if bless {
            std::fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != rendered {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{rendered}",
                f.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
