//! SQL for each resource and dialect, produced at compile time and emitted as
//! `restsource::runtime::def::SqlDefs` constants.

use proc_macro2::TokenStream;
use quote::quote;
use restsource_spec::model::DataType;

/// A column as SQL generation sees it.
#[derive(Debug, Clone)]
pub struct SqlColumn<'a> {
    /// Column name (quoted per dialect).
    pub name: &'a str,
    /// Type.
    pub data_type: DataType,
    /// Nullable.
    pub nullable: bool,
    /// Precision.
    pub precision: Option<u32>,
    /// Scale.
    pub scale: Option<u32>,
}

/// A resource's table as SQL generation sees it.
#[derive(Debug, Clone)]
pub struct SqlTable<'a> {
    /// Table name.
    pub table: &'a str,
    /// Declared columns, in struct field order.
    pub columns: Vec<SqlColumn<'a>>,
    /// Primary key columns.
    pub primary_key: &'a [String],
    /// Merge key columns.
    pub merge_key: &'a [String],
}

/// Tokens of a `SqlDefs` value for `table` (`runtime` is the path of the runtime crate, e.g.
/// `::restsource::runtime`).
pub fn sql_defs_tokens(table: &SqlTable<'_>, runtime: &TokenStream) -> TokenStream {
    let _ = table;
    let empty = quote! {
        #runtime::def::TableSql {
            create_table: "",
            add_columns: &[],
            insert: "",
            upsert: "",
            insert_only: "",
            delete_by_primary_key: "",
            delete_by_merge_key: "",
        }
    };
    quote! { #runtime::def::SqlDefs { sqlite: #empty, postgres: #empty } }
}
