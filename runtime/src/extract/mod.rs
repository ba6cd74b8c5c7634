//! Extraction: runs a source's resources (parents before children, concurrently where allowed)
//! and emits typed pages as type-erased [`ExtractEvent`]s for the pipeline to load.
//!
//! CONTRACT (shared with `load::pipeline` and generated code; keep these names):
//! - generated code builds one [`ResourceHandle`] per resource with `ResourceHandle::of::<R>()`;
//! - the pipeline calls [`extract`] and loads each [`ExtractEvent::Page`] as it arrives.

use crate::def::ResourceDef;
use crate::record::RowWriter;

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

/// A resource of a generated source, type-erased.
#[derive(Clone, Copy)]
pub struct ResourceHandle {
    /// The resource's description.
    pub def: &'static ResourceDef,
}
