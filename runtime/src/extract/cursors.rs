//! The incremental cursors of one resource in one run, and its date windows.
//!
//! A resource without a parent has one cursor. A child has one per parent record (dlt#2429):
//! its state is `{"parents": {"<parent key>": <state>, ...}}`, the parent key being the JSON
//! array of the parent values the child reads (its placeholders and `include_from_parent`),
//! so a parent met for the first time starts from `initial_value` while the others resume
//! where they stopped. A child state of the single shape (written before this) is the start
//! of every parent it does not list.

use std::sync::Mutex;

use serde_json::{Map, Value};

use super::in_order::run_in_order;
use super::request::ParentValues;
use super::resource_pages::{Forward, PageSink, ResourcePages};
use super::ExtractError;
use crate::def::{IncrementalDef, ResourceDef};
use crate::incremental::Incremental;

/// The key of a child's per-parent states.
const PARENTS: &str = "parents";

/// Pages a window may fetch ahead of its turn to deliver.
const WINDOW_PAGES_AHEAD: usize = 2;

/// The cursor(s) of one resource in one run.
// One per resource per run: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum NodeCursor {
    /// One cursor for every request sequence of the resource.
    Shared(Mutex<Incremental>),
    /// One cursor per parent record.
    PerParent(PerParent),
}

/// A child's cursors, one per parent record.
pub(crate) struct PerParent {
    def: &'static IncrementalDef,
    /// The stored states by parent key.
    stored: Map<String, Value>,
    /// A stored state of the single shape: the start of parents not in `stored`.
    fallback: Option<Value>,
    /// The states this run reached, by parent key.
    reached: Mutex<Map<String, Value>>,
}

impl NodeCursor {
    /// The cursor(s) of `def` (which has `incremental`) from its stored state.
    pub fn new(
        def: &'static ResourceDef,
        inc: &'static IncrementalDef,
        state: Option<&Value>,
    ) -> Self {
        if def.parent.is_none() {
            let cursor = Incremental::new(inc, state);
            // A checkpoint stores the furthest cursor so far: only exact for ordered records.
            return NodeCursor::Shared(Mutex::new(match def.checkpoint {
                Some(_) => cursor.in_order(),
                None => cursor,
            }));
        }
        let (stored, fallback) = match state {
            Some(Value::Object(m)) if m.contains_key(PARENTS) => (
                m.get(PARENTS)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                None,
            ),
            other => (Map::new(), other.cloned()),
        };
        NodeCursor::PerParent(PerParent {
            def: inc,
            stored,
            fallback,
            reached: Mutex::new(Map::new()),
        })
    }

    /// The state to commit once the resource finished (`None` for a backfill).
    pub fn state(self) -> Option<Value> {
        match self {
            NodeCursor::Shared(m) => m.into_inner().ok()?.state(),
            NodeCursor::PerParent(p) => {
                if p.def.end_value.is_some() {
                    return None;
                }
                let mut all = p.stored;
                all.extend(p.reached.into_inner().ok()?);
                (!all.is_empty()).then(|| serde_json::json!({ PARENTS: all }))
            }
        }
    }
}

impl PerParent {
    fn key(parent: Option<&ParentValues>) -> String {
        parent.map_or_else(
            || "[]".to_string(),
            |p| serde_json::to_string(&p.values).unwrap_or_default(),
        )
    }
}

fn poisoned(def: &ResourceDef) -> ExtractError {
    ExtractError::Config {
        resource: def.name.to_string(),
        message: "incremental state poisoned".into(),
    }
}

impl ResourcePages<'_> {
    /// Fetches, checks and delivers the pages for one parent record (or none), with the
    /// cursor that request sequence uses.
    pub async fn run(
        &self,
        parent: Option<&ParentValues>,
        sink: &mut dyn PageSink,
    ) -> Result<(), ExtractError> {
        match self.inc {
            None => self.sequence(parent, None, sink).await,
            Some(NodeCursor::Shared(m)) => self.with_cursor(parent, m, sink).await,
            Some(NodeCursor::PerParent(p)) => {
                let key = PerParent::key(parent);
                let state = p.stored.get(&key).or(p.fallback.as_ref());
                let m = Mutex::new(Incremental::new(p.def, state));
                self.with_cursor(parent, &m, sink).await?;
                let state = m.into_inner().map_err(|_| poisoned(self.def))?.state();
                if let Some(state) = state {
                    p.reached
                        .lock()
                        .map_err(|_| poisoned(self.def))?
                        .insert(key, state);
                }
                Ok(())
            }
        }
    }

    /// One request sequence, or one per window when the cursor has `step`.
    async fn with_cursor(
        &self,
        parent: Option<&ParentValues>,
        cursor: &Mutex<Incremental>,
        sink: &mut dyn PageSink,
    ) -> Result<(), ExtractError> {
        let windows = match self.window_end {
            Some(now) => cursor.lock().map_err(|_| poisoned(self.def))?.windows(now),
            None => None,
        };
        match windows {
            None => self.sequence(parent, Some(cursor), sink).await,
            Some(Err(message)) => Err(ExtractError::Config {
                resource: self.def.name.to_string(),
                message,
            }),
            Some(Ok(windows)) => {
                tracing::debug!(
                    resource = self.def.name,
                    windows = windows.len(),
                    "incremental range split into windows"
                );
                self.run_windows(parent, cursor, windows, sink).await
            }
        }
    }

    /// Runs the windows, up to `page_concurrency` at once, and delivers their pages in
    /// window order. A window whose turn has not come holds at most [`WINDOW_PAGES_AHEAD`]
    /// pages and then waits, so memory stays bounded by pages however large a window is.
    async fn run_windows(
        &self,
        parent: Option<&ParentValues>,
        cursor: &Mutex<Incremental>,
        windows: Vec<Incremental>,
        sink: &mut dyn PageSink,
    ) -> Result<(), ExtractError> {
        let run_window = |window: Incremental, mut pages: Forward| async move {
            let m = Mutex::new(window);
            self.sequence(parent, Some(&m), &mut pages).await?;
            let window = m.into_inner().map_err(|_| poisoned(self.def))?;
            cursor.lock().map_err(|_| poisoned(self.def))?.merge(window);
            Ok::<(), ExtractError>(())
        };
        let windows = futures::stream::iter(windows);
        run_in_order(
            windows,
            self.page_concurrency,
            WINDOW_PAGES_AHEAD,
            run_window,
            sink,
        )
        .await
    }
}
