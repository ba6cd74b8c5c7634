//! Extraction: runs a source's resources (parents before children, concurrently where allowed)
//! and emits typed pages as type-erased [`ExtractEvent`]s for the pipeline to load.
//!
//! CONTRACT (shared with `load::pipeline` and generated code; keep these names):
//! - generated code builds one [`ResourceHandle`] per resource with `ResourceHandle::of::<R>()`;
//! - the pipeline calls [`Extractor::run`] and loads each [`ExtractEvent::Page`] as it arrives.

mod array_split;
mod body_format;
mod check;
mod cursors;
mod error;
mod graph;
mod guard;
mod in_order;
mod json_page;
mod page;
mod request;
mod resource_pages;
mod stream_pages;

pub use check::{CheckOutcome, CheckReport, Problem};
pub use error::ExtractError;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::StreamExt;

use crate::http::{ClientConfig, Counters, HttpClient, RetryWait, SharedBudget};
use graph::{Internal, NodeSpec};
use page::DecodeFn;

use crate::def::{ResourceDef, SourceDef};
use crate::record::{Record, RowWriter};
use crate::secret::SecretValues;
use crate::shard::Role;
use crate::transform::Transforms;

/// A page of records of one resource, type-erased so one writer can load every resource.
pub trait RowBatch: Send {
    /// Number of records.
    fn len(&self) -> usize;
    /// True when there are no records.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Writes record `index` (column values, then extras).
    fn write_row(&self, index: usize, row: &mut dyn RowWriter);
    /// The records' typed layout ([`crate::record::Record::TABLES`]); empty without one.
    fn tables(&self) -> &'static [crate::record::TypedTable] {
        &[]
    }
    /// Writes record `index`'s rows in that layout; `false` when the record declines
    /// ([`crate::record::Record::write_tables`]).
    fn write_tables(&self, _index: usize, _rows: &mut dyn crate::record::TableRows) -> bool {
        false
    }
}

impl<R: crate::record::Record> RowBatch for Vec<R> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn write_row(&self, index: usize, row: &mut dyn RowWriter) {
        self[index].write_row(row)
    }
    fn tables(&self) -> &'static [crate::record::TypedTable] {
        R::TABLES
    }
    fn write_tables(&self, index: usize, rows: &mut dyn crate::record::TableRows) -> bool {
        self[index].write_tables(rows)
    }
}

/// What extraction reports to the pipeline.
pub enum ExtractEvent {
    /// Records of one page, in API order.
    Page {
        /// The resource.
        resource: &'static ResourceDef,
        /// The records.
        batch: Box<dyn RowBatch>,
    },
    /// The resource finished: every page was emitted. Carries the new incremental state.
    ResourceDone {
        /// The resource.
        resource: &'static ResourceDef,
        /// New incremental last value, to commit with the resource's rows.
        incremental: Option<serde_json::Value>,
    },
    /// Every page of a resource with `checkpoint` so far was emitted (sent every N pages):
    /// the pipeline commits its rows with this incremental state, so a failed run resumes
    /// from here.
    Checkpoint {
        /// The resource.
        resource: &'static ResourceDef,
        /// The incremental state after the pages emitted so far.
        incremental: Option<serde_json::Value>,
    },
    /// Sent last, when every resource finished and the run changed its auth state (an OAuth2
    /// token endpoint rotated a refresh token): the pipeline stores it under
    /// [`restsource_core::names::AUTH_STATE`] with the run's rows, and the next run reads it
    /// back in place of the spec's refresh token.
    AuthState {
        /// `{"refresh_tokens": {"<secret>": "<token>"}}`; the tokens are credentials.
        state: serde_json::Value,
    },
}

/// A resource of a generated source, type-erased. Generated code builds it with
/// [`ResourceHandle::of`]; the extraction layer keeps monomorphized entry points inside.
#[derive(Clone, Copy)]
pub struct ResourceHandle {
    /// The resource's description.
    pub def: &'static ResourceDef,
    /// Decodes a page into `Vec<R>` (the monomorphized entry point).
    decode: DecodeFn,
    /// The parent resource's handle ([`Record::PARENT`]), so a parent fetched only to feed
    /// this resource decodes with its own record struct.
    parent: Option<fn() -> ResourceHandle>,
    /// Records stay JSON ([`ResourceHandle::json`]), and so do its parents'.
    json: bool,
}

impl std::fmt::Debug for ResourceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceHandle")
            .field("resource", &self.def.name)
            .finish()
    }
}

impl ResourceHandle {
    /// The handle of resource `R` (a `const fn`, so a child's [`Record::PARENT`] can name
    /// its parent's).
    pub const fn of<R: Record>() -> Self {
        ResourceHandle {
            def: R::RESOURCE,
            decode: page::decode_typed::<R>,
            parent: R::PARENT,
            json: false,
        }
    }

    /// A handle for a resource without a record type: its records (and its parents') are
    /// decoded as the JSON the API sent. [`Extractor::json_pages`] reads them; a pipeline
    /// cannot load them (loading binds declared columns through a record type). This is how
    /// `restsource infer` samples an API through a spec read at run time.
    pub const fn json(def: &'static ResourceDef) -> Self {
        ResourceHandle {
            def,
            decode: json_page::decode_json,
            parent: None,
            json: true,
        }
    }
}

/// The engine's events as they happen.
type EventReceiver = tokio::sync::mpsc::Receiver<Result<Internal, ExtractError>>;

/// Incremental start values read from the destination, by resource name.
pub type StartState = std::collections::HashMap<String, serde_json::Value>;

/// Tuning knobs for a run.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Resources fetched at once (default 8). With `page_concurrency` this bounds the requests
    /// in flight to one API; a spec's `rate_limit` is the way to be gentler with it.
    pub resource_concurrency: usize,
    /// Pages of one offset/page_number resource in flight once the total is known (default 8).
    pub page_concurrency: usize,
    /// Child requests in flight per parallelized child resource (default 8).
    pub child_concurrency: usize,
    /// Largest response body accepted, in bytes (default 64 MiB).
    pub max_body_bytes: usize,
    /// Multiplier on every retry wait (default 1.0). Tests and dry runs set it low so a
    /// spec's real backoff policy can be exercised without real waiting.
    pub backoff_scale: f64,
    /// Pages fetched per paginated request sequence (per parent record for a child), then
    /// the resource stops as if its paginator had: what sampling needs (`restsource infer
    /// --pages N`). `None` (the default) follows the paginator to its end.
    pub max_pages: Option<u64>,
    /// Where the last `step` window ends for a resource without `end_value`. `None` (the
    /// default) reads the clock when the resource starts; tests set it to get the same
    /// windows every run.
    pub window_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Records delivered per paginated request sequence (per parent record for a child,
    /// per window), counted as the API sends them (before the incremental filter and
    /// transforms); the last page is cut to fit and no further page is requested:
    /// `--limit-records N`. `None` (the default) delivers every record.
    pub max_records: Option<u64>,
    /// Records decoded and delivered at once from a response read as a stream (a top-level
    /// JSON array whose other content nothing needs; default 1000). Bounds the memory such
    /// a response takes, whatever its size.
    pub stream_batch: usize,
    /// Bytes of such a response read whole before it is read as a stream (default 8 MiB):
    /// a shorter one is one page, as any body, and a failure while reading it is retried;
    /// a longer one is delivered in batches and not retried once records were delivered.
    pub stream_after_bytes: usize,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            resource_concurrency: 8,
            page_concurrency: 8,
            child_concurrency: 8,
            max_body_bytes: 64 * 1024 * 1024,
            backoff_scale: 1.0,
            max_pages: None,
            window_end: None,
            max_records: None,
            stream_batch: 1000,
            stream_after_bytes: 8 * 1024 * 1024,
        }
    }
}

/// What an extractor did: the pipeline report's request figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractStats {
    /// HTTP requests sent (including retries and token requests).
    pub requests: u64,
    /// Retries.
    pub retries: u64,
    /// Pages decoded.
    pub pages: u64,
    /// Response body bytes received.
    pub bytes: u64,
}

/// Runs the resources of one source: HTTP client, auth, retries, pagination, parents.
pub struct Extractor {
    def: &'static SourceDef,
    secrets: SecretValues,
    base_url: Option<String>,
    options: ExtractOptions,
    counters: Arc<Counters>,
    transforms: Transforms,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("source", &self.def.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Extractor {
    /// An extractor for `def` with its secrets.
    pub fn new(def: &'static SourceDef, secrets: SecretValues) -> Self {
        Extractor {
            def,
            secrets,
            base_url: None,
            options: ExtractOptions::default(),
            counters: Arc::default(),
            transforms: Transforms::default(),
        }
    }

    /// Sends requests to `url` instead of the spec's base URL.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Replaces the tuning options.
    pub fn with_options(mut self, options: ExtractOptions) -> Self {
        self.options = options;
        self
    }

    /// Adds a typed filter to `R`'s resource: its records for which `keep` returns false are
    /// neither loaded nor passed to child resources. Runs after the incremental filter (the
    /// cursor state counts the records it drops, as dlt's processing steps run after its
    /// incremental step), in order with the resource's other transforms.
    pub fn filter<R: Record>(mut self, keep: impl Fn(&R) -> bool + Send + Sync + 'static) -> Self {
        self.transforms.filter(keep);
        self
    }

    /// Adds a typed map to `R`'s resource: every record is replaced by `f` of it before it is
    /// loaded or passed to child resources (after the incremental filter, in order with the
    /// resource's other transforms).
    pub fn map<R: Record>(mut self, f: impl Fn(R) -> R + Send + Sync + 'static) -> Self {
        self.transforms.map(f);
        self
    }

    /// Counters of what this extractor did so far (shared by clones of the run).
    pub fn stats(&self) -> ExtractStats {
        let c = &self.counters;
        ExtractStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            pages: c.pages.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
        }
    }

    /// Every retry wait the client chose so far, in order (before `backoff_scale`).
    pub fn retry_waits(&self) -> Vec<RetryWait> {
        self.counters
            .waits
            .lock()
            .map(|w| w.clone())
            .unwrap_or_default()
    }

    /// The source description.
    pub fn def(&self) -> &'static SourceDef {
        self.def
    }

    fn client(
        &self,
        budget: Option<Arc<dyn SharedBudget>>,
    ) -> Result<Arc<HttpClient>, ExtractError> {
        let config = |message: String| ExtractError::Config {
            resource: self.def.name.to_string(),
            message,
        };
        let raw = self.base_url.as_deref().unwrap_or(self.def.base_url);
        let base_url =
            url::Url::parse(raw).map_err(|e| config(format!("invalid base URL: {e}")))?;
        let cc = ClientConfig {
            base_url,
            max_body_bytes: self.options.max_body_bytes,
            backoff_scale: self.options.backoff_scale,
            stream_after_bytes: self.options.stream_after_bytes,
        };
        let mut client = HttpClient::new(self.def, self.secrets.clone(), cc, self.counters.clone())
            .map_err(|e| config(e.to_string()))?;
        if let Some(budget) = budget {
            client.share_budget(budget);
        }
        Ok(Arc::new(client))
    }

    /// Nodes for `wanted` (with whether each is emitted) plus every ancestor (fetched only
    /// to feed its children, decoded with its own record struct), parents first.
    fn plan(&self, wanted: &[(ResourceHandle, bool)]) -> Result<Vec<NodeSpec>, ExtractError> {
        let mut needed: Vec<(ResourceHandle, bool)> = Vec::new();
        for (handle, emit) in wanted {
            let mut cur = Some((*handle, *emit));
            while let Some((h, emit)) = cur {
                match needed.iter_mut().find(|(n, _)| n.def.name == h.def.name) {
                    // A resource both wanted and an ancestor keeps its own decoder and is
                    // emitted when it is wanted so.
                    Some(n) => n.1 |= emit,
                    None => needed.push((h, emit)),
                }
                cur = match (h.def.parent, h.parent) {
                    (None, _) => None,
                    (Some(p), _) if h.json => Some((ResourceHandle::json(p.resource), false)),
                    (Some(_), Some(parent)) => Some((parent(), false)),
                    (Some(p), None) => {
                        return Err(ExtractError::Config {
                            resource: h.def.name.to_string(),
                            message: format!(
                                "parent resource `{}` has no record type: set `Record::PARENT` \
                                 to its handle (generated records do)",
                                p.resource.name
                            ),
                        })
                    }
                };
            }
        }
        // Dependency order: parents before children.
        let mut ordered: Vec<(ResourceHandle, bool)> = Vec::new();
        while ordered.len() < needed.len() {
            let before = ordered.len();
            for (h, emit) in &needed {
                let ready = h
                    .def
                    .parent
                    .is_none_or(|p| ordered.iter().any(|(o, _)| o.def.name == p.resource.name));
                if ready && !ordered.iter().any(|(o, _)| o.def.name == h.def.name) {
                    ordered.push((*h, *emit));
                }
            }
            if ordered.len() == before {
                break;
            }
        }
        Ok(ordered
            .into_iter()
            .map(|(h, emit)| NodeSpec {
                def: h.def,
                decode: h.decode,
                emit,
                report_done: false,
                partition: None,
                steps: self.transforms.of(h.def.name),
            })
            .collect())
    }

    fn start(
        &self,
        nodes: Vec<NodeSpec>,
        state: StartState,
        budget: Option<Arc<dyn SharedBudget>>,
    ) -> Result<(Arc<HttpClient>, EventReceiver), ExtractError> {
        let client = self.client(budget)?;
        client.seed_auth_state(state.get(restsource_core::names::AUTH_STATE));
        let rx = graph::start(client.clone(), self.def, nodes, state, self.options.clone());
        Ok((client, rx))
    }

    /// The engine's events for `wanted`, as they happen; a plan that cannot start is the
    /// stream's one error.
    fn events(
        &self,
        wanted: &[(ResourceHandle, bool)],
        state: StartState,
    ) -> BoxStream<'static, Result<Internal, ExtractError>> {
        match self.plan(wanted) {
            Ok(nodes) => self.events_of(nodes, state, None),
            Err(e) => Box::pin(futures::stream::once(async { Err(e) })),
        }
    }

    /// The engine's events for `nodes` (planned, parents first), spending the rate limit
    /// from `budget` when other processes share it.
    fn events_of(
        &self,
        nodes: Vec<NodeSpec>,
        state: StartState,
        budget: Option<Arc<dyn SharedBudget>>,
    ) -> BoxStream<'static, Result<Internal, ExtractError>> {
        match self.start(nodes, state, budget) {
            Ok((client, rx)) => {
                // After the last event: the auth state, if this run changed it (read only
                // once the engine is done, so every token request has been answered).
                let before_error = client.clone();
                let last = futures::stream::once(async move { client.auth_state() })
                    .filter_map(|s| async move { s.map(|s| Ok(Internal::AuthState(s))) });
                // Before an error too: a run that fails after a token endpoint rotated the
                // refresh token must still hand the new one on (the old one is retired).
                Box::pin(
                    futures::stream::unfold(rx, |mut rx| async move {
                        rx.recv().await.map(|e| (e, rx))
                    })
                    .flat_map(move |e| {
                        let auth = match &e {
                            Err(_) => before_error
                                .auth_state()
                                .map(|s| Ok(Internal::AuthState(s))),
                            Ok(_) => None,
                        };
                        futures::stream::iter(auth.into_iter().chain(std::iter::once(e)))
                    })
                    .chain(last),
                )
            }
            Err(e) => Box::pin(futures::stream::once(async { Err(e) })),
        }
    }

    /// Every record of resource `R`, in API order (its parents are fetched as needed).
    pub fn records<R: Record>(&self) -> BoxStream<'static, Result<R, ExtractError>> {
        let events = self.events(&[(ResourceHandle::of::<R>(), true)], StartState::new());
        Box::pin(events.flat_map(|ev| {
            // The page's own Vec is iterated: no second Vec per page, no copy per record.
            let (records, err) = match ev {
                Ok(Internal::Page(_, page)) => match page.into_any().downcast::<Vec<R>>() {
                    Ok(records) => (*records, None),
                    Err(_) => (Vec::new(), None),
                },
                Ok(Internal::Done(..) | Internal::Checkpoint(..) | Internal::AuthState(..)) => {
                    (Vec::new(), None)
                }
                Err(e) => (Vec::new(), Some(e)),
            };
            futures::stream::iter(records.into_iter().map(Ok).chain(err.map(Err)))
        }))
    }

    /// Runs `resources` (children after their parents, each parent fetched once) and reports
    /// pages and completions as they happen. Resources with `selected: false` are fetched only
    /// to feed children and never emitted.
    pub fn run(
        &self,
        resources: &[ResourceHandle],
        state: StartState,
    ) -> BoxStream<'static, Result<ExtractEvent, ExtractError>> {
        self.run_shard(resources, state, None, None)
    }

    /// As [`Extractor::run`] for one shard's part of `resources` (all of them without a
    /// plan): the resources it loads are emitted, the parents it reads only to feed them
    /// report their completion (for the shard's state of them), and a split child requests
    /// only the children of the parent records the shard holds. The rate limit is spent
    /// from `budget` when given (shared with other processes).
    pub(crate) fn run_shard(
        &self,
        resources: &[ResourceHandle],
        state: StartState,
        shard: Option<&crate::shard::ShardPlan>,
        budget: Option<Arc<dyn SharedBudget>>,
    ) -> BoxStream<'static, Result<ExtractEvent, ExtractError>> {
        let wanted: Vec<_> = resources
            .iter()
            .filter(|h| shard.is_none_or(|p| p.role(h.def).is_some()))
            .map(|h| (*h, h.def.selected && shard.is_none_or(|p| p.loads(h.def))))
            .collect();
        let events = match self.plan(&wanted) {
            Ok(mut nodes) => {
                if let Some(plan) = shard {
                    for n in &mut nodes {
                        match plan.role(n.def) {
                            Some(Role::Part { filter: true }) => n.partition = Some(plan.shard()),
                            Some(Role::Feed { keep_state: true }) => n.report_done = true,
                            _ => {}
                        }
                    }
                }
                self.events_of(nodes, state, budget)
            }
            Err(e) => Box::pin(futures::stream::once(async { Err(e) })),
        };
        Box::pin(events.filter_map(|ev| async move {
            match ev {
                Ok(Internal::Page(resource, page)) => Some(match page.into_batch() {
                    Some(batch) => Ok(ExtractEvent::Page { resource, batch }),
                    None => Err(ExtractError::Config {
                        resource: resource.name.to_string(),
                        message: "its records have no record type to load them with \
                                  (a JSON handle is for sampling: `Extractor::json_pages`)"
                            .to_string(),
                    }),
                }),
                Ok(Internal::Done(resource, incremental)) => Some(Ok(ExtractEvent::ResourceDone {
                    resource,
                    incremental,
                })),
                Ok(Internal::Checkpoint(resource, incremental)) => {
                    Some(Ok(ExtractEvent::Checkpoint {
                        resource,
                        incremental,
                    }))
                }
                Ok(Internal::AuthState(state)) => Some(Ok(ExtractEvent::AuthState { state })),
                Err(e) => Some(Err(e)),
            }
        }))
    }

    /// Every page of `resources` with its records as JSON, in API order per resource
    /// (parents fetched as needed and not reported), limited by [`ExtractOptions::max_pages`]
    /// when set: the sampling `restsource infer` does. Handles of any kind work; a typed
    /// one's records come back as they serialize.
    pub fn json_pages(
        &self,
        resources: &[ResourceHandle],
        state: StartState,
    ) -> BoxStream<'static, Result<JsonRecords, ExtractError>> {
        let wanted: Vec<_> = resources.iter().map(|h| (*h, true)).collect();
        let events = self.events(&wanted, state);
        Box::pin(events.filter_map(|ev| async move {
            match ev {
                Ok(Internal::Page(resource, page)) => Some(Ok(JsonRecords {
                    resource,
                    records: page.into_json(),
                })),
                Ok(Internal::Done(..) | Internal::Checkpoint(..) | Internal::AuthState(..)) => None,
                Err(e) => Some(Err(e)),
            }
        }))
    }
}

/// One page of a resource's records as JSON ([`Extractor::json_pages`]).
#[derive(Debug)]
pub struct JsonRecords {
    /// The resource.
    pub resource: &'static ResourceDef,
    /// Its records in API order, as the API sent them (a typed resource's as its structs
    /// serialize, undeclared fields included).
    pub records: Vec<serde_json::Value>,
}
