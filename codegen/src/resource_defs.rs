//! The `const` descriptions the runtime consumes: one `ResourceDef` per resource and the
//! `SOURCE` definition. Nothing is parsed at run time.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use restsource_core as def;
use restsource_spec::resolved::{Disposition, ResolvedData};

use crate::const_values::{float, opt, steps, tvalue};
use crate::ir::{ResourceIr, SourceIr};
use crate::sql::{sql_defs_tokens_with_dedup, SqlColumn, SqlTable};
use restsource_core::tokens::ConstTokens;

/// `pub const SOURCE: SourceDef`.
pub(crate) fn source(ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let src = ir.src;
    let name = &src.name;
    let base_url = &src.base_url;
    let headers = src.headers.iter().map(|(k, v)| quote! { (#k, #v) });
    let auth = src.auth.const_tokens(rt);
    let timeout = float(src.timeout_secs);
    let rate_limit = opt(src.rate_limit.as_ref().map(|r| r.const_tokens(rt)));
    let secrets = src.secrets.iter().map(|s| s.const_tokens(rt));
    let resources = ir.resources.iter().map(|r| &r.konst);
    let doc = format!(" Source `{name}`: every resource, in dependency order.");
    quote! {
        #[doc = #doc]
        pub const SOURCE: #rt::def::SourceDef = #rt::def::SourceDef {
            name: #name,
            base_url: #base_url,
            headers: &[#(#headers),*],
            auth: #auth,
            timeout_secs: #timeout,
            rate_limit: #rate_limit,
            secrets: &[#(#secrets),*],
            resources: &[#(&#resources),*],
        };
    }
}

/// `pub const <RESOURCE>: ResourceDef`.
pub(crate) fn resource(r: &ResourceIr<'_>, ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let res = r.res;
    let konst = &r.konst;
    let name = &res.name;
    let table = &res.table_name;
    let primary_key = &res.primary_key;
    let merge_key = &res.merge_key;
    let disposition = match res.disposition {
        Disposition::Append => def::Disposition::Append,
        Disposition::Replace => def::Disposition::Replace,
        Disposition::Skip => def::Disposition::Skip,
        Disposition::Merge => def::Disposition::Merge(res.merge_strategy),
    };
    let write = def::WriteDef {
        disposition,
        deduplicated: res.deduplicated,
    }
    .const_tokens(rt);
    let columns = r.fields.iter().map(|f| {
        let c = &f.column;
        def::ColumnDef {
            json_name: c.name.as_str(),
            sql_name: c.name.as_str(),
            data_type: c.data_type,
            nullable: c.nullable,
            precision: c.precision,
            scale: c.scale,
            hard_delete: c.hard_delete,
            dedup_sort: c.dedup_sort,
        }
        .const_tokens(rt)
    });
    let parent = opt(res.parent.as_ref().map(|p| {
        // Validation guarantees the parent is a resource of the same source.
        let parent = match ir.resources.iter().find(|o| o.res.name == p.resource) {
            Some(o) => {
                let konst = &o.konst;
                quote!(&#konst)
            }
            None => {
                let msg = format!("parent resource `{}` is not defined", p.resource);
                quote!(::core::compile_error!(#msg))
            }
        };
        let include = &p.include_from_parent;
        quote! { #rt::def::ParentDef { resource: #parent, include_from_parent: &[#(#include),*] } }
    }));
    let selected = res.selected;
    let parallelized = res.parallelized;
    let checkpoint = opt(res.checkpoint.map(Literal::u32_unsuffixed));
    let retry = res.retry.const_tokens(rt);
    let endpoint = endpoint(r, rt);
    let table_sql = SqlTable {
        table: &res.table_name,
        columns: r
            .fields
            .iter()
            .map(|f| SqlColumn {
                name: &f.column.name,
                data_type: f.column.data_type,
                nullable: f.column.nullable,
                precision: f.column.precision,
                scale: f.column.scale,
            })
            .collect(),
        primary_key: &res.primary_key,
        merge_key: &res.merge_key,
    };
    // The first `dedup_sort` column decides which duplicate of a key survives a merge load.
    let dedup = r
        .fields
        .iter()
        .find_map(|f| f.column.dedup_sort.map(|o| (f.column.name.as_str(), o)));
    let sql = sql_defs_tokens_with_dedup(&table_sql, dedup, rt);
    let doc = format!(" Resource `{name}`, loaded into table `{table}`.");
    quote! {
        #[doc = #doc]
        pub const #konst: #rt::def::ResourceDef = #rt::def::ResourceDef {
            name: #name,
            table_name: #table,
            endpoint: #endpoint,
            primary_key: &[#(#primary_key),*],
            merge_key: &[#(#merge_key),*],
            write: #write,
            columns: &[#(#columns),*],
            parent: #parent,
            selected: #selected,
            parallelized: #parallelized,
            retry: #retry,
            sql: #sql,
            checkpoint: #checkpoint,
        };
    }
}

fn endpoint(r: &ResourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let res = r.res;
    let path = res.path.const_tokens(rt);
    let method = res.method.const_tokens(rt);
    let params = res.params.iter().map(|(k, v)| {
        let v = tvalue(v, rt);
        quote! { (#k, #v) }
    });
    let json = opt(res.json.as_ref().map(|j| tvalue(j, rt)));
    let data = opt(res.data.as_ref().map(|d| match d {
        ResolvedData::Form(fields) => {
            let fields = fields.iter().map(|(k, v)| {
                let v = tvalue(v, rt);
                quote! { (#k, #v) }
            });
            quote!(#rt::def::DataDef::Form(&[#(#fields),*]))
        }
        ResolvedData::Raw(t) => {
            let t = t.const_tokens(rt);
            quote!(#rt::def::DataDef::Raw(#t))
        }
    }));
    let headers = res.headers.iter().map(|(k, v)| {
        let v = v.const_tokens(rt);
        quote! { (#k, #v) }
    });
    let selector = opt(res.data_selector.as_ref().map(|p| steps(&p.steps, rt)));
    let missing = res.data_selector_missing.const_tokens(rt);
    let paginator = res.paginator.const_tokens(rt);
    let actions = res.response_actions.iter().map(|a| a.const_tokens(rt));
    let incremental = opt(res.incremental.as_ref().map(|i| i.const_tokens(rt)));
    let auth = res.auth.const_tokens(rt);
    quote! {
        #rt::def::EndpointDef {
            path: #path,
            method: #method,
            params: &[#(#params),*],
            json: #json,
            data: #data,
            headers: &[#(#headers),*],
            data_selector: #selector,
            data_selector_missing: #missing,
            paginator: #paginator,
            response_actions: &[#(#actions),*],
            incremental: #incremental,
            auth: #auth,
        }
    }
}
