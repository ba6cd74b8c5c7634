//! restsource's timestamp detection and coercion against dlt 1.31's for a fixed corpus
//! (recorded by `fixtures/record_dlt_timestamps.py`): which strings are timestamps, and the
//! UTC instant dlt stores for each string or number coerced into a timestamp column.

use restsource_core::timestamp::{coerce_to_timestamp, detect_timestamp, Timestamp};
use serde_json::{json, Value};

/// The instant as the fixture writes it: epoch microseconds and ISO text (Python's
/// `isoformat`, which leaves out a zero fraction).
fn instant(t: Option<Timestamp>) -> Value {
    let Some(t) = t else { return Value::Null };
    let fmt = if t.timestamp_subsec_micros() == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    };
    json!({"epoch_us": t.timestamp_micros(), "utc": t.format(fmt).to_string()})
}

/// An instant dlt coerces to but cannot store (an offset of a day or more, or outside years 1
/// to 9999): it has no ISO text.
fn unstorable(instant: &Value) -> bool {
    instant.is_object() && instant["utc"].is_null()
}

/// Compares every row of a recorded corpus; `TS_CORPUS` names another file of the same shape
/// (a larger, uncommitted fuzz run), else the committed fixture is read.
///
/// Where dlt's normalize step fails, restsource declines (`None`: text, or a variant column):
/// a detected string whose coercion then raises or gives an unstorable instant, and a coerced
/// value that raises what dlt's normalizer does not catch (`error`) or is unstorable.
#[test]
fn timestamps_equal_dlts_on_the_recorded_corpus() {
    let text = match std::env::var("TS_CORPUS") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("fixtures/dlt_timestamps.json").to_string(),
    };
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut mismatches = Vec::new();
    let (mut detected, mut coerced, mut declined) = (0, 0, 0);
    for row in &rows {
        let want = &row["instant"];
        let (input, got, dlt_fails) = if let Some(s) = row.get("input").and_then(Value::as_str) {
            detected += 1;
            let fails = row["detect"] == true && (want.is_null() || unstorable(want));
            (format!("detect {s:?}"), detect_timestamp(s), fails)
        } else {
            coerced += 1;
            // A float's exact text: serde_json's default reader can miss its last bit.
            let v = match row.get("float").and_then(Value::as_str) {
                Some(f) => json!(f.parse::<f64>().unwrap()),
                None => row["coerce"].clone(),
            };
            let fails = want.get("error").is_some() || unstorable(want);
            (format!("coerce {v}"), coerce_to_timestamp(&v), fails)
        };
        if dlt_fails {
            declined += 1;
            if got.is_some() {
                mismatches.push(format!("{input}: dlt fails ({want}), us {}", instant(got)));
            }
        } else if &instant(got) != want {
            mismatches.push(format!("{input}: dlt {want}, us {}", instant(got)));
        }
    }
    eprintln!("{detected} detections, {coerced} coercions, {declined} where dlt fails");
    assert!(detected >= 400 && coerced >= 400);
    assert!(
        mismatches.is_empty(),
        "{} of {}:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}
