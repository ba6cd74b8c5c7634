//! Big specs stay valid and correctly judged: long parent chains (in any spec order), a cycle
//! at the end of a long chain, thousands of columns. Timing is measured by
//! `bench/src/bin/validate_scale.rs`, not here; these check the results, and that nothing
//! recurses once per chain level (they run in debug builds, with the test thread's stack).

use restsource_spec::{load_str, Format};

/// Resource `r_i` (i > 0) is a child of `r_{i-1}`; `parent_of` overrides a resource's parent.
/// One resource per line, listed in `order`.
fn chain(
    n: usize,
    order: impl Iterator<Item = usize>,
    parent_of: &dyn Fn(usize) -> Option<usize>,
) -> String {
    let mut lines = Vec::new();
    for i in order {
        lines.push(match parent_of(i) {
            None => format!(r#"{{"name": "r_{i}", "endpoint": "r_{i}"}}"#),
            Some(p) => {
                format!(r#"{{"name": "r_{i}", "endpoint": "r_{p}/{{resources.r_{p}.id}}/r_{i}"}}"#)
            }
        });
    }
    assert_eq!(lines.len(), n);
    format!(
        "{{\"client\": {{\"base_url\": \"https://api.example.com\"}},\n\"resources\": [\n{}\n]}}\n",
        lines.join(",\n")
    )
}

#[test]
fn a_3000_resource_chain_listed_children_first_resolves_parents_first() {
    let n = 3000;
    let text = chain(n, (0..n).rev(), &|i| i.checked_sub(1));
    let loaded = match load_str(&text, "chain.json", Format::Json) {
        Ok(l) => l,
        Err(d) => panic!("{}", d.0[0]),
    };
    let order: Vec<String> = loaded
        .resolved
        .resources
        .iter()
        .map(|r| r.def.name.clone())
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("r_{i}")).collect();
    assert_eq!(order, expected);
    let parents: Vec<Option<String>> = loaded
        .resolved
        .resources
        .iter()
        .map(|r| r.def.parent.as_ref().map(|p| p.resource.clone()))
        .collect();
    let expected: Vec<Option<String>> = (0..n)
        .map(|i| i.checked_sub(1).map(|p| format!("r_{p}")))
        .collect();
    assert_eq!(parents, expected);
}

#[test]
fn cycles_in_a_3000_resource_chain_are_each_reported_once_where_they_start() {
    // r_1 needs itself (so r_2.. hang below a cycle), and r_2997 needs r_2999, which needs
    // r_2998, which needs r_2997.
    let n = 3000;
    let text = chain(n, 0..n, &|i| match i {
        0 => None,
        1 => Some(1),
        2997 => Some(2999),
        _ => Some(i - 1),
    });
    let d = match load_str(&text, "chain.json", Format::Json) {
        Ok(_) => panic!("a cycle was accepted"),
        Err(d) => d.0,
    };
    let got: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        got,
        vec![
            "chain.json:4:29: nodes are in a cycle: r_1 -> r_1 (help: parent references must not form a cycle)",
            "chain.json:3000:32: nodes are in a cycle: r_2997 -> r_2999 -> r_2998 -> r_2997 (help: parent references must not form a cycle)",
        ]
    );
}

#[test]
fn a_resource_with_5000_columns_resolves_every_column_in_order() {
    let n = 5000;
    let columns: Vec<String> = (0..n)
        .map(|i| format!(r#""c_{i}": {{"data_type": "bigint"}}"#))
        .collect();
    let text = format!(
        r#"{{"client": {{"base_url": "https://api.example.com"}},
"resource_defaults": {{"columns": {{"c_7": {{"nullable": false}}}}}},
"resources": [{{"name": "wide", "columns": {{{}}}}}]}}"#,
        columns.join(",\n")
    );
    let loaded = match load_str(&text, "wide.json", Format::Json) {
        Ok(l) => l,
        Err(d) => panic!("{}", d.0[0]),
    };
    let cols = &loaded.resolved.resources[0].def.columns;
    // The defaults' column comes first and takes the resource's hints merged over its own.
    let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
    let mut expected = vec!["c_7".to_string()];
    expected.extend((0..n).filter(|&i| i != 7).map(|i| format!("c_{i}")));
    assert_eq!(names, expected);
    assert!(!cols[0].def.nullable);
    assert!(cols[1].def.nullable);
    assert!(cols
        .iter()
        .all(|c| c.def.data_type == restsource_spec::resolved::DataType::Bigint));
}

#[test]
fn a_duplicate_key_among_5000_columns_is_still_found() {
    let mut columns: Vec<String> = (0..5000).map(|i| format!(r#""c_{i}": {{}}"#)).collect();
    columns.push(r#""c_4321": {}"#.into());
    let text = format!(
        "{{\"client\": {{\"base_url\": \"https://api.example.com\"}},\n\"resources\": [{{\"name\": \"wide\", \"columns\": {{\n{}\n}}}}]}}",
        columns.join(",\n")
    );
    let d = match load_str(&text, "wide.json", Format::Json) {
        Ok(_) => panic!("a duplicate key was accepted"),
        Err(d) => d.0,
    };
    let got: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        got,
        vec!["wide.json:5003:1: invalid JSON: duplicate key `c_4321`"]
    );
}
