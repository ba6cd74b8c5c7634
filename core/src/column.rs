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

/// The `dedup_sort` order of a column: which of two rows of one load with the same primary
/// key survives a `delete-insert` merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// The row with the lowest value wins.
    Asc,
    /// The row with the highest value wins.
    Desc,
}
