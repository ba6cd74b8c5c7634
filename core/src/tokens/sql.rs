//! A table's statements as `const` expressions (`def::TableSql`), and one resource's SQL for
//! every dialect as a call of the runtime's `sql_defs!`, which keeps the enabled dialects.

use proc_macro2::TokenStream;
use quote::quote;

use super::ConstTokens;
use crate::sql::TableSql;

impl<S, P, R> ConstTokens for TableSql<S, P, R>
where
    S: AsRef<str>,
    P: AsRef<[(S, S)]>,
    R: AsRef<[S]>,
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let pairs = |v: &P| {
            let items = v.as_ref().iter().map(|(a, b)| {
                let (a, b) = (a.as_ref(), b.as_ref());
                quote! { (#a, #b) }
            });
            quote! { &[#(#items),*] }
        };
        let column_types = pairs(&self.column_types);
        let add_columns = pairs(&self.add_columns);
        let [create_table, create_primary_key, create_merge_key_index, insert, upsert, merge_upsert, insert_only, delete_by_primary_key, delete_by_merge_key, create_staging, insert_staging, drop_staging] =
            [
                &self.create_table,
                &self.create_primary_key,
                &self.create_merge_key_index,
                &self.insert,
                &self.upsert,
                &self.merge_upsert,
                &self.insert_only,
                &self.delete_by_primary_key,
                &self.delete_by_merge_key,
                &self.create_staging,
                &self.insert_staging,
                &self.drop_staging,
            ]
            .map(AsRef::as_ref);
        let replace = self.replace_from_staging.as_ref().iter().map(AsRef::as_ref);
        quote! {
            #rt::def::TableSql {
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
                replace_from_staging: &[#(#replace),*],
                drop_staging: #drop_staging,
            }
        }
    }
}

/// One resource's SQL for every dialect: a block of one `const` per dialect (so the generated
/// statements stay formatted and readable; a macro's arguments would not be) ending in
/// `<rt>::sql_defs! { sqlite: SQLITE, postgres: POSTGRES }`, which keeps the dialects the
/// program's runtime loads into.
pub fn sql_defs_tokens<T: ConstTokens>(sqlite: &T, postgres: &T, rt: &TokenStream) -> TokenStream {
    let (sqlite, postgres) = (sqlite.const_tokens(rt), postgres.const_tokens(rt));
    quote! {
        {
            const SQLITE: #rt::def::TableSql = #sqlite;
            const POSTGRES: #rt::def::TableSql = #postgres;
            #rt::sql_defs! { sqlite: SQLITE, postgres: POSTGRES }
        }
    }
}
