//! Runs at once into one lake on object storage, where nothing can be locked: each run holds a
//! lease in `_rs_state.json`, taken, renewed and given back by conditional puts.
//!
//! Shards (`I/N`) share a lake by design (each owns its part of every resource), but two
//! runs of the same part would both extract from one state and both commit: an append twice,
//! or one run's state overwriting the other's. So a run takes a lease under its writer's label
//! before it reads any state. An unsharded run's lease keeps every other run out; a shard's
//! keeps out the same shard, shards of another split (`1/2` beside `1/4`) and unsharded runs.
//! A run that finds a live lease in its way waits (up to the pipeline's `lock_timeout`) and
//! then fails naming the holder, as the database destinations' locks do.
//!
//! A lease lasts [`LEASE`] and the run renews it every [`RENEW_EVERY`] while it loads, so a
//! killed run keeps others out for at most [`LEASE`] (expiry is the holder's clock, read by
//! the others' clocks: machines sharing a lake need synchronized clocks). A run that could
//! not renew in time (a stalled process, a store that did not answer) may find its lease
//! taken over; its commit point is a conditional put that checks the lease is still its own,
//! so such a run fails with nothing committed rather than committing over the other run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use object_store::ObjectStore;

use super::state::{self, Manifest};
use crate::load::LoadError;

/// How long a lease keeps other runs out without being renewed.
pub const LEASE: Duration = Duration::from_secs(15);
/// How often a loading run renews its lease: a few missed renewals still keep it.
pub const RENEW_EVERY: Duration = Duration::from_secs(3);
/// How often a run waiting for another's lease looks again.
const POLL: Duration = Duration::from_millis(250);
/// The label of an unsharded run's lease (shards use `I/N`).
const UNSHARDED: &str = "unsharded";

/// One run's claim on the lake.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lease {
    /// The holding run's load id.
    pub load_id: String,
    /// When the claim lapses unless renewed (the holder's clock).
    pub expires: DateTime<Utc>,
}

/// The leases in a manifest, by writer label.
pub type Leases = BTreeMap<String, Lease>;

/// The lease label of `writer` (`None`: an unsharded run).
fn label(writer: Option<&str>) -> &str {
    writer.unwrap_or(UNSHARDED)
}

/// The live lease that keeps `writer` out, if any, other than `load_id`'s own.
fn in_the_way<'m>(
    m: &'m Manifest,
    writer: Option<&str>,
    load_id: &str,
    now: DateTime<Utc>,
) -> Option<&'m Lease> {
    let me = label(writer);
    m.leases.iter().find_map(|(other, lease)| {
        let conflicts = conflict(me, other);
        (conflicts && lease.load_id != load_id && lease.expires > now).then_some(lease)
    })
}

/// Whether runs under lease labels `me` and `other` may not load at once.
fn conflict(me: &str, other: &str) -> bool {
    me == UNSHARDED
        || other == UNSHARDED
        || other == me
        // Shards of another split (`1/2` beside `1/4`) own overlapping parts.
        || shard_count(other) != shard_count(me)
}

/// Whether `writer`'s lease keeps `other`'s runs out (`None`: unsharded runs): while it
/// holds it, no run of `other` is loading.
pub fn excludes(writer: Option<&str>, other: Option<&str>) -> bool {
    conflict(label(writer), label(other))
}

/// The `N` of a shard's label `I/N`.
fn shard_count(label: &str) -> Option<&str> {
    label.split_once('/').map(|(_, n)| n)
}

/// Whether `writer`'s lease is still `load_id`'s: checked in the same conditional put that
/// stores the run's commit point.
pub fn holds(m: &Manifest, writer: Option<&str>, load_id: &str) -> bool {
    m.leases
        .get(label(writer))
        .is_some_and(|l| l.load_id == load_id)
}

/// Takes `writer`'s lease for `load_id`, waiting while another run's live lease is in the
/// way, at most `timeout`; `what` names the lake in the error. Returns the manifest as
/// stored with the lease.
pub async fn take(
    store: &dyn ObjectStore,
    writer: Option<&str>,
    load_id: &str,
    what: &str,
    timeout: Duration,
) -> Result<Manifest, LoadError> {
    let started = Instant::now();
    loop {
        let now = Utc::now();
        let mut holder: Option<String> = None;
        let manifest = state::update(store, true, |m| {
            holder = in_the_way(m, writer, load_id, now).map(|l| l.load_id.clone());
            if holder.is_none() {
                // Lapsed leases are dropped: their runs died or lost them.
                m.leases.retain(|_, l| l.expires > now);
                m.leases.insert(
                    label(writer).to_string(),
                    Lease {
                        load_id: load_id.to_string(),
                        expires: now + LEASE,
                    },
                );
            }
        })
        .await?;
        let Some(holder) = holder else {
            return Ok(manifest);
        };
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(LoadError::Locked {
                what: what.to_string(),
                holder: Some(holder),
                waited,
            });
        }
        tokio::time::sleep(POLL.min(timeout - waited)).await;
    }
}

/// Extends `writer`'s lease of `load_id` by [`LEASE`] from now; `false` if it is no longer
/// the run's (another run took it over after it lapsed).
pub async fn renew(
    store: &dyn ObjectStore,
    writer: Option<&str>,
    load_id: &str,
) -> Result<bool, LoadError> {
    let mut kept = false;
    state::update(store, true, |m| {
        kept = false;
        if let Some(l) = m.leases.get_mut(label(writer)) {
            if l.load_id == load_id {
                l.expires = Utc::now() + LEASE;
                kept = true;
            }
        }
    })
    .await?;
    Ok(kept)
}

/// Gives back `writer`'s lease of `load_id` (if it is still the run's).
pub async fn release(
    store: &dyn ObjectStore,
    writer: Option<&str>,
    load_id: &str,
) -> Result<(), LoadError> {
    state::update(store, true, |m| {
        if holds(m, writer, load_id) {
            m.leases.remove(label(writer));
        }
    })
    .await
    .map(drop)
}

/// A held lease, renewed in the background until it is dropped or given back.
pub struct Held {
    store: Arc<dyn ObjectStore>,
    writer: Option<String>,
    load_id: String,
    renewing: tokio::task::JoinHandle<()>,
}

impl Held {
    /// Starts renewing the lease `take` gave `load_id`, on `rt`.
    pub fn renewing(
        rt: &tokio::runtime::Handle,
        store: Arc<dyn ObjectStore>,
        writer: Option<String>,
        load_id: String,
    ) -> Held {
        let (s, w, id) = (store.clone(), writer.clone(), load_id.clone());
        let renewing = rt.spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                match renew(s.as_ref(), w.as_deref(), &id).await {
                    Ok(true) => {}
                    // Lost: the commit point will find it so and fail the run.
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, "could not renew the lake lease"),
                }
            }
        });
        Held {
            store,
            writer,
            load_id,
            renewing,
        }
    }

    /// Stops renewing and gives the lease back; a failure is only logged (the lease lapses
    /// by itself).
    pub async fn release(self) {
        self.renewing.abort();
        if let Err(e) = release(self.store.as_ref(), self.writer.as_deref(), &self.load_id).await {
            tracing::warn!(error = %e, "could not give back the lake lease; it lapses by itself");
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewing.abort();
    }
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    fn err_holder(e: LoadError) -> Option<String> {
        match e {
            LoadError::Locked { holder, .. } => holder,
            other => panic!("{other}"),
        }
    }

    /// An unsharded run keeps every other run out; shards keep out only their own label and
    /// unsharded runs; a lapsed lease is taken over; a given-back lease frees the lake.
    #[tokio::test]
    async fn leases_keep_out_exactly_the_runs_they_conflict_with() {
        let store = InMemory::new();
        let short = Duration::from_millis(50);
        take(&store, None, "L1", "lake", short).await.unwrap();
        let e = take(&store, Some("1/2"), "L2", "lake", short).await;
        assert_eq!(err_holder(e.unwrap_err()), Some("L1".to_string()));
        let e = take(&store, None, "L3", "lake", short).await;
        assert_eq!(err_holder(e.unwrap_err()), Some("L1".to_string()));
        release(&store, None, "L1").await.unwrap();

        take(&store, Some("1/2"), "S1", "lake", short)
            .await
            .unwrap();
        take(&store, Some("2/2"), "S2", "lake", short)
            .await
            .unwrap();
        let e = take(&store, Some("1/2"), "S3", "lake", short).await;
        assert_eq!(err_holder(e.unwrap_err()), Some("S1".to_string()));
        let e = take(&store, None, "U", "lake", short).await;
        assert!(err_holder(e.unwrap_err()).is_some());
        // Another split overlaps both shards' parts.
        let e = take(&store, Some("1/4"), "Q", "lake", short).await;
        assert!(err_holder(e.unwrap_err()).is_some());

        // Shard 1's lease lapses (its run died): the next run of shard 1 takes it over, and
        // the dead run can no longer commit.
        state::update(&store, true, |m| {
            m.leases.get_mut("1/2").unwrap().expires = Utc::now() - chrono::Duration::seconds(1)
        })
        .await
        .unwrap();
        let m = take(&store, Some("1/2"), "S4", "lake", short)
            .await
            .unwrap();
        assert!(holds(&m, Some("1/2"), "S4"));
        assert!(!holds(&m, Some("1/2"), "S1"));
        assert!(!renew(&store, Some("1/2"), "S1").await.unwrap());
        assert!(renew(&store, Some("1/2"), "S4").await.unwrap());
        let labels: Vec<String> = state::read(&store)
            .await
            .unwrap()
            .leases
            .into_keys()
            .collect();
        assert_eq!(labels, ["1/2", "2/2"]);
    }

    /// A run waiting for a lease takes it as soon as the holder gives it back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_run_takes_the_lease_once_it_is_given_back() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        take(store.as_ref(), None, "A", "lake", LEASE)
            .await
            .unwrap();
        let s = store.clone();
        let waiter = tokio::spawn(async move {
            take(s.as_ref(), None, "B", "lake", Duration::from_secs(10)).await
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(!waiter.is_finished());
        release(store.as_ref(), None, "A").await.unwrap();
        let m = waiter.await.unwrap().unwrap();
        assert!(holds(&m, None, "B"));
    }
}
