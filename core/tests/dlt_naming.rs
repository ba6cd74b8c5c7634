//! restsource's names against dlt 1.31's for a fixed corpus of 480 identifiers (recorded by
//! `fixtures/record_dlt_naming.py`): identifiers, paths, and shortening at PostgreSQL's 63.

use restsource_core::naming::Naming;
use serde_json::Value;

#[test]
fn names_equal_dlts_on_the_recorded_corpus() {
    let text = include_str!("fixtures/dlt_naming.json");
    let rows: Vec<Value> = serde_json::from_str(text).unwrap();
    let pg = Naming::new(63);
    let mut mismatches = Vec::new();
    for row in &rows {
        let input = row["input"].as_str().unwrap();
        let fragments: Vec<String> = input
            .split(' ')
            .filter(|p| !p.trim().is_empty())
            .map(|p| pg.path(p))
            .collect();
        // dlt answers `None` for no fragments at all; restsource never joins none.
        let join63 = (!fragments.is_empty()).then(|| pg.join(&fragments));
        let got = serde_json::json!({
            "input": input,
            "identifier": Naming::UNLIMITED.identifier(input),
            "path": Naming::UNLIMITED.path(input),
            "path63": pg.path(input),
            "join63": join63,
        });
        if &got != row {
            mismatches.push(format!("dlt {row}\n us {got}"));
        }
    }
    assert!(rows.len() >= 480);
    assert!(
        mismatches.is_empty(),
        "{} of {}:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}
