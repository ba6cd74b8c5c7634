//! Paginator auto-detection on the first response (dlt's detectors, in dlt's order).
//!
//! Difference from dlt: a detected `total_pages` API is not assumed to start at page 0. dlt
//! requests (no page), 1, 2 for a 1-based API with 3 pages, loading page 1 twice and never
//! page 3. Here the first response is page 1 unless it says otherwise: a `page`,
//! `current_page` or `page_number` field (or the first request's own `page` parameter) gives
//! the current page; 0 means a 0-based API. The next request is current + 1, so no page is
//! requested twice.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::link::find_link;
use super::{
    CursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, Paginator, RangePaginator,
    RequestParts,
};
use crate::select::PathStep;

/// Chooses a paginator from the first response.
pub fn detect(headers: &HeaderMap, page: &Value, first: &RequestParts) -> Paginator {
    if find_link(headers, "next").is_some() {
        return Paginator::HeaderLink(HeaderLinkPaginator {
            rel: "next".to_string(),
        });
    }
    let next = find_key(
        page,
        &mut Vec::new(),
        &|k| k.starts_with("next"),
        &next_value,
    );
    if let Some((path, Value::String(s))) = &next {
        if s.starts_with("http") || s.starts_with('/') {
            return Paginator::JsonLink(JsonLinkPaginator {
                next_url_path: path.clone().into(),
            });
        }
    }
    let total = find_key(
        page,
        &mut Vec::new(),
        &|k| matches!(k, "total_pages" | "pages" | "totalpages"),
        &|v| int_of(v).map(|_| (Vec::new(), v.clone())),
    );
    if let Some((total_path, _)) = total {
        let current = first
            .query
            .iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .or_else(|| {
                find_key(
                    page,
                    &mut Vec::new(),
                    &|k| {
                        matches!(
                            k,
                            "page" | "current_page" | "currentpage" | "page_number" | "pagenumber"
                        )
                    },
                    &|v| int_of(v).map(|_| (Vec::new(), v.clone())),
                )
                .and_then(|(_, v)| int_of(&v))
            })
            .unwrap_or(1);
        return Paginator::Range(RangePaginator::page_detected(
            total_path,
            current,
            current.min(1),
        ));
    }
    if let Some((path, _)) = next {
        return Paginator::Cursor(CursorPaginator::detected(path));
    }
    Paginator::Single
}

type Candidate = Option<(Vec<PathStep>, Value)>;

/// Depth-first, in key order: the first key matching `name` whose value `accept` takes. The
/// returned path is the key path plus whatever `accept` appends.
fn find_key(
    v: &Value,
    path: &mut Vec<PathStep>,
    name: &dyn Fn(&str) -> bool,
    accept: &dyn Fn(&Value) -> Candidate,
) -> Candidate {
    let Value::Object(m) = v else { return None };
    for (k, child) in m {
        path.push(PathStep::Key(k.clone().into()));
        if name(&k.to_ascii_lowercase()) {
            if let Some((extra, found)) = accept(child) {
                let mut full = path.clone();
                full.extend(extra);
                return Some((full, found));
            }
        }
        if child.is_object() {
            if let Some(hit) = find_key(child, path, name, accept) {
                return Some(hit);
            }
        }
        path.pop();
    }
    None
}

/// A `next*` value: a string or number, or an object with an `href*`/`url*` string.
fn next_value(v: &Value) -> Candidate {
    match v {
        Value::String(_) | Value::Number(_) => Some((Vec::new(), v.clone())),
        Value::Object(m) => m
            .iter()
            .find(|(k, val)| {
                let k = k.to_ascii_lowercase();
                (k.starts_with("href") || k.starts_with("url")) && val.is_string()
            })
            .map(|(k, val)| (vec![PathStep::Key(k.clone().into())], val.clone())),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first() -> RequestParts {
        RequestParts {
            url: url::Url::parse("http://h.test/x").unwrap(),
            query: vec![],
            json: None,
            data: None,
        }
    }

    #[test]
    fn detectors_in_order() {
        let h = HeaderMap::new();
        let p = detect(
            &h,
            &json!({"data":[],"links":{"next":{"href":"/x?p=2"}}}),
            &first(),
        );
        assert!(
            matches!(&p, Paginator::JsonLink(j) if j.next_url_path == vec![PathStep::Key("links".into()), PathStep::Key("next".into()), PathStep::Key("href".into())])
        );
        let p = detect(&h, &json!({"data":[],"meta":{"total_pages":3}}), &first());
        assert!(matches!(&p, Paginator::Range(r) if r.current == 1 && r.base_index == 1));
        let p = detect(&h, &json!({"data":[],"page":0,"total_pages":3}), &first());
        assert!(matches!(&p, Paginator::Range(r) if r.current == 0 && r.base_index == 0));
        let p = detect(&h, &json!({"data":[],"next_cursor":"abc"}), &first());
        assert!(
            matches!(&p, Paginator::Cursor(c) if c.cursor_path == vec![PathStep::Key("next_cursor".into())])
        );
        assert!(matches!(
            detect(&h, &json!([1, 2]), &first()),
            Paginator::Single
        ));
    }
}
