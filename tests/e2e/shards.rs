//! Shards (`--shard I/N`): N runs of `specs/crm.toml` at once into one destination load
//! exactly the tables one unsharded run loads, also after the API's data changed, after a
//! shard was killed and run again, and within one `rate_limit` for all of them.

use std::collections::BTreeMap;
use std::path::Path;

use restsource::runtime::secret::Secret;
use restsource::runtime::Shard;
use restsource::{Destination, LoadReport};
use restsource_mock::{MockApi, MockConfig, MutationSpec};

use crate::harness::*;

restsource::include_source!("specs/crm.toml");

/// Customers the mock serves: 40 customers, so 40 child requests per child resource.
const RECORDS: usize = 40;

fn mock() -> MockConfig {
    MockConfig {
        records: RECORDS,
        ..MockConfig::default()
    }
}

fn source(api: &MockApi) -> crm::Source {
    crm::Source::new(crm::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

async fn load(api: &MockApi, destination: Destination, shard: Option<Shard>) -> LoadReport {
    shard_pipeline(destination, shard)
        .run(&source(api))
        .await
        .unwrap_or_else(|e| panic!("shard {shard:?}: {e}"))
}

/// Runs shards 0..n of `n` at once.
async fn load_shards(api: &MockApi, destination: &Destination, n: u32) -> Vec<LoadReport> {
    let runs = (0..n).map(|i| load(api, destination.clone(), Some(Shard::new(i, n).unwrap())));
    futures::future::join_all(runs).await
}

/// Every user table's rows: its data columns (the `_rs_` system columns hold load ids and
/// random row ids), as text, sorted; plus every state row.
type Dump = BTreeMap<String, Vec<String>>;

fn dump_sqlite(db: &Path) -> Dump {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_rs\\_%' ESCAPE '\\'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Dump::new();
    for table in tables {
        let columns: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY name"
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .filter(|c: &String| !c.starts_with("_rs_"))
            .collect();
        let select = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> = conn
            .prepare(&format!("SELECT {select} FROM \"{table}\""))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.insert(format!("{table}({})", columns.join(",")), rows);
    }
    let mut states: Vec<String> = conn
        .prepare("SELECT resource || '=' || state FROM _rs_state")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    states.sort();
    out.insert("_rs_state".into(), states);
    out
}

/// The state rows of a dump whose name is a resource's own (what an unsharded run keeps).
fn own_states(dump: &Dump) -> Vec<String> {
    dump["_rs_state"]
        .iter()
        .filter(|s| !s.starts_with("_rs_shard "))
        .cloned()
        .collect()
}

fn counts(dump: &Dump) -> BTreeMap<String, usize> {
    dump.iter()
        .filter(|(t, _)| *t != "_rs_state")
        .map(|(t, rows)| (t.split('(').next().unwrap_or(t).to_string(), rows.len()))
        .collect()
}

/// Requests the mock logged to `path`.
fn requests(api: &MockApi, path: &str) -> usize {
    api.request_log().iter().filter(|r| r.path == path).count()
}

fn sqlite(db: &Path) -> Destination {
    Destination::from_url(&format!("sqlite:{}", db.display())).unwrap()
}

#[tokio::test]
async fn four_shards_at_once_load_the_tables_of_one_run_and_converge_after_a_change() {
    let api = MockApi::start(mock()).await;
    let (one, four) = (scratch_db("shards-one"), scratch_db("shards-four"));
    load(&api, sqlite(&one), None).await;
    api.clear_log();
    let reports = load_shards(&api, &sqlite(&four), 4).await;

    let (expected, got) = (dump_sqlite(&one), dump_sqlite(&four));
    let wanted: BTreeMap<String, usize> = [
        ("customer_orders", RECORDS * 4),
        ("customer_stock", RECORDS * 2),
        ("customers", RECORDS),
        ("items", RECORDS),
        ("stock_summaries", RECORDS),
    ]
    .into_iter()
    .map(|(t, n)| (t.to_string(), n))
    .collect();
    // The wide records' lists are child tables; the root tables are the ones named here.
    let roots: BTreeMap<String, usize> = counts(&got)
        .into_iter()
        .filter(|(t, _)| wanted.contains_key(t))
        .collect();
    assert_eq!(roots, wanted);
    assert_eq!(counts(&got), counts(&expected));
    assert_eq!(got, {
        let mut e = expected.clone();
        e.insert("_rs_state".into(), got["_rs_state"].clone());
        e
    });
    assert_eq!(own_states(&got), own_states(&expected));
    // Each customer's children were requested by exactly one shard; each shard read the
    // customers it needed (the three that do not load them, to find their part).
    assert_eq!(requests(&api, "/v1/orders"), RECORDS);
    assert_eq!(requests(&api, "/v1/stock_details"), RECORDS);
    assert_eq!(requests(&api, "/v1/customers"), 4);
    // Whole resources went by turns: customers to shard 0, items to 1, stock_summaries to 2.
    let owned: Vec<Vec<&str>> = reports
        .iter()
        .map(|r| {
            r.rows
                .keys()
                .map(String::as_str)
                .filter(|t| ["customers", "items", "stock_summaries"].contains(t))
                .collect()
        })
        .collect();
    assert_eq!(
        owned,
        [
            vec!["customers"],
            vec!["items"],
            vec!["stock_summaries"],
            vec![]
        ]
    );
    let mut shard_states: Vec<&str> = got["_rs_state"]
        .iter()
        .filter_map(|s| s.strip_prefix("_rs_shard "))
        .map(|s| s.split('=').next().unwrap_or(s))
        .collect();
    shard_states.sort();
    assert_eq!(
        shard_states,
        ["1/4 customers", "2/4 customers", "3/4 customers"]
    );

    // The API changes; a second unsharded run and a second sharded run still agree.
    api.mutate(MutationSpec::percent(20.0, RECORDS))
        .expect("mutate");
    load(&api, sqlite(&one), None).await;
    load_shards(&api, &sqlite(&four), 4).await;
    let (expected, got) = (dump_sqlite(&one), dump_sqlite(&four));
    assert_eq!(counts(&got), counts(&expected));
    for (table, rows) in &expected {
        if table != "_rs_state" {
            assert_eq!(&got[table], rows, "{table}");
        }
    }
    assert_eq!(own_states(&got), own_states(&expected));
}

#[tokio::test]
async fn a_shard_that_ran_alone_first_then_with_the_others_still_converges() {
    // Shard 2 runs twice before the others run once: it re-reads its part, and a merge
    // converges (its customers' orders are merged, not doubled).
    let api = MockApi::start(mock()).await;
    let (one, four) = (scratch_db("shards-one-b"), scratch_db("shards-four-b"));
    load(&api, sqlite(&one), None).await;
    let two = Some(Shard::new(2, 4).unwrap());
    load(&api, sqlite(&four), two).await;
    load(&api, sqlite(&four), two).await;
    load_shards(&api, &sqlite(&four), 4).await;
    let (expected, got) = (dump_sqlite(&one), dump_sqlite(&four));
    for table in ["customers", "customer_orders", "items", "stock_summaries"] {
        let key = expected
            .keys()
            .find(|k| k.starts_with(&format!("{table}(")))
            .unwrap();
        assert_eq!(got[key], expected[key], "{table}");
    }
}

#[tokio::test]
async fn the_local_script_runs_four_shard_processes_that_load_the_tables_of_one_run() {
    let Some(program) = example("crm") else {
        eprintln!("skipped: target/<profile>/examples/crm is not built (`cargo test --workspace` builds it)");
        return;
    };
    let api = MockApi::start(mock()).await;
    let (one, four) = (
        scratch_db("shards-script-one"),
        scratch_db("shards-script-four"),
    );
    load(&api, sqlite(&one), None).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shards/run_local.sh");
    let logs = scratch_db("shards-script-logs").with_extension("d");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(&script)
        .arg(&program)
        .arg("4")
        .args(["--base-url", &api.base_url()])
        .args(["--destination", &format!("sqlite:{}", four.display())])
        .env("API_KEY", "test-key")
        .env("LOG_DIR", &logs)
        .env_remove("RUST_LOG");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for i in 0..4 {
        assert!(
            stdout.contains(&format!("== shard {i}/4: exit 0")),
            "{stdout}"
        );
    }
    let (expected, got) = (dump_sqlite(&one), dump_sqlite(&four));
    for (table, rows) in &expected {
        if table != "_rs_state" {
            assert_eq!(&got[table], rows, "{table}");
        }
    }
    assert_eq!(own_states(&got), own_states(&expected));
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    /// A fresh schema in `RESTSOURCE_TEST_POSTGRES` and its destination, or `None` (printed).
    async fn schema(name: &str) -> Option<(String, String, Destination)> {
        let Ok(conn) = std::env::var("RESTSOURCE_TEST_POSTGRES") else {
            println!("skipping: RESTSOURCE_TEST_POSTGRES not set");
            return None;
        };
        let schema = format!("e2e_{name}_{}", std::process::id());
        client(&conn)
            .await
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
        let destination = Destination::from_url(&conn).unwrap().with_schema(&schema);
        Some((conn, schema, destination))
    }

    async fn client(conn: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(conn, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
    }

    async fn dump(conn: &str, schema: &str) -> Dump {
        let c = client(conn).await;
        let tables = c
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 \
                 AND table_name NOT LIKE '\\_rs\\_%' ORDER BY 1",
                &[&schema],
            )
            .await
            .unwrap();
        let mut out = Dump::new();
        for t in tables {
            let table: String = t.get(0);
            let columns: Vec<String> = c
                .query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = $1 AND table_name = $2 \
                     AND column_name NOT LIKE '\\_rs\\_%' ORDER BY 1",
                    &[&schema, &table],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let select = columns
                .iter()
                .map(|c| format!("coalesce(\"{c}\"::text, 'NULL')"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("SELECT concat_ws('|', {select}) FROM \"{schema}\".\"{table}\"");
            out.insert(
                format!("{table}({})", columns.join(",")),
                sorted_texts(&c, &sql).await,
            );
        }
        let sql = format!("SELECT resource || '=' || state::text FROM \"{schema}\"._rs_state");
        out.insert("_rs_state".into(), sorted_texts(&c, &sql).await);
        out
    }

    /// The one text column of every row `sql` returns, sorted.
    async fn sorted_texts(c: &tokio_postgres::Client, sql: &str) -> Vec<String> {
        let mut out: Vec<String> = c
            .query(sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        out.sort();
        out
    }

    fn assert_same_tables(got: &Dump, expected: &Dump) {
        assert_eq!(counts(got), counts(expected));
        for (table, rows) in expected {
            if table != "_rs_state" {
                assert_eq!(&got[table], rows, "{table}");
            }
        }
        assert_eq!(own_states(got), own_states(expected));
    }

    // Several workers, as a program's runtime has: on one thread, a request released by the
    // limiter waits to be written while that thread decodes a page (a debug build, on a
    // loaded machine), and reaches the API late, bunched with the next second's.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn four_shards_into_postgres_stay_within_one_rate_limit_and_match_one_run() {
        let Some((conn, one_schema, one)) = schema("shards_one").await else {
            return;
        };
        let Some((_, four_schema, four)) = schema("shards_four").await else {
            return;
        };
        // 150 customers: about 300 child requests, three seconds at 100 per second. The mock
        // stamps arrivals on its own thread, as a separate server would: on this test's runtime,
        // a request would be stamped only once the runtime finished the page it was loading.
        let api = MockApi::start_on_own_thread(MockConfig {
            records: 150,
            ..MockConfig::default()
        });
        load(&api, one, None).await;
        let alone = api.stats().max_requests_per_second;
        api.reset();
        let started = std::time::Instant::now();
        load_shards(&api, &four, 4).await;
        let took = started.elapsed();
        let stats = api.stats();
        println!(
            "one run: busiest second {alone}; 4 shards: {} requests, busiest second {}, {took:?}",
            stats.requests, stats.max_requests_per_second
        );
        assert!(stats.requests > 300, "{stats:?}");
        assert!(alone <= 100, "one run: {alone}");
        // Four processes with a budget each would send up to 400 in a second.
        assert!(stats.max_requests_per_second <= 100, "{stats:?}");
        assert!(stats.max_requests_per_second >= 50, "{stats:?}");
        assert_same_tables(
            &dump(&conn, &four_schema).await,
            &dump(&conn, &one_schema).await,
        );
    }

    #[tokio::test]
    async fn a_killed_shard_run_again_completes_the_tables_of_one_run() {
        let Some(program) = example("crm") else {
            eprintln!("skipped: target/<profile>/examples/crm is not built");
            return;
        };
        let Some((conn, one_schema, one)) = schema("shards_kill_one").await else {
            return;
        };
        let Some((_, four_schema, four)) = schema("shards_kill_four").await else {
            return;
        };
        let api = MockApi::start(MockConfig {
            latency: std::time::Duration::from_millis(20),
            ..mock()
        })
        .await;
        load(&api, one, None).await;
        // Shards 0, 2 and 3 complete; shard 1 is killed (SIGKILL) while it extracts.
        for i in [0, 2, 3] {
            load(&api, four.clone(), Some(Shard::new(i, 4).unwrap())).await;
        }
        api.clear_log();
        let destination = format!("{conn} options='-c search_path={four_schema}'");
        let run = |destination: &str| {
            let mut cmd = std::process::Command::new(&program);
            cmd.args(["--base-url", &api.base_url()])
                .args(["--destination", destination])
                .args(["--shard", "1/4"])
                .env("API_KEY", "test-key")
                .env_remove("RUST_LOG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        };
        let mut child = run(&destination);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while requests(&api, "/v1/orders") < 3 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let partial = dump(&conn, &four_schema).await;
        wait_success(run(&destination)).await;
        let (expected, got) = (
            dump(&conn, &one_schema).await,
            dump(&conn, &four_schema).await,
        );
        // The kill left nothing of shard 1: its part was missing until the re-run.
        assert!(
            partial.iter().any(|(t, rows)| got.get(t) != Some(rows)),
            "the killed shard had loaded its part already"
        );
        assert_same_tables(&got, &expected);
    }
}
