//! Authentication: what each [`AuthDef`] adds to a request, and the OAuth2 client-credentials
//! token cache (single-flight fetch, refresh shortly before expiry, one re-fetch on a 401).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};
use tokio::time::Instant;
use url::Url;

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

fn sensitive(value: &str) -> Result<HeaderValue, HttpError> {
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

    fn cred(&self, c: &CredDef) -> Result<&Secret, HttpError> {
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
            "fetching an OAuth token{}",
            if current.is_some() {
                " (the current one is about to expire)"
            } else {
                ""
            }
        );
        let (token, lifetime) = self.fetch_token(auth).await?;
        tracing::info!(expires_in_s = lifetime.as_secs(), "OAuth token received");
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

    /// The token endpoint: relative URLs join the base URL; an absolute URL on the spec base
    /// URL's origin moves to the run-time base URL's origin (so specs work against mocks).
    pub(super) fn token_url(&self, token_url: &str) -> Result<Url, HttpError> {
        let bad = |e: url::ParseError| HttpError::Build {
            message: format!("invalid token URL: {e}"),
        };
        let Ok(abs) = Url::parse(token_url) else {
            return super::join_url(&self.base_url, token_url).map_err(bad);
        };
        let Ok(spec_base) = Url::parse(self.spec_base_url) else {
            return Ok(abs);
        };
        if spec_base.origin() != abs.origin() || spec_base.origin() == self.base_url.origin() {
            return Ok(abs);
        }
        let spec_path = spec_base.path().trim_end_matches('/');
        let rest = abs
            .path()
            .strip_prefix(spec_path)
            .filter(|_| !spec_path.is_empty());
        let mut out = self.base_url.clone();
        match rest {
            Some(rest) => {
                let path = format!("{}{}", self.base_url.path().trim_end_matches('/'), rest);
                out.set_path(&path);
            }
            None => out.set_path(abs.path()),
        }
        out.set_query(abs.query());
        Ok(out)
    }

    async fn fetch_token(&self, auth: &AuthDef) -> Result<(Secret, Duration), HttpError> {
        let AuthDef::OAuth2 {
            token_url,
            client_id,
            client_secret,
            extra,
            default_expiration_secs,
            client_auth,
            scopes,
        } = auth
        else {
            return Err(HttpError::Build {
                message: "not an OAuth2 auth".to_string(),
            });
        };
        let url = self.token_url(token_url)?;
        let id = self.cred(client_id)?.expose();
        let secret = self.cred(client_secret)?.expose();
        let mut form: Vec<(String, String)> =
            vec![("grant_type".into(), "client_credentials".into())];
        let mut headers = Vec::new();
        match client_auth {
            ClientAuth::Body => {
                form.push(("client_id".into(), id.to_string()));
                form.push(("client_secret".into(), secret.to_string()));
            }
            ClientAuth::Basic => {
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let raw = format!("{}:{}", enc(id), enc(secret));
                let v = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                );
                headers.push((AUTHORIZATION, sensitive(&v)?));
            }
        }
        if !scopes.is_empty() {
            form.push(("scope".into(), scopes.join(" ")));
        }
        for (k, v) in extra.iter() {
            let v = lit_text(v);
            match form.iter_mut().find(|(fk, _)| fk == k) {
                Some(slot) => slot.1 = v,
                None => form.push(((*k).to_string(), v)),
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let resp = self.send_token_request(url.clone(), headers, body).await?;
        let parsed: serde_json::Value =
            serde_json::from_slice(&resp).map_err(|e| HttpError::Token {
                url: self.redactor.url(&url),
                message: format!("token response is not JSON: {e}"),
            })?;
        let Some(token) = parsed.get("access_token").and_then(|t| t.as_str()) else {
            return Err(HttpError::Token {
                url: self.redactor.url(&url),
                message: "token response has no `access_token`".to_string(),
            });
        };
        self.redactor.add(token);
        let secs = parsed
            .get("expires_in")
            .and_then(|e| {
                e.as_u64()
                    .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(*default_expiration_secs);
        Ok((Secret::new(token), Duration::from_secs(secs)))
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
fn lit_text(lit: &Lit) -> String {
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
