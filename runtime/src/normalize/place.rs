//! Where one flattened value goes in its table: an existing column (converted to its type), a
//! new column, or a variant column; decided before the schema changes, so a schema contract can
//! refuse or discard the change first.

use serde_json::Value;

use super::coerce::{coerce, infer_type, is_stored_timestamp, value_type};
use super::{ColumnSchema, NormalizeError, Normalizer, TableSchema};
use crate::def::DataType;

/// The decision for one value.
pub(super) enum Placement {
    /// A null for a column that does not exist: dlt never creates a column from nulls.
    Skip,
    /// This column (by index), with the value converted to its type.
    Existing(usize, Value),
    /// A column to add.
    New {
        /// The new column.
        column: ColumnSchema,
        /// The value converted to the new column's type.
        value: Value,
        /// The field's column name (for a variant, the column it did not fit).
        field: String,
        /// The value's own type.
        from: DataType,
    },
}

impl Normalizer {
    /// Decides where `value` of field `column` goes in `table` (`None`: the table is new),
    /// where the column is `at` (`None`: not a column of the table yet).
    pub(super) fn decide(
        &self,
        table: Option<&TableSchema>,
        at: Option<usize>,
        table_name: &str,
        column: &str,
        value: Value,
        root: bool,
    ) -> Result<Placement, NormalizeError> {
        let existing = table.zip(at);
        let Some(from) = value_type(&value) else {
            return match existing {
                None => Ok(Placement::Skip),
                Some((t, i)) if t.columns()[i].nullable => Ok(Placement::Existing(i, Value::Null)),
                Some(_) => Err(NormalizeError::Null {
                    table: table_name.to_string(),
                    column: column.to_string(),
                }),
            };
        };
        let Some((t, index)) = existing else {
            let nullable = !(root && self.primary_key.iter().any(|k| **k == *column));
            return Ok(new_column(
                column.to_string(),
                column.to_string(),
                value,
                from,
                nullable,
                false,
            ));
        };
        let to = t.columns()[index].data_type;
        let value = match existing_value(to, from, value) {
            Ok(v) => return Ok(Placement::Existing(index, v)),
            Err(value) => value,
        };
        let variant = self.naming.join(&[column, &format!("v_{}", from.name())]);
        match t.column_index(&variant) {
            None => Ok(new_column(
                variant,
                column.to_string(),
                value,
                from,
                true,
                true,
            )),
            Some(i) => match coerce(t.columns()[i].data_type, from, &value) {
                Some(v) => Ok(Placement::Existing(i, v)),
                None => Err(NormalizeError::Coerce {
                    table: table_name.to_string(),
                    column: column.to_string(),
                    value_type: from.name(),
                }),
            },
        }
    }
}

/// A new column typed by `value` (ISO timestamps detected).
fn new_column(
    name: String,
    field: String,
    value: Value,
    from: DataType,
    nullable: bool,
    variant: bool,
) -> Placement {
    let data_type = infer_type(&value).unwrap_or(from);
    let stored = coerce(data_type, from, &value).unwrap_or(value);
    Placement::New {
        column: ColumnSchema {
            name,
            data_type,
            nullable,
            variant,
        },
        value: stored,
        field,
        from,
    }
}

/// A non-null value of type `from` for an existing column of type `to`: converted to the
/// column's type, or given back when the column does not take it (it goes to a variant).
pub(crate) fn existing_value(to: DataType, from: DataType, value: Value) -> Result<Value, Value> {
    // The common case, a value of its column's type, moves without a copy (timestamps not
    // already in the stored text form are rewritten to it).
    let kept = match &value {
        Value::String(s) if to == DataType::Timestamp => is_stored_timestamp(s),
        _ => to == from && to != DataType::Timestamp,
    };
    if kept {
        return Ok(value);
    }
    coerce(to, from, &value).ok_or(value)
}
