//! Issue 14's conformance check: each seed config exactly as its document writes it (no
//! `columns`; `specs/as_written/`), loaded relationally with dlt's names from the mock API,
//! gives the tables dlt 1.31 gives from the same config and API (`fixtures/dlt_seeds.json`,
//! recorded by `fixtures/record_dlt_seeds.py`): the same table names and parents, the same
//! columns in the same order with the same types and nullability, and every row equal.
//! dlt's random row ids are compared as the stable paths the recorder writes (`id=<id>` for a
//! root row, `<parent path>/<index>` for a child row).

use std::collections::{BTreeMap, HashMap};

use restsource::runtime::chrono;
use std::path::Path;

use restsource::runtime::def::TablesMode;
use restsource::runtime::extract::{Extractor, ResourceHandle};
use restsource::runtime::secret::Secret;
use restsource::{Destination, Pipeline, PipelineOptions};
use restsource_mock::{AuthMode, MockApi, MockConfig};
use serde_json::{json, Map, Value};

use crate::harness::*;

mod specs {
    restsource::include_source!("specs/as_written/analytics.json");
    restsource::include_source!("specs/as_written/analytics_typed.json");
    restsource::include_source!("specs/as_written/social_media.json");
    restsource::include_source!("specs/as_written/inventory.json");
    restsource::include_source!("specs/as_written/oauth_analytics.json");
}

/// The recorder's record count per resource.
const RECORDS: usize = 40;

pub(crate) async fn mock(auth: AuthMode) -> MockApi {
    MockApi::start(MockConfig {
        records: RECORDS,
        analytics_auth: auth,
        ..MockConfig::default()
    })
    .await
}

pub(crate) fn key() -> Secret {
    Secret::new("test-key")
}

pub(crate) async fn load(extractor: &Extractor, handles: &[ResourceHandle], db: &Path) {
    load_with(extractor, handles, db, false).await;
}

/// [`load`], with the records flattened ahead of the writer when `ahead`.
pub(crate) async fn load_with(
    extractor: &Extractor,
    handles: &[ResourceHandle],
    db: &Path,
    ahead: bool,
) {
    let destination = Destination::from_url(&format!("sqlite:{}", db.display())).unwrap();
    Pipeline::new(destination)
        .with_options(PipelineOptions {
            progress: false,
            tables: Some(TablesMode::Dlt),
            flatten_ahead: ahead,
            ..PipelineOptions::default()
        })
        .run_handles(extractor, handles)
        .await
        .expect("run");
}

/// Records flattened on a thread of their own, ahead of the writer (what `source_main!`
/// programs do with mimalloc), give dlt's tables too: the seeds with nested objects, child
/// tables and lists of lists.
#[tokio::test]
async fn seeds_flattened_ahead_of_the_writer_load_as_dlt_does() {
    use specs::{analytics, inventory, social_media};
    let api = mock(AuthMode::ApiKey).await;
    let analytics = analytics::Source::new(analytics::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    let social = social_media::Source::new(social_media::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    let inventory = inventory::Source::new(inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    let runs = [
        (
            "analytics",
            analytics.extractor(),
            analytics::Source::resources(),
        ),
        (
            "social_media",
            social.extractor(),
            social_media::Source::resources(),
        ),
        (
            "inventory",
            inventory.extractor(),
            inventory::Source::resources(),
        ),
    ];
    for (seed, extractor, handles) in runs {
        let db = scratch_db(&format!("as-written-ahead-{seed}"));
        load_with(extractor, &handles, &db, true).await;
        assert_conforms(seed, &db);
    }
}

/// A timestamp as an instant, whatever its spelling (`Z` or `+00:00`).
fn instant(v: &Value) -> Value {
    match v
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    {
        Some(t) => json!(t.timestamp_micros()),
        None => v.clone(),
    }
}

/// Every table of the database as the recorder writes dlt's: by name, with parent, columns
/// and rows (ids as stable paths, load ids as `L`, timestamps as instants).
pub(crate) fn ours(db: &Path) -> BTreeMap<String, Value> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(r#"SELECT "schema" FROM "_rs_schema""#)
        .unwrap();
    let schemas: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut stable: HashMap<String, String> = HashMap::new();
    let mut out = BTreeMap::new();
    for schema in schemas {
        let schema: Value = serde_json::from_str(&schema).unwrap();
        for table in schema["tables"].as_array().unwrap() {
            let name = table["name"].as_str().unwrap();
            let columns: Vec<(String, String, bool)> = table["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap().to_string(),
                        c["data_type"].as_str().unwrap().to_string(),
                        c["nullable"].as_bool().unwrap(),
                    )
                })
                .collect();
            let list: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.0)).collect();
            let sql = format!("SELECT {} FROM \"{name}\"", list.join(", "));
            let mut stmt = conn.prepare(&sql).unwrap();
            let raw: Vec<Map<String, Value>> = stmt
                .query_map([], |r| {
                    let mut row = Map::new();
                    for (i, (c, t, _)) in columns.iter().enumerate() {
                        let v = match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => continue,
                            rusqlite::types::ValueRef::Integer(n) if t == "bool" => json!(n != 0),
                            rusqlite::types::ValueRef::Integer(n) => json!(n),
                            rusqlite::types::ValueRef::Real(f) => json!(f),
                            rusqlite::types::ValueRef::Text(s) => {
                                let s = String::from_utf8_lossy(s).into_owned();
                                match t.as_str() {
                                    "json" => serde_json::from_str(&s).unwrap(),
                                    _ => json!(s),
                                }
                            }
                            rusqlite::types::ValueRef::Blob(_) => json!("<blob>"),
                        };
                        row.insert(c.clone(), v);
                    }
                    Ok(row)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut rows = Vec::new();
            for row in &raw {
                let path = match row.get("_dlt_parent_id") {
                    Some(parent) => format!(
                        "{}/{}",
                        stable[parent.as_str().unwrap()],
                        row["_dlt_list_idx"]
                    ),
                    None => format!("id={}", row["id"]),
                };
                stable.insert(row["_dlt_id"].as_str().unwrap().to_string(), path);
            }
            for row in raw {
                let mut out_row = Map::new();
                for (c, t, _) in &columns {
                    let Some(v) = row.get(c) else { continue };
                    let v = match (c.as_str(), t.as_str()) {
                        ("_dlt_id" | "_dlt_parent_id" | "_dlt_root_id", _) => {
                            json!(stable[v.as_str().unwrap()])
                        }
                        ("_dlt_load_id", _) => json!("L"),
                        (_, "timestamp") => instant(v),
                        _ => v.clone(),
                    };
                    out_row.insert(c.clone(), v);
                }
                rows.push(Value::Object(out_row));
            }
            rows.sort_by(|a, b| a["_dlt_id"].as_str().cmp(&b["_dlt_id"].as_str()));
            let columns: Vec<Value> = columns
                .iter()
                .map(|(n, t, nullable)| json!({"name": n, "type": t, "nullable": nullable}))
                .collect();
            out.insert(
                name.to_string(),
                json!({"name": name, "parent": table["parent"], "columns": columns, "rows": rows}),
            );
        }
    }
    out
}

/// dlt's recorded tables of `seed`, timestamps as instants.
fn dlts(seed: &str) -> BTreeMap<String, Value> {
    let all: Value = serde_json::from_str(include_str!("fixtures/dlt_seeds.json")).unwrap();
    let mut out = BTreeMap::new();
    for table in all[seed].as_array().unwrap() {
        let mut table = table.clone();
        let types: Vec<(String, String)> = table["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().into(),
                    c["type"].as_str().unwrap().into(),
                )
            })
            .collect();
        for row in table["rows"].as_array_mut().unwrap() {
            for (c, t) in &types {
                if t == "timestamp" {
                    if let Some(v) = row.get_mut(c) {
                        *v = instant(v);
                    }
                }
            }
        }
        out.insert(table["name"].as_str().unwrap().to_string(), table);
    }
    out
}

pub(crate) fn assert_conforms(seed: &str, db: &Path) {
    let (want, got) = (dlts(seed), ours(db));
    assert!(!want.is_empty());
    let names = |m: &BTreeMap<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want), "{seed}: tables");
    for (name, table) in &want {
        let mine = &got[name];
        assert_eq!(mine["parent"], table["parent"], "{seed}: parent of {name}");
        assert_eq!(
            mine["columns"], table["columns"],
            "{seed}: columns of {name}"
        );
        let (a, b) = (
            mine["rows"].as_array().unwrap(),
            table["rows"].as_array().unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{seed}: rows of {name}");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{seed}: a row of {name}");
        }
    }
}

/// The five seed conformance tests for the specs `include_source!` put in module `$specs` (one
/// per seed, named as the seed's spec is), each loading into a scratch database `$db-<seed>`.
macro_rules! seed_conformance {
    ($specs:ident, $db:literal) => {
        #[tokio::test]
        async fn analytics_loads_as_dlt_does() {
            use $specs::analytics;
            let api = $crate::as_written::mock(AuthMode::ApiKey).await;
            let db = scratch_db(concat!($db, "-analytics"));
            let src = analytics::Source::new(analytics::Secrets { api_key: key() })
                .with_base_url(api.base_url())
                .with_options(fast_options());
            load(src.extractor(), &analytics::Source::resources(), &db).await;
            assert_conforms("analytics", &db);
        }

        #[tokio::test]
        async fn analytics_typed_loads_as_dlt_does() {
            use $specs::analytics_typed;
            let api = $crate::as_written::mock(AuthMode::ApiKey).await;
            let db = scratch_db(concat!($db, "-analytics-typed"));
            let src = analytics_typed::Source::new(analytics_typed::Secrets { api_key: key() })
                .with_base_url(api.base_url())
                .with_options(fast_options());
            load(src.extractor(), &analytics_typed::Source::resources(), &db).await;
            assert_conforms("analytics_typed", &db);
        }

        #[tokio::test]
        async fn social_media_loads_as_dlt_does() {
            use $specs::social_media;
            let api = $crate::as_written::mock(AuthMode::ApiKey).await;
            let db = scratch_db(concat!($db, "-social"));
            let src = social_media::Source::new(social_media::Secrets { api_key: key() })
                .with_base_url(api.base_url())
                .with_options(fast_options());
            load(src.extractor(), &social_media::Source::resources(), &db).await;
            assert_conforms("social_media", &db);
        }

        #[tokio::test]
        async fn inventory_loads_as_dlt_does() {
            use $specs::inventory;
            let api = $crate::as_written::mock(AuthMode::ApiKey).await;
            let db = scratch_db(concat!($db, "-inventory"));
            let src = inventory::Source::new(inventory::Secrets { api_key: key() })
                .with_base_url(api.base_url())
                .with_options(fast_options());
            load(src.extractor(), &inventory::Source::resources(), &db).await;
            assert_conforms("inventory", &db);
        }

        #[tokio::test]
        async fn oauth_analytics_loads_as_dlt_does() {
            use $specs::oauth_analytics;
            let api = $crate::as_written::mock(AuthMode::OAuth).await;
            let db = scratch_db(concat!($db, "-oauth"));
            let src = oauth_analytics::Source::new(oauth_analytics::Secrets {
                client_id: Secret::new("client-1"),
                client_secret: Secret::new("secret-1"),
            })
            .with_base_url(api.base_url())
            .with_options(fast_options());
            load(src.extractor(), &oauth_analytics::Source::resources(), &db).await;
            assert_conforms("oauth_analytics", &db);
        }
    };
}
pub(crate) use seed_conformance;

seed_conformance!(specs, "as-written");
