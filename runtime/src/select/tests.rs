//! Unit tests of page decoding, selection and value extraction.

use super::*;

fn k(s: &str) -> PathStep {
    PathStep::Key(s.to_string().into())
}

#[test]
fn decodes_nested_selector_skipping_other_keys() {
    let body = br#"{"meta":{"x":[1,2]},"data":{"items":[{"a":1},{"a":2}]},"z":"q"}"#;
    let got: Vec<Value> = decode_records(body, &[k("data"), k("items")]).unwrap();
    assert_eq!(
        got,
        vec![serde_json::json!({"a":1}), serde_json::json!({"a":2})]
    );
}

#[test]
fn wildcard_index_and_object_records() {
    let body = br#"{"d":[{"r":[{"a":1}]},{"r":[{"a":2},{"a":3}]}]}"#;
    let got: Vec<Value> = decode_records(body, &[k("d"), PathStep::Wildcard, k("r")]).unwrap();
    assert_eq!(got.len(), 3);
    let got: Vec<Value> = decode_records(body, &[k("d"), PathStep::Index(-1), k("r")]).unwrap();
    assert_eq!(
        got,
        vec![serde_json::json!({"a":2}), serde_json::json!({"a":3})]
    );
    let got: Vec<Value> = decode_records(br#"{"one":{"a":1}}"#, &[k("one")]).unwrap();
    assert_eq!(got, vec![serde_json::json!({"a":1})]);
    let got: Vec<Value> = decode_records(br#"{"one":null}"#, &[k("missing")]).unwrap();
    assert!(got.is_empty());
}

#[test]
fn reports_what_the_selector_found() {
    let shape = |body: &[u8], path: &[PathStep]| decode_selected::<Value>(body, path).unwrap().1;
    let wild = [k("d"), PathStep::Wildcard, k("r")];
    let cases: [(&[u8], &[PathStep], Selected); 13] = [
        (br#"{"data":[]}"#, &[k("data")], Selected::List),
        (br#"[{"a":1}]"#, &[], Selected::List),
        (br#"{"data":{"id":1}}"#, &[k("data")], Selected::Object),
        (
            br#"{"d":[{"a":1}]}"#,
            &[k("d"), PathStep::Index(-1)],
            Selected::Object,
        ),
        (br#"{"data":null}"#, &[k("data")], Selected::Null),
        (
            br#"{"data":null}"#,
            &[k("data"), k("items")],
            Selected::Null,
        ),
        (br#"{"data":3}"#, &[k("data")], Selected::Scalar),
        (br#"{"message":"x"}"#, &[k("data")], Selected::Missing),
        (
            br#"{"data":3}"#,
            &[k("data"), k("items")],
            Selected::Missing,
        ),
        (
            br#"{"data":[]}"#,
            &[k("data"), PathStep::Index(0)],
            Selected::Missing,
        ),
        (br#"{"d":[]}"#, &wild, Selected::List),
        (br#"{"d":[{"r":{"a":1}}]}"#, &wild, Selected::List),
        (br#"{"x":1}"#, &wild, Selected::Missing),
    ];
    for (body, path, want) in cases {
        assert_eq!(shape(body, path), want, "{}", String::from_utf8_lossy(body));
    }
    // Lenient decoding keeps its old meaning: a scalar page is an error, a missing path no
    // records.
    assert!(decode_records::<Value>(br#"{"data":3}"#, &[k("data")]).is_err());
    let none: Vec<Value> = decode_records(br#"{"x":1}"#, &[k("data")]).unwrap();
    assert!(none.is_empty());
}

#[test]
fn record_error_names_index() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct R {
        id: i64,
    }
    let err = decode_records::<R>(br#"{"data":[{"id":1},{"id":"x"}]}"#, &[k("data")]).unwrap_err();
    assert_eq!(err.index, Some(1));
    assert_eq!(err.field.as_deref(), Some("id"));
    assert_eq!(
        err.message,
        "invalid type: string \"x\", expected i64 at line 1 column 27"
    );
}

#[test]
fn invalid_utf8_names_the_record_and_position() {
    // The whole-body UTF-8 check fails, so the slice decoder runs and places the error.
    let body = b"{\"data\":[{\"a\":\"ok\"},{\"a\":\"b\xff\"}]}";
    let err = decode_records::<Value>(body, &[k("data")]).unwrap_err();
    assert_eq!(err.index, Some(1));
    assert_eq!(
        err.message,
        "invalid unicode code point at line 1 column 28"
    );
    let got: Vec<Value> =
        decode_records(b"{\"data\":[{\"a\":\"\xc3\xa9\"}]}", &[k("data")]).unwrap();
    assert_eq!(got, vec![serde_json::json!({"a": "\u{e9}"})]);
}

#[test]
fn record_error_names_nested_field_under_flatten_and_wildcards() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Addr {
        zip: u32,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct R {
        id: i64,
        #[serde(default)]
        tags: Vec<i64>,
        addr: Option<Addr>,
        #[serde(flatten)]
        extra: serde_json::Map<String, Value>,
    }
    let body = br#"{"d":[{"r":[{"id":1,"addr":null}]},{"r":[{"id":2,"x":1,"addr":{"zip":"n"}}]}]}"#;
    let err = decode_records::<R>(body, &[k("d"), PathStep::Wildcard, k("r")]).unwrap_err();
    assert_eq!(
        (err.index, err.field.as_deref(), err.message.as_str()),
        (
            Some(1),
            Some("addr.zip"),
            "invalid type: string \"n\", expected u32 at line 1 column 72"
        )
    );
    let err = decode_records::<R>(br#"{"one":{"id":3,"tags":[1,"t"]}}"#, &[k("one")]).unwrap_err();
    assert_eq!(
        (err.index, err.field.as_deref()),
        (Some(0), Some("tags[1]"))
    );
    // A failure at the record itself names no field.
    let err = decode_records::<R>(br#"[{"id":1},{"x":2}]"#, &[]).unwrap_err();
    assert_eq!(
        (err.index, err.field.as_deref(), err.message.as_str()),
        (Some(1), None, "missing field `id` at line 1 column 17")
    );
    let err = decode_records::<R>(br#"{"data":[{"id":1},7]}"#, &[k("data")]).unwrap_err();
    assert_eq!((err.index, err.field.as_deref()), (Some(1), None));
    // Not a record failure: no index, no field.
    let err = decode_records::<R>(br#"{"data":[{"id":1}"#, &[k("data")]).unwrap_err();
    assert_eq!((err.index, err.field.as_deref()), (None, None));
}

#[test]
fn extracts_several_values_in_one_pass() {
    let body = br#"{"data":[{"a":1}],"meta":{"total":7,"next":"c2"},"has_more":true}"#;
    let p1 = [k("meta"), k("total")];
    let p2 = [k("has_more")];
    let p3 = [k("meta"), k("next")];
    let p4 = [k("nope")];
    let got = extract_values(body, &[&p1, &p2, &p3, &p4]).unwrap();
    assert_eq!(
        got,
        vec![Some(7.into()), Some(true.into()), Some("c2".into()), None]
    );
}

#[test]
fn detection_prefers_data_keys_then_first_list() {
    let v = serde_json::json!({"meta":{"tags":[1]},"page":{"results":[{"a":1}]}});
    assert_eq!(detect_records_path(&v), vec![k("page"), k("results")]);
    let v = serde_json::json!({"meta":{"tags":[1]},"other":[2]});
    assert_eq!(detect_records_path(&v), vec![k("meta"), k("tags")]);
    assert!(detect_records_path(&serde_json::json!([1])).is_empty());
    assert!(detect_records_path(&serde_json::json!({"a":{"b":{"c":{"d":[1]}}}})).is_empty());
}
