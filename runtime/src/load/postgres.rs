//! PostgreSQL destination (feature `postgres`). Runs on the writer thread and drives the async
//! client with the pipeline's runtime handle; a page's statements are sent pipelined (one
//! round trip per page, executed in order by the server).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use super::mode::{is_hard_delete, Mode, Plan};
use super::postgres_value::{PgRow, PgValue};
use super::writer::{LoadStatus, Writer};
use super::{quote_ident, LoadError, STAGING_PREFIX};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};

const SYSTEM_TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS "_rs_loads" (
  "load_id" text PRIMARY KEY, "started_at" timestamptz NOT NULL, "finished_at" timestamptz,
  "status" text NOT NULL, "rows" jsonb);
CREATE TABLE IF NOT EXISTS "_rs_load_resources" (
  "load_id" text NOT NULL, "resource" text NOT NULL, "table_name" text NOT NULL,
  "mode" text NOT NULL, "status" text NOT NULL, "rows" bigint NOT NULL,
  PRIMARY KEY ("load_id", "resource"));
CREATE TABLE IF NOT EXISTS "_rs_state" (
  "resource" text PRIMARY KEY, "state" jsonb NOT NULL, "load_id" text NOT NULL);
"#;

/// Writes into one PostgreSQL database (schema).
pub(crate) struct PostgresWriter {
    rt: tokio::runtime::Handle,
    client: Client,
    in_tx: bool,
    load_id: String,
    plans: HashMap<&'static str, Plan>,
    // Keyed by the address of the generated `&'static str`: cheaper than hashing the SQL.
    stmts: HashMap<usize, Statement>,
}

impl PostgresWriter {
    /// Connects and creates the system tables (in `schema` when given).
    pub fn open(
        rt: tokio::runtime::Handle,
        conn: &str,
        schema: Option<&str>,
    ) -> Result<PostgresWriter, LoadError> {
        let (client, connection) = rt.block_on(tokio_postgres::connect(conn, NoTls))?;
        rt.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgres connection closed");
            }
        });
        let w = PostgresWriter {
            rt,
            client,
            in_tx: false,
            load_id: String::new(),
            plans: HashMap::new(),
            stmts: HashMap::new(),
        };
        if let Some(schema) = schema {
            let s = quote_ident(schema);
            w.batch(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
            ))?;
        }
        w.batch(SYSTEM_TABLES)?;
        Ok(w)
    }

    fn batch(&self, sql: &str) -> Result<(), LoadError> {
        Ok(self.rt.block_on(self.client.batch_execute(sql))?)
    }

    fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, LoadError> {
        Ok(self.rt.block_on(self.client.execute(sql, params))?)
    }

    fn tx(&mut self) -> Result<(), LoadError> {
        if !self.in_tx {
            self.batch("BEGIN")?;
            self.in_tx = true;
        }
        Ok(())
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

    fn plan(&self, def: &ResourceDef) -> Result<&Plan, LoadError> {
        self.plans.get(def.name).ok_or_else(|| LoadError::Config {
            resource: def.name.to_string(),
            message: "resource written before it was prepared".to_string(),
        })
    }

    fn clean_up(&mut self, load_id: &str, status: LoadStatus) -> Result<(), LoadError> {
        let rows = self.rt.block_on(self.client.query(
            r#"SELECT "resource", "table_name", "mode" FROM "_rs_load_resources"
               WHERE "load_id" = $1 AND "status" <> 'completed'"#,
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
                r#"UPDATE "_rs_load_resources" SET "status" = $3 WHERE "load_id" = $1 AND "resource" = $2"#,
                &[&load_id, &resource, &status.as_str()],
            )?;
        }
        Ok(())
    }
}

impl Writer for PostgresWriter {
    fn begin(&mut self, load_id: &str, started_at: DateTime<Utc>) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        self.tx()?;
        let running = self.rt.block_on(self.client.query(
            r#"SELECT "load_id" FROM "_rs_loads" WHERE "status" = 'running' FOR UPDATE"#,
            &[],
        ))?;
        for row in running {
            let old: String = row.try_get(0)?;
            self.clean_up(&old, LoadStatus::Aborted)?;
            self.exec(
                r#"UPDATE "_rs_loads" SET "status" = 'aborted' WHERE "load_id" = $1"#,
                &[&old],
            )?;
        }
        self.exec(
            r#"INSERT INTO "_rs_loads" ("load_id", "started_at", "status") VALUES ($1, $2, 'running')"#,
            &[&load_id, &started_at],
        )?;
        let rows = self.rt.block_on(
            self.client
                .query(r#"SELECT "resource", "state" FROM "_rs_state""#, &[]),
        )?;
        let mut state = StartState::new();
        for row in rows {
            state.insert(row.try_get(0)?, row.try_get(1)?);
        }
        self.commit()?;
        Ok(state)
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let plan = Plan::of(def)?;
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
        let mode = self.plan(def)?.mode;
        self.tx()?;
        let mode_name = match mode {
            Mode::Append => "append",
            Mode::Replace => "replace",
            _ => "merge",
        };
        self.exec(
            r#"INSERT INTO "_rs_load_resources" ("load_id", "resource", "table_name", "mode", "status", "rows")
               VALUES ($1, $2, $3, $4, 'running', 0)"#,
            &[&self.load_id, &def.name, &def.table_name, &mode_name],
        )?;
        if mode == Mode::Replace {
            self.batch(def.sql.postgres.drop_staging)?;
            self.batch(def.sql.postgres.create_staging)?;
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
        let plan = self.plan(def)?.clone();
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

    fn commit(&mut self) -> Result<(), LoadError> {
        if self.in_tx {
            self.batch("COMMIT")?;
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
            for stmt in def.sql.postgres.replace_from_staging {
                self.batch(stmt)?;
            }
        }
        if let Some(state) = state {
            self.exec(
                r#"INSERT INTO "_rs_state" ("resource", "state", "load_id") VALUES ($1, $2, $3)
                   ON CONFLICT ("resource") DO UPDATE SET "state" = excluded."state", "load_id" = excluded."load_id""#,
                &[&def.name, state, &self.load_id],
            )?;
        }
        let rows = i64::try_from(rows).unwrap_or(i64::MAX);
        self.exec(
            r#"UPDATE "_rs_load_resources" SET "status" = 'completed', "rows" = $3
               WHERE "load_id" = $1 AND "resource" = $2"#,
            &[&self.load_id, &def.name, &rows],
        )?;
        self.commit()
    }

    fn rollback(&mut self) {
        if self.in_tx {
            let _ = self.batch("ROLLBACK");
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
        let rows = serde_json::to_value(rows).unwrap_or_default();
        self.exec(
            r#"UPDATE "_rs_loads" SET "finished_at" = $2, "status" = $3, "rows" = $4 WHERE "load_id" = $1"#,
            &[&self.load_id, &finished_at, &status.as_str(), &rows],
        )?;
        self.commit()
    }
}
