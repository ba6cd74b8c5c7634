//! SQL, one builder for compile time and run time: the statements of a resource's table per
//! dialect ([`statements`], printed into generated code by codegen as [`TableSql`] constants
//! inside [`SqlDefs`]), the DDL of restsource's own tables ([`system_tables`], run by the
//! loaders), and the statements of the tables relational normalization discovers at run time
//! ([`relational`]).

mod defs;
pub mod relational;
mod system;
mod table;

pub use defs::{SqlDefs, TableSql, TableStatements};
pub use system::{dlt_loads_table, system_tables};
pub use table::{
    column_type, introspected_type, quote_ident, statements, DedupSort, Dialect, SqlColumn,
    SqlTable,
};
