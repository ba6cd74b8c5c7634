//! The unread rest of a response body that opens a top-level JSON array, handed to the
//! extractor to read record by record ([`HttpClient::send_streaming`](super::HttpClient)).
//!
//! Such a body is not held whole, so the body size limit does not apply to it: the extractor
//! bounds each record instead. Bytes still count in the run's byte counter as they arrive.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use super::{Counters, Redactor};

/// The rest of a streamed body: decoded (gzip, deflate, ...) chunks in order.
pub struct BodyRest {
    resp: reqwest::Response,
    counters: Arc<Counters>,
    redactor: Redactor,
}

impl std::fmt::Debug for BodyRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyRest").finish_non_exhaustive()
    }
}

impl BodyRest {
    pub(super) fn new(
        resp: reqwest::Response,
        counters: Arc<Counters>,
        redactor: Redactor,
    ) -> Self {
        BodyRest {
            resp,
            counters,
            redactor,
        }
    }

    /// The next decoded chunk; `None` at the end. An error is the transport's message,
    /// redacted (a mid-stream failure is not retried: records before it were delivered).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, String> {
        match self.resp.chunk().await {
            Ok(Some(chunk)) => {
                self.counters
                    .bytes
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Ok(Some(chunk))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(self
                .redactor
                .text(&super::attempt::error_chain(&e.without_url()))),
        }
    }

    /// Reads the rest after `prefix` into one buffer of at most `limit` bytes: for a body
    /// that turned out not to be read as a JSON array (a CSV or JSON Lines content type).
    /// `Err(None)` when it exceeds the limit, `Err(Some(message))` on a transport error.
    pub async fn read_all(mut self, prefix: Bytes, limit: usize) -> Result<Bytes, Option<String>> {
        let mut buf = prefix.to_vec();
        while let Some(chunk) = self.chunk().await.map_err(Some)? {
            if buf.len() + chunk.len() > limit {
                return Err(None);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buf))
    }
}
