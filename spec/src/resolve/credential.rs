//! Credentials outside `auth` as secrets: header and query values under credential names
//! (literal or `{"secret": ...}`) become [`TemplatePart::Secret`]; user info in a URL is
//! removed from it and, unless an auth is set, becomes HTTP Basic from two secrets.

use crate::model::{HeaderValue, SecretRef};
use crate::read::{header_secret, is_credential_header, is_literal, param_secret};
use crate::read::{is_credential_param, URL_USER_SECRETS};
use crate::resolved::{ResolvedAuth, SecretInfo, Template, TemplatePart};

/// The secret a reference names.
pub(crate) fn from_ref(r: &SecretRef) -> SecretInfo {
    SecretInfo {
        name: r.secret.clone(),
        env: r.env.clone().unwrap_or_else(|| super::env_name(&r.secret)),
    }
}

fn derived(name: String) -> SecretInfo {
    SecretInfo {
        env: super::env_name(&name),
        name,
    }
}

fn secret(info: SecretInfo) -> Template {
    restsource_core::Template(vec![TemplatePart::Secret(info)])
}

/// A header as a secret template, when it is one (a reference, or a literal credential).
pub(crate) fn header(name: &str, value: &HeaderValue) -> Option<Template> {
    match value {
        HeaderValue::Secret(r) => Some(secret(from_ref(r))),
        HeaderValue::Text(t) if is_credential_header(name) && is_literal(t) => {
            Some(secret(derived(header_secret(name))))
        }
        HeaderValue::Text(_) => None,
    }
}

/// A literal query value as a secret template, when its name makes it a credential.
pub(crate) fn literal_param(name: &str, value: &serde_json::Value) -> Option<Template> {
    match value {
        serde_json::Value::String(s) if is_credential_param(name) && is_literal(s) => {
            Some(secret(derived(param_secret(name))))
        }
        _ => None,
    }
}

/// A reference param as a secret template.
pub(crate) fn ref_param(r: &SecretRef) -> Template {
    secret(from_ref(r))
}

/// `url` without user info, and the HTTP Basic auth it stood for (`None` when it had none).
pub(crate) fn strip_user_info(url: &str) -> (String, Option<ResolvedAuth>) {
    let Ok(mut u) = url::Url::parse(url) else {
        return (url.to_string(), None);
    };
    if u.username().is_empty() && u.password().is_none() {
        return (url.to_string(), None);
    }
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let (user, pass) = URL_USER_SECRETS;
    let auth = ResolvedAuth::HttpBasic {
        username: derived(user.to_string()),
        password: derived(pass.to_string()),
    };
    // Keep the text as written apart from the user info (no normalisation of the rest).
    let text = match url.find("://") {
        Some(s) => {
            let rest = &url[s + 3..];
            let authority = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..authority].rfind('@') {
                Some(at) => format!("{}{}", &url[..s + 3], &rest[at + 1..]),
                None => u.to_string(),
            }
        }
        None => u.to_string(),
    };
    (text, Some(auth))
}

/// Every secret a template reads.
pub(crate) fn secrets_in(t: &Template) -> impl Iterator<Item = &SecretInfo> {
    t.0.iter().filter_map(|p| match p {
        TemplatePart::Secret(s) => Some(s),
        _ => None,
    })
}
