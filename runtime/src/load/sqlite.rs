//! SQLite destination.
//!
//! Journal settings are deliberate: WAL with `synchronous=NORMAL` keeps every committed
//! transaction across a killed process (only an OS crash or power loss can drop the last
//! commits, and then rows, state and completion drop together because they share a
//! transaction) while avoiding an fsync per commit.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::mode::{is_hard_delete, Mode, Plan};
use super::sqlite_bind::{Binder, Buffers};
use super::writer::{LoadStatus, Writer};
use super::{quote_ident, text, LoadError, STAGING_PREFIX};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};

const SYSTEM_TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS "_rs_loads" (
  "load_id" TEXT PRIMARY KEY, "started_at" TIMESTAMP NOT NULL, "finished_at" TIMESTAMP,
  "status" TEXT NOT NULL, "rows" JSON_TEXT);
CREATE TABLE IF NOT EXISTS "_rs_load_resources" (
  "load_id" TEXT NOT NULL, "resource" TEXT NOT NULL, "table_name" TEXT NOT NULL,
  "mode" TEXT NOT NULL, "status" TEXT NOT NULL, "rows" INTEGER NOT NULL,
  PRIMARY KEY ("load_id", "resource"));
CREATE TABLE IF NOT EXISTS "_rs_state" (
  "resource" TEXT PRIMARY KEY, "state" JSON_TEXT NOT NULL, "load_id" TEXT NOT NULL);
"#;

/// Writes into one SQLite database.
pub(crate) struct SqliteWriter {
    conn: Connection,
    in_tx: bool,
    load_id: String,
    plans: HashMap<&'static str, Plan>,
    buf: Buffers,
    at: String,
}

impl SqliteWriter {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteWriter, LoadError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A load appends far more pages than a checkpoint every 1,000 (the default) suits:
        // each checkpoint copies the B-trees' hot pages again and syncs the database. The WAL
        // grows to about 64 MiB on disk instead, and is checkpointed whole at close.
        conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch(SYSTEM_TABLES)?;
        Ok(SqliteWriter {
            conn,
            in_tx: false,
            load_id: String::new(),
            plans: HashMap::new(),
            buf: Buffers::default(),
            at: String::new(),
        })
    }

    fn tx(&mut self) -> Result<(), LoadError> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn plan(&self, def: &ResourceDef) -> Result<&Plan, LoadError> {
        self.plans.get(def.name).ok_or_else(|| LoadError::Config {
            resource: def.name.to_string(),
            message: "resource written before it was prepared".to_string(),
        })
    }

    /// Deletes what the incomplete resources of `load_id` left behind.
    fn clean_up(&mut self, load_id: &str, status: LoadStatus) -> Result<(), LoadError> {
        let leftovers: Vec<(String, String, String)> = {
            let mut stmt = self.conn.prepare(
                r#"SELECT "resource", "table_name", "mode" FROM "_rs_load_resources"
                   WHERE "load_id" = ?1 AND "status" <> 'completed'"#,
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
    fn begin(&mut self, load_id: &str, started_at: DateTime<Utc>) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        self.tx()?;
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
        let mut at = String::new();
        text::timestamp(&mut at, &started_at);
        self.conn.execute(
            r#"INSERT INTO "_rs_loads" ("load_id", "started_at", "status") VALUES (?1, ?2, 'running')"#,
            params![load_id, at],
        )?;
        let state = load_state(&self.conn)?;
        self.commit()?;
        Ok(state)
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let plan = Plan::of(def)?;
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
        self.tx()?;
        self.conn.execute(
            r#"INSERT INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
               VALUES (?1, ?2, ?3, ?4, 'running', 0)"#,
            params![self.load_id, def.name, def.table_name, mode_name(mode)],
        )?;
        if mode == Mode::Replace {
            self.conn.execute_batch(def.sql.sqlite.drop_staging)?;
            self.conn.execute_batch(def.sql.sqlite.create_staging)?;
        }
        Ok(())
    }

    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError> {
        self.tx()?;
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

    fn commit(&mut self) -> Result<(), LoadError> {
        if self.in_tx {
            self.conn.execute_batch("COMMIT")?;
            self.in_tx = false;
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
        self.tx()?;
        if mode == Mode::Replace {
            for stmt in def.sql.sqlite.replace_from_staging {
                self.conn.execute_batch(stmt)?;
            }
        }
        if let Some(state) = state {
            self.conn.execute(
                r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES (?1, ?2, ?3)
                   ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
                params![def.name, state.to_string(), self.load_id],
            )?;
        }
        self.conn.execute(
            r#"UPDATE "_rs_load_resources" SET "status" = 'completed', "rows" = ?3
               WHERE "load_id" = ?1 AND "resource" = ?2"#,
            params![
                self.load_id,
                def.name,
                i64::try_from(rows).unwrap_or(i64::MAX)
            ],
        )?;
        self.commit()
    }

    fn rollback(&mut self) {
        if self.in_tx {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.in_tx = false;
        }
    }

    fn finish(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.tx()?;
        if status != LoadStatus::Completed {
            let load_id = self.load_id.clone();
            self.clean_up(&load_id, status)?;
        }
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        let rows = serde_json::to_string(rows).unwrap_or_default();
        self.conn.execute(
            r#"UPDATE "_rs_loads" SET "finished_at" = ?2, "status" = ?3, "rows" = ?4 WHERE "load_id" = ?1"#,
            params![self.load_id, at, status.as_str(), rows],
        )?;
        self.commit()
    }
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
