//! Link paginators: next URL from the body (`json_link`) or the `Link` header (`header_link`).
//!
//! As in dlt, a followed link replaces the request URL and drops the original query
//! parameters; relative links are joined onto the current URL. Difference from dlt: an empty
//! string link stops pagination (dlt crashes with "Invalid URL ''").

use reqwest::header::{HeaderMap, LINK};
use serde_json::Value;

use super::{PageView, PaginateError, RequestParts};
use crate::select::Path;

/// dlt's `JSONLinkPaginator`.
#[derive(Debug, Clone)]
pub struct JsonLinkPaginator {
    /// Where the next URL is read.
    pub next_url_path: Path,
}

impl JsonLinkPaginator {
    pub(super) fn advance(
        &self,
        view: &PageView,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        let next = match view.values.first().cloned().flatten() {
            None | Some(Value::Null) => return Ok(false),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(false),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        };
        follow(req, &next)
    }
}

/// dlt's `HeaderLinkPaginator`.
#[derive(Debug, Clone)]
pub struct HeaderLinkPaginator {
    /// The `rel` to follow.
    pub rel: String,
}

impl HeaderLinkPaginator {
    pub(super) fn advance(
        &self,
        view: &PageView,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        match find_link(view.headers, &self.rel) {
            Some(next) if !next.trim().is_empty() => follow(req, &next),
            _ => Ok(false),
        }
    }
}

fn follow(req: &mut RequestParts, next: &str) -> Result<bool, PaginateError> {
    let url = req
        .full_url()
        .join(next)
        .map_err(|e| PaginateError::BadLink(e.to_string()))?;
    req.url = url;
    req.query.clear();
    Ok(true)
}

/// The URL of the link with `rel` in every `Link` header.
pub fn find_link(headers: &HeaderMap, rel: &str) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_link_header)
        .find(|(_, rels)| rels.iter().any(|r| r.eq_ignore_ascii_case(rel)))
        .map(|(url, _)| url)
}

/// Parses `<url>; rel="next", <url2>; rel="prev last"` into (url, rels) pairs.
pub fn parse_link_header(value: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let url = rest[start + 1..start + end].trim().to_string();
        rest = &rest[start + end + 1..];
        // Parameters run to the next link, i.e. the next ',' outside quotes.
        let mut in_quotes = false;
        let mut cut = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &rest[..cut];
        rest = &rest[cut..];
        let rels = params
            .split(';')
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("rel")
                    .then(|| v.trim().trim_matches('"').to_string())
            })
            .flat_map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        out.push((url, rels));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_link_headers() {
        let links = parse_link_header(
            r#"<https://a.test/x?page=2&a=1,2>; rel="next", <https://a.test/x?page=9>; rel="last prev""#,
        );
        assert_eq!(
            links,
            vec![
                (
                    "https://a.test/x?page=2&a=1,2".to_string(),
                    vec!["next".to_string()]
                ),
                (
                    "https://a.test/x?page=9".to_string(),
                    vec!["last".to_string(), "prev".to_string()]
                ),
            ]
        );
    }
}
