//! Record structs, their `Record` impls, and the page wrapper types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use restsource_spec::resolved::DataType;

use crate::ir::{FieldIr, ResourceIr, EXTRA_FIELD};

/// The Rust type of a column value (before `Option` for nullable columns).
pub(crate) fn value_type(t: DataType, rt: &TokenStream) -> TokenStream {
    match t {
        DataType::Text => quote!(::std::string::String),
        DataType::Bigint => quote!(i64),
        DataType::Double => quote!(f64),
        DataType::Bool => quote!(bool),
        DataType::Timestamp => quote!(#rt::chrono::DateTime<#rt::chrono::Utc>),
        DataType::Date => quote!(#rt::chrono::NaiveDate),
        DataType::Time => quote!(#rt::chrono::NaiveTime),
        DataType::Decimal | DataType::Wei => quote!(#rt::rust_decimal::Decimal),
        DataType::Json => quote!(#rt::serde_json::Value),
        DataType::Binary => quote!(#rt::types::Bytes),
    }
}

fn field_type(f: &FieldIr, rt: &TokenStream) -> TokenStream {
    let t = value_type(f.column.data_type, rt);
    if f.column.nullable {
        quote!(::core::option::Option<#t>)
    } else {
        t
    }
}

/// `Copy` types are read out of a field directly; the others are cloned.
fn is_copy(t: DataType) -> bool {
    !matches!(t, DataType::Text | DataType::Json | DataType::Binary)
}

/// The record struct and its `Record` impl.
pub(crate) fn record(r: &ResourceIr<'_>, rt: &TokenStream, serde_crate: &str) -> TokenStream {
    let ty = &r.ty;
    let konst = &r.konst;
    let extra = format_ident!("{}", EXTRA_FIELD);
    let doc = format!(
        " A record of resource `{}` (table `{}`).",
        r.res.name, r.res.table_name
    );
    let fields = r.fields.iter().map(|f| {
        let ident = &f.ident;
        let json = &f.column.name;
        let t = field_type(f, rt);
        let doc = f
            .column
            .description
            .as_deref()
            .map(|d| format!(" {}", d.trim()))
            .unwrap_or_else(|| format!(" Field `{json}`."));
        let attr = if f.column.nullable {
            quote!(#[serde(rename = #json, default)])
        } else {
            quote!(#[serde(rename = #json)])
        };
        quote! {
            #[doc = #doc]
            #attr
            pub #ident: #t,
        }
    });

    let key_types = r.key.iter().map(|&i| key_type(&r.fields[i], rt));
    let key_values = r.key.iter().map(|&i| key_value(&r.fields[i]));
    // A keyless resource's key is `()`, written as an empty body (clippy: unused_unit).
    let key_body = if r.key.is_empty() {
        quote!({})
    } else {
        quote!({ (#(#key_values,)*) })
    };
    let writes = r.fields.iter().map(|f| {
        let ident = &f.ident;
        quote! { #rt::record::ColumnValue::write_to(&self.#ident, row); }
    });
    let lookups = r.fields.iter().map(|f| {
        let ident = &f.ident;
        let json = &f.column.name;
        // `Copy` values are passed by value (clippy flags a needless borrow otherwise).
        let value = if is_copy(f.column.data_type) {
            quote!(self.#ident)
        } else {
            quote!(&self.#ident)
        };
        quote! {
            Some((#rt::def::PathStep::Key(#json), rest)) => {
                #rt::record::walk(&#rt::serde_json::to_value(#value).ok()?, rest)
            }
        }
    });
    let page = r.page.as_ref().map(|_| {
        quote! {
            impl #ty {
                /// Decodes a response body straight into this resource's records, following
                /// the spec's record selector with no intermediate JSON value.
                pub fn decode_page(body: &[u8]) -> ::core::result::Result<::std::vec::Vec<#ty>, #rt::serde_json::Error> {
                    #rt::serde_json::from_slice::<pages::#ty>(body).map(pages::#ty::into_records)
                }
            }
        }
    });

    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        pub struct #ty {
            #(#fields)*
            /// Every field the spec does not declare, kept as received.
            #[serde(flatten)]
            pub #extra: #rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>,
        }

        impl #rt::record::Record for #ty {
            const RESOURCE: &'static #rt::def::ResourceDef = &#konst;
            type Key = (#(#key_types,)*);

            fn key(&self) -> Self::Key #key_body

            fn write_row(&self, row: &mut dyn #rt::record::RowWriter) {
                #(#writes)*
                row.extras(&self.#extra);
            }

            fn set_extra(&mut self, key: ::std::string::String, value: #rt::serde_json::Value) {
                self.#extra.insert(key, value);
            }

            fn lookup(&self, path: &[#rt::def::PathStep]) -> ::core::option::Option<#rt::serde_json::Value> {
                match path.split_first() {
                    #(#lookups)*
                    Some((#rt::def::PathStep::Key(key), rest)) => {
                        #rt::record::walk(self.#extra.get(*key)?, rest)
                    }
                    _ => #rt::record::walk(&#rt::serde_json::to_value(self).ok()?, path),
                }
            }
        }

        #page
    }
}

/// Floats are not `Eq`/`Hash`, so a float key component is compared by its bits.
fn key_type(f: &FieldIr, rt: &TokenStream) -> TokenStream {
    if f.column.data_type == DataType::Double {
        if f.column.nullable {
            quote!(::core::option::Option<u64>)
        } else {
            quote!(u64)
        }
    } else {
        field_type(f, rt)
    }
}

fn key_value(f: &FieldIr) -> TokenStream {
    let ident = &f.ident;
    match (f.column.data_type, f.column.nullable) {
        (DataType::Double, false) => quote!(self.#ident.to_bits()),
        (DataType::Double, true) => quote!(self.#ident.map(f64::to_bits)),
        (t, _) if is_copy(t) => quote!(self.#ident),
        _ => quote!(self.#ident.clone()),
    }
}

/// The `pages` module: for each key-only selector, nested wrappers from the body to the list.
pub(crate) fn pages(
    resources: &[ResourceIr<'_>],
    rt: &TokenStream,
    serde_crate: &str,
) -> TokenStream {
    let items = resources.iter().filter_map(|r| {
        let page = r.page.as_ref()?;
        let record = &r.ty;
        let n = page.levels.len();
        let types = page.levels.iter().enumerate().map(|(i, (name, key))| {
            let doc = if i == 0 {
                format!(" A response page of resource `{}`.", r.res.name)
            } else {
                format!(" The `{key}` level of a `{}` page.", r.res.name)
            };
            let (inner_ty, into) = if i + 1 == n {
                (quote!(::std::vec::Vec<super::#record>), quote!(self.inner))
            } else {
                let next = &page.levels[i + 1].0;
                (quote!(#next), quote!(self.inner.into_records()))
            };
            quote! {
                #[doc = #doc]
                #[derive(#rt::serde::Deserialize)]
                #[serde(crate = #serde_crate)]
                pub struct #name {
                    #[serde(rename = #key)]
                    inner: #inner_ty,
                }

                impl #name {
                    /// The records this level holds.
                    pub fn into_records(self) -> ::std::vec::Vec<super::#record> {
                        #into
                    }
                }
            }
        });
        Some(quote! { #(#types)* })
    });
    let items: Vec<TokenStream> = items.collect();
    if items.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// Page wrappers: each decodes a response body directly into its records.
        pub mod pages {
            #(#items)*
        }
    }
}
