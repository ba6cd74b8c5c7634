//! Typed records placed straight into their relational tables: the generated code writes each
//! row's values ([`crate::record::Record::write_tables`]) and the writer puts them in the
//! columns normalization names for the same key paths ([`crate::normalize`]'s typed names),
//! converted exactly as placing converts a value for an existing column, with the same row
//! ids and system columns. No JSON form of the record, no flattening and no per-field name
//! lookup: the cost a hand-written loader pays.
//!
//! Only what exists is written this way. A record declined by its generated code, or with a
//! value for a table or column not yet in the schema, a null for a NOT NULL column, or a value
//! its column does not take (a variant), is placed by the general path instead: that path
//! decides new tables, columns, variants and contracts, in dlt's order, and the records after
//! it find what it made.

use std::sync::Arc;

use serde_json::Value;

use super::ahead::AheadRecord;
use super::json_row::value_writer;
use crate::def::DataType;
use crate::extract::RowBatch;
use crate::normalize::{
    existing_value, typed_child_id, value_type, ColumnTypes, KnowsJson, Normalizer, RootId, Row,
    Schema, TableSchema, TypedTableNames,
};
use crate::record::{Extra, RowWriter, TableRows, TypedTable};

/// How one resource's typed records become rows with their ids: the layout's names, the root
/// id rule, and where the primary key is among the root row's values. Used where records are
/// written (on the writer, or on the flattening thread ahead of it).
pub(crate) struct TypedWriter {
    names: Vec<TypedTableNames>,
    /// The root table's primary key columns, by their place among its written values.
    key: Vec<usize>,
    root_id: RootId,
    /// Per table, each value's column type when the run started (`None`: not known then);
    /// empty where values are converted on the writer.
    types: Vec<Vec<Option<DataType>>>,
}

/// A typed record's rows, root first, each with its id: written, not yet placed.
#[derive(Debug, Default)]
pub(crate) struct TypedRecord {
    rows: Vec<TypedRow>,
    /// How many of `rows` this record uses (the rest are kept for the next record).
    used: usize,
    ids: Vec<String>,
    /// Each row's system column values, in [`system_columns`]' order (a root row's load id
    /// is the writer's to add): made where the record is written, so the writer only moves
    /// them.
    system: Vec<[Option<Value>; 4]>,
    /// The rows being written, innermost last (a buffer kept for the next record).
    stack: Vec<usize>,
}

/// One resource's typed rows on one writer: its layout's names and, once found in the schema,
/// the index of each table and column (columns are only ever appended, so an index found stays
/// right for the run).
pub(crate) struct TypedPlan {
    writer: TypedWriter,
    tables: Vec<TypedSlots>,
    /// The record being written on the writer, reused record after record.
    scratch: TypedRecord,
}

/// A table of the layout: its names and where they are in the schema.
struct TypedSlots {
    names: TypedTableNames,
    table: Option<usize>,
    columns: Vec<Option<usize>>,
    /// The system columns' indices: load id and row id (root), or root id, parent id, list
    /// index and row id (child); found once, when every one exists.
    system: Option<[Option<usize>; 4]>,
}

/// One row as the generated code wrote it.
#[derive(Debug, Default)]
struct TypedRow {
    table: usize,
    parent: Option<usize>,
    index: usize,
    values: Vec<Value>,
    /// Per value, the column type whose stored form it already is, when it is: a timestamp,
    /// date, time or decimal the generated code wrote in the loaders' text form (converting
    /// it again, parsing and printing it back, gives the same text), or a value converted to
    /// its column's type ahead of the writer (see [`TypedWriter::converting`]).
    types: Vec<Option<DataType>>,
}

/// The rows of one record: [`TableRows`] over the plan's row buffer.
struct Sink<'a> {
    rows: &'a mut Vec<TypedRow>,
    used: usize,
    stack: &'a mut Vec<usize>,
    /// Each table's names, for its column count: a row gets room for its values up front.
    /// A record taken ahead of the writer leaves an empty buffer behind, and growing a row's
    /// values from nothing reallocated them row after row (19M of the flattening thread's
    /// 654M instructions on 6 x 5,000 wide records).
    widths: &'a [TypedTableNames],
}

impl TypedRow {
    fn put(&mut self, v: Value) {
        self.values.push(v);
        self.types.push(None);
    }

    fn put_text(&mut self, stored: DataType, f: impl FnOnce(&mut String)) {
        let mut text = String::with_capacity(32);
        f(&mut text);
        self.values.push(Value::String(text));
        self.types.push(Some(stored));
    }
}

impl RowWriter for TypedRow {
    value_writer!();

    /// A typed row has no undeclared fields (a record with some declines).
    fn extras(&mut self, _v: &Extra) {}
}

impl Sink<'_> {
    fn start(&mut self, table: usize, parent: Option<usize>, index: usize) {
        if self.rows.len() == self.used {
            self.rows.push(TypedRow::default());
        }
        let width = self.widths.get(table).map_or(0, |t| t.columns.len());
        let row = &mut self.rows[self.used];
        row.table = table;
        row.parent = parent;
        row.index = index;
        row.values.clear();
        row.types.clear();
        row.values.reserve(width);
        row.types.reserve(width);
        self.stack.push(self.used);
        self.used += 1;
    }
}

impl TableRows for Sink<'_> {
    fn row(&mut self) -> &mut dyn RowWriter {
        // Generated code writes inside a row: the root row is started before it is called.
        let at = self.stack.last().copied().unwrap_or(0);
        &mut self.rows[at]
    }
    fn child(&mut self, table: usize, index: usize) {
        let parent = self.stack.last().copied();
        self.start(table, parent, index);
    }
    fn end_child(&mut self) {
        self.stack.pop();
    }
}

impl TypedWriter {
    /// The writer of `layout` for the resource whose table is `table` (not yet normalized),
    /// under `normalizer` with `json` the columns typed JSON; `None` when normalization would
    /// not flatten that layout as written.
    pub fn of(
        normalizer: &Normalizer,
        table: &str,
        layout: &[TypedTable],
        json: &impl KnowsJson,
        root_id: &RootId,
    ) -> Option<TypedWriter> {
        let names = normalizer.typed_names(table, layout, json)?;
        Some(TypedWriter::new(
            names,
            &normalizer.primary_key,
            root_id.clone(),
        ))
    }

    /// The writer of a layout named `names`, whose root table's primary key columns are `key`
    /// (normalized names), with root ids by `root_id`.
    fn new(names: Vec<TypedTableNames>, key: &[String], root_id: RootId) -> TypedWriter {
        let key = key
            .iter()
            .filter_map(|k| names.first()?.columns.iter().position(|c| **c == **k))
            .collect();
        TypedWriter {
            names,
            key,
            root_id,
            types: Vec::new(),
        }
    }

    /// This writer, converting each value whose column existed when the run started (its
    /// type in `types`) to that type as it writes: the conversion a value needs for its
    /// column (a timestamp's text re-read into its stored form, a date's, a decimal's) then
    /// happens where records are written, ahead of the writer.
    pub fn converting(mut self, types: &ColumnTypes) -> TypedWriter {
        self.types = self
            .names
            .iter()
            .map(|t| t.columns.iter().map(|c| types.get(&t.name, c)).collect())
            .collect();
        self
    }

    /// Writes record `index` of `batch` into `record` with its row ids; `false` when the
    /// record declines.
    pub fn write(
        &self,
        normalizer: &Normalizer,
        batch: &dyn RowBatch,
        index: usize,
        record: &mut TypedRecord,
    ) -> bool {
        record.stack.clear();
        let mut sink = Sink {
            rows: &mut record.rows,
            used: 0,
            stack: &mut record.stack,
            widths: &self.names,
        };
        sink.start(0, None, 0);
        if !batch.write_tables(index, &mut sink) {
            return false;
        }
        record.used = sink.used;
        record.ids.clear();
        record.ids.reserve(record.used);
        for r in 0..record.used {
            let row = &record.rows[r];
            let id = match row.parent {
                None => {
                    let key: Vec<(Arc<str>, Value)> = self
                        .key
                        .iter()
                        .filter_map(|&k| {
                            Some((self.names[0].columns[k].clone(), row.values.get(k)?.clone()))
                        })
                        .collect();
                    normalizer.typed_root_id(&self.root_id, &key)
                }
                Some(p) => typed_child_id(&record.ids[p], &self.names[row.table].name, row.index),
            };
            record.ids.push(id);
        }
        // Each row's id moves into its row id value, last row first: a row's children, which
        // copy its id as their parent id, come after it.
        let ids = &mut record.ids;
        record.system.clear();
        record.system.resize_with(record.used, Default::default);
        for (r, row) in record.rows[..record.used].iter().enumerate().rev() {
            record.system[r] = match row.parent {
                None => [
                    None,
                    Some(Value::String(std::mem::take(&mut ids[r]))),
                    None,
                    None,
                ],
                Some(p) => [
                    normalizer.root_key.then(|| Value::from(ids[0].as_str())),
                    Some(Value::from(ids[p].as_str())),
                    Some(Value::from(row.index)),
                    Some(Value::String(std::mem::take(&mut ids[r]))),
                ],
            };
        }
        // After the ids: a key-hash root id digests the values as written.
        if !self.types.is_empty() {
            for row in &mut record.rows[..record.used] {
                let types = &self.types[row.table];
                for ((slot, value), stored) in row.values.iter_mut().enumerate().zip(&mut row.types)
                {
                    let to = types.get(slot).copied().flatten();
                    if to.is_none() || *stored == to {
                        continue;
                    }
                    if let (Some(to), Some(from)) = (to, value_type(value)) {
                        match existing_value(to, from, std::mem::take(value)) {
                            Ok(v) => {
                                *value = v;
                                *stored = Some(to);
                            }
                            Err(v) => *value = v,
                        }
                    }
                }
            }
        }
        true
    }
}

impl TypedRecord {
    /// The rows the record has room for.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Frees the values the record still holds and keeps its buffers' room, to write another
    /// record into ([`super::ahead::Spare`]).
    pub fn release(&mut self) {
        for row in &mut self.rows {
            row.values.clear();
            row.types.clear();
        }
        self.used = 0;
        self.ids.clear();
        self.system.clear();
        self.stack.clear();
    }
}

impl TypedPlan {
    /// The plan of records `writer` writes.
    pub fn new(writer: TypedWriter) -> TypedPlan {
        let tables = writer
            .names
            .iter()
            .map(|names| TypedSlots {
                columns: vec![None; names.columns.len()],
                names: names.clone(),
                table: None,
                system: None,
            })
            .collect();
        TypedPlan {
            writer,
            tables,
            scratch: TypedRecord::default(),
        }
    }

    /// Places record `index` of `batch` into `out` when it takes the typed path: as `ahead`
    /// wrote it on the flattening thread, or written here when nothing was written ahead
    /// (see [`TypedPlan::place_record`]).
    #[allow(clippy::too_many_arguments)]
    pub fn place_any(
        plan: Option<&mut TypedPlan>,
        ahead: Option<&mut AheadRecord>,
        normalizer: &Normalizer,
        schema: &mut Schema,
        batch: &dyn RowBatch,
        index: usize,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        match (ahead, plan) {
            (Some(AheadRecord::Typed(r)), Some(plan)) => {
                plan.place_record(normalizer, schema, r, load_id, out)
            }
            (None, Some(plan)) => plan.place(normalizer, schema, batch, index, load_id, out),
            _ => false,
        }
    }

    /// Writes record `index` of `batch` and places its rows into `out` (see
    /// [`TypedPlan::place_record`]).
    pub fn place(
        &mut self,
        normalizer: &Normalizer,
        schema: &mut Schema,
        batch: &dyn RowBatch,
        index: usize,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        let mut record = std::mem::take(&mut self.scratch);
        let placed = self.writer.write(normalizer, batch, index, &mut record)
            && self.place_record(normalizer, schema, &mut record, load_id, out);
        self.scratch = record;
        placed
    }

    /// Places a written record's rows into `out` (their values move; their tables are marked
    /// as having rows); `false`, with `out` and the schema as they were, when the record must
    /// take the general path.
    pub fn place_record(
        &mut self,
        normalizer: &Normalizer,
        schema: &mut Schema,
        record: &mut TypedRecord,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        let start = out.len();
        if self.place_rows(normalizer, schema, record, load_id, out) {
            for row in &out[start..] {
                schema.table_at_mut(row.table).has_rows = true;
            }
            true
        } else {
            out.truncate(start);
            false
        }
    }

    fn place_rows(
        &mut self,
        normalizer: &Normalizer,
        schema: &Schema,
        record: &mut TypedRecord,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        for (r, row) in record.rows[..record.used].iter_mut().enumerate() {
            let slots = &mut self.tables[row.table];
            let Some(table) = slots
                .table
                .or_else(|| schema.table_index(&slots.names.name))
            else {
                return false;
            };
            slots.table = Some(table);
            let t = schema.table_at(table);
            let Some(system) = slots
                .system
                .or_else(|| system_columns(normalizer, t, row.parent))
            else {
                return false;
            };
            slots.system = Some(system);
            let mut cells = Vec::with_capacity(row.values.len() + 4);
            for (slot, value) in row.values.drain(..).enumerate() {
                let found =
                    slots.columns[slot].or_else(|| t.column_index(&slots.names.columns[slot]));
                let converted = row.types.get(slot).copied().flatten();
                match place_value(t, found, value, converted) {
                    Placed::Cell(column, value) => {
                        slots.columns[slot] = Some(column);
                        cells.push((column, value));
                    }
                    Placed::Skip => {}
                    Placed::General => return false,
                }
            }
            let mut system_values = std::mem::take(&mut record.system[r]);
            if row.parent.is_none() {
                system_values[0] = Some(Value::from(load_id));
            }
            for (column, value) in system.into_iter().zip(system_values) {
                if let (Some(c), Some(v)) = (column, value) {
                    cells.push((c, v));
                }
            }
            out.push(Row { table, cells });
        }
        true
    }
}

/// Where one written value goes.
enum Placed {
    /// This column, converted to its type.
    Cell(usize, Value),
    /// Nowhere: a null for a column that does not exist (dlt makes no column from nulls).
    Skip,
    /// Only the general path can place it.
    General,
}

/// `value` for the column of `table` at `found`, as placing a value for an existing column
/// does; `converted`: the type the value was already converted to (its column's, which no
/// run changes).
fn place_value(
    table: &TableSchema,
    found: Option<usize>,
    value: Value,
    converted: Option<DataType>,
) -> Placed {
    let Some(from) = value_type(&value) else {
        return match found {
            None => Placed::Skip,
            Some(c) if table.columns()[c].nullable => Placed::Cell(c, Value::Null),
            Some(_) => Placed::General,
        };
    };
    let Some(c) = found else {
        return Placed::General;
    };
    let column = &table.columns()[c];
    if column.variant {
        return Placed::General;
    }
    if converted == Some(column.data_type) {
        return Placed::Cell(c, value);
    }
    match existing_value(column.data_type, from, value) {
        Ok(v) => Placed::Cell(c, v),
        Err(_) => Placed::General,
    }
}

/// The system columns of a row of `table` (a root row when `parent` is `None`), in the order
/// [`TypedPlan::place_rows`] fills them; `None` while one the row needs does not exist.
fn system_columns(
    normalizer: &Normalizer,
    table: &TableSchema,
    parent: Option<usize>,
) -> Option<[Option<usize>; 4]> {
    let s = normalizer.system;
    let find = |name: &str| table.column_index(name).map(Some);
    match parent {
        None => Some([find(s.load_id)?, find(s.row_id)?, None, None]),
        Some(_) => Some([
            if normalizer.root_key {
                find(s.root_id)?
            } else {
                None
            },
            find(s.parent_id)?,
            find(s.list_idx)?,
            find(s.row_id)?,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::ColumnSchema;
    use serde_json::json;

    fn table() -> Schema {
        let mut schema = Schema::new();
        let t = schema.ensure_table("items", None);
        for (name, data_type, nullable, variant) in [
            ("id", DataType::Bigint, false, false),
            ("at", DataType::Timestamp, true, false),
            ("at__v_bigint", DataType::Bigint, true, true),
        ] {
            schema.table_at_mut(t).add_column(ColumnSchema {
                name: name.into(),
                data_type,
                nullable,
                variant,
            });
        }
        schema
    }

    /// What [`place_value`] decides, comparable.
    fn place(found: Option<usize>, value: Value, converted: Option<DataType>) -> String {
        let schema = table();
        match place_value(schema.table_at(0), found, value, converted) {
            Placed::Cell(c, v) => format!("{c} {v}"),
            Placed::Skip => "skip".into(),
            Placed::General => "general".into(),
        }
    }

    #[test]
    fn a_value_goes_where_placing_puts_it_or_to_the_general_path() {
        assert_eq!(place(Some(0), json!(7), None), "0 7");
        assert_eq!(
            place(Some(0), json!("7"), None),
            "0 7",
            "converted as placing does"
        );
        assert_eq!(place(Some(0), json!("x"), None), "general", "a variant");
        assert_eq!(place(Some(0), Value::Null, None), "general", "NOT NULL");
        assert_eq!(place(Some(1), Value::Null, None), "1 null");
        assert_eq!(
            place(None, Value::Null, None),
            "skip",
            "no column from a null"
        );
        assert_eq!(place(None, json!(1), None), "general", "a new column");
        assert_eq!(
            place(Some(1), json!("2024-05-01T12:00:00+00:00"), None),
            r#"1 "2024-05-01T12:00:00Z""#,
            "a timestamp in its stored form"
        );
        assert_eq!(
            place(
                Some(1),
                json!("2024-05-01T12:00:00Z"),
                Some(DataType::Timestamp)
            ),
            r#"1 "2024-05-01T12:00:00Z""#,
            "converted ahead: moved"
        );
        assert_eq!(
            place(
                Some(1),
                json!("2024-05-01T12:00:00+00:00"),
                Some(DataType::Text)
            ),
            r#"1 "2024-05-01T12:00:00Z""#,
            "converted to another type: converted again"
        );
        assert_eq!(
            place(Some(2), json!(1), None),
            "general",
            "a variant column"
        );
    }
}
