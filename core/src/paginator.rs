//! Paginators as the spec resolves them (every dlt default applied) and generated code holds
//! them: one definition that the spec's resolver fills with owned values, codegen prints, and
//! the runtime's paginator state machines start from.
//!
//! The definition is generic over how it stores text (`S`), paths (`P`) and dotted body
//! paths (`K`). The defaults are the `'static` borrowed forms generated `const` items use:
//! that instantiation is `Copy` and has no destructor, so constants built from it can be
//! combined with struct-update syntax in `const` context. The spec's resolver uses an owned
//! instantiation (`String`, its located `JsonPath`, `Vec<String>`).

use crate::{PathStep, RustFactory};

/// Where a paginator parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamPlace<S = &'static str, K = &'static [&'static str]> {
    /// A query parameter of this name.
    Query(S),
    /// A dotted path into the JSON body (`page.cursor`), pre-split into its keys.
    Body(K),
}

/// A paginator with every dlt parameter resolved to its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PaginatorDef<S = &'static str, P = &'static [PathStep], K = &'static [&'static str]> {
    /// One page.
    SinglePage,
    /// Detected on the first response (dlt's `auto`).
    Auto,
    /// offset/limit.
    Offset {
        /// Page size.
        limit: u64,
        /// First offset.
        offset: u64,
        /// Where the offset is sent.
        offset_param: ParamPlace<S, K>,
        /// Where the limit is sent.
        limit_param: ParamPlace<S, K>,
        /// Where the total number of records is read.
        total_path: Option<P>,
        /// Exclusive maximum offset.
        maximum_offset: Option<u64>,
        /// Stop on an empty page.
        stop_after_empty_page: bool,
        /// Where a more-pages flag is read.
        has_more_path: Option<P>,
    },
    /// Page numbers.
    PageNumber {
        /// The number of the first page.
        base_page: u64,
        /// The page to start from.
        page: u64,
        /// Where the page number is sent.
        page_param: ParamPlace<S, K>,
        /// Where the total number of pages is read.
        total_path: Option<P>,
        /// Exclusive maximum page.
        maximum_page: Option<u64>,
        /// Stop on an empty page.
        stop_after_empty_page: bool,
        /// Where a more-pages flag is read.
        has_more_path: Option<P>,
    },
    /// A cursor read from the JSON body.
    Cursor {
        /// Where the next cursor is read.
        cursor_path: P,
        /// Where it is sent.
        cursor_param: ParamPlace<S, K>,
        /// Stop on an empty page.
        stop_after_empty_page: bool,
        /// Where a more-pages flag is read.
        has_more_path: Option<P>,
        /// The cursor of the first request.
        initial_cursor: Option<S>,
    },
    /// A cursor read from a response header.
    HeaderCursor {
        /// The header the cursor is read from.
        cursor_key: S,
        /// The query parameter it is sent in.
        cursor_param: S,
    },
    /// The next page's URL read from the JSON body.
    JsonLink {
        /// Where the next URL is read.
        next_url_path: P,
    },
    /// The next page's URL read from the `Link` header.
    HeaderLink {
        /// The `rel` to follow.
        links_next_key: S,
    },
    /// A paginator type of the user's crate (`type = "rust"`), made fresh for every request
    /// sequence by generated code.
    Rust {
        /// The Rust path as the spec wrote it (`crate::paging::MyPaginator`).
        path: S,
        /// Where the spec names it (`file:line:col`), for messages about it.
        at: S,
        /// Makes an instance; `None` when no code was generated for the spec.
        make: RustFactory,
    },
}
