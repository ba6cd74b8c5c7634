//! SQL for a resource's table, per dialect: built once at compile time by codegen (and
//! printed into generated code as `def::SqlDefs` constants) from the same functions the
//! runtime's tests use.
//!
//! Every identifier is quoted (`"name"`, inner quotes doubled) and every value is a bound
//! parameter. Parameter order is the same in every row statement: declared columns in struct
//! order, then `_rs_extra`, `_rs_load_id`, `_rs_extracted_at`. Key statements bind only their
//! key columns (in key order), then the load id where they filter on it.

use super::defs::TableStatements;
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
pub(super) fn param(dialect: Dialect, index: usize, data_type: Option<DataType>) -> String {
    match dialect {
        Dialect::Sqlite => format!("?{index}"),
        Dialect::Postgres => match data_type {
            Some(DataType::Decimal) => format!("${index}::text::numeric"),
            _ => format!("${index}"),
        },
    }
}

/// What every statement of one table is built from: quoted names, column lists, parameters.
struct Parts<'a> {
    table: &'a SqlTable<'a>,
    dialect: Dialect,
    /// The table, quoted.
    t: String,
    /// The staging table, quoted.
    st: String,
    /// Declared columns, then the meta columns.
    all_names: Vec<String>,
    /// `all_names`, comma-separated.
    names: String,
    /// One parameter per column, comma-separated.
    values: String,
    /// The primary key columns, quoted and comma-separated (empty without a key).
    pk_list: String,
}

impl<'a> Parts<'a> {
    fn new(table: &'a SqlTable<'a>, dialect: Dialect) -> Self {
        let meta = meta_columns(dialect);
        let all_names: Vec<String> = table
            .columns
            .iter()
            .map(|c| quote_ident(c.name))
            .chain(meta.iter().map(|(n, _)| quote_ident(n)))
            .collect();
        let values = table
            .columns
            .iter()
            .map(|c| Some(c.data_type))
            .chain([None, None, None])
            .enumerate()
            .map(|(i, ty)| param(dialect, i + 1, ty))
            .collect::<Vec<_>>()
            .join(", ");
        Parts {
            table,
            dialect,
            t: quote_ident(table.table),
            st: quote_ident(&format!("{STAGING_PREFIX}{}", table.table)),
            names: all_names.join(", "),
            all_names,
            values,
            pk_list: quoted_list(table.primary_key),
        }
    }

    fn has_pk(&self) -> bool {
        !self.table.primary_key.is_empty()
    }

    /// Column definitions: declared columns (`NOT NULL` where required when `constrained`),
    /// then the meta columns.
    fn column_defs(&self, constrained: bool) -> String {
        let meta = meta_columns(self.dialect);
        self.table
            .columns
            .iter()
            .map(|c| {
                let not_null = constrained
                    && (!c.nullable || self.table.primary_key.iter().any(|k| k == c.name));
                format!(
                    "{} {}{}",
                    quote_ident(c.name),
                    column_type(self.dialect, c),
                    if not_null { " NOT NULL" } else { "" }
                )
            })
            .chain(
                meta.iter()
                    .map(|(n, ty)| format!("{} {ty}", quote_ident(n))),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `col = $n AND ...` over `keys`, numbered from 1.
    fn key_filter(&self, keys: &[String]) -> String {
        let type_of = |name: &str| {
            self.table
                .columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.data_type)
        };
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                let p = param(self.dialect, i + 1, type_of(k));
                format!("{} = {p}", quote_ident(k))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn insert(&self) -> String {
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.t, self.names, self.values
        )
    }

    fn upsert(&self) -> String {
        if !self.has_pk() {
            return String::new();
        }
        let updates = self
            .all_names
            .iter()
            .filter(|n| !self.table.primary_key.iter().any(|k| quote_ident(k) == **n))
            .map(|n| format!("{n} = excluded.{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} ON CONFLICT ({}) DO UPDATE SET {updates}",
            self.insert(),
            self.pk_list
        )
    }

    /// delete-insert: a row of another load is always replaced; within one load the last row
    /// wins unless a dedup_sort column says which one survives (ties keep the first).
    fn merge_upsert(&self, dedup: DedupSort<'_>) -> String {
        if !self.has_pk() {
            return String::new();
        }
        let t = &self.t;
        match dedup {
            Some((name, order)) => {
                let op = match order {
                    SortOrder::Desc => ">",
                    SortOrder::Asc => "<",
                };
                let (n, load) = (quote_ident(name), quote_ident(LOAD_ID_COLUMN));
                format!(
                    "{} WHERE {t}.{load} IS DISTINCT FROM excluded.{load} OR excluded.{n} {op} {t}.{n}",
                    self.upsert()
                )
            }
            None => self.upsert(),
        }
    }

    fn insert_only(&self) -> String {
        if !self.has_pk() {
            return String::new();
        }
        format!(
            "{} ON CONFLICT ({}) DO NOTHING",
            self.insert(),
            self.pk_list
        )
    }

    fn delete_by_primary_key(&self) -> String {
        if !self.has_pk() {
            return String::new();
        }
        format!(
            "DELETE FROM {} WHERE {}",
            self.t,
            self.key_filter(self.table.primary_key)
        )
    }

    /// Rows of other loads with the merge key of the row at hand (the load id is the last
    /// parameter).
    fn delete_by_merge_key(&self) -> String {
        let mk = self.table.merge_key;
        if mk.is_empty() {
            return String::new();
        }
        format!(
            "DELETE FROM {} WHERE {} AND {} IS DISTINCT FROM {}",
            self.t,
            self.key_filter(mk),
            quote_ident(LOAD_ID_COLUMN),
            param(self.dialect, mk.len() + 1, None)
        )
    }

    fn create_primary_key(&self) -> String {
        if !self.has_pk() {
            return String::new();
        }
        let index = quote_ident(&format!("{}__rs_pk", self.table.table));
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {} ({})",
            self.t, self.pk_list
        )
    }

    fn create_merge_key_index(&self) -> String {
        if self.table.merge_key.is_empty() {
            return String::new();
        }
        let index = quote_ident(&format!("{}__rs_mk", self.table.table));
        format!(
            "CREATE INDEX IF NOT EXISTS {index} ON {} ({})",
            self.t,
            quoted_list(self.table.merge_key)
        )
    }

    /// Each column's type as the database reports it: schema evolution's safety check.
    fn column_types(&self) -> Vec<(String, String)> {
        let meta = meta_columns(self.dialect);
        self.table
            .columns
            .iter()
            .map(|c| (c.name.to_string(), introspected_type(self.dialect, c)))
            .chain(meta.iter().map(|(n, ty)| (n.to_string(), ty.to_string())))
            .collect()
    }

    /// The `ALTER TABLE` that adds each column, by column name.
    fn add_columns(&self) -> Vec<(String, String)> {
        let meta = meta_columns(self.dialect);
        self.table
            .columns
            .iter()
            .map(|c| (c.name.to_string(), column_type(self.dialect, c)))
            .chain(meta.iter().map(|(n, ty)| (n.to_string(), ty.to_string())))
            .map(|(n, ty)| {
                let sql = format!("ALTER TABLE {} ADD COLUMN {} {ty}", self.t, quote_ident(&n));
                (n, sql)
            })
            .collect()
    }
}

fn quoted_list(keys: &[String]) -> String {
    keys.iter()
        .map(|k| quote_ident(k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds every statement of `table` for `dialect`.
pub fn statements(table: &SqlTable<'_>, dedup: DedupSort<'_>, dialect: Dialect) -> TableStatements {
    let p = Parts::new(table, dialect);
    let (t, st, names) = (&p.t, &p.st, &p.names);
    TableStatements {
        create_table: format!("CREATE TABLE IF NOT EXISTS {t} ({})", p.column_defs(true)),
        create_primary_key: p.create_primary_key(),
        create_merge_key_index: p.create_merge_key_index(),
        column_types: p.column_types(),
        add_columns: p.add_columns(),
        insert: p.insert(),
        upsert: p.upsert(),
        merge_upsert: p.merge_upsert(dedup),
        insert_only: p.insert_only(),
        delete_by_primary_key: p.delete_by_primary_key(),
        delete_by_merge_key: p.delete_by_merge_key(),
        create_staging: format!("CREATE TABLE IF NOT EXISTS {st} ({})", p.column_defs(false)),
        insert_staging: format!("INSERT INTO {st} ({names}) VALUES ({})", p.values),
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
