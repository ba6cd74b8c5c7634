//! OAuth2 tokens (client credentials, refresh tokens with optional rotation, session logins)
//! and credential parsing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;

use crate::generate::mix;

/// Issued tokens and their expiry instants.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, Instant>,
    issued: u64,
    /// The refresh token accepted now once one was rotated (`None`: the configured one).
    refresh: Option<String>,
    rotations: u64,
    /// Every refresh token presented, in order, so tests can assert which one a client used.
    presented: Vec<String>,
}

impl TokenStore {
    /// Issues a token valid for `ttl`; returns it with `expires_in` in whole seconds
    /// (rounded up, at least 1, as clients treat 0 as "already expired").
    pub(crate) fn issue(&mut self, seed: u64, ttl: Duration) -> (String, u64) {
        self.issued += 1;
        let token = format!("tok-{}-{:016x}", self.issued, mix(seed ^ self.issued));
        self.tokens.insert(token.clone(), Instant::now() + ttl);
        let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        (token, secs.max(1))
    }

    /// Whether `token` was issued and has not expired.
    pub(crate) fn is_valid(&self, token: &str) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|&expiry| Instant::now() < expiry)
    }

    /// Makes every token issued so far expire now.
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for expiry in self.tokens.values_mut() {
            *expiry = now;
        }
    }

    /// How many tokens were issued.
    pub(crate) fn issued(&self) -> u64 {
        self.issued
    }

    /// A refresh-token grant: `presented` must be the refresh token valid now (`configured`
    /// until the first rotation). Returns the refresh token to answer when `rotate` (the
    /// presented one is retired), `Some(None)` when accepted without rotation, `None` when
    /// refused.
    pub(crate) fn refresh(
        &mut self,
        configured: &str,
        presented: &str,
        rotate: bool,
    ) -> Option<Option<String>> {
        self.presented.push(presented.to_string());
        if presented != self.refresh.as_deref().unwrap_or(configured) {
            return None;
        }
        if !rotate {
            return Some(None);
        }
        self.rotations += 1;
        let next = format!("refresh-rotated-{}", self.rotations);
        self.refresh = Some(next.clone());
        Some(Some(next))
    }

    /// Every refresh token presented so far, oldest first.
    pub(crate) fn presented(&self) -> Vec<String> {
        self.presented.clone()
    }
}

/// Client id and secret from a form body (`client_id`, `client_secret`) or, failing that,
/// from an HTTP Basic `Authorization` header.
pub(crate) fn client_credentials(
    form: &[(String, String)],
    authorization: Option<&str>,
) -> Option<(String, String)> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) {
        return Some((id, secret));
    }
    let encoded = authorization?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The user and password of an HTTP Basic `Authorization` header.
pub(crate) fn basic_credentials(authorization: Option<&str>) -> Option<(String, String)> {
    client_credentials(&[], authorization)
}

/// The value of cookie `name` in a `Cookie` header.
pub(crate) fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token of a `Bearer` `Authorization` header.
pub(crate) fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
