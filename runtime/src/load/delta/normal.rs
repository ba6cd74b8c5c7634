//! Relational tables in a lake: a resource's records normalized as in the SQL destinations
//! (dlt's root and child tables, flattened columns, inferred types, variants, contracts),
//! each table a Delta table of its own (`items`, `items__tags`) written through the same
//! Arrow builders as `json` tables.
//!
//! A table gains columns while a run loads: the rows buffered so far get nulls in them, the
//! Parquet files already written keep their narrower schema (Delta reads a column a file
//! lacks as null), and the table's commit adds the columns to its schema. Types never
//! change: a value that does not fit its column goes to a variant column, as everywhere.
//!
//! The normalized schema (tables, columns, types, which tables have seen data) is kept in
//! `_rs_state.json` with the run's commit, so later runs coerce values into the types the
//! tables already have. A merge removes the child rows of every root row it removes (see
//! `children`).

use serde_json::Value;

use deltalake::kernel::{StructField, StructType};
use restsource_core::naming::Naming;

use super::super::ahead::{AheadRecord, Bin, FlatPage, FlattenPage};
use super::super::mode::Mode;
use super::super::normal_ahead::{flatten_one, Flattening};
use super::super::normal_typed::{TypedPlan, TypedWriter};
use super::super::LoadError;
use super::arrow_rows::delta_type;
use super::children::ChildOf;
use super::merge::MergeSpec;
use crate::def::{DataType, ResourceDef};
use crate::extract::RowBatch;
use crate::normalize::{
    ColumnTypes, JsonColumns, Normalizer, RelationalOptions, RootId, Row, Schema, TableSchema,
};

/// Identifiers in a lake are not length-limited (dlt's filesystem destination shortens
/// none either).
pub const NAMING: Naming = Naming::UNLIMITED;

/// One resource loaded relationally into a lake.
pub struct NormalResource {
    normalizer: Normalizer,
    /// Its tables as earlier runs stored them, plus what this run added.
    pub schema: Schema,
    /// The resource's table name as the spec gives it.
    table: String,
    root_id: RootId,
    /// The JSON columns when the run started: what flattening keeps whole.
    json: JsonColumns,
    def: &'static ResourceDef,
    /// A merge disposition: its records must not make child rows.
    merge: bool,
    /// Where records flattened ahead go once written.
    bin: Option<Bin>,
    /// The typed path of the resource's records, once its layout was seen
    /// ([`super::super::normal_typed`]).
    typed: Option<Option<TypedPlan>>,
}

impl NormalResource {
    /// `def` loaded in `mode` under `options`, starting from its `stored` schema.
    pub fn prepare(
        def: &'static ResourceDef,
        mode: Mode,
        options: RelationalOptions,
        stored: Option<&Value>,
    ) -> Result<NormalResource, LoadError> {
        // Random root ids for every disposition, unlike the SQL destinations' key hashes for
        // upsert and insert-only: a merge tells the child rows of a removed root from those
        // of the record replacing it (or of an earlier record of its key in the run) by them.
        let merge = matches!(mode, Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly);
        let root_id = RootId::Random;
        let normalizer = Normalizer::for_resource(def, NAMING, options, merge);
        let mut schema = match stored {
            None => Schema::new(),
            Some(v) => Schema::from_json(v).ok_or_else(|| LoadError::Config {
                resource: def.name.to_string(),
                message: format!(
                    "the stored schema in `{}` is not readable",
                    super::STATE_OBJECT
                ),
            })?,
        };
        normalizer.declare(&mut schema, def);
        let json = JsonColumns::of(&schema);
        Ok(NormalResource {
            normalizer,
            schema,
            table: def.table_name.to_string(),
            root_id,
            json,
            def,
            merge,
            bin: None,
            typed: None,
        })
    }

    /// This resource's flattening, to run ahead of the writer on another thread, which frees
    /// what `bin` receives.
    pub fn flatten_ahead(&mut self, bin: Bin) -> Box<dyn FlattenPage> {
        self.bin = Some(bin);
        Box::new(Flattening::new(
            self.normalizer.clone(),
            self.table.clone(),
            self.root_id.clone(),
            self.json.clone(),
            ColumnTypes::of(&self.schema),
            self.def,
        ))
    }

    /// Every record of `batch` normalized (`flat`: as flattened ahead, else flattened here):
    /// the rows of every table, each record's root row first.
    pub fn rows(
        &mut self,
        batch: &dyn RowBatch,
        flat: Option<FlatPage>,
        load_id: &str,
    ) -> Result<Vec<Row>, LoadError> {
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
        let mut ahead = flat.map(Vec::into_iter);
        let mut done = Vec::with_capacity(batch.len());
        let mut rows = Vec::with_capacity(batch.len());
        let mut buffer = String::new();
        for i in 0..batch.len() {
            let mut record = ahead.as_mut().and_then(Iterator::next);
            let placed = TypedPlan::place_any(
                typed.as_mut(),
                record.as_mut(),
                &self.normalizer,
                &mut self.schema,
                batch,
                i,
                load_id,
                &mut rows,
            );
            let general = match (placed, &mut record) {
                (true, _) => None,
                (false, Some(AheadRecord::Flat(flat))) => Some(std::mem::take(flat)),
                (false, _) => Some(flatten_one(
                    &self.normalizer,
                    &self.table,
                    &self.root_id,
                    &self.json,
                    self.def,
                    batch,
                    i,
                    &mut buffer,
                )),
            };
            if let Some(mut flat) = general {
                self.normalizer
                    .place_record(&mut self.schema, &mut flat, load_id, &mut rows)
                    .map_err(|source| LoadError::Normalize {
                        resource: self.def.name.to_string(),
                        source,
                    })?;
            }
            done.extend(record);
        }
        if let Some(bin) = &self.bin {
            bin.discard(done);
        }
        Ok(rows)
    }

    /// Frees `garbage` (a page's rows) on the thread that flattened their values, when they
    /// were flattened ahead; else here.
    pub fn discard<T: Send + 'static>(&self, garbage: T) {
        if let Some(bin) = &self.bin {
            bin.discard(garbage);
        }
    }

    /// The resource.
    pub fn def(&self) -> &'static ResourceDef {
        self.def
    }

    /// Whether the resource merges (its child tables follow its root's merge).
    pub fn merges(&self) -> bool {
        self.merge
    }

    /// For a merged resource's child table `index`: its root table and root id column.
    pub fn child_of(&self, index: usize) -> Option<ChildOf> {
        let mut root = self.schema.table_at(index);
        root.parent?;
        if !self.merge {
            return None;
        }
        while let Some(p) = root.parent {
            root = self.schema.table_at(p);
        }
        Some(ChildOf {
            root: root.name.clone(),
            root_id: self.normalizer.system.root_id.to_string(),
        })
    }

    /// The Delta schema of table `index`: its columns in order, each nullable as the schema
    /// says (a declared decimal keeps its precision and scale).
    pub fn delta_schema(&self, index: usize) -> Result<StructType, LoadError> {
        let t = self.schema.table_at(index);
        let root = t.parent.is_none();
        let fields = t.columns().iter().map(|c| {
            let declared = root
                .then(|| {
                    self.def
                        .columns
                        .iter()
                        .find(|d| NAMING.key(d.json_name) == c.name && d.data_type == c.data_type)
                })
                .flatten();
            let (precision, scale) = declared.map_or((None, None), |d| (d.precision, d.scale));
            delta_type(c.data_type, precision, scale)
                .map(|ty| StructField::new(c.name.clone(), ty, c.nullable))
                .map_err(|message| LoadError::Delta {
                    table: t.name.clone(),
                    message: format!("column `{}`: {message}", c.name),
                })
        });
        let fields = fields.collect::<Result<Vec<_>, _>>()?;
        StructType::try_new(fields).map_err(|e| LoadError::Delta {
            table: t.name.clone(),
            message: e.to_string(),
        })
    }

    /// Which columns of `table` hold JSON (stored as its text).
    pub fn json_columns(table: &TableSchema) -> Vec<bool> {
        table
            .columns()
            .iter()
            .map(|c| c.data_type == DataType::Json)
            .collect()
    }

    /// How the root table's rows merge, by the normalized names of the key, `hard_delete`
    /// and `dedup_sort` columns (`spec`: the plan's merge, by declared names).
    pub fn merge_spec(&self, spec: Option<MergeSpec>) -> Option<MergeSpec> {
        let mut spec = spec?;
        let name = |declared: &str| {
            self.def
                .columns
                .iter()
                .find(|c| c.sql_name == declared)
                .map_or_else(|| NAMING.key(declared), |c| NAMING.key(c.json_name))
        };
        spec.keys = self.normalizer.primary_key.clone();
        spec.merge_key = spec.merge_key.iter().map(|k| NAMING.key(k)).collect();
        spec.hard_delete = spec.hard_delete.map(|(c, is_bool)| (name(&c), is_bool));
        spec.dedup_sort = spec.dedup_sort.map(|(c, desc)| (name(&c), desc));
        spec.row_ids = Some(self.normalizer.system.row_id.to_string());
        Some(spec)
    }
}
