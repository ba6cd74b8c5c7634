//! The restsource generator: a validated spec becomes an IR, then Rust tokens.
//!
//! Every front end goes through the same path: [`load`] → [`generate_tokens`] →
//! (for files) [`format_code`]. `include_source!` returns the tokens ([`include_source`]);
//! build.rs uses the [`Builder`] or [`compile_specs`]; `restsource generate` calls
//! [`generate_file`].
#![deny(missing_docs)]

mod builder;
mod error;
mod expand;
mod generate;
pub mod ident;
mod inferred;
mod ir;
mod nested;
mod records;
mod resource_defs;
mod source_api;
pub mod sql;
mod table_rows;
#[doc(hidden)]
pub mod testing;

pub use builder::{compile_specs, write_if_changed, Builder};
pub use error::Error;
pub use expand::{include_source, MacroExpansion};
pub use generate::{
    format_code, generate_file, generate_tokens, generate_with, header, load, module_name,
    GeneratedFile, Settings, DEFAULT_RUNTIME_PATH,
};
