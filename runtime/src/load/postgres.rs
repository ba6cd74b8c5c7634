//! PostgreSQL destination (feature `postgres`). Runs on the writer thread and drives the async
//! client with the pipeline's runtime handle. A page's statements run as one task while the
//! writer prepares the next page ([`postgres_pipeline`]); everything else waits for that task
//! first, so the connection's statements stay in order.
//!
//! A run is: the system tables created under a transaction-scoped advisory lock; a liveness
//! lock on its load id and its `running` row, each committed on its own so other runs see
//! them; a lock per loaded resource and per table, in sorted order (see [`postgres_lock`]);
//! then one transaction, opened before the state is read, holding every table change, row,
//! completion and state until `commit_run`. A failed run rolls that transaction back and
//! records `failed` afterwards; a killed one is rolled back by the server, and the next run
//! finds its liveness lock free and marks it `aborted`.
//!
//! [`postgres_lock`]: super::postgres_lock
//! [`postgres_pipeline`]: super::postgres_pipeline

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use super::ahead::{Bin, FlatPage, FlattenPage};
use super::mode::{is_hard_delete, Mode, Plan};
use super::normal_ahead;
use super::normal_writer::NormalWriter;
use super::postgres_lock::{self as pl, APP_PREFIX};
use super::postgres_normal::PgSql;
use super::postgres_page;
use super::postgres_pipeline::Pipeline;
use super::postgres_value::{PgRow, PgValue};
use super::writer::{LoadStatus, Writer};
use super::{quote_ident, LoadError, STAGING_PREFIX};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};
use crate::normalize::RelationalOptions;

const SYSTEM_TABLES: &str =
    restsource_core::sql::system_tables(restsource_core::sql::Dialect::Postgres);

/// Writes into one PostgreSQL database (schema).
pub(crate) struct PostgresWriter {
    rt: tokio::runtime::Handle,
    client: Arc<Client>,
    /// The last page's statements, running while the next page is prepared; settled at the
    /// start of every other call, so all else runs on an idle connection, in order.
    pipe: Pipeline,
    in_tx: bool,
    load_id: String,
    /// The schema the tables live in: part of every lock key.
    schema: String,
    lock_timeout: Duration,
    /// Resource and table lock keys this run holds.
    locked: BTreeSet<i64>,
    plans: HashMap<&'static str, Plan>,
    registered: Vec<&'static ResourceDef>,
    // Keyed by the address of the generated `&'static str`: cheaper than hashing the SQL.
    stmts: HashMap<usize, Statement>,
    /// Relational loading: records normalized into typed root and child tables.
    relational: Option<RelationalOptions>,
    /// Each prepared resource's normalized tables (relational loading only).
    normal: HashMap<&'static str, NormalWriter>,
}

impl PostgresWriter {
    /// Whether this run names its tables as dlt does (then it keeps `_dlt_loads` too).
    fn dlt_names(&self) -> bool {
        self.relational
            .is_some_and(|r| r.system == crate::normalize::SystemColumns::DLT)
    }

    /// Connects and creates the system tables (in `schema` when given); waits at most
    /// `lock_timeout` for other runs.
    pub fn open(
        rt: tokio::runtime::Handle,
        conn: &str,
        schema: Option<&str>,
        lock_timeout: Duration,
        relational: Option<RelationalOptions>,
    ) -> Result<PostgresWriter, LoadError> {
        let (client, connection) = rt.block_on(tokio_postgres::connect(conn, NoTls))?;
        rt.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgres connection closed");
            }
        });
        let client = Arc::new(client);
        let mut w = PostgresWriter {
            rt,
            pipe: Pipeline::new(client.clone()),
            client,
            in_tx: false,
            load_id: String::new(),
            schema: String::new(),
            lock_timeout,
            locked: BTreeSet::new(),
            plans: HashMap::new(),
            registered: Vec::new(),
            stmts: HashMap::new(),
            relational,
            normal: HashMap::new(),
        };
        let set_schema = schema
            .map(|schema| {
                let s = quote_ident(schema);
                format!("CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s};")
            })
            .unwrap_or_default();
        // The server's lock_timeout bounds the wait for another run's (short) DDL; the SET
        // persists after COMMIT, the SET LOCAL does not.
        let ms = lock_timeout.as_millis().max(1);
        let dlt_loads = if w.dlt_names() {
            restsource_core::sql::dlt_loads_table(restsource_core::sql::Dialect::Postgres)
        } else {
            ""
        };
        let ddl = format!(
            "BEGIN; SET LOCAL lock_timeout = '{ms}ms'; SELECT pg_advisory_xact_lock({}); \
             {set_schema} {SYSTEM_TABLES} {dlt_loads} COMMIT;",
            pl::DDL_KEY
        );
        if let Err(e) = w.batch(&ddl) {
            let _ = w.batch("ROLLBACK");
            return Err(match &e {
                LoadError::Postgres(pe)
                    if pe.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) =>
                {
                    LoadError::Locked {
                        what: "the system tables".to_string(),
                        holder: None,
                        waited: lock_timeout,
                    }
                }
                _ => e,
            });
        }
        let row =
            w.rt.block_on(w.client.query_one("SELECT current_schema()::text", &[]))?;
        w.schema = row.try_get::<_, Option<String>>(0)?.unwrap_or_default();
        Ok(w)
    }

    /// Waits for the page still in flight (see [`Pipeline`]).
    fn settle(&mut self) -> Result<(), LoadError> {
        self.pipe.settle(&self.rt)
    }

    fn batch(&self, sql: &str) -> Result<(), LoadError> {
        Ok(self.rt.block_on(self.client.batch_execute(sql))?)
    }

    fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, LoadError> {
        Ok(self.rt.block_on(self.client.execute(sql, params))?)
    }

    fn stmt(&mut self, sql: &'static str) -> Result<Statement, LoadError> {
        let key = sql.as_ptr() as usize;
        if let Some(s) = self.stmts.get(&key) {
            return Ok(s.clone());
        }
        let s = self.rt.block_on(self.client.prepare(sql))?;
        self.stmts.insert(key, s.clone());
        Ok(s)
    }

    /// Stores `def`'s incremental state (when it has one) and its load-resource row's
    /// `status` and `rows`: what completing and checkpointing a resource both write.
    /// The connection as normalized loading runs statements on it.
    fn normal_sql(&mut self) -> PgSql<'_> {
        PgSql {
            rt: &self.rt,
            pipe: &mut self.pipe,
        }
    }

    /// Runs `f` on `def`'s normalized writer with the connection (and this run's load id);
    /// `None` when `def` is not loaded relationally.
    fn with_normal<T>(
        &mut self,
        def: &ResourceDef,
        f: impl FnOnce(&mut NormalWriter, &mut PgSql<'_>, &str) -> Result<T, LoadError>,
    ) -> Option<Result<T, LoadError>> {
        let normal = self.normal.get_mut(def.name)?;
        let mut sql = PgSql {
            rt: &self.rt,
            pipe: &mut self.pipe,
        };
        Some(f(normal, &mut sql, &self.load_id))
    }

    fn record_progress(
        &mut self,
        def: &ResourceDef,
        state: Option<&serde_json::Value>,
        status: &str,
        rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.exec(
                r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES ($1, $2, $3)
                   ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
                &[&def.name, state, &self.load_id],
            )?;
        }
        let rows = i64::try_from(rows).unwrap_or(i64::MAX);
        self.exec(
            r#"UPDATE "_rs_load_resources" SET "status" = $3, "rows" = $4
               WHERE "load_id" = $1 AND "resource" = $2"#,
            &[&self.load_id, &def.name, &status, &rows],
        )?;
        Ok(())
    }

    fn plan(&self, def: &ResourceDef) -> Result<&Plan, LoadError> {
        self.plans.get(def.name).ok_or_else(|| LoadError::Config {
            resource: def.name.to_string(),
            message: "resource written before it was prepared".to_string(),
        })
    }

    /// Takes the locks of `defs` (each resource and each table) not held yet. Every run takes
    /// them in the same order (resources by name, then tables by name), so two runs never
    /// wait on each other in a cycle, and a conflict is reported on the resource first.
    fn lock_resources(&mut self, defs: &[&'static ResourceDef]) -> Result<(), LoadError> {
        let mut wanted: BTreeMap<(u8, &str), i64> = BTreeMap::new();
        for def in defs {
            wanted.insert((0, def.name), pl::key("resource", &self.schema, def.name));
            wanted.insert(
                (1, def.table_name),
                pl::key("table", &self.schema, def.table_name),
            );
        }
        for ((kind, name), key) in wanted {
            if self.locked.contains(&key) {
                continue;
            }
            let what = match kind {
                0 => format!("resource `{name}`"),
                _ => format!("table `{name}`"),
            };
            self.rt
                .block_on(pl::lock(&self.client, key, &what, self.lock_timeout))?;
            self.locked.insert(key);
        }
        Ok(())
    }

    /// Marks loads left `running` by dead processes (their liveness lock is free) `aborted`.
    fn abort_dead_loads(&mut self) -> Result<(), LoadError> {
        let rows = self.rt.block_on(self.client.query(
            r#"SELECT "load_id" FROM "_rs_loads" WHERE "status" = 'running' AND "load_id" <> $1"#,
            &[&self.load_id],
        ))?;
        for row in rows {
            let old: String = row.try_get(0)?;
            let key = pl::load_key(&old);
            if !self.rt.block_on(pl::try_lock(&self.client, key))? {
                continue; // alive: its rows are its own business
            }
            let result = self.abort(&old);
            let unlocked = self.exec("SELECT pg_advisory_unlock($1)", &[&key]);
            result?;
            unlocked?;
        }
        Ok(())
    }

    fn abort(&mut self, old: &str) -> Result<(), LoadError> {
        self.batch("BEGIN")?;
        self.in_tx = true;
        // The status guard: the run may have finished between our read and our lock.
        let n = self.exec(
            r#"UPDATE "_rs_loads" SET "status" = 'aborted' WHERE "load_id" = $1 AND "status" = 'running'"#,
            &[&old],
        )?;
        if n == 1 {
            self.clean_up(old)?;
        }
        self.batch("COMMIT")?;
        self.in_tx = false;
        Ok(())
    }

    /// Deletes what the incomplete resources of `load_id`, a dead load of a version that
    /// committed along the way, left behind (a load of this version left nothing but the
    /// rows of its checkpoints, which stay with the state committed beside them).
    fn clean_up(&mut self, load_id: &str) -> Result<(), LoadError> {
        let rows = self.rt.block_on(self.client.query(
            r#"SELECT "resource", "table_name", "mode" FROM "_rs_load_resources"
               WHERE "load_id" = $1 AND "status" NOT IN ('completed', 'checkpoint')"#,
            &[&load_id],
        ))?;
        for row in rows {
            let (resource, table, mode): (String, String, String) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            match mode.as_str() {
                "append" => {
                    let sql = format!(
                        r#"DELETE FROM {} WHERE "_rs_load_id" = $1"#,
                        quote_ident(&table)
                    );
                    self.exec(&sql, &[&load_id])?;
                }
                "replace" => {
                    let staging = quote_ident(&format!("{STAGING_PREFIX}{table}"));
                    self.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
                }
                _ => {}
            }
            self.exec(
                r#"UPDATE "_rs_load_resources" SET "status" = 'aborted' WHERE "load_id" = $1 AND "resource" = $2"#,
                &[&load_id, &resource],
            )?;
        }
        Ok(())
    }

    fn begin_locked(
        &mut self,
        started_at: DateTime<Utc>,
        defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError> {
        let app = format!("{APP_PREFIX}{}", self.load_id);
        self.exec("SELECT set_config('application_name', $1, false)", &[&app])?;
        // A run's tables grow inside its transaction, where no ANALYZE has seen them. Without
        // statistics the planner guesses that a page's 100 keys match 30% of a table and
        // scans it whole for every merge's key delete (`auto_explain`: a Seq Scan per delete,
        // 1.7 ms at 20,000 rows and growing with the table, so a load was quadratic in its
        // size; and a generic plan cached while the table was small did the same). The
        // run's statements are all by key, or scan a whole table anyway (replace's `DELETE
        // FROM`), so on this connection a scan is the planner's last resort. Plans are then
        // cached as PostgreSQL chooses: planning a page's merge statement each time cost
        // more server time than running it. The scans left (a whole table's, which PostgreSQL
        // still plans as a scan) then look costly enough to be JIT-compiled, which only adds
        // tens of milliseconds to statements this short: JIT is off too.
        self.batch("SET enable_seqscan = off; SET jit = off")?;
        // Taken before the `running` row is visible, so that row always has a live lock
        // behind it until this process dies.
        if !self
            .rt
            .block_on(pl::try_lock(&self.client, pl::load_key(&self.load_id)))?
        {
            return Err(LoadError::Config {
                resource: String::new(),
                message: format!("load id {} is already in use", self.load_id),
            });
        }
        self.abort_dead_loads()?;
        self.exec(
            r#"INSERT INTO "_rs_loads" ("load_id", "started_at", "status") VALUES ($1, $2, 'running')"#,
            &[&self.load_id, &started_at],
        )?;
        if let Err(e) = self.lock_resources(defs) {
            let _ = self.exec(
                r#"UPDATE "_rs_loads" SET "status" = 'failed', "finished_at" = now() WHERE "load_id" = $1"#,
                &[&self.load_id],
            );
            return Err(e);
        }
        self.batch("BEGIN")?;
        self.in_tx = true;
        self.read_state()
    }

    fn release(&mut self) {
        self.locked.clear();
        if let Err(e) = self.rt.block_on(pl::unlock_all(&self.client)) {
            tracing::warn!(error = %e, "could not release the load's locks");
        }
    }
}

impl Writer for PostgresWriter {
    fn read_state(&mut self) -> Result<StartState, LoadError> {
        self.settle()?;
        let rows = self.rt.block_on(
            self.client
                .query(r#"SELECT "resource", "state" FROM "_rs_state""#, &[]),
        )?;
        let mut state = StartState::new();
        for row in rows {
            state.insert(row.try_get(0)?, row.try_get(1)?);
        }
        Ok(state)
    }

    fn save_state(&mut self, key: &str, state: &serde_json::Value) -> Result<(), LoadError> {
        self.settle()?;
        self.exec(
            r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES ($1, $2, $3)
               ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
            &[&key, state, &self.load_id],
        )?;
        Ok(())
    }

    fn begin(
        &mut self,
        load_id: &str,
        started_at: DateTime<Utc>,
        defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError> {
        self.settle()?;
        self.load_id = load_id.to_string();
        let state = self.begin_locked(started_at, defs);
        if state.is_err() {
            if self.in_tx {
                let _ = self.batch("ROLLBACK");
                self.in_tx = false;
            }
            self.release();
        }
        state
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        self.settle()?;
        let plan = Plan::of(def)?;
        // Without defs at `begin` (hand-fed events), the locks come with the first page.
        self.lock_resources(&[def])?;
        if let Some(options) = self.relational {
            let normal = NormalWriter::prepare(&mut self.normal_sql(), def, &plan, options)?;
            self.normal.insert(def.name, normal);
            self.plans.insert(def.name, plan);
            return Ok(());
        }
        let sql = &def.sql.postgres;
        let rows = self.rt.block_on(self.client.query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&def.table_name],
        ))?;
        let mut existing = HashMap::new();
        for row in rows {
            let (name, ty): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            existing.insert(name, ty);
        }
        if existing.is_empty() {
            self.batch(sql.create_table)?;
        } else {
            // Check every column before altering any, so a bad type leaves the table as is.
            super::check_column_types(def, sql, &existing)?;
            for (column, alter) in sql.add_columns {
                if !existing.contains_key(*column) {
                    self.batch(alter)?;
                }
            }
        }
        if matches!(
            plan.mode,
            Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly
        ) {
            for ddl in [sql.create_primary_key, sql.create_merge_key_index] {
                if !ddl.is_empty() {
                    self.batch(ddl)?;
                }
            }
        }
        self.plans.insert(def.name, plan);
        Ok(())
    }

    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        self.settle()?;
        let mode = self.plan(def)?.mode;
        self.registered.push(def);
        let mode_name = mode_name(mode);
        self.exec(
            r#"INSERT INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
               VALUES ($1, $2, $3, $4, 'running', 0)"#,
            &[&self.load_id, &def.name, &def.table_name, &mode_name],
        )?;
        // One transaction holds the run, so emptying the tables here is as atomic as swapping
        // a staging table in.
        if let Some(emptied) = self.with_normal(def, |normal, sql, _| match mode {
            Mode::Replace => normal.truncate(sql),
            _ => Ok(()),
        }) {
            emptied?;
        } else if mode == Mode::Replace {
            self.batch(def.sql.postgres.drop_staging)?;
            self.batch(def.sql.postgres.create_staging)?;
        }
        Ok(())
    }

    fn flatten_ahead(&mut self, bin: &Bin) -> HashMap<&'static str, Box<dyn FlattenPage>> {
        normal_ahead::flatten_ahead(&mut self.normal, bin)
    }

    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError> {
        if let Some(written) = self.with_normal(def, |normal, sql, load_id| {
            normal.write_batch(sql, def, batch, flat, load_id)
        }) {
            return written.map(|_| ());
        }
        let plan = self.plan(def)?.clone();
        if postgres_page::write_page(&mut self.pipe, def, &plan, batch, &self.load_id, at)? {
            return self.pipe.send(&self.rt);
        }
        self.settle()?;
        let sql = &def.sql.postgres;
        let main = self.stmt(match plan.mode {
            Mode::Append => sql.insert,
            Mode::Replace => sql.insert_staging,
            Mode::DeleteInsert if def.primary_key.is_empty() => sql.insert,
            Mode::DeleteInsert => sql.merge_upsert,
            Mode::Upsert => sql.upsert,
            Mode::InsertOnly => sql.insert_only,
        })?;
        let by_mk = match plan.mode {
            Mode::DeleteInsert if !def.merge_key.is_empty() => {
                Some(self.stmt(sql.delete_by_merge_key)?)
            }
            _ => None,
        };
        let by_pk = match plan.hard_delete {
            Some(_) if !def.primary_key.is_empty() => Some(self.stmt(sql.delete_by_primary_key)?),
            _ => None,
        };
        let ncols = def.columns.len();
        let mut ops: Vec<(Statement, Vec<PgValue>)> = Vec::with_capacity(batch.len());
        for i in 0..batch.len() {
            if let Some(stmt) = &by_mk {
                let mut row = PgRow::new(Some(&plan.mk_params), def.merge_key.len() + 1);
                batch.write_row(i, &mut row);
                row.vals[def.merge_key.len()] = PgValue::Text(self.load_id.clone());
                ops.push((stmt.clone(), row.vals));
            }
            if is_hard_delete(def, &plan, batch, i) {
                if let Some(stmt) = &by_pk {
                    let mut row = PgRow::new(Some(&plan.pk_params), def.primary_key.len());
                    batch.write_row(i, &mut row);
                    ops.push((stmt.clone(), row.vals));
                }
                continue;
            }
            let mut row = PgRow::new(None, ncols + 3);
            batch.write_row(i, &mut row);
            row.vals[ncols + 1] = PgValue::Text(self.load_id.clone());
            row.vals[ncols + 2] = PgValue::Timestamp(at);
            ops.push((main.clone(), row.vals));
        }
        let client = &self.client;
        let futures = ops.iter().map(|(stmt, vals)| {
            let params: Vec<&(dyn ToSql + Sync)> =
                vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            async move { client.execute(stmt, &params).await }
        });
        self.rt.block_on(futures::future::try_join_all(futures))?;
        Ok(())
    }

    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError> {
        self.settle()?;
        let mode = self.plan(def)?.mode;
        if let Some(saved) = self.with_normal(def, |normal, sql, load_id| {
            normal.save(sql, def.name, load_id)
        }) {
            saved?;
        } else if mode == Mode::Replace {
            for stmt in def.sql.postgres.replace_from_staging {
                self.batch(stmt)?;
            }
        }
        self.record_progress(def, state, "completed", rows)
    }

    fn checkpoint(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError> {
        self.settle()?;
        if let Some(saved) = self.with_normal(def, |normal, sql, load_id| {
            normal.save(sql, def.name, load_id)
        }) {
            saved?;
        }
        self.record_progress(def, state, "checkpoint", rows)?;
        // The advisory locks are the session's: they hold across the two transactions.
        self.batch("COMMIT")?;
        self.in_tx = false;
        self.batch("BEGIN")?;
        self.in_tx = true;
        Ok(())
    }

    fn commit_run(
        &mut self,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.settle()?;
        let rows = serde_json::to_value(rows).unwrap_or_default();
        self.exec(
            r#"UPDATE "_rs_loads" SET "finished_at" = $2, "status" = 'completed', "rows" = $3 WHERE "load_id" = $1"#,
            &[&self.load_id, &finished_at, &rows],
        )?;
        if self.dlt_names() {
            // dlt's status 0 is "loaded"; the row commits with the rows it announces.
            self.exec(
                r#"INSERT INTO "_dlt_loads" ("load_id", "status", "inserted_at") VALUES ($1, 0, $2)"#,
                &[&self.load_id, &finished_at],
            )?;
        }
        self.batch("COMMIT")?;
        self.in_tx = false;
        self.release();
        Ok(())
    }

    fn fail_run(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        // What is in flight ends first (or fails: the transaction is aborted then), so that
        // no statement of it follows the ROLLBACK outside the transaction.
        let _ = self.settle();
        if self.in_tx {
            let _ = self.batch("ROLLBACK");
            self.in_tx = false;
        }
        let result = self.record(status, finished_at, rows);
        if result.is_err() && self.in_tx {
            let _ = self.batch("ROLLBACK");
            self.in_tx = false;
        }
        self.release();
        result
    }
}

impl PostgresWriter {
    /// Records the end of a discarded run in a short transaction of its own.
    fn record(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.batch("BEGIN")?;
        self.in_tx = true;
        let json = serde_json::to_value(rows).unwrap_or_default();
        self.exec(
            r#"UPDATE "_rs_loads" SET "finished_at" = $2, "status" = $3, "rows" = $4 WHERE "load_id" = $1"#,
            &[&self.load_id, &finished_at, &status.as_str(), &json],
        )?;
        for def in std::mem::take(&mut self.registered) {
            let mode = self.plans.get(def.name).map_or(Mode::Append, |p| p.mode);
            let n =
                i64::try_from(rows.get(def.table_name).copied().unwrap_or(0)).unwrap_or(i64::MAX);
            self.exec(
                r#"INSERT INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
                   VALUES ($1, $2, $3, $4, $5, $6)
                   ON CONFLICT ("load_id", "resource") DO UPDATE SET "status" = excluded."status", "rows" = excluded."rows""#,
                &[&self.load_id, &def.name, &def.table_name, &mode_name(mode), &status.as_str(), &n],
            )?;
        }
        self.batch("COMMIT")?;
        self.in_tx = false;
        Ok(())
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Append => "append",
        Mode::Replace => "replace",
        Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly => "merge",
    }
}
