//! Extraction errors. Every message names the resource and, where there is one, the page and
//! the URL with secrets redacted.

use crate::http::HttpError;
use crate::incremental::IncrementalError;

/// Something went wrong fetching or decoding a resource.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExtractError {
    /// A request failed (status, transport, body limit, circuit breaker, token).
    #[error("resource `{resource}`: {source}")]
    Http {
        /// Resource name.
        resource: String,
        /// What failed (boxed to keep the error small).
        source: Box<HttpError>,
    },
    /// The body is not JSON.
    #[error("resource `{resource}`: page {page} ({url}): expected JSON, got {got}")]
    NotJson {
        /// Resource name.
        resource: String,
        /// Page number (1-based).
        page: u64,
        /// Redacted URL.
        url: String,
        /// The content type and the start of the body (redacted), as `type: body`.
        got: String,
    },
    /// A page or record failed to decode.
    #[error("resource `{resource}`: page {page} ({url}): {}{message}", record_text(*index, field.as_deref()))]
    Decode {
        /// Resource name.
        resource: String,
        /// Page number (1-based).
        page: u64,
        /// Redacted URL.
        url: String,
        /// Index of the failing record on the page.
        index: Option<u32>,
        /// Path of the failing value inside the record (`quantity`, `address.zip`), redacted.
        field: Option<Box<str>>,
        /// serde's message, redacted.
        // `Box<str>` here and above: this error travels by value through every stream (and
        // inside the pipeline's error), so the largest variant is kept small.
        message: Box<str>,
    },
    /// A page whose records are not where the stream's selector says: the path is missing,
    /// an object where earlier pages had a list, or a scalar. Never read as an empty page.
    #[error("resource `{resource}`: page {page} ({url}): {message}; body: {excerpt}")]
    BadPage {
        /// Resource name.
        resource: String,
        /// Page number (1-based).
        page: u64,
        /// Redacted URL.
        url: String,
        /// What was wrong, naming the selector.
        message: Box<str>,
        /// The start of the body, redacted before it was cut.
        excerpt: Box<str>,
    },
    /// The API sent the same body for several pages in a row although the paginator asked
    /// for different ones.
    #[error("resource `{resource}`: page {page} ({url}): the same response body {repeats} pages in a row although paginator `{paginator}` asked for different pages; stopping instead of loading the same records again")]
    RepeatedBody {
        /// Resource name.
        resource: String,
        /// Page number (1-based) of the last repeat.
        page: u64,
        /// Redacted URL of that page.
        url: String,
        /// Paginator name.
        paginator: &'static str,
        /// Identical bodies in a row.
        repeats: u32,
    },
    /// The paginator cannot go on.
    #[error("resource `{resource}`: paginator `{paginator}` at {url}: {message}")]
    Paginator {
        /// Resource name.
        resource: String,
        /// Paginator name.
        paginator: &'static str,
        /// Redacted URL of the page it read.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The paginator would request a page it already requested.
    #[error("resource `{resource}`: paginator `{paginator}` would request {url} a second time; stopping instead of looping")]
    RepeatedRequest {
        /// Resource name.
        resource: String,
        /// Paginator name.
        paginator: &'static str,
        /// Redacted URL.
        url: String,
    },
    /// A parent record lacks a field a child needs.
    #[error("resource `{resource}`: parent `{parent}` record has no field `{field}`")]
    MissingParentField {
        /// Child resource.
        resource: String,
        /// Parent resource.
        parent: String,
        /// The field path.
        field: String,
    },
    /// Incremental cursor problem.
    #[error("resource `{resource}`: page {page}: {source}")]
    Incremental {
        /// Resource name.
        resource: String,
        /// Page number (1-based).
        page: u64,
        /// What was wrong.
        source: IncrementalError,
    },
    /// The parent resource failed, so its children cannot be fetched.
    #[error("resource `{resource}`: not fetched because its parent `{parent}` failed")]
    ParentFailed {
        /// Child resource.
        resource: String,
        /// Parent resource.
        parent: String,
    },
    /// Anything else (kept from the original contract; used by tests and callers that inject
    /// failures).
    #[error("resource `{resource}`: {message}")]
    Other {
        /// Resource name.
        resource: String,
        /// What happened.
        message: String,
    },
    /// The source definition or run options cannot work.
    #[error("resource `{resource}`: {message}")]
    Config {
        /// Resource name.
        resource: String,
        /// What was wrong.
        message: String,
    },
}

fn record_text(index: Option<u32>, field: Option<&str>) -> String {
    match (index, field) {
        (Some(i), Some(f)) => format!("record {i}, field `{f}`: "),
        (Some(i), None) => format!("record {i}: "),
        (None, _) => String::new(),
    }
}
