//! `incremental.step` and `lookback`: durations read to seconds, and the uses that cannot
//! work refused at the key with the accepted syntax or the reason.

use restsource_spec::{load_str, Format};

fn errors(text: &str) -> Vec<String> {
    match load_str(text, "w.toml", Format::Toml) {
        Ok(_) => Vec::new(),
        Err(d) => d.0.iter().map(|d| d.render()).collect(),
    }
}

const GOOD: &str = r#"[client]
base_url = "https://api.test/"

[[resources]]
name = "events"
primary_key = "id"
endpoint = { path = "events", incremental = { cursor_path = "ts", initial_value = "2024-01-01T00:00:00Z", step = "P30D", lookback = "6h" } }
"#;

#[test]
fn step_and_lookback_resolve_to_seconds() {
    let loaded = load_str(GOOD, "w.toml", Format::Toml).unwrap_or_else(|d| panic!("{d}"));
    let inc = loaded.resolved.resources[0]
        .def
        .endpoint
        .incremental
        .as_ref()
        .expect("incremental");
    assert_eq!(
        (inc.step, inc.lookback),
        (Some(30 * 86_400), Some(6 * 3_600))
    );
}

#[test]
fn a_month_is_not_a_window() {
    let e = errors(&GOOD.replace("\"P30D\"", "\"P1M\""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "error: `P1M` is not a duration: months and years vary in length; give days or weeks\n"
        ),
        "{}",
        e[0]
    );
    assert!(e[0].contains(" --> w.toml:7:"), "{}", e[0]);
    assert!(
        e[0].contains("help: write an ISO-8601 duration such as `P30D`, `PT6H`, `P1DT12H` or `P2W`, or a short one such as `30d`, `6h`, `15m`, `45s`, `2w`"),
        "{}",
        e[0]
    );
}

#[test]
fn windows_cannot_checkpoint_or_run_backwards() {
    let e = errors(
        &GOOD
            .replace(
                "primary_key = \"id\"",
                "primary_key = \"id\"\ncheckpoint = 10\nwrite_disposition = \"append\"",
            )
            .replace(
                "lookback = \"6h\"",
                "lookback = \"6h\", row_order = \"asc\"",
            ),
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("error: resource `events` cannot checkpoint every 10 pages: `step` windows are fetched concurrently and finish in any order"),
        "{}",
        e[0]
    );
    let e = errors(&GOOD.replace("lookback = \"6h\"", "last_value_func = \"min\""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "error: `step` windows run forward in time, but `last_value_func` is `min`"
        ),
        "{}",
        e[0]
    );
}
