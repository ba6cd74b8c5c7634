//! The half of normalizing a record that needs no schema: its rows (root first, then each
//! list's rows depth first, as dlt emits them) with their column names, values, row ids and
//! parent links. It reads nothing that loading changes, so it can run on another thread, ahead
//! of the writer: the writer only places the rows' values into its schema
//! ([`Normalizer::place_record`]).
//!
//! The one fact it needs from a schema is which columns are typed JSON (their objects and
//! lists stay whole): those the writer knew when it started (declared, or stored by earlier
//! runs), as [`JsonColumns`]. A column can only become JSON during a run where nesting runs out
//! (`max_table_nesting`), and there a value is kept whole anyway.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use restsource_core::naming::digest128;
use serde_json::Value;

use super::name_cache::Recent;
use super::values::{Fields, Item, Items, Shape};
use super::{FastMap, Normalizer, RootId, Schema, TableSchema};
use crate::def::DataType;

/// One row of a flattened record, not yet placed in any table's schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlatRow {
    /// Its table's name (normalized), shared by the rows of one list.
    pub table: Arc<str>,
    /// The index of its parent row in the record's rows; `None` for the root row.
    pub parent: Option<usize>,
    /// Columns and values in dlt's order: direct keys in record order, then nested objects'.
    pub flat: Vec<(Arc<str>, Value)>,
    /// System columns after the flat ones (the root's load id is added when placed).
    pub system: Vec<(&'static str, Value, DataType)>,
}

/// A record's rows, root first.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct FlatRecord {
    /// The rows in the order they are placed and written.
    pub rows: Vec<FlatRow>,
}

/// The columns typed JSON, by table.
#[derive(Debug, Clone, Default)]
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) struct JsonColumns(FastMap<String, Vec<String>>);

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
impl JsonColumns {
    /// Every JSON column of `schema`.
    pub fn of(schema: &Schema) -> JsonColumns {
        let mut map: FastMap<String, Vec<String>> = FastMap::default();
        for t in schema.tables() {
            let json: Vec<String> = t
                .columns()
                .iter()
                .filter(|c| c.data_type == DataType::Json)
                .map(|c| c.name.clone())
                .collect();
            if !json.is_empty() {
                map.insert(t.name.clone(), json);
            }
        }
        JsonColumns(map)
    }
}

/// Where flattening learns which columns are typed JSON: a writer's [`JsonColumns`], taken
/// once when it starts, or a live [`Schema`] (sampling, one record at a time).
pub(crate) trait KnowsJson {
    /// The JSON columns of `table`: looked up once per row, not once per field.
    fn row_json(&self, table: &str) -> RowJson<'_>;
}

/// One table's JSON columns, as [`KnowsJson`] finds them.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) enum RowJson<'a> {
    /// These names.
    Names(&'a [String]),
    /// This table's columns typed JSON; `None`: the table is new.
    Table(Option<&'a TableSchema>),
}

impl RowJson<'_> {
    pub(super) fn contains(&self, column: &str) -> bool {
        match self {
            RowJson::Names(names) => names.iter().any(|n| n == column),
            RowJson::Table(t) => t.is_some_and(|t| t.is_json(column)),
        }
    }
}

impl KnowsJson for JsonColumns {
    fn row_json(&self, table: &str) -> RowJson<'_> {
        RowJson::Names(self.0.get(table).map_or(&[], Vec::as_slice))
    }
}

impl KnowsJson for Schema {
    fn row_json(&self, table: &str) -> RowJson<'_> {
        RowJson::Table(self.table(table))
    }
}

/// Where [`Normalizer::flatten`] puts what it finds (values borrowing from `'v`).
struct Flattened<'a, 'v> {
    /// Columns and their values.
    flat: &'a mut Vec<(Arc<str>, Value)>,
    /// Lists by their path inside the row.
    lists: &'a mut Vec<(Vec<String>, Items<'v>)>,
    /// Nested objects still to flatten.
    stack: &'a mut Vec<(Fields<'v>, i64, Vec<String>)>,
    /// The keys of each object of the table's last row, in the order the objects are met.
    recent: &'a mut Vec<Recent>,
    /// Objects of this row flattened so far.
    objects: usize,
    /// A bit per column name of `flat` (a hash of its address): a name whose bit is clear
    /// is not in `flat`, so most fields are added without searching the row for it.
    names: u64,
}

/// The bit of column name `name` in [`Flattened::names`].
fn name_bit(name: &Arc<str>) -> u64 {
    // Names are separate allocations: the address's low bits are alignment, the rest spread.
    let address = Arc::as_ptr(name).cast::<u8>() as usize as u64;
    1 << ((address >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// A child row's link to its parent row.
struct Link<'a> {
    parent: usize,
    row_id: &'a str,
    index: usize,
    root_id: &'a str,
}

impl Normalizer {
    /// The rows of a record of table `table` (not yet normalized), given as its fields in
    /// order, each key once.
    pub(crate) fn flatten_record<'v, K: AsRef<str>, V: Into<Item<'v>>>(
        &self,
        table: &str,
        fields: impl IntoIterator<Item = (K, V)>,
        root_id: &RootId,
        json: &impl KnowsJson,
    ) -> FlatRecord {
        self.names.begin_record(&self.naming);
        let path = [self.names.list(&self.naming, table)];
        let name = self.names.table(&self.naming, &path);
        let mut record = FlatRecord {
            rows: Vec::with_capacity(4),
        };
        let budget = i64::from(self.max_nesting);
        self.flat_row(
            &path,
            &name,
            fields,
            budget,
            None,
            root_id,
            json,
            &mut record,
        );
        record
    }

    #[allow(clippy::too_many_arguments)]
    fn flat_row<'v, K: AsRef<str>, V: Into<Item<'v>>>(
        &self,
        path: &[String],
        name: &Arc<str>,
        fields: impl IntoIterator<Item = (K, V)>,
        budget: i64,
        link: Option<&Link<'_>>,
        root_id: &RootId,
        json: &impl KnowsJson,
        record: &mut FlatRecord,
    ) {
        let row_json = json.row_json(name);
        let (flat, lists) = self.flatten(name, |c| row_json.contains(c), fields, budget);
        let given_id = flat
            .iter()
            .find(|(k, v)| **k == *self.system.row_id && v.as_str().is_some_and(|s| !s.is_empty()))
            .and_then(|(_, v)| v.as_str().map(str::to_string));
        let row_id = match (given_id.clone(), link) {
            (Some(id), _) => id,
            (None, Some(l)) => child_row_id(l.row_id, name, l.index),
            (None, None) => self.root_row_id(root_id, &flat),
        };
        let mut system: Vec<(&'static str, Value, DataType)> = Vec::with_capacity(4);
        if let Some(l) = link {
            if self.root_key {
                system.push((self.system.root_id, l.root_id.into(), DataType::Text));
            }
            system.push((self.system.parent_id, l.row_id.into(), DataType::Text));
            system.push((self.system.list_idx, l.index.into(), DataType::Bigint));
        }
        if given_id.is_none() {
            system.push((self.system.row_id, row_id.as_str().into(), DataType::Text));
        }
        let me = record.rows.len();
        record.rows.push(FlatRow {
            table: name.clone(),
            parent: link.map(|l| l.parent),
            flat,
            system,
        });

        let root_row_id = link.map_or(row_id.as_str(), |l| l.root_id);
        for (list_path, items) in lists {
            let mut child_path = path.to_vec();
            child_path.extend(list_path);
            // Once per list: every item's row goes to the same table.
            let child_name = self.names.table(&self.naming, &child_path);
            for (index, item) in items.enumerate() {
                let link = Link {
                    parent: me,
                    row_id: &row_id,
                    index,
                    root_id: root_row_id,
                };
                let (fields, levels) = item.into_row();
                self.flat_row(
                    &child_path,
                    &child_name,
                    fields,
                    budget - levels,
                    Some(&link),
                    root_id,
                    json,
                    record,
                );
            }
        }
    }

    /// dlt's `_flatten`: the row's columns (direct keys in record order, then nested objects'
    /// keys, the last object met first) and its lists, keyed by their path inside the row.
    #[allow(clippy::type_complexity)]
    fn flatten<'v, K: AsRef<str>, V: Into<Item<'v>>>(
        &self,
        table: &Arc<str>,
        is_json: impl Fn(&str) -> bool,
        fields: impl IntoIterator<Item = (K, V)>,
        budget: i64,
    ) -> (Vec<(Arc<str>, Value)>, Vec<(Vec<String>, Items<'v>)>) {
        let mut recent = self.names.recent(table);
        // As wide as the table's last row was (at most: its objects' keys), so it never grows.
        let width = recent.iter().map(Recent::len).sum::<usize>();
        let mut flat: Vec<(Arc<str>, Value)> = Vec::with_capacity(width);
        let mut lists = Vec::new();
        let mut stack: Vec<(Fields<'v>, i64, Vec<String>)> = Vec::new();
        let mut into = Flattened {
            flat: &mut flat,
            lists: &mut lists,
            stack: &mut stack,
            recent: &mut recent,
            objects: 0,
            names: 0,
        };
        self.flatten_object(&is_json, fields, budget, Vec::new(), &mut into);
        while let Some((object, level, path)) = into.stack.pop() {
            self.flatten_object(&is_json, object, level, path, &mut into);
        }
        (flat, lists)
    }

    /// One object's fields into `into`: values into columns, lists aside, nested objects onto
    /// the stack (so the last object met is flattened first, as dlt does).
    fn flatten_object<'v, K: AsRef<str>, V: Into<Item<'v>>>(
        &self,
        is_json: &impl Fn(&str) -> bool,
        fields: impl IntoIterator<Item = (K, V)>,
        level: i64,
        path: Vec<String>,
        into: &mut Flattened<'_, 'v>,
    ) {
        let object = into.objects;
        into.objects += 1;
        if into.recent.len() <= object {
            into.recent.resize_with(object + 1, Recent::default);
        }
        let recent = &mut into.recent[object];
        recent.start(&path);
        for (position, (key, value)) in fields.into_iter().enumerate() {
            let key = key.as_ref();
            let column = self.names.column_at(&self.naming, recent, position, key);
            // Only a container can stay whole; a scalar is a column either way.
            let whole = || level <= 0 || is_json(&column);
            let value: Item<'v> = value.into();
            let value = if value.is_container() && !whole() {
                match value.shape() {
                    Shape::Object(inner) => {
                        let key_name = self
                            .names
                            .key_name_at(recent, position)
                            .map_or_else(|| self.naming.key(key), |n| n.to_string());
                        let mut inner_path = path.clone();
                        inner_path.push(key_name);
                        into.stack.push((inner, level - 1, inner_path));
                        continue;
                    }
                    Shape::List(items) => {
                        let mut list_path = path.clone();
                        list_path.push(self.names.list(&self.naming, key));
                        into.lists.push((list_path, items));
                        continue;
                    }
                    Shape::Scalar(value) => value,
                }
            } else {
                value.into_value()
            };
            // Column names are shared (`NameCache`): keys that normalize alike meet here as
            // one pointer, and the later value wins, in the first place.
            let bit = name_bit(&column);
            let repeated = into.names & bit != 0;
            into.names |= bit;
            match repeated
                .then(|| into.flat.iter_mut().find(|(k, _)| Arc::ptr_eq(k, &column)))
                .flatten()
            {
                Some(slot) => slot.1 = value,
                None => into.flat.push((column, value)),
            }
        }
    }

    /// A root row's id by the resource's [`RootId`] rule.
    pub(super) fn root_row_id(&self, rule: &RootId, flat: &[(Arc<str>, Value)]) -> String {
        match rule {
            RootId::Given(id) => id.clone(),
            RootId::Random => STANDARD_NO_PAD.encode(rand::random::<[u8; 10]>()),
            RootId::KeyHash => {
                // dlt hashes the key columns' flattened values, keys sorted, compact JSON.
                let mut key: Vec<(&str, &Value)> = flat
                    .iter()
                    .filter(|(k, _)| self.primary_key.iter().any(|p| **p == **k))
                    .map(|(k, v)| (&**k, v))
                    .collect();
                key.sort_by(|a, b| a.0.cmp(b.0));
                // The object's compact JSON, written as it is serialized, without building it.
                let mut text = String::from("{");
                for (i, (k, v)) in key.into_iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&serde_json::to_string(k).unwrap_or_default());
                    text.push(':');
                    text.push_str(&serde_json::to_string(v).unwrap_or_else(|_| v.to_string()));
                }
                text.push('}');
                digest128(&text)
            }
        }
    }
}

/// dlt's id of a child row: a digest of its parent's row id, its table and its list index.
pub(super) fn child_row_id(parent: &str, table: &str, index: usize) -> String {
    // `<parent>_<table>_<index>`, written without `format!`, which interprets its pattern
    // once per child row.
    let mut digits = itoa::Buffer::new();
    let index = digits.format(index);
    let mut text = String::with_capacity(parent.len() + table.len() + index.len() + 2);
    text.push_str(parent);
    text.push('_');
    text.push_str(table);
    text.push('_');
    text.push_str(index);
    digest128(&text)
}
