//! Authentication: what each [`AuthDef`] adds to a request, and the cache of fetched tokens
//! (OAuth2 and session logins: single-flight fetch, refresh shortly before expiry, one
//! re-fetch on a 401). How a token is fetched is in `token.rs`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};
use tokio::time::Instant;

use super::{HttpClient, HttpError, Redactor};
use crate::def::{
    ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, CredDef, Lit, SourceDef, TemplatePart,
};
use crate::secret::{Secret, SecretValues};

/// What auth adds to one request.
#[derive(Default)]
pub struct AuthParts {
    /// Headers (marked sensitive).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// A query parameter.
    pub query: Option<(String, String)>,
    /// The OAuth token used, so a 401 can invalidate exactly it.
    pub token: Option<Arc<Secret>>,
}

impl std::fmt::Debug for AuthParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthParts(***)")
    }
}

/// A cached OAuth2 token.
#[derive(Default)]
pub(super) struct TokenSlot {
    current: tokio::sync::Mutex<Option<(Arc<Secret>, Instant)>>,
}

pub(super) fn sensitive(value: &str) -> Result<HeaderValue, HttpError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| HttpError::Build {
        message: "a credential contains characters not allowed in a header".to_string(),
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl HttpClient {
    /// The source's secrets (credentials in headers, params and paths are filled from them).
    pub(crate) fn secret_values(&self) -> &SecretValues {
        &self.secrets
    }

    pub(super) fn cred(&self, c: &CredDef) -> Result<&Secret, HttpError> {
        self.secrets.get(c.secret).ok_or_else(|| HttpError::Build {
            message: format!("secret `{}` was not provided", c.secret),
        })
    }

    /// The request parts for `auth`.
    pub(super) async fn auth_parts(&self, auth: &AuthDef) -> Result<AuthParts, HttpError> {
        let mut parts = AuthParts::default();
        match auth {
            AuthDef::Bearer { token } => {
                let v = format!("Bearer {}", self.cred(token)?.expose());
                parts.headers.push((AUTHORIZATION, sensitive(&v)?));
            }
            AuthDef::ApiKey {
                name,
                key,
                location,
            } => {
                let key = self.cred(key)?.expose();
                match location {
                    ApiKeyLocation::Header => {
                        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                            HttpError::Build {
                                message: format!("`{name}` is not a valid header name"),
                            }
                        })?;
                        parts.headers.push((name, sensitive(key)?));
                    }
                    ApiKeyLocation::Query => {
                        parts.query = Some(((*name).to_string(), key.to_string()))
                    }
                    ApiKeyLocation::Cookie => {
                        let v = format!("{name}={key}");
                        parts.headers.push((COOKIE, sensitive(&v)?));
                    }
                }
            }
            AuthDef::HttpBasic { username, password } => {
                let raw = format!(
                    "{}:{}",
                    self.cred(username)?.expose(),
                    self.cred(password)?.expose()
                );
                let v = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                );
                parts.headers.push((AUTHORIZATION, sensitive(&v)?));
            }
            AuthDef::OAuth2 { .. } => {
                let token = self.oauth_token(auth).await?;
                let v = format!("Bearer {}", token.expose());
                parts.headers.push((AUTHORIZATION, sensitive(&v)?));
                parts.token = Some(token);
            }
            AuthDef::Rust { path, at, make, .. } => return self.user_auth_parts(path, at, make),
            AuthDef::Session { header, .. } => {
                let token = self.oauth_token(auth).await?;
                match header {
                    Some(name) => {
                        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                            HttpError::Build {
                                message: format!("`{name}` is not a valid header name"),
                            }
                        })?;
                        parts.headers.push((name, sensitive(token.expose())?));
                    }
                    None => {
                        let v = format!("Bearer {}", token.expose());
                        parts.headers.push((AUTHORIZATION, sensitive(&v)?));
                    }
                }
                parts.token = Some(token);
            }
        }
        Ok(parts)
    }

    fn slot(&self, auth: &AuthDef) -> Arc<TokenSlot> {
        let key = format!("{auth:?}");
        let Ok(mut slots) = self.tokens.lock() else {
            return Arc::default();
        };
        slots.entry(key).or_default().clone()
    }

    /// A valid token; concurrent callers wait for one fetch (the slot's lock is held across it).
    async fn oauth_token(&self, auth: &AuthDef) -> Result<Arc<Secret>, HttpError> {
        let slot = self.slot(auth);
        let mut current = slot.current.lock().await;
        if let Some((token, refresh_at)) = current.as_ref() {
            if Instant::now() < *refresh_at {
                return Ok(token.clone());
            }
        }
        // Logged without the token or the client credentials: only why and when.
        tracing::info!(
            refresh = current.is_some(),
            "fetching {}{}",
            match auth {
                AuthDef::Session { .. } => "a session token",
                _ => "an OAuth token",
            },
            if current.is_some() {
                " (the current one is about to expire)"
            } else {
                ""
            }
        );
        let (token, lifetime) = self.fetch_token(auth).await?;
        match auth {
            AuthDef::Session { .. } => tracing::info!("session token received"),
            _ => tracing::info!(expires_in_s = lifetime.as_secs(), "OAuth token received"),
        }
        // Refresh a little before expiry: 10% of the lifetime, at most a minute.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        let token = Arc::new(token);
        *current = Some((token.clone(), Instant::now() + lifetime - margin));
        Ok(token)
    }

    /// Forgets `stale` (after a 401), unless another request already replaced it.
    pub(super) async fn invalidate_token(&self, auth: &AuthDef, stale: &Arc<Secret>) {
        let slot = self.slot(auth);
        let mut current = slot.current.lock().await;
        if current.as_ref().is_some_and(|(t, _)| Arc::ptr_eq(t, stale)) {
            *current = None;
        }
    }
}

/// Adds every HTTP Basic pair the source can send (client and endpoint auth, OAuth2 client
/// authentication) to `redactor`: base64 of `user:password` contains neither value as text.
pub(super) fn redact_basic_pairs(redactor: &Redactor, source: &SourceDef, secrets: &SecretValues) {
    let value = |c: &CredDef| secrets.get(c.secret).map(|s| s.expose().to_string());
    let own = source
        .resources
        .iter()
        .filter_map(|r| match r.endpoint.auth {
            AuthChoice::Own(a) => Some(a),
            _ => None,
        });
    for a in source.auth.into_iter().chain(own) {
        match a {
            AuthDef::HttpBasic { username, password } => {
                if let (Some(u), Some(p)) = (value(&username), value(&password)) {
                    redactor.add_basic(&u, &p);
                }
            }
            AuthDef::OAuth2 {
                client_id,
                client_secret,
                client_auth: ClientAuth::Basic,
                ..
            } => {
                if let (Some(u), Some(p)) = (value(&client_id), value(&client_secret)) {
                    let enc = |s: &str| {
                        url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                    };
                    redactor.add_basic(&enc(&u), &enc(&p));
                }
            }
            _ => {}
        }
    }
}

/// A literal as form text.
pub(super) fn lit_text(lit: &Lit) -> String {
    match lit {
        Lit::Null => String::new(),
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) => i.to_string(),
        Lit::Float(f) => f.to_string(),
        Lit::Str(t) => {
            t.0.iter()
                .map(|p| match p {
                    TemplatePart::Lit(s) => *s,
                    _ => "",
                })
                .collect()
        }
        Lit::List(_) | Lit::Map(_) => String::new(),
    }
}
