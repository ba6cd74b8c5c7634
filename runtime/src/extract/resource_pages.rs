//! A resource's pages for one parent record (or the whole resource when it
//! has no parent), paginated, decoded, filtered and delivered in API order.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::sync::mpsc;

use super::body_format::records_array;
use super::cursors::NodeCursor;
use super::guard::{PageFacts, PageGuard};
use super::page::{Budget, DecodeFn, DecodedPage};
use super::request::{endpoint_auth, first_request, Fill, ParentValues};
use super::stream_pages::StreamTo;
use super::ExtractError;
use crate::def::{Method, PathStep, ResourceDef, ResponseFormat, SourceDef};
use crate::http::{Body, HttpClient, HttpMethod, HttpRequest, Outcome, Response};
use crate::incremental::Incremental;
use crate::paginate::{detect, PageView, Paginator, RemainingPages, RequestParts};
use crate::select::{detect_records_path, extract_values, walk, Path, SelectError, Selected};

/// One resource's pages for one parent record (or none): what fetching them needs.
pub(crate) struct ResourcePages<'a> {
    pub http: &'a HttpClient,
    pub source: &'static SourceDef,
    pub def: &'static ResourceDef,
    pub decode: DecodeFn,
    pub page_concurrency: usize,
    pub max_pages: Option<u64>,
    pub inc: Option<&'a NodeCursor>,
    /// A retry policy over the resource's own (a check asks once).
    pub retry: Option<&'a crate::def::RetryDef>,
    /// Where `step` windows end without `end_value` (the run's clock); `None` fetches one
    /// request sequence whatever the spec says (a check asks once).
    pub window_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Records delivered per request sequence at most (`--limit-records`), then the
    /// sequence stops as if its paginator had; `None` delivers them all.
    pub max_records: Option<u64>,
    /// Records per batch of a streamed top-level JSON array (see `stream_pages`).
    pub stream_batch: usize,
    /// Largest record of a streamed array, in bytes (the body size limit, per record).
    pub max_record_bytes: usize,
    /// Read only the first batch of a streamed array (a check looks at one page).
    pub first_batch_only: bool,
}

/// Passes a parallel child's or window's pages on to the consumer delivering them in order.
pub(crate) struct Forward(pub mpsc::Sender<Box<dyn DecodedPage>>);

impl PageSink for Forward {
    fn deliver(
        &mut self,
        page: Box<dyn DecodedPage>,
    ) -> futures::future::BoxFuture<'_, Result<(), ExtractError>> {
        Box::pin(async move {
            // A closed receiver means the run already failed; its error is reported there.
            let _ = self.0.send(page).await;
            Ok(())
        })
    }
}

/// What the parallel part of a stream carries on from its sequential first page(s).
struct Stream<'a> {
    inc: Option<&'a Mutex<Incremental>>,
    budget: &'a mut Budget,
    paginator: &'a Paginator,
    selector: &'a [PathStep],
    detected: bool,
    guard: &'a mut PageGuard,
}

/// Receives a resource's pages in order.
pub(crate) trait PageSink: Send {
    /// Takes one page.
    fn deliver(
        &mut self,
        page: Box<dyn DecodedPage>,
    ) -> futures::future::BoxFuture<'_, Result<(), ExtractError>>;
    /// Every page so far was delivered; `state` is the incremental state after them. Only
    /// resources with `checkpoint` report this (every N pages); sinks that do not load
    /// ignore it.
    fn checkpoint(&mut self, state: Option<Value>) -> futures::future::BoxFuture<'_, ()> {
        let _ = state;
        Box::pin(async {})
    }
}

/// A fetched page, decoded.
pub(super) struct Fetched {
    headers: HeaderMap,
    body: bytes::Bytes,
    records: Box<dyn DecodedPage>,
    selected: Selected,
    shown: String,
    /// Records the spec's processing-step filters dropped: pagination and page checks
    /// count what the API sent.
    dropped: usize,
}

impl ResourcePages<'_> {
    pub(super) fn name(&self) -> String {
        self.def.name.to_string()
    }

    /// Fetches, checks and delivers one request sequence: the pages for one parent record
    /// (or none) and one window (or the whole range), tracked by `inc`.
    pub(super) async fn sequence(
        &self,
        parent: Option<&ParentValues>,
        inc: Option<&Mutex<Incremental>>,
        sink: &mut dyn PageSink,
    ) -> Result<(), ExtractError> {
        let snapshot = inc.and_then(|m| m.lock().ok().map(|g| g.values().clone()));
        let start = start_value(self.def, inc);
        let fill = Fill {
            def: self.def,
            parent,
            inc: snapshot.as_ref(),
            secrets: self.http.secret_values(),
        };
        let (mut parts, headers) = first_request(self.http, &fill)?;
        let mut paginator = Paginator::from_def(&self.def.endpoint.paginator).map_err(|e| {
            ExtractError::Paginator {
                resource: self.name(),
                paginator: "rust",
                url: self.http.redactor().url(&parts.full_url()),
                message: e.to_string(),
            }
        })?;
        paginator.init(&mut parts);
        let mut selector = self.def.endpoint.data_selector.map(Path::Borrowed);
        let detected = selector.is_none();
        let mut guard = PageGuard::new(self.def);
        let mut seen = HashSet::new();
        let mut budget = Budget::new(self.max_records);
        let mut page = 0u64;
        loop {
            if !seen.insert(parts.fingerprint()) {
                return Err(ExtractError::RepeatedRequest {
                    resource: self.name(),
                    paginator: paginator.name(),
                    url: self.http.redactor().url(&parts.full_url()),
                });
            }
            page += 1;
            let stream = self.may_stream(&paginator, selector.as_deref());
            let Some((resp, rows)) = self.fetch(&parts, &headers, page, stream).await? else {
                return Ok(());
            };
            if resp.rest.is_some() {
                // A top-level array: its records are at the root, and an auto-detected
                // paginator can only be one read from the headers (`detect` finds body
                // paginators in objects only, so this is what a buffered body detects too).
                selector.get_or_insert_with(|| Path::Owned(Vec::new()));
                if matches!(paginator, Paginator::Auto) {
                    paginator = detect(&resp.headers, &Value::Array(Vec::new()), &parts);
                }
                guard.set_paginator(paginator.name());
                let to = StreamTo {
                    parent,
                    inc,
                    start: start.as_ref(),
                    detected,
                    guard: &mut guard,
                    budget: &mut budget,
                    sink: &mut *sink,
                };
                let streamed = self.stream_array(resp, page, to).await?;
                if streamed.stop {
                    return Ok(());
                }
                let view = PageView {
                    headers: &streamed.headers,
                    values: &[],
                    record_count: streamed.count,
                };
                if !self.advance(&mut paginator, &view, &mut parts, streamed.shown)?
                    || self.max_pages.is_some_and(|m| page >= m)
                {
                    return Ok(());
                }
                continue;
            }
            let mut first_values = None;
            if page == 1 && (selector.is_none() || matches!(paginator, Paginator::Auto)) {
                let doc: Value = serde_json::from_slice(&resp.body).map_err(|e| {
                    let shown = self.http.redactor().url(&resp.url);
                    self.decode_error(page, &shown, SelectError::page(e.to_string()))
                })?;
                if selector.is_none() {
                    selector = Some(detect_records_path(&doc).into());
                }
                if matches!(paginator, Paginator::Auto) {
                    paginator = detect(&resp.headers, &doc, &parts);
                    tracing::debug!(
                        resource = self.def.name,
                        paginator = paginator.name(),
                        "paginator detected"
                    );
                }
                first_values = Some(
                    paginator
                        .value_paths()
                        .iter()
                        .map(|p| walk(&doc, p).cloned())
                        .collect::<Vec<_>>(),
                );
            }
            if rows && !paginator.value_paths().is_empty() {
                return Err(self.lines_paginator(&paginator, &resp));
            }
            let sel = selector.as_deref().unwrap_or(&[]);
            let fetched = self.decode(resp, if rows { &[] } else { sel }, page, start.as_ref())?;
            guard.set_paginator(paginator.name());
            self.check(&mut guard, &fetched, page, sel, detected)?;
            let values = match first_values {
                Some(v) => v,
                None => extract_values(&fetched.body, &paginator.value_paths()).map_err(|e| {
                    self.decode_error(page, &fetched.shown, SelectError::page(e.to_string()))
                })?,
            };
            let count = fetched.records.len() + fetched.dropped;
            let view = PageView {
                headers: &fetched.headers,
                values: &values,
                record_count: count,
            };
            let shown = fetched.shown.clone();
            let stop = self
                .deliver(fetched.records, parent, inc, page, &mut budget, sink)
                .await?;
            if stop {
                return Ok(());
            }
            let more = self.advance(&mut paginator, &view, &mut parts, shown)?;
            if !more || self.max_pages.is_some_and(|m| page >= m) {
                return Ok(());
            }
            // With `row_order` a page may end the sequence, so none is fetched ahead of it;
            // with a record limit neither, so no request is sent past the limit.
            let ordered = inc.is_some_and(|m| m.lock().is_ok_and(|i| i.may_stop()));
            if self.page_concurrency > 1 && !ordered && self.max_records.is_none() {
                if let Some(rest) = paginator.remaining(&parts) {
                    let stream = Stream {
                        inc,
                        budget: &mut budget,
                        paginator: &paginator,
                        selector: selector.as_deref().unwrap_or(&[]),
                        detected,
                        guard: &mut guard,
                    };
                    return self
                        .run_parallel(rest, &headers, parent, page, stream, sink)
                        .await;
                }
            }
        }
    }

    /// Reads the page into the paginator and prepares `parts` for the next; `false`: stop.
    fn advance(
        &self,
        paginator: &mut Paginator,
        view: &PageView<'_>,
        parts: &mut RequestParts,
        shown: String,
    ) -> Result<bool, ExtractError> {
        paginator
            .advance(view, parts)
            .map_err(|e| ExtractError::Paginator {
                resource: self.name(),
                paginator: paginator.name(),
                // Values in it come from the API: redacted, then cut.
                message: self
                    .http
                    .redactor()
                    .excerpt(&e.to_string(), crate::http::EXCERPT_CHARS),
                url: shown,
            })
    }

    /// The remaining pages of a range paginator, fetched concurrently, delivered (and
    /// checked) in order.
    async fn run_parallel(
        &self,
        rest: RemainingPages,
        headers: &[(HeaderName, HeaderValue)],
        parent: Option<&ParentValues>,
        done: u64,
        stream: Stream<'_>,
        sink: &mut dyn PageSink,
    ) -> Result<(), ExtractError> {
        let Stream {
            inc,
            budget,
            paginator,
            selector: sel,
            detected,
            guard,
        } = stream;
        let stop_on_empty = matches!(paginator, Paginator::Range(r) if r.stop_after_empty_page);
        let start = start_value(self.def, inc);
        let start = start.as_ref();
        let fetch_page = |i: usize, parts: RequestParts| async move {
            let page = done + 1 + i as u64;
            let fetched = match self.fetch(&parts, headers, page, false).await {
                Ok(Some((resp, rows))) => self
                    .decode(resp, if rows { &[] } else { sel }, page, start)
                    .map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            (i, fetched)
        };
        let mut window = ReadAhead::new(self.page_concurrency);
        let limit = self.max_pages.map_or(usize::MAX, |m| {
            usize::try_from(m.saturating_sub(done)).unwrap_or(usize::MAX)
        });
        let mut rest = rest.take(limit).enumerate();
        let mut in_flight = futures::stream::FuturesUnordered::new();
        let mut page = done;
        loop {
            while window.may_start(in_flight.len()) {
                let Some((i, parts)) = rest.next() else {
                    break;
                };
                window.started();
                in_flight.push(fetch_page(i, parts));
            }
            let fetched = match window.take_next() {
                Some(fetched) => fetched,
                None => match in_flight.next().await {
                    Some((i, fetched)) => {
                        window.arrived(i, fetched);
                        continue;
                    }
                    None => return Ok(()),
                },
            };
            page += 1;
            let Some(fetched) = fetched? else {
                return Ok(());
            };
            self.check(guard, &fetched, page, sel, detected)?;
            if stop_on_empty && fetched.records.len() + fetched.dropped == 0 {
                return Ok(());
            }
            if self
                .deliver(fetched.records, parent, inc, page, budget, sink)
                .await?
            {
                return Ok(());
            }
        }
    }

    async fn fetch(
        &self,
        parts: &RequestParts,
        headers: &[(HeaderName, HeaderValue)],
        page: u64,
        stream: bool,
    ) -> Result<Option<(Response, bool)>, ExtractError> {
        let req = HttpRequest {
            method: match self.def.endpoint.method {
                Method::Get => HttpMethod::Get,
                Method::Post => HttpMethod::Post,
            },
            url: parts.full_url(),
            headers: headers.to_vec(),
            body: match (&parts.json, &parts.data) {
                (Some(json), _) => Body::Json(json.clone()),
                (None, Some(data)) => data.clone(),
                (None, None) => Body::Empty,
            },
        };
        let auth = endpoint_auth(self.source, self.def);
        let send = if stream {
            HttpClient::send_streaming
        } else {
            HttpClient::send
        };
        let outcome = send(
            self.http,
            &req,
            auth.as_ref(),
            self.retry.unwrap_or(&self.def.retry),
            self.def.endpoint.response_actions,
        )
        .await
        .map_err(|source| ExtractError::Http {
            resource: self.name(),
            source: Box::new(source),
        })?;
        let Outcome::Response(resp) = outcome else {
            tracing::debug!(
                resource = self.def.name,
                page,
                "response ignored; stopping these pages"
            );
            return Ok(None);
        };
        let mut resp = *resp;
        let format = self
            .def
            .endpoint
            .response_format
            .for_content_type(resp.content_type());
        if let Some(rest) = resp.rest.take() {
            if matches!(format, ResponseFormat::Json | ResponseFormat::Auto) {
                resp.rest = Some(rest);
                self.http.counters().pages.fetch_add(1, Ordering::Relaxed);
                return Ok(Some((resp, false)));
            }
            // A JSON Lines or CSV content type: read whole, as any such body.
            resp.body = self.read_rest(rest, &resp, &req).await?;
        }
        if let Some(array) = records_array(format, &resp.body, self.def.columns) {
            // Lines or rows: the records are the whole body, whatever the selector says.
            let array = array.map_err(|e| {
                let shown = self.http.redactor().url(&resp.url);
                let name = if format == ResponseFormat::Csv {
                    "CSV"
                } else {
                    "JSON Lines"
                };
                let message = format!("{name} body, line {}: {}", e.line, e.message);
                self.decode_error(page, &shown, SelectError::page(message))
            })?;
            resp.body = array.into();
            self.http.counters().pages.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((resp, true)));
        }
        let first = resp.body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if !matches!(first, Some(b'{' | b'[')) {
            let ct = resp.content_type().unwrap_or("no content type").to_string();
            if !(ct.contains("json") && first.is_some()) {
                return Err(ExtractError::NotJson {
                    resource: self.name(),
                    page,
                    url: self.http.redactor().url(&resp.url),
                    got: format!(
                        "{ct}: {}",
                        self.http
                            .redactor()
                            .excerpt_bytes(&resp.body, crate::http::EXCERPT_CHARS)
                    ),
                });
            }
        }
        self.http.counters().pages.fetch_add(1, Ordering::Relaxed);
        Ok(Some((resp, false)))
    }

    /// Decodes a page, after the resource's declarative steps when it has any; `start` is the
    /// sequence's incremental start value, which a step's filter may compare with.
    fn decode(
        &self,
        resp: Response,
        selector: &[PathStep],
        page: u64,
        start: Option<&Value>,
    ) -> Result<Fetched, ExtractError> {
        let shown = self.http.redactor().url(&resp.url);
        let (records, selected, dropped) = self
            .decode_body(&resp.body, selector, start)
            .map_err(|e| self.decode_error(page, &shown, e))?;
        Ok(Fetched {
            headers: resp.headers,
            body: resp.body,
            records,
            selected,
            shown,
            dropped,
        })
    }

    /// Decodes `body`'s records at `selector`, after the resource's declarative steps when
    /// it has any: the records, what the selector found, and how many the steps dropped.
    pub(super) fn decode_body(
        &self,
        body: &[u8],
        selector: &[PathStep],
        start: Option<&Value>,
    ) -> Result<(Box<dyn DecodedPage>, Selected, usize), SelectError> {
        match crate::steps::rewrite(body, selector, self.def, start) {
            None => {
                let (records, selected) = (self.decode)(body, selector, self.def)?;
                Ok((records, selected, 0))
            }
            Some(rewritten) => {
                let r = rewritten?;
                let (records, selected) = (self.decode)(&r.body, selector, self.def)?;
                Ok((records, selected, r.dropped))
            }
        }
    }

    /// The stream's page checks, in delivery order.
    pub(super) fn check(
        &self,
        guard: &mut PageGuard,
        fetched: &Fetched,
        page: u64,
        selector: &[PathStep],
        detected: bool,
    ) -> Result<(), ExtractError> {
        let facts = PageFacts {
            page,
            url: &fetched.shown,
            body: &fetched.body,
            selected: fetched.selected,
            records: fetched.records.len() + fetched.dropped,
            selector,
            detected,
        };
        guard.check(&facts, self.http.redactor())
    }

    pub(super) fn decode_error(&self, page: u64, shown: &str, e: SelectError) -> ExtractError {
        let redactor = self.http.redactor();
        ExtractError::Decode {
            resource: self.name(),
            page,
            url: shown.to_string(),
            index: e.index.and_then(|i| u32::try_from(i).ok()),
            // Field names come from the API's data, so they are redacted like the message.
            field: e.field.map(|f| redactor.text(&f).into()),
            message: redactor.text(&e.message).into(),
        }
    }

    /// The record limit, incremental filtering and `include_from_parent`, then hands the
    /// page on. True when paging stops: the record limit was reached, or the page held a
    /// record past the range in the API's `row_order` (no later page of this sequence has
    /// one in range).
    pub(super) async fn deliver(
        &self,
        mut records: Box<dyn DecodedPage>,
        parent: Option<&ParentValues>,
        inc: Option<&Mutex<Incremental>>,
        page: u64,
        budget: &mut Budget,
        sink: &mut dyn PageSink,
    ) -> Result<bool, ExtractError> {
        // Cut before the incremental filter, so the cursor state never counts a record
        // that was not delivered.
        let limited = budget.spend(&mut *records);
        if limited {
            tracing::debug!(
                resource = self.def.name,
                page,
                "record limit reached; stopping these pages"
            );
        }
        let mut past = false;
        // The state is read with the page's records counted, under the same lock.
        let mut checkpoint = None;
        let due = self
            .def
            .checkpoint
            .is_some_and(|n| page.is_multiple_of(u64::from(n)));
        if let (Some(inc), Some(_)) = (inc, self.def.endpoint.incremental) {
            let mut inc = inc.lock().map_err(|_| ExtractError::Config {
                resource: self.name(),
                message: "incremental state poisoned".into(),
            })?;
            records
                .keep_in_range(&mut inc)
                .map_err(|source| ExtractError::Incremental {
                    resource: self.name(),
                    page,
                    source,
                })?;
            if due {
                checkpoint = Some(inc.state());
            }
            past = inc.take_past();
        }
        if let (Some(p), Some(pv)) = (&self.def.parent, parent) {
            for field in p.include_from_parent {
                let value = pv.get(self.def, &[PathStep::key(field)])?;
                let key = format!("_{}_{}", p.resource.name, field);
                for i in 0..records.len() {
                    records.set_extra(i, key.clone(), value.clone());
                }
            }
        }
        sink.deliver(records).await?;
        if let Some(state) = checkpoint {
            sink.checkpoint(state).await;
        }
        if past {
            tracing::debug!(
                resource = self.def.name,
                page,
                "a record past the range in `row_order`; stopping these pages"
            );
        }
        Ok(past || limited)
    }
}

/// Pages that arrived before their turn, and how far ahead of delivery fetching may run.
///
/// At most `concurrency` requests are in flight, and no page more than `READ_AHEAD` ×
/// `concurrency` ahead of the next one to deliver is started. So a page waiting out a retry
/// (seconds) does not stall its resource after `concurrency` pages, as an ordered buffer of
/// `concurrency` futures did, while memory stays bounded by a fixed number of pages.
struct ReadAhead<T> {
    concurrency: usize,
    limit: usize,
    /// Index of the next page to deliver.
    next: usize,
    /// Pages started so far.
    started: usize,
    arrived: std::collections::BTreeMap<usize, T>,
}

/// How many windows of `concurrency` pages fetching may run ahead of delivery.
const READ_AHEAD: usize = 4;

impl<T> ReadAhead<T> {
    fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        ReadAhead {
            concurrency,
            limit: concurrency.saturating_mul(READ_AHEAD),
            next: 0,
            started: 0,
            arrived: std::collections::BTreeMap::new(),
        }
    }

    /// Whether another page may be started with `in_flight` requests under way.
    fn may_start(&self, in_flight: usize) -> bool {
        in_flight < self.concurrency && self.started < self.next.saturating_add(self.limit)
    }

    fn started(&mut self) {
        self.started += 1;
    }

    fn arrived(&mut self, index: usize, page: T) {
        self.arrived.insert(index, page);
    }

    /// The next page in order, when it has arrived.
    fn take_next(&mut self) -> Option<T> {
        let page = self.arrived.remove(&self.next)?;
        self.next += 1;
        Some(page)
    }
}

/// The incremental start value of the request sequence `inc` tracks (its window's start, or
/// its parent's), for the declarative steps' cursor comparisons; `None` without steps, so a
/// resource without them never locks or copies it.
fn start_value(def: &ResourceDef, inc: Option<&Mutex<Incremental>>) -> Option<Value> {
    if def.processing_steps.is_empty() {
        return None;
    }
    let inc = inc?.lock().ok()?;
    inc.value(crate::def::IncrementalValue::StartValue).cloned()
}

#[cfg(test)]
mod read_ahead_tests {
    use super::ReadAhead;

    #[test]
    fn pages_are_taken_in_order_and_fetching_runs_at_most_the_window_ahead() {
        let mut w = ReadAhead::new(2);
        // Two in flight at most.
        assert!(w.may_start(1));
        assert!(!w.may_start(2));
        for _ in 0..8 {
            assert!(w.may_start(0));
            w.started();
        }
        // Eight pages (4 windows of 2) ahead of page 0, which has not arrived: no ninth.
        assert!(!w.may_start(0));
        w.arrived(1, "p1");
        w.arrived(2, "p2");
        assert_eq!(w.take_next(), None);
        w.arrived(0, "p0");
        assert_eq!(
            [w.take_next(), w.take_next(), w.take_next(), w.take_next()],
            [Some("p0"), Some("p1"), Some("p2"), None]
        );
        // Three delivered: three more may start.
        for _ in 0..3 {
            assert!(w.may_start(0));
            w.started();
        }
        assert!(!w.may_start(0));
    }
}
