//! Paginator defaults (dlt_rest_api.md §1.3) and precedence: endpoint (merged with the
//! defaults) > client > auto.

use super::endpoint::json_path;
use super::{loc, R};
use crate::jsonpath;
use crate::model::{Nullable, Paginator, PaginatorConfig};
use crate::resolved::{JsonPath, ResolvedPaginator, ResolvedParamPlace};
use crate::site::Site;

fn place(param: &Option<String>, body: &Option<String>, default: &str) -> ResolvedParamPlace {
    match body {
        Some(b) => ResolvedParamPlace::Body(b.split('.').map(str::to_string).collect()),
        None => ResolvedParamPlace::Query(param.clone().unwrap_or_else(|| default.to_string())),
    }
}

fn total(r: &mut R<'_>, t: &Nullable<String>, at: &Site) -> Option<Option<JsonPath>> {
    match t {
        Nullable::Default => Some(Some(JsonPath {
            text: "total".into(),
            steps: vec![crate::resolved::PathStep::Key("total".into())],
        })),
        Nullable::Null(()) => Some(None),
        Nullable::Value(s) => json_path(r, s, at, "`total_path`").map(Some),
    }
}

fn opt_path(r: &mut R<'_>, t: &Option<String>, at: &Site, what: &str) -> Option<Option<JsonPath>> {
    match t {
        None => Some(None),
        Some(s) => json_path(r, s, at, what).map(Some),
    }
}

/// Endpoint paginator (merged with the defaults) > client paginator > auto; `auto` at the
/// endpoint falls back to the client's, as in dlt.
pub(super) fn paginator(
    r: &mut R<'_>,
    own: Option<&PaginatorConfig>,
    client: Option<&PaginatorConfig>,
    i: usize,
) -> Option<ResolvedPaginator> {
    let is_auto = |p: Option<&PaginatorConfig>| match p {
        None => true,
        Some(PaginatorConfig::Alias(a)) => a == "auto",
        Some(PaginatorConfig::Object(Paginator::Auto(_))) => true,
        _ => false,
    };
    let (chosen, at) = if !is_auto(own) {
        (own, loc(i, &["endpoint", "paginator"]))
    } else {
        (client, Site::client(&["paginator"]))
    };
    let Some(chosen) = chosen.filter(|_| !is_auto(chosen)) else {
        return Some(ResolvedPaginator::Auto);
    };
    let p = |s: &str| at.clone().key(s);
    Some(match chosen {
        PaginatorConfig::Alias(a) => match a.as_str() {
            "single_page" => ResolvedPaginator::SinglePage,
            "header_link" => ResolvedPaginator::HeaderLink {
                links_next_key: "next".into(),
            },
            "json_link" | "json_response" => ResolvedPaginator::JsonLink {
                next_url_path: jsonpath::parse("next").ok()?,
            },
            "header_cursor" => ResolvedPaginator::HeaderCursor {
                cursor_key: "next".into(),
                cursor_param: "cursor".into(),
            },
            "cursor" => ResolvedPaginator::Cursor {
                cursor_path: jsonpath::parse("cursors.next").ok()?,
                cursor_param: ResolvedParamPlace::Query("cursor".into()),
                stop_after_empty_page: false,
                has_more_path: None,
                initial_cursor: None,
            },
            _ => ResolvedPaginator::Auto,
        },
        PaginatorConfig::Object(o) => match o {
            Paginator::SinglePage(_) => ResolvedPaginator::SinglePage,
            Paginator::Auto(_) => ResolvedPaginator::Auto,
            Paginator::Offset(o) => ResolvedPaginator::Offset {
                limit: o.limit,
                offset: o.offset.unwrap_or(0),
                offset_param: place(&o.offset_param, &o.offset_body_path, "offset"),
                limit_param: place(&o.limit_param, &o.limit_body_path, "limit"),
                total_path: total(r, &o.total_path, &p("total_path"))?,
                maximum_offset: o.maximum_offset,
                stop_after_empty_page: o.stop_after_empty_page.unwrap_or(true),
                has_more_path: opt_path(
                    r,
                    &o.has_more_path,
                    &p("has_more_path"),
                    "`has_more_path`",
                )?,
            },
            Paginator::PageNumber(o) => ResolvedPaginator::PageNumber {
                base_page: o.base_page.unwrap_or(0),
                page: o.page.or(o.base_page).unwrap_or(0),
                page_param: place(&o.page_param, &o.page_body_path, "page"),
                total_path: total(r, &o.total_path, &p("total_path"))?,
                maximum_page: o.maximum_page,
                stop_after_empty_page: o.stop_after_empty_page.unwrap_or(true),
                has_more_path: opt_path(
                    r,
                    &o.has_more_path,
                    &p("has_more_path"),
                    "`has_more_path`",
                )?,
            },
            Paginator::Cursor(o) => ResolvedPaginator::Cursor {
                cursor_path: json_path(
                    r,
                    o.cursor_path.as_deref().unwrap_or("cursors.next"),
                    &p("cursor_path"),
                    "`cursor_path`",
                )?,
                cursor_param: place(&o.cursor_param, &o.cursor_body_path, "cursor"),
                stop_after_empty_page: o.stop_after_empty_page.unwrap_or(false),
                has_more_path: opt_path(
                    r,
                    &o.has_more_path,
                    &p("has_more_path"),
                    "`has_more_path`",
                )?,
                initial_cursor: o.initial_cursor.clone(),
            },
            Paginator::HeaderCursor(o) => ResolvedPaginator::HeaderCursor {
                cursor_key: o.cursor_key.clone().unwrap_or_else(|| "next".into()),
                cursor_param: o.cursor_param.clone().unwrap_or_else(|| "cursor".into()),
            },
            Paginator::JsonLink(o) => ResolvedPaginator::JsonLink {
                next_url_path: json_path(
                    r,
                    o.next_url_path.as_deref().unwrap_or("next"),
                    &p("next_url_path"),
                    "`next_url_path`",
                )?,
            },
            Paginator::HeaderLink(o) => ResolvedPaginator::HeaderLink {
                links_next_key: o.links_next_key.clone().unwrap_or_else(|| "next".into()),
            },
            // Generated code makes the type; the position names the spec line in rustc's
            // error when the type is not a paginator.
            Paginator::Rust(o) => ResolvedPaginator::Rust {
                path: o.path.clone(),
                at: r.position(&p("path")),
                make: restsource_core::RustFactory::NONE,
            },
        },
    })
}
