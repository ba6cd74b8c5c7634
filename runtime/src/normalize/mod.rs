//! dlt's relational normalization: one JSON record becomes one flat, typed row of its resource's
//! table plus one row per list element in child tables, with the names, column order, row ids
//! and types dlt 1.31 gives the same record (`../shared/reference/dlt_normalizer.md`; checked
//! against records normalized by dlt itself in `tests/dlt_normalize.rs`).
//!
//! - Nested objects flatten into `parent__child` columns; lists become child tables
//!   `<table>__<key>` (scalars in a `value` column, inner lists as `<table>__<key>__list`), each
//!   row linked to its parent by the parent's row id and its list index.
//! - Below `max_table_nesting` levels (and under a column already typed JSON) objects and lists
//!   are stored whole as JSON.
//! - A new column takes the type of its first non-null value; a later value of another type is
//!   converted where dlt converts it, else it goes to a variant column `<column>__v_<type>`
//!   (see `coerce` for why variants rather than widening).
//! - Child row ids derive from the parent's id, so a record normalizes to the same child ids
//!   whenever its root id is the same; root ids are random, or a hash of the primary key.

mod coerce;
mod declared;
mod flat;

/// A map for the normalizer's per-field lookups (names, columns, tables): hashed with a
/// per-process random seed, as std's, but several times faster on short keys; every record
/// looks up each of its keys.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
mod name_cache;
mod paths;
mod place;
pub mod schema;
mod stored;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
mod typed;
mod values;

use std::sync::Arc;

use restsource_core::names;
use restsource_core::naming::Naming;
use serde_json::Value;

use crate::def::{DataType, TablesMode};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use coerce::value_type;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use flat::KnowsJson;
pub(crate) use flat::{FlatRecord, FlatRow};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use place::existing_value;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use typed::{typed_child_id, ColumnTypes, TypedTableNames};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use values::{undeclared, Item};
// Only the database writers snapshot their JSON columns.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "delta"))]
pub(crate) use flat::JsonColumns;
pub use paths::SourcePaths;
use place::Placement;
pub use restsource_core::contract::{ContractMode, SchemaContract};
pub use schema::{ColumnSchema, Schema, TableSchema};

/// The names of the columns normalization adds: dlt's (`_dlt_id`, ...) or restsource's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemColumns {
    /// The row's id, unique in its table.
    pub row_id: &'static str,
    /// A child row's parent row id.
    pub parent_id: &'static str,
    /// A child row's position in its list (from 0).
    pub list_idx: &'static str,
    /// The root row's id on every descendant row (merge replaces a root's children by it).
    pub root_id: &'static str,
    /// The load that wrote a root row.
    pub load_id: &'static str,
}

impl SystemColumns {
    /// restsource's names (`_rs_id`, `_rs_parent_id`, `_rs_list_idx`, `_rs_root_id`,
    /// `_rs_load_id`), which a spec can never use for a column of its own.
    pub const RESTSOURCE: SystemColumns = SystemColumns {
        row_id: names::ROW_ID_COLUMN,
        parent_id: names::PARENT_ID_COLUMN,
        list_idx: names::LIST_INDEX_COLUMN,
        root_id: names::ROOT_ID_COLUMN,
        load_id: names::LOAD_ID_COLUMN,
    };

    /// dlt's names, for datasets that dbt models or queries written for dlt read.
    pub const DLT: SystemColumns = SystemColumns {
        row_id: "_dlt_id",
        parent_id: "_dlt_parent_id",
        list_idx: "_dlt_list_idx",
        root_id: "_dlt_root_id",
        load_id: "_dlt_load_id",
    };
}

impl SystemColumns {
    /// Whether `name` is one of these columns.
    pub fn contains(&self, name: &str) -> bool {
        [
            self.row_id,
            self.parent_id,
            self.list_idx,
            self.root_id,
            self.load_id,
        ]
        .contains(&name)
    }

    /// The system columns of a tables mode; `None` for [`TablesMode::Json`], which adds none.
    pub fn of(mode: TablesMode) -> Option<SystemColumns> {
        match mode {
            TablesMode::Json => None,
            TablesMode::Relational => Some(SystemColumns::RESTSOURCE),
            TablesMode::Dlt => Some(SystemColumns::DLT),
        }
    }
}

/// Relational loading for a run (the run's tables mode is `relational` or `dlt`): every
/// resource's records are normalized into typed root and child tables instead of declared
/// columns plus one `_rs_extra` JSON column. Each resource's contract and nesting come from
/// its definition ([`crate::def::RelationalDef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationalOptions {
    /// System column names: [`SystemColumns::RESTSOURCE`], or [`SystemColumns::DLT`] for a
    /// dataset that queries and dbt models written for dlt read unchanged.
    pub system: SystemColumns,
    /// A contract over every resource's own (dlt's run-level `schema_contract`); `None`: each
    /// resource's.
    pub contract: Option<SchemaContract>,
}

impl Default for RelationalOptions {
    fn default() -> Self {
        RelationalOptions {
            system: SystemColumns::RESTSOURCE,
            contract: None,
        }
    }
}

/// The key of a scalar list element's column, and of a whole record that is not an object.
const VALUE_KEY: &str = "value";
/// The key an inner list of a list of lists is stored under.
const LIST_KEY: &str = "list";

/// How a root row gets its id (dlt's `get_root_row_id_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootId {
    /// 10 random bytes, base64: append, replace and delete-insert merges.
    Random,
    /// A digest of the primary key's values: upsert and insert-only merges, so a record keeps
    /// its row ids (and its children theirs) across loads.
    KeyHash,
    /// This id (tests and replays).
    Given(String),
}

/// Normalization settings of one resource.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// Identifier rules and length limit of the destination.
    pub naming: Naming,
    /// System column names.
    pub system: SystemColumns,
    /// Containers (objects and lists) that still flatten below a record; deeper ones are
    /// stored as JSON. dlt's default is 1000.
    pub max_nesting: u32,
    /// Write the root row id on every descendant row (dlt: merge dispositions).
    pub root_key: bool,
    /// Primary key columns (normalized names): NOT NULL, and the input of [`RootId::KeyHash`].
    pub primary_key: Vec<String>,
    /// What a record may change in the schema.
    pub contract: SchemaContract,
    /// Names computed so far (under `naming`).
    names: name_cache::NameCache,
}

/// One normalized row: cells by column index of its table in the [`Schema`].
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The table's index in [`Schema::tables`].
    pub table: usize,
    /// `(column index, value)` in the order dlt lists them; values are converted to the
    /// column's type (timestamps as RFC 3339 UTC text).
    pub cells: Vec<(usize, Value)>,
}

/// A record that cannot be normalized into the schema.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NormalizeError {
    /// A NULL for a NOT NULL column (a primary key).
    #[error("table `{table}`: column `{column}` is NOT NULL but the record has null there")]
    Null {
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// A frozen contract refused a new table.
    #[error("table `{table}` is new, but the schema contract freezes tables (`schema_contract.tables = \"freeze\"`); declare the table or let tables evolve")]
    FrozenTable {
        /// The table.
        table: String,
    },
    /// A frozen contract refused a new column.
    #[error("table `{table}`: field `{column}` (a {value_type} value) is not a column, and the schema contract freezes columns (`schema_contract.columns = \"freeze\"`); declare it in `columns` or let columns evolve")]
    FrozenColumn {
        /// The table.
        table: String,
        /// The column the field would become.
        column: String,
        /// The value's type.
        value_type: &'static str,
    },
    /// A frozen contract refused a variant column.
    #[error("table `{table}`: field `{column}` holds a {value_type} value, which its column's type does not take, and the schema contract freezes data types (`schema_contract.data_type = \"freeze\"`)")]
    FrozenType {
        /// The table.
        table: String,
        /// The column whose type the value does not fit.
        column: String,
        /// The value's type.
        value_type: &'static str,
    },
    /// A value that fits neither its column nor that column's variant for its type.
    #[error(
        "table `{table}`: a {value_type} value fits neither column `{column}` nor its variant"
    )]
    Coerce {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// The value's type.
        value_type: &'static str,
    },
}

impl Normalizer {
    /// dlt's defaults for a resource: its naming, nesting 1000, no root key, no primary key.
    pub fn new(naming: Naming, system: SystemColumns) -> Normalizer {
        Normalizer {
            naming,
            system,
            max_nesting: 1000,
            root_key: false,
            primary_key: Vec::new(),
            contract: SchemaContract::EVOLVE,
            names: name_cache::NameCache::default(),
        }
    }

    /// Normalizes `record` of table `table` (not yet normalized), adding any new table or
    /// column to `schema` and the rows to `out`: the root row first, then each list's rows
    /// depth first, as dlt emits them.
    pub fn normalize(
        &self,
        schema: &mut Schema,
        table: &str,
        record: &Value,
        root_id: &RootId,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> Result<(), NormalizeError> {
        self.normalize_owned(schema, table, record.clone(), root_id, load_id, out)
    }

    /// [`Normalizer::normalize`] of a record the caller gives up: its values move into the
    /// rows instead of being copied.
    pub fn normalize_owned(
        &self,
        schema: &mut Schema,
        table: &str,
        record: Value,
        root_id: &RootId,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> Result<(), NormalizeError> {
        match record {
            Value::Object(map) => self.normalize_fields(schema, table, map, root_id, load_id, out),
            other => {
                self.normalize_fields(schema, table, [(VALUE_KEY, other)], root_id, load_id, out)
            }
        }
    }

    /// [`Normalizer::normalize_owned`] of an object given as its fields in order, each key
    /// once: what a typed record writes, without building a map only to walk it (its declared
    /// keys borrowed from the definition rather than copied per record).
    pub fn normalize_fields<K: AsRef<str>>(
        &self,
        schema: &mut Schema,
        table: &str,
        fields: impl IntoIterator<Item = (K, Value)>,
        root_id: &RootId,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> Result<(), NormalizeError> {
        // The live schema: no snapshot of its JSON columns per record.
        let mut record = self.flatten_record(table, fields, root_id, &*schema);
        self.place_record(schema, &mut record, load_id, out)
    }

    /// Places a flattened record's rows into `schema` (adding the tables and columns they
    /// bring, as its contract allows) and appends them to `out`. A row the contract discards
    /// is dropped with its descendants; its parent stays.
    ///
    /// The values move into `out`; the record keeps its (emptied) rows, for the caller to
    /// free where they were allocated: a record flattened on another thread is freed there
    /// ([`crate::load`]'s flattening ahead), which spares glibc's allocator a lock per free.
    pub(crate) fn place_record(
        &self,
        schema: &mut Schema,
        record: &mut FlatRecord,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> Result<(), NormalizeError> {
        // Each row's table, `None` once dropped.
        let mut placed: Vec<Option<usize>> = Vec::with_capacity(record.rows.len());
        for row in &mut record.rows {
            let parent = match row.parent {
                None => None,
                Some(p) => match placed.get(p).copied().flatten() {
                    Some(table) => Some(table),
                    None => {
                        placed.push(None);
                        continue;
                    }
                },
            };
            let table = self.place_flat_row(schema, row, parent, load_id, out)?;
            placed.push(table);
        }
        Ok(())
    }

    /// One row of [`Normalizer::place_record`]; its table, or `None` when discarded.
    fn place_flat_row(
        &self,
        schema: &mut Schema,
        row: &mut FlatRow,
        parent: Option<usize>,
        load_id: &str,
        out: &mut Vec<Row>,
    ) -> Result<Option<usize>, NormalizeError> {
        let name = &*row.table;
        let root = row.parent.is_none();
        let existing = schema.table_index(name);
        if existing.is_none_or(|i| !schema.table_at(i).seen_data) {
            match self.contract.tables {
                ContractMode::Evolve => {}
                ContractMode::Freeze => {
                    return Err(NormalizeError::FrozenTable {
                        table: name.to_string(),
                    })
                }
                // The row and its children are dropped; its parent stays.
                ContractMode::DiscardRow | ContractMode::DiscardValue => return Ok(None),
            }
        }
        if let Some(t) = existing {
            schema.table_at_mut(t).locate(&row.flat);
        }
        let mut cells = Vec::with_capacity(row.flat.len() + row.system.len() + 1);
        let Some(new) = self.place_row(schema, existing, name, &mut row.flat, root, &mut cells)?
        else {
            return Ok(None);
        };
        let table = match existing {
            Some(table) => table,
            None => schema.ensure_table(name, parent),
        };
        let t = schema.table_at_mut(table);
        t.has_rows = true;
        // New columns in the order their values came, as dlt adds them.
        for (cell, column) in new {
            cells[cell].0 = t.add_column(column);
        }
        let load = root.then(|| (self.system.load_id, Value::from(load_id), DataType::Text));
        let system = row
            .system
            .iter_mut()
            .map(|(column, value, data_type)| (*column, std::mem::take(value), *data_type));
        for (position, (column, value, data_type)) in load.into_iter().chain(system).enumerate() {
            // Looked up first: the name is only copied for the table's first row.
            let i = match t.system_column(position, column) {
                Some(i) => i,
                None => t.add_column(ColumnSchema {
                    name: column.to_string(),
                    data_type,
                    nullable: false,
                    variant: false,
                }),
            };
            cells.push((i, value));
        }
        out.push(Row { table, cells });
        Ok(Some(table))
    }

    /// Every value of a row placed into `cells` and checked against the contract; returns
    /// the columns to add (each with its cell, whose column index is set once added), or
    /// `None` when the contract discards the row. Nothing in the schema changes here, so a
    /// refused row leaves it as it was.
    fn place_row(
        &self,
        schema: &Schema,
        table: Option<usize>,
        name: &str,
        flat: &mut [(Arc<str>, Value)],
        root: bool,
        cells: &mut Vec<(usize, Value)>,
    ) -> Result<Option<Vec<(usize, ColumnSchema)>>, NormalizeError> {
        let table = table.map(|t| schema.table_at(t));
        let seen = table.is_some_and(|t| t.seen_data);
        let mut new = Vec::new();
        for (position, (column, value)) in flat.iter_mut().enumerate() {
            let at = table.and_then(|t| t.located(position));
            if let Some((t, i)) = table.zip(at) {
                if place::fits_as_is(t, i, value) {
                    cells.push((i, std::mem::take(value)));
                    continue;
                }
            }
            let placement = self.decide(table, at, name, column, std::mem::take(value), root)?;
            let (new_column, value, field, from) = match placement {
                Placement::Skip => continue,
                Placement::Existing(i, value) => {
                    cells.push((i, value));
                    continue;
                }
                Placement::New {
                    column,
                    value,
                    field,
                    from,
                } => (column, value, field, from),
            };
            // New columns of a table that never received data always evolve (dlt's rule);
            // variants answer to the data type contract everywhere.
            let mode = match (new_column.variant, seen) {
                (true, _) => self.contract.data_type,
                (false, true) => self.contract.columns,
                (false, false) => ContractMode::Evolve,
            };
            match mode {
                ContractMode::Evolve => {
                    new.push((cells.len(), new_column));
                    cells.push((usize::MAX, value));
                }
                ContractMode::DiscardValue => {}
                ContractMode::DiscardRow => return Ok(None),
                ContractMode::Freeze if new_column.variant => {
                    return Err(NormalizeError::FrozenType {
                        table: name.to_string(),
                        column: field,
                        value_type: from.name(),
                    })
                }
                ContractMode::Freeze => {
                    return Err(NormalizeError::FrozenColumn {
                        table: name.to_string(),
                        column: field,
                        value_type: from.name(),
                    })
                }
            }
        }
        Ok(Some(new))
    }
}

#[cfg(test)]
mod tests;
