//! Shards into one Delta lake: 4 runs of `crm_delta` at once, on a local directory and on the
//! S3-compatible server of `RESTSOURCE_TEST_S3`, leave tables equal row for row to one
//! unsharded run's, also after the API's data changed; a shard that died half-way through its
//! table commits is finished by its own re-run. Rows are read back with delta-rs's log replay.
#![cfg(feature = "delta")]

use std::collections::BTreeMap;

use restsource::runtime::load::delta::{read_bookkeeping, read_table, stop_after_commit};
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
use restsource::runtime::secret::Secret;
use restsource::runtime::Shard;
use restsource_mock::{MockApi, MockConfig, MutationSpec};
use serde_json::Value;

use crate::delta::{lakes, location};
use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/crm_delta.toml");

/// Customers the mock serves, so 40 child requests per child resource.
const RECORDS: usize = 40;

fn source(api: &MockApi) -> crm_delta::Source {
    crm_delta::Source::new(crm_delta::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

async fn load(
    api: &MockApi,
    dest: &Destination,
    shard: Option<Shard>,
) -> Result<LoadReport, PipelineError> {
    Pipeline::new(dest.clone())
        .with_options(PipelineOptions {
            progress: false,
            shard,
            ..PipelineOptions::default()
        })
        .run(&source(api))
        .await
}

/// Shards 0..4 at once: each one's outcome.
async fn four_shards(api: &MockApi, dest: &Destination) -> Vec<Result<LoadReport, PipelineError>> {
    let runs = (0..4).map(|i| load(api, dest, Some(Shard::new(i, 4).unwrap())));
    futures::future::join_all(runs).await
}

/// Every table's rows without the columns a run makes (load id, extraction time), as JSON
/// text, sorted; a table not created yet has none.
async fn tables(dest: &Destination) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for h in crm_delta::Source::resources() {
        let name = h.def.table_name;
        let Some(contents) = read_table(location(dest), name).await.expect("read") else {
            out.insert(name, Vec::new());
            continue;
        };
        let mut rows: Vec<String> = contents
            .rows
            .into_iter()
            .map(|mut r| {
                assert!(r.remove("_rs_load_id").is_some(), "{name}: no load id");
                assert!(r.remove("_rs_extracted_at").is_some());
                Value::Object(r).to_string()
            })
            .collect();
        rows.sort();
        out.insert(name, rows);
    }
    out
}

fn counts(t: &BTreeMap<&'static str, Vec<String>>) -> BTreeMap<&'static str, usize> {
    t.iter().map(|(k, v)| (*k, v.len())).collect()
}

#[tokio::test]
async fn four_shards_at_once_into_one_lake_load_the_tables_of_one_run() {
    let api = MockApi::start(MockConfig {
        records: RECORDS,
        ..MockConfig::default()
    })
    .await;
    let ones = lakes("dshards_one").await;
    let fours = lakes("dshards_four").await;
    for (one, four) in ones.iter().zip(&fours) {
        load(&api, one, None).await.expect("unsharded run");
        for (i, r) in four_shards(&api, four).await.into_iter().enumerate() {
            r.unwrap_or_else(|e| panic!("shard {i}/4 into {four:?}: {e}"));
        }
        let (expected, got) = (tables(one).await, tables(four).await);
        assert_eq!(
            counts(&got),
            BTreeMap::from([
                ("customer_orders", RECORDS * 4),
                ("customer_stock", RECORDS * 2),
                ("customers", RECORDS),
                ("items", RECORDS),
                ("stock_summaries", RECORDS),
            ]),
            "{four:?}"
        );
        assert_eq!(got, expected, "{four:?}");

        // Each shard kept its own bookkeeping: one applied run, none pending; the states of
        // whole resources are the unsharded run's, the parts' under each shard's key.
        let (manifest, loads) = read_bookkeeping(location(four)).await.unwrap();
        let books: Vec<(&str, i64, bool)> = manifest
            .shards
            .iter()
            .map(|(k, b)| (k.as_str(), b.seq, b.pending.is_some()))
            .collect();
        assert_eq!(
            books,
            [
                ("0/4", 1, false),
                ("1/4", 1, false),
                ("2/4", 1, false),
                ("3/4", 1, false)
            ],
            "{four:?}"
        );
        assert_eq!((manifest.seq, manifest.pending.is_none()), (0, true));
        let mut keys: Vec<&str> = manifest.state.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "_rs_shard 1/4 customers",
                "_rs_shard 2/4 customers",
                "_rs_shard 3/4 customers",
                "customers"
            ]
        );
        let (one_manifest, _) = read_bookkeeping(location(one)).await.unwrap();
        assert_eq!(
            manifest.state.get("customers"),
            one_manifest.state.get("customers")
        );
        assert_eq!(loads.iter().filter(|l| l.status == "completed").count(), 4);
    }

    // The API changes; a second unsharded run and a second sharded run still agree.
    api.mutate(MutationSpec::percent(20.0, RECORDS))
        .expect("mutate");
    for (one, four) in ones.iter().zip(&fours) {
        load(&api, one, None).await.expect("second unsharded run");
        for (i, r) in four_shards(&api, four).await.into_iter().enumerate() {
            r.unwrap_or_else(|e| panic!("second run of shard {i}/4 into {four:?}: {e}"));
        }
        let (expected, got) = (tables(one).await, tables(four).await);
        assert!(got["customers"].len() > RECORDS, "nothing changed");
        assert_eq!(got, expected, "{four:?}");
    }
}

#[tokio::test]
async fn a_shard_that_died_between_its_table_commits_is_finished_by_its_own_rerun() {
    let api = MockApi::start(MockConfig {
        records: RECORDS,
        ..MockConfig::default()
    })
    .await;
    let ones = lakes("dshards_stop_one").await;
    let fours = lakes("dshards_stop_four").await;
    for (one, four) in ones.iter().zip(&fours) {
        load(&api, one, None).await.expect("unsharded run");
        // The first shard to commit `customer_orders` dies right after it: its run is past
        // its commit point, its `customer_stock` rows not yet visible.
        stop_after_commit(location(four), "customer_orders");
        let outcomes = four_shards(&api, four).await;
        let died: Vec<u32> = (0..4u32)
            .filter(|i| outcomes[*i as usize].is_err())
            .collect();
        assert_eq!(died.len(), 1, "{outcomes:?}");
        let shard = Shard::new(died[0], 4).unwrap();
        let expected = tables(one).await;
        let partial = tables(four).await;
        assert_eq!(partial["customer_orders"], expected["customer_orders"]);
        assert!(
            partial["customer_stock"].len() < expected["customer_stock"].len(),
            "{four:?}: the stopped shard's stock rows are visible"
        );
        let (manifest, _) = read_bookkeeping(location(four)).await.unwrap();
        let pending: Vec<&str> = manifest
            .shards
            .iter()
            .filter(|(_, b)| b.pending.is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(pending, [shard.to_string().as_str()]);

        // Its re-run finishes the stored commits first (no row twice), then loads its part
        // again: an append of the children it reads now, as one more run would.
        api.clear_log();
        load(&api, four, Some(shard)).await.expect("re-run");
        let (manifest, _) = read_bookkeeping(location(four)).await.unwrap();
        assert!(manifest.shards.values().all(|b| b.pending.is_none()));
        assert_eq!(manifest.shards[&shard.to_string()].seq, 2);
        let got = tables(four).await;
        assert_eq!(
            got["customer_stock"], expected["customer_stock"],
            "{four:?}"
        );
        for t in ["customers", "items", "stock_summaries"] {
            assert_eq!(got[t], expected[t], "{four:?}: {t}");
        }
        // The part's incremental parent found no changed customers: no child was requested.
        let orders = api
            .request_log()
            .iter()
            .filter(|r| r.path == "/v1/orders")
            .count();
        assert_eq!(orders, 0);
        assert_eq!(got["customer_orders"], expected["customer_orders"]);
    }
}
