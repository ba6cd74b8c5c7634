//! What a JSON Lines or CSV endpoint cannot have: a paginator reading a path of the body.

use super::{loc, R};
use crate::model::ResponseFormat;
use crate::resolved::PaginatorDef;
use crate::resolved::ResolvedPaginator;
use crate::site::Site;

/// A paginator that reads a path of a JSON body cannot page a JSON Lines or CSV body (it has
/// no such path): an error at that key. Header paginators and record-counting ones work.
pub(super) fn paginator(
    r: &mut R<'_>,
    format: ResponseFormat,
    p: &ResolvedPaginator,
    on_endpoint: bool,
    i: usize,
) -> bool {
    let (kind, key) = match p {
        PaginatorDef::Offset {
            total_path: Some(_),
            ..
        } => ("offset", "total_path"),
        PaginatorDef::PageNumber {
            total_path: Some(_),
            ..
        } => ("page_number", "total_path"),
        PaginatorDef::Offset {
            has_more_path: Some(_),
            ..
        } => ("offset", "has_more_path"),
        PaginatorDef::PageNumber {
            has_more_path: Some(_),
            ..
        } => ("page_number", "has_more_path"),
        PaginatorDef::Cursor { .. } => ("cursor", "cursor_path"),
        PaginatorDef::JsonLink { .. } => ("json_link", "next_url_path"),
        _ => return true,
    };
    let name = if format == ResponseFormat::Csv {
        "csv"
    } else {
        "jsonl"
    };
    let site = if on_endpoint {
        loc(i, &["endpoint", "paginator", key])
    } else {
        Site::client(&["paginator", key])
    };
    r.error(
        &site,
        format!(
            "paginator `{kind}` reads `{key}` from a JSON body, but `response_format` is `{name}`: its body has no such path"
        ),
        Some(
            "page it by headers (`header_link`, `header_cursor`) or by counting records \
             (`offset` or `page_number` without `total_path` and `has_more_path`: paging stops \
             on a short or empty page)"
                .into(),
        ),
    );
    false
}
