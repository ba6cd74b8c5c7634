//! The request log and request-rate statistics, for assertions and benchmarks.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::faults::FaultKind;

/// Entries kept at most; older ones are dropped first so a long benchmark cannot exhaust
/// memory (the statistics still count every request).
const LOG_CAPACITY: usize = 1_000_000;

/// One request the mock answered (admin endpoints are not logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query, e.g. `/v1/items`.
    pub path: String,
    /// Query pairs in the order sent, percent-decoded, credentials included.
    pub query: Vec<(String, String)>,
    /// Whether an `Authorization` header was present.
    pub authorization: bool,
    /// The `Authorization` header as received (credentials included: this is a test mock).
    pub authorization_header: Option<String>,
    /// The `Cookie` header as received.
    pub cookie: Option<String>,
    /// The `Accept-Encoding` header sent, if any.
    pub accept_encoding: Option<String>,
    /// The `Content-Encoding` the answer was compressed with, if any.
    pub content_encoding: Option<String>,
    /// Status sent; `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    /// The fault injected, if any.
    pub fault: Option<FaultKind>,
}

impl LoggedRequest {
    /// The value of the first query parameter called `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Request counts since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MockStats {
    /// Requests answered (admin endpoints excluded).
    pub requests: u64,
    /// Requests per status sent; dropped connections are counted under 0.
    pub by_status: BTreeMap<u16, u64>,
    /// Requests that got an injected fault.
    pub faults: u64,
    /// The most requests that arrived within any 1-second window.
    pub max_requests_per_second: u64,
}

/// Log entries plus the sliding window behind [`MockStats::max_requests_per_second`].
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    stats: MockStats,
    window: VecDeque<Instant>,
}

impl RequestLog {
    /// Records a request that arrived at `at`.
    pub(crate) fn push(&mut self, entry: LoggedRequest, at: Instant) {
        self.stats.requests += 1;
        *self
            .stats
            .by_status
            .entry(entry.status.unwrap_or(0))
            .or_default() += 1;
        if entry.fault.is_some() {
            self.stats.faults += 1;
        }
        self.window.push_back(at);
        while self
            .window
            .front()
            .is_some_and(|&first| at.saturating_duration_since(first) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        self.stats.max_requests_per_second = self
            .stats
            .max_requests_per_second
            .max(self.window.len() as u64);
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Logged requests, oldest first.
    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    /// Current statistics.
    pub(crate) fn stats(&self) -> MockStats {
        self.stats.clone()
    }

    /// Forgets entries only; statistics keep counting.
    pub(crate) fn clear_entries(&mut self) {
        self.entries.clear();
    }
}
