//! The SQL of each resource for every dialect, built by `restsource_core::sql` and emitted as a
//! call of the runtime's `sql_defs!` (which keeps the dialects the program loads into); this
//! module re-exports that builder under its old path.

use proc_macro2::TokenStream;

pub use restsource_core::names::{
    EXTRACTED_AT_COLUMN, EXTRA_COLUMN, LOAD_ID_COLUMN, STAGING_PREFIX,
};
pub use restsource_core::sql::{
    column_type, introspected_type, quote_ident, statements, DedupSort, Dialect, SqlColumn,
    SqlTable, TableStatements,
};

/// Tokens of a `SqlDefs` value for `table` (`runtime` is the path of the runtime crate, e.g.
/// `::restsource::runtime`), for a table without a `dedup_sort` column.
pub fn sql_defs_tokens(table: &SqlTable<'_>, runtime: &TokenStream) -> TokenStream {
    sql_defs_tokens_with_dedup(table, None, runtime)
}

/// Like [`sql_defs_tokens`], honouring the table's `dedup_sort` column.
pub fn sql_defs_tokens_with_dedup(
    table: &SqlTable<'_>,
    dedup: DedupSort<'_>,
    runtime: &TokenStream,
) -> TokenStream {
    let sqlite = statements(table, dedup, Dialect::Sqlite);
    let postgres = statements(table, dedup, Dialect::Postgres);
    restsource_core::tokens::sql_defs_tokens(&sqlite, &postgres, runtime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use restsource_core::DataType;

    fn cols() -> Vec<SqlColumn<'static>> {
        let col = |name, data_type, nullable| SqlColumn {
            name,
            data_type,
            nullable,
            precision: None,
            scale: None,
        };
        vec![
            col("id", DataType::Bigint, false),
            col("na\"me", DataType::Text, true),
            col("price", DataType::Decimal, true),
        ]
    }

    #[test]
    fn tokens_name_every_field() {
        let table = SqlTable {
            table: "t",
            columns: cols(),
            primary_key: &[],
            merge_key: &[],
        };
        let tokens = sql_defs_tokens(&table, &quote! { ::rt }).to_string();
        assert!(tokens
            .starts_with("{ const SQLITE : :: rt :: def :: TableSql = :: rt :: def :: TableSql {"));
        assert!(tokens
            .contains("const POSTGRES : :: rt :: def :: TableSql = :: rt :: def :: TableSql {"));
        assert!(tokens.ends_with(":: rt :: sql_defs ! { sqlite : SQLITE , postgres : POSTGRES } }"));
        assert!(tokens.contains("upsert : \"\""));
    }
}
