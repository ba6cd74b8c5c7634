//! The macro and build.rs produce the same code for every seed spec.

use std::path::{Path, PathBuf};

use restsource::runtime::def::{ResourceDef, SourceDef};
use restsource::runtime::record::Record;
use restsource_buildrs_test::{from_build_rs, from_macro, BUILD_RS_OUTPUT};
use restsource_codegen::{format_code, generate_file, include_source, Settings};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn macro_expansion_formats_to_the_build_rs_file() {
    assert_eq!(BUILD_RS_OUTPUT.len(), 5);
    for (spec, written) in BUILD_RS_OUTPUT {
        let rel = format!("../../specs/{spec}");
        let expansion = include_source(
            &manifest_dir(),
            &rel,
            proc_macro2::Span::call_site(),
            &Settings::default(),
        );
        assert!(expansion.error.is_none(), "{spec}: {:?}", expansion.error);
        let code = expansion.code.expect("valid seed");
        let formatted = format_code(code, Path::new(spec), spec).expect("formats");
        assert_eq!(&formatted, written, "{spec}: macro and build.rs differ");
        let cli = generate_file(&manifest_dir().join(&rel)).expect("generates");
        assert_eq!(&cli, written, "{spec}: generate_file and build.rs differ");
        // The expansion tracks the spec so editing it rebuilds.
        let tracking = expansion.tracking.to_string();
        assert!(tracking.contains("include_bytes"), "{tracking}");
        assert!(tracking.contains(&format!("specs/{spec}")), "{tracking}");
    }
}

fn same_source(a: &SourceDef, b: &SourceDef) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.base_url, b.base_url);
    assert_eq!(a.auth, b.auth);
    assert_eq!(a.secrets, b.secrets);
    assert_eq!(a.resources.len(), b.resources.len());
    for (x, y) in a.resources.iter().zip(b.resources) {
        same_resource(x, y);
    }
}

fn same_resource(a: &ResourceDef, b: &ResourceDef) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.table_name, b.table_name);
    assert_eq!(a.columns, b.columns);
    assert_eq!(a.primary_key, b.primary_key);
    assert_eq!(a.write, b.write);
    assert_eq!(a.endpoint.paginator, b.endpoint.paginator);
    assert_eq!(a.endpoint.data_selector, b.endpoint.data_selector);
    assert_eq!(a.retry, b.retry);
    assert_eq!(a.sql, b.sql);
}

#[test]
fn both_routes_compile_to_the_same_constants() {
    same_source(
        &from_macro::analytics::SOURCE,
        &from_build_rs::analytics::SOURCE,
    );
    same_source(
        &from_macro::analytics_typed::SOURCE,
        &from_build_rs::analytics_typed::SOURCE,
    );
    same_source(
        &from_macro::social_media::SOURCE,
        &from_build_rs::social_media::SOURCE,
    );
    same_source(
        &from_macro::oauth_analytics::SOURCE,
        &from_build_rs::oauth_analytics::SOURCE,
    );
    same_source(
        &from_macro::inventory::SOURCE,
        &from_build_rs::inventory::SOURCE,
    );
}

#[test]
fn macro_records_decode_pages_and_keep_undeclared_fields() {
    use restsource::runtime::def::PathStep;
    use restsource::runtime::serde_json::json;

    let body = br#"{"data": [{"id": 7, "name": "bolt", "color": "red"}], "total": 1}"#;
    let records = restsource::runtime::select::decode_page::<from_macro::inventory::Items>(body)
        .expect("decodes");
    assert_eq!(records.len(), 1);
    let item = &records[0];
    assert_eq!(item.id, 7);
    assert_eq!(item.name.as_deref(), Some("bolt"));
    assert_eq!(item.quantity, None);
    assert_eq!(item.extra.get("color"), Some(json!("red")));
    assert_eq!(item.extra.as_json(), Some(r#"{"color":"red"}"#));
    assert_eq!(item.key(), (7,));
    assert_eq!(item.lookup(&[PathStep::key("id")]), Some(json!(7)));
    assert_eq!(item.lookup(&[PathStep::key("color")]), Some(json!("red")));
    assert_eq!(item.lookup(&[PathStep::key("missing")]), None);
    // Round trip: undeclared fields come back out.
    let value = restsource::runtime::serde_json::to_value(item).expect("serializes");
    assert_eq!(value["color"], json!("red"));
    assert_eq!(
        <from_build_rs::inventory::Orders as Record>::RESOURCE.table_name,
        "orders"
    );
}
