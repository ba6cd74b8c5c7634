//! A bad page is never an empty page: a page without the `data_selector` path, an object where
//! earlier pages had a list, a scalar, and an API repeating the same body while the paginator
//! moves on are errors naming the resource, page, redacted URL and (for the shapes) the body.

mod common_extract;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor};
use restsource_runtime::secret::SecretValues;
use serde_json::json;

fn extractor(base: &str, opts: ExtractOptions) -> Extractor {
    static SRC: SourceDef = SOURCE;
    Extractor::new(&SRC, SecretValues::new())
        .with_base_url(base)
        .with_options(opts)
}

fn sequential() -> ExtractOptions {
    ExtractOptions {
        page_concurrency: 1,
        ..options()
    }
}

fn offset_of(uri: &str) -> u64 {
    url::Url::parse(&format!("http://x{uri}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "offset")
        .map_or(0, |(_, v)| v.parse().unwrap())
}

/// Three records per offset page.
fn page(uri: &str) -> serde_json::Value {
    let off = offset_of(uri) as i64;
    json!((off..off + 3).map(|i| json!({"id": i})).collect::<Vec<_>>())
}

const HINT: &str = "(if the API leaves it out of empty pages, set the endpoint's `data_selector_missing` to \"empty\")";

// An `api_key` query parameter: the URL in the message is redacted, and so is its echo in the
// quoted body.
const PAGED: ResourceDef = ResourceDef {
    name: "paged",
    endpoint: EndpointDef {
        params: &[(
            "api_key",
            Lit::Str::<Static>(Template(&[TemplatePart::Lit("k3y-0123456789")])),
        )],
        paginator: offset_until_empty(3),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(PagedRec, &PAGED);

#[tokio::test]
async fn a_page_1_without_the_selector_path_is_an_error_not_an_empty_page() {
    let (base, log) =
        serve(|_, _| json(json!({"message": "Service unavailable", "key": "k3y-0123456789"})))
            .await;
    let err = collect::<PagedRec>(&extractor(&base, sequential()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `paged`: page 1 ({base}/items?api_key=***&offset=0&limit=3): data_selector \
             `data` not found in the response {HINT}; body: {{\"message\":\"Service unavailable\",\"key\":\"***\"}}"
        )
    );
    assert_eq!(uris(&log).len(), 1);
}

#[tokio::test]
async fn a_page_2_without_the_selector_path_is_an_error_not_the_end() {
    let (base, log) = serve(|s, n| match n {
        0 => json(json!({"data": page(&s.uri)})),
        _ => json(json!({"message": "Service unavailable"})),
    })
    .await;
    let err = collect::<PagedRec>(&extractor(&base, sequential()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `paged`: page 2 ({base}/items?api_key=***&offset=3&limit=3): data_selector \
             `data` not found in the response {HINT}; body: {{\"message\":\"Service unavailable\"}}"
        )
    );
    assert_eq!(
        uris(&log),
        vec![
            "/items?api_key=k3y-0123456789&offset=0&limit=3",
            "/items?api_key=k3y-0123456789&offset=3&limit=3"
        ]
    );
}

const TOTAL: ResourceDef = ResourceDef {
    name: "total",
    endpoint: EndpointDef {
        paginator: PaginatorDef::Offset {
            limit: 3,
            offset: 0,
            offset_param: ParamPlace::Query("offset"),
            limit_param: ParamPlace::Query("limit"),
            total_path: Some(&[PathStep::key("total")]),
            maximum_offset: None,
            stop_after_empty_page: true,
            has_more_path: None,
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(TotalRec, &TOTAL);

#[tokio::test]
async fn a_parallel_page_without_the_path_fails_in_delivery_order() {
    // Pages 2-4 are requested concurrently; page 3 is the bad one and answers last.
    let (base, _) = serve(|s, _| match offset_of(&s.uri) {
        6 => {
            std::thread::sleep(std::time::Duration::from_millis(50));
            json(json!({"error": {"code": 503}}))
        }
        _ => json(json!({"data": page(&s.uri), "total": 12})),
    })
    .await;
    let err = collect::<TotalRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `total`: page 3 ({base}/items?offset=6&limit=3): data_selector `data` not \
             found in the response {HINT}; body: {{\"error\":{{\"code\":503}}}}"
        )
    );
}

#[tokio::test]
async fn an_object_after_lists_and_a_scalar_are_errors_an_object_first_is_one_record() {
    let (base, _) = serve(|s, n| match n {
        0 => json(json!({"data": page(&s.uri)})),
        _ => json(json!({"data": {"id": 99, "status": "degraded"}})),
    })
    .await;
    let err = collect::<PagedRec>(&extractor(&base, sequential()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `paged`: page 2 ({base}/items?api_key=***&offset=3&limit=3): data_selector \
             `data` selected an object where earlier pages had a list of records; body: \
             {{\"data\":{{\"id\":99,\"status\":\"degraded\"}}}}"
        )
    );

    // dlt reads a single object as a one-record page; a first page may be one.
    let (base, _) = serve(|_, _| json(json!({"data": {"id": 5}}))).await;
    let recs = collect::<Rec>(&extractor(&base, options())).await.unwrap();
    assert_eq!(ids(&recs), vec![5]);

    let (base, _) = serve(|_, _| json(json!({"data": "maintenance"}))).await;
    let err = collect::<Rec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `items`: page 1 ({base}/items): data_selector `data` selected a scalar, not \
             a record or a list of records; body: {{\"data\":\"maintenance\"}}"
        )
    );
}

record_type!(Rec, &RESOURCE);

#[tokio::test]
async fn null_at_the_path_is_an_empty_page_as_in_dlt() {
    let (base, log) = serve(|s, n| match n {
        0 => json(json!({"data": page(&s.uri)})),
        _ => json(json!({"data": null})),
    })
    .await;
    let recs = collect::<PagedRec>(&extractor(&base, sequential()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2]);
    assert_eq!(uris(&log).len(), 2);
}

const LENIENT: ResourceDef = ResourceDef {
    name: "lenient",
    endpoint: EndpointDef {
        paginator: offset_until_empty(3),
        data_selector_missing: DataSelectorMissing::Empty,
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(LenientRec, &LENIENT);

#[tokio::test]
async fn data_selector_missing_empty_reads_a_page_without_the_path_as_empty() {
    let (base, log) = serve(|s, n| match n {
        0 => json(json!({"data": page(&s.uri)})),
        _ => json(json!({"done": true})),
    })
    .await;
    let recs = collect::<LenientRec>(&extractor(&base, sequential()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2]);
    assert_eq!(
        uris(&log),
        vec!["/items?offset=0&limit=3", "/items?offset=3&limit=3"]
    );
}

const DETECTED: ResourceDef = ResourceDef {
    name: "detected",
    endpoint: EndpointDef {
        paginator: offset_until_empty(3),
        data_selector: None,
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(DetectedRec, &DETECTED);

#[tokio::test]
async fn a_detected_record_list_missing_on_a_later_page_is_an_error() {
    let (base, _) = serve(|s, n| match n {
        0 => json(json!({"meta": {"v": 1}, "items": page(&s.uri)})),
        _ => json(json!({"meta": {"v": 1}, "message": "rate limited"})),
    })
    .await;
    let err = collect::<DetectedRec>(&extractor(&base, sequential()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `detected`: page 2 ({base}/items?offset=3&limit=3): the record list \
             `items` (detected on page 1) not found in the response {HINT}; body: \
             {{\"meta\":{{\"v\":1}},\"message\":\"rate limited\"}}"
        )
    );
}

const REPEAT: &str = "pages in a row although paginator";

#[tokio::test]
async fn the_same_body_three_times_while_the_offset_moves_on_is_an_error() {
    // The API ignores the offset: page 1 again and again.
    let (base, log) = serve(|_, _| json(json!({"data": [{"id": 1}, {"id": 2}]}))).await;
    let err = collect::<PagedRec>(&extractor(&base, sequential()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `paged`: page 3 ({base}/items?api_key=***&offset=6&limit=3): the same \
             response body 3 {REPEAT} `offset` asked for different pages; stopping instead of \
             loading the same records again"
        )
    );
    assert_eq!(uris(&log).len(), 3);
}

#[tokio::test]
async fn the_same_body_on_parallel_pages_is_caught_in_delivery_order() {
    let (base, log) = serve(|_, _| json(json!({"data": [{"id": 1}], "total": 3000}))).await;
    let err = collect::<TotalRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `total`: page 3 ({base}/items?offset=6&limit=3): the same response body 3 \
             {REPEAT} `offset` asked for different pages; stopping instead of loading the same \
             records again"
        )
    );
    // Page 1, then at most the pages in flight, not the 1,000 pages the total promises.
    assert!(uris(&log).len() <= 1 + 8 + 2, "{:?}", uris(&log).len());
}

const HEADER_CURSOR: ResourceDef = ResourceDef {
    name: "header_cursor",
    endpoint: EndpointDef {
        paginator: PaginatorDef::HeaderCursor {
            cursor_key: "X-Next",
            cursor_param: "after",
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(HeaderCursorRec, &HEADER_CURSOR);

#[tokio::test]
async fn a_moving_cursor_over_the_same_body_is_an_error_empty_pages_are_not() {
    let (base, log) = serve(|_, n| {
        let mut r = json(json!({"data": [{"id": 7}]}));
        r.headers.push(("x-next", format!("c{}", n + 1)));
        r
    })
    .await;
    let err = collect::<HeaderCursorRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `header_cursor`: page 3 ({base}/items?after=c2): the same response body 3 \
             {REPEAT} `header_cursor` asked for different pages; stopping instead of loading the \
             same records again"
        )
    );
    assert_eq!(
        uris(&log),
        vec!["/items", "/items?after=c1", "/items?after=c2"]
    );

    // Empty pages repeated are not records loaded twice; two equal pages in a row may be
    // chance.
    let (base, log) = serve(|_, n| {
        let mut r = match n {
            0 | 1 => json(json!({"data": [{"id": 1}]})),
            2..=5 => json(json!({"data": []})),
            _ => json(json!({"data": [{"id": 2}]})),
        };
        if n < 6 {
            r.headers.push(("x-next", format!("c{}", n + 1)));
        }
        r
    })
    .await;
    let recs = collect::<HeaderCursorRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![1, 1, 2]);
    assert_eq!(uris(&log).len(), 7);
}
