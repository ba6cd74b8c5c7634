//! Authentication as the spec resolves it and the runtime applies it.
//!
//! Generic over storage like [`crate::PaginatorDef`]: text `S`, credentials `C`, OAuth2's
//! extra form fields `E` and its scopes `L`; `'static` in generated constants (a credential
//! is then a [`CredDef`], a secret's name), owned in the spec's resolver (a credential is the
//! secret with its environment variable, the extra fields plain JSON).

use crate::{Lit, RustFactory, SecretName};

/// Where an API key is sent (the spec's `location`; `param` means the query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// How an OAuth2 client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    Body,
    /// HTTP Basic with `client_id` and `client_secret`.
    Basic,
}

/// A credential: always a secret reference in generated code (literals are never embedded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredDef {
    /// Secret name, a key of the source's secrets.
    pub secret: &'static str,
}

impl SecretName for CredDef {
    fn secret_name(&self) -> &str {
        self.secret
    }
}

/// Authentication, every credential a secret reference (the resolver gives a literal one a
/// derived secret name and a warning; its value is never carried further).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthDef<
    S = &'static str,
    C = CredDef,
    E = &'static [(&'static str, Lit)],
    L = &'static [&'static str],
> {
    /// Bearer token.
    Bearer {
        /// Token.
        token: C,
    },
    /// API key.
    ApiKey {
        /// Header/param/cookie name (default `Authorization`).
        name: S,
        /// Key.
        key: C,
        /// Location (`param` normalized to query).
        location: ApiKeyLocation,
    },
    /// HTTP Basic.
    HttpBasic {
        /// User.
        username: C,
        /// Password.
        password: C,
    },
    /// OAuth2: the client-credentials grant, or the refresh-token grant when `refresh_token`
    /// is set (a rotated refresh token the token endpoint answers is kept in the
    /// destination's state and used by the next run instead of this secret).
    OAuth2 {
        /// Token endpoint (absolute, or relative to the base URL).
        token_url: S,
        /// Client id.
        client_id: C,
        /// Client secret.
        client_secret: C,
        /// Extra form fields.
        extra: E,
        /// Lifetime when the response has no `expires_in` (default 3600).
        default_expiration_secs: u64,
        /// Client authentication method.
        client_auth: ClientAuth,
        /// Scopes.
        scopes: L,
        /// The refresh token of the refresh-token grant; `None` for client credentials.
        refresh_token: Option<C>,
    },
    /// A session login: a JSON POST of `username` and `password` to `login_url`, the token
    /// taken from the answer at `token_path` and sent as `Authorization: Bearer <token>`, or
    /// as the bare value of header `header` when set.
    Session {
        /// Login endpoint (absolute, or relative to the base URL).
        login_url: S,
        /// User name sent as `username`.
        username: C,
        /// Password sent as `password`.
        password: C,
        /// Dotted keys leading to the token in the login answer (`session.token`).
        token_path: S,
        /// Header carrying the bare token instead of a bearer `Authorization`.
        header: Option<S>,
    },
    /// An auth type of the user's crate (`type = "rust"`), made once per client by generated
    /// code.
    Rust {
        /// The Rust path as the spec wrote it (`crate::auth::MyAuth`).
        path: S,
        /// Where the spec names it (`file:line:col`), for messages about it.
        at: S,
        /// The names of the secrets it reads (each a field of the generated `Secrets`).
        secrets: L,
        /// Makes an instance; `None` when no code was generated for the spec.
        make: RustFactory,
    },
}

/// An endpoint's auth: the client's, none, or its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthChoice<A = AuthDef> {
    /// Use the client auth.
    Inherit,
    /// No auth (the spec's explicit `null`).
    None,
    /// Replace the client auth.
    Own(A),
}
