//! The auth trait a spec's `auth = { type = "rust", path = "crate::auth::MyAuth" }` names:
//! a type of the user's crate that adds its credentials to every request.

use std::sync::Arc;

use reqwest::header::HeaderName;

use super::auth::{sensitive, AuthParts};
use super::{HttpClient, HttpError};
use crate::def::{AnyBox, RustFactory};
use crate::secret::SecretValues;

/// Authentication written in Rust: adds headers or a query parameter to each request.
///
/// Generated code makes one value with [`Default`] per client (a run shares it across every
/// request, concurrently, hence `Send + Sync`); it reads the credentials it needs from the
/// source's secrets, which the spec lists in the auth's `secrets` (each becomes a field of
/// the generated `Secrets`).
///
/// Secrets stay the type's responsibility (never log them), but the runtime still redacts:
/// every value set through [`Credentials`] is added to the run's redactor, so it is masked in
/// logs and errors like a declared secret, headers are marked sensitive, and none of them
/// follows a redirect to another origin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a restsource auth type",
    label = "named by a spec's `auth = {{ type = \"rust\", path = ... }}`",
    note = "an auth type implements `restsource::runtime::http::Authenticate` and `Default`; the generated function's name in the note below gives the spec file, line and column"
)]
pub trait Authenticate: Send + Sync {
    /// Adds this request's credentials. An error fails the request as a configuration
    /// problem (its text is redacted before it is shown).
    fn apply(&self, secrets: &SecretValues, creds: &mut Credentials<'_>) -> Result<(), AuthError>;
}

/// A user auth type's failure, shown with the type's spec path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// What an [`Authenticate`] may add to one request.
pub struct Credentials<'a> {
    parts: &'a mut AuthParts,
    client: &'a HttpClient,
}

impl Credentials<'_> {
    /// Adds header `name` (marked sensitive, and redacted wherever it would appear).
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), AuthError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| AuthError(format!("`{name}` is not a valid header name")))?;
        let value = sensitive(value).map_err(|e| AuthError(e.to_string()))?;
        self.client
            .redactor()
            .add(value.to_str().unwrap_or_default());
        self.parts.headers.push((name, value));
        Ok(())
    }

    /// Sets the query parameter `name` (one per request: a second call replaces the
    /// first); its value is redacted wherever it would appear.
    pub fn query(&mut self, name: &str, value: &str) {
        self.client.redactor().add(value);
        self.parts.query = Some((name.to_string(), value.to_string()));
    }
}

/// A fresh `T` as the type-erased box a [`RustFactory`] returns: what generated code calls.
pub fn boxed<T: Authenticate + Default + 'static>() -> AnyBox {
    let auth: Arc<dyn Authenticate> = Arc::new(T::default());
    Box::new(auth)
}

impl HttpClient {
    /// The client's instance of the Rust auth written at `at` (made on first use).
    fn user_auth(
        &self,
        path: &str,
        at: &'static str,
        make: &RustFactory,
    ) -> Result<Arc<dyn Authenticate>, HttpError> {
        let not_generated = || {
            HttpError::Build {
            message: format!("the auth at {at} is the Rust type `{path}`, which only code generated from the spec (include_source!, Builder, `restsource generate`) can run; use a built-in auth type to run this spec without compiling it"),
        }
        };
        let mut users = self.user_auths.lock().map_err(|_| not_generated())?;
        if let Some(auth) = users.get(at) {
            return Ok(auth.clone());
        }
        let make = make.0.ok_or_else(not_generated)?;
        let auth = *make()
            .downcast::<Arc<dyn Authenticate>>()
            .map_err(|_| not_generated())?;
        users.insert(at, auth.clone());
        Ok(auth)
    }

    /// What the Rust auth `path` adds to one request.
    pub(super) fn user_auth_parts(
        &self,
        path: &str,
        at: &'static str,
        make: &RustFactory,
    ) -> Result<AuthParts, HttpError> {
        let auth = self.user_auth(path, at, make)?;
        let mut parts = AuthParts::default();
        let mut creds = Credentials {
            parts: &mut parts,
            client: self,
        };
        auth.apply(&self.secrets, &mut creds)
            .map_err(|e| HttpError::Build {
                message: format!(
                    "auth `{path}`: {}",
                    self.redactor().excerpt(&e.0, super::EXCERPT_CHARS)
                ),
            })?;
        Ok(parts)
    }
}
