//! What a declared column is: its stored type and its `dedup_sort` order.

/// The type of a declared column, as stored: what the spec's `data_type` resolves to (dlt's
/// `wei` is stored as a decimal, so it is [`DataType::Decimal`] here; a column without a type
/// is [`DataType::Json`]). It picks the Rust field type, the SQL column type per dialect and
/// how a value is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Any JSON value.
    Json,
    /// Exact decimal (also dlt's 256-bit `wei`).
    Decimal,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
}

impl DataType {
    /// Every type, in the order dlt lists them.
    pub const ALL: [DataType; 10] = [
        DataType::Text,
        DataType::Double,
        DataType::Bool,
        DataType::Timestamp,
        DataType::Bigint,
        DataType::Binary,
        DataType::Json,
        DataType::Decimal,
        DataType::Date,
        DataType::Time,
    ];

    /// dlt's name of the type: what specs and stored schemas write, and the suffix of a
    /// variant column (`price__v_text`).
    pub const fn name(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Double => "double",
            DataType::Bool => "bool",
            DataType::Timestamp => "timestamp",
            DataType::Bigint => "bigint",
            DataType::Binary => "binary",
            DataType::Json => "json",
            DataType::Decimal => "decimal",
            DataType::Date => "date",
            DataType::Time => "time",
        }
    }

    /// The type dlt names `name`.
    pub fn from_name(name: &str) -> Option<DataType> {
        DataType::ALL.into_iter().find(|t| t.name() == name)
    }
}

// Of two rows of one load with the same primary key, which one survives a `delete-insert`
// merge. A plain comment: the spec's model names this type too (feature `model`), and the doc
// comment is the JSON Schema's description.
/// Sort order for `dedup_sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "model",
    derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum SortOrder {
    /// Lowest wins.
    Asc,
    /// Highest wins.
    Desc,
}

/// A declared column as generated code and the loaders see it.
///
/// Generic over its text like [`crate::PaginatorDef`]. The spec's resolved column wraps an
/// owned `ColumnDef<String>` (the same name for JSON and SQL) with what only codegen reads
/// (the Rust field name, the doc comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef<S = &'static str> {
    /// Field name in the JSON record.
    pub json_name: S,
    /// Column name in SQL.
    pub sql_name: S,
    /// Type.
    pub data_type: DataType,
    /// Nullable.
    pub nullable: bool,
    /// Precision.
    pub precision: Option<u32>,
    /// Scale.
    pub scale: Option<u32>,
    /// Hard-delete flag column.
    pub hard_delete: bool,
    /// Dedup sort column.
    pub dedup_sort: Option<SortOrder>,
    /// Declared without a `data_type` (or added by codegen for a key the spec does not
    /// declare): stored as JSON in `json` tables, and left to inference in relational ones,
    /// where only a declared `json` column keeps its value whole instead of flattening it.
    pub untyped: bool,
}

impl<S> ColumnDef<S> {
    /// A column with no hints (no precision, scale, hard delete or dedup sort): what a spec
    /// declares with a name and a type, and what codegen adds for an undeclared key column.
    pub const fn new(json_name: S, sql_name: S, data_type: DataType, nullable: bool) -> Self {
        ColumnDef {
            json_name,
            sql_name,
            data_type,
            nullable,
            precision: None,
            scale: None,
            hard_delete: false,
            dedup_sort: None,
            untyped: false,
        }
    }

    /// A column without a declared type (JSON until relational loading infers one): a
    /// spec's `columns` entry without `data_type`, or a key column codegen adds.
    pub const fn untyped(json_name: S, sql_name: S, nullable: bool) -> Self {
        ColumnDef {
            json_name,
            sql_name,
            data_type: DataType::Json,
            nullable,
            precision: None,
            scale: None,
            hard_delete: false,
            dedup_sort: None,
            untyped: true,
        }
    }
}
