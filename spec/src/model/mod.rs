//! The spec model: plain serde + schemars types for dlt's `rest_api_source` config shape,
//! plus restsource's additions (`retry`, `timeout`, `rate_limit`, secret references).
//!
//! These types describe the spec *as written* (before `resource_defaults` are merged in).
//! `crate::resolve` turns a validated [`SourceSpec`] into [`crate::ResolvedSource`], the
//! merged view that codegen consumes.
//!
//! Map-valued keys use [`IndexMap`] so that generated code follows the spec's own order.

mod auth;
mod contract;
mod endpoint;
mod paginator;
mod resource;
mod steps;

pub use auth::*;
pub use contract::*;
pub use endpoint::*;
pub use paginator::*;
pub use resource::*;
pub use steps::*;
// The enums a spec writes word for word are the ones generated code and the runtime name:
// defined once, in restsource-core, deriving the model's serde form there (feature `model`).
pub use restsource_core::{
    DataSelectorMissing, LastValueFunc, Method, OnCursorValueMissing, ResetFormat,
    ResponseActionKind, ResponseFormat, SortOrder,
};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A JSON value as written in the spec (params, bodies, initial values).
pub type JsonValue = serde_json::Value;

/// The whole spec file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// JSON Schema reference; ignored, allowed so editors can validate JSON specs.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Source name; the generated module is named after it (else after the file stem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HTTP client settings shared by every resource.
    pub client: ClientConfig,
    /// (rs) How records become tables: `relational` (the default: dlt's normalization,
    /// flattened columns and child tables, every field typed), `dlt` (relational with dlt's
    /// system names `_dlt_id`, `_dlt_loads`, ...) or `json` (the declared columns plus one
    /// `_rs_extra` JSON column). JSON lines destinations keep records whole whatever it says.
    /// A program's `--tables` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<TablesMode>,
    /// dlt's `rest_api_source(schema_contract=...)`: the contract of every resource that does
    /// not set its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_contract: Option<SchemaContractConfig>,
    /// dlt's `rest_api_source(max_table_nesting=...)`: the nesting of every resource that does
    /// not set its own (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_table_nesting: Option<u32>,
    /// Settings merged into every resource, exactly as dlt merges them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_defaults: Option<ResourceBase>,
    /// The resources, as bare names or objects.
    pub resources: Vec<ResourceEntry>,
}

/// `client`: base URL, headers, auth, default paginator, and restsource's politeness settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Base URL every relative endpoint path is joined to.
    pub base_url: String,
    /// Static headers sent with every request (the endpoint's headers win). A credential
    /// header is a secret reference; a literal one is read from the environment instead.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, HeaderValue>,
    /// Authentication for every request, unless an endpoint overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<AuthSchema>")]
    pub auth: Option<AuthConfig>,
    /// Paginator with the lowest precedence (endpoint > resource_defaults > client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginator: Option<PaginatorConfig>,
    /// Retry policy (restsource addition; dlt keeps it in `[runtime]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryConfig>,
    /// Request timeout in seconds (default 60, as dlt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Client-side rate limit, never exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
    /// Rate-limit headers the API answers with (restsource): wait for the reset they name
    /// once the remaining calls run out, and after a 429.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_headers: Option<RateLimitHeadersConfig>,
}

/// The API's rate-limit headers: which header names the reset time, which counts the
/// calls left, and when to pause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitHeadersConfig {
    /// Header naming when calls are available again, e.g. `X-RateLimit-Reset`.
    pub reset: String,
    /// How the reset header reads: `seconds` to wait, `epoch` (a Unix time in seconds) or
    /// `auto` (default: a Unix time from 1000000000 on, else seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_format: Option<ResetFormat>,
    /// Header counting the calls left, e.g. `X-RateLimit-Remaining`; when it is at most
    /// `min_remaining`, requests to the API pause until the reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<String>,
    /// Calls left at which to pause (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_remaining: Option<u64>,
    /// Longest pause in seconds (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<f64>,
}

/// Retry policy: which statuses are retried, how often and how long to wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Statuses retried (default 429, 500, 502, 503, 504).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<u16>>,
    /// Retries after the first attempt (default 4, i.e. dlt's 5 attempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Exponential backoff multiplier in seconds: wait = factor * 2^(retry-1) (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Upper bound on a single wait, in seconds (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<f64>,
    /// Honour `Retry-After` (seconds or HTTP date), capped by `max_delay` (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respect_retry_after: Option<bool>,
}

/// Client-side rate limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per second, across all resources of the source.
    pub requests_per_second: f64,
    /// Requests that may be sent at once before the rate applies (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

/// No parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyParams {}

/// A nullable-with-default setting: absent means the default, `null` means "off". TOML has
/// no null, so there `false` says "off" too (`total_path = false`, an endpoint's
/// `auth = false`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Nullable<T> {
    /// Absent: use the default.
    #[default]
    Default,
    /// Explicit `null`: switched off. (Serialized as null.)
    Null(()),
    /// An explicit value.
    Value(T),
}

impl<T: JsonSchema> JsonSchema for Nullable<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<T>();
        schemars::json_schema!({
            "anyOf": [
                value,
                { "type": "null", "description": "off" },
                { "const": false, "description": "off, as TOML (which has no null) says it" }
            ]
        })
    }
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
