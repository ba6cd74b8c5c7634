//! PostgreSQL's bulk path for normalized tables: a page's rows of one table go in one binary
//! `COPY ... FROM STDIN`, one round trip and no statement per row or per chunk. COPY only
//! inserts, which is all a flush does once its merged records' stored rows are deleted, so
//! every write disposition uses it. Rows stay in the run's transaction like any statement's.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use serde_json::Value;
use tokio_postgres::types::{IsNull, ToSql, Type};

use super::postgres_normal::pg_value;
use super::postgres_pipeline::{CopyData, Op};
use super::{quote_ident, LoadError};
use crate::def::DataType;
use crate::normalize::TableSchema;

/// The COPY of `params` (rows of `table`'s columns in order, `width` values each), encoded
/// here so that the op owns everything it sends; `None` when there is nothing to copy.
pub(crate) fn copy_op(
    table: &TableSchema,
    params: &[(&Value, DataType)],
) -> Result<Option<Op>, LoadError> {
    let columns = table.columns();
    let width = columns.len();
    if width == 0 || params.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = columns.iter().map(|c| quote_ident(&c.name)).collect();
    let statement = format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        quote_ident(&table.name),
        names.join(", ")
    );
    let types: Vec<Type> = columns.iter().map(|c| wire_type(c.data_type)).collect();
    let mut data = CopyData::new();
    for row in params.chunks(width) {
        let cells = row.iter().map(|(v, t)| Cell(v, *t));
        data.row(&types, cells).map_err(|e| LoadError::Encode {
            table: table.name.clone(),
            message: e.to_string(),
        })?;
    }
    Ok(Some(Op::Copy {
        statement,
        data: data.finish(),
    }))
}

/// The type a column of `data_type` has in the tables restsource creates (core's
/// `column_type`): COPY's binary rows must match it exactly.
pub(crate) fn wire_type(data_type: DataType) -> Type {
    match data_type {
        DataType::Text => Type::TEXT,
        DataType::Double => Type::FLOAT8,
        DataType::Bool => Type::BOOL,
        DataType::Timestamp => Type::TIMESTAMPTZ,
        DataType::Bigint => Type::INT8,
        DataType::Binary => Type::BYTEA,
        DataType::Json => Type::JSONB,
        DataType::Decimal => Type::NUMERIC,
        DataType::Date => Type::DATE,
        DataType::Time => Type::TIME,
    }
}

/// One normalized value in its column's binary form: as the INSERT path binds it, except
/// decimals, which that path sends as text for the statement to cast and COPY needs as
/// `numeric`'s own binary form.
#[derive(Debug)]
struct Cell<'a>(&'a Value, DataType);

impl ToSql for Cell<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self.1, self.0) {
            (_, Value::Null) => Ok(IsNull::Yes),
            (DataType::Decimal, Value::String(s)) => numeric(s, out),
            (DataType::Decimal, Value::Number(n)) => numeric(&n.to_string(), out),
            // The two kinds that `pg_value` would copy first: encoded from the row's value.
            (DataType::Text, Value::String(s)) => s.as_str().to_sql(ty, out),
            (DataType::Json, v) => v.to_sql(ty, out),
            (t, v) => pg_value(v, t).to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// `text` (a decimal: sign, digits, an optional fraction and exponent, or `NaN`) in
/// PostgreSQL's binary `numeric` form: digit count, weight, sign, display scale, then base
/// 10,000 digits. Exact at any length, as `numeric` is (rust_decimal stops at 28 digits).
pub(crate) fn numeric(
    text: &str,
    out: &mut BytesMut,
) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    let bad = || format!("{text:?} is not a decimal number").into();
    let text = text.trim();
    if text.eq_ignore_ascii_case("nan") {
        out.put_slice(&[0, 0, 0, 0, 0xC0, 0, 0, 0]);
        return Ok(IsNull::No);
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            &unsigned[..at],
            unsigned[at + 1..].parse::<i32>().map_err(|_| bad())?,
        ),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return Err(bad());
    }
    // All digits, and where the decimal point falls among them once the exponent is applied.
    let all: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let point = i64::try_from(int.len()).map_err(|_| bad())? + i64::from(exponent);
    let scale = (i64::try_from(all.len()).map_err(|_| bad())? - point).max(0);
    // numeric's own limits (131,072 digits before the point, 16,383 after): beyond them the
    // server refuses the value anyway, and the groups below must not grow without bound.
    if point > 131_072 || scale > 16_383 {
        return Err(bad());
    }
    // Pad so the point sits on a base-10,000 group boundary: `lead` zeros before the digits.
    let lead = (4 - point.rem_euclid(4)) % 4;
    let weight_start = (point + lead) / 4 - 1;
    let mut groups: Vec<i16> = Vec::new();
    let total = lead + i64::try_from(all.len()).map_err(|_| bad())?;
    let mut at = 0;
    while at < total.max(lead + point) {
        let mut group = 0i16;
        for k in at..at + 4 {
            let digit = match usize::try_from(k - lead) {
                Ok(i) if k >= lead => all.get(i).copied().unwrap_or(0),
                _ => 0,
            };
            group = group * 10 + i16::from(digit);
        }
        groups.push(group);
        at += 4;
    }
    let mut weight = weight_start;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let too_big = || -> Box<dyn Error + Sync + Send> { bad() };
    let ndigits = i16::try_from(groups.len()).map_err(|_| too_big())?;
    let weight = if groups.is_empty() {
        0
    } else {
        i16::try_from(weight).map_err(|_| too_big())?
    };
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };
    let dscale = u16::try_from(scale).map_err(|_| too_big())?;
    out.put_i16(ndigits);
    out.put_i16(weight);
    out.put_u16(sign);
    out.put_u16(dscale);
    for g in groups {
        out.put_i16(g);
    }
    Ok(IsNull::No)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (ndigits, weight, sign, dscale, digits) of `text`'s encoding.
    fn encoded(text: &str) -> (i16, i16, u16, u16, Vec<i16>) {
        let mut out = BytesMut::new();
        numeric(text, &mut out).unwrap();
        let w = |i: usize| i16::from_be_bytes([out[i], out[i + 1]]);
        let n = w(0);
        let digits = (0..n as usize).map(|k| w(8 + 2 * k)).collect();
        (n, w(2), w(4) as u16, w(6) as u16, digits)
    }

    #[test]
    fn decimals_encode_as_postgres_numeric_send_does() {
        // Values checked against `numeric_send` of PostgreSQL 15 (`SELECT numeric_send(x)`).
        assert_eq!(encoded("0"), (0, 0, 0, 0, vec![]));
        assert_eq!(encoded("0.00"), (0, 0, 0, 2, vec![]));
        assert_eq!(encoded("-0.00"), (0, 0, 0, 2, vec![]));
        assert_eq!(encoded("1"), (1, 0, 0, 0, vec![1]));
        assert_eq!(encoded("12345.678"), (3, 1, 0, 3, vec![1, 2345, 6780]));
        assert_eq!(encoded("-12.50"), (2, 0, 0x4000, 2, vec![12, 5000]));
        assert_eq!(encoded("0.0001"), (1, -1, 0, 4, vec![1]));
        assert_eq!(encoded("0.00001"), (1, -2, 0, 5, vec![1000]));
        assert_eq!(encoded("10000"), (1, 1, 0, 0, vec![1]));
        assert_eq!(encoded("1e5"), (1, 1, 0, 0, vec![10]));
        assert_eq!(encoded("1.5E-3"), (1, -1, 0, 4, vec![15]));
        assert_eq!(
            encoded("123456789012345678901234567890.123"),
            (
                9,
                7,
                0,
                3,
                vec![12, 3456, 7890, 1234, 5678, 9012, 3456, 7890, 1230]
            )
        );
        assert_eq!(encoded("NaN"), (0, 0, 0xC000, 0, vec![]));
    }

    #[test]
    fn what_is_not_a_decimal_is_an_error_naming_it() {
        for text in ["", "-", "1.2.3", "abc", "1e", "1_000", "1e999999999"] {
            let mut out = BytesMut::new();
            let Err(err) = numeric(text, &mut out) else {
                panic!("{text:?} encoded");
            };
            assert_eq!(
                err.to_string(),
                format!("{:?} is not a decimal number", text.trim())
            );
        }
    }
}
