//! `resources` items and `resource_defaults`: names, keys, write disposition and columns.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// A resource: a bare name (which is also its path) or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ResourceEntry {
    /// `"posts"` means `{name: "posts", endpoint: {path: "posts"}}`.
    Name(String),
    /// A full resource.
    Resource(Box<Resource>),
}

/// A resource object: `name` plus the keys [`ResourceBase`] allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Resource name (unique); the table name unless `table_name` is set.
    pub name: String,
    /// Everything else.
    #[serde(flatten)]
    pub base: ResourceBase,
}

/// Resource keys that may also appear in `resource_defaults`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceBase {
    /// A path string or an endpoint object; defaults to `{path: name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<EndpointConfig>,
    /// Destination table (default: the resource name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    /// Rust struct name override (default: the resource name in UpperCamelCase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub struct_name: Option<String>,
    /// Primary key column(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<KeyConfig>,
    /// Merge key column(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<KeyConfig>,
    /// `append` (default), `replace`, `merge`, `skip`, or an object with a strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_disposition: Option<WriteDispositionConfig>,
    /// Column hints: a map by name or a list with `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<ColumnsConfig>,
    /// Whether the resource is loaded (default true); a deselected parent still feeds children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    /// Parent fields copied into each child record as `_<parent>_<field>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_from_parent: Option<Vec<String>>,
    /// Levels of nested objects and lists that flatten into columns and child tables before
    /// deeper ones are stored as JSON (relational tables; dlt's default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_table_nesting: Option<u32>,
    /// Fetch children of different parent records concurrently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelized: Option<bool>,
    /// Per-resource retry override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryConfig>,
    /// What a load may change in this resource's tables (relational tables): dlt's
    /// `schema_contract`. Overrides the source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_contract: Option<SchemaContractConfig>,
    /// dlt table format; accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_format: Option<String>,
    /// dlt file format; accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
    /// (rs) Commit this resource's rows and incremental state every this many pages, so a
    /// long backfill that fails resumes from its last checkpoint instead of from scratch.
    /// Needs `endpoint.incremental` without `end_value` and with `row_order` in the cursor's
    /// direction (`asc` with `max`, `desc` with `min`), a `primary_key`, a disposition other
    /// than `replace`, and no parent or child resources. Without it a run is all or nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub checkpoint: Option<u32>,
    /// Declarative transformations and filters, applied in order to each record's JSON
    /// before it is decoded: `add_fields`, `remove_fields`, `rename_fields`,
    /// `keys_to_snake_case`, `filter`. dlt's `map` and Python `filter` callables are Rust
    /// closures instead (`Source::map`, `Source::filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_steps: Option<Vec<ProcessingStep>>,
}

/// One column name or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum KeyConfig {
    /// One column.
    One(String),
    /// A compound key.
    Many(Vec<String>),
}

impl KeyConfig {
    /// The key's columns in order.
    pub fn columns(&self) -> Vec<String> {
        match self {
            KeyConfig::One(c) => vec![c.clone()],
            KeyConfig::Many(cs) => cs.clone(),
        }
    }
}

/// Write disposition as a string or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum WriteDispositionConfig {
    /// `append`, `replace`, `merge` or `skip`.
    Name(Disposition),
    /// `{disposition, strategy, ...}`.
    Object(WriteDispositionObject),
}

/// The dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Add rows.
    Append,
    /// Replace the table's contents when the resource completes.
    Replace,
    /// Merge by primary/merge key.
    Merge,
    /// Load nothing.
    Skip,
}

/// Merge strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MergeStrategy {
    /// Delete rows with matching keys, then insert (default).
    DeleteInsert,
    /// Insert or update by primary key.
    Upsert,
    /// Insert rows whose key is absent; never update.
    InsertOnly,
    /// Slowly changing dimension type 2 (rejected: not supported yet).
    Scd2,
}

/// `{disposition, strategy, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteDispositionObject {
    /// The disposition.
    pub disposition: Disposition,
    /// Merge strategy (default delete-insert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<MergeStrategy>,
    /// delete-insert: the data has no duplicate keys, skip dedup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplicated: Option<bool>,
}

/// Columns as a map by name or a list of hints carrying `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ColumnsConfig {
    /// `{col: hints}`.
    Map(IndexMap<String, ColumnHints>),
    /// `[{name, ...hints}]`.
    List(Vec<ColumnHints>),
}

// As a spec writes them; resolving turns them into the stored `restsource_core::DataType`
// (`wei` becomes a decimal). A plain comment: the doc comment is the JSON Schema's description.
/// dlt data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    /// UTF-8 text.
    Text,
    /// 64-bit float.
    Double,
    /// Boolean.
    Bool,
    /// Date and time with time zone.
    Timestamp,
    /// 64-bit integer.
    Bigint,
    /// Bytes (base64 in JSON).
    Binary,
    /// Any JSON.
    Json,
    /// Exact decimal.
    Decimal,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// dlt's 256-bit integer type; stored as decimal.
    Wei,
}

impl From<DataType> for restsource_core::DataType {
    /// What a spec type is stored as: `wei` is a decimal (no 256-bit integer type exists in
    /// SQLite, PostgreSQL or Rust's std), as dlt stores it.
    fn from(t: DataType) -> Self {
        use restsource_core::DataType as Stored;
        match t {
            DataType::Text => Stored::Text,
            DataType::Double => Stored::Double,
            DataType::Bool => Stored::Bool,
            DataType::Timestamp => Stored::Timestamp,
            DataType::Bigint => Stored::Bigint,
            DataType::Binary => Stored::Binary,
            DataType::Json => Stored::Json,
            DataType::Decimal | DataType::Wei => Stored::Decimal,
            DataType::Date => Stored::Date,
            DataType::Time => Stored::Time,
        }
    }
}

/// dlt column hints.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnHints {
    /// Column name (required in the list form; must match the key in the map form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Data type; absent means JSON (any value kept as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// Whether null is allowed (default true, false for key columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Precision (decimal digits, or timestamp fractional digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    /// Scale for decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Timestamp carries a time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<bool>,
    /// Part of the primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<bool>,
    /// Part of the merge key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<bool>,
    /// Unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// A true (bool) or non-null value deletes the row on merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_delete: Option<bool>,
    /// Which duplicate survives dedup on merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_sort: Option<SortOrder>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rust field name override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// Other dlt hints (`partition`, `cluster`, `sort`, `x-*`...), accepted and ignored.
    #[serde(flatten, default, skip_serializing_if = "IndexMap::is_empty")]
    pub other: IndexMap<String, JsonValue>,
}
