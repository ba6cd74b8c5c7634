//! SQL, one builder for compile time and run time: the statements of a resource's table per
//! dialect ([`statements`], printed into generated code by codegen) and the DDL of
//! restsource's own tables ([`system_tables`], run by the loaders), and the statements of the
//! tables relational normalization discovers at run time ([`relational`]).

pub mod relational;
mod system;
mod table;

pub use system::system_tables;
pub use table::{
    column_type, introspected_type, quote_ident, statements, DedupSort, Dialect, SqlColumn,
    SqlTable, TableStatements,
};
