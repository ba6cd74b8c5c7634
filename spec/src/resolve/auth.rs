//! Auth and retry with defaults applied; every credential becomes a secret reference.

use crate::model::{
    ApiKeyLocation, AuthConfig, ClientAuthMethod, Credential, GrantType, RetryConfig,
};
use crate::resolved::{ResolvedAuth, ResolvedRetry, SecretInfo};
use crate::site::Site;
use restsource_core::ApiKeyLocation as KeyPlace;

/// The environment variable for a secret name: upper-cased, other characters as `_`.
pub fn env_name(secret: &str) -> String {
    secret
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A credential as a secret: references keep their name; absent or literal credentials get the
/// field's name (the literal value is dropped here and never carried further).
fn secret(cred: &Option<Credential>, field: &str) -> SecretInfo {
    match cred {
        Some(Credential::Secret(r)) => SecretInfo {
            name: r.secret.clone(),
            env: r.env.clone().unwrap_or_else(|| env_name(&r.secret)),
        },
        _ => SecretInfo {
            name: field.to_string(),
            env: env_name(field),
        },
    }
}

/// Resolves an auth config written at `at` (a Rust auth's position names the spec line in
/// rustc's error when its type is not an auth).
pub(crate) fn auth(r: &super::R<'_>, a: &AuthConfig, at: Site) -> ResolvedAuth {
    match a {
        AuthConfig::Rust(u) => ResolvedAuth::Rust {
            path: u.path.clone(),
            at: r.position(&at.key("path")),
            secrets: u.secrets.clone(),
            make: restsource_core::RustFactory::NONE,
        },
        AuthConfig::Bearer(b) => ResolvedAuth::Bearer {
            token: secret(&b.token, "token"),
        },
        AuthConfig::ApiKey(k) => ResolvedAuth::ApiKey {
            name: k.name.clone().unwrap_or_else(|| "Authorization".into()),
            key: secret(&k.api_key, "api_key"),
            location: match k.location.unwrap_or_default() {
                ApiKeyLocation::Header => KeyPlace::Header,
                ApiKeyLocation::Query | ApiKeyLocation::Param => KeyPlace::Query,
                ApiKeyLocation::Cookie => KeyPlace::Cookie,
            },
        },
        AuthConfig::HttpBasic(b) => ResolvedAuth::HttpBasic {
            username: secret(&b.username, "username"),
            password: secret(&b.password, "password"),
        },
        AuthConfig::OAuth2ClientCredentials(o) => ResolvedAuth::OAuth2 {
            token_url: o
                .access_token_url
                .clone()
                .or_else(|| o.token_url.clone())
                .or_else(|| o.token_refresh_endpoint.clone())
                .unwrap_or_default(),
            client_id: secret(&o.client_id, "client_id"),
            client_secret: secret(&o.client_secret, "client_secret"),
            extra: o.access_token_request_data.clone().into_iter().collect(),
            default_expiration_secs: o.default_token_expiration.unwrap_or(3600),
            client_auth: o.client_auth.unwrap_or(ClientAuthMethod::Body).into(),
            scopes: o.scopes.clone().unwrap_or_default(),
            refresh_token: (o.grant_type == Some(GrantType::RefreshToken))
                .then(|| secret(&o.refresh_token, "refresh_token")),
        },
        AuthConfig::SessionToken(s) => ResolvedAuth::Session {
            login_url: s.login_url.clone(),
            username: secret(&s.username, "username"),
            password: secret(&s.password, "password"),
            token_path: crate::read::dotted_keys(&s.session_token_path)
                .map(|k| k.join("."))
                .unwrap_or_default(),
            header: s.header.clone(),
        },
    }
}

/// The secrets an auth reads, in field order.
pub(crate) fn secrets_of(a: &ResolvedAuth) -> Vec<SecretInfo> {
    match a {
        ResolvedAuth::Bearer { token } => vec![token.clone()],
        ResolvedAuth::ApiKey { key, .. } => vec![key.clone()],
        ResolvedAuth::HttpBasic { username, password } => vec![username.clone(), password.clone()],
        ResolvedAuth::OAuth2 {
            client_id,
            client_secret,
            refresh_token,
            ..
        } => [client_id, client_secret]
            .into_iter()
            .chain(refresh_token)
            .cloned()
            .collect(),
        ResolvedAuth::Session {
            username, password, ..
        } => vec![username.clone(), password.clone()],
        ResolvedAuth::Rust { secrets, .. } => secrets
            .iter()
            .map(|name| SecretInfo {
                name: name.clone(),
                env: env_name(name),
            })
            .collect(),
    }
}

/// Client retry overridden field by field by the resource's, then defaults (dlt's runtime
/// defaults: 5 attempts, factor 1, max 300 s, Retry-After honoured).
pub(crate) fn retry(client: Option<&RetryConfig>, own: Option<&RetryConfig>) -> ResolvedRetry {
    let pick = |f: fn(&RetryConfig) -> Option<_>| own.and_then(f).or_else(|| client.and_then(f));
    ResolvedRetry {
        statuses: own
            .and_then(|r| r.statuses.clone())
            .or_else(|| client.and_then(|r| r.statuses.clone()))
            .unwrap_or_else(|| vec![429, 500, 502, 503, 504]),
        max_retries: own
            .and_then(|r| r.max_retries)
            .or_else(|| client.and_then(|r| r.max_retries))
            .unwrap_or(4),
        backoff_factor: pick(|r| r.backoff_factor).unwrap_or(1.0),
        max_delay_secs: pick(|r| r.max_delay).unwrap_or(300.0),
        respect_retry_after: own
            .and_then(|r| r.respect_retry_after)
            .or_else(|| client.and_then(|r| r.respect_retry_after))
            .unwrap_or(true),
    }
}
