//! How a mock API instance is set up: data size, credentials, auth mode, timing.

use std::time::Duration;

use crate::encode::Compression;
use crate::faults::FaultPlan;

/// How the analytics endpoint `/v1/resource` authenticates requests.
///
/// Seeds 000/001 reach `/v1/resource` with an API key, seed 003 with OAuth2 client
/// credentials; the path is the same, so the mode is chosen per mock instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// `api_key` query parameter, as every other resource.
    #[default]
    ApiKey,
    /// `Authorization: Bearer <token>` from `POST /oauth/token` (client credentials or a
    /// refresh token) or from `POST /auth/login` (a session token).
    OAuth,
    /// `Authorization: Bearer <api_key>`: a static bearer token.
    Bearer,
    /// HTTP Basic with [`MockConfig::client_id`] as user and [`MockConfig::client_secret`]
    /// as password.
    Basic,
    /// A cookie `api_key=<api_key>`.
    Cookie,
}

/// Which fields records carry.
///
/// The wide shape is what the seed APIs serve; the seed shape trims inventory records to
/// the fields the inventory seed declares so that a benchmark can also measure a loader
/// whose cost is not dominated by undeclared fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Every resource's full record (15 fields for inventory, with nested objects, lists
    /// and base64).
    #[default]
    Wide,
    /// Inventory resources serve `id`, `name`, `updated_at`, `quantity`, two small
    /// undeclared fields (`sku`, `warehouse`) and `deleted` when set; other resources
    /// keep the wide shape.
    Seed,
    /// The wide shape after the API changed: inventory records gain `warranty_months` (an
    /// integer) and every even id's `ratio` is the text `"n/a"` instead of a number, so a
    /// schema inferred from the wide shape no longer fits (`restsource infer --check`).
    Drifted,
}

/// Settings of one mock API instance. `MockConfig::default()` serves 250 records per
/// resource, so an offset paginator with limit 100 needs exactly 3 pages.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Records each resource starts with (ids `1..=records`).
    pub records: usize,
    /// The API key expected in the `api_key` query parameter.
    pub api_key: String,
    /// OAuth2 client id accepted by `POST /oauth/token`.
    pub client_id: String,
    /// OAuth2 client secret accepted by `POST /oauth/token`.
    pub client_secret: String,
    /// The refresh token `POST /oauth/token` accepts first with `grant_type=refresh_token`.
    pub refresh_token: String,
    /// Whether each refresh-token grant answers a new refresh token and retires the one
    /// presented (rotation, as many OAuth2 providers do).
    pub rotate_refresh_tokens: bool,
    /// Lifetime of an issued token; sub-second values are honoured by the server, while
    /// `expires_in` reports at least 1 second.
    pub token_ttl: Duration,
    /// Delay added before every API request is answered (admin endpoints excepted).
    pub latency: Duration,
    /// Upper bound of `limit`: larger requested limits are clamped to it.
    pub max_page_size: usize,
    /// Seed of the generated data and of every fault decision.
    pub seed: u64,
    /// Auth mode of the analytics endpoint `/v1/resource`.
    pub analytics_auth: AuthMode,
    /// Faults injected from the start (none by default).
    pub faults: FaultPlan,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Bytes of rendered record JSON kept in memory; records beyond it are rendered per
    /// request, which keeps a million records per resource affordable.
    pub render_cache_bytes: usize,
    /// Which fields records carry ([`Shape::Wide`] by default).
    pub shape: Shape,
    /// Compress successful answers with this coding when the request accepts it (`None`,
    /// the default, answers uncompressed whatever the request accepts).
    pub compression: Option<Compression>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            records: 250,
            api_key: "test-key".to_string(),
            client_id: "client-1".to_string(),
            client_secret: "secret-1".to_string(),
            refresh_token: "refresh-1".to_string(),
            rotate_refresh_tokens: false,
            token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
            max_page_size: 1000,
            seed: 42,
            analytics_auth: AuthMode::ApiKey,
            faults: FaultPlan::none(),
            port: 0,
            render_cache_bytes: 512 * 1024 * 1024,
            shape: Shape::Wide,
            compression: None,
        }
    }
}
