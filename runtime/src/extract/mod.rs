//! Extraction: runs a source's resources (parents before children, concurrently where allowed)
//! and emits typed pages as type-erased [`ExtractEvent`]s for the pipeline to load.
//!
//! CONTRACT (shared with `load::pipeline` and generated code; keep these names):
//! - generated code builds one [`ResourceHandle`] per resource with `ResourceHandle::of::<R>()`;
//! - the pipeline calls [`extract`] and loads each [`ExtractEvent::Page`] as it arrives.

mod error;

pub use error::ExtractError;

use futures::stream::BoxStream;

use crate::def::{ResourceDef, SourceDef};
use crate::record::{Record, RowWriter};
use crate::secret::SecretValues;

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
}

impl<R: crate::record::Record> RowBatch for Vec<R> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn write_row(&self, index: usize, row: &mut dyn RowWriter) {
        self[index].write_row(row)
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
}

/// A resource of a generated source, type-erased. Generated code builds it with
/// [`ResourceHandle::of`]; the extraction layer keeps monomorphized entry points inside.
#[derive(Clone, Copy)]
pub struct ResourceHandle {
    /// The resource's description.
    pub def: &'static ResourceDef,
}

impl ResourceHandle {
    /// The handle of resource `R`.
    pub fn of<R: Record>() -> Self {
        ResourceHandle { def: R::RESOURCE }
    }
}

/// Incremental start values read from the destination, by resource name.
pub type StartState = std::collections::HashMap<String, serde_json::Value>;

/// Tuning knobs for a run.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Resources fetched at once (default 4).
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
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            resource_concurrency: 4,
            page_concurrency: 8,
            child_concurrency: 8,
            max_body_bytes: 64 * 1024 * 1024,
            backoff_scale: 1.0,
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
}

impl Extractor {
    /// An extractor for `def` with its secrets.
    pub fn new(def: &'static SourceDef, secrets: SecretValues) -> Self {
        Extractor {
            def,
            secrets,
            base_url: None,
            options: ExtractOptions::default(),
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

    /// Counters of what this extractor did so far (shared by clones of the run).
    pub fn stats(&self) -> ExtractStats {
        ExtractStats::default()
    }

    /// The source description.
    pub fn def(&self) -> &'static SourceDef {
        self.def
    }

    /// Every record of resource `R`, in API order (its parents are fetched as needed).
    pub fn records<R: Record>(&self) -> BoxStream<'static, Result<R, ExtractError>> {
        let _ = (&self.secrets, &self.base_url, &self.options);
        Box::pin(futures::stream::empty())
    }

    /// Runs `resources` (children after their parents, each parent fetched once) and reports
    /// pages and completions as they happen.
    pub fn run(
        &self,
        resources: &[ResourceHandle],
        state: StartState,
    ) -> BoxStream<'static, Result<ExtractEvent, ExtractError>> {
        let _ = (resources, state);
        Box::pin(futures::stream::empty())
    }
}
