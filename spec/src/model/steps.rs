//! `processing_steps`: a resource's declarative transformations and filters.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One processing step, an object with one key, applied in order to each record's JSON before
/// it is decoded (so a field a step adds or renames gets its declared type). Airbyte's
/// declarative transformations under dlt's key; dlt's `map` and `yield_map` (and a `filter`
/// that is a Python callable) are typed Rust closures instead: `Source::map`, `Source::filter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ProcessingStep {
    /// Sets fields: `{field: value}`; in a string value, `{other_field}` is that field of the
    /// record (exactly `"{field}"` copies it with its type), `{{`/`}}` are literal braces.
    AddFields(IndexMap<String, serde_json::Value>),
    /// Removes fields.
    RemoveFields(Vec<String>),
    /// Renames fields: `{from: to}`.
    RenameFields(IndexMap<String, String>),
    /// `true`: every top-level key in snake_case (dlt's naming: `updatedAt` -> `updated_at`).
    KeysToSnakeCase(bool),
    /// Keeps the records for which the condition (or every condition of a list) holds.
    Filter(FilterConfig),
}

/// One condition or a list that must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FilterConfig {
    /// One condition.
    One(Condition),
    /// Every condition must hold.
    All(Vec<Condition>),
}

impl FilterConfig {
    /// The conditions, in order.
    pub fn conditions(&self) -> Vec<&Condition> {
        match self {
            FilterConfig::One(c) => vec![c],
            FilterConfig::All(cs) => cs.iter().collect(),
        }
    }
}

/// `{field, op, value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A top-level field of the record.
    pub field: String,
    /// The comparison.
    pub op: CompareOpConfig,
    /// A JSON constant (a list for `in`), or `"{incremental.start_value}"`: the cursor's value
    /// when the run started. Not written for `is null` and `is not null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CompareOpConfig {
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Not equal (a missing field differs from every value).
    #[serde(rename = "!=")]
    Ne,
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Equal to one of a list.
    #[serde(rename = "in")]
    In,
    /// Missing or null.
    #[serde(rename = "is null")]
    IsNull,
    /// Present and not null.
    #[serde(rename = "is not null")]
    IsNotNull,
}

impl CompareOpConfig {
    /// The runtime's operator.
    pub fn op(self) -> restsource_core::CompareOp {
        use restsource_core::CompareOp as Op;
        match self {
            CompareOpConfig::Eq => Op::Eq,
            CompareOpConfig::Ne => Op::Ne,
            CompareOpConfig::Lt => Op::Lt,
            CompareOpConfig::Le => Op::Le,
            CompareOpConfig::Gt => Op::Gt,
            CompareOpConfig::Ge => Op::Ge,
            CompareOpConfig::In => Op::In,
            CompareOpConfig::IsNull => Op::IsNull,
            CompareOpConfig::IsNotNull => Op::IsNotNull,
        }
    }

    /// The operator a spec writes as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        use restsource_core::CompareOp as Op;
        Some(match restsource_core::CompareOp::parse(text)? {
            Op::Eq => CompareOpConfig::Eq,
            Op::Ne => CompareOpConfig::Ne,
            Op::Lt => CompareOpConfig::Lt,
            Op::Le => CompareOpConfig::Le,
            Op::Gt => CompareOpConfig::Gt,
            Op::Ge => CompareOpConfig::Ge,
            Op::In => CompareOpConfig::In,
            Op::IsNull => CompareOpConfig::IsNull,
            Op::IsNotNull => CompareOpConfig::IsNotNull,
        })
    }
}

/// The value a condition writes to mean the cursor's start value.
pub const CURSOR_START: &str = "{incremental.start_value}";
