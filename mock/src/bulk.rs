//! `GET /v1/bulk`: one top-level JSON array of `count` records, generated as it is sent
//! (chunked, never held whole), for clients that must read a huge response with bounded
//! memory. No auth, no paging: the whole array is one response.
//!
//! Query: `count` (default 200000) records with ids `1..=count`; `break_at=N` ends the
//! stream with an error after record N (the connection breaks mid-body); `malformed_at=N`
//! writes record N as broken JSON.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

/// Records generated per body chunk.
const PER_CHUNK: u64 = 500;

/// Record `id` of the bulk array, as the API sends it.
pub fn bulk_record(id: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": format!("item {id}, \"bulk\" [{}]", id % 7),
        "quantity": id % 97,
        "updated_at": format!("2024-01-{:02}T00:00:00Z", 1 + id % 28),
    })
}

/// The streamed array for `query`.
pub(crate) fn bulk(query: &[(String, String)]) -> Response {
    let number = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let count = number("count").unwrap_or(200_000);
    let break_at = number("break_at");
    let malformed_at = number("malformed_at");
    let chunks = (0..count.div_ceil(PER_CHUNK).max(1)).map(move |c| {
        let first = c * PER_CHUNK + 1;
        let last = (first + PER_CHUNK - 1).min(count);
        let mut out = Vec::with_capacity(64 * PER_CHUNK as usize);
        if c == 0 {
            out.extend_from_slice(b"[\n");
        }
        for id in first..=last {
            if break_at.is_some_and(|b| id > b) {
                return Err(std::io::Error::other("mock: broken mid-body"));
            }
            if id > 1 {
                out.extend_from_slice(b",\n");
            }
            if malformed_at == Some(id) {
                out.extend_from_slice(br#"{"id": 1, "name": }"#);
            } else {
                // A Value always serializes.
                out.extend(serde_json::to_vec(&bulk_record(id)).unwrap_or_default());
            }
        }
        if last == count {
            out.extend_from_slice(b"\n]\n");
        }
        Ok(bytes::Bytes::from(out))
    });
    // A pause before each chunk lets the server send what came before: without it an error
    // could reach the socket before any of the body did.
    let paced = futures::stream::iter(chunks).then(|chunk| async move {
        tokio::task::yield_now().await;
        if chunk.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        chunk
    });
    let mut response = (StatusCode::OK, Body::from_stream(paced)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
