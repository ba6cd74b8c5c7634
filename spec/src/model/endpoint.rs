//! `endpoint`: path, method, params, body, selector, incremental and response actions.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// An endpoint: a path string or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EndpointConfig {
    /// The path.
    Path(String),
    /// A full endpoint.
    Object(Box<Endpoint>),
}

/// Endpoint object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Path joined to the base URL (or an absolute URL); may hold placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// GET or POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// Query parameters: JSON values, `resolve` / `incremental` objects or secret references.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, ParamValue>,
    /// JSON body; strings may hold placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<IndexMap<String, JsonValue>>,
    /// Form body (dlt `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<JsonValue>,
    /// Headers; values may hold placeholders.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, HeaderValue>,
    /// Paginator for this endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginator: Option<PaginatorConfig>,
    /// JSONPath of the record list; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_selector: Option<String>,
    /// What a page without the `data_selector` path means (restsource): an error (default) or
    /// an empty page (dlt's behaviour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_selector_missing: Option<DataSelectorMissing>,
    /// How response bodies hold records (restsource): `json`, `jsonl` (one record per line)
    /// or `csv` (a header row, then one record per row); when absent, chosen per response
    /// from its `Content-Type` (JSON unless it names JSON Lines or CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Responses to ignore (by status and/or body content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_actions: Option<Vec<ResponseAction>>,
    /// Incremental loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<IncrementalConfig>,
    /// Auth override; `null` (in TOML `false`) means no auth.
    #[serde(default, skip_serializing_if = "is_default")]
    #[schemars(with = "Nullable<AuthSchema>")]
    pub auth: Nullable<AuthConfig>,
}

/// A query parameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    /// `{"type": "resolve", "resource": ..., "field": ...}`.
    Resolve(ResolveParam),
    /// `{"type": "incremental", "cursor_path": ..., ...}` (deprecated dlt form).
    Incremental(IncrementalParam),
    /// `{"secret": "name"}`: a credential read at run time (restsource addition).
    Secret(SecretRef),
    /// Any other JSON value (objects are rejected, as in dlt#2918).
    Value(JsonValue),
}

/// Legacy parent binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveParam {
    /// Always `resolve`.
    #[serde(rename = "type")]
    pub kind: ResolveTag,
    /// Parent resource.
    pub resource: String,
    /// JSONPath into the parent record.
    pub field: String,
}

/// The `resolve` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolveTag {
    /// `resolve`.
    Resolve,
}

/// The `incremental` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncrementalTag {
    /// `incremental`.
    Incremental,
}

/// Deprecated incremental query parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncrementalParam {
    /// Always `incremental`.
    #[serde(rename = "type")]
    pub kind: IncrementalTag,
    /// JSONPath of the cursor in each record.
    pub cursor_path: String,
    /// Start value on the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_value: Option<JsonValue>,
    /// `max` (default) or `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_value_func: Option<LastValueFunc>,
}

/// Range bound kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RangeBound {
    /// Inclusive.
    Closed,
    /// Exclusive.
    Open,
}

/// Record order of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOrder {
    /// Ascending cursor.
    Asc,
    /// Descending cursor.
    Desc,
}

/// `endpoint.incremental`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncrementalConfig {
    /// JSONPath of the cursor in each record.
    pub cursor_path: String,
    /// Start value on the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_value: Option<JsonValue>,
    /// End value (backfill: no state is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_value: Option<JsonValue>,
    /// Query parameter receiving the start value (deprecated dlt form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_param: Option<String>,
    /// Query parameter receiving the end value (deprecated dlt form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_param: Option<String>,
    /// `max` (default) or `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_value_func: Option<LastValueFunc>,
    /// Lag: seconds for date-times, days for dates, units for numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<f64>,
    /// What to do with records lacking the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_cursor_value_missing: Option<OnCursorValueMissing>,
    /// Start bound (default closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_start: Option<RangeBound>,
    /// End bound (default open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_end: Option<RangeBound>,
    /// API record order; lets extraction stop at the first out-of-range record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_order: Option<RowOrder>,
    /// Dedup key at the boundary (default: the resource primary key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<KeyConfig>,
    /// dlt option; accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_external_schedulers: Option<bool>,
    /// Window length (restsource, Airbyte's `step`): the range from the start value to
    /// `end_value` (or now) is fetched as consecutive windows of this length, concurrently.
    /// ISO-8601 (`P30D`, `PT6H`) or short (`30d`, `6h`, `15m`, `45s`, `2w`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Taken off the stored cursor before a run starts (Airbyte's `lookback_window`), so
    /// records updated late inside it are fetched again; same syntax as `step`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback: Option<String>,
}

/// `response_actions` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseAction {
    /// Status code to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Substring of the body to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// What a matching response gets: `ignore` (dlt), `retry`, `fail`, `refresh_token` or
    /// `rate_limited` (Airbyte's actions).
    pub action: ResponseActionKind,
}
