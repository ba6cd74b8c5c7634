//! restsource's timestamp detection and coercion against dlt 1.31's for a fixed corpus
//! (recorded by `fixtures/record_dlt_timestamps.py`): which strings are timestamps, and the
//! UTC instant dlt stores for each string or number coerced into a timestamp column.

use restsource_core::timestamp::{coerce_to_timestamp, detect_timestamp, Timestamp};
use serde_json::{json, Value};

/// The instant as the fixture writes it: epoch microseconds and ISO text (Python's
/// `isoformat`, which leaves out a zero fraction), text `null` outside years 1 to 9999.
fn instant(t: Option<Timestamp>) -> Value {
    let Some(t) = t else { return Value::Null };
    let fmt = if t.timestamp_subsec_micros() == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    };
    let year = chrono::Datelike::year(&t);
    let text = (1..=9999)
        .contains(&year)
        .then(|| t.format(fmt).to_string());
    json!({"epoch_us": t.timestamp_micros(), "utc": text})
}

#[test]
fn timestamps_equal_dlts_on_the_recorded_corpus() {
    let text = include_str!("fixtures/dlt_timestamps.json");
    let rows: Vec<Value> = serde_json::from_str(text).unwrap();
    let mut mismatches = Vec::new();
    let (mut detected, mut coerced) = (0, 0);
    for row in &rows {
        let got = if let Some(s) = row.get("input").and_then(Value::as_str) {
            detected += 1;
            let t = detect_timestamp(s);
            // dlt types it timestamp but cannot store it (an offset of a day or more, an
            // instant outside years 1 to 9999), so its normalize fails: restsource keeps text.
            let unstorable = row["detect"] == true && row["instant"]["utc"].is_null();
            if unstorable && t.is_none() {
                continue;
            }
            let mut got = json!({"input": s, "detect": t.is_some()});
            if t.is_some() {
                got["instant"] = instant(t);
            }
            got
        } else {
            coerced += 1;
            let v = &row["coerce"];
            // dlt raising something its normalizer does not catch, or coercing to an instant
            // it then fails to store: restsource declines.
            let want_none = row["instant"].get("error").is_some()
                || (row["instant"].get("epoch_us").is_some() && row["instant"]["utc"].is_null());
            let got = instant(coerce_to_timestamp(v));
            if want_none && got.is_null() {
                continue;
            }
            json!({"coerce": v, "instant": got})
        };
        if &got != row {
            mismatches.push(format!("dlt {row}\n us {got}"));
        }
    }
    assert!(detected >= 400 && coerced >= 400, "{detected} {coerced}");
    assert!(
        mismatches.is_empty(),
        "{} of {}:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}
