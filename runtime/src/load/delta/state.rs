//! The bookkeeping beside the tables: `_rs_state.json` (incremental state, and per writer its
//! run sequence number and the commit list of a run being applied) and
//! `_rs_loads/<load id>.json` (one record per load). Each is one object written by a single
//! put, which is atomic on S3 and on a local directory (object_store writes a temporary file and
//! renames it), so a reader or the next run sees the old object or the new one, never a
//! half-written one.
//!
//! **Writers.** An unsharded run keeps its sequence number and pending run at the top of the
//! manifest; each shard (`I/N`) keeps its own under `shards`, so shards running at once never
//! finish or overwrite each other's runs. Their incremental states share one map: the shard plan
//! gives every key to exactly one shard.
//!
//! **Concurrent updates.** On S3 every change is a read, a change and a conditional put
//! (`If-Match` on the ETag read): a put that lost a race to another shard reads again and
//! re-applies its change, so no shard's states are lost. A local directory has no conditional
//! replace (object_store's local store refuses it); there the runs' directory lock orders them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use object_store::{
    path::Path, Error as ObjectStoreError, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions,
    UpdateVersion,
};

use super::super::{text, LoadError};
use super::lease::Leases;
use super::table::TableCommit;
use crate::load::writer::LoadStatus;

/// The state object's name under the destination root.
pub const STATE_OBJECT: &str = "_rs_state.json";
/// The folder of load records under the destination root.
pub const LOADS_FOLDER: &str = "_rs_loads";

/// A run whose files are written and whose table commits may be under way: once this is
/// stored the run counts as committed, and whoever reads it (the run itself, or the next run
/// after a crash) applies every table commit it lists and then the state.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The run's load id.
    pub load_id: String,
    /// The run's sequence number: the `txn` version of its table commits.
    pub seq: i64,
    /// One commit per table the run wrote, in the order they are applied.
    pub tables: Vec<TableCommit>,
    /// The incremental states the run reached, by resource.
    pub state: BTreeMap<String, serde_json::Value>,
    /// The normalized schema of each resource loaded relationally, as the run leaves it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, serde_json::Value>,
    /// The run's `completed` load record, stored once the state is (none for a checkpoint):
    /// a run finished by the next one is recorded as completed too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<LoadRecord>,
}

/// `_rs_state.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Sequence number of the last unsharded run applied (0 before the first).
    #[serde(default)]
    pub seq: i64,
    /// Incremental state by resource (and the auth state under `_rs_auth`), shared by every
    /// writer.
    #[serde(default)]
    pub state: BTreeMap<String, serde_json::Value>,
    /// The normalized schema of each resource loaded relationally (its tables, their
    /// columns and types, as `_rs_schema` holds them in the SQL destinations), shared by
    /// every writer: each run's is merged in, so a column one shard added is kept when
    /// another shard's run is applied after it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, serde_json::Value>,
    /// An unsharded run stored as committed whose table commits may not all be applied yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Each shard's own sequence number and pending run, by shard (`I/N`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shards: BTreeMap<String, Book>,
    /// The runs loading into the lake on object storage, by writer (see `lease`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub leases: Leases,
}

/// One shard's run bookkeeping: what the top of [`Manifest`] holds for unsharded runs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Book {
    /// Sequence number of the shard's last run applied.
    #[serde(default)]
    pub seq: i64,
    /// The shard's run stored as committed and not yet fully applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

impl Manifest {
    /// The last applied sequence number of `writer` (`None`: unsharded runs).
    pub fn seq_of(&self, writer: Option<&str>) -> i64 {
        match writer {
            None => self.seq,
            Some(w) => self.shards.get(w).map_or(0, |b| b.seq),
        }
    }

    /// The pending run of `writer`.
    pub fn pending_of(&self, writer: Option<&str>) -> Option<&Pending> {
        match writer {
            None => self.pending.as_ref(),
            Some(w) => self.shards.get(w).and_then(|b| b.pending.as_ref()),
        }
    }

    /// Every writer's pending run (`None`: the unsharded runs'), unsharded first.
    pub fn pending_runs(&self) -> Vec<(Option<String>, Pending)> {
        let shards = self
            .shards
            .iter()
            .filter_map(|(w, b)| Some((Some(w.clone()), b.pending.clone()?)));
        self.pending
            .clone()
            .map(|p| (None, p))
            .into_iter()
            .chain(shards)
            .collect()
    }

    /// Stores `pending` as `writer`'s pending run (the commit point when `Some`).
    pub fn set_pending(&mut self, writer: Option<&str>, pending: Option<Pending>) {
        match writer {
            None => self.pending = pending,
            Some(w) => self.shards.entry(w.to_string()).or_default().pending = pending,
        }
    }

    /// Records `pending` as applied: its states join the map, `writer`'s sequence number
    /// becomes its, and it is no longer pending.
    pub fn applied(&mut self, writer: Option<&str>, pending: &Pending) {
        self.state.extend(pending.state.clone());
        for (resource, schema) in &pending.schemas {
            let merged = merge_schemas(self.schemas.get(resource), schema);
            self.schemas.insert(resource.clone(), merged);
        }
        match writer {
            None => {
                self.seq = pending.seq;
                self.pending = None;
            }
            Some(w) => {
                let book = self.shards.entry(w.to_string()).or_default();
                book.seq = pending.seq;
                book.pending = None;
            }
        }
    }

    /// Every incremental state a reader must start from: the applied ones, and those of
    /// every writer's run past its commit point (it counts as committed).
    pub fn states(&self) -> BTreeMap<String, serde_json::Value> {
        let mut out = self.state.clone();
        let pendings = self
            .pending
            .iter()
            .chain(self.shards.values().filter_map(|b| b.pending.as_ref()));
        for p in pendings {
            out.extend(p.state.clone());
        }
        out
    }
}

impl Manifest {
    /// The normalized schema of `resource` a run starts from: the stored one with the
    /// schemas of every run past its commit point merged in (their tables may already hold
    /// the columns they added).
    pub fn schema_of(&self, resource: &str) -> Option<serde_json::Value> {
        let pendings = self
            .pending
            .iter()
            .chain(self.shards.values().filter_map(|b| b.pending.as_ref()));
        let mut out = self.schemas.get(resource).cloned();
        for p in pendings {
            if let Some(s) = p.schemas.get(resource) {
                out = Some(merge_schemas(out.as_ref(), s));
            }
        }
        out
    }
}

/// `new` merged into `old`: every table and column either has, with `old`'s types where
/// both have a column. An unreadable `old` gives way to `new`.
fn merge_schemas(old: Option<&serde_json::Value>, new: &serde_json::Value) -> serde_json::Value {
    use crate::normalize::Schema;
    let (Some(mut old), Some(new)) = (old.and_then(Schema::from_json), Schema::from_json(new))
    else {
        return new.clone();
    };
    old.absorb(&new);
    old.to_json()
}

fn store_err(what: &str, e: ObjectStoreError) -> LoadError {
    LoadError::Delta {
        table: String::new(),
        message: format!("{what}: {e}"),
    }
}

/// Reads `_rs_state.json` (an empty manifest when there is none yet).
pub async fn read(store: &dyn ObjectStore) -> Result<Manifest, LoadError> {
    Ok(read_versioned(store).await?.0)
}

/// The manifest and the version it was read at (`None`: no manifest yet).
async fn read_versioned(
    store: &dyn ObjectStore,
) -> Result<(Manifest, Option<UpdateVersion>), LoadError> {
    let path = Path::from(STATE_OBJECT);
    let got = match store.get(&path).await {
        Ok(r) => r,
        Err(ObjectStoreError::NotFound { .. }) => return Ok((Manifest::default(), None)),
        Err(e) => return Err(store_err(STATE_OBJECT, e)),
    };
    let version = UpdateVersion {
        e_tag: got.meta.e_tag.clone(),
        version: got.meta.version.clone(),
    };
    let bytes = got.bytes().await.map_err(|e| store_err(STATE_OBJECT, e))?;
    let manifest = serde_json::from_slice(&bytes).map_err(|source| LoadError::Json {
        what: STATE_OBJECT.to_string(),
        source,
    })?;
    Ok((manifest, Some(version)))
}

/// Puts a manifest lost to another writer's put this many times before the run gives up.
const UPDATE_ATTEMPTS: u32 = 64;

/// Applies `change` to the stored manifest and returns what was stored. With `conditional`
/// (object storage) the put only replaces the version that was read, and a lost race reads
/// and applies `change` again; without it (a local directory, ordered by its lock) the put
/// replaces whatever is there.
pub async fn update<F>(
    store: &dyn ObjectStore,
    conditional: bool,
    mut change: F,
) -> Result<Manifest, LoadError>
where
    F: FnMut(&mut Manifest),
{
    let path = Path::from(STATE_OBJECT);
    let encode = |m: &Manifest| {
        serde_json::to_vec_pretty(m).map_err(|source| LoadError::Json {
            what: STATE_OBJECT.to_string(),
            source,
        })
    };
    for attempt in 0..UPDATE_ATTEMPTS {
        let (mut manifest, version) = read_versioned(store).await?;
        let before = encode(&manifest)?;
        change(&mut manifest);
        let raw = encode(&manifest)?;
        // Nothing changed (a run waiting for a lease, say): no put, so no other writer's
        // conditional put has to start over because of it.
        if raw == before && version.is_some() {
            return Ok(manifest);
        }
        let mode = match (conditional, version) {
            (false, _) => PutMode::Overwrite,
            (true, Some(v)) => PutMode::Update(v),
            (true, None) => PutMode::Create,
        };
        match store
            .put_opts(&path, raw.into(), PutOptions::from(mode))
            .await
        {
            Ok(_) => return Ok(manifest),
            Err(ObjectStoreError::Precondition { .. } | ObjectStoreError::AlreadyExists { .. }) => {
                // Another shard stored its change first: spread the retries a little so the
                // losers do not collide again in lockstep.
                let pause = 5 + u64::from(attempt) * 7 + rand::random::<u64>() % 20;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            Err(e) => return Err(store_err(STATE_OBJECT, e)),
        }
    }
    Err(LoadError::Delta {
        table: String::new(),
        message: format!(
            "{STATE_OBJECT}: {UPDATE_ATTEMPTS} conditional puts in a row lost to other writers"
        ),
    })
}

/// One load's record, `_rs_loads/<load id>.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadRecord {
    /// The load id.
    pub load_id: String,
    /// When the run began (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// `completed`, `failed` or `aborted`.
    pub status: String,
    /// Rows per table the run wrote (kept only when completed).
    pub rows: BTreeMap<String, u64>,
}

impl LoadRecord {
    /// The record of `load_id`, ending now with `status`.
    pub fn new(
        load_id: &str,
        started_at: &str,
        finished_at: DateTime<Utc>,
        status: LoadStatus,
        rows: &BTreeMap<String, u64>,
    ) -> LoadRecord {
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        LoadRecord {
            load_id: load_id.to_string(),
            started_at: started_at.to_string(),
            finished_at: at,
            status: status.as_str().to_string(),
            rows: rows.clone(),
        }
    }
}

/// Stores `record` as `_rs_loads/<load id>.json`.
pub async fn log_load(store: &dyn ObjectStore, record: &LoadRecord) -> Result<(), LoadError> {
    let name = format!("{LOADS_FOLDER}/{}.json", record.load_id);
    let raw = serde_json::to_vec(record).map_err(|source| LoadError::Json {
        what: name.clone(),
        source,
    })?;
    store
        .put(&Path::from(name.as_str()), raw.into())
        .await
        .map_err(|e| store_err(&name, e))?;
    Ok(())
}

/// Every load record under the root, oldest load id first (load ids sort by time).
pub async fn loads(store: &dyn ObjectStore) -> Result<Vec<LoadRecord>, LoadError> {
    use futures::TryStreamExt as _;
    let prefix = Path::from(LOADS_FOLDER);
    let mut metas: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| store_err(LOADS_FOLDER, e))?;
    metas.sort_by(|a, b| a.location.cmp(&b.location));
    let mut out = Vec::with_capacity(metas.len());
    for meta in metas {
        let raw = store
            .get(&meta.location)
            .await
            .map_err(|e| store_err(LOADS_FOLDER, e))?
            .bytes()
            .await
            .map_err(|e| store_err(LOADS_FOLDER, e))?;
        out.push(
            serde_json::from_slice(&raw).map_err(|source| LoadError::Json {
                what: meta.location.to_string(),
                source,
            })?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::memory::InMemory;

    use super::*;

    /// Eight writers read the manifest at once and each adds its own state key, holding
    /// between read and put so that every first put races the others; conditional puts keep
    /// every key (the in-memory store checks ETags as S3 does).
    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn racing_updates_keep_every_writers_change() {
        let store = Arc::new(InMemory::new());
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let updates = (0..8).map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut first = true;
                update(store.as_ref(), true, |m| {
                    if std::mem::take(&mut first) {
                        // Every writer has read the empty manifest before any puts.
                        barrier.wait();
                    }
                    m.state
                        .insert(format!("_rs_shard {i}/8 orders"), serde_json::json!(i));
                    m.set_pending(Some(&format!("{i}/8")), None);
                })
                .await
            })
        });
        for u in futures::future::join_all(updates).await {
            u.unwrap().unwrap();
        }
        let stored = read(store.as_ref()).await.unwrap();
        assert_eq!(stored.state.len(), 8, "{:?}", stored.state.keys());
        assert_eq!(stored.shards.len(), 8);
    }

    #[test]
    fn each_writer_keeps_its_own_sequence_and_pending_run() {
        let pending = |load_id: &str, seq: i64, key: &str| Pending {
            load_id: load_id.to_string(),
            seq,
            tables: Vec::new(),
            state: BTreeMap::from([(key.to_string(), serde_json::json!(seq))]),
            schemas: BTreeMap::new(),
            record: None,
        };
        let mut m = Manifest::default();
        m.set_pending(None, Some(pending("a", 1, "items")));
        m.set_pending(Some("1/2"), Some(pending("b", 1, "_rs_shard 1/2 orders")));
        assert_eq!(m.pending_of(None).map(|p| p.load_id.as_str()), Some("a"));
        assert_eq!(
            m.pending_of(Some("1/2")).map(|p| p.load_id.as_str()),
            Some("b")
        );
        assert_eq!(m.pending_of(Some("0/2")).map(|p| p.load_id.as_str()), None);
        // A pending run's states count for readers before it is applied.
        assert_eq!(m.states().len(), 2);
        assert!(m.state.is_empty());
        let b = pending("b", 1, "_rs_shard 1/2 orders");
        m.applied(Some("1/2"), &b);
        assert_eq!((m.seq_of(Some("1/2")), m.seq_of(None)), (1, 0));
        assert!(m.pending_of(Some("1/2")).is_none());
        assert!(m.pending_of(None).is_some());
        assert_eq!(m.state.keys().collect::<Vec<_>>(), ["_rs_shard 1/2 orders"]);
        // Manifests written before shards existed still read.
        let old: Manifest = serde_json::from_str(r#"{"seq": 3, "state": {"items": 1}}"#).unwrap();
        assert_eq!((old.seq, old.shards.len()), (3, 0));
    }
}
