//! The committed `generated/` files compile with warnings denied and hold what their specs
//! say. Kept apart from `tests/generated.rs` so stale files can be refreshed even when they
//! no longer compile.

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
    // The form body of `item_details` (a `data` object in a spec).
    let Some(restsource::runtime::def::DataDef::Form(fields)) = s::ITEM_DETAILS.endpoint.data
    else {
        panic!("item_details has no form body");
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["item", "fields"]);
}
