//! The client-wide settings and the paginator as `const` expressions.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{float_tokens, opt_steps, opt_u64, steps_tokens, ConstTokens};
use crate::{
    PaginatorDef, ParamPlace, PathStep, RateLimitDef, RateLimitHeadersDef, ResetFormat, RetryDef,
    SecretDef,
};

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
            PaginatorDef::Rust { path, at, .. } => {
                let (path, at) = (path.as_ref(), at.as_ref());
                let make =
                    super::rust_factory_tokens(path, at, ("paginate", "Paginate", "paginator"), rt);
                quote!(Rust { path: #path, at: #at, make: #make })
            }
        };
        quote!(#rt::def::PaginatorDef::#body)
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

impl ConstTokens for ResetFormat {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            ResetFormat::Auto => quote!(#rt::def::ResetFormat::Auto),
            ResetFormat::Seconds => quote!(#rt::def::ResetFormat::Seconds),
            ResetFormat::Epoch => quote!(#rt::def::ResetFormat::Epoch),
        }
    }
}

impl<S: AsRef<str>> ConstTokens for RateLimitHeadersDef<S> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let opt = |s: &Option<S>| match s {
            Some(s) => {
                let s = s.as_ref();
                quote!(Some(#s))
            }
            None => quote!(None),
        };
        let (reset, remaining) = (opt(&self.reset), opt(&self.remaining));
        let format = self.reset_format.const_tokens(rt);
        let min = Literal::u64_unsuffixed(self.min_remaining);
        let max_wait = float_tokens(self.max_wait_secs);
        quote! {
            #rt::def::RateLimitHeadersDef {
                reset: #reset,
                reset_format: #format,
                remaining: #remaining,
                min_remaining: #min,
                max_wait_secs: #max_wait,
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
