//! The tables and typed columns normalization has discovered so far: what dlt keeps as its
//! schema. Tables are kept in discovery order and columns in order of first appearance, which is
//! the order dlt creates them in (`dlt_normalizer.md` §8).

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
