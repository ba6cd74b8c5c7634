//! Tokens for the spec's plain JSON values (incremental bounds, OAuth2 extra fields) as
//! `runtime::def::Lit` expressions, and small helpers over `restsource_core::tokens`.

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

/// A plain JSON value (no placeholders) as `runtime::def::Lit`.
pub(crate) fn json(v: &serde_json::Value, rt: &TokenStream) -> TokenStream {
    match v {
        serde_json::Value::Null => quote! { #rt::def::Lit::Null },
        serde_json::Value::Bool(b) => quote! { #rt::def::Lit::Bool(#b) },
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => {
                let i = Literal::i64_unsuffixed(i);
                quote! { #rt::def::Lit::Int(#i) }
            }
            None => {
                let f = float(n.as_f64().unwrap_or(f64::NAN));
                quote! { #rt::def::Lit::Float(#f) }
            }
        },
        serde_json::Value::String(s) => {
            quote! { #rt::def::Lit::Str(#rt::def::Template(&[#rt::def::TemplatePart::Lit(#s)])) }
        }
        serde_json::Value::Array(items) => {
            let items = items.iter().map(|i| json(i, rt));
            quote! { #rt::def::Lit::List(&[#(#items),*]) }
        }
        serde_json::Value::Object(m) => {
            let entries = m.iter().map(|(k, v)| {
                let v = json(v, rt);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> TokenStream {
        quote!(::rt)
    }

    #[test]
    fn json_values_become_lits() {
        let v = serde_json::json!({"a": [1, 2.5, null, "x", true]});
        assert_eq!(
            json(&v, &rt()).to_string(),
            quote! { ::rt::def::Lit::Map(&[("a", ::rt::def::Lit::List(&[
                ::rt::def::Lit::Int(1),
                ::rt::def::Lit::Float(2.5),
                ::rt::def::Lit::Null,
                ::rt::def::Lit::Str(::rt::def::Template(&[::rt::def::TemplatePart::Lit("x")])),
                ::rt::def::Lit::Bool(true)
            ]))]) }
            .to_string()
        );
    }
}
