//! The resolved view of a valid spec: `resource_defaults` merged in, defaults applied,
//! placeholders and JSONPaths parsed, parents linked, secrets collected. Codegen consumes this
//! and nothing else, so every decision about what a spec *means* is made in this crate.
//!
//! Every definition is `restsource_core`'s, in the owned [`Resolved`] storage (or, for the
//! smaller ones with their own type parameters, an owned instantiation named here by an
//! alias). Only what codegen alone reads is written here: [`ResolvedResource`] and
//! [`ResolvedColumn`] wrap their core definitions with it, and [`JsonPath`] and
//! [`ParentField`] are the resolver's paths (they keep their text for messages).

use std::fmt::Debug;

pub use restsource_core::{
    ApiKeyLocation, AuthChoice, AuthDef, ClientAuth, ColumnDef, DataDef, DataSelectorMissing,
    DataType, Disposition, EndpointDef, IncrementalDef, IncrementalValue, LastValueFunc, Lit,
    MergeStrategy, Method, OnCursorValueMissing, PaginatorDef, ParamPlace, ParentDef, PathStep,
    RateLimitDef, ResourceDef, ResponseActionDef, RetryDef, SecretDef, SortOrder, SourceDef,
    Storage, WriteDef,
};

/// The resolver's storage of `restsource_core`'s definitions: owned text and lists, paths
/// with their text, secrets with their environment variable, parents by name, resources and
/// columns with what only codegen reads, and no SQL (codegen builds it from the columns it
/// plans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resolved;

impl Storage for Resolved {
    type Str = String;
    type List<T: Clone + Debug + PartialEq + 'static> = Vec<T>;
    type Path = JsonPath;
    type Field = ParentField;
    type Secret = SecretInfo;
    type Cred = SecretInfo;
    type Json = serde_json::Value;
    type Column = ResolvedColumn;
    type Parent = String;
    type Resource = ResolvedResource;
    type Sql = ();
}

/// A whole source, ready for code generation: `restsource_core`'s one definition, owned. Its
/// resources are in dependency order (every parent before its children, otherwise spec
/// order), its secrets every secret referenced anywhere, in order of first appearance.
pub type ResolvedSource = SourceDef<Resolved>;

/// One resource, merged with `resource_defaults`: its definition (`restsource_core`'s, owned)
/// and what only codegen reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedResource {
    /// The definition codegen prints as the resource's constant (its `sql` is `()`: codegen
    /// builds the statements from the columns it plans).
    pub def: ResourceDef<Resolved>,
    /// Struct name override from the spec (`struct_name`), if any.
    pub struct_name: Option<String>,
    /// The order the API sends records in, by incremental cursor, when the spec says so
    /// (`incremental.row_order`): read at compile time only, to allow a `checkpoint`.
    pub row_order: Option<crate::model::RowOrder>,
    /// The resource's tables as `restsource infer` committed them beside the spec
    /// (`<spec stem>.tables.json`): codegen types every field they know.
    pub inferred: Option<restsource_core::tables::ResourceTables>,
}

/// A declared column: its definition (`restsource_core`'s, owned; one name for JSON and SQL)
/// and what only codegen reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedColumn {
    /// The definition (type nullable unless a primary key column, `json` when untyped).
    pub def: ColumnDef<String>,
    /// Rust field name override.
    pub rust_name: Option<String>,
    /// Description (becomes the field's doc comment).
    pub description: Option<String>,
}

impl ResolvedColumn {
    /// A column without hints, Rust name or description (codegen's undeclared key columns, and
    /// tests).
    pub fn plain(name: &str, data_type: DataType, nullable: bool) -> Self {
        ResolvedColumn {
            def: ColumnDef::new(name.to_string(), name.to_string(), data_type, nullable),
            rust_name: None,
            description: None,
        }
    }

    /// A column declared without a type: JSON, left to inference in relational tables
    /// (codegen's undeclared key columns).
    pub fn untyped(name: &str, nullable: bool) -> Self {
        ResolvedColumn {
            def: ColumnDef::untyped(name.to_string(), name.to_string(), nullable),
            rust_name: None,
            description: None,
        }
    }

    /// The column's name: as in the JSON records, and the SQL column (quoted per dialect).
    pub fn name(&self) -> &str {
        &self.def.json_name
    }
}

/// An endpoint, owned: `restsource_core`'s one definition.
pub type ResolvedEndpoint = EndpointDef<Resolved>;

/// The parent of a child resource, by name: `restsource_core`'s one definition, owned.
pub type ParentBinding = ParentDef<Resolved>;

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

/// A request body given as dlt's `data`, owned: `restsource_core`'s one definition. A form
/// is sent form-encoded (list values repeat the key, null values are dropped, as for query
/// params), a string as the body, as is.
pub type ResolvedData = DataDef<Resolved>;

/// A JSON value whose strings may hold placeholders, owned: `restsource_core`'s one [`Lit`].
pub type TValue = Lit<Resolved>;

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
