//! The examples of the reference (§4.3, §5.1), each checked against dlt 1.31 when it was
//! written; `tests/dlt_timestamps.rs` holds the full recorded corpus.

use super::*;
use serde_json::json;

/// The instant as ISO text, the way the fixture writes it.
fn iso(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

#[test]
fn detects_the_reference_timestamps_as_dlt_stores_them() {
    let cases = [
        ("2023-05-30T12:33:51Z", "2023-05-30T12:33:51.000000Z"),
        ("2023-05-30T12:33:51", "2023-05-30T12:33:51.000000Z"),
        ("2023-05-30 12:33:51+02:00", "2023-05-30T10:33:51.000000Z"),
        ("2023-05-30T12:33:51.123456Z", "2023-05-30T12:33:51.123456Z"),
        ("2023-05-30T12", "2023-05-30T12:00:00.000000Z"),
        ("2023-05-30T12:33", "2023-05-30T12:33:00.000000Z"),
        ("2023-05-30 12:33", "2023-05-30T12:33:00.000000Z"),
        ("2023/05/30 12:33", "2023-05-30T12:33:00.000000Z"),
        ("20230530T123351Z", "2023-05-30T12:33:51.000000Z"),
        ("20230530T1233", "2023-05-30T12:33:00.000000Z"),
        ("2023-W22-2T10:00", "2023-05-30T10:00:00.000000Z"),
        ("2023-150T10:00:00", "2023-05-30T10:00:00.000000Z"),
        // nanoseconds are truncated to microseconds
        (
            "2023-05-30T12:33:51.123456789Z",
            "2023-05-30T12:33:51.123456Z",
        ),
        // the common-format fallback reads any Unicode decimal digit
        ("٢٠٢٣/٠٥/٣٠ ١٢:٣٣", "2023-05-30T12:33:00.000000Z"),
        // a year alone then a time: the common format's date with January 1st
        ("2023 12:33", "2023-01-01T12:33:00.000000Z"),
    ];
    for (s, want) in cases {
        assert_eq!(iso(detect_timestamp(s)).as_deref(), Some(want), "{s:?}");
    }
}

#[test]
fn leaves_the_reference_texts_as_text() {
    let texts = [
        "2023-05-30",
        "2024",
        "20230530",
        "12:33:51",
        "T12:33",
        "2023-05",
        "2023-W05",
        "1685450031",
        "123",
        "0xff",
        "May 30 2023",
        "2023-05-30T25:00:00",
        "2023-05-30t12:33:51z",
        " 2023-05-30T12:33:51Z",
        "2023-05-30T12:33:51Z ",
        "",
        // a basic date with an extended time that has seconds
        "20230530T12:33:51",
        "P1D",
        "2023-05-30T00:00/2023-06-01T00:00",
        "2023/05/30 12:",
        "2023-05-30T12:33:51+24:00",
    ];
    for s in texts {
        assert_eq!(detect_timestamp(s), None, "{s:?}");
    }
}

#[test]
fn coerces_like_the_reference_table() {
    let cases = [
        (json!("2023-06-01"), Some("2023-06-01T00:00:00.000000Z")),
        (
            json!("2023-05-30T12:33:51+02:00"),
            Some("2023-05-30T10:33:51.000000Z"),
        ),
        (json!(1700000000), Some("2023-11-14T22:13:20.000000Z")),
        (json!(1.5), Some("1970-01-01T00:00:01.500000Z")),
        // Python's float() after both parsers refuse: spaces, underscores, a year 0 date
        (json!(" 1.5 "), Some("1970-01-01T00:00:01.500000Z")),
        (json!("1_000"), Some("1970-01-01T00:16:40.000000Z")),
        (json!("0000"), Some("1970-01-01T00:00:00.000000Z")),
        (json!("abc"), None),
        (json!("12:33"), None),
        (json!("P1D"), None),
        (json!("nan"), None),
        (json!(253402300800i64), None),
        (json!(true), None),
        (json!(null), None),
    ];
    for (v, want) in cases {
        assert_eq!(iso(coerce_to_timestamp(&v)).as_deref(), want, "{v}");
    }
}

#[test]
fn float_seconds_round_half_to_even_like_cpython() {
    assert_eq!(
        iso(from_float_seconds(2.5e-6)).as_deref(),
        Some("1970-01-01T00:00:00.000002Z")
    );
    assert_eq!(
        iso(from_float_seconds(-4e-7)).as_deref(),
        Some("1970-01-01T00:00:00.000000Z")
    );
    assert_eq!(from_float_seconds(f64::INFINITY), None);
}

#[test]
fn python_float_takes_pythons_spellings_only() {
    use common::python_float;
    assert_eq!(python_float("\t12\n"), Some(12.0));
    assert_eq!(python_float("١٢٣"), Some(123.0));
    assert_eq!(python_float("1__0"), None);
    assert_eq!(python_float("1_"), None);
    assert_eq!(python_float("1e"), None);
    assert_eq!(python_float("."), None);
    assert_eq!(python_float("\u{200b}12"), None);
}
