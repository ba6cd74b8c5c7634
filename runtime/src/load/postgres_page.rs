//! PostgreSQL's bulk path for `json` tables: a page's rows go in one binary COPY, straight into
//! the table (append) or into its staging table (replace); a merge by primary key sends the
//! page as one array per column to one statement that deletes and upserts. A key repeated
//! within a page ends as the record-by-record path leaves it: its last record wins, and a last
//! record flagged `hard_delete` deletes it. (A temporary page table filled by COPY was tried
//! first: emptying it for every page, `TRUNCATE`, cost 3 ms a page, more than the COPY.)
//!
//! Plans whose outcome depends on more than the last record of a key (a merge key deleting
//! other loads' rows, a `dedup_sort` column choosing the survivor, insert-only's first record
//! winning) keep the statement-per-record path.

use std::error::Error;

use bytes::BytesMut;
use chrono::{DateTime, Utc};
use tokio_postgres::types::{IsNull, ToSql, Type};

use super::mode::{is_hard_delete, Mode, Plan};
use super::postgres_copy::{numeric, wire_type};
use super::postgres_pipeline::{CopyData, Op, Pipeline};
use super::postgres_value::{PgRow, PgValue};
use super::{quote_ident, LoadError, STAGING_PREFIX};
use crate::def::{DataType, ResourceDef};
use crate::extract::RowBatch;
use restsource_core::names::{EXTRACTED_AT_COLUMN, EXTRA_COLUMN, LOAD_ID_COLUMN};

/// Where a page's rows go.
enum Target {
    /// Into the resource's table.
    Table,
    /// Into its staging table.
    Staging,
    /// Through a page table into the table, by primary key.
    Merge,
}

/// Queues `batch` on `pipe` as one op when `plan` allows; `Ok(false)`: it does not, write it
/// record by record (nothing was queued).
pub(crate) fn write_page(
    pipe: &mut Pipeline,
    def: &ResourceDef,
    plan: &Plan,
    batch: &dyn RowBatch,
    load_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, LoadError> {
    let dedup = def.columns.iter().any(|c| c.dedup_sort.is_some());
    let target = match plan.mode {
        Mode::Append => Target::Table,
        Mode::Replace => Target::Staging,
        Mode::DeleteInsert if def.primary_key.is_empty() && def.merge_key.is_empty() => {
            Target::Table
        }
        Mode::DeleteInsert | Mode::Upsert
            if !def.primary_key.is_empty() && def.merge_key.is_empty() && !dedup =>
        {
            Target::Merge
        }
        _ => return Ok(false),
    };
    let ncols = def.columns.len();
    let mut names: Vec<String> = def
        .columns
        .iter()
        .map(|c| quote_ident(c.sql_name))
        .collect();
    names.extend([EXTRA_COLUMN, LOAD_ID_COLUMN, EXTRACTED_AT_COLUMN].map(quote_ident));
    let mut types: Vec<DataType> = def.columns.iter().map(|c| c.data_type).collect();
    types.extend([DataType::Json, DataType::Text, DataType::Timestamp]);
    let mut rows: Vec<Vec<PgValue>> = Vec::with_capacity(batch.len());
    for i in 0..batch.len() {
        let mut row = PgRow::new(None, ncols + 3);
        batch.write_row(i, &mut row);
        row.vals[ncols + 1] = PgValue::Text(load_id.to_string());
        row.vals[ncols + 2] = PgValue::Timestamp(at);
        if matches!(target, Target::Merge) {
            // A key column without a value: the statement's DISTINCT ON would fold such
            // records together, which the record-by-record path does not.
            let keyless =
                def.columns.iter().zip(&row.vals).any(|(c, v)| {
                    def.primary_key.contains(&c.sql_name) && matches!(v, PgValue::Null)
                });
            if keyless {
                return Ok(false);
            }
            row.vals
                .push(PgValue::Bool(is_hard_delete(def, plan, batch, i)));
        }
        rows.push(row.vals);
    }
    let table = quote_ident(def.table_name);
    let op = match target {
        Target::Table => copy(def, &table, &names, &types, &rows)?,
        Target::Staging => {
            let staging = quote_ident(&format!("{STAGING_PREFIX}{}", def.table_name));
            copy(def, &staging, &names, &types, &rows)?
        }
        Target::Merge => {
            let mut all_types = types.clone();
            all_types.push(DataType::Bool);
            let statement = merge_statement(def, &table, &names, &all_types);
            // The page's values column by column, each column one array parameter; the
            // values move out of the rows.
            let mut columns: Vec<Vec<Cell>> = all_types
                .iter()
                .map(|_| Vec::with_capacity(rows.len()))
                .collect();
            for row in rows {
                for ((column, value), t) in columns.iter_mut().zip(row).zip(&all_types) {
                    column.push(Cell(value, *t));
                }
            }
            Op::Arrays {
                sql: statement,
                columns,
            }
        }
    };
    pipe.push(op);
    Ok(true)
}

/// The page's column holding a record's place in it.
const ORD: &str = "_rs_page_ord";
/// The page's column saying whether a record is a hard delete.
const DEL: &str = "_rs_page_delete";

/// One statement applying a page's last record of each key to `table`: the page arrives as
/// one array per column (`unnest` zips them, numbering the records), the last record of each
/// key is picked, deletes go first and the rest are upserted. Their keys differ, so the delete
/// and the upsert never touch the same row.
fn merge_statement(def: &ResourceDef, table: &str, names: &[String], types: &[DataType]) -> String {
    let arrays: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{}[]", i + 1, array_member(*t)))
        .collect();
    let mut page_columns = names.to_vec();
    page_columns.extend([quote_ident(DEL), quote_ident(ORD)]);
    let keys: Vec<String> = def.primary_key.iter().map(|k| quote_ident(k)).collect();
    let matched: Vec<String> = keys
        .iter()
        .map(|k| format!("{table}.{k} = last.{k}"))
        .collect();
    let updates: Vec<String> = names
        .iter()
        .filter(|n| !keys.contains(n))
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let selected: Vec<String> = names.iter().map(|n| format!("last.{n}")).collect();
    let keys = keys.join(", ");
    format!(
        "WITH page AS (SELECT * FROM unnest({arrays}) WITH ORDINALITY AS p({page_columns})), \
         last AS (SELECT DISTINCT ON ({keys}) * FROM page ORDER BY {keys}, {ord} DESC), \
         gone AS (DELETE FROM {table} USING last WHERE last.{del} AND {matched}) \
         INSERT INTO {table} ({columns}) SELECT {selected} FROM last WHERE NOT last.{del} \
         ON CONFLICT ({keys}) DO UPDATE SET {updates}",
        arrays = arrays.join(", "),
        page_columns = page_columns.join(", "),
        ord = quote_ident(ORD),
        del = quote_ident(DEL),
        matched = matched.join(" AND "),
        columns = names.join(", "),
        selected = selected.join(", "),
        updates = updates.join(", "),
    )
}

/// The SQL name of the type an array parameter of `data_type` values holds.
fn array_member(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Text => "text",
        DataType::Double => "double precision",
        DataType::Bool => "boolean",
        DataType::Timestamp => "timestamptz",
        DataType::Bigint => "bigint",
        DataType::Binary => "bytea",
        DataType::Json => "jsonb",
        DataType::Decimal => "numeric",
        DataType::Date => "date",
        DataType::Time => "time",
    }
}

/// One COPY of `rows` into `table`'s `names` columns.
fn copy(
    def: &ResourceDef,
    table: &str,
    names: &[String],
    types: &[DataType],
    rows: &[Vec<PgValue>],
) -> Result<Op, LoadError> {
    let statement = format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        names.join(", ")
    );
    let wire: Vec<Type> = types.iter().map(|t| wire_type(*t)).collect();
    let mut data = CopyData::new();
    for row in rows {
        let cells = row.iter().zip(types).map(|(v, t)| CellRef(v, *t));
        data.row(&wire, cells).map_err(|e| LoadError::Encode {
            table: def.table_name.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(Op::Copy {
        statement,
        data: data.finish(),
    })
}

/// A row value in its column's binary form: decimals, which the statements take as text to
/// cast, in `numeric`'s own.
#[derive(Debug)]
struct CellRef<'a>(&'a PgValue, DataType);

impl ToSql for CellRef<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self.1, self.0) {
            (DataType::Decimal, PgValue::Text(s)) => numeric(s, out),
            (_, v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// [`CellRef`] owning its value: an element of an array parameter that a queued op sends.
#[derive(Debug)]
pub(crate) struct Cell(PgValue, DataType);

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        CellRef(&self.0, self.1).to_sql(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}
