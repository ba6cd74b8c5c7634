//! `include_source!`: a thin proc-macro shim over `restsource-codegen`.
#![deny(missing_docs)]

use proc_macro::TokenStream;
use std::path::PathBuf;

/// Expands a spec file (JSON or TOML) into a module of typed Rust.
///
/// ```ignore
/// restsource::include_source!("specs/inventory.toml");
/// // -> pub mod inventory { pub struct Items { .. } .. pub struct Source { .. } }
/// ```
///
/// The path is relative to the crate's `Cargo.toml` directory (`CARGO_MANIFEST_DIR`);
/// absolute paths are rejected. Editing the spec rebuilds the crate. An invalid spec is a
/// compile error carrying the same diagnostics as `restsource validate`, and spec warnings
/// surface as compiler warnings.
#[proc_macro]
pub fn include_source(input: TokenStream) -> TokenStream {
    let lit = syn::parse_macro_input!(input as syn::LitStr);
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return syn::Error::new(
            lit.span(),
            "CARGO_MANIFEST_DIR is not set: include_source! must be compiled by cargo",
        )
        .to_compile_error()
        .into();
    };
    restsource_codegen::include_source(
        &PathBuf::from(manifest_dir),
        &lit.value(),
        lit.span(),
        &restsource_codegen::Settings::default(),
    )
    .into_tokens()
    .into()
}
