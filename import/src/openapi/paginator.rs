//! The paginator of a list endpoint, guessed from its query parameters, its response's fields
//! and its response headers, with the reason (printed beside it). When nothing is recognised
//! the paginator is `auto`: the runtime detects it from the first response.

use serde_json::{json, Map, Value};

use super::schema::{Node, Shape};

/// A query parameter of the operation: its name and schema (resolved).
#[derive(Debug, Clone)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// Its schema's `default`, `maximum` and `minimum`, when numbers.
    pub default: Option<i64>,
    /// See `default`.
    pub maximum: Option<i64>,
    /// See `default`.
    pub minimum: Option<i64>,
}

/// A detected paginator.
#[derive(Debug, Clone, PartialEq)]
pub struct Paginator {
    /// The spec's `paginator` value.
    pub value: Value,
    /// Extra query parameters it needs (a page size for page numbers).
    pub params: Map<String, Value>,
    /// Why (printed as a comment beside the paginator; also in the report).
    pub why: String,
}

const OFFSET: [&str; 3] = ["offset", "skip", "start"];
const LIMIT: [&str; 6] = [
    "limit",
    "per_page",
    "page_size",
    "pagesize",
    "size",
    "count",
];
const PAGE: [&str; 3] = ["page", "page_number", "pagenumber"];
const CURSOR: [&str; 10] = [
    "cursor",
    "after",
    "starting_after",
    "page_token",
    "pagetoken",
    "next_token",
    "nexttoken",
    "continuation",
    "continuation_token",
    "marker",
];
const NEXT_CURSOR: [&str; 12] = [
    "next_cursor",
    "nextcursor",
    "next_page_token",
    "nextpagetoken",
    "next_token",
    "nexttoken",
    "end_cursor",
    "endcursor",
    "continuation_token",
    "next_marker",
    "cursor",
    "after",
];
const NEXT_LINK: [&str; 6] = [
    "next",
    "next_url",
    "next_page_url",
    "nextlink",
    "@odata.nextlink",
    "next_link",
];
const TOTAL: [&str; 6] = [
    "total",
    "total_count",
    "totalcount",
    "total_results",
    "totalresults",
    "count",
];
const TOTAL_PAGES: [&str; 3] = ["total_pages", "totalpages", "page_count"];

/// Guesses the paginator from `params` (query parameters), the response `body` shape and
/// whether the response declares a `Link` header.
pub fn detect(params: &[Param], body: &Node, link_header: bool) -> Paginator {
    let find = |names: &[&str]| {
        params
            .iter()
            .find(|p| names.contains(&p.name.to_ascii_lowercase().as_str()))
    };
    let fields = scalar_paths(body);
    let field = |names: &[&str]| {
        fields
            .iter()
            .find(|(path, _)| {
                // `_links.next.href` is named by `next`.
                let name = match path.as_slice() {
                    [.., named, last] if last == "href" => named,
                    [.., last] => last,
                    [] => return false,
                };
                names.contains(&name.to_ascii_lowercase().as_str())
            })
            .map(|(path, link)| (path.join("."), *link))
    };
    if let Some(cursor) = find(&CURSOR) {
        if let Some((path, _)) = field(&NEXT_CURSOR) {
            return Paginator {
                value: json!({ "type": "cursor", "cursor_path": path, "cursor_param": cursor.name }),
                params: Map::new(),
                why: format!(
                    "cursor: the endpoint takes `{}` and the response carries `{path}`",
                    cursor.name
                ),
            };
        }
    }
    if let Some((path, _)) = field(&NEXT_LINK).filter(|(_, link)| *link) {
        return Paginator {
            value: json!({ "type": "json_link", "next_url_path": path }),
            params: Map::new(),
            why: format!("json_link: the response carries the next page's URL in `{path}`"),
        };
    }
    if link_header {
        return Paginator {
            value: json!("header_link"),
            params: Map::new(),
            why: "header_link: the response declares a `Link` header".into(),
        };
    }
    if let (Some(offset), Some(limit)) = (find(&OFFSET), find(&LIMIT)) {
        let size = page_size(limit);
        let mut value = json!({ "type": "offset", "limit": size });
        if offset.name != "offset" {
            value["offset_param"] = offset.name.clone().into();
        }
        if limit.name != "limit" {
            value["limit_param"] = limit.name.clone().into();
        }
        return match field(&TOTAL) {
            Some((total, _)) => {
                if total != "total" {
                    value["total_path"] = total.clone().into();
                }
                Paginator {
                    value,
                    params: Map::new(),
                    why: format!(
                        "offset: the endpoint takes `{}` and `{}`, the response counts records \
                         in `{total}`",
                        offset.name, limit.name
                    ),
                }
            }
            None => no_total("offset", &[&offset.name, &limit.name], value),
        };
    }
    if let Some(page) = find(&PAGE) {
        let mut value = json!({ "type": "page_number" });
        // Page numbers usually start at 1; the parameter's minimum or default says so.
        let base = page.minimum.or(page.default).unwrap_or(1).max(0);
        value["base_page"] = base.into();
        if page.name != "page" {
            value["page_param"] = page.name.clone().into();
        }
        let mut params = Map::new();
        let mut names = vec![page.name.as_str()];
        if let Some(size) = find(&LIMIT) {
            params.insert(size.name.clone(), page_size(size).into());
            names.push(&size.name);
        }
        return match field(&TOTAL_PAGES) {
            Some((total, _)) => {
                value["total_path"] = total.clone().into();
                Paginator {
                    value,
                    params,
                    why: format!(
                        "page_number: the endpoint takes `{}`, the response counts pages in \
                         `{total}`",
                        names.join("` and `")
                    ),
                }
            }
            None => Paginator {
                params,
                ..no_total("page_number", &names, value)
            },
        };
    }
    let why = if let Some(cursor) = find(&CURSOR) {
        format!(
            "auto: the endpoint takes `{}` but no response field names the next cursor",
            cursor.name
        )
    } else {
        "auto: no paging parameter, next-page field or `Link` header in the document; the \
         runtime detects the paginator from the first response"
            .to_string()
    };
    Paginator {
        value: json!("auto"),
        params: Map::new(),
        why,
    }
}

/// A range paginator whose response has no total: it stops at the first empty page, as dlt's
/// does with `total_path: None` (`false`, which a spec reads the same, since TOML has no null).
fn no_total(kind: &str, names: &[&str], value: Value) -> Paginator {
    let mut value = value;
    value["total_path"] = Value::Bool(false);
    Paginator {
        value,
        params: Map::new(),
        why: format!(
            "{kind}: the endpoint takes `{}`; the response has no total, so paging stops at the \
             first empty page (`total_path = false`)",
            names.join("` and `")
        ),
    }
}

/// A page size: the parameter's default, else its maximum up to 100, else 100.
fn page_size(p: &Param) -> i64 {
    p.default
        .or(p.maximum.map(|m| m.min(100)))
        .unwrap_or(100)
        .max(1)
}

/// The key paths of the body's scalar fields (up to three levels deep), each with whether it
/// looks like a link (a `uri` string, or a key named like one).
fn scalar_paths(body: &Node) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    walk(body, &mut Vec::new(), &mut out);
    out
}

fn walk(node: &Node, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, bool)>) {
    let Shape::Object(props) = &node.shape else {
        return;
    };
    for p in props {
        prefix.push(p.name.clone());
        match &p.node.shape {
            Shape::Scalar(_) | Shape::Json | Shape::Any => {
                let key = p.name.to_ascii_lowercase();
                let in_links = prefix
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|k| k.to_ascii_lowercase().contains("link"));
                let link = key.contains("url")
                    || key.contains("link")
                    || key == "href"
                    || in_links
                    || (key == "next" && prefix.len() == 1);
                out.push((prefix.clone(), link));
            }
            Shape::Object(_) if prefix.len() < 3 => walk(&p.node, prefix, out),
            _ => {}
        }
        prefix.pop();
    }
}
