//! Paginators: string aliases, or objects dispatched on `type` first so that each type gets
//! its own allowed keys and messages. Also dlt's constructor checks (a paginator that can
//! never stop; both `*_param` and `*_body_path`).

use super::{list, suggest, Cx, Obj};
use crate::model::{
    CursorPaginator, EmptyParams, HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator,
    Nullable, OffsetPaginator, PageNumberPaginator, Paginator, PaginatorConfig, RustPaginator,
};
use crate::parse::{Kind, Node};

const TYPES: &[&str] = &[
    "single_page",
    "auto",
    "offset",
    "page_number",
    "cursor",
    "header_cursor",
    "json_link",
    "json_response",
    "header_link",
    "rust",
];
const ALIASES: &[&str] = &[
    "single_page",
    "header_link",
    "json_link",
    "json_response",
    "header_cursor",
    "cursor",
    "auto",
];
/// `single_page` and `auto` take no settings.
pub(super) const TYPE_ONLY_KEYS: &[&str] = &["type"];
pub(super) const HEADER_CURSOR_KEYS: &[&str] = &["type", "cursor_key", "cursor_param"];
pub(super) const JSON_LINK_KEYS: &[&str] = &["type", "next_url_path"];
pub(super) const HEADER_LINK_KEYS: &[&str] = &["type", "links_next_key"];
pub(super) const RUST_KEYS: &[&str] = &["type", "path"];
pub(super) const OFFSET_KEYS: &[&str] = &[
    "type",
    "limit",
    "offset",
    "offset_param",
    "offset_body_path",
    "limit_param",
    "limit_body_path",
    "total_path",
    "maximum_offset",
    "stop_after_empty_page",
    "has_more_path",
];
pub(super) const PAGE_KEYS: &[&str] = &[
    "type",
    "base_page",
    "page",
    "page_param",
    "page_body_path",
    "total_path",
    "maximum_page",
    "stop_after_empty_page",
    "has_more_path",
];
pub(super) const CURSOR_KEYS: &[&str] = &[
    "type",
    "cursor_path",
    "cursor_param",
    "cursor_body_path",
    "stop_after_empty_page",
    "has_more_path",
    "initial_cursor",
];

fn unknown_type(cx: &mut Cx<'_>, node: &Node, path: &str, name: &str) {
    match suggest(name, TYPES) {
        Some(s) => cx.error(node.span, path, format!("unknown paginator type `{name}`; did you mean `{s}`?"), Some(format!("paginator types: {}", list(TYPES)))),
        None => cx.error(
            node.span,
            path,
            format!("unknown paginator type `{name}`: custom paginator types rely on Python registration (`register_paginator`) and cannot be used in a spec"),
            Some(format!("use one of {}; a paginator of your own is a Rust type: {{\"type\": \"rust\", \"path\": \"crate::paging::MyPaginator\"}}", list(TYPES))),
        ),
    }
}

/// A paginator value.
pub(crate) fn paginator(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<PaginatorConfig> {
    match &node.kind {
        Kind::Str(name) if ALIASES.contains(&name.as_str()) => {
            Some(PaginatorConfig::Alias(name.clone()))
        }
        Kind::Str(name) if name == "offset" => {
            cx.error(
                node.span,
                path,
                "paginator `offset` cannot be written as a bare name: `limit` is required",
                Some("write {\"type\": \"offset\", \"limit\": 100}".into()),
            );
            None
        }
        Kind::Str(name) if name == "page_number" => {
            cx.error(
                node.span,
                path,
                "paginator `page_number` cannot be written as a bare name: its defaults (first page 0, total pages read from `total`) rarely match an API",
                Some("write {\"type\": \"page_number\", \"base_page\": 1, \"total_path\": \"total_pages\"} with your API's values".into()),
            );
            None
        }
        Kind::Str(name) => {
            unknown_type(cx, node, path, name);
            None
        }
        Kind::Object(entries) => {
            let Some(ty_node) = entries.iter().find(|e| e.key == "type").map(|e| &e.value) else {
                cx.error(
                    super::opening(node.span),
                    path,
                    "missing required key `type` in paginator",
                    Some(format!("one of {}", list(TYPES))),
                );
                return None;
            };
            let ty = cx.string(ty_node, &super::child(path, "type"))?;
            object(cx, node, path, ty_node, &ty).map(PaginatorConfig::Object)
        }
        other => {
            let msg = format!(
                "expected a paginator name or object, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}

fn object(cx: &mut Cx<'_>, node: &Node, path: &str, ty_node: &Node, ty: &str) -> Option<Paginator> {
    Some(match ty {
        "single_page" => {
            cx.object(node, path, "single_page paginator", TYPE_ONLY_KEYS)?;
            Paginator::SinglePage(EmptyParams {})
        }
        "auto" => {
            cx.object(node, path, "auto paginator", TYPE_ONLY_KEYS)?;
            Paginator::Auto(EmptyParams {})
        }
        "offset" => Paginator::Offset(offset(cx, node, path)?),
        "page_number" => Paginator::PageNumber(page_number(cx, node, path)?),
        "cursor" => Paginator::Cursor(cursor(cx, node, path)?),
        "header_cursor" => {
            let o = cx.object(node, path, "header_cursor paginator", HEADER_CURSOR_KEYS)?;
            Paginator::HeaderCursor(HeaderCursorPaginator {
                cursor_key: cx.opt(&o, "cursor_key", Cx::string),
                cursor_param: cx.opt(&o, "cursor_param", Cx::string),
            })
        }
        "json_link" | "json_response" => {
            let o = cx.object(node, path, "json_link paginator", JSON_LINK_KEYS)?;
            Paginator::JsonLink(JsonLinkPaginator {
                next_url_path: cx.opt(&o, "next_url_path", Cx::string),
            })
        }
        "header_link" => {
            let o = cx.object(node, path, "header_link paginator", HEADER_LINK_KEYS)?;
            Paginator::HeaderLink(HeaderLinkPaginator {
                links_next_key: cx.opt(&o, "links_next_key", Cx::string),
            })
        }
        "rust" => {
            let o = cx.object(node, path, "rust paginator", RUST_KEYS)?;
            Paginator::Rust(RustPaginator {
                path: cx.req(&o, "path", "rust paginator", super::rust_path::rust_path)?,
            })
        }
        other => {
            unknown_type(cx, ty_node, &super::child(path, "type"), other);
            return None;
        }
    })
}

fn nullable_string(cx: &mut Cx<'_>, o: &Obj<'_>, key: &str) -> Nullable<String> {
    match o.get(key) {
        None => Nullable::Default,
        // TOML has no null: `false` says the same there.
        Some(Node {
            kind: Kind::Null | Kind::Bool(false),
            ..
        }) => Nullable::Null(()),
        Some(n) => cx
            .string(n, &o.at(key))
            .map(Nullable::Value)
            .unwrap_or_default(),
    }
}

/// dlt raises when both a query parameter and a body path are set for the same value.
fn exclusive(cx: &mut Cx<'_>, o: &Obj<'_>, param: &str, body: &str) {
    if let (Some(_), Some(n)) = (o.get(param), o.get(body)) {
        cx.error(
            n.span,
            &o.at(body),
            format!("`{param}` and `{body}` are both set; the value goes either in the query or in the body"),
            Some(format!("remove `{param}` or `{body}`")),
        );
    }
}

/// dlt's constructor rule for range paginators: without a total, a maximum, a has-more flag or
/// stopping on an empty page, nothing ends the loop.
fn check_can_stop(
    cx: &mut Cx<'_>,
    o: &Obj<'_>,
    total: &Nullable<String>,
    max_key: &str,
    stop: Option<bool>,
) {
    let never = matches!(total, Nullable::Null(()))
        && o.get(max_key).is_none()
        && o.get("has_more_path").is_none()
        && stop == Some(false);
    if never {
        let span = o.key_span("stop_after_empty_page").unwrap_or(o.node.span);
        cx.error(
            span,
            &o.path,
            format!("this paginator can never stop: `total_path` is null, `{max_key}` and `has_more_path` are unset and `stop_after_empty_page` is false"),
            Some(format!("set `total_path`, `{max_key}` or `has_more_path`, or let `stop_after_empty_page` default to true")),
        );
    }
}

fn offset(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<OffsetPaginator> {
    let o = cx.object(node, path, "offset paginator", OFFSET_KEYS)?;
    let limit = cx.req(&o, "limit", "offset paginator", Cx::u64);
    if let (Some(0), Some(n)) = (limit, o.get("limit")) {
        cx.error(n.span, &o.at("limit"), "`limit` must be at least 1", None);
    }
    exclusive(cx, &o, "offset_param", "offset_body_path");
    exclusive(cx, &o, "limit_param", "limit_body_path");
    let total_path = nullable_string(cx, &o, "total_path");
    let stop_after_empty_page = cx.opt(&o, "stop_after_empty_page", Cx::boolean);
    check_can_stop(cx, &o, &total_path, "maximum_offset", stop_after_empty_page);
    Some(OffsetPaginator {
        limit: limit?,
        offset: cx.opt(&o, "offset", Cx::u64),
        offset_param: cx.opt(&o, "offset_param", Cx::string),
        offset_body_path: cx.opt(&o, "offset_body_path", Cx::string),
        limit_param: cx.opt(&o, "limit_param", Cx::string),
        limit_body_path: cx.opt(&o, "limit_body_path", Cx::string),
        total_path,
        maximum_offset: cx.opt(&o, "maximum_offset", Cx::u64),
        stop_after_empty_page,
        has_more_path: cx.opt(&o, "has_more_path", Cx::string),
    })
}

fn page_number(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<PageNumberPaginator> {
    let o = cx.object(node, path, "page_number paginator", PAGE_KEYS)?;
    exclusive(cx, &o, "page_param", "page_body_path");
    let total_path = nullable_string(cx, &o, "total_path");
    let stop_after_empty_page = cx.opt(&o, "stop_after_empty_page", Cx::boolean);
    check_can_stop(cx, &o, &total_path, "maximum_page", stop_after_empty_page);
    Some(PageNumberPaginator {
        base_page: cx.opt(&o, "base_page", Cx::u64),
        page: cx.opt(&o, "page", Cx::u64),
        page_param: cx.opt(&o, "page_param", Cx::string),
        page_body_path: cx.opt(&o, "page_body_path", Cx::string),
        total_path,
        maximum_page: cx.opt(&o, "maximum_page", Cx::u64),
        stop_after_empty_page,
        has_more_path: cx.opt(&o, "has_more_path", Cx::string),
    })
}

fn cursor(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<CursorPaginator> {
    let o = cx.object(node, path, "cursor paginator", CURSOR_KEYS)?;
    exclusive(cx, &o, "cursor_param", "cursor_body_path");
    Some(CursorPaginator {
        cursor_path: cx.opt(&o, "cursor_path", Cx::string),
        cursor_param: cx.opt(&o, "cursor_param", Cx::string),
        cursor_body_path: cx.opt(&o, "cursor_body_path", Cx::string),
        stop_after_empty_page: cx.opt(&o, "stop_after_empty_page", Cx::boolean),
        has_more_path: cx.opt(&o, "has_more_path", Cx::string),
        initial_cursor: cx.opt(&o, "initial_cursor", Cx::string),
    })
}
