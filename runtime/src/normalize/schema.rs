//! The tables and typed columns normalization has discovered so far: what dlt keeps as its
//! schema. Tables are kept in discovery order and columns in order of first appearance, which is
//! the order dlt creates them in (`dlt_normalizer.md` §8).

use std::sync::Arc;

use crate::def::DataType;

/// Every table of a source as normalization knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    tables: Vec<TableSchema>,
    by_name: super::FastMap<String, usize>,
}

/// One table: a resource's root table or a child table made from a list.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// Normalized table name (`items`, `items__tags`).
    pub name: String,
    /// The parent table's index in [`Schema::tables`]; `None` for a root table.
    pub parent: Option<usize>,
    /// Received rows in an earlier load: only then do contracts on new columns apply.
    pub seen_data: bool,
    /// Received a row in this load.
    pub has_rows: bool,
    columns: Vec<ColumnSchema>,
    by_name: super::FastMap<String, usize>,
    located: Located,
}

/// Where the columns of a table's last placed row were found, by position in the row. The
/// rows of a table mostly repeat their columns in order, and the flattening hands out each
/// column name as one shared `Arc`, so the next row finds a column by comparing one pointer
/// where hashing its name was a twelfth of the writer thread. A cache, not part of the
/// schema: two schemas are equal whatever their caches hold.
#[derive(Debug, Clone, Default)]
struct Located {
    /// Each field's name and its column (`None`: not a column yet, looked up again).
    fields: Vec<(Arc<str>, Option<usize>)>,
    /// Each system column's name and its column.
    system: Vec<(&'static str, usize)>,
}

impl PartialEq for Located {
    fn eq(&self, _: &Located) -> bool {
        true
    }
}

/// One column with the type its first non-null value (or the spec) gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSchema {
    /// Normalized column name.
    pub name: String,
    /// Stored type.
    pub data_type: DataType,
    /// Whether NULL is allowed (system columns and primary keys are NOT NULL).
    pub nullable: bool,
    /// A variant column (`<column>__v_<type>`), made for values that did not fit `<column>`.
    pub variant: bool,
}

impl Schema {
    /// No tables.
    pub fn new() -> Schema {
        Schema::default()
    }

    /// Every table, in discovery order.
    pub fn tables(&self) -> &[TableSchema] {
        &self.tables
    }

    /// The index of table `name`.
    pub fn table_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Table `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.table_index(name).map(|i| &self.tables[i])
    }

    /// The table at `index` (an index this schema handed out).
    pub fn table_at(&self, index: usize) -> &TableSchema {
        &self.tables[index]
    }

    /// The index of table `name`, created (empty, after every existing table) when new.
    pub fn ensure_table(&mut self, name: &str, parent: Option<usize>) -> usize {
        if let Some(i) = self.table_index(name) {
            return i;
        }
        self.tables.push(TableSchema {
            name: name.to_string(),
            parent,
            seen_data: false,
            has_rows: false,
            columns: Vec::new(),
            by_name: super::FastMap::default(),
            located: Located::default(),
        });
        self.by_name.insert(name.to_string(), self.tables.len() - 1);
        self.tables.len() - 1
    }

    /// Marks every table that received rows as having seen data: call once a load committed.
    pub fn mark_seen(&mut self) {
        for t in &mut self.tables {
            t.seen_data |= t.has_rows;
        }
    }

    /// Adds the tables and columns of `other` this schema lacks (parents by name, columns
    /// after this schema's own), keeping this schema's type where both have a column: the
    /// schema two runs that loaded one resource apart (two shards) leave together.
    pub fn absorb(&mut self, other: &Schema) {
        for t in other.tables() {
            let parent = t
                .parent
                .and_then(|p| self.table_index(&other.table_at(p).name));
            let i = self.ensure_table(&t.name, parent);
            let mine = self.table_at_mut(i);
            mine.seen_data |= t.seen_data || t.has_rows;
            for c in t.columns() {
                mine.add_column(c.clone());
            }
        }
    }

    /// The table at `index`, to add columns.
    pub fn table_at_mut(&mut self, index: usize) -> &mut TableSchema {
        &mut self.tables[index]
    }
}

impl TableSchema {
    /// Columns in creation order.
    pub fn columns(&self) -> &[ColumnSchema] {
        &self.columns
    }

    /// The index of column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Finds the columns of a row's fields (names as the flattening shares them), for
    /// [`TableSchema::located`] to answer by position until the next row is located.
    pub(crate) fn locate<V>(&mut self, fields: &[(Arc<str>, V)]) {
        let cache = &mut self.located.fields;
        for (position, (name, _)) in fields.iter().enumerate() {
            match cache.get_mut(position) {
                Some((cached, Some(_))) if Arc::ptr_eq(cached, name) => {}
                Some(slot) => *slot = (name.clone(), self.by_name.get(&**name).copied()),
                None => cache.push((name.clone(), self.by_name.get(&**name).copied())),
            }
        }
    }

    /// The column of the field at `position` of the row last [located](TableSchema::locate).
    pub(crate) fn located(&self, position: usize) -> Option<usize> {
        self.located.fields.get(position).and_then(|(_, at)| *at)
    }

    /// The column of system column `name`, the `position`th system value of its row:
    /// remembered by position as [`TableSchema::locate`] does, compared by address (the
    /// names are constants).
    pub(crate) fn system_column(&mut self, position: usize, name: &'static str) -> Option<usize> {
        match self.located.system.get(position) {
            Some(&(cached, at)) if std::ptr::eq(cached, name) => return Some(at),
            _ => {}
        }
        let at = self.column_index(name)?;
        let cache = &mut self.located.system;
        if position < cache.len() {
            cache[position] = (name, at);
        } else if position == cache.len() {
            cache.push((name, at));
        }
        Some(at)
    }

    /// Column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.column_index(name).map(|i| &self.columns[i])
    }

    /// Appends a column (after every existing one) and returns its index; an existing column
    /// of that name is kept as it is.
    pub fn add_column(&mut self, column: ColumnSchema) -> usize {
        if let Some(i) = self.column_index(&column.name) {
            return i;
        }
        self.by_name.insert(column.name.clone(), self.columns.len());
        self.columns.push(column);
        self.columns.len() - 1
    }

    /// Whether column `name` exists and holds JSON: then a dict or list under that name is
    /// stored whole instead of flattened (dlt's `is_nested_type`).
    pub fn is_json(&self, name: &str) -> bool {
        self.column(name)
            .is_some_and(|c| c.data_type == DataType::Json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> ColumnSchema {
        ColumnSchema {
            name: name.to_string(),
            data_type: DataType::Bigint,
            nullable: true,
            variant: false,
        }
    }

    #[test]
    fn located_columns_follow_the_row_and_the_columns_added_since() {
        let mut schema = Schema::new();
        let t = schema.ensure_table("t", None);
        let t = schema.table_at_mut(t);
        t.add_column(column("a"));
        let (a, n): (Arc<str>, Arc<str>) = ("a".into(), "n".into());
        t.locate(&[(a.clone(), ()), (n.clone(), ())]);
        assert_eq!(
            (t.located(0), t.located(1), t.located(2)),
            (Some(0), None, None)
        );
        // The same names (the same `Arc`s) after `n` became a column: found, not remembered
        // as missing.
        t.add_column(column("n"));
        t.locate(&[(a.clone(), ()), (n.clone(), ())]);
        assert_eq!((t.located(0), t.located(1)), (Some(0), Some(1)));
        // Moved, and given as other `Arc`s of the same names.
        t.locate(&[(Arc::from("n"), ()), (Arc::from("a"), ())]);
        assert_eq!((t.located(0), t.located(1)), (Some(1), Some(0)));
        assert_eq!(t.system_column(0, "x"), None);
        t.add_column(column("x"));
        assert_eq!(t.system_column(0, "x"), Some(2));
        assert_eq!(t.system_column(0, "a"), Some(0));
        assert_eq!(t.system_column(1, "x"), Some(2));
    }
}
