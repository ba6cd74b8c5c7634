//! The spec's `rate_limit` as one budget for every process loading a source into one
//! PostgreSQL database (feature `postgres`): N shards send no more than the spec allows.
//!
//! The table [`RATE_BUDGET_TABLE`] keeps, per source, the release instants of its last
//! `budget` requests (oldest first), on the server's clock. A request may go when the oldest
//! of them is at least one window old; it then takes that place. One `UPDATE` does both,
//! so the row lock orders concurrent processes and each re-checks against the row as the
//! process before it left it. That bounds the requests released in any window to `budget`:
//! the same rule as the limiter's per-process release gate, with `budget` =
//! max(floor(rate), burst) and the window `budget / rate` seconds, plus a guard for the
//! time between a release and the moment the API sees the request.

use std::time::Duration;

use futures::future::BoxFuture;
use restsource_core::names::RATE_BUDGET_TABLE;
use restsource_core::sql::quote_ident;
use tokio_postgres::{Client, NoTls};

use super::postgres_lock as pl;
use super::LoadError;
use crate::def::RateLimitDef;
use crate::http::{SharedBudget, WINDOW_GUARD};

/// The longest single wait before checking again.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// A source's `rate_limit`, spent from its row in [`RATE_BUDGET_TABLE`].
#[derive(Debug)]
pub(crate) struct PgBudget {
    client: Client,
    source: String,
    window: Duration,
}

impl PgBudget {
    /// Connects (on the calling runtime) with `conn` into `schema`, and makes sure the
    /// table and the source's row of `limit` exist.
    pub async fn connect(
        conn: &str,
        schema: Option<&str>,
        source: &str,
        limit: RateLimitDef,
    ) -> Result<PgBudget, LoadError> {
        let (client, connection) = tokio_postgres::connect(conn, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "rate budget connection closed");
            }
        });
        let budget = (limit.requests_per_second.floor() as i64)
            .max(i64::from(limit.burst.max(1)))
            .clamp(1, 100_000) as i32;
        let window =
            Duration::from_secs_f64(f64::from(budget) / limit.requests_per_second) + WINDOW_GUARD;
        let table = quote_ident(RATE_BUDGET_TABLE);
        let search_path = schema
            .map(|s| format!("SET search_path TO {};", quote_ident(s)))
            .unwrap_or_default();
        // Creating it under the DDL lock: two first shards would race on `pg_type`.
        client
            .batch_execute(&format!(
                "{search_path} BEGIN; SELECT pg_advisory_xact_lock({}); \
                 CREATE TABLE IF NOT EXISTS {table} (\
                   \"source\" text PRIMARY KEY, \"released\" timestamptz[] NOT NULL); COMMIT;",
                pl::DDL_KEY
            ))
            .await?;
        // A changed budget starts the row afresh.
        client
            .execute(
                &format!(
                    "INSERT INTO {table} (\"source\", \"released\") \
                     VALUES ($1, array_fill('2000-01-01'::timestamptz, ARRAY[$2::int])) \
                     ON CONFLICT (\"source\") DO UPDATE SET \"released\" = excluded.\"released\" \
                     WHERE cardinality({table}.\"released\") <> $2::int"
                ),
                &[&source, &budget],
            )
            .await?;
        Ok(PgBudget {
            client,
            source: source.to_string(),
            window,
        })
    }

    async fn try_release(&self) -> Result<Option<Duration>, tokio_postgres::Error> {
        let table = quote_ident(RATE_BUDGET_TABLE);
        let window = self.window.as_secs_f64();
        // `clock_timestamp()`, read once the row lock is held: `statement_timestamp()` is when
        // the statement began, before it waited for another process's release, and would
        // record this release earlier than it happened.
        let released = self
            .client
            .execute(
                &format!(
                    "UPDATE {table} SET \"released\" = \"released\"[2:] || clock_timestamp() \
                     WHERE \"source\" = $1 \
                       AND clock_timestamp() - \"released\"[1] >= $2 * interval '1 second'"
                ),
                &[&self.source, &window],
            )
            .await?;
        if released == 1 {
            return Ok(None);
        }
        let row = self
            .client
            .query_one(
                &format!(
                    "SELECT extract(epoch FROM \"released\"[1] + $2 * interval '1 second' \
                       - clock_timestamp())::float8 FROM {table} WHERE \"source\" = $1"
                ),
                &[&self.source, &window],
            )
            .await?;
        let secs: f64 = row.try_get(0)?;
        Ok(Some(Duration::from_secs_f64(
            secs.clamp(0.001, MAX_PAUSE.as_secs_f64()),
        )))
    }
}

impl SharedBudget for PgBudget {
    fn acquire(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            loop {
                match self.try_release().await {
                    Ok(None) => return Ok(()),
                    Ok(Some(pause)) => tokio::time::sleep(pause).await,
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
    }
}
