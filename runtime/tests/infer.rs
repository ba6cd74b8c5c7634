//! Sampling an API without record types and inferring its tables (`restsource infer`): what
//! a sample fetches, the tables file it writes, and the differences `--check` reports.

mod common_extract;

use common_extract::*;
use futures::StreamExt;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor, ResourceHandle, StartState};
use restsource_runtime::infer::{sample, Difference, TablesFile};
use restsource_runtime::normalize::SystemColumns;
use serde_json::{json, Value};

const ITEMS: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        paginator: offset_until_empty(2),
        ..ENDPOINT
    },
    ..RESOURCE
};

const DETAILS: ResourceDef = ResourceDef {
    name: "details",
    table_name: "details",
    endpoint: EndpointDef {
        path: Template(&[
            TemplatePart::Lit("items/"),
            TemplatePart::Parent(&[PathStep::key("id")]),
            TemplatePart::Lit("/details"),
        ]),
        ..ENDPOINT
    },
    primary_key: &[],
    columns: &[],
    parent: Some(ParentDef {
        resource: &ITEMS,
        include_from_parent: &["name"],
    }),
    ..RESOURCE
};

static SRC: SourceDef = SourceDef {
    resources: &[&ITEMS, &DETAILS],
    ..SOURCE
};

/// An item as the API of the first tests sends it.
fn item(id: i64) -> Value {
    json!({"id": id, "name": format!("n{id}"), "attrs": {"color": "red", "size": id},
           "tags": ["a", "b"], "price": 1.5, "created": format!("2024-01-{id:02}T00:00:00Z")})
}

/// Serves 5 pages of 2 items (`make` builds each) at `/items`, and 1 detail per item.
async fn api(make: fn(i64) -> Value) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    serve(move |seen, _| {
        let url = url::Url::parse(&format!("http://x{}", seen.uri)).unwrap();
        if let Some(rest) = url.path().strip_prefix("/items/") {
            let id: i64 = rest.trim_end_matches("/details").parse().unwrap();
            return json(json!({"data": [{"item": id, "ok": true}]}));
        }
        let offset: i64 = url
            .query_pairs()
            .find(|(k, _)| k == "offset")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        let data: Vec<Value> = (offset + 1..=(offset + 2).min(10)).map(make).collect();
        json(json!({ "data": data }))
    })
    .await
}

fn extractor(base: &str, pages: u64) -> Extractor {
    Extractor::new(&SRC, Default::default())
        .with_base_url(base)
        .with_options(ExtractOptions {
            max_pages: Some(pages),
            ..options()
        })
}

const ITEMS_TABLES: &str = r#"{
  "format": "restsource-tables/2",
  "source": "test",
  "resources": [
    {
      "name": "items",
      "tables": [
        {
          "name": "items",
          "columns": [
            {"name": "id", "data_type": "bigint", "nullable": false, "path": ["id"]},
            {"name": "name", "data_type": "text", "nullable": true, "path": ["name"]},
            {"name": "price", "data_type": "double", "nullable": true, "path": ["price"]},
            {"name": "created", "data_type": "timestamp", "nullable": true, "path": ["created"]},
            {"name": "attrs__color", "data_type": "text", "nullable": true, "path": ["attrs", "color"]},
            {"name": "attrs__size", "data_type": "bigint", "nullable": true, "path": ["attrs", "size"]}
          ]
        },
        {
          "name": "items__tags",
          "parent": "items",
          "path": ["tags"],
          "columns": [
            {"name": "value", "data_type": "text", "nullable": true, "path": []}
          ]
        }
      ]
    }
  ]
}
"#;

#[tokio::test]
async fn a_sample_fetches_n_pages_and_infers_the_tables_a_load_would_create() {
    let (base, log) = api(item).await;
    let ex = extractor(&base, 2);
    let mut file = TablesFile::new("test");
    let seen = sample(
        &ex,
        &[ResourceHandle::json(&ITEMS)],
        SystemColumns::RESTSOURCE,
        &mut file,
    )
    .await
    .unwrap();
    assert_eq!(
        uris(&log),
        ["/items?offset=0&limit=2", "/items?offset=2&limit=2"]
    );
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].0, seen[0].1.pages, seen[0].1.records),
        ("items", 2, 4)
    );
    let text = file.to_text(&SystemColumns::RESTSOURCE);
    assert_eq!(text, ITEMS_TABLES);
    // The file reads back to the same text.
    let back = TablesFile::from_text(&text).unwrap();
    assert_eq!(back.to_text(&SystemColumns::RESTSOURCE), ITEMS_TABLES);
}

#[tokio::test]
async fn a_check_finds_nothing_when_the_data_still_fits() {
    let (base, _) = api(item).await;
    let committed = TablesFile::from_text(ITEMS_TABLES).unwrap();
    let mut sampled = committed.clone();
    sample(
        &extractor(&base, 5),
        &[ResourceHandle::json(&ITEMS)],
        SystemColumns::RESTSOURCE,
        &mut sampled,
    )
    .await
    .unwrap();
    assert_eq!(
        committed.differences(&sampled, &SystemColumns::RESTSOURCE),
        []
    );
}

fn changed(id: i64) -> Value {
    let mut v = item(id);
    if id == 3 {
        v["weight"] = json!(2.5);
        v["attrs"]["size"] = json!("large");
        v["owners"] = json!([{"login": "ann"}]);
    }
    v
}

#[tokio::test]
async fn a_check_names_a_new_field_a_new_list_and_a_changed_type() {
    let (base, _) = api(changed).await;
    let committed = TablesFile::from_text(ITEMS_TABLES).unwrap();
    let mut sampled = committed.clone();
    sample(
        &extractor(&base, 5),
        &[ResourceHandle::json(&ITEMS)],
        SystemColumns::RESTSOURCE,
        &mut sampled,
    )
    .await
    .unwrap();
    let diffs = committed.differences(&sampled, &SystemColumns::RESTSOURCE);
    let shown: Vec<String> = diffs.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "resource `items`, table `items`: new column `weight` (double)",
            "resource `items`, table `items`: column `attrs__size` is bigint in the file, but the API sent text values",
            "resource `items`: new table `items__owners`",
        ]
    );
    assert!(matches!(diffs[1], Difference::TypeChanged { .. }));
}

#[tokio::test]
async fn a_child_samples_through_its_parent_with_json_records() {
    let (base, log) = api(item).await;
    let ex = extractor(&base, 1);
    let mut file = TablesFile::new("test");
    let seen = sample(
        &ex,
        &[ResourceHandle::json(&DETAILS)],
        SystemColumns::RESTSOURCE,
        &mut file,
    )
    .await
    .unwrap();
    // One page of the parent (2 items), one detail request per item.
    assert_eq!(
        uris(&log),
        [
            "/items?offset=0&limit=2",
            "/items/1/details",
            "/items/2/details"
        ]
    );
    assert_eq!(
        (seen[0].0, seen[0].1.pages, seen[0].1.records),
        ("details", 2, 2)
    );
    let details = file.schema("details").unwrap();
    let columns: Vec<(&str, &str)> = details.tables()[0]
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.name()))
        .filter(|(n, _)| !n.starts_with("_rs_"))
        .collect();
    assert_eq!(
        columns,
        [("item", "bigint"), ("ok", "bool"), ("_items_name", "text")]
    );
    assert!(file.schema("items").is_none());
}

#[tokio::test]
async fn a_pipeline_refuses_json_records_rather_than_dropping_them() {
    let (base, _) = api(item).await;
    let ex = extractor(&base, 1);
    let mut events = ex.run(&[ResourceHandle::json(&ITEMS)], StartState::new());
    let err = loop {
        match events.next().await {
            Some(Err(e)) => break e.to_string(),
            Some(Ok(_)) => continue,
            None => panic!("no error"),
        }
    };
    assert!(err.contains("no record type to load them with"), "{err}");
}

#[test]
fn a_file_of_another_format_is_refused() {
    let err = TablesFile::from_text(r#"{"format": "x", "source": "s", "resources": []}"#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "missing or unknown `format`; expected a file written by `restsource infer` (format `restsource-tables/2`)"
    );
}
