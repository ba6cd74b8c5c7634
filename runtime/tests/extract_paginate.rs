//! Paginators against a local server: exact request sequences, stop rules, body paths, the
//! repeat guard and auto-detection.

mod common_extract;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor};
use restsource_runtime::secret::SecretValues;
use serde_json::json;

const OFFSET: ResourceDef = ResourceDef {
    name: "offset",
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
record_type!(OffsetRec, &OFFSET);

fn query(uri: &str, key: &str) -> Option<u64> {
    url::Url::parse(&format!("http://x{uri}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.parse().unwrap())
}

fn offset_server(total: Option<u64>, n: u64) -> impl Fn(&Seen, usize) -> Reply {
    move |s, _| {
        let off = query(&s.uri, "offset").unwrap_or(0);
        let data: Vec<_> = (off..(off + 3).min(n)).map(|i| json!({"id": i})).collect();
        match total {
            Some(t) => json(json!({"data": data, "total": t})),
            None => json(json!({"data": data})),
        }
    }
}

fn extractor(base: &str, opts: ExtractOptions) -> Extractor {
    static SRC: SourceDef = SOURCE;
    Extractor::new(&SRC, SecretValues::new())
        .with_base_url(base)
        .with_options(opts)
}

#[tokio::test]
async fn offset_stops_at_total_sequentially() {
    let (base, log) = serve(offset_server(Some(7), 7)).await;
    let ex = extractor(
        &base,
        ExtractOptions {
            page_concurrency: 1,
            ..options()
        },
    );
    let recs = collect::<OffsetRec>(&ex).await.unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(
        uris(&log),
        vec![
            "/items?offset=0&limit=3",
            "/items?offset=3&limit=3",
            "/items?offset=6&limit=3"
        ]
    );
}

#[tokio::test]
async fn offset_pages_fetched_in_parallel_keep_order() {
    // Early pages are answered last: the server sleeps longer for smaller offsets.
    let (base, log) = serve(|s, _| {
        let off = query(&s.uri, "offset").unwrap_or(0);
        if off > 0 {
            std::thread::sleep(std::time::Duration::from_millis(60 - off * 2));
        }
        let data: Vec<_> = (off..(off + 3).min(30)).map(|i| json!({"id": i})).collect();
        json(json!({"data": data, "total": 30}))
    })
    .await;
    let ex = extractor(&base, options());
    let recs = collect::<OffsetRec>(&ex).await.unwrap();
    assert_eq!(ids(&recs), (0..30).collect::<Vec<i64>>());
    let mut offsets: Vec<u64> = uris(&log)
        .iter()
        .map(|u| query(u, "offset").unwrap())
        .collect();
    offsets.sort();
    assert_eq!(offsets, vec![0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
}

const OFFSET_NO_TOTAL: ResourceDef = ResourceDef {
    name: "offset_nt",
    endpoint: EndpointDef {
        paginator: offset_until_empty(3),
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(OffsetNoTotal, &OFFSET_NO_TOTAL);

#[tokio::test]
async fn offset_without_total_stops_on_empty_page() {
    let (base, log) = serve(offset_server(None, 9)).await;
    let recs = collect::<OffsetNoTotal>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(recs.len(), 9);
    assert_eq!(
        uris(&log),
        vec![
            "/items?offset=0&limit=3",
            "/items?offset=3&limit=3",
            "/items?offset=6&limit=3",
            "/items?offset=9&limit=3"
        ]
    );
}

#[tokio::test]
async fn missing_total_on_first_page_is_an_error_but_later_pages_keep_it() {
    let (base, log) = serve(|s, _| {
        let off = query(&s.uri, "offset").unwrap_or(0);
        let data: Vec<_> = (off..(off + 3).min(7)).map(|i| json!({"id": i})).collect();
        if off == 0 {
            json(json!({"data": data, "total": 7}))
        } else {
            json(json!({"data": data}))
        }
    })
    .await;
    let recs = collect::<OffsetRec>(&extractor(
        &base,
        ExtractOptions {
            page_concurrency: 1,
            ..options()
        },
    ))
    .await
    .unwrap();
    assert_eq!(recs.len(), 7);
    assert_eq!(uris(&log).len(), 3);

    let (base, _) = serve(offset_server(None, 7)).await;
    let err = collect::<OffsetRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `offset`: paginator `offset` at {base}/items?offset=0&limit=3: total `total` not found in the response")
    );
}

const PAGES: ResourceDef = ResourceDef {
    name: "pages",
    endpoint: EndpointDef {
        paginator: PaginatorDef::PageNumber {
            base_page: 1,
            page: 1,
            page_param: ParamPlace::Query("p"),
            total_path: None,
            maximum_page: Some(3),
            stop_after_empty_page: true,
            has_more_path: Some(&[PathStep::key("more")]),
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(PageRec, &PAGES);

#[tokio::test]
async fn page_number_maximum_is_exclusive_and_has_more_is_anded() {
    let (base, log) =
        serve(|s, n| json(json!({"data": [{"id": n}], "more": true, "u": s.uri}))).await;
    collect::<PageRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(uris(&log), vec!["/items?p=1", "/items?p=2"]);

    let (base, log) = serve(|_, n| json(json!({"data": [{"id": n}], "more": false}))).await;
    collect::<PageRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(uris(&log), vec!["/items?p=1"]);

    let (base, _) = serve(|_, n| json(json!({"data": [{"id": n}]}))).await;
    let err = collect::<PageRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("has_more `more` not found in the response"),
        "{err}"
    );
}

const CURSOR_BODY: ResourceDef = ResourceDef {
    name: "cursor_body",
    endpoint: EndpointDef {
        method: Method::Post,
        json: Some(Lit::Map::<Static>(&[("filter", Lit::Int(1))])),
        data: None,
        paginator: PaginatorDef::Cursor {
            cursor_path: &[PathStep::key("meta"), PathStep::key("next")],
            cursor_param: ParamPlace::Body(&["page", "cursor"]),
            stop_after_empty_page: false,
            has_more_path: None,
            initial_cursor: None,
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(CursorRec, &CURSOR_BODY);

#[tokio::test]
async fn cursor_in_json_body_until_falsy_cursor() {
    let (base, log) = serve(|_, n| {
        let next = ["c1", "c2", ""][n];
        json(json!({"data": [{"id": n}], "meta": {"next": next}}))
    })
    .await;
    let recs = collect::<CursorRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2]);
    let bodies: Vec<String> = log.lock().unwrap().iter().map(|s| s.body.clone()).collect();
    assert_eq!(
        bodies,
        vec![
            r#"{"filter":1}"#,
            r#"{"filter":1,"page":{"cursor":"c1"}}"#,
            r#"{"filter":1,"page":{"cursor":"c2"}}"#
        ]
    );
}

#[tokio::test]
async fn repeat_guard_stops_a_looping_cursor() {
    let (base, log) =
        serve(|_, n| json(json!({"data": [{"id": n}], "meta": {"next": "same"}}))).await;
    let err = collect::<CursorRec>(&extractor(&base, options()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `cursor_body`: paginator `cursor` would request {base}/items a second time; stopping instead of looping")
    );
    assert_eq!(uris(&log).len(), 2);
}

const JSON_LINK: ResourceDef = ResourceDef {
    name: "json_link",
    endpoint: EndpointDef {
        params: &[("q", Lit::Str::<Static>(Template(&[TemplatePart::Lit("x")])))],
        paginator: PaginatorDef::JsonLink {
            next_url_path: &[PathStep::key("next")],
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(LinkRec, &JSON_LINK);

#[tokio::test]
async fn json_link_drops_query_and_stops_on_empty_link() {
    let (base, log) = serve(|_, n| {
        let next = ["/items?page=2", "items3", ""][n];
        json(json!({"data": [{"id": n}], "next": next}))
    })
    .await;
    let recs = collect::<LinkRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(uris(&log), vec!["/items?q=x", "/items?page=2", "/items3"]);
}

const HEADER_LINK: ResourceDef = ResourceDef {
    name: "header_link",
    endpoint: EndpointDef {
        paginator: PaginatorDef::HeaderLink {
            links_next_key: "next",
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(HeaderLinkRec, &HEADER_LINK);

#[tokio::test]
async fn header_link_follows_rel_next() {
    let (base, log) = serve(|_, n| {
        let mut r = json(json!({"data": [{"id": n}]}));
        if n < 2 {
            r.headers.push((
                "link",
                format!("</items?after={n}>; rel=\"next\", </items?x=1>; rel=\"last\""),
            ));
        }
        r
    })
    .await;
    collect::<HeaderLinkRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(
        uris(&log),
        vec!["/items", "/items?after=0", "/items?after=1"]
    );
}

const AUTO: ResourceDef = ResourceDef {
    name: "auto",
    endpoint: EndpointDef {
        paginator: PaginatorDef::Auto,
        data_selector: None,
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(AutoRec, &AUTO);

#[tokio::test]
async fn auto_detected_page_numbers_start_at_one_and_load_every_page_once() {
    let (base, log) = serve(|s, _| {
        let p = query(&s.uri, "page").unwrap_or(1) as i64;
        json(json!({"meta": {"total_pages": 3}, "results": [{"id": p}]}))
    })
    .await;
    let recs = collect::<AutoRec>(&extractor(
        &base,
        ExtractOptions {
            page_concurrency: 1,
            ..options()
        },
    ))
    .await
    .unwrap();
    assert_eq!(ids(&recs), vec![1, 2, 3]);
    assert_eq!(uris(&log), vec!["/items", "/items?page=2", "/items?page=3"]);
}

#[tokio::test]
async fn auto_detected_cursor_and_json_link() {
    let (base, log) = serve(|_, n| json(json!({"items": [{"id": n}], "next_cursor": if n < 2 { json!(format!("k{n}")) } else { json!(null) }}))).await;
    collect::<AutoRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(
        uris(&log),
        vec!["/items", "/items?cursor=k0", "/items?cursor=k1"]
    );

    let (base, log) = serve(|_, n| json(json!({"items": [{"id": n}], "next": if n < 1 { json!("/items?p=2") } else { json!(null) }}))).await;
    collect::<AutoRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(uris(&log), vec!["/items", "/items?p=2"]);
}

const HEADER_CURSOR: ResourceDef = ResourceDef {
    name: "header_cursor",
    endpoint: EndpointDef {
        params: &[("q", Lit::Str::<Static>(Template(&[TemplatePart::Lit("x")])))],
        paginator: PaginatorDef::HeaderCursor {
            cursor_key: "X-Next-Cursor",
            cursor_param: "after",
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(HeaderCursorRec, &HEADER_CURSOR);

#[tokio::test]
async fn header_cursor_sends_the_header_value_and_stops_when_it_is_absent() {
    let (base, log) = serve(|_, n| {
        let mut r = json(json!({"data": [{"id": n}]}));
        if n < 2 {
            r.headers.push(("x-next-cursor", format!("c{}", n + 1)));
        }
        r
    })
    .await;
    let recs = collect::<HeaderCursorRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2]);
    // The cursor parameter replaces the previous one; the endpoint's own params stay.
    assert_eq!(
        uris(&log),
        vec!["/items?q=x", "/items?q=x&after=c1", "/items?q=x&after=c2"]
    );
}

const OFFSET_MAX: ResourceDef = ResourceDef {
    name: "offset_max",
    endpoint: EndpointDef {
        paginator: PaginatorDef::Offset {
            limit: 3,
            offset: 0,
            offset_param: ParamPlace::Query("offset"),
            limit_param: ParamPlace::Query("limit"),
            total_path: None,
            maximum_offset: Some(6),
            stop_after_empty_page: true,
            has_more_path: None,
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(OffsetMaxRec, &OFFSET_MAX);

const OFFSET_MAX_TOTAL: ResourceDef = ResourceDef {
    name: "offset_max_total",
    endpoint: EndpointDef {
        paginator: PaginatorDef::Offset {
            limit: 3,
            offset: 0,
            offset_param: ParamPlace::Query("offset"),
            limit_param: ParamPlace::Query("limit"),
            total_path: Some(&[PathStep::key("total")]),
            maximum_offset: Some(7),
            stop_after_empty_page: true,
            has_more_path: None,
        },
        ..ENDPOINT
    },
    ..RESOURCE
};
record_type!(OffsetMaxTotalRec, &OFFSET_MAX_TOTAL);

#[tokio::test]
async fn offset_maximum_is_exclusive_sequentially_and_in_parallel() {
    // No total: offset 6 would be the third page, but the maximum 6 is exclusive.
    let (base, log) = serve(offset_server(None, 100)).await;
    let recs = collect::<OffsetMaxRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(
        uris(&log),
        vec!["/items?offset=0&limit=3", "/items?offset=3&limit=3"]
    );

    // A total far above the maximum: the parallel plan stops below the maximum too (offset 6
    // < 7 is requested, 9 is not), and a requested page is loaded whole.
    let (base, log) = serve(offset_server(Some(100), 100)).await;
    let recs = collect::<OffsetMaxTotalRec>(&extractor(&base, options()))
        .await
        .unwrap();
    assert_eq!(ids(&recs), (0..9).collect::<Vec<_>>());
    let mut seen = uris(&log);
    seen.sort();
    assert_eq!(
        seen,
        vec![
            "/items?offset=0&limit=3",
            "/items?offset=3&limit=3",
            "/items?offset=6&limit=3"
        ]
    );
}
