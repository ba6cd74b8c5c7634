//! `crm_delta` into a Delta lake as relational tables (the root and child tables dlt makes,
//! `customers__tags` and the like): 4 shards at once leave every table equal row for row to
//! one unsharded run's, also after the API's data changed (merges replacing child rows).
//! Row ids are random per run, so rows are compared without them.
#![cfg(feature = "delta")]

use std::collections::BTreeMap;

use restsource::runtime::def::TablesMode;
use restsource::runtime::load::delta::{read_bookkeeping, read_table};
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
use restsource::runtime::Shard;
use restsource_mock::{MockApi, MockConfig, MutationSpec};
use serde_json::Value;

use crate::delta::{lakes, location};
use crate::delta_shards::{source, RECORDS};

async fn load(
    api: &MockApi,
    dest: &Destination,
    shard: Option<Shard>,
) -> Result<LoadReport, PipelineError> {
    Pipeline::new(dest.clone())
        .with_options(PipelineOptions {
            progress: false,
            shard,
            tables: Some(TablesMode::Relational),
            ..PipelineOptions::default()
        })
        .run(&source(api))
        .await
}

/// Every table the lake's stored schemas name, its rows without the ids and load ids that
/// differ between runs, as sorted JSON text.
pub(crate) async fn tables(dest: &Destination) -> BTreeMap<String, Vec<String>> {
    let (manifest, _) = read_bookkeeping(location(dest)).await.unwrap();
    let mut out = BTreeMap::new();
    for schema in manifest.schemas.values() {
        for t in schema["tables"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            let rows = match read_table(location(dest), name).await.unwrap() {
                None => Vec::new(),
                Some(contents) => contents.rows,
            };
            let mut rows: Vec<String> = rows
                .into_iter()
                .map(|mut r| {
                    for id in ["_rs_id", "_rs_parent_id", "_rs_root_id", "_rs_load_id"] {
                        r.remove(id);
                    }
                    Value::Object(r).to_string()
                })
                .collect();
            rows.sort();
            out.insert(name.to_string(), rows);
        }
    }
    out
}

#[tokio::test]
async fn four_relational_shards_into_one_lake_load_the_tables_of_one_run() {
    let api = MockApi::start(MockConfig {
        records: RECORDS,
        ..MockConfig::default()
    })
    .await;
    let ones = lakes("drel_one").await;
    let fours = lakes("drel_four").await;
    for (one, four) in ones.iter().zip(&fours) {
        load(&api, one, None).await.expect("unsharded run");
        let shards = (0..4).map(|i| load(&api, four, Some(Shard::new(i, 4).unwrap())));
        for (i, r) in futures::future::join_all(shards)
            .await
            .into_iter()
            .enumerate()
        {
            r.unwrap_or_else(|e| panic!("shard {i}/4 into {four:?}: {e}"));
        }
        let (expected, got) = (tables(one).await, tables(four).await);
        assert_eq!(got["customers"].len(), RECORDS, "{four:?}");
        assert!(!got["customers__tags"].is_empty(), "{:?}", got.keys());
        assert_eq!(got, expected, "{four:?}");
    }

    // The API changes: merged customers replace their tags, and the runs still agree.
    api.mutate(MutationSpec::percent(20.0, RECORDS))
        .expect("mutate");
    for (one, four) in ones.iter().zip(&fours) {
        let before = tables(four).await;
        load(&api, one, None).await.expect("second unsharded run");
        let shards = (0..4).map(|i| load(&api, four, Some(Shard::new(i, 4).unwrap())));
        for (i, r) in futures::future::join_all(shards)
            .await
            .into_iter()
            .enumerate()
        {
            r.unwrap_or_else(|e| panic!("second run of shard {i}/4 into {four:?}: {e}"));
        }
        let (expected, got) = (tables(one).await, tables(four).await);
        assert!(got["customers"].len() > RECORDS, "nothing changed");
        assert_ne!(got["customers__tags"], before["customers__tags"]);
        assert_eq!(got, expected, "{four:?}");
    }
}
