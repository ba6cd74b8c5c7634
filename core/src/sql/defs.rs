//! The statements of a resource's table as generated code holds them, per dialect: built by
//! [`super::statements`] at compile time (the owned [`TableStatements`]) and printed as the
//! `'static` [`TableSql`] constants the loaders run.
//!
//! [`SqlDefs`] holds one [`TableSql`] per dialect whose feature is on (`sqlite`, `postgres`;
//! the runtime turns on the ones it loads into), so a program built for SQLite alone carries
//! no PostgreSQL statements. Generated code builds it through [`sql_defs!`](crate::sql_defs),
//! which drops the dialects that are off: codegen (a proc macro or a build script, compiled
//! for the host with features of its own) cannot know which ones the program's runtime has.

/// SQL statements for one resource and one dialect, produced at compile time.
///
/// Parameter order in row statements: declared columns in the resource's column order, then
/// the extras JSON column (`_rs_extra`), the load id and the extraction time. Key statements
/// bind their key columns in key order, then the load id where they filter on it. Statements
/// that need a primary key (or merge key) are empty when the resource has none.
///
/// Generic over storage like [`crate::PaginatorDef`]: text `S`, `(column, text)` pairs `P` and
/// the staging swap's statements `R`; `'static` in generated constants, owned as
/// [`TableStatements`] when built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSql<
    S = &'static str,
    P = &'static [(&'static str, &'static str)],
    R = &'static [&'static str],
> {
    /// `CREATE TABLE IF NOT EXISTS` with every column (no key constraint, see
    /// `create_primary_key`).
    pub create_table: S,
    /// `CREATE UNIQUE INDEX IF NOT EXISTS` on the primary key. The loader creates it for merge
    /// dispositions only: an API that repeats a key must not fail an append or replace load.
    pub create_primary_key: S,
    /// `CREATE INDEX IF NOT EXISTS` on the merge key (keeps per-row merge-key deletes cheap).
    pub create_merge_key_index: S,
    /// `(column, type as introspection reports it)` for every column, for schema evolution.
    pub column_types: P,
    /// `(column, ALTER TABLE ... ADD COLUMN ...)` for every column, for schema evolution.
    pub add_columns: P,
    /// Insert one row (all columns, bound parameters).
    pub insert: S,
    /// Insert or update by primary key (merge strategy `upsert`).
    pub upsert: S,
    /// Insert or update by primary key where rows of the same load are deduplicated by the
    /// `dedup_sort` column (merge strategy `delete-insert`).
    pub merge_upsert: S,
    /// Insert when the primary key is absent.
    pub insert_only: S,
    /// Delete rows whose primary key matches (hard deletes).
    pub delete_by_primary_key: S,
    /// Delete rows whose merge key matches and that came from another load.
    pub delete_by_merge_key: S,
    /// Create the staging table (replace disposition).
    pub create_staging: S,
    /// Insert one row into the staging table.
    pub insert_staging: S,
    /// Swap the staging rows into the table: delete, copy, drop staging.
    pub replace_from_staging: R,
    /// Drop the staging table if it exists.
    pub drop_staging: S,
}

impl TableSql {
    /// No statements: the SQL of a resource that is never loaded (a spec read at run time to
    /// sample its API, `restsource infer`).
    pub const EMPTY: TableSql = TableSql {
        create_table: "",
        create_primary_key: "",
        create_merge_key_index: "",
        column_types: &[],
        add_columns: &[],
        insert: "",
        upsert: "",
        merge_upsert: "",
        insert_only: "",
        delete_by_primary_key: "",
        delete_by_merge_key: "",
        create_staging: "",
        insert_staging: "",
        replace_from_staging: &[],
        drop_staging: "",
    };
}

impl SqlDefs {
    /// No statements for any dialect ([`TableSql::EMPTY`]).
    pub const EMPTY: SqlDefs = SqlDefs {
        #[cfg(feature = "sqlite")]
        sqlite: TableSql::EMPTY,
        #[cfg(feature = "postgres")]
        postgres: TableSql::EMPTY,
    };
}

/// Every statement of one table for one dialect, as [`super::statements`] builds them.
pub type TableStatements = TableSql<String, Vec<(String, String)>, [String; 3]>;

/// The SQL of one resource for each dialect whose feature is on. Build it with
/// [`sql_defs!`](crate::sql_defs), which names every dialect and keeps the enabled ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlDefs {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    pub sqlite: TableSql,
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    pub postgres: TableSql,
}

/// A [`SqlDefs`] from every dialect's [`TableSql`], keeping only the dialects whose feature is
/// on: `sql_defs! { sqlite: .., postgres: .. }`. Generated code calls it (as
/// `<runtime>::sql_defs!`) so that it compiles whichever dialects the program's runtime has,
/// and the statements of the others never reach the program. A dropped dialect's argument is
/// still evaluated (at compile time, into `_`), so the `const` it names counts as used.
#[cfg(all(feature = "sqlite", feature = "postgres"))]
#[macro_export]
macro_rules! sql_defs {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $crate::SqlDefs {
            sqlite: $sqlite,
            postgres: $postgres,
        }
    };
}

/// A [`SqlDefs`] from every dialect's [`TableSql`], keeping only the dialects whose feature is
/// on: `sql_defs! { sqlite: .., postgres: .. }`. Generated code calls it (as
/// `<runtime>::sql_defs!`) so that it compiles whichever dialects the program's runtime has,
/// and the statements of the others never reach the program.
#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
#[macro_export]
macro_rules! sql_defs {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {{
        let _ = $postgres;
        $crate::SqlDefs { sqlite: $sqlite }
    }};
}

/// A [`SqlDefs`] from every dialect's [`TableSql`], keeping only the dialects whose feature is
/// on: `sql_defs! { sqlite: .., postgres: .. }`. Generated code calls it (as
/// `<runtime>::sql_defs!`) so that it compiles whichever dialects the program's runtime has,
/// and the statements of the others never reach the program.
#[cfg(all(not(feature = "sqlite"), feature = "postgres"))]
#[macro_export]
macro_rules! sql_defs {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $crate::SqlDefs {
            postgres: $postgres,
        }
    };
}

/// A [`SqlDefs`] from every dialect's [`TableSql`], keeping only the dialects whose feature is
/// on: `sql_defs! { sqlite: .., postgres: .. }`. Generated code calls it (as
/// `<runtime>::sql_defs!`) so that it compiles whichever dialects the program's runtime has,
/// and the statements of the others never reach the program.
#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
#[macro_export]
macro_rules! sql_defs {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {{
        let _ = ($sqlite, $postgres);
        $crate::SqlDefs {}
    }};
}
