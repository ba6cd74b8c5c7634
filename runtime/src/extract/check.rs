//! `restsource check` and a program's `--check`: one request per resource, each problem
//! named by kind (auth, URL, selector), nothing loaded.
//!
//! A top-level resource is asked for its first page. A child is asked once, for the first
//! record of its parent's first page (a child of a parent with no records is not asked).
//! No request is retried, so a check sends exactly one request per resource it asks (plus
//! an OAuth token request when the auth needs one).

use std::fmt;

use futures::future::BoxFuture;

use super::cursors::NodeCursor;
use super::page::DecodedPage;
use super::request::{parent_paths, ParentValues};
use super::resource_pages::{PageSink, ResourcePages};
use super::{ExtractError, Extractor, ResourceHandle};
use crate::def::RetryDef;
use crate::http::HttpError;
use crate::incremental::Incremental;

/// No retries: a check asks each resource once.
const ONCE: RetryDef = RetryDef {
    max_retries: 0,
    ..RetryDef::DEFAULT
};

/// What kind of problem a resource's check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The API refused the credentials (401, 403) or the token request failed.
    Auth,
    /// The URL is wrong (404, 405, 410, an unreachable host, an invalid path).
    Url,
    /// The answer is not JSON, its records are not where the selector says, or they do not
    /// decode into the resource's record type.
    Selector,
    /// Anything else (a 5xx, a timeout, a paginator that cannot go on).
    Other,
}

impl Problem {
    /// The kind as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Auth => "auth",
            Problem::Url => "url",
            Problem::Selector => "selector",
            Problem::Other => "error",
        }
    }
}

/// One resource's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The first page was read: how many records it held.
    Ok {
        /// Records on the page.
        records: usize,
    },
    /// Not asked: its parent failed or had no records.
    Skipped {
        /// Why.
        reason: String,
    },
    /// The request or its answer failed.
    Failed {
        /// The kind of problem.
        problem: Problem,
        /// The error, redacted like every extraction error.
        message: String,
    },
}

/// Every resource's check, in the order they were asked (parents first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Resource name and outcome.
    pub resources: Vec<(String, CheckOutcome)>,
}

impl CheckReport {
    /// Whether every resource asked answered usable records.
    pub fn passed(&self) -> bool {
        self.resources
            .iter()
            .all(|(_, o)| matches!(o, CheckOutcome::Ok { .. }))
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, outcome) in &self.resources {
            match outcome {
                CheckOutcome::Ok { records } => {
                    writeln!(f, "ok       {name}: {records} records on the first page")?
                }
                CheckOutcome::Skipped { reason } => writeln!(f, "skipped  {name}: {reason}")?,
                CheckOutcome::Failed { problem, message } => {
                    writeln!(f, "{:<8} {name}: {message}", problem.as_str())?
                }
            }
        }
        let failed = self
            .resources
            .iter()
            .filter(|(_, o)| !matches!(o, CheckOutcome::Ok { .. }))
            .count();
        write!(
            f,
            "{} of {} resources ok",
            self.resources.len() - failed,
            self.resources.len()
        )
    }
}

/// Keeps the first page a check reads.
#[derive(Default)]
struct FirstPage(Option<Box<dyn DecodedPage>>);

impl PageSink for FirstPage {
    fn deliver(&mut self, page: Box<dyn DecodedPage>) -> BoxFuture<'_, Result<(), ExtractError>> {
        if self.0.is_none() {
            self.0 = Some(page);
        }
        Box::pin(async { Ok(()) })
    }
}

impl Extractor {
    /// Checks `resources` (and the parents they need, which are checked and reported too):
    /// one request each, nothing loaded. See [`CheckReport`].
    pub async fn check(&self, resources: &[ResourceHandle]) -> Result<CheckReport, ExtractError> {
        let wanted: Vec<_> = resources.iter().map(|h| (*h, true)).collect();
        let nodes = self.plan(&wanted)?;
        let http = self.client(None)?;
        let mut first: Vec<(&'static str, Box<dyn DecodedPage>)> = Vec::new();
        let mut report = CheckReport {
            resources: Vec::new(),
        };
        for n in &nodes {
            let parent = match n.def.parent {
                None => None,
                Some(p) => match first.iter().find(|(name, _)| *name == p.resource.name) {
                    Some((_, page)) if page.len() > 0 => Some(ParentValues::read(
                        p.resource.name,
                        page.as_ref(),
                        0,
                        &parent_paths(n.def),
                    )),
                    _ => {
                        let reason = format!("parent `{}` gave no record", p.resource.name);
                        report
                            .resources
                            .push((n.def.name.to_string(), CheckOutcome::Skipped { reason }));
                        continue;
                    }
                },
            };
            let inc = n
                .def
                .endpoint
                .incremental
                .as_ref()
                .map(|d| NodeCursor::Shared(std::sync::Mutex::new(Incremental::new(d, None))));
            let pages = ResourcePages {
                http: &http,
                source: self.def,
                def: n.def,
                decode: n.decode,
                page_concurrency: 1,
                max_pages: Some(1),
                inc: inc.as_ref(),
                retry: Some(&ONCE),
                window_end: None,
                max_records: None,
                stream_batch: self.options.stream_batch,
                max_record_bytes: self.options.max_body_bytes,
                first_batch_only: true,
            };
            let mut sink = FirstPage::default();
            let outcome = match pages.run(parent.as_ref(), &mut sink).await {
                Ok(()) => {
                    let records = sink.0.as_ref().map_or(0, |p| p.len());
                    if let Some(page) = sink.0 {
                        first.push((n.def.name, page));
                    }
                    CheckOutcome::Ok { records }
                }
                Err(e) => CheckOutcome::Failed {
                    problem: problem(&e),
                    message: e.to_string(),
                },
            };
            report.resources.push((n.def.name.to_string(), outcome));
        }
        Ok(report)
    }
}

/// The kind of problem an extraction error shows.
fn problem(e: &ExtractError) -> Problem {
    match e {
        ExtractError::Http { source, .. } => match source.as_ref() {
            HttpError::Status { status, .. } => match status {
                401 | 403 => Problem::Auth,
                404 | 405 | 410 => Problem::Url,
                _ => Problem::Other,
            },
            HttpError::Token { .. } | HttpError::Refused { .. } | HttpError::Login { .. } => {
                Problem::Auth
            }
            HttpError::Transport { message, .. } if !message.contains("timed out") => Problem::Url,
            HttpError::Build { .. } | HttpError::Redirect { .. } => Problem::Url,
            _ => Problem::Other,
        },
        ExtractError::NotJson { .. }
        | ExtractError::Decode { .. }
        | ExtractError::BadPage { .. } => Problem::Selector,
        ExtractError::Config { message, .. } if message.contains("URL") => Problem::Url,
        _ => Problem::Other,
    }
}
