//! Shared end-to-end machinery: a scratch SQLite file per test, the pipeline run, tables read
//! back as JSON records comparable with the mock's own data, and request-log checks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use restsource::runtime::def::{DataType, ResourceDef};
use restsource::runtime::extract::{ExtractOptions, Extractor, ResourceHandle};
use restsource::runtime::load::Destination;
use restsource::runtime::pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
use restsource_mock::{LoggedRequest, MockApi};
use serde_json::{Map, Value};

/// A fresh SQLite file under the target directory, unique per test.
pub fn scratch_db(test: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(format!(
        "{test}-{}-{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    path
}

/// Extraction options for tests: the spec's real retry policy, with waits scaled down so a
/// backoff factor of 2 s costs milliseconds.
pub fn fast_options() -> ExtractOptions {
    ExtractOptions {
        backoff_scale: 0.001,
        ..ExtractOptions::default()
    }
}

/// Runs `handles` into the SQLite file `db`, printing the report (`--nocapture` shows the
/// figures: rows per table, requests, retries).
pub async fn run(
    extractor: &Extractor,
    handles: &[ResourceHandle],
    db: &Path,
) -> Result<LoadReport, PipelineError> {
    let destination =
        Destination::from_url(&format!("sqlite:{}", db.display())).expect("sqlite destination");
    let result = Pipeline::new(destination)
        .with_options(PipelineOptions {
            progress: false,
            ..PipelineOptions::default()
        })
        .run_handles(extractor, handles)
        .await;
    if let Ok(report) = &result {
        let name = db
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        println!("--- {name}\n{report}");
    }
    result
}

/// A loaded table as JSON records (declared columns decoded by type, `_rs_extra` merged in,
/// nulls dropped), ordered by `id`: directly comparable with [`expected_rows`].
pub fn table_rows(db: &Path, def: &ResourceDef) -> Vec<Value> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let columns: Vec<String> = def
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.sql_name))
        .chain(["\"_rs_extra\"".to_string()])
        .collect();
    let sql = format!(
        "SELECT {} FROM \"{}\" ORDER BY \"id\"",
        columns.join(", "),
        def.table_name
    );
    let mut stmt = conn.prepare(&sql).expect("select");
    let rows = stmt
        .query_map([], |row| {
            let mut record = Map::new();
            for (i, col) in def.columns.iter().enumerate() {
                let value = sqlite_value(row.get_ref(i)?, col.data_type);
                if !value.is_null() {
                    record.insert(col.json_name.to_string(), value);
                }
            }
            let extra: Option<String> = row.get(def.columns.len())?;
            if let Some(extra) = extra {
                let extra: Map<String, Value> = serde_json::from_str(&extra).expect("extra json");
                for (k, v) in extra {
                    if !v.is_null() {
                        record.insert(k, v);
                    }
                }
            }
            Ok(Value::Object(record))
        })
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>, ty: DataType) -> Value {
    use rusqlite::types::ValueRef;
    match (v, ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), DataType::Bool) => Value::Bool(i != 0),
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(f), _) => Value::from(f),
        (ValueRef::Text(t), DataType::Json) => {
            serde_json::from_slice(t).expect("json column holds JSON")
        }
        (ValueRef::Text(t), _) => Value::String(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Blob(b), _) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
    }
}

/// What a table must hold after loading `resource` with merge and hard deletes: the mock's
/// live records (deleted ones gone), nulls dropped, in id order.
pub fn expected_rows(api: &MockApi, resource: &str) -> Vec<Value> {
    api.records(resource)
        .into_iter()
        .filter(|r| r.get("deleted") != Some(&Value::Bool(true)))
        .map(drop_nulls)
        .collect()
}

/// The mock's records as they are (deleted ones included), nulls dropped: what a table
/// without a hard-delete column holds.
pub fn expected_rows_keeping_deleted(api: &MockApi, resource: &str) -> Vec<Value> {
    api.records(resource).into_iter().map(drop_nulls).collect()
}

fn drop_nulls(record: Value) -> Value {
    match record {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// Asserts two record lists are equal, naming the first differing record.
pub fn assert_rows_eq(table: &str, actual: &[Value], expected: &[Value]) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "table `{table}`: {} rows, expected {}",
        actual.len(),
        expected.len()
    );
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a, e, "table `{table}`, row {i} differs");
    }
}

/// Data requests (`/v1/...`) of the log for one resource path.
pub fn requests_to<'a>(log: &'a [LoggedRequest], path: &str) -> Vec<&'a LoggedRequest> {
    log.iter().filter(|r| r.path == path).collect()
}

/// Asserts that in one run every distinct data request (method, path, query) succeeded
/// exactly once, after at most `max_retries` failed attempts: nothing was fetched twice and no
/// request was retried past the configured limit. Returns the number of failed attempts.
pub fn assert_each_request_once(log: &[LoggedRequest], max_retries: u32) -> usize {
    let mut attempts: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    for r in log.iter().filter(|r| r.path.starts_with("/v1/")) {
        let key = format!("{} {} {:?}", r.method, r.path, r.query);
        let entry = attempts.entry(key).or_default();
        if r.fault.is_none() && r.status == Some(200) {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let mut failed = 0;
    for (key, (ok, bad)) in &attempts {
        assert_eq!(*ok, 1, "{key} succeeded {ok} times");
        assert!(
            *bad <= max_retries,
            "{key} failed {bad} times; the spec allows {max_retries} retries"
        );
        failed += *bad as usize;
    }
    failed
}

/// The `_rs_state` of `resource`, if any.
pub fn state_of(db: &Path, resource: &str) -> Option<Value> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row(
        "SELECT state FROM _rs_state WHERE resource = ?1",
        [resource],
        |r| r.get::<_, String>(0),
    )
    .ok()
    .map(|s| serde_json::from_str(&s).expect("state json"))
}

/// Asserts each `(table, mock resource)` pair holds exactly the API's records. Tables without a
/// `hard_delete` column keep records the API flags `deleted` (the flag lands in `_rs_extra`).
pub fn assert_tables(
    db: &Path,
    api: &MockApi,
    tables: &[(&ResourceDef, &str)],
    keep_deleted: bool,
) {
    for (def, resource) in tables {
        let expected = if keep_deleted {
            expected_rows_keeping_deleted(api, resource)
        } else {
            expected_rows(api, resource)
        };
        assert_rows_eq(def.table_name, &table_rows(db, def), &expected);
    }
}

/// `target/<profile>/examples/<name>`, which `cargo test` builds beside the test binaries;
/// `None` when it is not built.
pub fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/e2e-<hash> -> target/<profile>/examples/<name>
    let path = exe.parent()?.parent()?.join("examples").join(name);
    path.exists().then_some(path)
}

/// Waits for a program off the runtime's thread (so a mock API on this runtime answers it)
/// and asserts that it succeeded, showing its stderr when not.
#[cfg(any(feature = "postgres", feature = "delta"))]
pub async fn wait_success(child: std::process::Child) {
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A quiet pipeline into `dest` running `shard` of the source (`None`: all of it).
pub fn shard_pipeline(dest: Destination, shard: Option<restsource::runtime::Shard>) -> Pipeline {
    Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        shard,
        ..PipelineOptions::default()
    })
}
