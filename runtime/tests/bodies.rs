//! Response and request bodies: compressed answers from the mock (what the client asks for
//! with `Accept-Encoding`, the records it reads from a gzip, deflate, Brotli or Zstandard
//! body), JSON Lines and CSV pages, and form and raw request bodies as sent.

mod common_extract;

use common_extract::*;
use restsource_mock::{Compression, MockApi, MockConfig};
use restsource_runtime::def::*;
use restsource_runtime::extract::Extractor;
use restsource_runtime::secret::SecretValues;
use serde_json::json;

const MOCK_ITEMS: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        path: Template(&[TemplatePart::Lit("v1/items")]),
        params: &[
            (
                "api_key",
                Lit::Str::<Static>(Template(&[TemplatePart::Lit("test-key")])),
            ),
            ("limit", Lit::Int(100)),
        ],
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(MockItem, &MOCK_ITEMS);
static MOCK_SOURCE: SourceDef = SourceDef {
    resources: &[&MOCK_ITEMS],
    ..SOURCE
};

/// The codings the runtime is built to decode, in the order reqwest offers them (the
/// `brotli` and `zstd` features add theirs; the tests run with every feature).
fn offered() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "zstd") {
        v.push("zstd");
    }
    v.extend(["gzip", "deflate"]);
    if cfg!(feature = "brotli") {
        v.push("br");
    }
    v
}

#[tokio::test]
async fn every_offered_coding_is_decoded_into_the_same_records() {
    for coding in [
        Compression::Gzip,
        Compression::Deflate,
        Compression::Brotli,
        Compression::Zstd,
    ]
    .into_iter()
    .filter(|c| offered().contains(&c.token()))
    {
        let api = MockApi::start(MockConfig {
            records: 30,
            compression: Some(coding),
            ..MockConfig::default()
        })
        .await;
        let ex = Extractor::new(&MOCK_SOURCE, SecretValues::new())
            .with_base_url(api.base_url())
            .with_options(options());
        let records = collect::<MockItem>(&ex).await.unwrap();
        let got: Vec<serde_json::Value> = records
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        assert_eq!(got, api.records("items"), "{coding:?}");
        let log = api.request_log();
        assert_eq!(log.len(), 1, "{coding:?}");
        assert_eq!(
            log[0].accept_encoding.as_deref(),
            Some(offered().join(",").as_str())
        );
        assert_eq!(log[0].content_encoding.as_deref(), Some(coding.token()));
        // The body counter sees the decoded bytes: the size limit applies to what is decoded.
        assert!(
            ex.stats().bytes > 30 * 100,
            "{coding:?}: {}",
            ex.stats().bytes
        );
        api.shutdown().await;
    }
}

fn ex_for(src: &'static SourceDef, base: &str) -> Extractor {
    Extractor::new(src, SecretValues::new())
        .with_base_url(base)
        .with_options(options())
}

fn text(content_type: &str, body: &str) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", content_type.into())],
        body: body.to_string(),
    }
}

fn values<T: serde::Serialize>(records: &[T]) -> Vec<serde_json::Value> {
    records
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

record_type!(Item, &RESOURCE);
static AUTO: SourceDef = SourceDef {
    resources: &[&RESOURCE],
    ..SOURCE
};

#[tokio::test]
async fn json_lines_by_content_type_are_one_record_per_line() {
    let (base, log) = serve(|_, _| {
        text(
            "application/x-ndjson; charset=utf-8",
            "{\"id\":1,\"name\":\"a\"}\r\n\n{\"id\":2,\"tags\":[1,2]}\n",
        )
    })
    .await;
    let ex = ex_for(&AUTO, &base);
    // The resource's `data` selector does not apply: the lines are the records.
    let records = collect::<Item>(&ex).await.unwrap();
    assert_eq!(
        values(&records),
        vec![
            json!({"id": 1, "name": "a"}),
            json!({"id": 2, "tags": [1, 2]})
        ]
    );
    assert_eq!(uris(&log), vec!["/items"]);
}

const CSV_ITEMS: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        response_format: ResponseFormat::Csv,
        data_selector: None,
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(CsvItem, &CSV_ITEMS);
static CSV_SOURCE: SourceDef = SourceDef {
    resources: &[&CSV_ITEMS],
    ..SOURCE
};

#[tokio::test]
async fn csv_rows_are_records_with_declared_columns_parsed() {
    // `response_format = "csv"` reads the body as CSV whatever its content type says.
    let (base, _log) = serve(|_, _| {
        text(
            "text/plain",
            "id,name,price\r\n1,\"a, \"\"b\"\"\",2.50\r\n2,,3\r\n",
        )
    })
    .await;
    let ex = ex_for(&CSV_SOURCE, &base);
    let records = collect::<CsvItem>(&ex).await.unwrap();
    // `id` is a declared bigint: read as an integer; undeclared fields stay text.
    assert_eq!(
        values(&records),
        vec![
            json!({"id": 1, "name": "a, \"b\"", "price": "2.50"}),
            json!({"id": 2, "name": null, "price": "3"}),
        ]
    );
}

#[tokio::test]
async fn a_csv_row_that_does_not_fit_its_header_names_the_line() {
    let (base, _log) = serve(|_, _| text("text/csv", "id,name\n1,a\n2\n")).await;
    let ex = ex_for(&AUTO, &base);
    let err = collect::<Item>(&ex).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `items`: page 1 ({base}/items): CSV body, line 3: 1 field, the header row has 2"
        )
    );
}

const LINKED_LINES: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        response_format: ResponseFormat::Jsonl,
        data_selector: None,
        paginator: PaginatorDef::HeaderLink {
            links_next_key: "next",
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(LinkedLine, &LINKED_LINES);
static LINKED_LINES_SOURCE: SourceDef = SourceDef {
    resources: &[&LINKED_LINES],
    ..SOURCE
};

#[tokio::test]
async fn a_json_lines_body_is_paged_by_its_link_header() {
    let (base, log) = serve(|seen, _| {
        let mut reply = text("application/jsonl", "{\"id\":1}\n{\"id\":2}\n");
        if seen.uri == "/items" {
            reply
                .headers
                .push(("link", "</items?page=2>; rel=\"next\"".into()));
            reply
        } else {
            text("application/jsonl", "{\"id\":3}\n")
        }
    })
    .await;
    let records = collect::<LinkedLine>(&ex_for(&LINKED_LINES_SOURCE, &base))
        .await
        .unwrap();
    assert_eq!(
        values(&records),
        vec![json!({"id": 1}), json!({"id": 2}), json!({"id": 3})]
    );
    assert_eq!(uris(&log), vec!["/items", "/items?page=2"]);
}

const LINKED_BY_BODY: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        data_selector: None,
        paginator: PaginatorDef::JsonLink {
            next_url_path: &[PathStep::key("next")],
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(LinkedByBody, &LINKED_BY_BODY);
static LINKED_BY_BODY_SOURCE: SourceDef = SourceDef {
    resources: &[&LINKED_BY_BODY],
    ..SOURCE
};

#[tokio::test]
async fn a_body_paginator_on_a_json_lines_content_type_is_an_error_not_one_page() {
    let (base, log) = serve(|_, _| text("application/x-ndjson", "{\"id\":1}\n")).await;
    let err = collect::<LinkedByBody>(&ex_for(&LINKED_BY_BODY_SOURCE, &base))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `items`: paginator `json_link` at {base}/items: it reads a path of a JSON \
             body, but the response is JSON Lines or CSV (application/x-ndjson), which has none; \
             page it by headers (`header_link`, `header_cursor`) or by counting records \
             (`offset` or `page_number` without `total_path` and `has_more_path`)"
        )
    );
    assert_eq!(uris(&log), vec!["/items"]);
}

const FORM_ITEMS: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        method: Method::Post,
        data: Some(DataDef::Form::<Static>(&[
            (
                "q",
                Lit::Str::<Static>(Template(&[TemplatePart::Lit("a b&c")])),
            ),
            ("n", Lit::Int(5)),
            ("skip", Lit::Null),
        ])),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(FormItem, &FORM_ITEMS);
static FORM_SOURCE: SourceDef = SourceDef {
    resources: &[&FORM_ITEMS],
    ..SOURCE
};
const RAW_ITEMS: ResourceDef = ResourceDef {
    endpoint: EndpointDef {
        method: Method::Post,
        data: Some(DataDef::Raw::<Static>(Template(&[TemplatePart::Lit(
            "plain text body",
        )]))),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(RawItem, &RAW_ITEMS);
static RAW_SOURCE: SourceDef = SourceDef {
    resources: &[&RAW_ITEMS],
    ..SOURCE
};

#[tokio::test]
async fn data_is_sent_as_a_form_when_an_object_and_as_is_when_text() {
    let (base, log) = serve(|_, _| json(json!({"data": [{"id": 1}]}))).await;
    collect::<FormItem>(&ex_for(&FORM_SOURCE, &base))
        .await
        .unwrap();
    collect::<RawItem>(&ex_for(&RAW_SOURCE, &base))
        .await
        .unwrap();
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, "q=a+b%26c&n=5");
    assert_eq!(
        seen[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(seen[1].body, "plain text body");
    assert_eq!(seen[1].headers.get("content-type"), None);
}
