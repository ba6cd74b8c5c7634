//! Auth: string aliases, objects dispatched on `type` (absent means bearer, as in dlt), and
//! credentials as secret references or (with a warning) literals.

use super::{list, suggest, Cx, Obj};
use crate::model::{
    ApiKeyAuth, ApiKeyLocation, AuthConfig, BearerAuth, ClientAuthMethod, Credential, GrantType,
    HttpBasicAuth, OAuth2Auth, RustAuth, SecretRef, SessionAuth,
};
use crate::parse::{Kind, Node};

const TYPES: &[&str] = &[
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "oauth2",
    "session_token",
    "rust",
];
pub(super) const BEARER_KEYS: &[&str] = &["type", "token"];
pub(super) const API_KEY_KEYS: &[&str] = &["type", "name", "api_key", "location"];
pub(super) const HTTP_BASIC_KEYS: &[&str] = &["type", "username", "password"];
/// `access_token` is accepted only to be ignored with a warning (not part of the model).
pub(super) const OAUTH_KEYS: &[&str] = &[
    "type",
    "access_token_url",
    "token_url",
    "client_id",
    "client_secret",
    "access_token_request_data",
    "default_token_expiration",
    "client_auth",
    "scopes",
    "access_token",
    "grant_type",
    "refresh_token",
    "token_refresh_endpoint",
];
pub(super) const RUST_KEYS: &[&str] = &["type", "path", "secrets"];
pub(super) const SESSION_KEYS: &[&str] = &[
    "type",
    "login_url",
    "username",
    "password",
    "session_token_path",
    "header",
];

/// An auth value (string alias or object).
pub(crate) fn auth(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<AuthConfig> {
    match &node.kind {
        Kind::Str(name) => alias(cx, node, path, name),
        Kind::Object(_) => object(cx, node, path),
        other => {
            let msg = format!(
                "expected an auth type name or an auth object, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}

fn unknown_type(cx: &mut Cx<'_>, node: &Node, path: &str, name: &str) {
    match suggest(name, TYPES) {
        Some(s) => cx.error(node.span, path, format!("unknown auth type `{name}`"), Some(format!("did you mean `{s}`?"))),
        None => cx.error(
            node.span,
            path,
            format!("unknown auth type `{name}`: custom auth types rely on Python registration (`register_auth`) and cannot be used in a spec"),
            Some(format!("use one of {}; auth of your own is a Rust type: {{\"type\": \"rust\", \"path\": \"crate::auth::MyAuth\"}}", list(TYPES))),
        ),
    }
}

fn alias(cx: &mut Cx<'_>, node: &Node, path: &str, name: &str) -> Option<AuthConfig> {
    match name {
        "bearer" => Some(AuthConfig::Bearer(BearerAuth { token: None })),
        "api_key" => Some(AuthConfig::ApiKey(ApiKeyAuth {
            name: None,
            api_key: None,
            location: None,
        })),
        "http_basic" => Some(AuthConfig::HttpBasic(HttpBasicAuth {
            username: None,
            password: None,
        })),
        "oauth2_client_credentials" | "oauth2" | "session_token" => {
            cx.error(
                node.span,
                path,
                format!(
                    "auth `{name}` needs {}, so it cannot be written as a bare name",
                    if name == "session_token" {
                        "a login URL and a token path"
                    } else {
                        "a token URL"
                    }
                ),
                Some(if name == "session_token" {
                    format!("write {{\"type\": \"{name}\", \"login_url\": \"https://...\", \"session_token_path\": \"token\"}}")
                } else {
                    format!("write {{\"type\": \"{name}\", \"access_token_url\": \"https://...\"}}")
                }),
            );
            None
        }
        _ => {
            unknown_type(cx, node, path, name);
            None
        }
    }
}

fn object(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<AuthConfig> {
    let Kind::Object(entries) = &node.kind else {
        return None;
    };
    let ty_node = entries.iter().find(|e| e.key == "type").map(|e| &e.value);
    let ty = match ty_node {
        None => "bearer".to_string(),
        Some(n) => cx.string(n, &super::child(path, "type"))?,
    };
    match ty.as_str() {
        "bearer" => {
            let o = cx.object(node, path, "bearer auth", BEARER_KEYS)?;
            let token = credential_opt(cx, &o, "token");
            Some(AuthConfig::Bearer(BearerAuth { token }))
        }
        "api_key" => {
            let o = cx.object(node, path, "api_key auth", API_KEY_KEYS)?;
            let name = cx.opt(&o, "name", Cx::string);
            let api_key = credential_opt(cx, &o, "api_key");
            let location = cx.opt(&o, "location", location);
            Some(AuthConfig::ApiKey(ApiKeyAuth {
                name,
                api_key,
                location,
            }))
        }
        "http_basic" => {
            let o = cx.object(node, path, "http_basic auth", HTTP_BASIC_KEYS)?;
            let username = credential_opt(cx, &o, "username");
            let password = credential_opt(cx, &o, "password");
            Some(AuthConfig::HttpBasic(HttpBasicAuth { username, password }))
        }
        "oauth2_client_credentials" | "oauth2" => oauth2(cx, node, path),
        "session_token" => session(cx, node, path),
        "rust" => {
            let o = cx.object(node, path, "rust auth", RUST_KEYS)?;
            let secrets = cx.opt(&o, "secrets", Cx::strings).unwrap_or_default();
            Some(AuthConfig::Rust(RustAuth {
                path: cx.req(&o, "path", "rust auth", super::rust_path::rust_path)?,
                secrets,
            }))
        }
        other => {
            let span = ty_node.map(|n| n.span).unwrap_or(node.span);
            unknown_type(
                cx,
                &Node {
                    kind: Kind::Null,
                    span,
                },
                &super::child(path, "type"),
                other,
            );
            None
        }
    }
}

fn oauth2(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<AuthConfig> {
    let o = cx.object(node, path, "oauth2 auth", OAUTH_KEYS)?;
    let access_token_url = cx.opt(&o, "access_token_url", Cx::string);
    let token_url = cx.opt(&o, "token_url", Cx::string);
    let token_refresh_endpoint = cx.opt(&o, "token_refresh_endpoint", Cx::string);
    const URL_KEYS: [&str; 3] = ["access_token_url", "token_url", "token_refresh_endpoint"];
    let given: Vec<&str> = URL_KEYS
        .into_iter()
        .filter(|k| o.get(k).is_some())
        .collect();
    match given.as_slice() {
        [] => cx.error(
            super::opening(node.span),
            path,
            "oauth2 auth needs a token endpoint: missing required key `access_token_url`",
            Some("`token_url` (or Airbyte's `token_refresh_endpoint`) is accepted too".into()),
        ),
        [_] => {}
        [first, second, ..] => {
            if let Some(n) = o.get(second) {
                cx.error(
                    n.span,
                    &o.at(second),
                    format!("`{second}` and `{first}` name the same setting; write only one"),
                    None,
                )
            }
        }
    }
    let grant_type = cx.opt(&o, "grant_type", grant_type);
    if let (Some(n), None | Some(GrantType::ClientCredentials)) =
        (o.get("refresh_token"), grant_type)
    {
        cx.error(
            n.span,
            &o.at("refresh_token"),
            "`refresh_token` is only used by the refresh-token grant",
            Some("add \"grant_type\": \"refresh_token\", or remove `refresh_token`".into()),
        );
    }
    for (key, url) in [
        ("access_token_url", &access_token_url),
        ("token_url", &token_url),
        ("token_refresh_endpoint", &token_refresh_endpoint),
    ] {
        if let (Some(u), Some(n)) = (url, o.get(key)) {
            if !is_http_url(u) {
                cx.error(
                    n.span,
                    &o.at(key),
                    format!("invalid token URL `{u}`: expected an absolute http(s) URL"),
                    None,
                );
            }
        }
    }
    if let Some(n) = o.get("access_token") {
        if let Kind::Str(_) = &n.kind {
            cx.literals.push(n.span);
        }
        // dlt accepts a preset token but replaces it on the first request (its expiry starts
        // at "now"), so it never changes what is sent.
        cx.warn(
            n.span,
            &o.at("access_token"),
            "`access_token` is ignored: a token is always fetched from the token URL (dlt also replaces a preset one on the first request)",
            Some("remove it; a token written in a spec is a credential in the source tree".into()),
        );
    }
    Some(AuthConfig::OAuth2ClientCredentials(OAuth2Auth {
        access_token_url,
        token_url,
        client_id: credential_opt(cx, &o, "client_id"),
        client_secret: credential_opt(cx, &o, "client_secret"),
        access_token_request_data: cx
            .opt(&o, "access_token_request_data", Cx::json_map)
            .unwrap_or_default(),
        default_token_expiration: cx.opt(&o, "default_token_expiration", Cx::u64),
        client_auth: cx.opt(&o, "client_auth", client_auth),
        scopes: cx.opt(&o, "scopes", Cx::strings),
        refresh_token: credential_opt(cx, &o, "refresh_token"),
        grant_type,
        token_refresh_endpoint,
    }))
}

fn grant_type(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<GrantType> {
    Some(
        match cx
            .one_of(
                node,
                path,
                "OAuth2 grant type",
                &["client_credentials", "refresh_token"],
            )?
            .as_str()
        {
            "client_credentials" => GrantType::ClientCredentials,
            _ => GrantType::RefreshToken,
        },
    )
}

fn session(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<AuthConfig> {
    let o = cx.object(node, path, "session_token auth", SESSION_KEYS)?;
    let login_url = cx.req(&o, "login_url", "session_token auth", Cx::string);
    let token_path = cx.req(&o, "session_token_path", "session_token auth", Cx::string);
    if let (Some(p), Some(n)) = (&token_path, o.get("session_token_path")) {
        if dotted_keys(p).is_none() {
            cx.error(
                n.span,
                &o.at("session_token_path"),
                format!("`session_token_path` `{p}` is not a dotted path of keys"),
                Some("write the keys leading to the token, e.g. `session.token`".into()),
            );
        }
    }
    let header = cx.opt(&o, "header", Cx::string);
    Some(AuthConfig::SessionToken(SessionAuth {
        login_url: login_url?,
        username: credential_opt(cx, &o, "username"),
        password: credential_opt(cx, &o, "password"),
        session_token_path: token_path?,
        header,
    }))
}

/// The keys of a dotted path (`$.` optional, no indexes or wildcards), or `None`.
pub(crate) fn dotted_keys(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix("$.").unwrap_or(path);
    let keys: Vec<&str> = rest.split('.').collect();
    keys.iter()
        .all(|k| !k.is_empty() && !k.contains(['[', ']', '*', '$', ' ']))
        .then_some(keys)
}

/// Whether `u` is an absolute http or https URL.
pub(crate) fn is_http_url(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host())
}

fn location(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ApiKeyLocation> {
    Some(
        match cx
            .one_of(
                node,
                path,
                "api key location",
                &["header", "query", "param", "cookie"],
            )?
            .as_str()
        {
            "header" => ApiKeyLocation::Header,
            "query" => ApiKeyLocation::Query,
            "param" => ApiKeyLocation::Param,
            _ => ApiKeyLocation::Cookie,
        },
    )
}

fn client_auth(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ClientAuthMethod> {
    Some(
        match cx
            .one_of(node, path, "client auth method", &["body", "basic"])?
            .as_str()
        {
            "body" => ClientAuthMethod::Body,
            _ => ClientAuthMethod::Basic,
        },
    )
}

fn credential_opt(cx: &mut Cx<'_>, o: &Obj<'_>, key: &str) -> Option<Credential> {
    let node = o.get(key)?;
    credential(cx, node, &o.at(key), key)
}

/// A credential; a literal is accepted with a warning that never repeats its value.
fn credential(cx: &mut Cx<'_>, node: &Node, path: &str, field: &str) -> Option<Credential> {
    match &node.kind {
        Kind::Str(s) => {
            let env = field.to_ascii_uppercase();
            cx.warn(
                node.span,
                path,
                format!("literal credential in `{path}`: it would be committed with the spec"),
                Some(format!(
                    "write {{\"secret\": \"{field}\"}} (TOML: {{ secret = \"{field}\" }}) and set the environment variable `{env}`; the literal is ignored and read from `{env}` at run time"
                )),
            );
            // Snippet lines would show the literal; `load` masks it in every diagnostic.
            cx.literals.push(node.span);
            Some(Credential::Literal(s.clone()))
        }
        Kind::Object(_) => {
            let o = cx.object(
                node,
                path,
                "a secret reference",
                super::credential::SECRET_REF_KEYS,
            )?;
            let secret = cx.req(&o, "secret", "a secret reference", Cx::string)?;
            let env = cx.opt(&o, "env", Cx::string);
            if secret.is_empty() {
                cx.error(node.span, path, "secret name is empty", None);
                return None;
            }
            Some(Credential::Secret(SecretRef { secret, env }))
        }
        other => {
            let msg = format!(
                "expected a secret reference {{\"secret\": \"{field}\"}}, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}
