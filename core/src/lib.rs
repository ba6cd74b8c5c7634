//! restsource's shared vocabulary: every definition that compile time and run time both use,
//! written once.
//!
//! `restsource-spec` resolves a spec into these types, `restsource-codegen` prints them as the
//! `const` items of generated code, and `restsource-runtime` reads those constants (and
//! re-exports this crate's types under `restsource_runtime::def`, the path generated code
//! names). What lives here:
//!
//! - [`names`]: restsource's own tables, columns and prefixes (`_rs_*`);
//! - [`DataType`]: the column types a resource's table stores.
#![deny(missing_docs)]

mod data_type;
pub mod names;

pub use data_type::DataType;
