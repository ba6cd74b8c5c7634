//! `paginator`: dlt's paginator types, by name or as objects.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// A paginator: a string alias or an object with `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PaginatorConfig {
    /// `"single_page"`, `"header_link"`, `"json_link"`, `"auto"`, ...: only types whose
    /// parameters all have defaults.
    Alias(String),
    /// A full paginator object.
    Object(Paginator),
}

/// Paginator objects, with dlt's parameters and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Paginator {
    /// One request, no pagination.
    SinglePage(EmptyParams),
    /// Detect on the first response.
    Auto(EmptyParams),
    /// offset/limit.
    Offset(OffsetPaginator),
    /// page numbers.
    PageNumber(PageNumberPaginator),
    /// A cursor read from the JSON body.
    Cursor(CursorPaginator),
    /// A cursor read from a response header.
    HeaderCursor(HeaderCursorPaginator),
    /// The next URL read from the JSON body (`json_response` is dlt's deprecated alias).
    #[serde(alias = "json_response")]
    JsonLink(JsonLinkPaginator),
    /// The next URL from the `Link` header.
    HeaderLink(HeaderLinkPaginator),
    /// A type of the user's crate implementing `restsource::runtime::paginate::Paginate` and
    /// `Default` (only in code generated from the spec).
    Rust(RustPaginator),
}

/// Offset paginator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffsetPaginator {
    /// Page size (required).
    pub limit: u64,
    /// First offset (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Query parameter for the offset (default `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_param: Option<String>,
    /// Dotted path in the JSON body for the offset, instead of a query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_body_path: Option<String>,
    /// Query parameter for the limit (default `limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_param: Option<String>,
    /// Dotted path in the JSON body for the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_body_path: Option<String>,
    /// JSONPath of the total record count (default `total`; `null`, or `false` in TOML, for none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub total_path: Nullable<String>,
    /// Exclusive upper bound on the offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_offset: Option<u64>,
    /// Stop on an empty page (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a boolean "more pages" flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
}

/// Page-number paginator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageNumberPaginator {
    /// Number of the first page (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_page: Option<u64>,
    /// Page to start from (default `base_page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Query parameter (default `page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_param: Option<String>,
    /// Dotted path in the JSON body, instead of a query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_body_path: Option<String>,
    /// JSONPath of the total number of pages (default `total`; `null`, or `false` in TOML, for none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub total_path: Nullable<String>,
    /// Exclusive upper bound on the page number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_page: Option<u64>,
    /// Stop on an empty page (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a boolean "more pages" flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
}

/// Cursor paginator (cursor read from the JSON body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CursorPaginator {
    /// JSONPath of the next cursor (default `cursors.next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_path: Option<String>,
    /// Query parameter the cursor is sent in (default `cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
    /// Dotted JSON body path the cursor is sent in, instead of a query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_body_path: Option<String>,
    /// Stop on an empty page (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_empty_page: Option<bool>,
    /// JSONPath of a boolean "more pages" flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more_path: Option<String>,
    /// Cursor sent on the first request (dlt#4428), e.g. `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_cursor: Option<String>,
}

/// Cursor read from a response header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderCursorPaginator {
    /// Header carrying the next cursor (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_key: Option<String>,
    /// Query parameter the cursor is sent in (default `cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
}

/// Next URL read from the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonLinkPaginator {
    /// JSONPath of the next URL (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_url_path: Option<String>,
}

/// Next URL from the `Link` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderLinkPaginator {
    /// The `rel` value of the next link (default `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_next_key: Option<String>,
}

/// A paginator written in Rust: generated code makes a fresh `path::default()` for every
/// request sequence and drives it through the runtime's `Paginate` trait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RustPaginator {
    /// The type's Rust path as the crate that includes the spec names it
    /// (`crate::paging::MyPaginator`).
    pub path: String,
}
