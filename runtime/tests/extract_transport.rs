//! Transport failures against local servers: the body size cap, read timeouts and dropped
//! connections (each attempt counted by the server).

mod common_extract;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractOptions, Extractor};
use restsource_runtime::secret::SecretValues;
use serde_json::json;
use tokio::io::AsyncReadExt;

record_type!(Item, &RESOURCE);

/// A short timeout so a stalled server fails an attempt quickly (nothing asserts on time).
static SLOW: SourceDef = SourceDef {
    timeout_secs: 0.3,
    ..SOURCE
};

fn ex(base: &str, opts: ExtractOptions) -> Extractor {
    Extractor::new(&SLOW, SecretValues::new())
        .with_base_url(base)
        .with_options(opts)
}

/// Serves `body` for every request, counting requests.
async fn serve_body(body: impl Fn() -> Body + Send + Sync + 'static) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let body = Arc::new(body);
    let app = axum::Router::new().fallback(move || {
        let (c, body) = (c.clone(), body.clone());
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            axum::response::Response::builder()
                .header("content-type", "application/json")
                .body(body())
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), count)
}

fn big_page() -> String {
    let data: Vec<_> = (0..100)
        .map(|i| json!({"id": i, "pad": "x".repeat(50)}))
        .collect();
    json!({ "data": data }).to_string()
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_a_clear_error_and_not_retried() {
    let opts = ExtractOptions {
        max_body_bytes: 1000,
        ..options()
    };
    // Announced by Content-Length: refused before reading.
    let (base, count) = serve_body(|| Body::from(big_page())).await;
    let err = collect::<Item>(&ex(&base, opts.clone())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items: response body is larger than the limit of 1000 bytes (ExtractOptions::max_body_bytes)")
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // Streamed without a length: reading stops at the limit, and the endless rest of the
    // stream is never buffered.
    let (base, count) = serve_body(|| {
        let chunk = Bytes::from(format!("{{\"data\":[{}", "{\"id\":1},".repeat(40)));
        let endless = futures::stream::repeat(Ok::<_, Infallible>(chunk));
        Body::from_stream(endless)
    })
    .await;
    let err = collect::<Item>(&ex(&base, opts)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items: response body is larger than the limit of 1000 bytes (ExtractOptions::max_body_bytes)")
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn read_timeouts_are_retried_exactly_max_retries_times() {
    // Headers sent, then the body stalls.
    let (base, count) = serve_body(|| {
        let start =
            futures::stream::once(async { Ok::<_, Infallible>(Bytes::from("{\"data\":[")) });
        Body::from_stream(futures::StreamExt::chain(start, futures::stream::pending()))
    })
    .await;
    let err = collect::<Item>(&ex(&base, options())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items failed after 2 retries: timed out after 0.3 s reading the response body")
    );
    // FAST_RETRY: max_retries = 2, so three attempts.
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // No response at all.
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let app = axum::Router::new().fallback(move || {
        let c = c.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            futures::future::pending::<()>().await;
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let extractor = ex(&base, options());
    let err = collect::<Item>(&extractor).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items failed after 2 retries: timed out after 0.3 s waiting for the response")
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(extractor.stats().retries, 2);
}

#[tokio::test]
async fn dropped_connections_are_retried_then_succeed_or_fail_after_max_retries() {
    // Reads each request, then closes the connection without answering, except for the
    // attempts listed in `answer`.
    async fn dropping_server(answer: &'static [usize]) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let n = c.fetch_add(1, Ordering::SeqCst);
                if answer.contains(&n) {
                    use tokio::io::AsyncWriteExt;
                    let body = r#"{"data":[{"id":5}]}"#;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    sock.write_all(resp.as_bytes()).await.unwrap();
                }
                drop(sock);
            }
        });
        (base, count)
    }

    let (base, count) = dropping_server(&[2]).await;
    let extractor = ex(&base, options());
    let recs = collect::<Item>(&extractor).await.unwrap();
    assert_eq!(ids(&recs), vec![5]);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(extractor.stats().retries, 2);

    let (base, count) = dropping_server(&[]).await;
    let err = collect::<Item>(&ex(&base, options())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items failed after 2 retries: error sending request: client error (SendRequest): connection closed before message completed")
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
}
