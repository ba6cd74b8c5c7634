//! `/_admin/*` endpoints that drive a running mock from outside the process (the binary,
//! benchmarks, the quickstart). Loopback clients only; never logged.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api::query_pairs;
use crate::control;
use crate::faults::FaultPlan;
use crate::mutation::MutationSpec;
use crate::server::{error, lock, Conn, Shared};

/// Answers one admin request.
pub(crate) async fn handle(shared: &Shared, conn: &Conn, req: Request<Body>) -> Response {
    if !conn.peer.ip().is_loopback() {
        return error(StatusCode::FORBIDDEN, "admin endpoints are loopback only");
    }
    let query = query_pairs(req.uri());
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let method = req.method().clone();
    match (method, req.uri().path()) {
        (Method::POST, "/_admin/mutate") => {
            let Some(Ok(percent)) = param("percent").map(|p| p.parse::<f64>()) else {
                return error(StatusCode::BAD_REQUEST, "percent is required (a number)");
            };
            let mut spec = MutationSpec::percent(percent, shared.config.records);
            let counts = [
                ("inserts", &mut spec.inserts),
                ("deletes", &mut spec.deletes),
            ];
            for (name, slot) in counts {
                if let Some(value) = param(name) {
                    match value.parse() {
                        Ok(n) => *slot = n,
                        Err(_) => return error(StatusCode::BAD_REQUEST, "invalid count"),
                    }
                }
            }
            spec.resource = param("resource");
            match control::mutate(shared, &spec) {
                Some(outcomes) => Json(outcomes).into_response(),
                None => error(StatusCode::NOT_FOUND, "unknown resource"),
            }
        }
        (Method::GET, "/_admin/log") => Json(lock(&shared.log).entries()).into_response(),
        (Method::GET, "/_admin/stats") => Json(lock(&shared.log).stats()).into_response(),
        (Method::POST, "/_admin/reset") => {
            control::reset(shared);
            Json(json!({"reset": true})).into_response()
        }
        (Method::POST, "/_admin/expire_tokens") => {
            lock(&shared.tokens).expire_all();
            Json(json!({"expired": true})).into_response()
        }
        (Method::POST, "/_admin/faults") => match Json::<FaultPlan>::from_request(req, &()).await {
            Ok(Json(plan)) => {
                control::set_faults(shared, plan);
                Json(json!({"faults": true})).into_response()
            }
            Err(rejection) => error(StatusCode::BAD_REQUEST, &rejection.body_text()),
        },
        (Method::GET, "/_admin/records") => {
            let resource = param("resource").unwrap_or_default();
            match control::records(shared, &resource) {
                Some(records) => Json(records).into_response(),
                None => error(StatusCode::NOT_FOUND, "unknown resource"),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "not found"),
    }
}
