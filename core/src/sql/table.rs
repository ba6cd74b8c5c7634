//! SQL for a resource's table, per dialect: built once at compile time by codegen (and
//! printed into generated code as `def::SqlDefs` constants) from the same functions the
//! runtime's tests use.
//!
//! Every identifier is quoted (`"name"`, inner quotes doubled) and every value is a bound
//! parameter. Parameter order is the same in every row statement: declared columns in struct
//! order, then `_rs_extra`, `_rs_load_id`, `_rs_extracted_at`. Key statements bind only their
//! key columns (in key order), then the load id where they filter on it.

use crate::names::{EXTRACTED_AT_COLUMN, EXTRA_COLUMN, LOAD_ID_COLUMN, STAGING_PREFIX};
use crate::{DataType, SortOrder};

/// A column as SQL generation sees it.
#[derive(Debug, Clone)]
pub struct SqlColumn<'a> {
    /// Column name (quoted per dialect).
    pub name: &'a str,
    /// Type.
    pub data_type: DataType,
    /// Nullable.
    pub nullable: bool,
    /// Precision.
    pub precision: Option<u32>,
    /// Scale.
    pub scale: Option<u32>,
}

/// A resource's table as SQL generation sees it.
#[derive(Debug, Clone)]
pub struct SqlTable<'a> {
    /// Table name.
    pub table: &'a str,
    /// Declared columns, in struct field order.
    pub columns: Vec<SqlColumn<'a>>,
    /// Primary key columns.
    pub primary_key: &'a [String],
    /// Merge key columns.
    pub merge_key: &'a [String],
}

/// The `dedup_sort` hint of a table: which row of one load survives for a primary key under
/// merge strategy delete-insert (column name, order).
pub type DedupSort<'a> = Option<(&'a str, SortOrder)>;

/// SQL dialects codegen emits statements for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (types chosen for their affinity, see [`column_type`]).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Quotes an identifier for both dialects (double quotes, inner quotes doubled).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The declared SQL type of a column.
///
/// SQLite only has storage classes; the declared name picks the column affinity. Decimal and
/// JSON must keep TEXT affinity (a NUMERIC affinity would turn `"1.50"` into the float 1.5 and
/// the JSON `5` into an integer), hence `DECIMAL_TEXT` and `JSON_TEXT`; the names stay distinct
/// per type so that schema evolution can tell a changed type from an unchanged one.
pub fn column_type(dialect: Dialect, col: &SqlColumn<'_>) -> String {
    match dialect {
        Dialect::Sqlite => match col.data_type {
            DataType::Text => "TEXT",
            DataType::Double => "REAL",
            DataType::Bool => "BOOLEAN",
            DataType::Timestamp => "TIMESTAMP",
            DataType::Bigint => "INTEGER",
            DataType::Binary => "BLOB",
            DataType::Json => "JSON_TEXT",
            DataType::Decimal => "DECIMAL_TEXT",
            DataType::Date => "DATE",
            DataType::Time => "TIME",
        }
        .to_string(),
        Dialect::Postgres => match col.data_type {
            DataType::Text => "text".to_string(),
            DataType::Double => "double precision".to_string(),
            DataType::Bool => "boolean".to_string(),
            DataType::Timestamp => "timestamp with time zone".to_string(),
            DataType::Bigint => "bigint".to_string(),
            DataType::Binary => "bytea".to_string(),
            DataType::Json => "jsonb".to_string(),
            DataType::Decimal => match (col.precision, col.scale) {
                (Some(p), Some(s)) => format!("numeric({p},{s})"),
                (Some(p), None) => format!("numeric({p})"),
                _ => "numeric".to_string(),
            },
            DataType::Date => "date".to_string(),
            DataType::Time => "time without time zone".to_string(),
        },
    }
}

/// The type name the database reports when introspecting the column (SQLite's `PRAGMA
/// table_info` type, PostgreSQL's `information_schema.columns.data_type`).
pub fn introspected_type(dialect: Dialect, col: &SqlColumn<'_>) -> String {
    match (dialect, col.data_type) {
        (Dialect::Postgres, DataType::Decimal) => "numeric".to_string(),
        _ => column_type(dialect, col),
    }
}

fn meta_columns(dialect: Dialect) -> [(&'static str, &'static str); 3] {
    match dialect {
        Dialect::Sqlite => [
            (EXTRA_COLUMN, "JSON_TEXT"),
            (LOAD_ID_COLUMN, "TEXT"),
            (EXTRACTED_AT_COLUMN, "TIMESTAMP"),
        ],
        Dialect::Postgres => [
            (EXTRA_COLUMN, "jsonb"),
            (LOAD_ID_COLUMN, "text"),
            (EXTRACTED_AT_COLUMN, "timestamp with time zone"),
        ],
    }
}

/// The placeholder for parameter `index` (1-based). PostgreSQL decimals travel as text and are
/// cast, so the runtime needs no numeric wire encoder.
fn param(dialect: Dialect, index: usize, data_type: Option<DataType>) -> String {
    match dialect {
        Dialect::Sqlite => format!("?{index}"),
        Dialect::Postgres => match data_type {
            Some(DataType::Decimal) => format!("${index}::text::numeric"),
            _ => format!("${index}"),
        },
    }
}

/// Every statement for one dialect.
pub struct TableStatements {
    /// `CREATE TABLE IF NOT EXISTS`.
    pub create_table: String,
    /// Unique index on the primary key (empty without one).
    pub create_primary_key: String,
    /// Index on the merge key (empty without one).
    pub create_merge_key_index: String,
    /// `(column, introspected type)` for each declared and metadata column.
    pub column_types: Vec<(String, String)>,
    /// `(column, ALTER TABLE ... ADD COLUMN ...)`.
    pub add_columns: Vec<(String, String)>,
    /// Plain insert.
    pub insert: String,
    /// Upsert by primary key (empty without one).
    pub upsert: String,
    /// delete-insert row statement (empty without a primary key).
    pub merge_upsert: String,
    /// Insert absent keys (empty without a primary key).
    pub insert_only: String,
    /// Delete by primary key (empty without one).
    pub delete_by_primary_key: String,
    /// Delete by merge key, rows of other loads only (empty without one).
    pub delete_by_merge_key: String,
    /// Create the staging table.
    pub create_staging: String,
    /// Insert into the staging table.
    pub insert_staging: String,
    /// Replace the table's rows by the staging table's.
    pub replace_from_staging: [String; 3],
    /// Drop the staging table.
    pub drop_staging: String,
}

/// Builds every statement of `table` for `dialect`.
pub fn statements(table: &SqlTable<'_>, dedup: DedupSort<'_>, dialect: Dialect) -> TableStatements {
    let t = quote_ident(table.table);
    let staging_name = format!("{STAGING_PREFIX}{}", table.table);
    let st = quote_ident(&staging_name);
    let meta = meta_columns(dialect);
    let col_defs: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let not_null = !c.nullable || table.primary_key.iter().any(|k| k == c.name);
            format!(
                "{} {}{}",
                quote_ident(c.name),
                column_type(dialect, c),
                if not_null { " NOT NULL" } else { "" }
            )
        })
        .chain(
            meta.iter()
                .map(|(n, ty)| format!("{} {ty}", quote_ident(n))),
        )
        .collect();
    let plain_defs: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{} {}", quote_ident(c.name), column_type(dialect, c)))
        .chain(
            meta.iter()
                .map(|(n, ty)| format!("{} {ty}", quote_ident(n))),
        )
        .collect();
    let all_names: Vec<String> = table
        .columns
        .iter()
        .map(|c| quote_ident(c.name))
        .chain(meta.iter().map(|(n, _)| quote_ident(n)))
        .collect();
    let names = all_names.join(", ");
    let params: Vec<String> = table
        .columns
        .iter()
        .map(|c| Some(c.data_type))
        .chain([None, None, None])
        .enumerate()
        .map(|(i, ty)| param(dialect, i + 1, ty))
        .collect();
    let values = params.join(", ");
    let insert = format!("INSERT INTO {t} ({names}) VALUES ({values})");
    let type_of = |name: &str| {
        table
            .columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.data_type)
    };
    let key_filter = |keys: &[String]| -> String {
        keys.iter()
            .enumerate()
            .map(|(i, k)| format!("{} = {}", quote_ident(k), param(dialect, i + 1, type_of(k))))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let has_pk = !table.primary_key.is_empty();
    let pk_list = table
        .primary_key
        .iter()
        .map(|k| quote_ident(k))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = all_names
        .iter()
        .filter(|n| !table.primary_key.iter().any(|k| quote_ident(k) == **n))
        .map(|n| format!("{n} = excluded.{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let upsert = if has_pk {
        format!("{insert} ON CONFLICT ({pk_list}) DO UPDATE SET {updates}")
    } else {
        String::new()
    };
    // delete-insert: a row of another load is always replaced; within one load the last row
    // wins unless a dedup_sort column says which one survives (ties keep the first).
    let merge_upsert = if has_pk {
        let load = quote_ident(LOAD_ID_COLUMN);
        let sort = dedup.map(|(name, order)| {
            let op = match order {
                SortOrder::Desc => ">",
                SortOrder::Asc => "<",
            };
            let n = quote_ident(name);
            format!(" OR excluded.{n} {op} {t}.{n}")
        });
        match sort {
            Some(cond) => {
                format!("{upsert} WHERE {t}.{load} IS DISTINCT FROM excluded.{load}{cond}")
            }
            None => upsert.clone(),
        }
    } else {
        String::new()
    };
    let insert_only = if has_pk {
        format!("{insert} ON CONFLICT ({pk_list}) DO NOTHING")
    } else {
        String::new()
    };
    let delete_by_primary_key = if has_pk {
        format!("DELETE FROM {t} WHERE {}", key_filter(table.primary_key))
    } else {
        String::new()
    };
    let delete_by_merge_key = if table.merge_key.is_empty() {
        String::new()
    } else {
        format!(
            "DELETE FROM {t} WHERE {} AND {} IS DISTINCT FROM {}",
            key_filter(table.merge_key),
            quote_ident(LOAD_ID_COLUMN),
            param(dialect, table.merge_key.len() + 1, None)
        )
    };
    let create_primary_key = if has_pk {
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {t} ({pk_list})",
            quote_ident(&format!("{}__rs_pk", table.table))
        )
    } else {
        String::new()
    };
    let create_merge_key_index = if table.merge_key.is_empty() {
        String::new()
    } else {
        let list = table
            .merge_key
            .iter()
            .map(|k| quote_ident(k))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {t} ({list})",
            quote_ident(&format!("{}__rs_mk", table.table))
        )
    };
    let column_types = table
        .columns
        .iter()
        .map(|c| (c.name.to_string(), introspected_type(dialect, c)))
        .chain(meta.iter().map(|(n, ty)| (n.to_string(), ty.to_string())))
        .collect();
    let add_columns = table
        .columns
        .iter()
        .map(|c| (c.name.to_string(), column_type(dialect, c)))
        .chain(meta.iter().map(|(n, ty)| (n.to_string(), ty.to_string())))
        .map(|(n, ty)| {
            let sql = format!("ALTER TABLE {t} ADD COLUMN {} {ty}", quote_ident(&n));
            (n, sql)
        })
        .collect();
    TableStatements {
        create_table: format!("CREATE TABLE IF NOT EXISTS {t} ({})", col_defs.join(", ")),
        create_primary_key,
        create_merge_key_index,
        column_types,
        add_columns,
        insert,
        upsert,
        merge_upsert,
        insert_only,
        delete_by_primary_key,
        delete_by_merge_key,
        create_staging: format!(
            "CREATE TABLE IF NOT EXISTS {st} ({})",
            plain_defs.join(", ")
        ),
        insert_staging: format!("INSERT INTO {st} ({names}) VALUES ({values})"),
        replace_from_staging: [
            format!("DELETE FROM {t}"),
            format!("INSERT INTO {t} ({names}) SELECT {names} FROM {st}"),
            format!("DROP TABLE {st}"),
        ],
        drop_staging: format!("DROP TABLE IF EXISTS {st}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<SqlColumn<'static>> {
        let col = |name, data_type, nullable| SqlColumn {
            name,
            data_type,
            nullable,
            precision: None,
            scale: None,
        };
        vec![
            col("id", DataType::Bigint, false),
            col("na\"me", DataType::Text, true),
            col("price", DataType::Decimal, true),
        ]
    }

    #[test]
    fn sqlite_statements_quote_and_bind() {
        let pk = vec!["id".to_string()];
        let table = SqlTable {
            table: "items",
            columns: cols(),
            primary_key: &pk,
            merge_key: &[],
        };
        let s = statements(&table, None, Dialect::Sqlite);
        assert_eq!(
            s.create_table,
            "CREATE TABLE IF NOT EXISTS \"items\" (\"id\" INTEGER NOT NULL, \"na\"\"me\" TEXT, \
             \"price\" DECIMAL_TEXT, \"_rs_extra\" JSON_TEXT, \"_rs_load_id\" TEXT, \
             \"_rs_extracted_at\" TIMESTAMP)"
        );
        assert_eq!(
            s.insert,
            "INSERT INTO \"items\" (\"id\", \"na\"\"me\", \"price\", \"_rs_extra\", \"_rs_load_id\", \
             \"_rs_extracted_at\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        );
        assert!(s.upsert.ends_with(
            "ON CONFLICT (\"id\") DO UPDATE SET \"na\"\"me\" = excluded.\"na\"\"me\", \
             \"price\" = excluded.\"price\", \"_rs_extra\" = excluded.\"_rs_extra\", \
             \"_rs_load_id\" = excluded.\"_rs_load_id\", \
             \"_rs_extracted_at\" = excluded.\"_rs_extracted_at\""
        ));
        assert_eq!(s.merge_upsert, s.upsert);
        assert_eq!(
            s.delete_by_primary_key,
            "DELETE FROM \"items\" WHERE \"id\" = ?1"
        );
        assert_eq!(s.delete_by_merge_key, "");
        assert_eq!(
            s.create_primary_key,
            "CREATE UNIQUE INDEX IF NOT EXISTS \"items__rs_pk\" ON \"items\" (\"id\")"
        );
        assert_eq!(s.column_types[2], ("price".into(), "DECIMAL_TEXT".into()));
        assert_eq!(
            s.add_columns[1].1,
            "ALTER TABLE \"items\" ADD COLUMN \"na\"\"me\" TEXT"
        );
    }

    #[test]
    fn postgres_merge_key_and_dedup_sort() {
        let columns = cols();
        let pk = vec!["id".to_string()];
        let mk = vec!["price".to_string()];
        let table = SqlTable {
            table: "items",
            columns,
            primary_key: &pk,
            merge_key: &mk,
        };
        let s = statements(&table, Some(("na\"me", SortOrder::Desc)), Dialect::Postgres);
        assert!(s
            .insert
            .ends_with("VALUES ($1, $2, $3::text::numeric, $4, $5, $6)"));
        assert!(s.merge_upsert.ends_with(
            "WHERE \"items\".\"_rs_load_id\" IS DISTINCT FROM excluded.\"_rs_load_id\" \
             OR excluded.\"na\"\"me\" > \"items\".\"na\"\"me\""
        ));
        assert_eq!(
            s.delete_by_merge_key,
            "DELETE FROM \"items\" WHERE \"price\" = $1::text::numeric AND \"_rs_load_id\" \
             IS DISTINCT FROM $2"
        );
        assert_eq!(s.column_types[0], ("id".into(), "bigint".into()));
    }
}
