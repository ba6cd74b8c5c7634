//! `securitySchemes` and `security` as the spec's `client.auth`. Credentials are always secret
//! references (read from the environment at run time), never values from the document.

use serde_json::{json, Value};

use super::document::Document;

/// The client auth and why it was chosen (a comment), or notes on what was left out.
#[derive(Debug, Default)]
pub struct Auth {
    /// The spec's `auth` value, when a scheme was usable.
    pub value: Option<Value>,
    /// Why this scheme (printed beside `auth`).
    pub comment: Option<String>,
    /// Schemes or requirements that could not be expressed, for the report.
    pub skipped: Vec<String>,
}

/// The auth every GET operation asks for: the document's global `security` first, else the
/// scheme most GET operations name, else the only scheme declared.
pub fn client_auth(doc: &Document) -> Auth {
    let schemes = doc
        .root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let Some(schemes) = schemes.filter(|s| !s.is_empty()) else {
        return Auth::default();
    };
    let mut out = Auth::default();
    let global = doc.root.get("security").and_then(Value::as_array);
    let (name, why) = if let Some(name) = global.and_then(|g| first_scheme(g, &mut out)) {
        (name, "the document's global `security`".to_string())
    } else if let Some(name) = most_used(doc) {
        (
            name,
            "the scheme most GET operations name in `security`".to_string(),
        )
    } else if schemes.len() == 1 {
        let name = schemes.keys().next().cloned().unwrap_or_default();
        (name, "the only scheme in `securitySchemes`".to_string())
    } else {
        out.skipped.push(format!(
            "auth: {} security schemes and no `security` requirement to choose one; set \
             `client.auth` by hand",
            schemes.len()
        ));
        return out;
    };
    let Some(scheme) = schemes.get(&name) else {
        out.skipped.push(format!(
            "auth: `security` names `{name}`, which `securitySchemes` lacks"
        ));
        return out;
    };
    let scheme = doc.deref(scheme).map(|(s, _)| s).unwrap_or(scheme);
    match scheme_auth(scheme) {
        Ok(value) => {
            out.value = Some(value);
            out.comment = Some(format!(
                "auth: scheme `{name}`, {why}; credentials are read from the environment"
            ));
        }
        Err(why_not) => out
            .skipped
            .push(format!("auth: scheme `{name}`: {why_not}")),
    }
    out
}

/// The first scheme of the first requirement; an alternative or a combination is noted.
fn first_scheme(requirements: &[Value], out: &mut Auth) -> Option<String> {
    let first = requirements.iter().find_map(Value::as_object)?;
    let mut names = first.keys();
    let name = names.next()?.clone();
    if names.next().is_some() {
        out.skipped.push(format!(
            "auth: the requirement combines several schemes; only `{name}` is used"
        ));
    }
    Some(name)
}

fn most_used(doc: &Document) -> Option<String> {
    let paths = doc.root.get("paths").and_then(Value::as_object)?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for item in paths.values() {
        let Some(security) = item
            .get("get")
            .and_then(|op| op.get("security"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let Some(name) = security
            .iter()
            .find_map(Value::as_object)
            .and_then(|r| r.keys().next())
        else {
            continue;
        };
        match counts.iter_mut().find(|(n, _)| n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name.clone(), 1)),
        }
    }
    // The first of the most used, in document order.
    let best = counts.iter().map(|(_, c)| *c).max()?;
    counts.into_iter().find(|(_, c)| *c == best).map(|(n, _)| n)
}

/// One scheme as a spec auth value, or why it cannot be one.
pub fn scheme_auth(scheme: &Value) -> Result<Value, String> {
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "apiKey" => {
            let name = scheme
                .get("name")
                .and_then(Value::as_str)
                .ok_or("an `apiKey` scheme without `name`")?;
            let location = match scheme.get("in").and_then(Value::as_str) {
                Some("query") => "query",
                Some("cookie") => "cookie",
                _ => "header",
            };
            Ok(json!({
                "type": "api_key",
                "name": name,
                "api_key": { "secret": "api_key" },
                "location": location,
            }))
        }
        "http" => {
            let http = scheme
                .get("scheme")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            match http.as_str() {
                "bearer" => Ok(json!({ "type": "bearer", "token": { "secret": "token" } })),
                "basic" => Ok(json!({
                    "type": "http_basic",
                    "username": { "secret": "username" },
                    "password": { "secret": "password" },
                })),
                other => Err(format!("HTTP scheme `{other}` is not supported")),
            }
        }
        "oauth2" => {
            let flow = scheme.pointer("/flows/clientCredentials");
            let Some(url) = flow.and_then(|f| f.get("tokenUrl")).and_then(Value::as_str) else {
                return Err(
                    "only the OAuth2 client-credentials flow (with its `tokenUrl`) is \
                            supported; for another flow, get a token yourself and use `bearer`"
                        .into(),
                );
            };
            let auth = json!({
                "type": "oauth2_client_credentials",
                "access_token_url": url,
                "client_id": { "secret": "client_id" },
                "client_secret": { "secret": "client_secret" },
            });
            Ok(auth)
        }
        "openIdConnect" => Err("OpenID Connect discovery is not supported; get a token \
                                yourself and use `bearer`"
            .into()),
        other => Err(format!("scheme type `{other}` is not supported")),
    }
}
