//! A `source_main!` program as a scheduler runs it: output piped, not a terminal. The report
//! goes to stdout; progress lines go to stderr through `tracing`, and `RUST_LOG` filters them.

use std::process::{Command, Output};

use restsource_mock::{MockApi, MockConfig};

use crate::harness::{example, scratch_db};

/// Runs the program off the runtime's thread, so the mock API (on this test's runtime) answers.
async fn run_inventory(
    api: &MockApi,
    db: &std::path::Path,
    rust_log: Option<&str>,
) -> Option<Output> {
    run_inventory_with(api, db, rust_log, &["items", "orders"]).await
}

/// As [`run_inventory`] with `args` after the base URL and destination.
async fn run_inventory_with(
    api: &MockApi,
    db: &std::path::Path,
    rust_log: Option<&str>,
    args: &[&str],
) -> Option<Output> {
    let Some(program) = example("inventory") else {
        eprintln!(
            "skipped: target/<profile>/examples/inventory is not built; `cargo test --workspace` \
             builds the examples (or run `cargo build --example inventory` first)"
        );
        return None;
    };
    let mut cmd = Command::new(program);
    cmd.args([
        "--base-url",
        &api.base_url(),
        "--destination",
        &format!("sqlite:{}", db.display()),
    ])
    .args(args)
    .env("API_KEY", "test-key")
    .env_remove("RUST_LOG");
    if let Some(filter) = rust_log {
        cmd.env("RUST_LOG", filter);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output()).await;
    Some(out.expect("joined").expect("the example runs"))
}

/// The message of each `restsource::progress` line, without its timestamp and fields.
fn progress_lines(stderr: &str) -> Vec<String> {
    strip_ansi(stderr)
        .lines()
        .filter_map(|l| l.split_once("restsource::progress: ").map(|(_, m)| m))
        .map(|m| {
            // "items: extracted, 250 rows, 3 pages in 0.0 s load_id=... resource=..."
            let m = m.split(" load_id=").next().unwrap_or(m);
            match m.rsplit_once(" in ") {
                Some((head, _)) => head.to_string(),
                None => m.to_string(),
            }
        })
        .collect()
}

/// `stderr` without terminal colour codes (`ESC [ ... m`), which a program only writes when
/// its stderr is a terminal, but which an older build of the example may still carry.
fn strip_ansi(stderr: &str) -> String {
    let mut out = String::with_capacity(stderr.len());
    let mut chars = stderr.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn a_piped_run_prints_the_report_and_a_progress_line_per_resource() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("program-piped");
    let Some(out) = run_inventory(&api, &db, None).await else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.starts_with("load "), "{stdout}");
    assert!(stdout.contains(" completed in "), "{stdout}");
    let mut lines = progress_lines(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        [
            "items: extracted, 250 rows, 3 pages",
            "orders: extracted, 250 rows, 3 pages",
        ],
        "stderr:\n{stderr}"
    );
    assert!(!stderr.contains("test-key"), "{stderr}");
}

#[tokio::test]
async fn rust_log_silences_progress_lines() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("program-quiet");
    let Some(out) = run_inventory(&api, &db, Some("warn")).await else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(progress_lines(&stderr), Vec::<String>::new(), "{stderr}");
}

#[tokio::test]
async fn limit_stops_each_resource_after_that_many_pages() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("program-limit");
    let Some(out) = run_inventory_with(&api, &db, None, &["--limit", "1", "items", "orders"]).await
    else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let log = api.request_log();
    let paths: Vec<(&str, Option<&str>)> = log
        .iter()
        .map(|r| (r.path.as_str(), r.query_value("offset")))
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [("/v1/items", Some("0")), ("/v1/orders", Some("0"))],
        "{paths:?}"
    );
    let mut lines = progress_lines(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        [
            "items: extracted, 100 rows, 1 pages",
            "orders: extracted, 100 rows, 1 pages",
        ],
        "stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn limit_records_stops_each_resource_after_that_many_records() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("program-limit-records");
    let args = ["--limit-records", "150", "items", "orders"];
    let Some(out) = run_inventory_with(&api, &db, None, &args).await else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut paths: Vec<(String, Option<String>)> = api
        .request_log()
        .iter()
        .map(|r| (r.path.clone(), r.query_value("offset").map(str::to_string)))
        .collect();
    paths.sort();
    let page = |p: &str, o: &str| (p.to_string(), Some(o.to_string()));
    assert_eq!(
        paths,
        [
            page("/v1/items", "0"),
            page("/v1/items", "100"),
            page("/v1/orders", "0"),
            page("/v1/orders", "100")
        ],
        "no page past the 150th record is requested"
    );
    let mut lines = progress_lines(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        [
            "items: extracted, 150 rows, 2 pages",
            "orders: extracted, 150 rows, 2 pages",
        ],
        "stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn check_asks_each_resource_once_and_loads_nothing() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("program-check");
    let Some(out) = run_inventory_with(&api, &db, None, &["--check", "items", "orders"]).await
    else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok       items: 100 records on the first page\n\
         ok       orders: 100 records on the first page\n\
         2 of 2 resources ok\n"
    );
    assert_eq!(api.request_log().len(), 2);
    assert!(!db.exists(), "a check opened the destination");
}
