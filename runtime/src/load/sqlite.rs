//! SQLite destination.
//!
//! A run is one write transaction, from `begin` (`BEGIN IMMEDIATE`) to `commit_run`: SQLite
//! has one writer at a time, so that transaction is also the run's lock, and a second run
//! waits for it (busy timeout = the pipeline's `lock_timeout`) or fails with
//! [`LoadError::Locked`]. Dirty pages beyond the page cache spill into the WAL, so memory
//! stays bounded whatever the run's size; a killed process leaves only uncommitted WAL frames,
//! which SQLite ignores. A failed run rolls back to the savepoint taken after recovery and
//! records its failure in the same transaction, without giving up the lock.
//!
//! Journal settings are deliberate: WAL with `synchronous=NORMAL` keeps every committed run
//! across a killed process (only an OS crash or power loss can drop the last commit, and then
//! rows, state and completion drop together) while avoiding an fsync per commit.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, ErrorCode};

use super::ahead::{Bin, FlatPage, FlattenPage};
use super::mode::{is_hard_delete, Mode, Plan};
use super::normal_ahead;
use super::normal_writer::NormalWriter;
use super::sqlite_bind::{Binder, Buffers};
use super::sqlite_normal::SqliteSql;
use super::sqlite_raw::RawStatements;
use super::writer::{LoadStatus, Writer};
use super::{quote_ident, text, LoadError, STAGING_PREFIX};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};
use crate::normalize::RelationalOptions;

/// The writer connection's page cache, in KiB (SQLite's default is 2,000 KiB): all SQLite
/// holds of the database in memory, whatever the size of the data.
const PAGE_CACHE_KIB: i64 = 4096;

const SYSTEM_TABLES: &str =
    restsource_core::sql::system_tables(restsource_core::sql::Dialect::Sqlite);

/// Writes into one SQLite database.
pub(crate) struct SqliteWriter {
    /// The statements relational inserts keep prepared: declared before `conn` so that they
    /// are dropped (finalized) before it closes.
    raw: RawStatements,
    conn: Connection,
    path: PathBuf,
    lock_timeout: Duration,
    in_tx: bool,
    load_id: String,
    started_at: String,
    plans: HashMap<&'static str, Plan>,
    registered: Vec<&'static ResourceDef>,
    buf: Buffers,
    at: String,
    /// Relational loading: records normalized into typed root and child tables.
    relational: Option<RelationalOptions>,
    /// Each prepared resource's normalized tables (relational loading only).
    normal: HashMap<&'static str, NormalWriter>,
}

impl SqliteWriter {
    /// Opens (creating) the database at `path`; waits at most `lock_timeout` for other runs.
    pub fn open(
        path: &Path,
        lock_timeout: Duration,
        relational: Option<RelationalOptions>,
    ) -> Result<SqliteWriter, LoadError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(lock_timeout)?;
        let w = SqliteWriter {
            raw: RawStatements::default(),
            conn,
            path: path.to_path_buf(),
            lock_timeout,
            in_tx: false,
            load_id: String::new(),
            started_at: String::new(),
            plans: HashMap::new(),
            registered: Vec::new(),
            buf: Buffers::default(),
            at: String::new(),
            relational,
            normal: HashMap::new(),
        };
        // Switching a new database to WAL needs it to itself; another run may hold it, and
        // SQLite answers this pragma's lock conflict at once, without its busy handler: wait
        // here instead, within the lock timeout.
        let started = std::time::Instant::now();
        loop {
            match w.conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(e) if is_busy(&e) && started.elapsed() < lock_timeout => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(w.busy(e)),
            }
        }
        w.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A load appends far more pages than a checkpoint every 1,000 (the default) suits:
        // each checkpoint copies the B-trees' hot pages again and syncs the database. The WAL
        // grows to about 64 MiB on disk instead, and is checkpointed whole at close.
        w.conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
        // A run is one transaction, so the WAL holds all of its pages until it commits; cut
        // the file back after the checkpoint that follows instead of keeping its peak size.
        w.conn
            .pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        // A run is one transaction: once its dirty pages outgrow the page cache, SQLite spills
        // them to the WAL and reads them back when the B-tree needs them again. Six resources
        // loading at once (each a table, its child tables and their indexes) outgrow the
        // default 2 MiB: 6 x 20,000 wide records took 53,000 writes and 35,000 reads of a
        // page; with 4 MiB, 37,000 and 19,000, and barely fewer with more (8 MiB: 36,000
        // and 18,000).
        w.conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        w.conn.set_prepared_statement_cache_capacity(256);
        Ok(w)
    }

    /// `SQLITE_BUSY` after the busy timeout becomes the typed lock error; others pass.
    fn busy(&self, e: rusqlite::Error) -> LoadError {
        match &e {
            e if is_busy(e) => LoadError::Locked {
                what: format!("SQLite database `{}`", self.path.display()),
                holder: None,
                waited: self.lock_timeout,
            },
            _ => e.into(),
        }
    }

    /// Starts a write transaction (the lock) with the system tables in place.
    fn begin_immediate(&mut self) -> Result<(), LoadError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.busy(e))?;
        self.in_tx = true;
        self.conn.execute_batch(SYSTEM_TABLES)?;
        if self.dlt_names() {
            self.conn
                .execute_batch(restsource_core::sql::dlt_loads_table(
                    restsource_core::sql::Dialect::Sqlite,
                ))?;
        }
        Ok(())
    }

    /// Whether this run names its tables as dlt does (then it keeps `_dlt_loads` too).
    fn dlt_names(&self) -> bool {
        self.relational
            .is_some_and(|r| r.system == crate::normalize::SystemColumns::DLT)
    }

    fn begin_in_tx(&mut self, load_id: &str) -> Result<StartState, LoadError> {
        // Any committed `running` row is stale: a live run holds this write lock, and this
        // version commits its `running` row only at a checkpoint (otherwise it is part of the
        // run's transaction). Older versions committed along the way too.
        let running: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare(r#"SELECT "load_id" FROM "_rs_loads" WHERE "status" = 'running'"#)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for old in running {
            self.clean_up(&old, LoadStatus::Aborted)?;
            self.conn.execute(
                r#"UPDATE "_rs_loads" SET "status" = 'aborted' WHERE "load_id" = ?1"#,
                [&old],
            )?;
        }
        // A failed run rolls back to here: recovery above stays, the run's work goes.
        self.conn.execute_batch(r#"SAVEPOINT "run""#)?;
        self.conn.execute(
            r#"INSERT INTO "_rs_loads" ("load_id", "started_at", "status") VALUES (?1, ?2, 'running')"#,
            params![load_id, self.started_at],
        )?;
        load_state(&self.conn)
    }

    fn rollback_all(&mut self) {
        if self.in_tx {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.in_tx = false;
        }
    }

    /// Stores `def`'s incremental state (when it has one) and its load-resource row's
    /// `status` and `rows`: what completing and checkpointing a resource both write.
    fn record_progress(
        &mut self,
        def: &ResourceDef,
        state: Option<&serde_json::Value>,
        status: &str,
        rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.conn.execute(
                r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES (?1, ?2, ?3)
                   ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
                params![def.name, state.to_string(), self.load_id],
            )?;
        }
        self.conn.execute(
            r#"UPDATE "_rs_load_resources" SET "status" = ?3, "rows" = ?4
               WHERE "load_id" = ?1 AND "resource" = ?2"#,
            params![
                self.load_id,
                def.name,
                status,
                i64::try_from(rows).unwrap_or(i64::MAX)
            ],
        )?;
        Ok(())
    }

    fn plan(&self, def: &ResourceDef) -> Result<&Plan, LoadError> {
        self.plans.get(def.name).ok_or_else(|| LoadError::Config {
            resource: def.name.to_string(),
            message: "resource written before it was prepared".to_string(),
        })
    }

    /// Deletes what the incomplete resources of `load_id`, a stale load of a version that
    /// committed along the way, left behind. Rows a checkpoint committed stay: the state
    /// committed with them is where the next run resumes.
    fn clean_up(&mut self, load_id: &str, status: LoadStatus) -> Result<(), LoadError> {
        let leftovers: Vec<(String, String, String)> = {
            let mut stmt = self.conn.prepare(
                r#"SELECT "resource", "table_name", "mode" FROM "_rs_load_resources"
                   WHERE "load_id" = ?1 AND "status" NOT IN ('completed', 'checkpoint')"#,
            )?;
            let rows = stmt.query_map([load_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (resource, table, mode) in leftovers {
            match mode.as_str() {
                "append" => {
                    let sql = format!(
                        r#"DELETE FROM {} WHERE "_rs_load_id" = ?1"#,
                        quote_ident(&table)
                    );
                    self.conn.execute(&sql, [load_id])?;
                }
                "replace" => {
                    let staging = format!("{STAGING_PREFIX}{table}");
                    self.conn.execute_batch(&format!(
                        "DROP TABLE IF EXISTS {}",
                        quote_ident(&staging)
                    ))?;
                }
                _ => {}
            }
            self.conn.execute(
                r#"UPDATE "_rs_load_resources" SET "status" = ?3 WHERE "load_id" = ?1 AND "resource" = ?2"#,
                params![load_id, resource, status.as_str()],
            )?;
        }
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

impl Writer for SqliteWriter {
    fn read_state(&mut self) -> Result<StartState, LoadError> {
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [restsource_core::names::STATE_TABLE],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(StartState::new());
        }
        load_state(&self.conn)
    }

    fn save_state(&mut self, key: &str, state: &serde_json::Value) -> Result<(), LoadError> {
        self.conn.execute(
            r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES (?1, ?2, ?3)
               ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
            params![key, state.to_string(), self.load_id],
        )?;
        Ok(())
    }

    fn begin(
        &mut self,
        load_id: &str,
        started_at: DateTime<Utc>,
        _defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        text::timestamp(&mut self.started_at, &started_at);
        self.begin_immediate()?;
        let state = self.begin_in_tx(load_id);
        if state.is_err() {
            self.rollback_all();
        }
        state
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let plan = Plan::of(def)?;
        if let Some(options) = self.relational {
            let normal = NormalWriter::prepare(
                &mut SqliteSql(&self.conn, &mut self.raw),
                def,
                &plan,
                options,
            )?;
            self.normal.insert(def.name, normal);
            self.plans.insert(def.name, plan);
            return Ok(());
        }
        let sql = &def.sql.sqlite;
        let existing: HashMap<String, String> = {
            let mut stmt = self
                .conn
                .prepare(r#"SELECT "name", "type" FROM pragma_table_info(?1)"#)?;
            let rows = stmt.query_map([def.table_name], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        if existing.is_empty() {
            self.conn.execute_batch(sql.create_table)?;
        } else {
            // Check every column before altering any, so a bad type leaves the table as is.
            super::check_column_types(def, sql, &existing)?;
            for (column, alter) in sql.add_columns {
                if !existing.contains_key(*column) {
                    self.conn.execute_batch(alter)?;
                }
            }
        }
        if matches!(
            plan.mode,
            Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly
        ) {
            for ddl in [sql.create_primary_key, sql.create_merge_key_index] {
                if !ddl.is_empty() {
                    self.conn.execute_batch(ddl)?;
                }
            }
        }
        self.plans.insert(def.name, plan);
        Ok(())
    }

    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let mode = self.plan(def)?.mode;
        self.registered.push(def);
        self.conn.execute(
            r#"INSERT INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
               VALUES (?1, ?2, ?3, ?4, 'running', 0)"#,
            params![self.load_id, def.name, def.table_name, mode_name(mode)],
        )?;
        if let Some(normal) = self.normal.get_mut(def.name) {
            // One transaction holds the run, so emptying the tables here is as atomic as
            // swapping a staging table in.
            if mode == Mode::Replace {
                normal.truncate(&mut SqliteSql(&self.conn, &mut self.raw))?;
            }
        } else if mode == Mode::Replace {
            self.conn.execute_batch(def.sql.sqlite.drop_staging)?;
            self.conn.execute_batch(def.sql.sqlite.create_staging)?;
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
        if let Some(normal) = self.normal.get_mut(def.name) {
            normal.write_batch(
                &mut SqliteSql(&self.conn, &mut self.raw),
                def,
                batch,
                flat,
                &self.load_id,
            )?;
            return Ok(());
        }
        text::timestamp(&mut self.at, &at);
        let Self {
            conn,
            plans,
            buf,
            at,
            load_id,
            ..
        } = self;
        let plan = plans.get(def.name).ok_or_else(|| LoadError::Config {
            resource: def.name.to_string(),
            message: "resource written before it was prepared".to_string(),
        })?;
        let sql = &def.sql.sqlite;
        let main_sql = match plan.mode {
            Mode::Append => sql.insert,
            Mode::Replace => sql.insert_staging,
            Mode::DeleteInsert if def.primary_key.is_empty() => sql.insert,
            Mode::DeleteInsert => sql.merge_upsert,
            Mode::Upsert => sql.upsert,
            Mode::InsertOnly => sql.insert_only,
        };
        let mut main = conn.prepare_cached(main_sql)?;
        let mut by_mk = match plan.mode {
            Mode::DeleteInsert if !def.merge_key.is_empty() => {
                Some(conn.prepare_cached(sql.delete_by_merge_key)?)
            }
            _ => None,
        };
        let mut by_pk = match plan.hard_delete {
            Some(_) if !def.primary_key.is_empty() => {
                Some(conn.prepare_cached(sql.delete_by_primary_key)?)
            }
            _ => None,
        };
        let ncols = def.columns.len();
        for i in 0..batch.len() {
            if let Some(stmt) = by_mk.as_mut() {
                let mut b = Binder::new(stmt, Some(&plan.mk_params), buf);
                batch.write_row(i, &mut b);
                if let Some(e) = b.err {
                    return Err(e.into());
                }
                stmt.raw_bind_parameter(def.merge_key.len() + 1, load_id.as_str())?;
                stmt.raw_execute()?;
            }
            if is_hard_delete(def, plan, batch, i) {
                if let Some(stmt) = by_pk.as_mut() {
                    let mut b = Binder::new(stmt, Some(&plan.pk_params), buf);
                    batch.write_row(i, &mut b);
                    if let Some(e) = b.err {
                        return Err(e.into());
                    }
                    stmt.raw_execute()?;
                }
                continue;
            }
            main.clear_bindings();
            let mut b = Binder::new(&mut main, None, buf);
            batch.write_row(i, &mut b);
            if let Some(e) = b.err {
                return Err(e.into());
            }
            main.raw_bind_parameter(ncols + 2, load_id.as_str())?;
            main.raw_bind_parameter(ncols + 3, at.as_str())?;
            main.raw_execute()?;
        }
        Ok(())
    }

    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        rows: u64,
    ) -> Result<(), LoadError> {
        let mode = self.plan(def)?.mode;
        if let Some(normal) = self.normal.get(def.name) {
            normal.save(
                &mut SqliteSql(&self.conn, &mut self.raw),
                def.name,
                &self.load_id,
            )?;
        } else if mode == Mode::Replace {
            for stmt in def.sql.sqlite.replace_from_staging {
                self.conn.execute_batch(stmt)?;
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
        if let Some(normal) = self.normal.get(def.name) {
            normal.save(
                &mut SqliteSql(&self.conn, &mut self.raw),
                def.name,
                &self.load_id,
            )?;
        }
        self.record_progress(def, state, "checkpoint", rows)?;
        self.conn.execute_batch("COMMIT")?;
        self.in_tx = false;
        // Another run may take the lock in between; it finds this load `running` with a
        // `checkpoint` resource and keeps its rows. The next unit rolls back to here.
        self.begin_immediate()?;
        self.conn.execute_batch(r#"SAVEPOINT "run""#)?;
        Ok(())
    }

    fn commit_run(
        &mut self,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        let rows = serde_json::to_string(rows).unwrap_or_default();
        self.conn.execute(
            r#"UPDATE "_rs_loads" SET "finished_at" = ?2, "status" = 'completed', "rows" = ?3 WHERE "load_id" = ?1"#,
            params![self.load_id, at, rows],
        )?;
        if self.dlt_names() {
            // dlt's status 0 is "loaded"; the row commits with the rows it announces.
            self.conn.execute(
                r#"INSERT INTO "_dlt_loads" ("load_id", "status", "inserted_at") VALUES (?1, 0, ?2)"#,
                params![self.load_id, at],
            )?;
        }
        self.conn.execute_batch("COMMIT")?;
        self.in_tx = false;
        Ok(())
    }

    fn fail_run(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        // Keep the lock when the transaction survived the failure; an error that ended it
        // (I/O, disk full) leaves a fresh transaction to take.
        let kept = self.in_tx
            && !self.conn.is_autocommit()
            && self.conn.execute_batch(r#"ROLLBACK TO "run""#).is_ok();
        if !kept {
            self.rollback_all();
            self.begin_immediate()?;
        }
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        let json = serde_json::to_string(rows).unwrap_or_default();
        self.conn.execute(
            r#"INSERT OR REPLACE INTO "_rs_loads" ("load_id", "started_at", "finished_at", "status", "rows")
               VALUES (?1, ?2, ?3, ?4, ?5)"#,
            params![self.load_id, self.started_at, at, status.as_str(), json],
        )?;
        for def in std::mem::take(&mut self.registered) {
            let mode = self.plans.get(def.name).map_or(Mode::Append, |p| p.mode);
            let n = rows.get(def.table_name).copied().unwrap_or(0);
            self.conn.execute(
                r#"INSERT OR REPLACE INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
                params![
                    self.load_id,
                    def.name,
                    def.table_name,
                    mode_name(mode),
                    status.as_str(),
                    i64::try_from(n).unwrap_or(i64::MAX)
                ],
            )?;
        }
        self.conn.execute_batch("COMMIT")?;
        self.in_tx = false;
        Ok(())
    }
}

/// Whether SQLite refused for a lock another connection holds.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

fn load_state(conn: &Connection) -> Result<StartState, LoadError> {
    let mut state = StartState::new();
    let mut stmt = conn.prepare(r#"SELECT "resource", "state" FROM "_rs_state""#)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let raw: String = row.get(1)?;
        let value = serde_json::from_str(&raw).map_err(|source| LoadError::Json {
            what: format!("_rs_state of `{name}`"),
            source,
        })?;
        state.insert(name, value);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_connection_caches_four_mib_of_pages() {
        let dir = std::env::temp_dir().join(format!("rs-sqlite-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let w = SqliteWriter::open(&dir.join("db.sqlite"), Duration::from_secs(1), None).unwrap();
        let kib: i64 = w
            .conn
            .pragma_query_value(None, "cache_size", |r| r.get(0))
            .unwrap();
        drop(w);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(kib, -4096);
    }
}
