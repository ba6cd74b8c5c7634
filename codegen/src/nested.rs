//! The structs of nested objects and list elements typed from the tables file (see
//! [`crate::inferred`]): decoded like records (known fields typed, the rest kept in `Extra`),
//! written whole as one JSON value, which relational loading flattens into the same columns
//! and child tables it makes without the file. A list element's struct names its child table
//! and its parent table's row struct (`ChildRow`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::inferred::NestedIr;
use crate::ir::EXTRA_FIELD;
use crate::records::{deserialize_impl, struct_fields};

/// One nested struct with its `Deserialize`, `ColumnValue` and (for a list element)
/// `ChildRow` impls.
pub(crate) fn nested_struct(
    n: &NestedIr,
    all: &[NestedIr],
    rows: Option<&TokenStream>,
    rt: &TokenStream,
    serde_crate: &str,
) -> TokenStream {
    let ty = &n.ty;
    let doc = &n.doc;
    let extra = format_ident!("{}", EXTRA_FIELD);
    let fields = struct_fields(&n.fields, all, rt);
    let expecting = format!("a `{ty}` (a JSON object)");
    let deserialize = deserialize_impl(ty, &expecting, &n.fields, &[], all, rt);
    // A struct the layout does not reach writes no rows (generated code never calls it).
    let (param, body) = match rows {
        Some(rows) if !rows.is_empty() => (
            format_ident!("rows"),
            quote!(if !self.#extra.is_empty() { return false; } #rows true),
        ),
        Some(_) => (format_ident!("_rows"), quote!(self.#extra.is_empty())),
        None => (format_ident!("_rows"), quote!(false)),
    };
    let child = n.child.as_ref().map(|(table, parent)| {
        quote! {
            impl #rt::record::ChildRow for #ty {
                const TABLE: &'static str = #table;
                type Parent = #parent;
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        pub struct #ty {
            #(#fields)*
            /// Every field `restsource infer` did not see, or whose value did not fit its type,
            /// kept as received (JSON text).
            #[serde(flatten)]
            pub #extra: #rt::record::Extra,
        }

        #deserialize

        impl #rt::record::ColumnValue for #ty {
            fn write_to(&self, row: &mut dyn #rt::record::RowWriter) {
                row.json_owned(#rt::record::ColumnValue::to_json(self));
            }
            fn to_json(&self) -> #rt::serde_json::Value {
                #rt::record::nested_json(self)
            }
        }

        impl #rt::record::TableObject for #ty {
            fn write_object(&self, #param: &mut dyn #rt::record::TableRows) -> bool {
                #body
            }
        }

        #child
    }
}
