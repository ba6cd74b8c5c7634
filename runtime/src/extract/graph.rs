//! Running several resources: parents before children, each parent fetched once and its
//! records both emitted (when selected) and fanned out to its children.

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, Semaphore};

use super::chain::{Chain, PageSink};
use super::erased::{DecodeFn, Erased};
use super::request::{parent_paths, ParentValues};
use super::{ExtractError, ExtractOptions, StartState};
use crate::def::{PathStep, ResourceDef, SourceDef};
use crate::http::HttpClient;
use crate::incremental::Incremental;

/// One resource to fetch.
pub(crate) struct NodeSpec {
    pub def: &'static ResourceDef,
    pub decode: DecodeFn,
    pub emit: bool,
}

/// What the engine reports.
pub(crate) enum Internal {
    Page(&'static ResourceDef, Box<dyn Erased>),
    Done(&'static ResourceDef, Option<Value>),
}

enum ParentMsg {
    Item(ParentValues),
    Failed(&'static str),
}

type Events = mpsc::Sender<Result<Internal, ExtractError>>;

struct Child {
    paths: Arc<[Vec<PathStep>]>,
    tx: mpsc::UnboundedSender<ParentMsg>,
}

/// Where a node's pages go: the event stream (when emitted) and its children.
struct NodeOut {
    def: &'static ResourceDef,
    emit: bool,
    events: Events,
    children: Vec<Child>,
}

impl PageSink for &NodeOut {
    fn deliver(&mut self, page: Box<dyn Erased>) -> BoxFuture<'_, Result<(), ExtractError>> {
        Box::pin(async move {
            for child in &self.children {
                for i in 0..page.len() {
                    let _ = child.tx.send(ParentMsg::Item(ParentValues::read(
                        self.def.name,
                        &*page,
                        i,
                        &child.paths,
                    )));
                }
            }
            if self.emit {
                let _ = self.events.send(Ok(Internal::Page(self.def, page))).await;
            }
            Ok(())
        })
    }
}

/// Collects a chain's pages (parallel children are delivered in parent order afterwards).
struct Collect(Vec<Box<dyn Erased>>);

impl PageSink for Collect {
    fn deliver(&mut self, page: Box<dyn Erased>) -> BoxFuture<'_, Result<(), ExtractError>> {
        self.0.push(page);
        Box::pin(async { Ok(()) })
    }
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
                let Some(pi) = nodes.iter().position(|m| m.def.name == p.resource) else {
                    continue;
                };
                let (tx, rx) = mpsc::unbounded_channel();
                inputs[i] = Some(rx);
                senders[pi].push(Child {
                    paths: parent_paths(n.def),
                    tx,
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
                events: events.clone(),
                children,
            };
            let (http, state, options) = (http.clone(), state.clone(), options.clone());
            tokio::spawn(async move {
                let result = run_node(&http, source, &n, &out, input, &state, &options).await;
                drop(permit);
                match result {
                    Ok(inc) => {
                        if n.emit {
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
        .map(|d| Mutex::new(Incremental::new(d, state.get(n.def.name))));
    let chain = Chain {
        http,
        source,
        def: n.def,
        decode: n.decode,
        page_concurrency: options.page_concurrency,
        inc: inc.as_ref(),
    };
    match (n.def.parent, input) {
        (None, _) => chain.run(None, &mut &*out).await?,
        (Some(p), None) => {
            return Err(ExtractError::Config {
                resource: n.def.name.to_string(),
                message: format!("parent resource `{}` is not defined", p.resource),
            })
        }
        (Some(_), Some(rx)) => {
            let items =
                futures::stream::unfold(
                    rx,
                    |mut rx| async move { rx.recv().await.map(|m| (m, rx)) },
                );
            if n.def.parallelized {
                let chain = &chain;
                let results = items
                    .map(|msg| async move {
                        let pv = match msg {
                            ParentMsg::Item(pv) => pv,
                            ParentMsg::Failed(parent) => {
                                return Err(ExtractError::ParentFailed {
                                    resource: chain.def.name.to_string(),
                                    parent: parent.to_string(),
                                })
                            }
                        };
                        let mut sink = Collect(Vec::new());
                        chain.run(Some(&pv), &mut sink).await.map(|()| sink.0)
                    })
                    .buffered(options.child_concurrency.max(1));
                futures::pin_mut!(results);
                while let Some(pages) = results.next().await {
                    for page in pages? {
                        (&*out).deliver(page).await?;
                    }
                }
            } else {
                futures::pin_mut!(items);
                while let Some(msg) = items.next().await {
                    match msg {
                        ParentMsg::Item(pv) => chain.run(Some(&pv), &mut &*out).await?,
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
    Ok(inc
        .and_then(|m| m.into_inner().ok())
        .and_then(|i| i.state()))
}
