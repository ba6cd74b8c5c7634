//! restsource runtime: everything that happens on the wire and in the database.
//!
//! Generated code (from `include_source!`, the build.rs `Builder` or `restsource generate`) is
//! types, constants ([`def`]) and thin glue; the behaviour lives here and is unit-tested
//! without generated code.
#![deny(missing_docs)]

pub mod def;
pub mod extract;
pub mod http;
pub mod incremental;
pub mod load;
pub mod paginate;
pub mod pipeline;
pub mod record;
pub mod secret;
pub mod select;
pub mod types;

/// Re-exports generated code relies on, so users need no direct dependency on them.
pub use {chrono, futures, rust_decimal, serde, serde_json};
