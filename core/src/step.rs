//! Declarative processing steps (spec `processing_steps`): per-record transformations and
//! filters, applied in order to each record's JSON before it is decoded into its struct, so a
//! field a step adds or renames gets its declared column type.
//!
//! They are Airbyte's declarative transformations (`AddFields`, `RemoveFields`, renames,
//! `KeysToSnakeCase`, `RecordFilter`) in dlt's key: dlt's own `filter` and `map` steps are
//! Python callables, which restsource writes as typed Rust closures instead (the generated
//! `Source::filter` and `Source::map`). Field names are top-level keys of the record.

use crate::storage::{Static, Storage};

/// One processing step. Values are JSON text (a spec's constant, printed as it was written),
/// parsed when a resource starts, so every definition stays a plain `const`.
#[derive(Debug, Clone, PartialEq)]
pub enum StepDef<F: Storage = Static> {
    /// Sets each `(field, value)`: `value` is JSON text; in a string value, `{field}` is the
    /// record's field (as text; a string that is exactly one placeholder copies the field's
    /// value, type included, `null` when missing), and `{{`/`}}` are literal braces.
    AddFields(F::List<(F::Str, F::Str)>),
    /// Removes each field (a missing field is not an error).
    RemoveFields(F::List<F::Str>),
    /// Renames each `(from, to)` (a missing `from` leaves the record as it was; an existing
    /// `to` is replaced).
    RenameFields(F::List<(F::Str, F::Str)>),
    /// Turns every top-level key into snake_case (`updatedAt` and `Updated At` become
    /// `updated_at`), as Airbyte's `KeysToSnakeCase`.
    KeysToSnakeCase,
    /// Keeps the records for which every condition holds.
    Filter(F::List<ConditionDef<F::Str>>),
}

impl Copy for StepDef<Static> {}

/// A comparison of one field of a record (spec `{field, op, value}`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConditionDef<S = &'static str> {
    /// The field (a top-level key).
    pub field: S,
    /// The comparison.
    pub op: CompareOp,
    /// What the field is compared with (unused by `is null` and `is not null`).
    pub value: Operand<S>,
}

/// What a condition compares a field with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand<S = &'static str> {
    /// A constant, as JSON text (a list for `in`).
    Json(S),
    /// The incremental cursor's value when the run started (spec
    /// `"{incremental.start_value}"`): the stored last value, else the initial value; a
    /// condition against it is false when there is none.
    CursorStart,
}

/// A comparison operator. Ordering compares numbers as numbers, and strings that are both
/// timestamps or dates as instants, other strings by text; a missing field or `null`
/// satisfies only `is null` (and `!=` a non-null value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`: equal to one of a list.
    In,
    /// `is null`: missing or `null`.
    IsNull,
    /// `is not null`.
    IsNotNull,
}

impl CompareOp {
    /// Every operator as a spec writes it.
    pub const ALL: [(&'static str, CompareOp); 9] = [
        ("==", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<", CompareOp::Lt),
        ("<=", CompareOp::Le),
        (">", CompareOp::Gt),
        (">=", CompareOp::Ge),
        ("in", CompareOp::In),
        ("is null", CompareOp::IsNull),
        ("is not null", CompareOp::IsNotNull),
    ];

    /// The operator a spec writes as `text`.
    pub fn parse(text: &str) -> Option<CompareOp> {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == text)
            .map(|(_, op)| *op)
    }

    /// Whether the operator takes no value.
    pub fn is_unary(self) -> bool {
        matches!(self, CompareOp::IsNull | CompareOp::IsNotNull)
    }
}
