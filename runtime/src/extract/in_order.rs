//! Request sequences run side by side and delivered in order: one child resource per parent
//! record, or one incremental window after another. The sequences start in order, up to a
//! width at once; each sends its pages into its own small channel, and the consumer drains
//! the channels in the order the sequences started. A sequence whose turn has not come holds
//! at most `ahead` pages and then waits, and at most `width` sequences are started and not yet
//! delivered, so memory is bounded by pages, never by how much one sequence returns.

use std::future::Future;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::page::DecodedPage;
use super::resource_pages::{Forward, PageSink};
use super::ExtractError;

type PageRx = mpsc::Receiver<Box<dyn DecodedPage>>;

/// Runs `run(item, pages)` for every item of `items`, up to `width` at once, and delivers every
/// sequence's pages to `sink` in the items' order.
pub(super) async fn run_in_order<I, F, Fut>(
    items: impl Stream<Item = I> + Send,
    width: usize,
    ahead: usize,
    run: F,
    sink: &mut dyn PageSink,
) -> Result<(), ExtractError>
where
    F: Fn(I, Forward) -> Fut,
    Fut: Future<Output = Result<(), ExtractError>>,
{
    // A permit is a started sequence not yet delivered: it travels with the sequence's page
    // receiver, in order, and is released once the consumer has drained it.
    let permits = Arc::new(Semaphore::new(width.max(1)));
    let (order_tx, mut order_rx) = mpsc::unbounded_channel::<(PageRx, OwnedSemaphorePermit)>();
    let produce = async move {
        let mut items = std::pin::pin!(items);
        let mut running = futures::stream::FuturesUnordered::new();
        let mut slot = None;
        let mut more = true;
        loop {
            // Every branch is cancel-safe: a stream's next item, a permit, a sequence's result.
            tokio::select! {
                permit = permits.clone().acquire_owned(), if more && slot.is_none() => {
                    slot = permit.ok();
                }
                item = items.next(), if more && slot.is_some() => match (item, slot.take()) {
                    (Some(item), Some(permit)) => {
                        let (tx, rx) = mpsc::channel(ahead);
                        let _ = order_tx.send((rx, permit));
                        running.push(run(item, Forward(tx)));
                    }
                    _ => more = false,
                },
                Some(result) = running.next() => result?,
                else => return Ok::<(), ExtractError>(()),
            }
        }
    };
    let consume = async {
        while let Some((mut pages, permit)) = order_rx.recv().await {
            while let Some(page) = pages.recv().await {
                sink.deliver(page).await?;
            }
            drop(permit);
        }
        Ok(())
    };
    futures::try_join!(produce, consume).map(|_| ())
}
