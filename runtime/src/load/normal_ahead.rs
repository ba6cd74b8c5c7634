//! A relational writer's flattening, run ahead of it on another thread ([`super::ahead`]).

use std::collections::HashMap;

use std::cell::OnceCell;

use super::ahead::{AheadRecord, Bin, FlatPage, FlattenPage, Spare};
use super::json_row::JsonRow;
use super::normal_typed::{TypedRecord, TypedWriter};
use super::normal_writer::NormalWriter;
use crate::def::ResourceDef;
use crate::extract::RowBatch;
use crate::normalize::{
    undeclared, ColumnTypes, FlatRecord, Item, JsonColumns, Normalizer, RootId,
};

/// A resource's flattening on another thread ([`super::ahead`]): a copy of its writer's
/// settings and of the JSON columns it started with, so it gives the writer's own rows.
pub(crate) struct Flattening {
    normalizer: Normalizer,
    table: String,
    root_id: RootId,
    json: JsonColumns,
    def: &'static ResourceDef,
    /// How the resource's typed records write their rows, once its layout was seen (`None`
    /// inside: normalization would not flatten that layout as written).
    typed: OnceCell<Option<TypedWriter>>,
    /// The column types when the writer started, to convert typed values ahead of it.
    types: ColumnTypes,
}

impl FlattenPage for Flattening {
    /// Every record of `batch`: written typed where the record takes it, else flattened.
    fn page(&self, batch: &dyn RowBatch, spare: &mut Spare) -> FlatPage {
        let typed = self.typed.get_or_init(|| {
            let layout = batch.tables();
            TypedWriter::of(
                &self.normalizer,
                &self.table,
                layout,
                &self.json,
                &self.root_id,
            )
            .map(|w| w.converting(&self.types))
        });
        let typed = typed.as_ref();
        let mut buffer = String::new();
        // Reused until a record takes it: most records of a resource with undeclared fields
        // decline, and should cost no allocation for it.
        let mut scratch = match typed {
            Some(_) => spare.record(),
            None => TypedRecord::default(),
        };
        let page = (0..batch.len())
            .map(|i| {
                if typed.is_some_and(|w| w.write(&self.normalizer, batch, i, &mut scratch)) {
                    return AheadRecord::Typed(std::mem::replace(&mut scratch, spare.record()));
                }
                AheadRecord::Flat(flatten_one(
                    &self.normalizer,
                    &self.table,
                    &self.root_id,
                    &self.json,
                    self.def,
                    batch,
                    i,
                    &mut buffer,
                ))
            })
            .collect();
        if typed.is_some() {
            spare.keep(scratch);
        }
        page
    }
}

/// The flatteners of every writer in `normal` that can flatten ahead, each from then on
/// sending what it is done with to `bin` (a destination's [`super::writer::Writer::flatten_ahead`]).
pub(crate) fn flatten_ahead(
    normal: &mut HashMap<&'static str, NormalWriter>,
    bin: &Bin,
) -> HashMap<&'static str, Box<dyn FlattenPage>> {
    normal
        .iter_mut()
        .filter_map(|(name, w)| Some((*name, w.flatten_ahead(bin.clone())?)))
        .collect()
}

/// Record `index` of `batch` (of `def`) flattened for table `table`: the general path.
/// `buffer` takes the text of its undeclared fields (kept for the next record).
#[allow(clippy::too_many_arguments)]
pub(crate) fn flatten_one(
    normalizer: &Normalizer,
    table: &str,
    root_id: &RootId,
    json: &JsonColumns,
    def: &ResourceDef,
    batch: &dyn RowBatch,
    index: usize,
    buffer: &mut String,
) -> FlatRecord {
    let mut record = JsonRow::new(def, std::mem::take(buffer));
    batch.write_row(index, &mut record);
    let (declared, text) = record.finish();
    let declared = declared.into_iter().map(|(k, v)| (k, Item::Value(v)));
    let (undeclared, kept_as_text) = undeclared(&text);
    if kept_as_text {
        warn_kept_as_text(def.name);
    }
    let flat = normalizer.flatten_record(table, declared.chain(undeclared), root_id, json);
    *buffer = text;
    flat
}

/// Says once per resource and process that some undeclared value was stored as its JSON
/// text: an API that sends one such value usually sends many.
fn warn_kept_as_text(resource: &'static str) {
    static WARNED: crate::record::FirstTimes = crate::record::FirstTimes::new();
    if WARNED.first(resource) {
        tracing::warn!(
            resource,
            "an undeclared field holds a value no JSON number or string type holds exactly (a \
             number beyond every double, an integer beyond 64 bits, or a lone UTF-16 surrogate \
             escape such as a cut emoji): it is stored as its JSON text, a string, and the \
             record's other fields as usual"
        );
    }
}

impl Flattening {
    /// The flattening of `def` as a writer with these settings, JSON columns and column types
    /// (its schema when it started) does it.
    pub(crate) fn new(
        normalizer: Normalizer,
        table: String,
        root_id: RootId,
        json: JsonColumns,
        types: ColumnTypes,
        def: &'static ResourceDef,
    ) -> Flattening {
        Flattening {
            normalizer,
            table,
            root_id,
            json,
            def,
            typed: OnceCell::new(),
            types,
        }
    }
}
