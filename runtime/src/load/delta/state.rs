//! The bookkeeping beside the tables: `_rs_state.json` (incremental state, the run sequence
//! number, and a run's commit list while it is being applied) and `_rs_loads/<load id>.json`
//! (one record per load). Each is one object written by a single put, which is atomic on S3
//! and on a local directory (object_store writes a temporary file and renames it), so a
//! reader or the next run sees the old object or the new one, never a half-written one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use object_store::{path::Path, Error as ObjectStoreError, ObjectStore, ObjectStoreExt as _};

use super::super::{text, LoadError};
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
    /// The run's `completed` load record, stored once the state is (none for a checkpoint):
    /// a run finished by the next one is recorded as completed too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<LoadRecord>,
}

/// `_rs_state.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Sequence number of the last run applied (0 before the first).
    #[serde(default)]
    pub seq: i64,
    /// Incremental state by resource (and the auth state under `_rs_auth`).
    #[serde(default)]
    pub state: BTreeMap<String, serde_json::Value>,
    /// A run stored as committed whose table commits may not all be applied yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

fn store_err(what: &str, e: ObjectStoreError) -> LoadError {
    LoadError::Delta {
        table: String::new(),
        message: format!("{what}: {e}"),
    }
}

/// Reads `_rs_state.json` (an empty manifest when there is none yet).
pub async fn read(store: &dyn ObjectStore) -> Result<Manifest, LoadError> {
    let path = Path::from(STATE_OBJECT);
    let bytes = match store.get(&path).await {
        Ok(r) => r.bytes().await.map_err(|e| store_err(STATE_OBJECT, e))?,
        Err(ObjectStoreError::NotFound { .. }) => return Ok(Manifest::default()),
        Err(e) => return Err(store_err(STATE_OBJECT, e)),
    };
    serde_json::from_slice(&bytes).map_err(|source| LoadError::Json {
        what: STATE_OBJECT.to_string(),
        source,
    })
}

/// Replaces `_rs_state.json` with one put.
pub async fn save(store: &dyn ObjectStore, manifest: &Manifest) -> Result<(), LoadError> {
    let raw = serde_json::to_vec_pretty(manifest).map_err(|source| LoadError::Json {
        what: STATE_OBJECT.to_string(),
        source,
    })?;
    store
        .put(&Path::from(STATE_OBJECT), raw.into())
        .await
        .map_err(|e| store_err(STATE_OBJECT, e))?;
    Ok(())
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
