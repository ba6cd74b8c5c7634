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
//!   [`MergeStrategy`], [`IncrementalValue`], [`Method`], [`DataSelectorMissing`],
//!   [`ResponseFormat`], [`LastValueFunc`], [`OnCursorValueMissing`], [`SortOrder`] (the ones a spec writes word
//!   for word derive the spec model's serde form and JSON Schema under feature `model`);
//! - [`WriteDef`], [`ResponseActionDef`], [`ResponseActionKind`]: how a resource is written
//!   and what a matching response action does;
//! - [`SecretDef`], [`RetryDef`], [`RateLimitDef`]: the client-wide settings;
//! - [`AuthDef`], [`CredDef`], [`AuthChoice`]: authentication, credentials as secret names;
//! - [`IncrementalDef`], [`ColumnDef`]: incremental settings and a declared column;
//! - [`StepDef`], [`ConditionDef`], [`Operand`], [`CompareOp`]: a resource's declarative
//!   processing steps (spec `processing_steps`);
//! - [`SourceDef`], [`ResourceDef`], [`EndpointDef`], [`DataDef`], [`ParentDef`]: a source,
//!   its resources, their requests, bodies and parents, every default applied;
//! - [`Lit`]: a JSON literal whose strings may hold placeholders;
//! - [`Storage`], [`Static`]: how the definitions above store their data ([`storage`]);
//! - [`PaginatorDef`], [`ParamPlace`]: a paginator with every default applied;
//! - [`RustFactory`], [`AnyBox`]: how generated code makes the user's types a spec names
//!   (`type = "rust"` paginators and auth);
//! - [`Template`], [`TemplatePart`]: strings with placeholders, split;
//! - [`sql`]: the SQL of a resource's table per dialect and of restsource's own tables;
//!   [`TableSql`], and [`SqlDefs`] with one per enabled dialect (features `sqlite`,
//!   `postgres`), built by [`sql_defs!`];
//! - `tokens` (feature `tokens`, codegen only): the definitions print themselves as the
//!   `const` expressions of generated code.
//!
//! # One type for compile time and run time
//!
//! Generated code holds a source as `const` items, so every definition here must be
//! const-constructible, and the runtime reads it on the hot path, so reading must cost no
//! allocation. Two shapes do that:
//!
//! - [`PathStep`] keys are `Cow<'static, str>`: generated constants borrow (`PathStep::key`
//!   is a `const fn`), the resolver and run-time detection own. Steps only ever sit behind a
//!   `&'static [PathStep]` in definitions, so no definition gains a destructor.
//! - Definitions with text or lists of their own ([`PaginatorDef`], [`ParamPlace`],
//!   [`SecretDef`], [`RetryDef`], ...) are generic over their storage, defaulting to the
//!   `'static` borrowed forms. That instantiation is `Copy` without a destructor (a `Cow`
//!   field would give every enclosing `const` a destructor and forbid `..BASE` struct
//!   updates in `const` context, which the runtime's tests rely on); the spec's resolver
//!   names an owned instantiation (`ResolvedPaginator`, `ResolvedRetry`, `SecretInfo` are
//!   aliases of these), and the `tokens` feature prints any instantiation as the `'static`
//!   one.
//!   [`Template`] is generic over the list of its parts, [`TemplatePart`] over its text,
//!   parent field and secret reference.
//!
//! Definitions that hold lists of themselves ([`Lit`]: a type parameter cannot default to a
//! type that contains itself) or of many others ([`ResourceDef`] and the rest of a source)
//! take one [`Storage`] parameter instead, whose associated types name every kind of data;
//! [`Static`] is the default, and the resolver's owned storage (`resolved::Resolved` in the
//! spec crate) also stores its resources and columns with what only codegen reads (struct
//! and field names, doc comments, `row_order`). Generated constants build the enum variants
//! with a payload through the generic enum with a turbofish (`Lit::List::<Static>(&[..])`,
//! see [`Lit`] for why).
#![deny(missing_docs)]

mod auth;
mod client;
mod column;
pub mod contract;
mod endpoint;
mod hatch;
mod incremental;
pub mod names;
pub mod naming;
mod paginator;
pub mod path;
mod python;
mod resource;
mod shake;
pub mod sql;
mod step;
pub mod storage;
pub mod tables;
mod template;
pub mod timestamp;
#[cfg(feature = "tokens")]
pub mod tokens;
mod write;

pub use auth::{ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, CredDef};
pub use client::{RateLimitDef, RateLimitHeadersDef, ResetFormat, RetryDef, SecretDef};
pub use column::{ColumnDef, DataType, SortOrder};
pub use contract::{ContractMode, RelationalDef, SchemaContract, TablesMode};
pub use endpoint::{
    DataSelectorMissing, LastValueFunc, Method, OnCursorValueMissing, ResponseActionDef,
    ResponseActionKind, ResponseFormat,
};
pub use hatch::{AnyBox, RustFactory};
pub use incremental::IncrementalDef;
pub use paginator::{PaginatorDef, ParamPlace};
pub use path::{Path, PathStep};
pub use resource::{DataDef, EndpointDef, ParentDef, ResourceDef, SourceDef};
pub use sql::{SqlDefs, TableSql};
pub use step::{CompareOp, ConditionDef, Operand, StepDef};
pub use storage::{Static, Storage};
pub use template::{IncrementalValue, Lit, SecretName, Template, TemplatePart};
pub use write::{Disposition, MergeStrategy, WriteDef};
