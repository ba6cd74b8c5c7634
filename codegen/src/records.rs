//! Record structs with their `Deserialize` and `Record` impls.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use restsource_spec::resolved::DataType;

use crate::inferred::{NestedIr, Shape};
use crate::ir::{FieldIr, FieldKind, ResourceIr, SourceIr, EXTRA_FIELD};
use crate::table_rows::TableRowsIr;
use restsource_spec::resolved::PathStep;

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
        DataType::Decimal => quote!(#rt::rust_decimal::Decimal),
        DataType::Json => quote!(#rt::serde_json::Value),
        DataType::Binary => quote!(#rt::types::Bytes),
    }
}

fn field_type(f: &FieldIr, nested: &[NestedIr], rt: &TokenStream) -> TokenStream {
    let t = match f.kind {
        FieldKind::Declared | FieldKind::Inferred(Shape::Scalar(_)) => {
            value_type(f.column.def.data_type, rt)
        }
        FieldKind::Inferred(Shape::Object(i)) => {
            let ty = &nested[i].ty;
            quote!(#ty)
        }
        FieldKind::Inferred(Shape::Scalars(t)) => {
            let t = value_type(t, rt);
            quote!(::std::vec::Vec<::core::option::Option<#t>>)
        }
        FieldKind::Inferred(Shape::Objects(i)) => {
            let ty = &nested[i].ty;
            quote!(::std::vec::Vec<#ty>)
        }
    };
    if f.column.def.nullable {
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
pub(crate) fn record(
    r: &ResourceIr<'_>,
    ir: &SourceIr<'_>,
    rt: &TokenStream,
    serde_crate: &str,
) -> TokenStream {
    let ty = &r.ty;
    let konst = &r.konst;
    let extra = format_ident!("{}", EXTRA_FIELD);
    let doc = format!(
        " A record of resource `{}` (table `{}`).",
        r.res.def.name, r.res.def.table_name
    );
    let nested = &r.nested.structs;
    let fields = struct_fields(&r.fields, nested, rt);
    let expecting = format!("a record of resource `{}` (a JSON object)", r.res.def.name);
    let parent_supplied = parent_supplied(r);
    let deserialize = deserialize_impl(ty, &expecting, &r.fields, &parent_supplied, nested, rt);
    let rows = TableRowsIr::plan(&r.fields, nested, rt);
    let nested_structs = nested.iter().enumerate().map(|(i, n)| {
        crate::nested::nested_struct(n, nested, rows.nested.get(&i), rt, serde_crate)
    });
    let layout = rows.layout(rt);
    let write_tables = &rows.root;
    let rows_param = if write_tables.is_empty() {
        format_ident!("_rows")
    } else {
        format_ident!("rows")
    };

    let key_types = r.key.iter().map(|&i| key_type(&r.fields[i], rt));
    let key_values = r.key.iter().map(|&i| key_value(&r.fields[i], rt));
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
    let set_extra = set_extra_fn(r, &parent_supplied, rt);
    let lookup = lookup_fn(r, rt);
    let cursor = cursor_fn(r, rt);
    let parent = parent_const(r, ir, rt);

    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        pub struct #ty {
            #(#fields)*
            /// Every field the spec does not declare, kept as received (JSON text).
            #[serde(flatten)]
            pub #extra: #rt::record::Extra,
        }

        #deserialize

        impl #rt::record::Record for #ty {
            const RESOURCE: &'static #rt::def::ResourceDef = &#konst;
            type Key = (#(#key_types,)*);
            #parent

            fn key(&self) -> Self::Key #key_body

            fn write_row(&self, row: &mut dyn #rt::record::RowWriter) {
                #(#writes)*
                row.extras(&self.#extra);
            }

            const TABLES: &'static [#rt::record::TypedTable] = #layout;

            fn write_tables(&self, #rows_param: &mut dyn #rt::record::TableRows) -> bool {
                if !self.#extra.is_empty() {
                    return false;
                }
                #write_tables
                true
            }

            #set_extra

            #lookup
            #cursor
        }

        #(#nested_structs)*
    }
}

/// A struct's field declarations.
pub(crate) fn struct_fields<'a>(
    fields: &'a [FieldIr],
    nested: &'a [NestedIr],
    rt: &'a TokenStream,
) -> impl Iterator<Item = TokenStream> + 'a {
    fields.iter().map(move |f| {
        let ident = &f.ident;
        let json = &f.column.name();
        let t = field_type(f, nested, rt);
        let doc = match (&f.column.description, f.kind) {
            (Some(d), _) => format!(" {}", d.trim()),
            (None, FieldKind::Declared) => format!(" Field `{json}`."),
            (None, FieldKind::Inferred(_)) => format!(
                " Field `{json}`, typed as `restsource infer` saw it (a value of another \
                 type is kept in the extras)."
            ),
        };
        quote! {
            #[doc = #doc]
            #[serde(rename = #json)]
            pub #ident: #t,
        }
    })
}

/// `Record::lookup`: a path starting at a declared field reads that field (walking into it
/// only for JSON columns), any other key the extras; nothing serializes the whole record
/// except a request for the whole record (the empty path).
fn lookup_fn(r: &ResourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let extra = format_ident!("{}", EXTRA_FIELD);
    let arms = r.fields.iter().map(|f| {
        let (ident, json) = (&f.ident, &f.column.name());
        quote!(#json => #rt::record::ColumnValue::lookup(&self.#ident, rest),)
    });
    // Undeclared fields are looked up in the extras; without declared columns a `match` on
    // the key would have that one arm (a lint in the generated code).
    let in_extra = quote!(#rt::record::walk(&self.#extra.get(key)?, rest));
    let by_key = if r.fields.is_empty() {
        in_extra
    } else {
        quote! {
            match &**key {
                #(#arms)*
                key => #in_extra,
            }
        }
    };
    // A wildcard takes the first field (declared, then undeclared) the rest matches in, as
    // on the record's JSON object.
    let wildcard = r.fields.iter().map(|f| {
        let ident = &f.ident;
        quote!(.or_else(|| #rt::record::ColumnValue::lookup(&self.#ident, rest)))
    });
    quote! {
        fn lookup(&self, path: &[#rt::def::PathStep]) -> ::core::option::Option<#rt::serde_json::Value> {
            match path.split_first() {
                ::core::option::Option::Some((#rt::def::PathStep::Key(key), rest)) => #by_key,
                ::core::option::Option::Some((#rt::def::PathStep::Wildcard, rest)) => {
                    ::core::option::Option::None
                        #(#wildcard)*
                        .or_else(|| self.#extra.to_map().values().find_map(|v| #rt::record::walk(v, rest)))
                }
                ::core::option::Option::Some((#rt::def::PathStep::Index(_), _)) => ::core::option::Option::None,
                ::core::option::Option::None => #rt::serde_json::to_value(self).ok(),
            }
        }
    }
}

/// `Record::cursor` read straight from the field, when the incremental cursor path is one
/// declared column; otherwise the trait's default (a lookup) serves.
fn cursor_fn(r: &ResourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let Some(inc) = &r.res.def.endpoint.incremental else {
        return TokenStream::new();
    };
    let [PathStep::Key(name)] = inc.cursor_path.steps.as_slice() else {
        return TokenStream::new();
    };
    let Some(f) = r.fields.iter().find(|f| f.column.name() == &**name) else {
        return TokenStream::new();
    };
    let ident = &f.ident;
    quote! {
        fn cursor(&self) -> ::core::option::Option<#rt::record::Cursor<'_>> {
            #rt::record::CursorField::cursor(&self.#ident)
        }
    }
}

/// `Record::PARENT` for a child: the parent's record struct's handle.
fn parent_const(r: &ResourceIr<'_>, ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let Some(p) = &r.res.def.parent else {
        return TokenStream::new();
    };
    // Validation guarantees the parent is a resource of the same source.
    let handle = match ir.resources.iter().find(|o| o.res.def.name == p.resource) {
        Some(o) => {
            let ty = &o.ty;
            quote!(#rt::extract::ResourceHandle::of::<#ty>)
        }
        None => {
            let msg = format!("parent resource `{}` is not defined", p.resource);
            quote!(::core::compile_error!(#msg))
        }
    };
    quote! {
        const PARENT: ::core::option::Option<fn() -> #rt::extract::ResourceHandle> =
            ::core::option::Option::Some(#handle);
    }
}

/// The columns `include_from_parent` adds (`_<parent>_<field>`): the runtime sets them on
/// every record right after decoding it, so a record need not carry them.
fn parent_supplied(r: &ResourceIr<'_>) -> Vec<String> {
    r.res
        .def
        .parent
        .as_ref()
        .map(|p| {
            p.include_from_parent
                .iter()
                .map(|f| format!("_{}_{}", p.resource, f))
                .collect()
        })
        .unwrap_or_default()
}

/// `Record::set_extra`: a parent's value goes into the field declared for it (a key column
/// such as `_customers_id`) when it fits the field's type, else among the extras.
fn set_extra_fn(r: &ResourceIr<'_>, parent_supplied: &[String], rt: &TokenStream) -> TokenStream {
    let extra = format_ident!("{}", EXTRA_FIELD);
    let arms: Vec<TokenStream> = r
        .fields
        .iter()
        .filter(|f| {
            f.kind == FieldKind::Declared && parent_supplied.iter().any(|n| n == f.column.name())
        })
        .map(|f| {
            let ident = &f.ident;
            let json = f.column.name();
            quote! {
                #json => match #rt::serde_json::from_value(value.clone()) {
                    ::core::result::Result::Ok(v) => self.#ident = v,
                    ::core::result::Result::Err(_) => self.#extra.insert(key, value),
                },
            }
        })
        .collect();
    if arms.is_empty() {
        return quote! {
            fn set_extra(&mut self, key: ::std::string::String, value: #rt::serde_json::Value) {
                self.#extra.insert(key, value);
            }
        };
    }
    quote! {
        fn set_extra(&mut self, key: ::std::string::String, value: #rt::serde_json::Value) {
            match key.as_str() {
                #(#arms)*
                _ => self.#extra.insert(key, value),
            }
        }
    }
}

/// `Deserialize` for a record (or nested) struct `ty`: one pass over the object, known fields
/// by name and every other field into the `Extra` text (see `runtime/src/record/de.rs` for
/// why this is not derived). Declared fields must fit their type; inferred ones that do not
/// are kept among the extras.
pub(crate) fn deserialize_impl(
    ty: &proc_macro2::Ident,
    expecting: &str,
    fields: &[FieldIr],
    parent_supplied: &[String],
    nested: &[NestedIr],
    rt: &TokenStream,
) -> TokenStream {
    let extra = format_ident!("{}", EXTRA_FIELD);
    // Slots are numbered, never named after fields, so no column can shadow `map`.
    let slot = |i: usize| format_ident!("slot_{}", i);
    let slots = fields.iter().enumerate().map(|(i, f)| {
        let s = slot(i);
        let t = slot_type(f, nested, rt);
        quote!(let mut #s: ::core::option::Option<#t> = ::core::option::Option::None;)
    });
    let arms = fields.iter().enumerate().map(|(i, f)| {
        let s = slot(i);
        let json = &f.column.name();
        match f.kind {
            // A declared `json` value is read so that no part of it is lost.
            FieldKind::Declared if f.column.def.data_type == DataType::Json => {
                quote!(#json => #rt::record::de::json_field(&mut #s, #json, &mut map)?,)
            }
            FieldKind::Declared => {
                quote!(#json => #rt::record::de::field(&mut #s, #json, &mut map)?,)
            }
            // Scalars the runtime reads in one pass; the rest through the value's text.
            FieldKind::Inferred(Shape::Scalar(
                DataType::Bigint
                | DataType::Double
                | DataType::Bool
                | DataType::Text
                | DataType::Timestamp,
            )) => quote!(
                #json => #rt::record::de::lenient_scalar(&mut #s, #json, &mut map, &mut extra_fields)?,
            ),
            FieldKind::Inferred(_) => quote!(
                #json => #rt::record::de::lenient(&mut #s, #json, &mut map, &mut extra_fields)?,
            ),
        }
    });
    let inits = fields.iter().enumerate().map(|(i, f)| {
        let s = slot(i);
        let ident = &f.ident;
        let json = &f.column.name();
        let timestamp = f.column.def.data_type == DataType::Timestamp;
        // Set from the parent right after decoding: a placeholder until then.
        let from_parent = parent_supplied.iter().any(|n| n == json);
        match (f.column.def.nullable, timestamp) {
            (true, false) => quote!(#ident: #s.unwrap_or_default(),),
            (true, true) => quote!(#ident: #s.flatten().map(|t| t.0),),
            (false, false) if from_parent => quote!(#ident: #s.unwrap_or_default(),),
            (false, true) if from_parent => quote!(#ident: #s.map(|t| t.0).unwrap_or_default(),),
            (false, false) => quote!(#ident: #rt::record::de::required(#s, #json)?,),
            (false, true) => quote!(#ident: #rt::record::de::required(#s, #json)?.0,),
        }
    });
    // A struct without known fields keeps everything (and a one-arm match is a lint).
    let dispatch = if fields.is_empty() {
        quote!(extra_fields.push(key.as_str(), &mut map)?;)
    } else {
        quote! {
            match key.as_str() {
                #(#arms)*
                other => extra_fields.push(other, &mut map)?,
            }
        }
    };
    quote! {
        impl<'de> #rt::serde::Deserialize<'de> for #ty {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct RecordVisitor;
                impl<'de> #rt::serde::de::Visitor<'de> for RecordVisitor {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: #rt::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::core::result::Result<#ty, A::Error> {
                        #(#slots)*
                        let mut extra_fields = #rt::record::ExtraBuilder::new();
                        while let ::core::option::Option::Some(key) =
                            map.next_key::<#rt::record::Key<'de>>()?
                        {
                            #dispatch
                        }
                        ::core::result::Result::Ok(#ty {
                            #(#inits)*
                            #extra: extra_fields.finish(),
                        })
                    }
                }
                deserializer.deserialize_map(RecordVisitor)
            }
        }
    }
}

/// What a field is decoded as: its own type, except timestamps, which go through the
/// runtime's faster parser of the same text.
fn slot_type(f: &FieldIr, nested: &[NestedIr], rt: &TokenStream) -> TokenStream {
    if f.column.def.data_type != DataType::Timestamp {
        return field_type(f, nested, rt);
    }
    if f.column.def.nullable {
        quote!(::core::option::Option<#rt::record::de::Timestamp>)
    } else {
        quote!(#rt::record::de::Timestamp)
    }
}

/// Floats are not `Eq`/`Hash`, so a float key component is a `FloatKey` (compared by its
/// bits, written as the number).
fn key_type(f: &FieldIr, rt: &TokenStream) -> TokenStream {
    if f.column.def.data_type == DataType::Double {
        if f.column.def.nullable {
            quote!(::core::option::Option<#rt::record::FloatKey>)
        } else {
            quote!(#rt::record::FloatKey)
        }
    } else {
        field_type(f, &[], rt)
    }
}

fn key_value(f: &FieldIr, rt: &TokenStream) -> TokenStream {
    let ident = &f.ident;
    match (f.column.def.data_type, f.column.def.nullable) {
        (DataType::Double, false) => quote!(#rt::record::FloatKey(self.#ident)),
        (DataType::Double, true) => quote!(self.#ident.map(#rt::record::FloatKey)),
        (t, _) if is_copy(t) => quote!(self.#ident),
        _ => quote!(self.#ident.clone()),
    }
}
