//! Credentials outside `auth`: header and query parameter values under credential names, and
//! user info in URLs. A literal one is treated like a literal under `auth`: a warning that
//! never repeats it, masked in every snippet, and in generated code a secret read from the
//! environment under a derived name. `{"secret": "name"}` is accepted in the same places.

use super::{child, Cx};
use crate::model::{HeaderValue, SecretRef};
use crate::parse::{Kind, Node, Span};
use crate::template::{split, Piece};

/// Header names (compared case-insensitively) whose literal values are credentials.
pub const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-token",
    "private-token",
    "x-client-secret",
];

/// Query parameter names (compared case-insensitively) whose literal values are credentials.
pub const CREDENTIAL_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "api-key",
    "apikey",
    "auth_token",
    "token",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "refresh_token",
    "private_token",
    "signature",
    "sig",
];

/// Whether `name` is a credential header.
pub fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether `name` is a credential query parameter.
pub fn is_credential_param(name: &str) -> bool {
    CREDENTIAL_PARAMS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(name))
}

/// Whether `value` is a literal: non-empty and without placeholders (`{incremental.start_value}`
/// and `{resources...}` are filled at run time, not credentials written in the spec).
pub fn is_literal(value: &str) -> bool {
    !value.is_empty()
        && split(value).is_ok_and(|pieces| !pieces.iter().any(|p| matches!(p, Piece::Field(_))))
}

/// The secret a literal credential header is read from: the header name in snake case.
pub fn header_secret(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// The secret a literal credential query parameter is read from: the parameter name.
pub fn param_secret(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The secrets URL user info is read from.
pub const URL_USER_SECRETS: (&str, &str) = ("url_username", "url_password");

/// Warns about a literal credential at `span` (the secret `secret`, env `SECRET`) and records
/// the span for masking.
fn warn_literal(cx: &mut Cx<'_>, span: Span, path: &str, secret: &str, what: &str) {
    let env = crate::resolve::env_name(secret);
    cx.warn(
        span,
        path,
        format!("literal credential in `{path}`: it would be committed with the spec"),
        Some(format!(
            "write {{\"secret\": \"{secret}\"}} (TOML: {{ secret = \"{secret}\" }}) and set the environment variable `{env}`; the literal is ignored and {what} is read from `{env}` at run time"
        )),
    );
    cx.literals.push(span);
}

/// A literal query parameter value: warned about when its name is a credential.
pub(crate) fn check_param(cx: &mut Cx<'_>, name: &str, node: &Node, path: &str) {
    if let Kind::Str(s) = &node.kind {
        if is_credential_param(name) && is_literal(s) {
            warn_literal(cx, node.span, path, &param_secret(name), "the value");
        }
    }
}

/// The keys of a `{"secret": ..., "env": ...}` reference.
pub(super) const SECRET_REF_KEYS: &[&str] = &["secret", "env"];

/// A secret reference object (`{"secret": ..., "env": ...}`).
pub(crate) fn secret_ref(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<SecretRef> {
    let o = cx.object(node, path, "a secret reference", SECRET_REF_KEYS)?;
    let secret = cx.req(&o, "secret", "a secret reference", Cx::string)?;
    let env = cx.opt(&o, "env", Cx::string);
    if secret.is_empty() {
        cx.error(node.span, path, "secret name is empty", None);
        return None;
    }
    Some(SecretRef { secret, env })
}

/// Headers: strings, or secret references; literal credentials are warned about.
pub(crate) fn headers(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
) -> Option<indexmap::IndexMap<String, HeaderValue>> {
    cx.map(node, path, "a map of header values")?;
    let Kind::Object(entries) = &node.kind else {
        return None;
    };
    let mut out = indexmap::IndexMap::new();
    let mut ok = true;
    for e in entries {
        let p = child(path, &e.key);
        let v = match &e.value.kind {
            Kind::Str(s) => {
                if is_credential_header(&e.key) && is_literal(s) {
                    let what = "the whole header value";
                    warn_literal(cx, e.value.span, &p, &header_secret(&e.key), what);
                }
                Some(HeaderValue::Text(s.clone()))
            }
            Kind::Object(_) => secret_ref(cx, &e.value, &p).map(HeaderValue::Secret),
            other => {
                let msg = format!(
                    "expected a header value (a string or {{\"secret\": \"name\"}}), found {}",
                    other.describe()
                );
                cx.error(e.value.span, &p, msg, None);
                None
            }
        };
        match v {
            Some(v) => {
                out.insert(e.key.clone(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// User info in a URL (`https://user:pass@host`): warned about, masked where it was written.
pub(crate) fn check_url(cx: &mut Cx<'_>, node: &Node, path: &str) {
    let Kind::Str(s) = &node.kind else {
        return;
    };
    let Ok(u) = url::Url::parse(s) else {
        return;
    };
    if u.username().is_empty() && u.password().is_none() {
        return;
    }
    // Mask just the user info when it can be found as written; else the whole value.
    let raw = cx.src.slice(node.span);
    let info_end = s.find('@').unwrap_or(0);
    let info_start = s.find("://").map_or(0, |i| i + 3);
    let info = &s[info_start.min(info_end)..info_end];
    let span = match raw.find(info).filter(|_| !info.is_empty()) {
        Some(i) => Span::new(node.span.start + i, node.span.start + i + info.len()),
        None => node.span,
    };
    let (user, pass) = URL_USER_SECRETS;
    let (user_env, pass_env) = (
        crate::resolve::env_name(user),
        crate::resolve::env_name(pass),
    );
    cx.warn(
        span,
        path,
        format!("literal credential in the user info of `{path}`: it would be committed with the spec"),
        Some(format!(
            "remove `user:password@` and use `auth` (e.g. {{\"type\": \"http_basic\"}}); the user info is ignored, and unless an `auth` is set it is read from `{user_env}` and `{pass_env}` at run time and sent as HTTP Basic"
        )),
    );
    cx.literals.push(span);
}
