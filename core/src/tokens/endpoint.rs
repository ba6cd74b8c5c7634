//! The small enums and plain definitions of a resource as `const` expressions.

use proc_macro2::TokenStream;
use quote::quote;

use super::ConstTokens;
use crate::{
    ApiKeyLocation, ClientAuth, ColumnDef, DataSelectorMissing, DataType, Disposition,
    IncrementalValue, LastValueFunc, MergeStrategy, Method, OnCursorValueMissing,
    ResponseActionDef, ResponseActionKind, ResponseFormat, SortOrder, WriteDef,
};

/// A fieldless enum prints as its path under the runtime's `def` module.
macro_rules! unit_enum_tokens {
    ($($ty:ident { $($variant:ident),* $(,)? })*) => {$(
        impl ConstTokens for $ty {
            fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
                match self {
                    $($ty::$variant => quote!(#rt::def::$ty::$variant),)*
                }
            }
        }
    )*};
}

unit_enum_tokens! {
    Method { Get, Post }
    DataSelectorMissing { Error, Empty }
    ResponseFormat { Auto, Json, Jsonl, Csv }
    LastValueFunc { Max, Min }
    OnCursorValueMissing { Raise, Include, Exclude }
    MergeStrategy { DeleteInsert, Upsert, InsertOnly }
    SortOrder { Asc, Desc }
    DataType { Text, Double, Bool, Timestamp, Bigint, Binary, Json, Decimal, Date, Time }
    IncrementalValue { StartValue, InitialValue, LastValue, EndValue }
    ApiKeyLocation { Header, Query, Cookie }
    ClientAuth { Body, Basic }
    ResponseActionKind { Ignore, Retry, Fail, RefreshToken, RateLimited }
}

impl ConstTokens for Disposition {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            Disposition::Append => quote!(#rt::def::Disposition::Append),
            Disposition::Replace => quote!(#rt::def::Disposition::Replace),
            Disposition::Skip => quote!(#rt::def::Disposition::Skip),
            Disposition::Merge(s) => {
                let s = s.const_tokens(rt);
                quote!(#rt::def::Disposition::Merge(#s))
            }
        }
    }
}

impl ConstTokens for WriteDef {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let disposition = self.disposition.const_tokens(rt);
        let deduplicated = self.deduplicated;
        quote! {
            #rt::def::WriteDef {
                disposition: #disposition,
                deduplicated: #deduplicated,
            }
        }
    }
}

impl<S: AsRef<str>> ConstTokens for ResponseActionDef<S> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let status = self.status_code.as_ref().const_tokens(rt);
        let content = self.content.as_ref().map(AsRef::as_ref).const_tokens(rt);
        let action = self.action.const_tokens(rt);
        quote! { #rt::def::ResponseActionDef { status_code: #status, content: #content, action: #action } }
    }
}

impl<S: AsRef<str>> ConstTokens for ColumnDef<S> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let (json_name, sql_name) = (self.json_name.as_ref(), self.sql_name.as_ref());
        let data_type = self.data_type.const_tokens(rt);
        let nullable = self.nullable;
        let precision = self.precision.const_tokens(rt);
        let scale = self.scale.const_tokens(rt);
        let hard_delete = self.hard_delete;
        let dedup_sort = self.dedup_sort.const_tokens(rt);
        let untyped = self.untyped;
        quote! {
            #rt::def::ColumnDef {
                json_name: #json_name,
                sql_name: #sql_name,
                data_type: #data_type,
                nullable: #nullable,
                precision: #precision,
                scale: #scale,
                hard_delete: #hard_delete,
                dedup_sort: #dedup_sort,
                untyped: #untyped,
            }
        }
    }
}
