//! `include_source!`: a thin proc-macro shim over `restsource-codegen`.
#![deny(missing_docs)]

use proc_macro::TokenStream;

/// Expands a spec file into typed Rust (placeholder until codegen lands).
#[proc_macro]
pub fn include_source(_input: TokenStream) -> TokenStream {
    "::core::compile_error!(\"include_source! is not implemented yet\");"
        .parse()
        .unwrap_or_default()
}
