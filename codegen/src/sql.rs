//! Tokens of the SQL built by `restsource_core::sql` for each resource and dialect, emitted as
//! `restsource::runtime::def::SqlDefs` constants. The statements themselves are built in
//! `restsource-core`; this module re-exports that builder under its old path.

use proc_macro2::TokenStream;
use quote::quote;

pub use restsource_core::names::{
    EXTRACTED_AT_COLUMN, EXTRA_COLUMN, LOAD_ID_COLUMN, STAGING_PREFIX,
};
pub use restsource_core::sql::{
    column_type, introspected_type, quote_ident, statements, DedupSort, Dialect, SqlColumn,
    SqlTable, TableStatements,
};

fn table_sql_tokens(s: &TableStatements, runtime: &TokenStream) -> TokenStream {
    let pairs = |v: &[(String, String)]| {
        let items = v.iter().map(|(a, b)| quote! { (#a, #b) });
        quote! { &[#(#items),*] }
    };
    let column_types = pairs(&s.column_types);
    let add_columns = pairs(&s.add_columns);
    let TableStatements {
        create_table,
        create_primary_key,
        create_merge_key_index,
        insert,
        upsert,
        merge_upsert,
        insert_only,
        delete_by_primary_key,
        delete_by_merge_key,
        create_staging,
        insert_staging,
        drop_staging,
        ..
    } = s;
    let [r0, r1, r2] = &s.replace_from_staging;
    quote! {
        #runtime::def::TableSql {
            create_table: #create_table,
            create_primary_key: #create_primary_key,
            create_merge_key_index: #create_merge_key_index,
            column_types: #column_types,
            add_columns: #add_columns,
            insert: #insert,
            upsert: #upsert,
            merge_upsert: #merge_upsert,
            insert_only: #insert_only,
            delete_by_primary_key: #delete_by_primary_key,
            delete_by_merge_key: #delete_by_merge_key,
            create_staging: #create_staging,
            insert_staging: #insert_staging,
            replace_from_staging: &[#r0, #r1, #r2],
            drop_staging: #drop_staging,
        }
    }
}

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
    let sqlite = table_sql_tokens(&statements(table, dedup, Dialect::Sqlite), runtime);
    let postgres = table_sql_tokens(&statements(table, dedup, Dialect::Postgres), runtime);
    quote! { #runtime::def::SqlDefs { sqlite: #sqlite, postgres: #postgres } }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(tokens.starts_with(":: rt :: def :: SqlDefs { sqlite : :: rt :: def :: TableSql"));
        assert!(tokens.contains("upsert : \"\""));
    }
}
