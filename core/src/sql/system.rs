//! The DDL of restsource's own tables ([`crate::names::LOADS_TABLE`],
//! [`crate::names::LOAD_RESOURCES_TABLE`], [`crate::names::STATE_TABLE`],
//! [`crate::names::SCHEMA_TABLE`]), per dialect.

use super::Dialect;

const SQLITE: &str = r#"
CREATE TABLE IF NOT EXISTS "_rs_loads" (
  "load_id" TEXT PRIMARY KEY, "started_at" TIMESTAMP NOT NULL, "finished_at" TIMESTAMP,
  "status" TEXT NOT NULL, "rows" JSON_TEXT);
CREATE TABLE IF NOT EXISTS "_rs_load_resources" (
  "load_id" TEXT NOT NULL, "resource" TEXT NOT NULL, "table_name" TEXT NOT NULL,
  "mode" TEXT NOT NULL, "status" TEXT NOT NULL, "rows" INTEGER NOT NULL,
  PRIMARY KEY ("load_id", "resource"));
CREATE TABLE IF NOT EXISTS "_rs_state" (
  "resource" TEXT PRIMARY KEY, "state" JSON_TEXT NOT NULL, "load_id" TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS "_rs_schema" (
  "resource" TEXT PRIMARY KEY, "schema" JSON_TEXT NOT NULL, "load_id" TEXT NOT NULL);
"#;

const POSTGRES: &str = r#"
CREATE TABLE IF NOT EXISTS "_rs_loads" (
  "load_id" text PRIMARY KEY, "started_at" timestamptz NOT NULL, "finished_at" timestamptz,
  "status" text NOT NULL, "rows" jsonb);
CREATE TABLE IF NOT EXISTS "_rs_load_resources" (
  "load_id" text NOT NULL, "resource" text NOT NULL, "table_name" text NOT NULL,
  "mode" text NOT NULL, "status" text NOT NULL, "rows" bigint NOT NULL,
  PRIMARY KEY ("load_id", "resource"));
CREATE TABLE IF NOT EXISTS "_rs_state" (
  "resource" text PRIMARY KEY, "state" jsonb NOT NULL, "load_id" text NOT NULL);
CREATE TABLE IF NOT EXISTS "_rs_schema" (
  "resource" text PRIMARY KEY, "schema" jsonb NOT NULL, "load_id" text NOT NULL);
"#;

/// `CREATE TABLE IF NOT EXISTS` for dlt's `_dlt_loads` ([`crate::names::DLT_LOADS_TABLE`]),
/// with dlt's columns, types and nullability: a real table rather than a view over
/// `_rs_loads`, so a dataset dlt loaded before keeps its rows and gains restsource's.
pub const fn dlt_loads_table(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            r#"CREATE TABLE IF NOT EXISTS "_dlt_loads" ("load_id" TEXT NOT NULL, "schema_name" TEXT, "status" INTEGER NOT NULL, "inserted_at" TIMESTAMP NOT NULL, "schema_version_hash" TEXT);"#
        }
        Dialect::Postgres => {
            r#"CREATE TABLE IF NOT EXISTS "_dlt_loads" ("load_id" text NOT NULL, "schema_name" text, "status" bigint NOT NULL, "inserted_at" timestamp with time zone NOT NULL, "schema_version_hash" text);"#
        }
    }
}

/// `CREATE TABLE IF NOT EXISTS` for restsource's own tables in `dialect`, as one batch of
/// statements: loads (one row per run), load resources (one row per resource of a run) and
/// incremental state and normalized schema (one row per resource each).
pub const fn system_tables(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{LOADS_TABLE, LOAD_RESOURCES_TABLE, SCHEMA_TABLE, STATE_TABLE};
    use crate::sql::quote_ident;

    #[test]
    fn every_dialect_creates_every_system_table_by_its_name() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let ddl = system_tables(dialect);
            for table in [LOADS_TABLE, LOAD_RESOURCES_TABLE, STATE_TABLE, SCHEMA_TABLE] {
                let create = format!("CREATE TABLE IF NOT EXISTS {} (", quote_ident(table));
                assert_eq!(ddl.matches(&create).count(), 1, "{dialect:?} {table}");
            }
        }
    }
}
