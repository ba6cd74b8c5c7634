//! A source and its resources as generated code holds them and the resolver builds them: the
//! endpoint, the request body, the parent binding, the resource and the source.
//!
//! Generic over a [`Storage`]: [`Static`] in generated constants (the defaults, so
//! `ResourceDef` alone names the runtime's form), owned in the spec's resolver, whose
//! resources and columns also carry what only codegen reads (see `restsource_spec::resolved`).
//! Only the `'static` forms are `Copy`: an owned list cannot be.

use crate::contract::{RelationalDef, TablesMode};
use crate::storage::{
    AuthChoiceOf, IncrementalOf, PaginatorOf, RetryOf, SecretOf, Static, Storage, TemplateOf,
};
use crate::{
    DataSelectorMissing, Lit, Method, RateLimitDef, ResponseActionDef, ResponseFormat, WriteDef,
};

/// A whole source: its client settings and its resources.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDef<F: Storage = Static> {
    /// Source name: the spec's `name`, else the file stem (the generated module's name).
    pub name: F::Str,
    /// Base URL (overridable at run time).
    pub base_url: F::Str,
    /// Static client headers (credential headers ride on each endpoint as secrets instead).
    pub headers: F::List<(F::Str, F::Str)>,
    /// Client auth.
    pub auth: Option<crate::storage::AuthOf<F>>,
    /// Request timeout in seconds (default 60).
    pub timeout_secs: f64,
    /// Client-side rate limit.
    pub rate_limit: Option<RateLimitDef>,
    /// Rate-limit headers the API answers with (spec `client.rate_limit_headers`).
    pub rate_limit_headers: Option<crate::RateLimitHeadersDef<F::Str>>,
    /// Every secret the spec references, in order of first appearance, without duplicates.
    pub secrets: F::List<SecretOf<F>>,
    /// Resources in dependency order: every parent before its children, otherwise spec order.
    pub resources: F::List<F::Resource>,
    /// How records become tables unless a run says otherwise (spec key `tables`).
    pub tables: TablesMode,
}

impl Copy for SourceDef<Static> {}

/// One resource, merged with the spec's `resource_defaults`, every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDef<F: Storage = Static> {
    /// Resource name.
    pub name: F::Str,
    /// Destination table.
    pub table_name: F::Str,
    /// Endpoint.
    pub endpoint: EndpointDef<F>,
    /// Primary key columns (SQL names).
    pub primary_key: F::List<F::Str>,
    /// Merge key columns (SQL names).
    pub merge_key: F::List<F::Str>,
    /// Write disposition.
    pub write: WriteDef,
    /// Declared columns, in declaration order (generated code: struct field order, with the
    /// key columns the spec does not declare added as JSON columns).
    pub columns: F::List<F::Column>,
    /// Parent binding, for child resources.
    pub parent: Option<ParentDef<F>>,
    /// Loaded (a deselected parent still feeds its children).
    pub selected: bool,
    /// Fetch children of different parents concurrently.
    pub parallelized: bool,
    /// Retry policy for this resource (the client's, overridden per resource).
    pub retry: RetryOf<F>,
    /// SQL per dialect, produced at compile time.
    pub sql: F::Sql,
    /// Pages between commits of this resource's rows and incremental state (spec
    /// `checkpoint`); `None` loads it all or nothing with the rest of the run. The spec
    /// guarantees a checkpointed resource is top-level, has no children, is not `replace`,
    /// and has an incremental cursor the API sends in order.
    pub checkpoint: Option<u32>,
    /// Contract and nesting of its relational tables.
    pub relational: RelationalDef,
    /// Declarative processing steps, applied in order to each record's JSON before it is
    /// decoded (spec `processing_steps`); empty for most resources.
    pub processing_steps: F::List<crate::StepDef<F>>,
}

impl Copy for ResourceDef<Static> {}

/// Parent binding of a child resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentDef<F: Storage = Static> {
    /// The parent: in generated code its definition (its constant), so a child cannot name a
    /// parent that does not exist; in the resolver its name.
    pub resource: F::Parent,
    /// Fields copied into each child record as `_<parent>_<field>` (`include_from_parent`).
    pub include_from_parent: F::List<F::Str>,
}

impl Copy for ParentDef<Static> {}

/// A request body given as dlt's `data`.
#[derive(Debug, Clone, PartialEq)]
pub enum DataDef<F: Storage = Static> {
    /// Form fields, sent `application/x-www-form-urlencoded`; [`Lit::Null`] values are dropped
    /// and lists repeat the key, as for query parameters.
    Form(F::List<(F::Str, Lit<F>)>),
    /// A body sent as is.
    Raw(TemplateOf<F>),
}

impl Copy for DataDef<Static> {}

/// An endpoint: the request and how its responses are read.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDef<F: Storage = Static> {
    /// Path (or absolute URL) with placeholders (legacy `resolve` params become parent
    /// placeholders).
    pub path: TemplateOf<F>,
    /// Method.
    pub method: Method,
    /// Query parameters, without resolve params and the deprecated incremental param;
    /// [`Lit::Null`] values are dropped, lists repeat the key.
    pub params: F::List<(F::Str, Lit<F>)>,
    /// JSON body.
    pub json: Option<Lit<F>>,
    /// Form or raw body (dlt `data`); never set together with `json`.
    pub data: Option<DataDef<F>>,
    /// Headers with placeholders (merged over the client's at run time).
    pub headers: F::List<(F::Str, TemplateOf<F>)>,
    /// Record selector; `None` means detect on the first page.
    pub data_selector: Option<F::Path>,
    /// What a page without the selector's path means (default: an error).
    pub data_selector_missing: DataSelectorMissing,
    /// How a response body holds its records (spec `response_format`; default: by the
    /// response's `Content-Type`).
    pub response_format: ResponseFormat,
    /// Paginator with every default applied.
    pub paginator: PaginatorOf<F>,
    /// Ignore rules.
    pub response_actions: F::List<ResponseActionDef<F::Str>>,
    /// Incremental settings (including the deprecated param form, converted).
    pub incremental: Option<IncrementalOf<F>>,
    /// Auth for this endpoint.
    pub auth: AuthChoiceOf<F>,
}

impl Copy for EndpointDef<Static> {}
