//! Normalized records into a SQL destination: each record's rows go to the root and child
//! tables the normalizer names, tables and columns are created as the data brings them (inside
//! the run's transaction), and a merged record replaces the stored record of its key together
//! with all of that record's child rows, as dlt's delete-insert does. What differs per
//! destination (running a statement, binding a value) is its [`NormalSql`].

use serde_json::Value;

use restsource_core::sql::relational::{self, NormalColumn};
use restsource_core::sql::Dialect;

use std::collections::HashMap;

use super::ahead::{AheadRecord, Bin, FlatPage, FlattenPage};
#[cfg(test)]
use super::json_row::Field;
use super::mode::{Mode, Plan};
use super::normal_ahead::{flatten_one, Flattening};
use super::normal_batch::{chunks, delete_in, InsertTexts, Page, Staged};
use super::normal_tables::{normal, NormalTables};
use super::normal_typed::{TypedPlan, TypedWriter};
use super::LoadError;
use crate::def::{DataType, ResourceDef};
use crate::extract::RowBatch;
use crate::normalize::{
    ColumnTypes, FlatRecord, JsonColumns, Normalizer, RelationalOptions, RootId, Row, Schema,
    TableSchema,
};
use restsource_core::naming::Naming;

/// A destination's side of normalized loading: statements run in the run's transaction, values
/// bound as their column's type.
pub(crate) trait NormalSql {
    /// The destination's dialect.
    fn dialect(&self) -> Dialect;
    /// Runs one statement without parameters (DDL, `DELETE FROM`).
    fn batch(&mut self, sql: &str) -> Result<(), LoadError>;
    /// Runs `sql` with `params` and returns the first column of every row it returns (text).
    fn query_text(
        &mut self,
        sql: &str,
        params: &[(&Value, DataType)],
    ) -> Result<Vec<String>, LoadError>;
    /// Runs `sql` with `params`.
    fn execute(&mut self, sql: &str, params: &[(&Value, DataType)]) -> Result<(), LoadError>;
    /// Inserts rows of `table` (`params`: each row's values in the table's column order) in
    /// one bulk operation; `Ok(false)` when the destination has none, and multi-row INSERTs
    /// are used instead.
    fn bulk_insert(
        &mut self,
        _table: &TableSchema,
        _params: &[(&Value, DataType)],
    ) -> Result<bool, LoadError> {
        Ok(false)
    }
    /// Whether [`NormalSql::bulk_insert`] writes rows here (so the flush builds its input).
    fn has_bulk_insert(&self) -> bool {
        false
    }
    /// Deletes the rows of `table` whose `column` (of `data_type`) is one of `keys`, in one
    /// statement taking the keys as one array, and returns each deleted row's `returning`
    /// column (text). `Ok(None)`: this destination or this key type has no such statement,
    /// and chunks of `IN (...)` lists are used instead.
    fn delete_any(
        &mut self,
        _table: &str,
        _column: &str,
        _data_type: DataType,
        _keys: &[&Value],
        _returning: Option<&str>,
    ) -> Result<Option<Vec<String>>, LoadError> {
        Ok(None)
    }
    /// Deletes the root rows of `root` whose one-column key `column` (of `data_type`) is one
    /// of `keys`, and first the rows of each of `children` (a table and its root id column)
    /// that belong to them (`row_id`: the root's row id column), without reading anything
    /// back. `Ok(false)`: not offered here; the caller deletes the roots returning their ids.
    #[allow(clippy::too_many_arguments)]
    fn delete_roots(
        &mut self,
        _root: &str,
        _column: &str,
        _data_type: DataType,
        _keys: &[&Value],
        _row_id: &str,
        _children: &[(&str, &str)],
    ) -> Result<bool, LoadError> {
        Ok(false)
    }
    /// The page's statements are all issued: a destination that queues them may send them
    /// now, and need not wait for them before the next page.
    fn end_page(&mut self) -> Result<(), LoadError> {
        Ok(())
    }
    /// The schema stored for `resource`, if any.
    fn stored_schema(&mut self, resource: &str) -> Result<Option<String>, LoadError>;
    /// Stores `schema` for `resource` as of load `load_id`.
    fn store_schema(
        &mut self,
        resource: &str,
        schema: &str,
        load_id: &str,
    ) -> Result<(), LoadError>;
}

/// How a normalized record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NormalMode {
    /// Insert every row.
    Append,
    /// Delete the stored record with the same key and its child rows, then insert (dlt's
    /// delete-insert; with key-hash root ids also its upsert, whose rows come out the same).
    Merge,
    /// Insert a record only when no stored record and no earlier record of the run has its
    /// key; otherwise skip it with its child rows (dlt's insert-only).
    InsertOnly,
}

/// One resource's normalized tables in one destination.
pub(crate) struct NormalWriter {
    /// The resource's normalization rules.
    pub normalizer: Normalizer,
    /// Its tables as known so far.
    pub tables: NormalTables,
    /// The resource's table name as the spec gives it (normalized by the normalizer).
    table: String,
    mode: NormalMode,
    root_id: RootId,
    /// The `hard_delete` column (normalized): a merged record flagged there is deleted with
    /// its child rows and not inserted.
    hard_delete: Option<String>,
    /// The rows of the page being staged, every record's root row first.
    rows: Vec<Row>,
    /// The page's records.
    page: Page,
    /// DDL the page's records need, run before its rows are written.
    ddl: Vec<String>,
    /// Whether the page's records can be written together: a later record of a key replaces
    /// an earlier one of the page by comparing the key's values here, which matches the
    /// database's equality only for integer, text and boolean keys (PostgreSQL compares
    /// `1.0` and `1.00` as equal decimals, for one). Other keys are written record by record.
    batched_keys: bool,
    /// Statement texts, built once per shape.
    statements: Statements,
    /// The columns typed JSON when the writer was made: what its flattening keeps whole.
    json: JsonColumns,
    /// The resource, when prepared from its definition: what a flattener ahead needs.
    def: Option<&'static ResourceDef>,
    /// Where the values of records flattened ahead go once written, to be freed on the
    /// thread that allocated them.
    bin: Option<Bin>,
    /// Whether the page being written was flattened ahead (its values go to `bin`).
    ahead: bool,
    /// The typed path of the resource's records ([`super::normal_typed`]), once its layout
    /// was seen; `None` inside when normalization would not flatten that layout as written.
    typed: Option<Option<TypedPlan>>,
}

/// The statement texts of a resource's tables, built once per shape.
#[derive(Debug, Default)]
struct Statements {
    /// Multi-row inserts by table, column count and rows.
    insert: InsertTexts,
    /// The delete of a chunk of root rows by a one-column key, returning their ids, by chunk
    /// size.
    delete_keys: HashMap<usize, String>,
    /// The delete of a chunk of roots' child rows, by (table, chunk size).
    children: HashMap<(usize, usize), String>,
    /// The delete of one root row by a key of several columns, returning its id.
    root: Option<String>,
}

impl NormalWriter {
    /// The writer of `def` under `options`, with the schema its earlier runs stored.
    pub fn prepare(
        sql: &mut dyn NormalSql,
        def: &'static ResourceDef,
        plan: &Plan,
        options: RelationalOptions,
    ) -> Result<NormalWriter, LoadError> {
        let config = |message: &str| LoadError::Config {
            resource: def.name.to_string(),
            message: message.to_string(),
        };
        let (mode, root_id, root_key) = match plan.mode {
            Mode::Append | Mode::Replace => (NormalMode::Append, RootId::Random, false),
            Mode::DeleteInsert => (NormalMode::Merge, RootId::Random, true),
            Mode::Upsert => (NormalMode::Merge, RootId::KeyHash, true),
            Mode::InsertOnly => (NormalMode::InsertOnly, RootId::KeyHash, true),
        };
        let naming = match sql.dialect() {
            Dialect::Sqlite => Naming::SQLITE,
            Dialect::Postgres => Naming::POSTGRES,
        };
        let normalizer = Normalizer::for_resource(def, naming, options, root_key);
        let schema = match sql.stored_schema(def.name)? {
            None => Schema::new(),
            Some(text) => serde_json::from_str(&text)
                .ok()
                .as_ref()
                .and_then(Schema::from_json)
                .ok_or_else(|| config("the stored schema in `_rs_schema` is not readable"))?,
        };
        // Every stored table exists; tables added from here on are created by the run.
        let mut tables =
            NormalTables::stored(schema, normalizer.primary_key.clone(), options.system);
        normalizer.declare(&mut tables.schema, def);
        let mut writer = NormalWriter::new(normalizer, tables, def.table_name, mode, root_id);
        writer.def = Some(def);
        if mode == NormalMode::Merge {
            writer.hard_delete = def
                .columns
                .iter()
                .find(|c| c.hard_delete)
                .map(|c| naming.key(c.json_name));
        }
        Ok(writer)
    }

    /// Stores the schema as this load leaves it, in the run's transaction.
    pub fn save(
        &self,
        sql: &mut dyn NormalSql,
        resource: &str,
        load_id: &str,
    ) -> Result<(), LoadError> {
        let schema = self.tables.schema.to_json().to_string();
        sql.store_schema(resource, &schema, load_id)
    }

    /// A writer for `table` with `tables` as stored.
    pub fn new(
        normalizer: Normalizer,
        tables: NormalTables,
        table: &str,
        mode: NormalMode,
        root_id: RootId,
    ) -> NormalWriter {
        let json = JsonColumns::of(&tables.schema);
        NormalWriter {
            normalizer,
            tables,
            table: table.to_string(),
            mode,
            root_id,
            hard_delete: None,
            rows: Vec::new(),
            page: Page::default(),
            ddl: Vec::new(),
            batched_keys: true,
            statements: Statements::default(),
            json,
            def: None,
            bin: None,
            ahead: false,
            typed: None,
        }
    }

    /// This writer's flattening, to run ahead of it on another thread, which frees what
    /// `bin` receives; `None` for a writer not prepared from a definition.
    pub fn flatten_ahead(&mut self, bin: Bin) -> Option<Box<dyn FlattenPage>> {
        let def = self.def?;
        self.bin = Some(bin);
        Some(Box::new(Flattening::new(
            self.normalizer.clone(),
            self.table.clone(),
            self.root_id.clone(),
            self.json.clone(),
            ColumnTypes::of(&self.tables.schema),
            def,
        )))
    }

    /// Normalizes and writes every record of a page (`flat`: as the flattener from
    /// [`NormalWriter::flatten_ahead`] flattened them, else flattened here); returns the rows
    /// written (all tables, counted per record as it arrives, as [`NormalWriter::write`]
    /// counts them).
    pub fn write_batch(
        &mut self,
        sql: &mut dyn NormalSql,
        def: &ResourceDef,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let typed = self.typed.get_or_insert_with(|| {
            let layout = batch.tables();
            TypedWriter::of(
                &self.normalizer,
                &self.table,
                layout,
                &self.json,
                &self.root_id,
            )
            .map(TypedPlan::new)
        });
        let mut typed = typed.take();
        self.ahead = flat.is_some();
        let result = self.write_page(sql, def, batch, flat, typed.as_mut(), load_id);
        self.ahead = false;
        self.typed = Some(typed);
        result
    }

    /// Writes every record of a page: as flattened or written ahead (`flat`), else through
    /// `typed` where the record takes it, else flattened here.
    fn write_page(
        &mut self,
        sql: &mut dyn NormalSql,
        def: &ResourceDef,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        mut typed: Option<&mut TypedPlan>,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let dialect = sql.dialect();
        let mut ahead = flat.map(Vec::into_iter);
        let mut done = Vec::with_capacity(batch.len());
        let mut rows = 0;
        let mut buffer = String::new();
        for i in 0..batch.len() {
            let start = self.rows.len();
            let mut record = ahead.as_mut().and_then(Iterator::next);
            let placed = TypedPlan::place_any(
                typed.as_deref_mut(),
                record.as_mut(),
                &self.normalizer,
                &mut self.tables.schema,
                batch,
                i,
                load_id,
                &mut self.rows,
            );
            rows += match (placed, &mut record) {
                (true, _) => {
                    self.ddl.extend(self.tables.pending_ddl(dialect));
                    self.stage_placed(def.name, start)?
                }
                (false, Some(AheadRecord::Flat(flat))) => {
                    self.stage(dialect, def.name, flat, load_id)?
                }
                (false, _) => {
                    let mut flat = flatten_one(
                        &self.normalizer,
                        &self.table,
                        &self.root_id,
                        &self.json,
                        def,
                        batch,
                        i,
                        &mut buffer,
                    );
                    self.stage(dialect, def.name, &mut flat, load_id)?
                }
            };
            done.extend(record);
            if !self.batched_keys {
                self.flush(sql)?;
            }
        }
        self.flush(sql)?;
        self.discard(done);
        Ok(rows)
    }

    /// A record's fields flattened (the schema-free half of normalizing it).
    #[cfg(test)]
    fn flatten(&self, fields: Vec<(Field, Value)>) -> FlatRecord {
        self.normalizer
            .flatten_record(&self.table, fields, &self.root_id, &self.json)
    }

    /// Places and writes flattened `records` as one page; returns the rows written.
    #[cfg(test)]
    fn write_flat(
        &mut self,
        sql: &mut dyn NormalSql,
        resource: &str,
        records: Vec<FlatRecord>,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let dialect = sql.dialect();
        let mut rows = 0;
        let mut records = records;
        for record in &mut records {
            rows += self.stage(dialect, resource, record, load_id)?;
            if !self.batched_keys {
                self.flush(sql)?;
            }
        }
        self.flush(sql)?;
        self.discard(records);
        Ok(rows)
    }

    /// Frees `garbage` on the thread that flattened its contents when the records were
    /// flattened ahead ([`super::ahead::Bin`]), else here.
    fn discard<T: Send + 'static>(&self, garbage: T) {
        if let Some(bin) = &self.bin {
            bin.discard(garbage);
        }
    }

    /// Empties the row buffer once its rows are written: rows whose values were made ahead
    /// go to the bin whole (freeing them value by value here, or gathering the values to
    /// send, was an eighth of the writer thread's time), a new buffer of the same size
    /// takes their place.
    fn clear_rows(&mut self) {
        if self.ahead && self.bin.is_some() && !self.rows.is_empty() {
            let size = self.rows.len();
            let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(size));
            self.discard(rows);
        }
        self.rows.clear();
    }

    /// Normalizes and writes `records` (each an object's fields) as one page.
    #[cfg(test)]
    pub fn write_records(
        &mut self,
        sql: &mut dyn NormalSql,
        resource: &str,
        records: impl Iterator<Item = Vec<(Field, Value)>>,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let flat = records.map(|r| self.flatten(r)).collect();
        self.write_flat(sql, resource, flat, load_id)
    }

    /// Normalizes and writes one record; returns the number of rows written (all tables).
    #[cfg(test)]
    pub fn write(
        &mut self,
        sql: &mut dyn NormalSql,
        resource: &str,
        record: &Value,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let fields = match record.clone() {
            Value::Object(map) => map.into_iter().map(|(k, v)| (Field::Owned(k), v)).collect(),
            other => vec![(Field::Borrowed("value"), other)],
        };
        let mut flat = self.flatten(fields);
        let rows = self.stage(sql.dialect(), resource, &mut flat, load_id)?;
        self.flush(sql)?;
        Ok(rows)
    }

    /// Normalizes one record into the page: its rows join the row buffer and the DDL its new
    /// tables and columns need (in the order a record-by-record load would run it) joins the
    /// page's. Returns the rows it counts: none when discarded or hard-deleted.
    fn stage(
        &mut self,
        dialect: Dialect,
        resource: &str,
        record: &mut FlatRecord,
        load_id: &str,
    ) -> Result<usize, LoadError> {
        let start = self.rows.len();
        self.normalizer
            .place_record(&mut self.tables.schema, record, load_id, &mut self.rows)
            .map_err(|source| LoadError::Normalize {
                resource: resource.to_string(),
                source,
            })?;
        self.ddl.extend(self.tables.pending_ddl(dialect));
        self.stage_placed(resource, start)
    }

    /// Stages the rows placed from `start` on as one record of the page. Returns the rows it
    /// counts: none when discarded or hard-deleted.
    fn stage_placed(&mut self, resource: &str, start: usize) -> Result<usize, LoadError> {
        // A contract may discard the whole record.
        let Some(root) = self.rows.get(start) else {
            return Ok(0);
        };
        let root_table = self.tables.schema.table_at(root.table);
        let mut key = None;
        if self.mode != NormalMode::Append && !self.normalizer.primary_key.is_empty() {
            let Some(k) = key_of(root_table, root, &self.normalizer.primary_key) else {
                return Err(LoadError::Config {
                    resource: resource.to_string(),
                    message: format!(
                        "a record has no value for the primary key {:?}",
                        self.normalizer.primary_key
                    ),
                });
            };
            self.batched_keys &= k.iter().all(|(c, _)| {
                matches!(
                    root_table.columns()[*c].data_type,
                    DataType::Bigint | DataType::Text | DataType::Bool
                )
            });
            key = Some(k.into_iter().map(|(_, v)| v.clone()).collect());
        }
        let deleted = self
            .hard_delete
            .as_ref()
            .is_some_and(|flag| is_deleted(root_table, root, flag));
        let end = self.rows.len();
        let staged = Staged {
            rows: start..end,
            key,
            insert: !deleted,
        };
        if self.mode == NormalMode::InsertOnly {
            self.page.push_keeping_first(staged);
        } else {
            self.page.push(staged);
        }
        Ok(if deleted { 0 } else { end - start })
    }

    /// Writes the staged page: its DDL, the deletes of every stored record a merged record
    /// replaces (with their child rows), then its rows, table by table in multi-row inserts.
    fn flush(&mut self, sql: &mut dyn NormalSql) -> Result<(), LoadError> {
        for ddl in self.ddl.drain(..) {
            sql.batch(&ddl)?;
        }
        if self.page.staged.is_empty() {
            self.clear_rows();
            return sql.end_page();
        }
        let dialect = sql.dialect();
        if !self.normalizer.primary_key.is_empty() {
            match self.mode {
                NormalMode::Merge => self.delete_replaced(sql, dialect)?,
                NormalMode::InsertOnly => self.skip_stored(sql, dialect)?,
                NormalMode::Append => {}
            }
        }
        // Rows by table, in page order within each table.
        let schema = &self.tables.schema;
        let mut by_table: Vec<Vec<usize>> = vec![Vec::new(); schema.tables().len()];
        for s in self.page.staged.iter().filter(|s| s.insert) {
            for r in s.rows.clone() {
                by_table[self.rows[r].table].push(r);
            }
        }
        let bulk = sql.has_bulk_insert();
        for (index, rows) in by_table.iter().enumerate() {
            let table = schema.table_at(index);
            let width = table.columns().len();
            if bulk && !rows.is_empty() {
                let params = row_params(&self.rows, table, rows);
                if sql.bulk_insert(table, &params)? {
                    continue;
                }
            }
            let mut rest = rows.as_slice();
            for n in chunks(rows.len(), width, dialect) {
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let params = row_params(&self.rows, table, chunk);
                let insert = self.statements.insert.get(dialect, index, table, n);
                sql.execute(insert, &params)?;
            }
        }
        self.page.clear();
        self.clear_rows();
        sql.end_page()
    }

    /// Deletes the stored root row of every key in the page, and every child row of those
    /// roots: one statement per chunk of keys for a one-column key, else one per key.
    /// The page's root table (its index in the schema) and the indices of its primary key
    /// columns; `None` for an empty page, or when the table lacks a key column (then no stored
    /// row can have the key).
    fn page_key(&self) -> Option<(usize, Vec<usize>)> {
        let first = self.page.staged.first()?;
        let root = self.rows[first.rows.start].table;
        let root_table = self.tables.schema.table_at(root);
        let key_columns = self
            .normalizer
            .primary_key
            .iter()
            .map(|k| root_table.column_index(k))
            .collect::<Option<Vec<usize>>>()?;
        Some((root, key_columns))
    }

    fn delete_replaced(
        &mut self,
        sql: &mut dyn NormalSql,
        dialect: Dialect,
    ) -> Result<(), LoadError> {
        let Some((root, key_columns)) = self.page_key() else {
            return Ok(());
        };
        let schema = &self.tables.schema;
        let root_table = schema.table_at(root);
        let row_id = self.normalizer.system.row_id;
        let keys: Vec<&[Value]> = self.page.keys().collect();
        let mut old: Vec<Value> = Vec::new();
        let root_id = self.normalizer.system.root_id;
        if let [column] = key_columns[..] {
            let c = &root_table.columns()[column];
            let values: Vec<&Value> = keys.iter().map(|k| &k[0]).collect();
            let children: Vec<(&str, &str)> = schema
                .tables()
                .iter()
                .filter(|t| t.parent.is_some() && t.column(root_id).is_some())
                .map(|t| (t.name.as_str(), root_id))
                .collect();
            if sql.delete_roots(
                &root_table.name,
                &c.name,
                c.data_type,
                &values,
                row_id,
                &children,
            )? {
                return Ok(());
            }
            let mut rest = keys.as_slice();
            if let Some(ids) = sql.delete_any(
                &root_table.name,
                &c.name,
                c.data_type,
                &values,
                Some(row_id),
            )? {
                old.extend(ids.into_iter().map(Value::String));
                rest = &[];
            }
            for n in chunks(rest.len(), 1, dialect) {
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let delete = self.statements.delete_keys.entry(n).or_insert_with(|| {
                    delete_in(
                        dialect,
                        &root_table.name,
                        &c.name,
                        c.data_type,
                        n,
                        Some(row_id),
                    )
                });
                let params: Vec<(&Value, DataType)> =
                    chunk.iter().map(|k| (&k[0], c.data_type)).collect();
                old.extend(
                    sql.query_text(delete, &params)?
                        .into_iter()
                        .map(Value::String),
                );
            }
        } else {
            let delete = self.statements.root.get_or_insert_with(|| {
                let columns: Vec<NormalColumn<'_>> = key_columns
                    .iter()
                    .map(|c| normal(&root_table.columns()[*c]))
                    .collect();
                relational::delete_returning(dialect, &root_table.name, &columns, row_id)
            });
            for key in &keys {
                let params: Vec<(&Value, DataType)> = key
                    .iter()
                    .zip(&key_columns)
                    .map(|(v, c)| (v, root_table.columns()[*c].data_type))
                    .collect();
                old.extend(
                    sql.query_text(delete, &params)?
                        .into_iter()
                        .map(Value::String),
                );
            }
        }
        if old.is_empty() {
            return Ok(());
        }
        for (i, t) in schema.tables().iter().enumerate() {
            if t.parent.is_none() || t.column(root_id).is_none() {
                continue;
            }
            let ids: Vec<&Value> = old.iter().collect();
            if sql
                .delete_any(&t.name, root_id, DataType::Text, &ids, None)?
                .is_some()
            {
                continue;
            }
            let mut rest = old.as_slice();
            for n in chunks(old.len(), 1, dialect) {
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let delete = self.statements.children.entry((i, n)).or_insert_with(|| {
                    delete_in(dialect, &t.name, root_id, DataType::Text, n, None)
                });
                let params: Vec<(&Value, DataType)> =
                    chunk.iter().map(|id| (id, DataType::Text)).collect();
                sql.execute(delete, &params)?;
            }
        }
        Ok(())
    }

    /// Deletes every stored row of the resource's tables (replace: the run's rows follow in the
    /// same transaction, so a failed run keeps the old ones).
    pub fn truncate(&mut self, sql: &mut dyn NormalSql) -> Result<(), LoadError> {
        for t in self.tables.schema.tables() {
            if !t.columns().is_empty() && t.seen_data {
                sql.batch(&format!(
                    "DELETE FROM {}",
                    restsource_core::sql::quote_ident(&t.name)
                ))?;
            }
        }
        Ok(())
    }
}

/// The key columns (by index) and values of a root row, in key order; `None` when one is
/// missing or null.
fn key_of<'r>(
    table: &TableSchema,
    row: &'r Row,
    key: &[String],
) -> Option<Vec<(usize, &'r Value)>> {
    key.iter()
        .map(|k| {
            let index = table.column_index(k)?;
            let value = row
                .cells
                .iter()
                .find(|(c, _)| *c == index)
                .map(|(_, v)| v)
                .filter(|v| !v.is_null())?;
            Some((index, value))
        })
        .collect()
}

/// dlt's hard-delete test: `true` in a bool column, any non-null value in another.
fn is_deleted(table: &TableSchema, row: &Row, flag: &str) -> bool {
    let Some(index) = table.column_index(flag) else {
        return false;
    };
    match row.cells.iter().find(|(c, _)| *c == index) {
        Some((_, Value::Bool(b))) => *b,
        Some((_, Value::Null)) | None => false,
        Some(_) => table.columns()[index].data_type != DataType::Bool,
    }
}

/// The values of `rows` (indices into `staged`, all of `table`), row after row, each in the
/// table's column order.
fn row_params<'a>(
    staged: &'a [Row],
    table: &TableSchema,
    rows: &[usize],
) -> Vec<(&'a Value, DataType)> {
    let width = table.columns().len();
    let mut params: Vec<(&Value, DataType)> = Vec::with_capacity(rows.len() * width);
    for &r in rows {
        let at = params.len();
        params.extend(table.columns().iter().map(|c| (&Value::Null, c.data_type)));
        for (column, value) in &staged[r].cells {
            params[at + column].0 = value;
        }
    }
    params
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::load::sqlite_normal::SqliteSql;
    use crate::load::sqlite_raw::RawStatements;
    use crate::normalize::{Schema, SystemColumns};
    use restsource_core::naming::Naming;
    use rusqlite::Connection;
    use serde_json::json;

    fn merge_writer() -> NormalWriter {
        let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
        n.root_key = true;
        n.primary_key = vec!["id".into()];
        let tables = NormalTables::stored(Schema::new(), vec!["id".into()], SystemColumns::DLT);
        NormalWriter::new(n, tables, "t", NormalMode::Merge, RootId::Random)
    }

    fn dump(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let mut out: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.sort();
        out
    }

    #[test]
    fn merge_replaces_a_records_child_rows_at_every_level() {
        let conn = Connection::open_in_memory().unwrap();
        let mut raw = RawStatements::default();
        let mut sql = SqliteSql(&conn, &mut raw);
        let mut w = merge_writer();
        let load1 = [
            json!({"id": 1, "tags": ["a", "b", "c"], "o": [{"k": 1, "s": [1, 2]}]}),
            json!({"id": 2, "tags": ["z"]}),
        ];
        for r in &load1 {
            w.write(&mut sql, "t", r, "L1").unwrap();
        }
        w.tables.schema.mark_seen();
        let load2 = [
            json!({"id": 1, "tags": ["x"]}),
            json!({"id": 3, "v": 1}),
            json!({"id": 3, "v": 2}),
        ];
        for r in &load2 {
            w.write(&mut sql, "t", r, "L2").unwrap();
        }
        assert_eq!(
            dump(
                &conn,
                "SELECT id || ':' || _dlt_load_id || ':' || coalesce(v, '-') FROM t"
            ),
            ["1:L2:-", "2:L1:-", "3:L2:2"]
        );
        assert_eq!(
            dump(
                &conn,
                "SELECT c.value || ':' || t.id FROM t__tags c JOIN t ON c._dlt_root_id = t._dlt_id"
            ),
            ["x:1", "z:2"]
        );
        assert_eq!(dump(&conn, "SELECT _dlt_id FROM t__tags").len(), 2);
        assert!(dump(&conn, "SELECT _dlt_id FROM t__o").is_empty());
        assert!(dump(&conn, "SELECT _dlt_id FROM t__o__s").is_empty());
        // Types as inferred: the key is an INTEGER column, so it orders and compares as one.
        assert_eq!(
            dump(
                &conn,
                "SELECT name || ' ' || type FROM pragma_table_info('t')"
            ),
            [
                "_dlt_id TEXT",
                "_dlt_load_id TEXT",
                "id INTEGER",
                "v INTEGER"
            ]
        );
    }

    #[test]
    fn replace_truncates_every_table_of_the_resource() {
        let conn = Connection::open_in_memory().unwrap();
        let mut raw = RawStatements::default();
        let mut sql = SqliteSql(&conn, &mut raw);
        let mut n = Normalizer::new(Naming::SQLITE, SystemColumns::DLT);
        n.primary_key = vec![];
        let tables = NormalTables::stored(Schema::new(), vec![], SystemColumns::DLT);
        let mut w = NormalWriter::new(n, tables, "t", NormalMode::Append, RootId::Random);
        w.write(&mut sql, "t", &json!({"id": 1, "l": [1, 2]}), "L1")
            .unwrap();
        w.tables.schema.mark_seen();
        w.truncate(&mut sql).unwrap();
        w.write(&mut sql, "t", &json!({"id": 2, "l": [3]}), "L2")
            .unwrap();
        assert_eq!(dump(&conn, "SELECT CAST(id AS TEXT) FROM t"), ["2"]);
        assert_eq!(dump(&conn, "SELECT CAST(value AS TEXT) FROM t__l"), ["3"]);
    }
}

#[cfg(all(test, feature = "sqlite"))]
#[path = "normal_page_tests.rs"]
mod page_tests;

#[cfg(all(test, feature = "sqlite"))]
#[path = "normal_declared_tests.rs"]
mod declared_tests;

#[path = "normal_insert_only.rs"]
mod insert_only;
