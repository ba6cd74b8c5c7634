//! The connection loop and request dispatch. Connections are served by hand (not
//! `axum::serve`) so that a handler can close its socket without answering.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

use crate::auth::TokenStore;
use crate::config::MockConfig;
use crate::faults::{FaultKind, FaultState};
use crate::log::{LoggedRequest, RequestLog};
use crate::store::Store;
use crate::{admin, api, encode};

/// State shared by every connection of one mock instance.
pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    pub(crate) store: RwLock<Store>,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) faults: Mutex<FaultState>,
    pub(crate) log: Mutex<RequestLog>,
}

/// A lock that a panicking holder left poisoned still holds consistent data here (every
/// critical section is a few plain assignments), so poisoning is ignored.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Fresh state for `config`.
    pub(crate) fn new(config: MockConfig) -> Self {
        Shared {
            store: RwLock::new(Self::fresh_store(&config)),
            tokens: Mutex::new(TokenStore::default()),
            faults: Mutex::new(FaultState::new(config.faults.clone())),
            log: Mutex::new(RequestLog::default()),
            config,
        }
    }

    /// The data as it is before any mutation.
    pub(crate) fn fresh_store(config: &MockConfig) -> Store {
        Store::new(
            config.seed,
            config.shape,
            config.records,
            config.render_cache_bytes,
        )
    }

    /// Shared access to the data.
    pub(crate) fn read_store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access to the data.
    pub(crate) fn write_store(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The connection a request came in on.
#[derive(Clone)]
pub(crate) struct Conn {
    /// Notified to close the socket without a response.
    pub(crate) kill: Arc<Notify>,
    /// The client's address, for the loopback check of admin endpoints.
    pub(crate) peer: SocketAddr,
}

/// What to do with a request once its response is decided.
pub(crate) enum Reply {
    /// Send `response`, after `delay`; `fault` is what was injected, if anything.
    Send {
        response: Response,
        fault: Option<FaultKind>,
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    /// A plain reply without a fault.
    pub(crate) fn ok(response: Response) -> Self {
        Reply::Send {
            response,
            fault: None,
            delay: Duration::ZERO,
        }
    }
}

/// A JSON error body `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// Accepts connections until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, peer, shared.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let conn = Conn {
        kill: Arc::new(Notify::new()),
        peer,
    };
    let kill = conn.kill.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let shared = shared.clone();
        let conn = conn.clone();
        async move { Ok::<_, Infallible>(handle(shared, conn, req.map(Body::new)).await) }
    });
    let served = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    // Dropping the connection future closes the socket, mid-request if need be.
    tokio::select! {
        _ = served => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

async fn handle(shared: Arc<Shared>, conn: Conn, req: Request<Body>) -> Response {
    if req.uri().path().starts_with("/_admin/") {
        return admin::handle(&shared, &conn, req).await;
    }
    let arrived = Instant::now();
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = api::query_pairs(req.uri());
    let authorization_header = header_text(&req, "authorization");
    let cookie = header_text(&req, "cookie");
    let authorization = authorization_header.is_some();
    let accept_encoding = req
        .headers()
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut reply = api::route(&shared, req, &query).await;
    let coding = shared.config.compression.filter(|c| {
        accept_encoding.as_deref().is_some_and(|a| c.accepted_by(a))
            && matches!(&reply, Reply::Send { response, .. } if response.status() == StatusCode::OK)
    });
    if let (Some(coding), Reply::Send { response, .. }) = (coding, &mut reply) {
        let plain = std::mem::take(response);
        *response = encode::compressed(plain, coding).await;
    }
    let (status, fault) = match &reply {
        Reply::Send {
            response, fault, ..
        } => (Some(response.status().as_u16()), *fault),
        Reply::Drop => (None, Some(FaultKind::DroppedConnection)),
    };
    let entry = LoggedRequest {
        method,
        path,
        query,
        authorization,
        authorization_header,
        cookie,
        accept_encoding,
        content_encoding: coding.map(|c| c.token().to_string()),
        status,
        fault,
    };
    lock(&shared.log).push(entry, arrived);
    match reply {
        Reply::Send {
            response, delay, ..
        } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            response
        }
        Reply::Drop => {
            conn.kill.notify_one();
            std::future::pending::<()>().await;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A header's value as text, for the request log.
fn header_text(req: &Request<Body>, name: &str) -> Option<String> {
    Some(req.headers().get(name)?.to_str().ok()?.to_string())
}
