//! restsource's shared vocabulary: every definition that compile time and run time both use,
//! written once.
//!
//! `restsource-spec` resolves a spec into these types, `restsource-codegen` prints them as the
//! `const` items of generated code, and `restsource-runtime` reads those constants (and
//! re-exports this crate's types under `restsource_runtime::def`, the path generated code
//! names). What lives here:
//!
//! - [`names`]: restsource's own tables, columns and prefixes (`_rs_*`);
//! - [`DataType`], [`SortOrder`]: what a declared column stores and how duplicates are ordered;
//! - [`PathStep`] and [`path::walk`]: compiled JSONPaths and the one walk that follows them;
//! - the small enums both sides name: [`ApiKeyLocation`], [`ClientAuth`], [`Disposition`],
//!   [`MergeStrategy`], [`IncrementalValue`];
//! - [`SecretDef`], [`RetryDef`], [`RateLimitDef`]: the client-wide settings;
//! - [`PaginatorDef`], [`ParamPlace`]: a paginator with every default applied;
//! - [`sql`]: the SQL of a resource's table per dialect and of restsource's own tables;
//! - `tokens` (feature `tokens`, codegen only): the definitions print themselves as the
//!   `const` expressions of generated code.
#![deny(missing_docs)]

mod auth;
mod client;
mod column;
pub mod names;
mod paginator;
pub mod path;
pub mod sql;
mod template;
#[cfg(feature = "tokens")]
pub mod tokens;
mod write;

pub use auth::{ApiKeyLocation, ClientAuth};
pub use client::{RateLimitDef, RetryDef, SecretDef};
pub use column::{DataType, SortOrder};
pub use paginator::{PaginatorDef, ParamPlace};
pub use path::{Path, PathStep};
pub use template::IncrementalValue;
pub use write::{Disposition, MergeStrategy};
