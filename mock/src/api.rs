//! The seed APIs: `GET /v1/<resource>` list endpoints and `POST /oauth/token`, with the
//! fault plan applied to their answers.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, Query};
use axum::http::{header, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde_json::json;

use crate::auth::{basic_credentials, bearer_token, client_credentials, cookie};
use crate::config::AuthMode;
use crate::faults::{FaultKind, RetryAfter};
use crate::generate::minutes_since_epoch;
use crate::resources::{kind_of, wrong_type_field, ANALYTICS};
use crate::server::{error, lock, Reply, Shared};
use crate::store::Page;

const HTML_ERROR_PAGE: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
<body><h1>Bad Gateway</h1><p>The upstream server is temporarily unavailable.</p></body></html>";

/// Query pairs of `uri`, in order and percent-decoded; empty if they do not parse.
pub(crate) fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|Query(pairs)| pairs)
        .unwrap_or_default()
}

/// Answers one non-admin request.
pub(crate) async fn route(
    shared: &Shared,
    req: Request<Body>,
    query: &[(String, String)],
) -> Reply {
    let path = req.uri().path().to_string();
    if path == "/oauth/token" && req.method() == Method::POST {
        return token(shared, req).await;
    }
    if path == "/auth/login" && req.method() == Method::POST {
        return login(shared, req).await;
    }
    if path == "/v1/bulk" && req.method() == Method::GET {
        return Reply::ok(crate::bulk::bulk(query));
    }
    match path.strip_prefix("/v1/") {
        Some(resource) if req.method() == Method::GET && kind_of(resource).is_some() => {
            let authorization = header_str(&req, header::AUTHORIZATION.as_str());
            let cookies = header_str(&req, header::COOKIE.as_str());
            let creds = Credentials {
                authorization: authorization.as_deref(),
                cookie: cookies.as_deref(),
            };
            list(shared, resource, &path, query, creds)
        }
        _ => Reply::ok(error(StatusCode::NOT_FOUND, "not found")),
    }
}

/// The credential headers of a request.
struct Credentials<'a> {
    authorization: Option<&'a str>,
    cookie: Option<&'a str>,
}

/// Whether the analytics endpoint accepts `creds` in `mode`; `None` for the query-key mode,
/// which every resource shares.
fn header_auth(
    shared: &Shared,
    mode: AuthMode,
    creds: &Credentials,
) -> Option<Result<(), &'static str>> {
    let config = &shared.config;
    let ok = |valid: bool, why| if valid { Ok(()) } else { Err(why) };
    Some(match mode {
        AuthMode::ApiKey => return None,
        AuthMode::OAuth => {
            let valid =
                bearer_token(creds.authorization).is_some_and(|t| lock(&shared.tokens).is_valid(t));
            ok(valid, "token expired")
        }
        AuthMode::Bearer => ok(
            bearer_token(creds.authorization) == Some(config.api_key.as_str()),
            "invalid bearer token",
        ),
        AuthMode::Basic => ok(
            basic_credentials(creds.authorization)
                .is_some_and(|(u, p)| u == config.client_id && p == config.client_secret),
            "invalid user or password",
        ),
        AuthMode::Cookie => ok(
            cookie(creds.cookie, "api_key") == Some(config.api_key.as_str()),
            "invalid api key cookie",
        ),
    })
}

fn header_str(req: &Request<Body>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The identity of a request for the consecutive-failure bound: method, path and query
/// without the credential, so a retry with a refreshed credential is the same request.
fn request_key(method: &str, path: &str, query: &[(String, String)]) -> String {
    let mut key = format!("{method} {path}?");
    for (k, v) in query.iter().filter(|(k, _)| k != "api_key") {
        key.push_str(k);
        key.push('=');
        key.push_str(v);
        key.push('&');
    }
    key
}

fn list(
    shared: &Shared,
    resource: &str,
    path: &str,
    query: &[(String, String)],
    creds: Credentials,
) -> Reply {
    let config = &shared.config;
    let header_checked = (resource == ANALYTICS)
        .then(|| header_auth(shared, config.analytics_auth, &creds))
        .flatten();
    if let Some(checked) = header_checked {
        if let Err(why) = checked {
            return Reply::ok(error(StatusCode::UNAUTHORIZED, why));
        }
        if lock(&shared.faults).authorized_request() {
            lock(&shared.tokens).expire_all();
        }
    } else {
        let key = query.iter().find(|(k, _)| k == "api_key").map(|(_, v)| v);
        if key != Some(&config.api_key) {
            return Reply::ok(error(StatusCode::UNAUTHORIZED, "invalid api key"));
        }
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Ok(offset) = param("offset").map_or(Ok(0), str::parse::<usize>) else {
        return Reply::ok(error(StatusCode::BAD_REQUEST, "invalid offset"));
    };
    let Ok(limit) = param("limit").map_or(Ok(100), str::parse::<usize>) else {
        return Reply::ok(error(StatusCode::BAD_REQUEST, "invalid limit"));
    };
    let since = match param("updated_since").map(minutes_since_epoch) {
        None => None,
        Some(Some(minutes)) => Some(minutes),
        Some(None) => return Reply::ok(error(StatusCode::BAD_REQUEST, "invalid updated_since")),
    };
    // An exclusive upper bound, so consecutive windows [since, before) never overlap.
    let before = match param("updated_before").map(minutes_since_epoch) {
        None => None,
        Some(Some(minutes)) => Some(minutes),
        Some(None) => return Reply::ok(error(StatusCode::BAD_REQUEST, "invalid updated_before")),
    };
    let range = (since.is_some() || before.is_some())
        .then(|| (since.unwrap_or(i64::MIN), before.unwrap_or(i64::MAX)));
    let limit = limit.min(config.max_page_size);

    let key = request_key("GET", path, query);
    let fault = lock(&shared.faults).decide(config.seed, &key, path, true);
    let corrupt = (fault == Some(FaultKind::WrongType))
        .then(|| kind_of(resource).map(wrong_type_field))
        .flatten();
    if let Some(kind) = fault.filter(|k| {
        !matches!(
            k,
            FaultKind::Slow | FaultKind::MalformedJson | FaultKind::WrongType
        )
    }) {
        return faulted(shared, kind);
    }
    let Some(page) = render_page(shared, resource, offset, limit, range, corrupt) else {
        return Reply::ok(error(StatusCode::NOT_FOUND, "not found"));
    };
    let mut body = page.body;
    let mut delay = Duration::ZERO;
    match fault {
        Some(FaultKind::MalformedJson) => body.truncate(body.len() / 2),
        Some(FaultKind::Slow) => {
            delay = Duration::from_millis(lock(&shared.faults).plan().slow_delay_ms)
        }
        _ => {}
    }
    Reply::Send {
        response: json_response(StatusCode::OK, body),
        fault,
        delay,
    }
}

fn render_page(
    shared: &Shared,
    resource: &str,
    offset: usize,
    limit: usize,
    range: Option<crate::store::MinuteRange>,
    corrupt: Option<&str>,
) -> Option<Page> {
    {
        let store = shared.read_store();
        if store.has(resource) {
            return store.page(resource, offset, limit, range, corrupt);
        }
    }
    shared.write_store().ensure(resource);
    shared
        .read_store()
        .page(resource, offset, limit, range, corrupt)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The response of a fault that replaces the normal answer entirely.
fn faulted(shared: &Shared, kind: FaultKind) -> Reply {
    let response = match kind {
        FaultKind::DroppedConnection => return Reply::Drop,
        FaultKind::ErrorObject => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json!({"message": "Service unavailable"}).to_string(),
        )
            .into_response(),
        FaultKind::HtmlErrorPage => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            HTML_ERROR_PAGE,
        )
            .into_response(),
        FaultKind::TooManyRequests => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "rate limited");
            let retry_after = match lock(&shared.faults).plan().retry_after {
                RetryAfter::Seconds(secs) => secs.to_string(),
                RetryAfter::HttpDate(secs) => (chrono::Utc::now()
                    + chrono::Duration::seconds(secs.min(i64::MAX as u64) as i64))
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
            };
            if let Ok(value) = HeaderValue::from_str(&retry_after) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        other => {
            let status = other
                .status()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, "injected fault")
        }
    };
    Reply::Send {
        response,
        fault: Some(kind),
        delay: Duration::ZERO,
    }
}

async fn token(shared: &Shared, req: Request<Body>) -> Reply {
    let key = request_key("POST", "/oauth/token", &[]);
    if let Some(kind) = lock(&shared.faults).decide(shared.config.seed, &key, "/oauth/token", false)
    {
        return faulted(shared, kind);
    }
    let authorization = header_str(&req, header::AUTHORIZATION.as_str());
    let form = Form::<Vec<(String, String)>>::from_request(req, &())
        .await
        .map(|Form(pairs)| pairs)
        .unwrap_or_default();
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    let config = &shared.config;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if grant == Some("refresh_token") {
        let id_ok = client_credentials(&form, authorization.as_deref())
            .is_some_and(|(id, secret)| id == config.client_id && secret == config.client_secret);
        let presented = field("refresh_token").unwrap_or_default();
        let granted = lock(&shared.tokens).refresh(
            &config.refresh_token,
            presented,
            config.rotate_refresh_tokens,
        );
        return match granted {
            Some(rotated) if id_ok => {
                let (token, expires_in) = lock(&shared.tokens).issue(config.seed, config.token_ttl);
                let mut body = json!({
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": expires_in,
                });
                if let Some(next) = rotated {
                    body["refresh_token"] = json!(next);
                }
                Reply::ok((StatusCode::OK, axum::Json(body)).into_response())
            }
            Some(_) => Reply::ok(error(StatusCode::UNAUTHORIZED, "invalid_client")),
            None => Reply::ok(error(StatusCode::BAD_REQUEST, "invalid_grant")),
        };
    }
    if grant != Some("client_credentials") {
        return Reply::ok(error(StatusCode::BAD_REQUEST, "unsupported_grant_type"));
    }
    match client_credentials(&form, authorization.as_deref()) {
        Some((id, secret)) if id == config.client_id && secret == config.client_secret => {
            let (token, expires_in) = lock(&shared.tokens).issue(config.seed, config.token_ttl);
            let body = json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": expires_in,
            });
            Reply::ok((StatusCode::OK, axum::Json(body)).into_response())
        }
        _ => Reply::ok(error(StatusCode::UNAUTHORIZED, "invalid_client")),
    }
}

/// A session login: a JSON body `{"username": client_id, "password": client_secret}` gets
/// `{"session": {"token": ..., "expires_in": ...}}`, a token the OAuth mode accepts.
async fn login(shared: &Shared, req: Request<Body>) -> Reply {
    let config = &shared.config;
    let body = axum::Json::<serde_json::Value>::from_request(req, &())
        .await
        .map(|axum::Json(v)| v)
        .unwrap_or_default();
    let text = |k: &str| body.get(k).and_then(|v| v.as_str());
    if text("username") != Some(config.client_id.as_str())
        || text("password") != Some(config.client_secret.as_str())
    {
        return Reply::ok(error(StatusCode::UNAUTHORIZED, "invalid credentials"));
    }
    let (token, expires_in) = lock(&shared.tokens).issue(config.seed, config.token_ttl);
    let body = json!({"session": {"token": token, "expires_in": expires_in}});
    Reply::ok((StatusCode::OK, axum::Json(body)).into_response())
}
