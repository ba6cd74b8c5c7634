//! Paginators as explicit state machines with dlt's semantics (`dlt_rest_api.md` §1.3, §1.4).
//!
//! A paginator sets its parameters on the first request ([`Paginator::init`]), then after
//! each page reads what it needs from a [`PageView`] and either updates the request for the
//! next page or stops ([`Paginator::advance`]). The JSON values it needs are listed by
//! [`Paginator::value_paths`] so the caller reads them in one cheap pass over the body.
//! The same three steps are the [`Paginate`] trait, which the state machine implements and
//! a type of the user's crate may implement instead (a spec's `type = "rust"`).

mod cursor;
mod detect;
mod link;
mod range;
mod user;

pub use cursor::{CursorPaginator, HeaderCursorPaginator};
pub use detect::detect;
pub use link::{parse_link_header, HeaderLinkPaginator, JsonLinkPaginator};
pub use range::{RangeKind, RangePaginator, RemainingPages};
pub use user::{boxed, Paginate, RustPaginator};

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::def::{PaginatorDef, ParamPlace};
use crate::select::{Path, PathStep};

/// The parts of a request a paginator may change.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestParts {
    /// URL; its own query string is kept and [`RequestParts::query`] is appended.
    pub url: Url,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub json: Option<Value>,
    /// The endpoint's form or raw body (dlt `data`), when it has no JSON body; paginators
    /// leave it alone.
    pub data: Option<crate::http::Body>,
}

impl RequestParts {
    /// The URL with the query parameters appended.
    pub fn full_url(&self) -> Url {
        let mut url = self.url.clone();
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        url
    }

    /// Sets query parameter `name` (replacing an existing value).
    pub fn set_query(&mut self, name: &str, value: String) {
        match self.query.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((name.to_string(), value)),
        }
    }

    /// Sets a value at a dotted body path, creating the body and missing objects as dlt does.
    pub fn set_body(&mut self, path: &[&str], value: Value) {
        let mut node = self
            .json
            .get_or_insert_with(|| Value::Object(Default::default()));
        for (i, key) in path.iter().enumerate() {
            if !node.is_object() {
                *node = Value::Object(Default::default());
            }
            let Value::Object(map) = node else { return };
            if i + 1 == path.len() {
                map.insert((*key).to_string(), value);
                return;
            }
            node = map
                .entry(*key)
                .or_insert_with(|| Value::Object(Default::default()));
        }
    }

    /// Sets a paginator parameter where the spec puts it.
    pub fn set_param(&mut self, place: &ParamPlace, value: Value) {
        match place {
            ParamPlace::Query(name) => self.set_query(name, value_text(&value)),
            ParamPlace::Body(path) => self.set_body(path, value),
        }
    }

    /// A key identifying this request (URL and JSON body), for the repeat guard: a 128-bit
    /// hash, so the guard keeps 16 bytes per page rather than every URL of the resource.
    pub fn fingerprint(&self) -> u128 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let url = self.full_url();
        let body = self.json.as_ref().map(Value::to_string);
        // `DefaultHasher::new` is the same keyed SipHash in every call; the salt byte makes
        // the two halves independent.
        let half = |salt: u8| {
            let mut h = DefaultHasher::new();
            salt.hash(&mut h);
            url.hash(&mut h);
            body.hash(&mut h);
            h.finish()
        };
        (u128::from(half(0)) << 64) | u128::from(half(1))
    }
}

/// A value as query text: strings bare, everything else as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a paginator sees of a response.
#[derive(Debug, Clone, Copy)]
pub struct PageView<'a> {
    /// Response headers.
    pub headers: &'a HeaderMap,
    /// Values at [`Paginator::value_paths`], in that order.
    pub values: &'a [Option<Value>],
    /// Number of selected records on the page (before incremental filtering).
    pub record_count: usize,
}

/// A paginator cannot continue.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaginateError {
    /// A value the paginator needs is absent.
    #[error("{what} `{path}` not found in the response")]
    Missing {
        /// Which value (total, has_more).
        what: &'static str,
        /// Its path.
        path: String,
    },
    /// A value has the wrong type.
    #[error("{what} `{path}` is not {expected}: {found}")]
    Invalid {
        /// Which value.
        what: &'static str,
        /// Its path.
        path: String,
        /// What was expected.
        expected: &'static str,
        /// What was found (the error's reader redacts it, then cuts it).
        found: String,
    },
    /// A next link is not a valid URL.
    #[error("next link is not a valid URL: {0}")]
    BadLink(String),
    /// A spec's Rust paginator run without the code generated for it.
    #[error("the paginator at {at} is the Rust type `{path}`, which only code generated from the spec (include_source!, Builder, `restsource generate`) can run; use a built-in paginator to run this spec without compiling it")]
    NotGenerated {
        /// The type's path in the spec.
        path: String,
        /// Where the spec names it (`file:line:col`).
        at: String,
    },
    /// A user paginator's own error (see [`Paginate::advance`]).
    #[error("{0}")]
    Custom(String),
}

/// A paginator's state.
#[derive(Debug)]
pub enum Paginator {
    /// One page.
    Single,
    /// Not yet detected: the first request carries no paging parameters.
    Auto,
    /// offset/limit or page numbers.
    Range(RangePaginator),
    /// Cursor in the body.
    Cursor(CursorPaginator),
    /// Cursor in a header.
    HeaderCursor(HeaderCursorPaginator),
    /// Next URL in the body.
    JsonLink(JsonLinkPaginator),
    /// Next URL in the Link header.
    HeaderLink(HeaderLinkPaginator),
    /// A type of the user's crate the spec names.
    Rust(RustPaginator),
}

impl Paginator {
    /// The initial state for a spec paginator; a Rust paginator without generated code is
    /// an error naming where the spec names it.
    pub fn from_def(def: &PaginatorDef) -> Result<Self, PaginateError> {
        Ok(match def {
            PaginatorDef::SinglePage => Paginator::Single,
            PaginatorDef::Auto => Paginator::Auto,
            PaginatorDef::Offset { .. } | PaginatorDef::PageNumber { .. } => {
                Paginator::Range(RangePaginator::from_def(def))
            }
            PaginatorDef::Cursor { .. } => Paginator::Cursor(CursorPaginator::from_def(def)),
            PaginatorDef::HeaderCursor {
                cursor_key,
                cursor_param,
            } => Paginator::HeaderCursor(HeaderCursorPaginator {
                cursor_key: (*cursor_key).to_string(),
                cursor_param: (*cursor_param).to_string(),
            }),
            PaginatorDef::JsonLink { next_url_path } => Paginator::JsonLink(JsonLinkPaginator {
                next_url_path: Path::Borrowed(next_url_path),
            }),
            PaginatorDef::HeaderLink { links_next_key } => {
                Paginator::HeaderLink(HeaderLinkPaginator {
                    rel: (*links_next_key).to_string(),
                })
            }
            PaginatorDef::Rust { path, at, make } => Paginator::Rust(RustPaginator::new(
                path,
                user::from_factory(make.0, path, at)?,
            )),
        })
    }

    /// Short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Paginator::Single => "single_page",
            Paginator::Auto => "auto",
            Paginator::Range(r) => match r.kind {
                RangeKind::Offset { .. } => "offset",
                RangeKind::Page => "page_number",
            },
            Paginator::Cursor(_) => "cursor",
            Paginator::HeaderCursor(_) => "header_cursor",
            Paginator::JsonLink(_) => "json_link",
            Paginator::HeaderLink(_) => "header_link",
            Paginator::Rust(r) => r.path,
        }
    }

    /// Sets the first request's parameters.
    pub fn init(&mut self, req: &mut RequestParts) {
        match self {
            Paginator::Range(r) => r.init(req),
            Paginator::Cursor(c) => c.init(req),
            Paginator::Rust(r) => r.init(req),
            _ => {}
        }
    }

    /// JSON values this paginator reads from each page.
    pub fn value_paths(&self) -> Vec<&[PathStep]> {
        match self {
            Paginator::Range(r) => r.value_paths(),
            Paginator::Cursor(c) => c.value_paths(),
            Paginator::JsonLink(j) => vec![&j.next_url_path[..]],
            Paginator::Rust(r) => r.value_paths(),
            _ => Vec::new(),
        }
    }

    /// Reads the page and prepares `req` for the next one; `false` means stop.
    pub fn advance(
        &mut self,
        view: &PageView,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        match self {
            Paginator::Single | Paginator::Auto => Ok(false),
            Paginator::Range(r) => r.advance(view, req),
            Paginator::Cursor(c) => c.advance(view, req),
            Paginator::HeaderCursor(h) => Ok(h.advance(view, req)),
            Paginator::JsonLink(j) => j.advance(view, req),
            Paginator::HeaderLink(h) => h.advance(view, req),
            Paginator::Rust(r) => r.advance(view, req),
        }
    }

    /// After [`Paginator::advance`] returned `true`: the remaining requests, made lazily, when
    /// they are all known already (offset/page_number with a known total and no has_more
    /// flag), so they can be fetched concurrently. `req` is the request `advance` prepared.
    pub fn remaining(&self, req: &RequestParts) -> Option<RemainingPages> {
        match self {
            Paginator::Range(r) => r.remaining(req),
            _ => None,
        }
    }
}

/// The built-in state machine is a [`Paginate`] like a user's paginator: the runtime's
/// loop drives either through the same three steps.
impl Paginate for Paginator {
    fn init(&mut self, req: &mut RequestParts) {
        Paginator::init(self, req)
    }

    fn value_paths(&self) -> Vec<&[PathStep]> {
        Paginator::value_paths(self)
    }

    fn advance(
        &mut self,
        page: &PageView<'_>,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        Paginator::advance(self, page, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(query: &[(&str, &str)], json: Option<Value>) -> RequestParts {
        RequestParts {
            url: Url::parse("http://api.test/items?fixed=1").unwrap(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            json,
            data: None,
        }
    }

    #[test]
    fn fingerprint_tells_requests_apart_by_url_and_body() {
        let a = parts(&[("offset", "0")], None);
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        let prints = [
            a.fingerprint(),
            parts(&[("offset", "100")], None).fingerprint(),
            parts(&[], None).fingerprint(),
            parts(&[("offset", "0")], Some(serde_json::json!({"cursor": "x"}))).fingerprint(),
            parts(&[("offset", "0")], Some(serde_json::json!({"cursor": "y"}))).fingerprint(),
        ];
        let distinct: std::collections::HashSet<u128> = prints.iter().copied().collect();
        assert_eq!(distinct.len(), prints.len());
    }
}
