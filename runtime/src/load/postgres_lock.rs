//! PostgreSQL advisory locks that keep concurrent runs apart (feature `postgres`).
//!
//! Every lock is a session advisory lock on a 64-bit key hashed from a kind and names, so it
//! lives exactly as long as the run's connection: a killed process loses its locks the moment
//! the server sees the connection drop, and a lock nobody holds proves its run is gone. Waits
//! poll `pg_try_advisory_lock` instead of blocking, so they end at the run's `lock_timeout`
//! with a message naming the holder, and never take part in a server-side deadlock.

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::LoadError;

/// Serializes creating the schema and system tables (in a short transaction of its own):
/// two first runs into a new database would otherwise race on `pg_type`'s unique index.
pub(crate) const DDL_KEY: i64 = 0x7273_6464_6c00_0001; // "rsddl" + 1

/// Prefix of the `application_name` of a run's connection, followed by its load id: how a
/// waiting run names the load that holds a lock.
pub(crate) const APP_PREFIX: &str = "restsource load ";

/// The key of `(kind, scope, name)`: FNV-1a over the parts, so every process computes the
/// same key without asking the server.
pub(crate) fn key(kind: &str, scope: &str, name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [kind, scope, name] {
        for b in part.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h as i64
}

/// The liveness key of a load: held by its run for the run's whole life.
pub(crate) fn load_key(load_id: &str) -> i64 {
    key("load", "", load_id)
}

/// Tries once to take the session lock `key`.
pub(crate) async fn try_lock(client: &Client, key: i64) -> Result<bool, LoadError> {
    let row = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await?;
    Ok(row.try_get(0)?)
}

/// Takes the session lock `key`, polling until `timeout`; then fails naming `what` and the
/// load holding it.
pub(crate) async fn lock(
    client: &Client,
    key: i64,
    what: &str,
    timeout: Duration,
) -> Result<(), LoadError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        if try_lock(client, key).await? {
            return Ok(());
        }
        let spent = start.elapsed();
        if spent >= timeout {
            return Err(LoadError::Locked {
                what: what.to_string(),
                holder: holder(client, key).await,
                waited: timeout,
            });
        }
        tokio::time::sleep(pause.min(timeout - spent)).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// The load id of the session holding `key`, when the server lets us see it.
async fn holder(client: &Client, key: i64) -> Option<String> {
    // A bigint advisory key is stored as classid (high half) and objid (low half).
    let bits = key as u64;
    let (hi, lo) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let row = client
        .query_opt(
            "SELECT a.application_name::text FROM pg_locks l \
             JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::text::bigint = $1 AND l.objid::text::bigint = $2 \
             LIMIT 1",
            &[&hi, &lo],
        )
        .await
        .ok()??;
    let name: String = row.try_get(0).ok()?;
    name.strip_prefix(APP_PREFIX).map(str::to_string)
}

/// Releases every session lock of this connection.
pub(crate) async fn unlock_all(client: &Client) -> Result<(), LoadError> {
    client
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .await?;
    Ok(())
}
