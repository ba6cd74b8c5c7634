//! Tokens for the resolver's `TValue` (the owned form of `runtime::def::Lit`, see there why it
//! is written twice) and small helpers over `restsource_core::tokens`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use restsource_core::tokens::ConstTokens;
use restsource_spec::resolved::{PathStep, TValue};

/// `&[PathStep, ...]`.
pub(crate) fn steps(steps: &[PathStep], rt: &TokenStream) -> TokenStream {
    restsource_core::tokens::steps_tokens(steps, rt)
}

/// A spec value whose strings may hold placeholders (the resolver's `TValue`, the owned form
/// of `runtime::def::Lit`), as that `Lit`.
pub(crate) fn tvalue(v: &TValue, rt: &TokenStream) -> TokenStream {
    match v {
        TValue::Null => quote! { #rt::def::Lit::Null },
        TValue::Bool(b) => quote! { #rt::def::Lit::Bool(#b) },
        TValue::Int(i) => {
            let i = Literal::i64_unsuffixed(*i);
            quote! { #rt::def::Lit::Int(#i) }
        }
        TValue::Float(f) => {
            let f = float(*f);
            quote! { #rt::def::Lit::Float(#f) }
        }
        TValue::Str(t) => {
            let t = t.const_tokens(rt);
            quote! { #rt::def::Lit::Str(#t) }
        }
        TValue::List(items) => {
            let items = items.iter().map(|i| tvalue(i, rt));
            quote! { #rt::def::Lit::List(&[#(#items),*]) }
        }
        TValue::Map(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = tvalue(v, rt);
                quote! { (#k, #v) }
            });
            quote! { #rt::def::Lit::Map(&[#(#entries),*]) }
        }
    }
}

/// An `f64` literal that always has a decimal point (`2` would be an integer literal).
pub(crate) fn float(f: f64) -> TokenStream {
    restsource_core::tokens::float_tokens(f)
}

/// `Some(x)` / `None` for an optional value already in tokens.
pub(crate) fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}
