//! The definitions printed as the `const` expressions generated code holds (feature `tokens`,
//! enabled by codegen only, so the runtime does not compile `proc-macro2`/`quote`).
//!
//! Each type prints itself, as typify's IR does; the one parameter is the path generated code
//! reaches the runtime by (`::restsource::runtime`, or what the build script chose), under
//! which these types are re-exported as `def::*`. An owned instantiation (what the spec's
//! resolver builds) prints as the `'static` one (what generated constants hold).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

mod auth;
mod client;
mod contract;
mod endpoint;
mod hatch;
mod incremental;
mod resource;
mod sql;
mod step;
mod template;

pub use hatch::rust_factory_tokens;
pub use resource::ResourceParts;
pub use sql::sql_defs_tokens;
pub use template::pairs_tokens;

use crate::PathStep;
#[cfg(test)]
use crate::{PaginatorDef, ParamPlace};

/// A value that prints as a `const` expression of the runtime's `def` types.
pub trait ConstTokens {
    /// The expression, naming the runtime as `rt` (e.g. `::restsource::runtime`).
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream;
}

/// `Some(x)` / `None`.
impl<T: ConstTokens> ConstTokens for Option<T> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.const_tokens(rt);
                quote! { Some(#v) }
            }
            None => quote! { None },
        }
    }
}

impl<T: ConstTokens + ?Sized> ConstTokens for &T {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        (**self).const_tokens(rt)
    }
}

/// A string literal.
impl ConstTokens for str {
    fn const_tokens(&self, _: &TokenStream) -> TokenStream {
        quote! { #self }
    }
}

impl ConstTokens for bool {
    fn const_tokens(&self, _: &TokenStream) -> TokenStream {
        quote! { #self }
    }
}

/// Unsuffixed integers, so the generated constants read like the spec (`100`, not `100u64`).
macro_rules! unsuffixed_tokens {
    ($($ty:ty => $lit:ident),*) => {$(
        impl ConstTokens for $ty {
            fn const_tokens(&self, _: &TokenStream) -> TokenStream {
                let lit = Literal::$lit(*self);
                quote! { #lit }
            }
        }
    )*};
}

unsuffixed_tokens!(u16 => u16_unsuffixed, u32 => u32_unsuffixed, u64 => u64_unsuffixed, i64 => i64_unsuffixed);

/// A float that always has a decimal point (see [`float_tokens`]).
impl ConstTokens for f64 {
    fn const_tokens(&self, _: &TokenStream) -> TokenStream {
        float_tokens(*self)
    }
}

impl ConstTokens for PathStep {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            PathStep::Key(k) => {
                let k: &str = k;
                quote! { #rt::def::PathStep::key(#k) }
            }
            PathStep::Index(i) => {
                let i = Literal::i64_unsuffixed(*i);
                quote! { #rt::def::PathStep::Index(#i) }
            }
            PathStep::Wildcard => quote! { #rt::def::PathStep::Wildcard },
        }
    }
}

/// A path as a `&'static [PathStep]` slice expression (where a def holds a plain slice).
pub fn steps_tokens(steps: &[PathStep], rt: &TokenStream) -> TokenStream {
    let items = steps.iter().map(|s| s.const_tokens(rt));
    quote! { &[#(#items),*] }
}

pub(crate) fn opt_steps<P: AsRef<[PathStep]>>(p: Option<&P>, rt: &TokenStream) -> TokenStream {
    match p {
        Some(p) => {
            let p = steps_tokens(p.as_ref(), rt);
            quote! { Some(#p) }
        }
        None => quote! { None },
    }
}

pub(crate) fn opt_u64(v: Option<u64>) -> TokenStream {
    match v.map(Literal::u64_unsuffixed) {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

/// An `f64` literal that always has a decimal point (`2` would be an integer literal).
pub fn float_tokens(f: f64) -> TokenStream {
    if f.is_finite() {
        let lit = Literal::f64_unsuffixed(f);
        quote! { #lit }
    } else if f.is_nan() {
        quote! { f64::NAN }
    } else if f > 0.0 {
        quote! { f64::INFINITY }
    } else {
        quote! { f64::NEG_INFINITY }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keep_their_point() {
        assert_eq!(float_tokens(2.0).to_string(), "2.0");
        assert_eq!(float_tokens(0.5).to_string(), "0.5");
        assert_eq!(float_tokens(f64::INFINITY).to_string(), "f64 :: INFINITY");
    }

    #[test]
    fn owned_values_print_as_static_constants() {
        let p: PaginatorDef<String, Vec<PathStep>, Vec<String>> = PaginatorDef::Cursor {
            cursor_path: vec![
                PathStep::Key("next".to_string().into()),
                PathStep::Index(-1),
            ],
            cursor_param: ParamPlace::Body(vec!["page".to_string(), "cursor".to_string()]),
            stop_after_empty_page: false,
            has_more_path: None,
            initial_cursor: Some("c0".to_string()),
        };
        assert_eq!(
            p.const_tokens(&quote!(::rt)).to_string(),
            quote! { ::rt::def::PaginatorDef::Cursor {
                cursor_path: &[::rt::def::PathStep::key("next"), ::rt::def::PathStep::Index(-1)],
                cursor_param: ::rt::def::ParamPlace::Body(&["page", "cursor"]),
                stop_after_empty_page: false,
                has_more_path: None,
                initial_cursor: Some("c0"),
            } }
            .to_string()
        );
    }
}
