//! Flattening ahead of the writer: the schema-free half of normalizing a page (names, nested
//! objects, lists, row ids: [`crate::normalize`]'s `flatten_record`) runs on a thread of its
//! own, between the pipeline's channel and the writer thread, while the writer places and
//! writes the page before. The writer's half (types, variants, contracts, new columns, SQL)
//! stays in order on the writer thread.
//!
//! It is a thread, not the pipeline's task: a page's flattening is CPU work that would hold a
//! tokio worker (and the HTTP and decoding work queued behind it) for its whole length.
//!
//! The flatteners come from the writer once every resource is prepared, with the settings
//! and JSON columns its own flattening would use, so a page flattened ahead gives exactly the
//! rows it would have given on the writer thread.

use std::any::Any;
use std::collections::HashMap;
use std::sync::mpsc;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
use super::normal_typed::TypedRecord;
use super::writer::{Messages, Msg, Writer};
use super::LoadError;
use crate::extract::RowBatch;
use crate::normalize::FlatRecord;

/// Pages flattened ahead and not yet taken by the writer: with the page being flattened and
/// the pipeline's own channel, what bounds the memory this stage adds.
const QUEUED: usize = 2;

/// A page's records, flattened or, where the record writes its own rows, written typed.
pub(crate) type FlatPage = Vec<AheadRecord>;

/// One record as the flattening thread leaves it for the writer.
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "delta")),
    allow(dead_code)
)]
pub(crate) enum AheadRecord {
    /// Flattened: the writer places its rows as normalization does.
    Flat(FlatRecord),
    /// Its rows written from its typed fields, with their ids
    /// ([`super::normal_typed`]); the writer only finds their columns.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
    Typed(TypedRecord),
}

/// One resource's flattening, as its writer does it.
pub(crate) trait FlattenPage: Send {
    /// Every record of `batch`, flattened or written typed (into buffers from `spare`).
    fn page(&self, batch: &dyn RowBatch, spare: &mut Spare) -> FlatPage;
}

/// Typed records the writer is done with, kept on the flattening thread to write the next
/// ones into: a record's buffers (its rows, their values' and types' room, its ids) are
/// allocated once, not once per record. Allocating them afresh for every record, and freeing
/// them when the writer sent them back, was a sixth of the flattening thread's instructions
/// on typed wide records.
#[derive(Default)]
pub(crate) struct Spare {
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
    records: Vec<TypedRecord>,
}

/// Typed records kept at most: two pages' worth (the pages queued ahead of the writer).
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
const SPARE: usize = 512;

/// Rows a kept typed record may have room for.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
const SPARE_ROWS: usize = 64;

impl Spare {
    /// A record to write into: a kept one, or a new one.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
    pub fn record(&mut self) -> TypedRecord {
        self.records.pop().unwrap_or_default()
    }

    /// Keeps `record` (emptied) for a later one.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
    pub fn keep(&mut self, mut record: TypedRecord) {
        // A record of many child rows is not kept: its room would stay taken for good.
        if self.records.len() < SPARE && record.rows() <= SPARE_ROWS {
            record.release();
            self.records.push(record);
        }
    }

    /// Frees `garbage`, keeping the typed records of a page the writer is done with.
    fn salvage(&mut self, garbage: Box<dyn Any + Send>) {
        #[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
        if let Ok(page) = garbage.downcast::<FlatPage>() {
            for record in *page {
                if let AheadRecord::Typed(r) = record {
                    self.keep(r);
                }
            }
        }
        #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "delta")))]
        drop(garbage);
    }
}

/// Where the writer sends what it is done with of the records flattened ahead (their emptied
/// rows, the values it wrote), so that the flattening thread frees them. glibc's allocator
/// frees a block allocated by another thread under that thread's arena lock (with every value
/// of every page freed across, flattening ahead took 1.3x the time of one thread doing it
/// all), and mimalloc takes a slower path for it than for its own: with this, the same load
/// took 1.80 s under mimalloc, without it 1.99 s.
#[derive(Clone)]
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) struct Bin(mpsc::Sender<Box<dyn Any + Send>>);

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
impl Bin {
    /// Hands `garbage` to the flattening thread to free; frees it here once that thread is
    /// gone.
    pub fn discard<T: Send + 'static>(&self, garbage: T) {
        let _ = self.0.send(Box::new(garbage));
    }
}

/// The writer's messages: `rx` itself, or, when `w` loads some resource relationally, the
/// output of a thread that flattens those resources' pages ahead of it.
pub(crate) fn messages(
    rx: tokio::sync::mpsc::Receiver<Msg>,
    w: &mut dyn Writer,
) -> Result<Box<dyn Messages>, LoadError> {
    let (bin, garbage) = mpsc::channel();
    let flatteners = w.flatten_ahead(&Bin(bin.clone()));
    if flatteners.is_empty() {
        return Ok(Box::new(rx));
    }
    Ok(Box::new(Ahead::start(rx, flatteners, garbage, Bin(bin))?))
}

/// The writer's source of messages when pages are flattened ahead: the flattening thread's
/// output, in the pipeline's order.
///
/// The thread is not joined: it ends once the pipeline closes its channel, or at its next
/// message once the writer has dropped this.
struct Ahead {
    rx: mpsc::Receiver<Msg>,
    /// Where written pages' records go to be freed.
    bin: Bin,
}

impl Ahead {
    /// Starts the thread that takes `rx`'s messages, flattens each page of a resource that
    /// `flatteners` names, hands every message on in order, and frees what the writer puts
    /// in `garbage`.
    fn start(
        mut rx: tokio::sync::mpsc::Receiver<Msg>,
        flatteners: HashMap<&'static str, Box<dyn FlattenPage>>,
        garbage: mpsc::Receiver<Box<dyn Any + Send>>,
        bin: Bin,
    ) -> Result<Ahead, LoadError> {
        let (tx, out) = mpsc::sync_channel(QUEUED);
        std::thread::Builder::new()
            .name("restsource-flatten".into())
            .spawn(move || {
                let mut spare = Spare::default();
                while let Some(mut msg) = rx.blocking_recv() {
                    while let Ok(done) = garbage.try_recv() {
                        spare.salvage(done);
                    }
                    if let Msg::Page {
                        def, batch, flat, ..
                    } = &mut msg
                    {
                        if let Some(f) = flatteners.get(def.name) {
                            *flat = Some(f.page(batch.as_ref(), &mut spare));
                        }
                    }
                    // The writer stopped (its error reaches the run on its own); dropping
                    // `rx` then closes the pipeline's channel too.
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
            })
            .map_err(|source| LoadError::Io {
                path: "flattening thread".into(),
                source,
            })?;
        Ok(Ahead { rx: out, bin })
    }
}

impl Messages for Ahead {
    fn next_msg(&mut self) -> Result<Option<Msg>, LoadError> {
        Ok(self.rx.recv().ok())
    }

    fn done_with(&mut self, batch: Box<dyn RowBatch>) {
        self.bin.discard(batch);
    }
}
