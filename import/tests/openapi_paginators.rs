//! `init --openapi`: every paginator style recognised from parameters, response fields and
//! headers, with the exact paginator, extra params and the reason printed beside it.

use restsource_import::openapi::{import, Imported};
use serde_json::{json, Value};

/// A document with one list endpoint `GET /things` taking `params` and answering `body`
/// (whose `data` holds the records), with `headers` on the response.
fn things(params: Value, body: Value, headers: Value) -> Imported {
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "Things", "version": "1" },
        "servers": [{ "url": "https://api.example.com/v1/" }],
        "paths": { "/things": { "get": {
            "parameters": params,
            "responses": { "200": {
                "description": "ok",
                "headers": headers,
                "content": { "application/json": { "schema": body } }
            } }
        } } }
    });
    import(&doc.to_string(), None, "things.json").unwrap()
}

fn q(name: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "schema": schema })
}

fn page(extra: Value) -> Value {
    let mut props = json!({ "data": { "type": "array", "items": {
        "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } }
    } } });
    for (k, v) in extra.as_object().unwrap() {
        props[k] = v.clone();
    }
    json!({ "type": "object", "properties": props })
}

/// The endpoint object and the comment beside its paginator.
fn endpoint_of(i: &Imported) -> (Value, String) {
    let endpoint = i.draft.spec["resources"][0]["endpoint"].clone();
    let comment = i
        .draft
        .comments
        .iter()
        .find(|(at, _)| at.len() == 4)
        .map(|(_, c)| c.clone())
        .unwrap();
    (endpoint, comment)
}

#[test]
fn offset_and_limit_with_a_total() {
    let i = things(
        json!([
            q("offset", json!({"type": "integer"})),
            q("limit", json!({"type": "integer", "default": 50}))
        ]),
        page(json!({ "total": { "type": "integer" } })),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint,
        json!({ "path": "/things", "data_selector": "data",
                "paginator": { "type": "offset", "limit": 50 } })
    );
    assert_eq!(
        why,
        "offset: the endpoint takes `offset` and `limit`, the response counts records in `total`"
    );
    assert_eq!(
        i.draft.spec["client"]["base_url"],
        "https://api.example.com/v1"
    );
}

#[test]
fn offset_under_other_names_with_a_nested_total() {
    let i = things(
        json!([
            q("skip", json!({"type": "integer"})),
            q("page_size", json!({"type": "integer", "maximum": 500}))
        ]),
        page(
            json!({ "meta": { "type": "object", "properties": { "total_count": { "type": "integer" } } } }),
        ),
        json!({}),
    );
    assert_eq!(
        endpoint_of(&i).0["paginator"],
        json!({ "type": "offset", "limit": 100, "offset_param": "skip",
                "limit_param": "page_size", "total_path": "meta.total_count" })
    );
}

#[test]
fn offset_without_a_total_stops_at_the_first_empty_page() {
    let i = things(
        json!([
            q("offset", json!({"type": "integer"})),
            q("limit", json!({"type": "integer"}))
        ]),
        page(json!({})),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint["paginator"],
        json!({"type": "offset", "limit": 100, "total_path": false})
    );
    assert_eq!(
        why,
        "offset: the endpoint takes `offset` and `limit`; the response has no total, so paging \
         stops at the first empty page (`total_path = false`)"
    );
}

#[test]
fn page_numbers_with_a_page_size_and_a_page_count() {
    let i = things(
        json!([
            q("page", json!({"type": "integer", "minimum": 1})),
            q("per_page", json!({"type": "integer", "default": 30}))
        ]),
        page(json!({ "total_pages": { "type": "integer" } })),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint,
        json!({ "path": "/things", "data_selector": "data",
                "paginator": { "type": "page_number", "base_page": 1, "total_path": "total_pages" },
                "params": { "per_page": 30 } })
    );
    assert_eq!(
        why,
        "page_number: the endpoint takes `page` and `per_page`, the response counts pages in `total_pages`"
    );
}

#[test]
fn a_cursor_parameter_and_the_next_cursor_field() {
    let i = things(
        json!([q("starting_after", json!({"type": "string"}))]),
        page(
            json!({ "meta": { "type": "object", "properties": { "next_cursor": { "type": "string", "nullable": true } } } }),
        ),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint["paginator"],
        json!({ "type": "cursor", "cursor_path": "meta.next_cursor", "cursor_param": "starting_after" })
    );
    assert_eq!(
        why,
        "cursor: the endpoint takes `starting_after` and the response carries `meta.next_cursor`"
    );
}

#[test]
fn a_cursor_parameter_without_a_field_is_auto() {
    let i = things(
        json!([q("cursor", json!({"type": "string"}))]),
        page(json!({})),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(endpoint["paginator"], "auto");
    assert_eq!(
        why,
        "auto: the endpoint takes `cursor` but no response field names the next cursor"
    );
}

#[test]
fn a_next_url_in_the_body() {
    let i = things(
        json!([]),
        page(json!({ "next": { "type": "string", "format": "uri", "nullable": true } })),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint["paginator"],
        json!({ "type": "json_link", "next_url_path": "next" })
    );
    assert_eq!(
        why,
        "json_link: the response carries the next page's URL in `next`"
    );
    let i = things(
        json!([]),
        page(
            json!({ "_links": { "type": "object", "properties": { "next": {
            "type": "object", "properties": { "href": { "type": "string" } } } } } }),
        ),
        json!({}),
    );
    assert_eq!(
        endpoint_of(&i).0["paginator"],
        json!({ "type": "json_link", "next_url_path": "_links.next.href" })
    );
}

#[test]
fn a_link_header() {
    let i = things(
        json!([q("per_page", json!({"type": "integer"}))]),
        json!({ "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" } } } }),
        json!({ "Link": { "schema": { "type": "string" } } }),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(
        endpoint,
        json!({ "path": "/things", "data_selector": "$", "paginator": "header_link" })
    );
    assert_eq!(why, "header_link: the response declares a `Link` header");
}

#[test]
fn nothing_recognised_is_auto() {
    let i = things(
        json!([q("q", json!({"type": "string"}))]),
        page(json!({})),
        json!({}),
    );
    let (endpoint, why) = endpoint_of(&i);
    assert_eq!(endpoint["paginator"], "auto");
    assert_eq!(
        why,
        "auto: no paging parameter, next-page field or `Link` header in the document; the \
         runtime detects the paginator from the first response"
    );
}
