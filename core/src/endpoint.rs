//! The small enums of an endpoint that a spec writes word for word and the runtime acts on:
//! its method, what a page without the selector's path means, how the incremental cursor
//! advances and what a record without it means, and an ignore rule.
//!
//! With feature `model` (the spec crate) they derive their serde form and JSON Schema, so the
//! spec's model names these very types; their doc comments are the schema's descriptions.

#[cfg(feature = "model")]
use serde::{Deserialize, Serialize};

/// HTTP methods dlt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
pub enum Method {
    /// GET (default).
    #[default]
    #[cfg_attr(feature = "model", serde(rename = "GET"))]
    Get,
    /// POST.
    #[cfg_attr(feature = "model", serde(rename = "POST"))]
    Post,
}

/// How a response body holds its records (`response_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum ResponseFormat {
    /// Chosen per response from its `Content-Type` (default when the key is absent):
    /// `application/x-ndjson`, `application/jsonl`, `application/x-jsonlines` or
    /// `application/jsonlines` read as JSON Lines, `text/csv` as CSV, anything else as JSON.
    #[cfg_attr(feature = "model", serde(skip))]
    #[default]
    Auto,
    /// One JSON document; records found by `data_selector` (dlt's only format).
    Json,
    /// JSON Lines: one record per non-blank line.
    Jsonl,
    /// CSV with a header row: one record per row, fields named by the header.
    Csv,
}

impl ResponseFormat {
    /// The format a response with `content_type` is read in (for [`ResponseFormat::Auto`];
    /// an explicit format is kept whatever the response says).
    pub fn for_content_type(self, content_type: Option<&str>) -> ResponseFormat {
        if self != ResponseFormat::Auto {
            return self;
        }
        let essence = content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match essence.as_str() {
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines" => ResponseFormat::Jsonl,
            "text/csv" => ResponseFormat::Csv,
            _ => ResponseFormat::Json,
        }
    }
}

/// What a page without the `data_selector` path means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum DataSelectorMissing {
    /// Fail the resource, naming the page and quoting the body (default): an API that answers
    /// `200 {"message": "Service unavailable"}` must not empty a table.
    #[default]
    Error,
    /// Read the page as empty, as dlt does.
    Empty,
}

/// Which record value advances the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum LastValueFunc {
    /// Highest (default).
    Max,
    /// Lowest.
    Min,
}

/// What to do with a record that lacks the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum OnCursorValueMissing {
    /// Fail the resource (default).
    Raise,
    /// Keep the record.
    Include,
    /// Drop the record.
    Exclude,
}

/// What a matching `response_actions` entry does with a response (dlt's `ignore`, and the
/// rest of Airbyte's `HttpResponseFilter` actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "model",
    derive(Serialize, Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum ResponseActionKind {
    /// Read the response as "no records" and stop paginating (dlt's only action).
    #[default]
    Ignore,
    /// Retry as the retry policy says, whatever the status; when the retries run out the
    /// error says it is transient.
    Retry,
    /// Fail the resource at once, as a config error (no retry).
    Fail,
    /// Fetch a new OAuth2 or session token and send again, once; matching again after that
    /// is a config error.
    RefreshToken,
    /// Treat as a 429: wait (the `Retry-After`, else the backoff) and retry, spacing the
    /// origin's new requests.
    RateLimited,
}

/// A `response_actions` entry: a response that matches every given condition (status code,
/// body substring) gets `action`; the first matching entry wins.
///
/// Generic over its text like [`crate::PaginatorDef`]: `'static` in generated constants,
/// `String` in the spec's resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseActionDef<S = &'static str> {
    /// Status to match.
    pub status_code: Option<u16>,
    /// Body substring to match.
    pub content: Option<S>,
    /// What to do with a matching response.
    pub action: ResponseActionKind,
}
