//! The definitions printed as the `const` expressions generated code holds (feature `tokens`,
//! enabled by codegen only, so the runtime does not compile `proc-macro2`/`quote`).
//!
//! Each type prints itself, as typify's IR does; the one parameter is the path generated code
//! reaches the runtime by (`::restsource::runtime`, or what the build script chose), under
//! which these types are re-exported as `def::*`. An owned instantiation (what the spec's
//! resolver builds) prints as the `'static` one (what generated constants hold).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::{PaginatorDef, ParamPlace, PathStep, RateLimitDef, RetryDef, SecretDef};

/// A value that prints as a `const` expression of the runtime's `def` types.
pub trait ConstTokens {
    /// The expression, naming the runtime as `rt` (e.g. `::restsource::runtime`).
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream;
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

fn opt_steps<P: AsRef<[PathStep]>>(p: Option<&P>, rt: &TokenStream) -> TokenStream {
    match p {
        Some(p) => {
            let p = steps_tokens(p.as_ref(), rt);
            quote! { Some(#p) }
        }
        None => quote! { None },
    }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v.map(Literal::u64_unsuffixed) {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

impl<S: AsRef<str>, K: AsRef<[S]>> ConstTokens for ParamPlace<S, K> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            ParamPlace::Query(q) => {
                let q = q.as_ref();
                quote! { #rt::def::ParamPlace::Query(#q) }
            }
            ParamPlace::Body(parts) => {
                let parts = parts.as_ref().iter().map(AsRef::as_ref);
                quote! { #rt::def::ParamPlace::Body(&[#(#parts),*]) }
            }
        }
    }
}

impl<S, P, K> ConstTokens for PaginatorDef<S, P, K>
where
    S: AsRef<str>,
    P: AsRef<[PathStep]>,
    K: AsRef<[S]>,
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let u = Literal::u64_unsuffixed;
        let body = match self {
            PaginatorDef::SinglePage => quote!(SinglePage),
            PaginatorDef::Auto => quote!(Auto),
            PaginatorDef::Offset {
                limit,
                offset,
                offset_param,
                limit_param,
                total_path,
                maximum_offset,
                stop_after_empty_page,
                has_more_path,
            } => {
                let (limit, offset) = (u(*limit), u(*offset));
                let offset_param = offset_param.const_tokens(rt);
                let limit_param = limit_param.const_tokens(rt);
                let total_path = opt_steps(total_path.as_ref(), rt);
                let maximum_offset = opt_u64(*maximum_offset);
                let has_more_path = opt_steps(has_more_path.as_ref(), rt);
                quote!(Offset {
                    limit: #limit,
                    offset: #offset,
                    offset_param: #offset_param,
                    limit_param: #limit_param,
                    total_path: #total_path,
                    maximum_offset: #maximum_offset,
                    stop_after_empty_page: #stop_after_empty_page,
                    has_more_path: #has_more_path,
                })
            }
            PaginatorDef::PageNumber {
                base_page,
                page,
                page_param,
                total_path,
                maximum_page,
                stop_after_empty_page,
                has_more_path,
            } => {
                let (base_page, page) = (u(*base_page), u(*page));
                let page_param = page_param.const_tokens(rt);
                let total_path = opt_steps(total_path.as_ref(), rt);
                let maximum_page = opt_u64(*maximum_page);
                let has_more_path = opt_steps(has_more_path.as_ref(), rt);
                quote!(PageNumber {
                    base_page: #base_page,
                    page: #page,
                    page_param: #page_param,
                    total_path: #total_path,
                    maximum_page: #maximum_page,
                    stop_after_empty_page: #stop_after_empty_page,
                    has_more_path: #has_more_path,
                })
            }
            PaginatorDef::Cursor {
                cursor_path,
                cursor_param,
                stop_after_empty_page,
                has_more_path,
                initial_cursor,
            } => {
                let cursor_path = steps_tokens(cursor_path.as_ref(), rt);
                let cursor_param = cursor_param.const_tokens(rt);
                let has_more_path = opt_steps(has_more_path.as_ref(), rt);
                let initial_cursor = match initial_cursor.as_ref().map(AsRef::as_ref) {
                    Some(c) => quote! { Some(#c) },
                    None => quote! { None },
                };
                quote!(Cursor {
                    cursor_path: #cursor_path,
                    cursor_param: #cursor_param,
                    stop_after_empty_page: #stop_after_empty_page,
                    has_more_path: #has_more_path,
                    initial_cursor: #initial_cursor,
                })
            }
            PaginatorDef::HeaderCursor {
                cursor_key,
                cursor_param,
            } => {
                let (key, param) = (cursor_key.as_ref(), cursor_param.as_ref());
                quote!(HeaderCursor { cursor_key: #key, cursor_param: #param })
            }
            PaginatorDef::JsonLink { next_url_path } => {
                let next_url_path = steps_tokens(next_url_path.as_ref(), rt);
                quote!(JsonLink { next_url_path: #next_url_path })
            }
            PaginatorDef::HeaderLink { links_next_key } => {
                let key = links_next_key.as_ref();
                quote!(HeaderLink { links_next_key: #key })
            }
        };
        quote!(#rt::def::PaginatorDef::#body)
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

impl<S: AsRef<str>> ConstTokens for SecretDef<S> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let (name, env) = (self.name.as_ref(), self.env.as_ref());
        quote! { #rt::def::SecretDef { name: #name, env: #env } }
    }
}

impl<L: AsRef<[u16]>> ConstTokens for RetryDef<L> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let statuses = self
            .statuses
            .as_ref()
            .iter()
            .map(|s| Literal::u16_unsuffixed(*s));
        let max_retries = Literal::u32_unsuffixed(self.max_retries);
        let factor = float_tokens(self.backoff_factor);
        let max_delay = float_tokens(self.max_delay_secs);
        let respect = self.respect_retry_after;
        quote! {
            #rt::def::RetryDef {
                statuses: &[#(#statuses),*],
                max_retries: #max_retries,
                backoff_factor: #factor,
                max_delay_secs: #max_delay,
                respect_retry_after: #respect,
            }
        }
    }
}

impl ConstTokens for RateLimitDef {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let rps = float_tokens(self.requests_per_second);
        let burst = Literal::u32_unsuffixed(self.burst);
        quote! { #rt::def::RateLimitDef { requests_per_second: #rps, burst: #burst } }
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
