//! Shards into one Delta lake: 4 runs of `crm_delta` at once, on a local directory and on the
//! S3-compatible server of `RESTSOURCE_TEST_S3`, leave tables equal row for row to one
//! unsharded run's, also after the API's data changed; a shard that died half-way through its
//! table commits is finished by its own re-run, or on a local directory by a shard that loaded
//! after it. Rows are read back with delta-rs's log replay.
#![cfg(feature = "delta")]

use std::collections::BTreeMap;

use restsource::runtime::load::delta::{
    read_bookkeeping, read_table, stop_after_commit, DeltaLocation,
};
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::{LoadReport, PipelineError};
use restsource::runtime::secret::Secret;
use restsource::runtime::Shard;
use restsource_mock::{MockApi, MockConfig, MutationSpec};
use serde_json::Value;

use crate::delta::{lakes, location};
use crate::delta_relational::tables as relational;
use crate::harness::*;

restsource::include_source!("tests/e2e/fixtures/crm_delta.toml");

/// Customers the mock serves, so 40 child requests per child resource.
pub(crate) const RECORDS: usize = 40;

pub(crate) fn source(api: &MockApi) -> crm_delta::Source {
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
    shard_pipeline(dest.clone(), shard).run(&source(api)).await
}

/// Shards 0..4 at once: each one's outcome.
async fn four_shards(api: &MockApi, dest: &Destination) -> Vec<Result<LoadReport, PipelineError>> {
    let runs = (0..4).map(|i| load(api, dest, Some(Shard::new(i, 4).unwrap())));
    futures::future::join_all(runs).await
}

/// Every table's rows without the columns a run makes (load id, extraction time), as JSON
/// text, sorted; a table not created yet has none.
async fn tables(dest: &Destination) -> BTreeMap<&'static str, Vec<String>> {
    let names: Vec<&'static str> = crm_delta::Source::resources()
        .iter()
        .map(|h| h.def.table_name)
        .collect();
    tables_named(dest, &names).await
}

/// As [`tables`] for the tables `names`.
async fn tables_named(
    dest: &Destination,
    names: &[&'static str],
) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for &name in names {
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
        // Customers and their orders merged (changed rows replaced, new ones added: one row
        // per key), the changed customers' stock appended again.
        let customers = got["customers"].len();
        assert!(customers > RECORDS, "nothing changed");
        assert_eq!(got["customer_orders"].len(), customers * 4);
        assert!(got["customer_stock"].len() > customers * 2);
        assert_eq!(got, expected, "{four:?}");
    }
}

#[tokio::test]
async fn a_shard_that_died_between_its_table_commits_is_finished_by_the_next_run_that_may() {
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
        let (manifest, _) = read_bookkeeping(location(four)).await.unwrap();
        let pending: Vec<&str> = manifest
            .shards
            .iter()
            .filter(|(_, b)| b.pending.is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        // On object storage the other shards leave its run alone (they may not know it
        // died). On a local directory shards load one after another under its lock, so a
        // shard that took the lock after it finished its commits.
        let on_s3 = matches!(location(four), DeltaLocation::S3 { .. });
        if pending.is_empty() && !on_s3 {
            assert_eq!(
                partial["customer_stock"], expected["customer_stock"],
                "{four:?}"
            );
        } else {
            assert!(
                partial["customer_stock"].len() < expected["customer_stock"].len(),
                "{four:?}: the stopped shard's stock rows are visible"
            );
            assert_eq!(pending, [shard.to_string().as_str()]);
        }

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

#[tokio::test]
async fn shards_merging_into_one_runs_files_at_once_converge() {
    // An unsharded run leaves each merge table in one file. After the API changed, 4 shards
    // each rewrite that same file at once to merge their customers' orders (the parts of
    // shards 1 to 3 start over, their state keys being new): all but one lose the commit
    // race, are refused by delta-rs (the file they rewrote is gone) and merge again onto the
    // winner's version. No order is lost or doubled: one row per key, the keys of a fresh
    // full load, each row as the API served it before or after the change.
    let api = MockApi::start(MockConfig {
        records: RECORDS,
        ..MockConfig::default()
    })
    .await;
    let fresh = lakes("dshards_merge_fresh").await;
    let fours = lakes("dshards_merge_four").await;
    let mut before = Vec::new();
    for four in &fours {
        load(&api, four, None).await.expect("unsharded run");
        before.push(tables(four).await);
    }
    api.mutate(MutationSpec::percent(20.0, RECORDS))
        .expect("mutate");
    for ((fresh, four), before) in fresh.iter().zip(&fours).zip(&before) {
        load(&api, fresh, None).await.expect("fresh run");
        for (i, r) in four_shards(&api, four).await.into_iter().enumerate() {
            r.unwrap_or_else(|e| panic!("shard {i}/4 into {four:?}: {e}"));
        }
        let (expected, got) = (tables(fresh).await, tables(four).await);
        assert!(expected["customers"].len() > RECORDS);
        assert_eq!(got["customers"], expected["customers"], "{four:?}");
        let key = |row: &String| {
            let v: Value = serde_json::from_str(row).unwrap();
            (
                v["id"].as_i64().unwrap(),
                v["_customers_id"].as_i64().unwrap(),
            )
        };
        let keys = |rows: &[String]| {
            let mut k: Vec<(i64, i64)> = rows.iter().map(key).collect();
            k.sort();
            k
        };
        let (got_orders, fresh_orders) = (&got["customer_orders"], &expected["customer_orders"]);
        assert_eq!(keys(got_orders), keys(fresh_orders), "{four:?}");
        let mut unique = keys(got_orders);
        unique.dedup();
        assert_eq!(unique.len(), got_orders.len(), "{four:?}: a key twice");
        for row in got_orders {
            assert!(
                fresh_orders.contains(row) || before["customer_orders"].contains(row),
                "{four:?}: a row the API never served: {row}"
            );
        }
        // Shards 1 to 3 re-read every order of their parts: the changed ones are current.
        assert!(got_orders.iter().any(|r| r.contains("(rev 1)")));
    }
}

mod crm_spec {
    restsource::include_source!("specs/crm.toml");
}

#[tokio::test]
async fn a_shard_process_killed_while_extracting_and_run_again_completes_the_lake() {
    // `specs/crm.toml` as the shards example runs it (merges, an append, replaces; relational
    // tables, the spec's default), into a lake through the `crm` program: shard 1 is killed
    // (SIGKILL) while it extracts, then run again.
    let Some(program) = example("crm") else {
        eprintln!("skipped: target/<profile>/examples/crm is not built (`cargo test --workspace` builds it)");
        return;
    };
    let api = MockApi::start(MockConfig {
        records: RECORDS,
        latency: std::time::Duration::from_millis(20),
        ..MockConfig::default()
    })
    .await;
    let source = || {
        crm_spec::crm::Source::new(crm_spec::crm::Secrets {
            api_key: Secret::new("test-key"),
        })
        .with_base_url(api.base_url())
        .with_options(fast_options())
    };
    let run = |dest: &Destination, shard: Option<Shard>| {
        let dest = dest.clone();
        let source = source();
        async move { shard_pipeline(dest, shard).run(&source).await }
    };
    let ones = lakes("dshards_kill_one").await;
    let fours = lakes("dshards_kill_four").await;
    for (one, four) in ones.iter().zip(&fours) {
        run(one, None).await.expect("unsharded run");
        for i in [0, 2, 3] {
            run(four, Some(Shard::new(i, 4).unwrap()))
                .await
                .unwrap_or_else(|e| panic!("shard {i}/4: {e}"));
        }
        api.clear_log();
        let url = match four {
            Destination::Delta(l) => l.to_string(),
            other => panic!("not a lake: {other:?}"),
        };
        let spawn = || {
            std::process::Command::new(&program)
                .args(["--base-url", &api.base_url()])
                .args(["--destination", &url])
                .args(["--shard", "1/4"])
                .env("API_KEY", "test-key")
                .env_remove("RUST_LOG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut child = spawn();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while api
            .request_log()
            .iter()
            .filter(|r| r.path == "/v1/orders")
            .count()
            < 3
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let (expected, partial) = (relational(one).await, relational(four).await);
        assert!(
            expected.contains_key("customers__tags"),
            "{:?}",
            expected.keys()
        );
        assert_ne!(
            partial, expected,
            "{four:?}: the killed shard had loaded its part"
        );
        wait_success(spawn()).await;
        assert_eq!(relational(four).await, expected, "{four:?}");
    }
}
