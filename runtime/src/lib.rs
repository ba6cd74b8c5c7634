//! restsource runtime: everything that happens on the wire and in the database.
//!
//! Generated code (from `include_source!`, the build.rs `Builder` or `restsource generate`) is
//! types, constants ([`def`]) and thin glue; the behaviour lives here and is unit-tested
//! without generated code.
#![deny(missing_docs)]

pub mod def;
pub mod extract;
pub mod infer;
pub mod load;
pub mod normalize;
pub mod pipeline;
pub mod record;
pub mod secret;
pub mod shard;
mod source;
mod steps;
#[cfg(test)]
mod test_defs;
pub mod transform;
pub mod types;

// The machinery behind the pipeline: public only for the runtime's own tests and benches,
// not part of the API (it changes without notice).
#[doc(hidden)]
pub mod http;
#[doc(hidden)]
pub mod incremental;
#[doc(hidden)]
pub mod paginate;
#[doc(hidden)]
pub mod select;

pub use load::Destination;
pub use pipeline::{LoadReport, Pipeline, PipelineError, PipelineOptions};
pub use shard::Shard;
pub use source::Source;

/// Re-exports generated code relies on, so users need no direct dependency on them.
pub use {chrono, futures, rust_decimal, serde, serde_json};

/// Builds a resource's `def::SqlDefs` with the dialects this runtime loads into (generated
/// code names it; see `restsource_core::sql_defs!`).
#[doc(hidden)]
pub use restsource_core::sql_defs;
