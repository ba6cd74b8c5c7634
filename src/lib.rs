//! restsource: typed, compile-time-checked REST API sources.
//!
//! A dlt `rest_api_source`-shaped spec (JSON or TOML) becomes strongly typed Rust at compile
//! time with [`include_source!`], a build.rs `Builder`, or `restsource generate`; the
//! [`runtime`] does HTTP, auth, retries, pagination and loading.
#![deny(missing_docs)]

pub mod app;

pub use restsource_macros::include_source;
pub use restsource_runtime as runtime;
