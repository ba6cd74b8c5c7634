//! Injected faults: what can go wrong, how often, and the bound that lets a retrying client
//! always finish.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::generate::{hash_str, mix};

/// One way a response can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with a `Retry-After` header (see [`RetryAfter`]).
    TooManyRequests,
    /// 500.
    InternalServerError,
    /// 502.
    BadGateway,
    /// 503.
    ServiceUnavailable,
    /// 504.
    GatewayTimeout,
    /// The socket is closed without any response.
    DroppedConnection,
    /// The normal response, sent after [`FaultPlan::slow_delay_ms`].
    Slow,
    /// Status 200 with the page's JSON cut in half.
    MalformedJson,
    /// Status 200 with an HTML error page.
    HtmlErrorPage,
    /// Status 200, but the first record's numeric field holds the string `"lots"`.
    WrongType,
    /// Status 200 with an error object instead of the page (`{"message": "Service
    /// unavailable"}`), as some APIs answer when overloaded: no records where they belong.
    ErrorObject,
    /// A fixed status on every request to a path ([`FaultPlan::permanent_status`]).
    Permanent(u16),
}

impl FaultKind {
    /// Kinds a client is expected to retry: 429, 5xx, dropped connections, slow responses.
    pub const RETRYABLE: [FaultKind; 7] = [
        FaultKind::TooManyRequests,
        FaultKind::InternalServerError,
        FaultKind::BadGateway,
        FaultKind::ServiceUnavailable,
        FaultKind::GatewayTimeout,
        FaultKind::DroppedConnection,
        FaultKind::Slow,
    ];

    /// Kinds that deliver bad input with status 200; only injected when asked for.
    pub const BAD_INPUT: [FaultKind; 4] = [
        FaultKind::MalformedJson,
        FaultKind::HtmlErrorPage,
        FaultKind::WrongType,
        FaultKind::ErrorObject,
    ];

    /// Whether a client should retry a request that met this fault.
    pub fn is_retryable(self) -> bool {
        Self::RETRYABLE.contains(&self)
    }

    /// The error status this fault answers with, if it answers with one.
    pub fn status(self) -> Option<u16> {
        match self {
            FaultKind::TooManyRequests => Some(429),
            FaultKind::InternalServerError => Some(500),
            FaultKind::BadGateway => Some(502),
            FaultKind::ServiceUnavailable => Some(503),
            FaultKind::GatewayTimeout => Some(504),
            FaultKind::Permanent(status) => Some(status),
            _ => None,
        }
    }
}

/// How a 429 tells the client to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: <seconds>` (0 allowed).
    Seconds(u64),
    /// `Retry-After: <HTTP-date>` this many seconds in the future.
    HttpDate(u64),
}

/// "Fail requests to `path` with `kind` exactly `times` times" (before random faults and
/// regardless of the consecutive-failure bound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetedFault {
    /// Request path, e.g. `/v1/items` or `/oauth/token`.
    pub path: String,
    /// The fault to inject.
    pub kind: FaultKind,
    /// How many requests to fail.
    pub times: u32,
}

/// Which faults to inject. The default injects nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultPlan {
    /// Probability (0.0..=1.0) that a `/v1/` request gets a random fault.
    pub failure_rate: f64,
    /// Kinds random faults draw from, uniformly.
    pub kinds: Vec<FaultKind>,
    /// A distinct request (method, path, query without the credential) fails at most this
    /// many times in a row from random faults, so a client with that many retries finishes.
    pub max_consecutive_failures: u32,
    /// The `Retry-After` of a 429.
    pub retry_after: RetryAfter,
    /// Delay of a [`FaultKind::Slow`] response, in milliseconds.
    pub slow_delay_ms: u64,
    /// Faults injected an exact number of times.
    pub targeted: Vec<TargetedFault>,
    /// Paths that always answer with a status: `(path, status)`.
    pub permanent: Vec<(String, u16)>,
    /// Every OAuth token expires right after this many authorized data requests were served
    /// (once), so a client sees a token expire mid-run at a deterministic point.
    pub expire_tokens_after: Option<u64>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            failure_rate: 0.0,
            kinds: FaultKind::RETRYABLE.to_vec(),
            max_consecutive_failures: 2,
            retry_after: RetryAfter::Seconds(0),
            slow_delay_ms: 10_000,
            targeted: Vec::new(),
            permanent: Vec::new(),
            expire_tokens_after: None,
        }
    }
}

impl FaultPlan {
    /// No faults at all.
    pub fn none() -> Self {
        FaultPlan::default()
    }

    /// Random retryable faults (429, 5xx, dropped, slow) on `rate` of requests, at most 2
    /// in a row per distinct request.
    pub fn retryable(rate: f64) -> Self {
        FaultPlan {
            failure_rate: rate,
            ..FaultPlan::default()
        }
    }

    /// Draws random faults from `kinds` only (e.g. `FaultKind::BAD_INPUT`).
    pub fn with_kinds(mut self, kinds: &[FaultKind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// Sets the consecutive-failure bound per distinct request.
    pub fn with_max_consecutive_failures(mut self, n: u32) -> Self {
        self.max_consecutive_failures = n;
        self
    }

    /// Sets the `Retry-After` of 429 responses.
    pub fn with_retry_after(mut self, retry_after: RetryAfter) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets how long a slow response is held back, in milliseconds.
    pub fn with_slow_delay_ms(mut self, ms: u64) -> Self {
        self.slow_delay_ms = ms;
        self
    }

    /// Fails the next `times` requests to `path` with `kind`.
    pub fn fail_path(mut self, path: &str, kind: FaultKind, times: u32) -> Self {
        self.targeted.push(TargetedFault {
            path: path.to_string(),
            kind,
            times,
        });
        self
    }

    /// Expires every OAuth token once, right after `n` authorized data requests were served.
    pub fn expire_tokens_after(mut self, n: u64) -> Self {
        self.expire_tokens_after = Some(n);
        self
    }

    /// Answers every request to `path` with `status`.
    pub fn permanent_status(mut self, path: &str, status: u16) -> Self {
        self.permanent.push((path.to_string(), status));
        self
    }
}

#[derive(Default)]
struct RequestHistory {
    attempts: u64,
    consecutive: u32,
}

/// The plan plus what it has done so far.
pub(crate) struct FaultState {
    plan: FaultPlan,
    history: HashMap<String, RequestHistory>,
    authorized: u64,
}

impl FaultState {
    /// Starts `plan` with a clean history.
    pub(crate) fn new(plan: FaultPlan) -> Self {
        FaultState {
            plan,
            history: HashMap::new(),
            authorized: 0,
        }
    }

    /// Counts one authorized OAuth data request; true when tokens must expire now.
    pub(crate) fn authorized_request(&mut self) -> bool {
        self.authorized += 1;
        self.plan.expire_tokens_after == Some(self.authorized)
    }

    /// The plan in force.
    pub(crate) fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Decides the fault for one request. `key` identifies the distinct request; random
    /// faults apply only when `random_allowed`. The decision hashes the seed, the key and
    /// the attempt number, so it does not depend on timing or on other requests.
    pub(crate) fn decide(
        &mut self,
        seed: u64,
        key: &str,
        path: &str,
        random_allowed: bool,
    ) -> Option<FaultKind> {
        if let Some(&(_, status)) = self.plan.permanent.iter().find(|(p, _)| p == path) {
            return Some(FaultKind::Permanent(status));
        }
        let history = self.history.entry(key.to_string()).or_default();
        history.attempts += 1;
        let targeted = self
            .plan
            .targeted
            .iter_mut()
            .find(|t| t.path == path && t.times > 0);
        let fault = if let Some(target) = targeted {
            target.times -= 1;
            Some(target.kind)
        } else if random_allowed
            && !self.plan.kinds.is_empty()
            && history.consecutive < self.plan.max_consecutive_failures
        {
            let roll = mix(seed ^ hash_str(key) ^ mix(history.attempts));
            let threshold = (self.plan.failure_rate.clamp(0.0, 1.0) * 1_000_000.0) as u64;
            ((roll % 1_000_000) < threshold)
                .then(|| self.plan.kinds[((roll >> 32) % self.plan.kinds.len() as u64) as usize])
        } else {
            None
        };
        history.consecutive = if fault.is_some() {
            history.consecutive + 1
        } else {
            0
        };
        fault
    }
}
