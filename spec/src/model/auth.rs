//! `client.auth` and endpoint `auth`: the auth types and their credentials.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

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
    /// A session login (Airbyte's `SessionTokenAuthenticator`): a token requested from a
    /// login endpoint, then sent as a bearer token or in a header.
    SessionToken(SessionAuth),
    /// A type of the user's crate implementing `restsource::runtime::http::Authenticate`
    /// and `Default` (only in code generated from the spec).
    Rust(RustAuth),
}

/// The schema of an auth value: the reader also accepts a bare type name (credentials are
/// then secrets with derived names) and an object without `type` (bearer, as in dlt).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum AuthSchema {
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
pub(crate) enum AuthTypeName {
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
    /// The grant (default `client_credentials`); `refresh_token` as Airbyte's
    /// `OAuthAuthenticator` does it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<GrantType>,
    /// The refresh token of grant `refresh_token`; absent means the secret `refresh_token`.
    /// A rotated one the token endpoint answers is kept in the destination's state and used
    /// by the next run instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Credential>,
    /// Token endpoint (Airbyte spelling); one of the three token URL keys must be set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_refresh_endpoint: Option<String>,
}

/// The OAuth2 grant requested at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// `client_id` and `client_secret` alone (default).
    #[default]
    ClientCredentials,
    /// A refresh token, rotated when the endpoint answers a new one.
    RefreshToken,
}

/// A session login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionAuth {
    /// Login endpoint (absolute, or relative to the base URL), sent a JSON
    /// `{"username": ..., "password": ...}` POST.
    pub login_url: String,
    /// User name; absent means the secret `username`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Credential>,
    /// Password; absent means the secret `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Credential>,
    /// Where the token is in the login answer: a dotted path such as `session.token`.
    pub session_token_path: String,
    /// Header that carries the bare token; absent means `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// Auth written in Rust: generated code makes one `path::default()` per client, which adds
/// its credentials to every request from the secrets it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RustAuth {
    /// The type's Rust path as the crate that includes the spec names it
    /// (`crate::auth::MyAuth`).
    pub path: String,
    /// Secrets it reads by name (each becomes a field of the generated `Secrets`, read from
    /// the upper-cased environment variable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}
