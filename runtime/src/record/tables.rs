//! A typed record written straight into the rows of its relational tables (dlt's root and
//! child tables), without a JSON value per field, a name lookup or a second parse: what
//! generated code does for every resource whose fields it knows, so that relational loading
//! costs what a hand-written loader's does. The layout ([`TypedTable`]) says which key path
//! each written value comes from; the loader names the tables and columns from those paths
//! exactly as normalization names them, and takes the general path (flattening the record's
//! JSON form) for a record the generated code declines (undeclared fields, a JSON field
//! holding an object) and for any value its column does not take as it is.

use super::RowWriter;

/// One table of a resource's typed layout: the root table (first) or a child table made from
/// a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedTable {
    /// The parent table (an index into the same layout); `None` for the root table.
    pub parent: Option<usize>,
    /// The list's key path inside a row of the parent table (nested objects' keys, then the
    /// list's own key); empty for the root table.
    pub path: &'static [&'static str],
    /// Each value's key path inside the row, in the order the generated code writes them;
    /// an empty path is a list element that is not an object (column `value`).
    pub columns: &'static [&'static [&'static str]],
    /// The key paths of the nested objects flattened into the row, so the loader can check
    /// that normalization flattens them too (nesting depth, columns typed JSON).
    pub objects: &'static [&'static [&'static str]],
}

/// Receives a typed record's rows, root first: each row's values in its table's
/// [`TypedTable::columns`] order, a child row between [`TableRows::child`] and
/// [`TableRows::end_child`].
pub trait TableRows {
    /// The row being written.
    fn row(&mut self) -> &mut dyn RowWriter;
    /// `n` nulls into the row being written (the leaves of a nested object that is null).
    fn nulls(&mut self, n: usize) {
        for _ in 0..n {
            self.row().null();
        }
    }
    /// Starts the row of element `index` of the list that makes child table `table` (an
    /// index into the layout), under the row being written.
    fn child(&mut self, table: usize, index: usize);
    /// Ends the child row being written; its parent row is written again.
    fn end_child(&mut self);
}

/// A nested struct (an object inside a record, or a list element) writing its values into the
/// row being written, and its lists' child rows: what generated `Record::write_tables` calls
/// for each nested field. `false` when the struct declines (undeclared fields).
pub trait TableObject {
    /// Writes the struct's values and child rows.
    fn write_object(&self, rows: &mut dyn TableRows) -> bool;
}
