//! The `const` descriptions the runtime consumes: one `ResourceDef` per resource and the
//! `SOURCE` definition. Nothing is parsed at run time.
//!
//! The resolved definitions print themselves (`restsource_core::tokens`); this module adds
//! what codegen decides: the constants' names, the planned columns and the SQL.

use proc_macro2::TokenStream;
use quote::quote;
use restsource_core::tokens::{ConstTokens, ResourceParts};

use crate::ir::{ResourceIr, SourceIr};
use crate::sql::{sql_defs_tokens_with_dedup, SqlColumn, SqlTable};

/// `pub const SOURCE: SourceDef`.
pub(crate) fn source(ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let resources = ir.resources.iter().map(|r| {
        let konst = &r.konst;
        quote!(&#konst)
    });
    let def = ir.src.const_tokens_with(rt, resources);
    let doc = format!(
        " Source `{}`: every resource, in dependency order.",
        ir.src.name
    );
    quote! {
        #[doc = #doc]
        pub const SOURCE: #rt::def::SourceDef = #def;
    }
}

/// `pub const <RESOURCE>: ResourceDef`.
pub(crate) fn resource(r: &ResourceIr<'_>, ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let res = &r.res.def;
    let konst = &r.konst;
    let columns = r
        .fields
        .iter()
        .map(|f| f.column.def.const_tokens(rt))
        .collect();
    let parent = res.parent.as_ref().map(|p| {
        // Validation guarantees the parent is a resource of the same source.
        match ir.resources.iter().find(|o| o.res.def.name == p.resource) {
            Some(o) => {
                let konst = &o.konst;
                quote!(&#konst)
            }
            None => {
                let msg = format!("parent resource `{}` is not defined", p.resource);
                quote!(::core::compile_error!(#msg))
            }
        }
    });
    let table_sql = SqlTable {
        table: &res.table_name,
        columns: r
            .fields
            .iter()
            .map(|f| SqlColumn {
                name: f.column.name(),
                data_type: f.column.def.data_type,
                nullable: f.column.def.nullable,
                precision: f.column.def.precision,
                scale: f.column.def.scale,
            })
            .collect(),
        primary_key: &res.primary_key,
        merge_key: &res.merge_key,
    };
    // The first `dedup_sort` column decides which duplicate of a key survives a merge load.
    let dedup = r
        .fields
        .iter()
        .find_map(|f| f.column.def.dedup_sort.map(|o| (f.column.name(), o)));
    let sql = sql_defs_tokens_with_dedup(&table_sql, dedup, rt);
    let def = res.const_tokens_with(
        rt,
        ResourceParts {
            columns,
            parent,
            sql,
        },
    );
    let doc = format!(
        " Resource `{}`, loaded into table `{}`.",
        res.name, res.table_name
    );
    quote! {
        #[doc = #doc]
        pub const #konst: #rt::def::ResourceDef = #def;
    }
}
