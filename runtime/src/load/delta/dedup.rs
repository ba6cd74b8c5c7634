//! `dedup_sort` in a Delta merge: of a run's rows sharing a primary key, the one the sort
//! column ranks first survives, exactly as the SQL destinations' delete-insert decides (their
//! upsert replaces a row of the same load only when the new value sorts strictly first, so
//! ties and nulls keep the earlier row, and a hard delete always takes the key).

use std::cmp::Ordering;

use deltalake::arrow::array::{Array, Decimal128Array, Float64Array, Int64Array, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType as ArrowType;

use super::super::LoadError;

/// One row's value of the sort column, comparable within its column's type.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum SortValue {
    /// Integers, booleans, dates, times, timestamps (their Arrow integer form) and decimals
    /// (unscaled: one column has one scale).
    Int(i128),
    /// Floats.
    Float(f64),
    /// Anything else, as text.
    Text(String),
}

impl SortValue {
    /// The order of two values of one column (`None` across kinds, or for NaN).
    fn compare(&self, other: &SortValue) -> Option<Ordering> {
        match (self, other) {
            (SortValue::Int(a), SortValue::Int(b)) => Some(a.cmp(b)),
            (SortValue::Float(a), SortValue::Float(b)) => a.partial_cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Whether a row whose sort value is `new` replaces the surviving row whose value is `old`:
/// only when both are known and `new` sorts strictly first (`descending`: is greater).
pub(super) fn replaces(new: Option<&SortValue>, old: Option<&SortValue>, descending: bool) -> bool {
    let (Some(new), Some(old)) = (new, old) else {
        return false;
    };
    let wanted = if descending {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    new.compare(old) == Some(wanted)
}

/// Each row's value of `column` in `batch` (`None` where null or missing).
pub(super) fn sort_values(
    table: &str,
    batch: &RecordBatch,
    column: &str,
) -> Result<Vec<Option<SortValue>>, LoadError> {
    let n = batch.num_rows();
    let Some(c) = batch.column_by_name(column) else {
        return Ok(vec![None; n]);
    };
    let err = |e: deltalake::arrow::error::ArrowError| LoadError::Delta {
        table: table.to_string(),
        message: format!("dedup_sort column `{column}`: {e}"),
    };
    if let Some(d) = c.as_any().downcast_ref::<Decimal128Array>() {
        return Ok((0..n)
            .map(|r| (!d.is_null(r)).then(|| SortValue::Int(d.value(r))))
            .collect());
    }
    let numeric = c.data_type().is_integer()
        || c.data_type().is_temporal()
        || *c.data_type() == ArrowType::Boolean;
    if numeric {
        if let Ok(ints) = cast(c, &ArrowType::Int64) {
            if let Some(a) = ints.as_any().downcast_ref::<Int64Array>() {
                return Ok((0..n)
                    .map(|r| (!a.is_null(r)).then(|| SortValue::Int(i128::from(a.value(r)))))
                    .collect());
            }
        }
    }
    if c.data_type().is_floating() {
        let floats = cast(c, &ArrowType::Float64).map_err(err)?;
        if let Some(a) = floats.as_any().downcast_ref::<Float64Array>() {
            return Ok((0..n)
                .map(|r| (!a.is_null(r)).then(|| SortValue::Float(a.value(r))))
                .collect());
        }
    }
    let text = cast(c, &ArrowType::Utf8).map_err(err)?;
    let a = text
        .as_any()
        .downcast_ref::<deltalake::arrow::array::StringArray>();
    Ok((0..n)
        .map(|r| {
            a.filter(|a| !a.is_null(r))
                .map(|a| SortValue::Text(a.value(r).to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_known_value_sorting_strictly_first_replaces() {
        let (one, two) = (SortValue::Int(1), SortValue::Int(2));
        assert!(replaces(Some(&two), Some(&one), true));
        assert!(!replaces(Some(&one), Some(&two), true));
        assert!(replaces(Some(&one), Some(&two), false));
        assert!(
            !replaces(Some(&one), Some(&one), true),
            "a tie keeps the first"
        );
        assert!(!replaces(Some(&two), None, true), "a null survivor stays");
        assert!(!replaces(None, Some(&one), false), "a null never wins");
        let (a, b) = (SortValue::Text("a".into()), SortValue::Text("b".into()));
        assert!(replaces(Some(&b), Some(&a), true));
        let (x, y) = (SortValue::Float(0.5), SortValue::Float(f64::NAN));
        assert!(!replaces(Some(&y), Some(&x), true));
    }
}
