//! Loads one million small records through `Pipeline::load` into SQLite and prints peak RSS
//! before and after: memory is bounded by page size × channel depth, not by the record count.
//! (Throughput is printed for information; the benchmark crate holds the timed target.)

mod common_load;

use common_load::*;
use futures::{stream, StreamExt};
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::json;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn one_million_records_in_bounded_memory() {
    const PAGES: i64 = 1000;
    const PER_PAGE: i64 = 1000;
    let b = Backend::sqlite("million");
    let pipeline = Pipeline::new(b.destination()).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    });
    let before = peak_rss_kib();
    let events = stream::iter(0..PAGES)
        .map(|p| {
            page(
                &ITEMS,
                (p * PER_PAGE..(p + 1) * PER_PAGE)
                    .map(|i| item(i, "n", 1))
                    .collect(),
            )
        })
        .chain(stream::iter([done(&ITEMS, Some(json!(PAGES * PER_PAGE)))]));
    let report = pipeline.load(events).await.unwrap();
    let after = peak_rss_kib();
    let rate = (PAGES * PER_PAGE) as f64 / report.duration.as_secs_f64();
    println!("peak RSS before: {before} KiB, after: {after} KiB; {rate:.0} rows/s");
    println!("{report}");
    assert_eq!(report.rows.get("items"), Some(&((PAGES * PER_PAGE) as u64)));
    let count = b.query("SELECT count(*), max(id) FROM items", 2).await;
    assert_eq!(count, vec![vec![json!(1_000_000), json!(999_999)]]);
    assert!(after < 256 * 1024, "peak RSS {after} KiB");
}
