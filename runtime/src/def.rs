//! Static descriptions of a source, emitted by codegen as `const` items.
//!
//! Everything here is `'static` and const-constructible so that generated code carries the
//! whole spec as constants: nothing is parsed at run time. Strings with placeholders are
//! pre-split into [`TemplatePart`]s and JSONPaths into [`PathStep`]s at compile time.
//!
//! Most definitions are `restsource_core`'s, re-exported (the spec's resolver builds owned
//! forms of the same types). The ones written here ([`SourceDef`], [`ResourceDef`],
//! [`ParentDef`], [`EndpointDef`], [`DataDef`]) still have hand-shaped counterparts in the
//! spec's resolved view (`ResolvedSource`, `ResolvedResource`, ...), which carry
//! compile-time-only data (struct and field names, doc comments, `row_order`) and hold
//! `TValue`s that core's `ConstTokens` cannot print; codegen's `resource_defs` maps them.

pub use restsource_core::{
    ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, ColumnDef, CredDef, DataSelectorMissing,
    DataType, Disposition, IncrementalDef, IncrementalValue, LastValueFunc, Lit, MergeStrategy,
    Method, OnCursorValueMissing, PaginatorDef, ParamPlace, PathStep, RateLimitDef,
    ResponseActionDef, RetryDef, SecretDef, SortOrder, SqlDefs, TableSql, Template, TemplatePart,
    WriteDef,
};

/// The whole source.
#[derive(Debug, Clone, Copy)]
pub struct SourceDef {
    /// Source name (module name).
    pub name: &'static str,
    /// Base URL (overridable at run time).
    pub base_url: &'static str,
    /// Static client headers.
    pub headers: &'static [(&'static str, &'static str)],
    /// Client auth.
    pub auth: Option<AuthDef>,
    /// Request timeout in seconds.
    pub timeout_secs: f64,
    /// Client-side rate limit.
    pub rate_limit: Option<RateLimitDef>,
    /// Every secret the spec references.
    pub secrets: &'static [SecretDef],
    /// Resources in dependency order (parents first).
    pub resources: &'static [&'static ResourceDef],
}

/// One resource.
#[derive(Debug, Clone, Copy)]
pub struct ResourceDef {
    /// Resource name.
    pub name: &'static str,
    /// Destination table.
    pub table_name: &'static str,
    /// Endpoint.
    pub endpoint: EndpointDef,
    /// Primary key columns (SQL names).
    pub primary_key: &'static [&'static str],
    /// Merge key columns (SQL names).
    pub merge_key: &'static [&'static str],
    /// Write disposition.
    pub write: WriteDef,
    /// Declared columns, in struct field order.
    pub columns: &'static [ColumnDef],
    /// Parent binding, for child resources.
    pub parent: Option<ParentDef>,
    /// Loaded (a deselected parent still feeds its children).
    pub selected: bool,
    /// Fetch children of different parents concurrently.
    pub parallelized: bool,
    /// Retry policy for this resource.
    pub retry: RetryDef,
    /// SQL per dialect, produced at compile time.
    pub sql: SqlDefs,
    /// Pages between commits of this resource's rows and incremental state (spec
    /// `checkpoint`); `None` loads it all or nothing with the rest of the run. The spec
    /// guarantees a checkpointed resource is top-level, has no children, is not `replace`,
    /// and has an incremental cursor the API sends in order.
    pub checkpoint: Option<u32>,
}

/// Parent binding of a child resource.
#[derive(Debug, Clone, Copy)]
pub struct ParentDef {
    /// The parent resource's definition (its constant in generated code), so a child cannot
    /// name a parent that does not exist.
    pub resource: &'static ResourceDef,
    /// Fields copied into each child record as `_<parent>_<field>`.
    pub include_from_parent: &'static [&'static str],
}

/// A request body given as dlt's `data`.
#[derive(Debug, Clone, Copy)]
pub enum DataDef {
    /// Form fields, sent `application/x-www-form-urlencoded`; [`Lit::Null`] values are dropped
    /// and lists repeat the key, as for query parameters.
    Form(&'static [(&'static str, Lit)]),
    /// A body sent as is.
    Raw(Template),
}

/// Endpoint.
#[derive(Debug, Clone, Copy)]
pub struct EndpointDef {
    /// Path (or absolute URL) with placeholders.
    pub path: Template,
    /// Method.
    pub method: Method,
    /// Query parameters; [`Lit::Null`] values are dropped, lists repeat the key.
    pub params: &'static [(&'static str, Lit)],
    /// JSON body.
    pub json: Option<Lit>,
    /// Form or raw body (dlt `data`); never set together with `json`.
    pub data: Option<DataDef>,
    /// Headers with placeholders.
    pub headers: &'static [(&'static str, Template)],
    /// Record selector; `None` means detect on the first page.
    pub data_selector: Option<&'static [PathStep]>,
    /// What a page without the selector's path means.
    pub data_selector_missing: DataSelectorMissing,
    /// Paginator.
    pub paginator: PaginatorDef,
    /// Ignore rules.
    pub response_actions: &'static [ResponseActionDef],
    /// Incremental settings.
    pub incremental: Option<IncrementalDef>,
    /// Auth for this endpoint.
    pub auth: AuthChoice,
}
