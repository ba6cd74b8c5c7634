//! The resolved view of a valid spec: `resource_defaults` merged in, defaults applied,
//! placeholders and JSONPaths parsed, parents linked, secrets collected. Codegen consumes this
//! and nothing else, so every decision about what a spec *means* is made in this crate.

pub use crate::model::Disposition;
pub use restsource_core::{
    ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, DataSelectorMissing, DataType, IncrementalDef,
    IncrementalValue, LastValueFunc, MergeStrategy, Method, OnCursorValueMissing, PaginatorDef,
    ParamPlace, PathStep, RateLimitDef, ResponseActionDef, RetryDef, SecretDef, SortOrder,
};

/// A whole source, ready for code generation.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSource {
    /// Source name: the spec's `name`, else the file stem.
    pub name: String,
    /// Base URL.
    pub base_url: String,
    /// Static client headers.
    pub headers: Vec<(String, String)>,
    /// Client auth.
    pub auth: Option<ResolvedAuth>,
    /// Request timeout in seconds (default 60).
    pub timeout_secs: f64,
    /// Client-side rate limit.
    pub rate_limit: Option<ResolvedRateLimit>,
    /// Every secret referenced anywhere, in order of first appearance, without duplicates.
    pub secrets: Vec<SecretInfo>,
    /// Resources in dependency order: every parent before its children, otherwise spec order.
    pub resources: Vec<ResolvedResource>,
}

/// One resource, merged with `resource_defaults`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedResource {
    /// Resource name.
    pub name: String,
    /// Table name.
    pub table_name: String,
    /// Struct name override from the spec (`struct_name`), if any.
    pub struct_name: Option<String>,
    /// Method.
    pub method: Method,
    /// Path with placeholders (legacy `resolve` params become parent placeholders).
    pub path: Template,
    /// Query parameters, without resolve params and the deprecated incremental param.
    pub params: Vec<(String, TValue)>,
    /// JSON body.
    pub json: Option<TValue>,
    /// Non-JSON body (dlt `data`); never set together with `json`.
    pub data: Option<ResolvedData>,
    /// Endpoint headers (merged over the client's at run time).
    pub headers: Vec<(String, Template)>,
    /// Record selector; `None` means detect.
    pub data_selector: Option<JsonPath>,
    /// What a page without the selector's path means (default: an error).
    pub data_selector_missing: DataSelectorMissing,
    /// Paginator with all defaults applied.
    pub paginator: ResolvedPaginator,
    /// Ignore rules.
    pub response_actions: Vec<ResponseActionDef<String>>,
    /// Incremental settings (including the deprecated param form, converted).
    pub incremental: Option<ResolvedIncremental>,
    /// The order the API sends records in, by incremental cursor, when the spec says so
    /// (`incremental.row_order`): read at compile time only, to allow a `checkpoint`.
    pub row_order: Option<crate::model::RowOrder>,
    /// Endpoint auth choice.
    pub auth: ResolvedAuthChoice,
    /// Primary key columns.
    pub primary_key: Vec<String>,
    /// Merge key columns.
    pub merge_key: Vec<String>,
    /// Disposition.
    pub disposition: Disposition,
    /// Merge strategy when merging (default delete-insert).
    pub merge_strategy: MergeStrategy,
    /// delete-insert `deduplicated`.
    pub deduplicated: bool,
    /// Columns, merged per column with the defaults', in declaration order.
    pub columns: Vec<ResolvedColumn>,
    /// Parent binding.
    pub parent: Option<ParentBinding>,
    /// Loaded.
    pub selected: bool,
    /// Children of different parents fetched concurrently.
    pub parallelized: bool,
    /// Max table nesting.
    pub max_table_nesting: Option<u32>,
    /// Retry policy (client's, overridden per resource).
    pub retry: ResolvedRetry,
    /// Pages between commits of rows and incremental state (`checkpoint`); `None`: the
    /// resource commits with its run, all or nothing.
    pub checkpoint: Option<u32>,
}

/// Endpoint auth choice.
/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedColumn {
    /// Name as in the JSON records (and the SQL column, quoted per dialect).
    pub name: String,
    /// Type; `None` in the spec means json.
    pub data_type: DataType,
    /// Nullable (default true; false for primary key columns).
    pub nullable: bool,
    /// Precision.
    pub precision: Option<u32>,
    /// Scale.
    pub scale: Option<u32>,
    /// Hard delete flag.
    pub hard_delete: bool,
    /// Dedup sort.
    pub dedup_sort: Option<SortOrder>,
    /// Rust field name override.
    pub rust_name: Option<String>,
    /// Description (becomes the field's doc comment).
    pub description: Option<String>,
}

/// The parent of a child resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentBinding {
    /// Parent resource name.
    pub resource: String,
    /// `include_from_parent` keys.
    pub include_from_parent: Vec<String>,
}

/// A string with placeholders, split, owned: `restsource_core`'s one definition. Build one
/// with [`template`] (a type alias cannot name a tuple struct's constructor).
pub type Template = restsource_core::Template<Vec<TemplatePart>>;

/// A piece of a [`Template`], owned: literal text, `{resources.<parent>.<field>}` (a
/// [`ParentField`]), `{incremental.<value>}`, or a secret's value read at run time (a secret
/// reference or a literal credential in a header or query parameter, whose literal value is
/// dropped here).
pub type TemplatePart = restsource_core::TemplatePart<String, ParentField, SecretInfo>;

/// A template of these pieces.
pub fn template(parts: Vec<TemplatePart>) -> Template {
    restsource_core::Template(parts)
}

/// What a `{resources.<parent>.<field>}` placeholder reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentField {
    /// Parent resource.
    pub resource: String,
    /// JSONPath into the parent record.
    pub path: JsonPath,
}

impl AsRef<[PathStep]> for ParentField {
    fn as_ref(&self) -> &[PathStep] {
        &self.path.steps
    }
}

/// A parsed JSONPath (the subset dlt users write: dotted names, `[n]`, `[*]`, `['name']`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    /// As written.
    pub text: String,
    /// Steps; empty means the root (`$`).
    pub steps: Vec<PathStep>,
}

/// A request body given as dlt's `data`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolvedData {
    /// An object: sent form-encoded (`application/x-www-form-urlencoded`); list values repeat
    /// the key and null values are dropped, as for query params.
    Form(Vec<(String, TValue)>),
    /// A string: sent as the body, as is.
    Raw(Template),
}

/// A JSON value whose strings may hold placeholders: the owned form of the runtime's
/// `def::Lit`, which codegen prints it as. The one shape written twice on purpose: see
/// `restsource_core::Lit` for why a recursive definition cannot serve both forms.
#[derive(Debug, Clone, PartialEq)]
pub enum TValue {
    /// null.
    Null,
    /// bool.
    Bool(bool),
    /// integer.
    Int(i64),
    /// float.
    Float(f64),
    /// string.
    Str(Template),
    /// array.
    List(Vec<TValue>),
    /// object.
    Map(Vec<(String, TValue)>),
}

/// Auth with every credential turned into a secret reference (literals get a derived secret
/// name and a warning; their value is never carried further), owned: `restsource_core`'s one
/// definition. OAuth2's extra form fields stay plain JSON, in spec order.
pub type ResolvedAuth = AuthDef<String, SecretInfo, Vec<(String, serde_json::Value)>, Vec<String>>;

/// An endpoint's auth choice, owned: `restsource_core`'s one definition.
pub type ResolvedAuthChoice = AuthChoice<ResolvedAuth>;

/// Incremental settings with defaults applied, owned: `restsource_core`'s one definition (the
/// cursor path keeps its text for messages, the bounds are plain JSON).
pub type ResolvedIncremental = IncrementalDef<String, JsonPath, serde_json::Value>;

/// A secret and where it is read from, owned: `restsource_core`'s one definition.
pub type SecretInfo = SecretDef<String>;

/// The client's rate limit: `restsource_core`'s one definition.
pub type ResolvedRateLimit = RateLimitDef;

/// A retry policy with defaults applied, owned: `restsource_core`'s one definition.
pub type ResolvedRetry = RetryDef<Vec<u16>>;

/// Where a paginator parameter goes, owned: `restsource_core`'s one definition.
pub type ResolvedParamPlace = ParamPlace<String, Vec<String>>;

/// The paginator with defaults applied, owned (paths keep their text for messages):
/// `restsource_core`'s one definition, which codegen prints as the runtime's constant.
pub type ResolvedPaginator = PaginatorDef<String, JsonPath, Vec<String>>;

impl AsRef<[PathStep]> for JsonPath {
    fn as_ref(&self) -> &[PathStep] {
        &self.steps
    }
}
