//! Running several resources: parents before children, each parent fetched once and its
//! records both emitted (when selected) and fanned out to its children.

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, Semaphore};

use super::cursors::NodeCursor;
use super::in_order::run_in_order;
use super::page::{DecodeFn, DecodedPage};
use super::request::{parent_paths, ParentValues};
use super::resource_pages::{Forward, PageSink, ResourcePages};
use super::{ExtractError, ExtractOptions, StartState};
use crate::def::{PathStep, ResourceDef, SourceDef};
use crate::http::HttpClient;
use crate::shard::Shard;
use crate::transform::PageSteps;

/// One resource to fetch.
pub(crate) struct NodeSpec {
    pub def: &'static ResourceDef,
    pub decode: DecodeFn,
    pub emit: bool,
    /// Reports the resource's completion (with its incremental state) although its pages
    /// are not emitted: a parent a shard reads only to feed its part of a child.
    pub report_done: bool,
    /// Requests only the children of the parent records this shard holds.
    pub partition: Option<Shard>,
    /// The resource's typed transforms, if the source has any.
    pub steps: Option<PageSteps>,
}

/// What the engine reports.
pub(crate) enum Internal {
    Page(&'static ResourceDef, Box<dyn DecodedPage>),
    Done(&'static ResourceDef, Option<Value>),
    /// Every page of the resource so far was sent; its incremental state after them.
    Checkpoint(&'static ResourceDef, Option<Value>),
    /// The run's new auth state, after every other event.
    AuthState(Value),
}

enum ParentMsg {
    Item(ParentValues),
    Failed(&'static str),
}

type Events = mpsc::Sender<Result<Internal, ExtractError>>;

struct Child {
    paths: Arc<[Vec<PathStep>]>,
    tx: mpsc::UnboundedSender<ParentMsg>,
    /// Only the parent records this shard holds go to the child.
    partition: Option<Shard>,
}

/// Where a node's pages go: the event stream (when emitted) and its children.
struct NodeOut {
    def: &'static ResourceDef,
    emit: bool,
    /// Typed transforms, run before the page feeds children or is emitted.
    steps: Option<PageSteps>,
    events: Events,
    children: Vec<Child>,
}

impl PageSink for &NodeOut {
    fn deliver(
        &mut self,
        mut page: Box<dyn DecodedPage>,
    ) -> BoxFuture<'_, Result<(), ExtractError>> {
        Box::pin(async move {
            if let Some(steps) = &self.steps {
                steps.run(page.as_any_mut());
            }
            for child in &self.children {
                for i in 0..page.len() {
                    let values = ParentValues::read(self.def.name, &*page, i, &child.paths);
                    if child.partition.is_none_or(|s| s.holds(&values.values)) {
                        let _ = child.tx.send(ParentMsg::Item(values));
                    }
                }
            }
            if self.emit {
                let _ = self.events.send(Ok(Internal::Page(self.def, page))).await;
            }
            Ok(())
        })
    }

    fn checkpoint(&mut self, state: Option<Value>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.emit {
                let _ = self
                    .events
                    .send(Ok(Internal::Checkpoint(self.def, state)))
                    .await;
            }
        })
    }
}

/// Pages a parallel child may fetch ahead of its turn to deliver.
const CHILD_PAGES_AHEAD: usize = 2;

/// One parallel child's run, its pages forwarded.
async fn run_child(
    pages: &ResourcePages<'_>,
    msg: ParentMsg,
    mut sink: Forward,
) -> Result<(), ExtractError> {
    match msg {
        ParentMsg::Item(pv) => pages.run(Some(&pv), &mut sink).await,
        ParentMsg::Failed(parent) => Err(ExtractError::ParentFailed {
            resource: pages.def.name.to_string(),
            parent: parent.to_string(),
        }),
    }
}

/// Runs one child per parent record, up to `width` at once, and delivers their pages in
/// parent order ([`run_in_order`], at most [`CHILD_PAGES_AHEAD`] pages held per child).
async fn run_children_in_parallel(
    pages: &ResourcePages<'_>,
    items: impl futures::Stream<Item = ParentMsg> + Send,
    out: &NodeOut,
    width: usize,
) -> Result<(), ExtractError> {
    let run = |msg: ParentMsg, child_pages: Forward| run_child(pages, msg, child_pages);
    run_in_order(items, width, CHILD_PAGES_AHEAD, run, &mut &*out).await
}

/// Starts every node (given parents-first) and returns the event stream.
pub(crate) fn start(
    http: Arc<HttpClient>,
    source: &'static SourceDef,
    nodes: Vec<NodeSpec>,
    state: StartState,
    options: ExtractOptions,
) -> mpsc::Receiver<Result<Internal, ExtractError>> {
    let (events, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(options.resource_concurrency.max(1)));
        let mut inputs: Vec<Option<mpsc::UnboundedReceiver<ParentMsg>>> = Vec::new();
        let mut senders: Vec<Vec<Child>> = Vec::new();
        for _ in &nodes {
            inputs.push(None);
            senders.push(Vec::new());
        }
        for (i, n) in nodes.iter().enumerate() {
            if let Some(p) = n.def.parent {
                let Some(pi) = nodes.iter().position(|m| m.def.name == p.resource.name) else {
                    continue;
                };
                let (tx, rx) = mpsc::unbounded_channel();
                inputs[i] = Some(rx);
                senders[pi].push(Child {
                    paths: parent_paths(n.def),
                    tx,
                    partition: n.partition,
                });
            }
        }
        // Permits are taken in dependency order, so a child never holds one its parent needs
        // (children's inputs are unbounded, so a running parent never waits on a child).
        for ((n, input), children) in nodes.into_iter().zip(inputs).zip(senders) {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let out = NodeOut {
                def: n.def,
                emit: n.emit,
                steps: n.steps.clone(),
                events: events.clone(),
                children,
            };
            let (http, state, options) = (http.clone(), state.clone(), options.clone());
            tokio::spawn(async move {
                let result = run_node(&http, source, &n, &out, input, &state, &options).await;
                drop(permit);
                match result {
                    Ok(inc) => {
                        if n.emit || n.report_done {
                            let _ = out.events.send(Ok(Internal::Done(n.def, inc))).await;
                        }
                    }
                    Err(e) => {
                        for c in &out.children {
                            let _ = c.tx.send(ParentMsg::Failed(n.def.name));
                        }
                        let _ = out.events.send(Err(e)).await;
                    }
                }
            });
        }
    });
    rx
}

async fn run_node(
    http: &HttpClient,
    source: &'static SourceDef,
    n: &NodeSpec,
    out: &NodeOut,
    input: Option<mpsc::UnboundedReceiver<ParentMsg>>,
    state: &StartState,
    options: &ExtractOptions,
) -> Result<Option<Value>, ExtractError> {
    let inc = n
        .def
        .endpoint
        .incremental
        .as_ref()
        .map(|d| NodeCursor::new(n.def, d, state.get(n.def.name)));
    let pages = ResourcePages {
        http,
        source,
        def: n.def,
        decode: n.decode,
        page_concurrency: options.page_concurrency,
        max_pages: options.max_pages,
        inc: inc.as_ref(),
        retry: None,
        window_end: Some(options.window_end.unwrap_or_else(chrono::Utc::now)),
        max_records: options.max_records,
        stream_batch: options.stream_batch,
        max_record_bytes: options.max_body_bytes,
        first_batch_only: false,
    };
    match (n.def.parent, input) {
        (None, _) => pages.run(None, &mut &*out).await?,
        (Some(p), None) => {
            return Err(ExtractError::Config {
                resource: n.def.name.to_string(),
                message: format!("parent resource `{}` is not defined", p.resource.name),
            })
        }
        (Some(_), Some(rx)) => {
            let items =
                futures::stream::unfold(
                    rx,
                    |mut rx| async move { rx.recv().await.map(|m| (m, rx)) },
                );
            if n.def.parallelized {
                run_children_in_parallel(&pages, items, out, options.child_concurrency.max(1))
                    .await?;
            } else {
                futures::pin_mut!(items);
                while let Some(msg) = items.next().await {
                    match msg {
                        ParentMsg::Item(pv) => pages.run(Some(&pv), &mut &*out).await?,
                        ParentMsg::Failed(parent) => {
                            return Err(ExtractError::ParentFailed {
                                resource: n.def.name.to_string(),
                                parent: parent.to_string(),
                            })
                        }
                    }
                }
            }
        }
    }
    Ok(inc.and_then(NodeCursor::state))
}
