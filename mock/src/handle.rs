//! [`MockApi`]: a running mock instance and the methods tests drive it with.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::MockConfig;
use crate::control;
use crate::faults::FaultPlan;
use crate::log::{LoggedRequest, MockStats};
use crate::mutation::{MutationOutcome, MutationSpec};
use crate::server::{lock, serve, Shared};

/// A mutation named a resource the mock does not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownResource(pub String);

impl std::fmt::Display for UnknownResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the mock API serves no resource called {:?}", self.0)
    }
}

impl std::error::Error for UnknownResource {}

/// A running mock API on 127.0.0.1. Dropping it stops the server too.
pub struct MockApi {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<Server>,
}

/// Where the server runs.
enum Server {
    /// A task on the runtime that started the mock.
    Task(JoinHandle<()>),
    /// A thread of its own, with its own runtime ([`MockApi::start_on_own_thread`]).
    Thread(std::thread::JoinHandle<()>),
}

impl MockApi {
    /// Starts a mock on 127.0.0.1 (port `config.port`, 0 = any free port).
    ///
    /// # Panics
    /// If the port cannot be bound; use [`MockApi::try_start`] to handle that.
    pub async fn start(config: MockConfig) -> MockApi {
        let port = config.port;
        match Self::try_start(config).await {
            Ok(api) => api,
            Err(e) => panic!("mock API cannot bind 127.0.0.1:{port}: {e}"),
        }
    }

    /// Starts a mock on 127.0.0.1, reporting a failure to bind.
    pub async fn try_start(config: MockConfig) -> std::io::Result<MockApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (shutdown, watcher) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), watcher));
        Ok(MockApi {
            shared,
            addr,
            shutdown,
            task: Some(Server::Task(task)),
        })
    }

    /// Starts a mock on 127.0.0.1 served by a thread with its own runtime.
    ///
    /// A mock on the test's own runtime stamps a request's arrival only when that runtime gets
    /// to it: on a single-threaded runtime busy loading a page, a request sent earlier is
    /// stamped late, bunched with later ones. Tests that measure when requests arrive (a rate
    /// limit's busiest second) need the mock to stamp them as a separate server would.
    ///
    /// # Panics
    /// If the port cannot be bound or the thread cannot start its runtime.
    pub fn start_on_own_thread(config: MockConfig) -> MockApi {
        let port = config.port;
        let bound = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .and_then(|l| l.local_addr().map(|a| (l, a)));
        let (listener, addr) = match bound {
            Ok(bound) => bound,
            Err(e) => panic!("mock API cannot bind 127.0.0.1:{port}: {e}"),
        };
        let shared = Arc::new(Shared::new(config));
        let (shutdown, watcher) = watch::channel(false);
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name("mock-api".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                let runtime = match runtime {
                    Ok(runtime) => runtime,
                    Err(e) => panic!("mock API cannot start a runtime: {e}"),
                };
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => serve(listener, served, watcher).await,
                        Err(e) => panic!("mock API cannot register its socket: {e}"),
                    }
                });
            });
        let thread = match thread {
            Ok(thread) => thread,
            Err(e) => panic!("mock API cannot start its thread: {e}"),
        };
        MockApi {
            shared,
            addr,
            shutdown,
            task: Some(Server::Thread(thread)),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the mock was started with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// Requests answered so far (or since [`MockApi::clear_log`]), oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).entries()
    }

    /// Forgets the logged requests; [`MockApi::stats`] keeps counting.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear_entries();
    }

    /// Request counts and the peak request rate since start or [`MockApi::reset`].
    pub fn stats(&self) -> MockStats {
        lock(&self.shared.log).stats()
    }

    /// Changes data as `spec` says and reports which ids changed in each resource.
    pub fn mutate(&self, spec: MutationSpec) -> Result<Vec<MutationOutcome>, UnknownResource> {
        control::mutate(&self.shared, &spec)
            .ok_or_else(|| UnknownResource(spec.resource.clone().unwrap_or_default()))
    }

    /// Replaces the fault plan; the per-request failure history starts over.
    pub fn set_faults(&self, plan: FaultPlan) {
        control::set_faults(&self.shared, plan);
    }

    /// Makes every token issued so far expire now (the next use gets 401).
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// Every refresh token presented to `POST /oauth/token`, oldest first.
    pub fn refresh_tokens_presented(&self) -> Vec<String> {
        lock(&self.shared.tokens).presented()
    }

    /// How many OAuth tokens were issued.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.tokens).issued()
    }

    /// The records `resource` serves now, in id order, deleted ones included (as the feed
    /// has them); empty for an unknown resource.
    pub fn records(&self, resource: &str) -> Vec<Value> {
        control::records(&self.shared, resource).unwrap_or_default()
    }

    /// Back to the state right after start: original data, no tokens, empty log and
    /// statistics, and the fault plan of the configuration.
    pub fn reset(&self) {
        control::reset(&self.shared);
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        match self.task.take() {
            Some(Server::Task(task)) => {
                let _ = task.await;
            }
            Some(Server::Thread(thread)) => {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
            None => {}
        }
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
