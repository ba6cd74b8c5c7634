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

use super::json_row::value_writer;
use crate::extract::RowBatch;
use crate::normalize::{
    existing_value, typed_child_id, value_type, KnowsJson, Normalizer, RootId, Row, Schema,
    TableSchema, TypedTableNames,
};
use crate::record::{Extra, RowWriter, TableRows};

/// One resource's typed rows on one writer: its layout's names and, once found in the schema,
/// the index of each table and column (columns are only ever appended, so an index found stays
/// right for the run).
pub(crate) struct TypedPlan {
    tables: Vec<TypedSlots>,
    /// The root table's primary key columns, by their place among its written values.
    key: Vec<usize>,
    /// The rows of the record being written, reused record after record.
    rows: Vec<TypedRow>,
    /// The row ids of those rows.
    ids: Vec<String>,
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
}

/// The rows of one record: [`TableRows`] over the plan's row buffer.
struct Sink<'a> {
    rows: &'a mut Vec<TypedRow>,
    used: usize,
    stack: Vec<usize>,
}

impl TypedRow {
    fn put(&mut self, v: Value) {
        self.values.push(v)
    }

    fn put_text(&mut self, f: impl FnOnce(&mut String)) {
        let mut text = String::with_capacity(32);
        f(&mut text);
        self.put(Value::String(text));
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
        let row = &mut self.rows[self.used];
        row.table = table;
        row.parent = parent;
        row.index = index;
        row.values.clear();
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

/// A writer that keeps nothing: what a probe of a record writes to.
pub(crate) struct Discard;

impl Discard {
    fn put(&mut self, _v: Value) {}
    fn put_text(&mut self, _f: impl FnOnce(&mut String)) {}
}

impl RowWriter for Discard {
    value_writer!();
    fn extras(&mut self, _v: &Extra) {}
}

impl TableRows for Discard {
    fn row(&mut self) -> &mut dyn RowWriter {
        self
    }
    fn child(&mut self, _table: usize, _index: usize) {}
    fn end_child(&mut self) {}
}

/// Whether `batch`'s records are worth leaving to the writer's typed path: its layout names
/// tables under `normalizer` and its first record writes its rows (pages of one API tend to be
/// alike).
pub(crate) fn typed_page(
    normalizer: &Normalizer,
    table: &str,
    json: &impl KnowsJson,
    batch: &dyn RowBatch,
) -> bool {
    !batch.is_empty()
        && normalizer
            .typed_names(table, batch.tables(), json)
            .is_some()
        && batch.write_tables(0, &mut Discard)
}

impl TypedPlan {
    /// The plan of a layout named `names`, whose root table's primary key columns are `key`
    /// (normalized names).
    pub fn new(names: Vec<TypedTableNames>, key: &[String]) -> TypedPlan {
        let key = key
            .iter()
            .filter_map(|k| names.first()?.columns.iter().position(|c| **c == **k))
            .collect();
        let tables = names
            .into_iter()
            .map(|names| TypedSlots {
                columns: vec![None; names.columns.len()],
                names,
                table: None,
                system: None,
            })
            .collect();
        TypedPlan {
            tables,
            key,
            rows: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// Writes record `index` of `batch` and places its rows into `out` (their tables marked
    /// as having rows); `false`, with `out` and the schema as they were, when the record must
    /// take the general path.
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        &mut self,
        normalizer: &Normalizer,
        schema: &mut Schema,
        batch: &dyn RowBatch,
        index: usize,
        root_id: &RootId,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        let mut sink = Sink {
            rows: &mut self.rows,
            used: 0,
            stack: Vec::with_capacity(4),
        };
        sink.start(0, None, 0);
        if !batch.write_tables(index, &mut sink) {
            return false;
        }
        let used = sink.used;
        let start = out.len();
        if self.place_rows(normalizer, schema, used, root_id, load_id, out) {
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
        used: usize,
        root_id: &RootId,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> bool {
        self.ids.clear();
        for r in 0..used {
            let row = &mut self.rows[r];
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
            let id = match row.parent {
                None => {
                    let key: Vec<(Arc<str>, Value)> = self
                        .key
                        .iter()
                        .filter_map(|&k| {
                            Some((slots.names.columns[k].clone(), row.values.get(k)?.clone()))
                        })
                        .collect();
                    normalizer.typed_root_id(root_id, &key)
                }
                Some(p) => typed_child_id(&self.ids[p], &slots.names.name, row.index),
            };
            let mut cells = Vec::with_capacity(row.values.len() + 4);
            for (slot, value) in row.values.drain(..).enumerate() {
                let found =
                    slots.columns[slot].or_else(|| t.column_index(&slots.names.columns[slot]));
                match place_value(t, found, value) {
                    Placed::Cell(column, value) => {
                        slots.columns[slot] = Some(column);
                        cells.push((column, value));
                    }
                    Placed::Skip => {}
                    Placed::General => return false,
                }
            }
            let system_values: [Option<Value>; 4] = match row.parent {
                None => [
                    Some(Value::from(load_id)),
                    Some(Value::from(id.as_str())),
                    None,
                    None,
                ],
                Some(p) => [
                    normalizer
                        .root_key
                        .then(|| Value::from(self.ids[0].as_str())),
                    Some(Value::from(self.ids[p].as_str())),
                    Some(Value::from(row.index)),
                    Some(Value::from(id.as_str())),
                ],
            };
            for (column, value) in system.into_iter().zip(system_values) {
                if let (Some(c), Some(v)) = (column, value) {
                    cells.push((c, v));
                }
            }
            self.ids.push(id);
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
/// does.
fn place_value(table: &TableSchema, found: Option<usize>, value: Value) -> Placed {
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
