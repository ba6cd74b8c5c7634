//! Issue 14's compile-time types from the live API: the seed configs as written
//! (`specs/inferred/` holds the same specs as `specs/as_written/`) beside the tables
//! `restsource infer` wrote from the mock (`*.tables.json`). Every field the API sends becomes
//! a typed struct field (nested objects their own structs, lists typed vectors), and loading
//! through those structs still gives exactly dlt's tables. A value that stops fitting its
//! inferred type is kept, and loads as it loads without the file.

use restsource::runtime::record::{Extra, Record};
use restsource_mock::{AuthMode, MockApi, MockConfig, Shape};
use serde_json::json;

use crate::as_written::{assert_conforms, key, load, mock, ours};
use crate::harness::*;

mod specs {
    restsource::include_source!("specs/inferred/analytics.json");
    restsource::include_source!("specs/inferred/analytics_typed.json");
    restsource::include_source!("specs/inferred/social_media.json");
    restsource::include_source!("specs/inferred/inventory.json");
    restsource::include_source!("specs/inferred/oauth_analytics.json");
}
use specs::*;

/// The as-written inventory spec, without a tables file (run-time inference only).
mod untyped {
    restsource::include_source!("specs/as_written/inventory.json");
}

#[tokio::test]
async fn typed_from_the_tables_file_every_seed_still_loads_as_dlt_does() {
    let api = mock(AuthMode::ApiKey).await;
    let base = api.base_url();

    let db = scratch_db("inferred-analytics");
    let src = analytics::Source::new(analytics::Secrets { api_key: key() })
        .with_base_url(&base)
        .with_options(fast_options());
    load(src.extractor(), &analytics::Source::resources(), &db).await;
    assert_conforms("analytics", &db);

    let db = scratch_db("inferred-analytics-typed");
    let src = analytics_typed::Source::new(analytics_typed::Secrets { api_key: key() })
        .with_base_url(&base)
        .with_options(fast_options());
    load(src.extractor(), &analytics_typed::Source::resources(), &db).await;
    assert_conforms("analytics_typed", &db);

    let db = scratch_db("inferred-social");
    let src = social_media::Source::new(social_media::Secrets { api_key: key() })
        .with_base_url(&base)
        .with_options(fast_options());
    load(src.extractor(), &social_media::Source::resources(), &db).await;
    assert_conforms("social_media", &db);

    let db = scratch_db("inferred-inventory");
    let src = inventory::Source::new(inventory::Secrets { api_key: key() })
        .with_base_url(&base)
        .with_options(fast_options());
    load(src.extractor(), &inventory::Source::resources(), &db).await;
    assert_conforms("inventory", &db);
}

#[tokio::test]
async fn typed_oauth_analytics_loads_as_dlt_does() {
    let api = mock(AuthMode::OAuth).await;
    let db = scratch_db("inferred-oauth");
    let src = oauth_analytics::Source::new(oauth_analytics::Secrets {
        client_id: restsource::runtime::secret::Secret::new("client-1"),
        client_secret: restsource::runtime::secret::Secret::new("secret-1"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    load(src.extractor(), &oauth_analytics::Source::resources(), &db).await;
    assert_conforms("oauth_analytics", &db);
}

#[test]
fn every_field_the_api_sent_is_a_typed_field() {
    let record = json!({
        "id": 7, "name": "inventory #7", "updated_at": "2024-01-01T00:07:00Z",
        "quantity": 3, "price": "1.50", "active": true, "ratio": 0.5,
        "created_on": "2024-01-02", "restock_at": "03:15:00", "blob": "AA==",
        "notes": null, "attributes": {"color": "red", "dims": {"w": 1, "h": 2}},
        "tags": ["sale", null]
    });
    let item: inventory::Inventory = serde_json::from_value(record).unwrap();
    // The key is typed too: no longer a JSON column.
    let id: i64 = item.id;
    assert_eq!(id, 7);
    assert_eq!(item.quantity, Some(3));
    assert_eq!(item.ratio, Some(0.5));
    assert_eq!(
        item.updated_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-01-01T00:07:00+00:00")
    );
    let attributes: inventory::InventoryAttributes = item.attributes.clone().unwrap();
    let dims: inventory::InventoryAttributesDims = attributes.dims.unwrap();
    assert_eq!(
        (attributes.color.as_deref(), dims.w, dims.h),
        (Some("red"), Some(1), Some(2))
    );
    assert_eq!(item.tags, Some(vec![Some("sale".to_string()), None]));
    assert!(item.extra.is_empty());
    // The key column is declared by the spec and typed by the file.
    assert_eq!(
        inventory::Inventory::RESOURCE.columns[0].data_type,
        restsource::runtime::def::DataType::Bigint
    );
}

#[test]
fn a_value_that_stops_fitting_is_kept_not_lost_and_not_an_error() {
    let record = json!({
        "id": 8, "ratio": "n/a", "attributes": {"color": 5, "dims": "wide", "new": 1},
        "tags": "none", "warranty_months": 12
    });
    let item: inventory::Inventory = serde_json::from_value(record).unwrap();
    assert_eq!(item.ratio, None);
    assert_eq!(item.tags, None);
    assert_eq!(
        item.extra,
        Extra::from(
            json!({"ratio": "n/a", "tags": "none", "warranty_months": 12})
                .as_object()
                .unwrap()
                .clone()
        )
    );
    let attributes = item.attributes.unwrap();
    assert_eq!((attributes.color, attributes.dims), (None, None));
    assert_eq!(
        attributes.extra,
        Extra::from(
            json!({"color": 5, "dims": "wide", "new": 1})
                .as_object()
                .unwrap()
                .clone()
        )
    );
}

/// The API drifts (a new field, text where a number was): the typed structs load exactly the
/// tables run-time inference loads without the file (the variant column included).
#[tokio::test]
async fn after_the_api_drifts_typed_and_untyped_loads_are_equal() {
    let api = MockApi::start(MockConfig {
        records: 40,
        shape: Shape::Drifted,
        ..MockConfig::default()
    })
    .await;
    let typed_db = scratch_db("inferred-drifted-typed");
    let src = inventory::Source::new(inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &inventory::Source::resources(), &typed_db).await;
    let untyped_db = scratch_db("inferred-drifted-untyped");
    let src = untyped::inventory::Source::new(untyped::inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(
        src.extractor(),
        &untyped::inventory::Source::resources(),
        &untyped_db,
    )
    .await;
    let (typed, untyped) = (ours(&typed_db), ours(&untyped_db));
    let inventory = &typed["inventory"];
    let columns: Vec<&str> = inventory["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(columns.contains(&"ratio__v_text"), "{columns:?}");
    assert!(columns.contains(&"warranty_months"), "{columns:?}");
    assert_eq!(typed, untyped);
}
