//! A [`RustFactory`](crate::RustFactory) as generated code builds it: a constructor for the
//! type a spec names, behind a generic function whose name carries the spec position, so
//! that rustc's "required by a bound in `…`" note for a type without the trait names the
//! spec line.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// `file_json_line_12_col_3_<what>`: the file's name (not its directory) and position of
/// `at` (`dir/file.json:12:3`) as an identifier.
fn position_ident(at: &str, what: &str) -> Ident {
    let mut parts = at.rsplitn(3, ':');
    let col = parts.next().unwrap_or_default();
    let line = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    let file = file.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = format!("{file}_line_{line}_col_{col}_{what}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "spec_");
    }
    Ident::new(&name, Span::call_site())
}

/// `RustFactory(Some(..))` making `path` (a Rust path the spec reader validated) as the
/// runtime's `trait_name` (in module `module` of the runtime), which the type must
/// implement together with `Default`; `what` (`paginator`, `auth`) ends the check's name.
pub fn rust_factory_tokens(
    path: &str,
    at: &str,
    (module, trait_name, what): (&str, &str, &str),
    rt: &TokenStream,
) -> TokenStream {
    let ty: TokenStream = match path.parse() {
        Ok(ty) => ty,
        Err(_) => {
            let msg = format!("{at}: `{path}` is not a Rust path");
            return quote! { ::core::compile_error!(#msg) };
        }
    };
    let check = position_ident(at, what);
    let module = Ident::new(module, Span::call_site());
    let trait_name = Ident::new(trait_name, Span::call_site());
    quote! {
        #rt::def::RustFactory(Some({
            fn #check<T: #rt::#module::#trait_name + ::core::default::Default + 'static>(
            ) -> #rt::def::AnyBox {
                #rt::#module::boxed::<T>()
            }
            #check::<#ty>
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_is_named_for_the_spec_position() {
        assert_eq!(
            position_ident("tests/e2e/fixtures/hatch.json:12:3", "paginate").to_string(),
            "hatch_json_line_12_col_3_paginate"
        );
        assert_eq!(
            position_ident("9.toml:1:2", "auth").to_string(),
            "spec_9_toml_line_1_col_2_auth"
        );
    }
}
