//! A response that is one top-level JSON array, read as it arrives: its records are decoded
//! and delivered in batches of `stream_batch`, so memory is bounded by a batch (plus one
//! received chunk and the bytes read before streaming began), not by the body.
//!
//! When: [`ResourcePages::may_stream`] says nothing but the records is needed from the body
//! (records at the root, a paginator reading no body path, no response action on body
//! content), and the successful body's first byte that is not white space is `[`. A body
//! read this way is one page for the paginator, the page limit and the page counter; the
//! body size limit bounds each record instead of the body.
//!
//! Failures: a body that breaks off mid-stream is not retried (the records before the break
//! were delivered; the run's one transaction drops them with the failed run) and fails the
//! resource naming the URL and the byte offset; malformed JSON names the page, the URL, the
//! record index and the byte offset.

use std::sync::Mutex;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::array_split::{ArraySplitter, SplitError};
use super::guard::{PageFacts, PageGuard};
use super::page::Budget;
use super::request::ParentValues;
use super::resource_pages::{PageSink, ResourcePages};
use super::ExtractError;
use crate::def::{Method, PathStep, ResponseFormat};
use crate::http::{HttpError, HttpRequest, Response};
use crate::incremental::Incremental;
use crate::paginate::Paginator;
use crate::select::{SelectError, Selected};

/// What the paginator needs to know of a streamed page.
pub(super) struct Streamed {
    pub headers: HeaderMap,
    /// Redacted URL.
    pub shown: String,
    /// Records the API sent (before any filter).
    pub count: usize,
    /// Paging stops (the record limit, or `row_order` saw a record past the range).
    pub stop: bool,
}

/// Where the records of a streamed page go.
pub(super) struct StreamTo<'a, 'b> {
    pub parent: Option<&'a ParentValues>,
    pub inc: Option<&'a Mutex<Incremental>>,
    /// The sequence's incremental start value, for the declarative steps.
    pub start: Option<&'a Value>,
    /// Whether the selector was detected (for the guard's messages).
    pub detected: bool,
    pub guard: &'a mut PageGuard,
    pub budget: &'a mut Budget,
    pub sink: &'b mut dyn PageSink,
}

impl ResourcePages<'_> {
    /// Reads `resp` (whose `rest` is set) record by record, delivering batches.
    pub(super) async fn stream_array(
        &self,
        mut resp: Response,
        page: u64,
        to: StreamTo<'_, '_>,
    ) -> Result<Streamed, ExtractError> {
        let shown = self.http.redactor().url(&resp.url);
        let Some(mut rest) = resp.rest.take() else {
            return Err(ExtractError::Config {
                resource: self.def.name.to_string(),
                message: "a streamed page without its body (a bug)".into(),
            });
        };
        let facts = PageFacts {
            page,
            url: &shown,
            body: &[],
            selected: Selected::List,
            records: 0,
            selector: &[],
            detected: to.detected,
        };
        to.guard.check(&facts, self.http.redactor())?;
        let mut split = ArraySplitter::new(self.max_record_bytes);
        let malformed = |e: SplitError| {
            let message = format!("streamed JSON array, byte {}: {}", e.offset, e.message);
            self.decode_error(page, &shown, SelectError::page(message))
        };
        let mut out = Streamed {
            headers: std::mem::take(&mut resp.headers),
            shown: shown.clone(),
            count: 0,
            stop: false,
        };
        let mut batches = 0u64;
        let batch = self.stream_batch.max(1);
        let mut pending = std::mem::take(&mut resp.body);
        let StreamTo {
            parent,
            inc,
            start,
            budget,
            sink,
            ..
        } = to;
        loop {
            if split.ready() >= batch {
                batches += 1;
                let records = self.take_batch(&mut split, page, &shown, start, &mut out)?;
                out.stop = self
                    .deliver(records, parent, inc, page, budget, sink)
                    .await?;
                if out.stop || self.first_batch_only {
                    // Dropping `rest` closes the connection: no more of the body is read.
                    return Ok(out);
                }
            }
            if pending.is_empty() {
                match rest.chunk().await {
                    Ok(Some(chunk)) => pending = chunk,
                    Ok(None) => break,
                    Err(message) => return Err(self.broke_off(&split, &shown, message)),
                }
            }
            // Up to a full batch: the rest of the chunk waits for the next one.
            let used = split.feed_until(&pending, batch).map_err(malformed)?;
            let _ = pending.split_to(used);
        }
        split.finish().map_err(malformed)?;
        if split.ready() > 0 || batches == 0 {
            let records = self.take_batch(&mut split, page, &shown, start, &mut out)?;
            out.stop = self
                .deliver(records, parent, inc, page, budget, sink)
                .await?;
        }
        Ok(out)
    }

    /// Decodes the records collected so far (after the declarative steps), counting them.
    fn take_batch(
        &self,
        split: &mut ArraySplitter,
        page: u64,
        shown: &str,
        start: Option<&Value>,
        out: &mut Streamed,
    ) -> Result<Box<dyn super::page::DecodedPage>, ExtractError> {
        let first = split.taken();
        let offset = split.offset();
        let (batch, n) = split.take_batch();
        let (records, _, dropped) = self.decode_body(&batch, &[], start).map_err(|e| {
            // Indexes count from the body's first record, as on a buffered page; serde's
            // line and column are in the batch, not the body, so the batch's place is given.
            let index = e.index.map(|i| i + first as usize);
            let what = match e.message.rfind(" at line ") {
                Some(at) => &e.message[..at],
                None => &e.message,
            };
            let message = format!(
                "{what} (streamed JSON array: records {first} to {}, ending before byte {offset})",
                (first + n as u64).saturating_sub(1)
            );
            let e = SelectError {
                index,
                field: e.field,
                message,
            };
            self.decode_error(page, shown, e)
        })?;
        out.count += records.len() + dropped;
        Ok(records)
    }

    /// The error of a body that broke off mid-stream.
    fn broke_off(&self, split: &ArraySplitter, shown: &str, message: String) -> ExtractError {
        let source = HttpError::Transport {
            method: match self.def.endpoint.method {
                Method::Get => "GET",
                Method::Post => "POST",
            },
            url: shown.to_string(),
            retries: 0,
            message: format!(
                "the body broke off at byte {} of a streamed JSON array, after {} records \
                 (a streamed body is not retried: its first records were delivered): {message}",
                split.offset(),
                split.taken() + split.ready() as u64
            ),
        };
        ExtractError::Http {
            resource: self.def.name.to_string(),
            source: Box::new(source),
        }
    }

    /// The error of a paginator reading a body path from a JSON Lines or CSV body (one whose
    /// content type said so; a spec saying so up front is refused when it is read).
    pub(super) fn lines_paginator(&self, paginator: &Paginator, resp: &Response) -> ExtractError {
        let ct = resp.content_type().unwrap_or("no content type");
        ExtractError::Paginator {
            resource: self.name(),
            paginator: paginator.name(),
            message: format!(
                "it reads a path of a JSON body, but the response is JSON Lines or CSV ({}), \
                 which has none; page it by headers (`header_link`, `header_cursor`) or by \
                 counting records (`offset` or `page_number` without `total_path` and \
                 `has_more_path`)",
                self.http.redactor().excerpt(ct, crate::http::EXCERPT_CHARS)
            ),
            url: self.http.redactor().url(&resp.url),
        }
    }

    /// Whether the next response may be read as a stream when it is a top-level JSON array:
    /// nothing else in the body is needed (records at the root, a paginator reading no body
    /// path) and no response action matches on body content.
    pub(super) fn may_stream(&self, paginator: &Paginator, selector: Option<&[PathStep]>) -> bool {
        let ep = &self.def.endpoint;
        matches!(
            ep.response_format,
            ResponseFormat::Json | ResponseFormat::Auto
        ) && selector.is_none_or(|s| s.is_empty())
            && (matches!(paginator, Paginator::Auto) || paginator.value_paths().is_empty())
            && ep.response_actions.iter().all(|a| a.content.is_none())
    }

    /// The rest of a body that opens with `[` but is read whole (a CSV or JSON Lines content
    /// type), within the body size limit.
    pub(super) async fn read_rest(
        &self,
        rest: crate::http::BodyRest,
        resp: &Response,
        req: &HttpRequest,
    ) -> Result<bytes::Bytes, ExtractError> {
        let limit = self.max_record_bytes;
        rest.read_all(resp.body.clone(), limit).await.map_err(|e| {
            let url = self.http.redactor().url(&resp.url);
            let method = req.method.as_str();
            let source = match e {
                None => crate::http::HttpError::TooLarge { method, url, limit },
                Some(message) => crate::http::HttpError::Transport {
                    method,
                    url,
                    retries: 0,
                    message,
                },
            };
            ExtractError::Http {
                resource: self.name(),
                source: Box::new(source),
            }
        })
    }
}
