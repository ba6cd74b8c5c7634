//! Issue 14's compile-time types from the live API: the seed configs as written
//! (`specs/inferred/` holds the same specs as `specs/as_written/`) beside the tables
//! `restsource infer` wrote from the mock (`*.tables.json`). Every field the API sends becomes
//! a typed struct field (nested objects their own structs, lists typed vectors), and loading
//! through those structs still gives exactly dlt's tables. A value that stops fitting its
//! inferred type is kept, and loads as it loads without the file.

use restsource::runtime::extract::ResourceHandle;
use restsource::runtime::record::{Extra, Record};
use restsource_mock::{AuthMode, MockApi, MockConfig, Shape};
use serde_json::json;

use crate::as_written::{assert_conforms, key, load, load_with, mock, ours};
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

/// A record of `R` that declines its typed rows: relational loading flattens its JSON form
/// (the general path), as it does for a struct without generated rows.
#[derive(restsource::runtime::serde::Serialize, restsource::runtime::serde::Deserialize)]
#[serde(crate = "restsource::runtime::serde", transparent)]
struct General<R>(R);

impl<R: Record> Record for General<R> {
    const RESOURCE: &'static restsource::runtime::def::ResourceDef = R::RESOURCE;
    type Key = R::Key;
    const PARENT: Option<fn() -> ResourceHandle> = R::PARENT;
    fn key(&self) -> Self::Key {
        self.0.key()
    }
    fn write_row(&self, row: &mut dyn restsource::runtime::record::RowWriter) {
        self.0.write_row(row)
    }
    fn set_extra(&mut self, key: String, value: serde_json::Value) {
        self.0.set_extra(key, value)
    }
    fn lookup(&self, path: &[restsource::runtime::def::PathStep]) -> Option<serde_json::Value> {
        self.0.lookup(path)
    }
    fn cursor(&self) -> Option<restsource::runtime::record::Cursor<'_>> {
        self.0.cursor()
    }
}

/// Rows written straight from the typed structs (`Record::write_tables`) land in exactly the
/// tables, columns, types and values the general path gives the same records (their JSON form
/// flattened), for merges with child tables and nested objects, and where drifted records mix
/// both paths in one run; and the
/// structs do write them (the mock's wide records have no field the tables file lacks).
#[tokio::test]
async fn rows_written_from_the_structs_equal_the_flattened_records() {
    use inventory::{Customers, Inventory, Items, Orders, StockDetails, StockSummaries};
    use restsource::runtime::record::{RowWriter, TableRows};

    /// Counts the rows a record writes.
    #[derive(Default)]
    struct Count(usize);
    impl RowWriter for Count {
        fn null(&mut self) {}
        fn bool(&mut self, _: bool) {}
        fn i64(&mut self, _: i64) {}
        fn f64(&mut self, _: f64) {}
        fn text(&mut self, _: &str) {}
        fn bytes(&mut self, _: &[u8]) {}
        fn json(&mut self, _: &serde_json::Value) {}
        fn timestamp(&mut self, _: &chrono::DateTime<chrono::Utc>) {}
        fn date(&mut self, _: &chrono::NaiveDate) {}
        fn time(&mut self, _: &chrono::NaiveTime) {}
        fn decimal(&mut self, _: &rust_decimal::Decimal) {}
        fn extras(&mut self, _: &Extra) {}
    }
    impl TableRows for Count {
        fn row(&mut self) -> &mut dyn RowWriter {
            self
        }
        fn child(&mut self, _: usize, _: usize) {
            self.0 += 1;
        }
        fn end_child(&mut self) {}
    }
    let record: StockSummaries = serde_json::from_value(json!({
        "id": 1, "name": "a", "quantity": 2, "updated_at": "2024-01-01T00:00:00Z",
        "price": "1.50", "active": true, "ratio": 0.5, "created_on": "2024-01-01",
        "restock_at": "10:00:00", "blob": "AAE=", "notes": null,
        "attributes": {"color": "red", "dims": {"w": 1, "h": 2}}, "tags": ["x", "y"]
    }))
    .unwrap();
    let mut count = Count::default();
    assert!(
        record.write_tables(&mut count),
        "the typed rows were declined"
    );
    assert_eq!(count.0, 2, "a child row per tag");
    let drifted: StockSummaries =
        serde_json::from_value(json!({"id": 1, "warranty_months": 3})).unwrap();
    assert!(!drifted.write_tables(&mut Count::default()));

    // Wide records all take the typed path; drifted ones mix it with the general path
    // (every even record's text `ratio` goes to a variant column, a new field to a column).
    // Six pages per resource: the flattening thread writes later pages into the records the
    // writer sent back.
    for shape in [Shape::Wide, Shape::Drifted] {
        let api = MockApi::start(MockConfig {
            records: 600,
            shape,
            ..MockConfig::default()
        })
        .await;
        let src = inventory::Source::new(inventory::Secrets { api_key: key() })
            .with_base_url(api.base_url())
            .with_options(fast_options());
        let typed_db = scratch_db("typed-rows-typed");
        load(src.extractor(), &inventory::Source::resources(), &typed_db).await;
        let general_db = scratch_db("typed-rows-general");
        let general = [
            ResourceHandle::of::<General<StockSummaries>>(),
            ResourceHandle::of::<General<Customers>>(),
            ResourceHandle::of::<General<Items>>(),
            ResourceHandle::of::<General<StockDetails>>(),
            ResourceHandle::of::<General<Inventory>>(),
            ResourceHandle::of::<General<Orders>>(),
        ];
        load(src.extractor(), &general, &general_db).await;
        // Written ahead of the writer, on the flattening thread (values converted to their
        // columns' types there), as `source_main!` programs load.
        let ahead_db = scratch_db("typed-rows-ahead");
        load_with(
            src.extractor(),
            &inventory::Source::resources(),
            &ahead_db,
            true,
        )
        .await;
        let (typed, general) = (ours(&typed_db), ours(&general_db));
        assert_eq!(typed.len(), 12, "{shape:?}: {:?}", typed.keys());
        assert_eq!(typed, general, "{shape:?}");
        assert_eq!(ours(&ahead_db), general, "{shape:?}, written ahead");
        // `ours` compares ids by where they point; their values follow dlt's rule too.
        let children: usize = typed
            .iter()
            .filter(|(name, _)| name.ends_with("__tags"))
            .map(|(_, t)| t["rows"].as_array().unwrap().len())
            .sum();
        assert!(children > 0);
        assert_eq!(
            child_ids(&typed_db),
            children,
            "{shape:?}: child rows checked"
        );
        assert_eq!(
            child_ids(&ahead_db),
            children,
            "{shape:?}: child rows written ahead checked"
        );
    }
}

/// Checks every child row's ids against dlt's rules (`_dlt_id` the digest of its parent's id,
/// its table and its index; `_dlt_root_id` its root's, here its parent's); returns how many
/// child rows it checked.
fn child_ids(db: &std::path::Path) -> usize {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_\\_tags' ESCAPE '\\'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut checked = 0;
    for table in tables {
        let sql = format!(
            r#"SELECT "_dlt_parent_id", "_dlt_list_idx", "_dlt_id", "_dlt_root_id" FROM "{table}""#
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (parent, index, id, root) = row.unwrap();
            let want = restsource_core::naming::digest128(&format!("{parent}_{table}_{index}"));
            assert_eq!(id, want, "{table}: the id of row {index} of {parent}");
            assert_eq!(root, parent, "{table}: root id");
            checked += 1;
        }
    }
    checked
}
