//! The spec model: plain serde + schemars types for dlt's `rest_api_source` config shape,
//! plus restsource's additions (`retry`, `timeout`, `rate_limit`, secret references).
//!
//! These types describe the spec *as written* (before `resource_defaults` are merged in).
//! [`crate::resolve`] turns a validated [`SourceSpec`] into [`crate::ResolvedSource`], the
//! merged view that codegen consumes.
//!
//! Map-valued keys use [`IndexMap`] so that generated code follows the spec's own order.

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

/// A credential: a reference to a secret resolved at run time, or (for dlt compatibility,
/// with a warning) a literal value.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Credential {
    /// `{"secret": "api_key"}`: resolved at run time, by default from env `API_KEY`.
    Secret(SecretRef),
    /// A literal value. Accepted with a warning; never copied into generated code.
    Literal(String),
}

/// Literal values are redacted: secrets never reach logs or panics through `Debug`.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Secret(r) => f.debug_tuple("Secret").field(r).finish(),
            Credential::Literal(_) => f.write_str("Literal(<redacted>)"),
        }
    }
}

/// A header value: text, or a secret reference resolved at run time. Literal text under a
/// credential header name (`Authorization`, `X-Api-Key`, ...) is treated as a literal credential:
/// warned about, never copied into generated code, read from the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum HeaderValue {
    /// `{"secret": "name"}`: the whole header value, read at run time.
    Secret(SecretRef),
    /// Text, which may hold placeholders.
    Text(String),
}

/// `{"secret": "name"}`, optionally naming the environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Secret name; the environment variable defaults to its upper-cased form.
    pub secret: String,
    /// Environment variable to read instead of the derived one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

/// Authentication. A bare string names a type whose credentials are all secret references with
/// derived names; an object without `type` is `bearer`, as in dlt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthConfig {
    /// `Authorization: Bearer <token>`.
    Bearer(BearerAuth),
    /// An API key in a header, the query string or a cookie.
    ApiKey(ApiKeyAuth),
    /// HTTP Basic.
    HttpBasic(HttpBasicAuth),
    /// OAuth2 client-credentials grant (`oauth2` with `token_url` is the seed spelling).
    #[serde(alias = "oauth2")]
    #[serde(rename = "oauth2_client_credentials")]
    OAuth2ClientCredentials(OAuth2Auth),
}

/// The schema of an auth value: the reader also accepts a bare type name (credentials are
/// then secrets with derived names) and an object without `type` (bearer, as in dlt).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AuthSchema {
    /// `"api_key"`, ...
    Name(AuthTypeName),
    /// An object with `type`.
    Object(Box<AuthConfig>),
    /// `{"token": ...}`: bearer.
    Bearer(BearerAuth),
}

/// Auth types that can be written as a bare name.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum AuthTypeName {
    /// Bearer, token from the secret `token`.
    Bearer,
    /// API key from the secret `api_key`, in the `Authorization` header.
    ApiKey,
    /// HTTP Basic from the secrets `username` and `password`.
    HttpBasic,
}

/// Bearer token auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BearerAuth {
    /// The token; absent means the secret `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Credential>,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    /// A request header (default).
    #[default]
    Header,
    /// A query parameter.
    Query,
    /// A query parameter (dlt alias of `query`).
    Param,
    /// A cookie.
    Cookie,
}

/// API key auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyAuth {
    /// Header, parameter or cookie name (default `Authorization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The key; absent means the secret `api_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Credential>,
    /// Where the key goes (default header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ApiKeyLocation>,
}

/// HTTP Basic auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpBasicAuth {
    /// User name; absent means the secret `username`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Credential>,
    /// Password; absent means the secret `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Credential>,
}

/// How the OAuth2 client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the form body (dlt's only way).
    #[default]
    Body,
    /// HTTP Basic with `client_id:client_secret` (`client_secret_basic`, dlt#4206).
    Basic,
}

impl From<ClientAuthMethod> for restsource_core::ClientAuth {
    fn from(m: ClientAuthMethod) -> Self {
        match m {
            ClientAuthMethod::Body => restsource_core::ClientAuth::Body,
            ClientAuthMethod::Basic => restsource_core::ClientAuth::Basic,
        }
    }
}

/// OAuth2 client credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Auth {
    /// Token endpoint (dlt spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_url: Option<String>,
    /// Token endpoint (seed spelling); exactly one of the two must be set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Client id; absent means the secret `client_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Credential>,
    /// Client secret; absent means the secret `client_secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Credential>,
    /// Extra form fields for the token request.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub access_token_request_data: IndexMap<String, JsonValue>,
    /// Token lifetime in seconds when the response has no `expires_in` (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_token_expiration: Option<u64>,
    /// How the client authenticates (default body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuthMethod>,
    /// Scopes sent as `scope` (space-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

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
}

/// No parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyParams {}

/// A nullable-with-default setting: absent means the default, `null` means "off".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
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
    /// JSONPath of the total record count (default `total`; `null` for none).
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
    /// JSONPath of the total number of pages (default `total`; `null` for none).
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

/// A resource: a bare name (which is also its path) or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ResourceEntry {
    /// `"posts"` means `{name: "posts", endpoint: {path: "posts"}}`.
    Name(String),
    /// A full resource.
    Resource(Box<Resource>),
}

/// A resource object: `name` plus the keys [`ResourceBase`] allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Resource name (unique); the table name unless `table_name` is set.
    pub name: String,
    /// Everything else.
    #[serde(flatten)]
    pub base: ResourceBase,
}

/// Resource keys that may also appear in `resource_defaults`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceBase {
    /// A path string or an endpoint object; defaults to `{path: name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<EndpointConfig>,
    /// Destination table (default: the resource name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    /// Rust struct name override (default: the resource name in UpperCamelCase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub struct_name: Option<String>,
    /// Primary key column(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<KeyConfig>,
    /// Merge key column(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<KeyConfig>,
    /// `append` (default), `replace`, `merge`, `skip`, or an object with a strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_disposition: Option<WriteDispositionConfig>,
    /// Column hints: a map by name or a list with `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<ColumnsConfig>,
    /// Whether the resource is loaded (default true); a deselected parent still feeds children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    /// Parent fields copied into each child record as `_<parent>_<field>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_from_parent: Option<Vec<String>>,
    /// Nesting depth kept before nested data is stored as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_table_nesting: Option<u32>,
    /// Fetch children of different parent records concurrently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelized: Option<bool>,
    /// Per-resource retry override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryConfig>,
    /// dlt schema contract; accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_contract: Option<JsonValue>,
    /// dlt table format; accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_format: Option<String>,
    /// dlt file format; accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
    /// (rs) Commit this resource's rows and incremental state every this many pages, so a
    /// long backfill that fails resumes from its last checkpoint instead of from scratch.
    /// Needs `endpoint.incremental` without `end_value` and with `row_order` in the cursor's
    /// direction (`asc` with `max`, `desc` with `min`), a `primary_key`, a disposition other
    /// than `replace`, and no parent or child resources. Without it a run is all or nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub checkpoint: Option<u32>,
}

/// One column name or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum KeyConfig {
    /// One column.
    One(String),
    /// A compound key.
    Many(Vec<String>),
}

impl KeyConfig {
    /// The key's columns in order.
    pub fn columns(&self) -> Vec<String> {
        match self {
            KeyConfig::One(c) => vec![c.clone()],
            KeyConfig::Many(cs) => cs.clone(),
        }
    }
}

/// Write disposition as a string or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum WriteDispositionConfig {
    /// `append`, `replace`, `merge` or `skip`.
    Name(Disposition),
    /// `{disposition, strategy, ...}`.
    Object(WriteDispositionObject),
}

/// The dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Add rows.
    Append,
    /// Replace the table's contents when the resource completes.
    Replace,
    /// Merge by primary/merge key.
    Merge,
    /// Load nothing.
    Skip,
}

/// Merge strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MergeStrategy {
    /// Delete rows with matching keys, then insert (default).
    DeleteInsert,
    /// Insert or update by primary key.
    Upsert,
    /// Insert rows whose key is absent; never update.
    InsertOnly,
    /// Slowly changing dimension type 2 (rejected: not supported yet).
    Scd2,
}

/// `{disposition, strategy, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteDispositionObject {
    /// The disposition.
    pub disposition: Disposition,
    /// Merge strategy (default delete-insert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<MergeStrategy>,
    /// delete-insert: the data has no duplicate keys, skip dedup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplicated: Option<bool>,
}

/// Columns as a map by name or a list of hints carrying `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ColumnsConfig {
    /// `{col: hints}`.
    Map(IndexMap<String, ColumnHints>),
    /// `[{name, ...hints}]`.
    List(Vec<ColumnHints>),
}

// As a spec writes them; resolving turns them into the stored `restsource_core::DataType`
// (`wei` becomes a decimal). A plain comment: the doc comment is the JSON Schema's description.
/// dlt data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    /// UTF-8 text.
    Text,
    /// 64-bit float.
    Double,
    /// Boolean.
    Bool,
    /// Date and time with time zone.
    Timestamp,
    /// 64-bit integer.
    Bigint,
    /// Bytes (base64 in JSON).
    Binary,
    /// Any JSON.
    Json,
    /// Exact decimal.
    Decimal,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// dlt's 256-bit integer type; stored as decimal.
    Wei,
}

impl From<DataType> for restsource_core::DataType {
    /// What a spec type is stored as: `wei` is a decimal (no 256-bit integer type exists in
    /// SQLite, PostgreSQL or Rust's std), as dlt stores it.
    fn from(t: DataType) -> Self {
        use restsource_core::DataType as Stored;
        match t {
            DataType::Text => Stored::Text,
            DataType::Double => Stored::Double,
            DataType::Bool => Stored::Bool,
            DataType::Timestamp => Stored::Timestamp,
            DataType::Bigint => Stored::Bigint,
            DataType::Binary => Stored::Binary,
            DataType::Json => Stored::Json,
            DataType::Decimal | DataType::Wei => Stored::Decimal,
            DataType::Date => Stored::Date,
            DataType::Time => Stored::Time,
        }
    }
}

/// Sort order for `dedup_sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Lowest wins.
    Asc,
    /// Highest wins.
    Desc,
}

impl From<SortOrder> for restsource_core::SortOrder {
    fn from(o: SortOrder) -> Self {
        match o {
            SortOrder::Asc => restsource_core::SortOrder::Asc,
            SortOrder::Desc => restsource_core::SortOrder::Desc,
        }
    }
}

/// dlt column hints.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnHints {
    /// Column name (required in the list form; must match the key in the map form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Data type; absent means JSON (any value kept as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// Whether null is allowed (default true, false for key columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Precision (decimal digits, or timestamp fractional digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    /// Scale for decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Timestamp carries a time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<bool>,
    /// Part of the primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<bool>,
    /// Part of the merge key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<bool>,
    /// Unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// A true (bool) or non-null value deletes the row on merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_delete: Option<bool>,
    /// Which duplicate survives dedup on merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_sort: Option<SortOrder>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rust field name override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// Other dlt hints (`partition`, `cluster`, `sort`, `x-*`...), accepted and ignored.
    #[serde(flatten, default, skip_serializing_if = "IndexMap::is_empty")]
    pub other: IndexMap<String, JsonValue>,
}

/// An endpoint: a path string or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EndpointConfig {
    /// The path.
    Path(String),
    /// A full endpoint.
    Object(Box<Endpoint>),
}

/// HTTP methods dlt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Method {
    /// GET (default).
    #[default]
    #[serde(rename = "GET")]
    Get,
    /// POST.
    #[serde(rename = "POST")]
    Post,
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
    /// Responses to ignore (by status and/or body content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_actions: Option<Vec<ResponseAction>>,
    /// Incremental loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<IncrementalConfig>,
    /// Auth override; `null` means no auth.
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

/// Which record value advances the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LastValueFunc {
    /// Highest (default).
    Max,
    /// Lowest.
    Min,
}

/// What a page without the `data_selector` path means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataSelectorMissing {
    /// Fail the resource, naming the page and quoting the body (default): an API that answers
    /// `200 {"message": "Service unavailable"}` must not empty a table.
    #[default]
    Error,
    /// Read the page as empty, as dlt does.
    Empty,
}

/// What to do with a record that lacks the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnCursorValueMissing {
    /// Fail the resource (default).
    Raise,
    /// Keep the record.
    Include,
    /// Drop the record.
    Exclude,
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
    /// `ignore` (the only action without Python callables).
    pub action: ResponseActionKind,
}

/// Response actions expressible in a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseActionKind {
    /// Treat the response as "no records" and stop paginating.
    Ignore,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
