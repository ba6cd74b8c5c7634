//! Where one flattened value goes in its table: an existing column (converted to its type), a
//! new column, or a variant column; decided before the schema changes, so a schema contract can
//! refuse or discard the change first.

use serde_json::Value;

use super::coerce::{coerce, in_stored_form, infer_type, value_type};
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
    if kept_as_is(to, from, &value) {
        return Ok(value);
    }
    coerce(to, from, &value).ok_or(value)
}

/// Whether non-null `value` (of type `from`) goes into a `to` column unchanged: the common
/// case, a value of its column's type, or text already in the stored form of a timestamp,
/// date or time column (other text is parsed and rewritten to that form).
fn kept_as_is(to: DataType, from: DataType, value: &Value) -> bool {
    match value {
        Value::String(s) if matches!(to, DataType::Timestamp | DataType::Date | DataType::Time) => {
            in_stored_form(to, s)
        }
        _ => to == from && to != DataType::Timestamp,
    }
}

/// Whether `value` goes into column `column` of `table` unchanged, as [`Normalizer::decide`]
/// would place it: most values of a run are of their column's type, and this answers for
/// them without moving the value through a [`Placement`].
pub(super) fn fits_as_is(table: &TableSchema, column: usize, value: &Value) -> bool {
    let Some(from) = value_type(value) else {
        return false;
    };
    table
        .columns()
        .get(column)
        .is_some_and(|c| kept_as_is(c.data_type, from, value))
}
