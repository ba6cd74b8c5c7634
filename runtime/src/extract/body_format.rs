//! JSON Lines and CSV bodies, read into the JSON array the page decoders take.
//!
//! A JSON Lines or CSV page becomes `[record, record, …]` before decoding, so the generated
//! structs, the incremental filter, the page checks and the paginators read it as they read
//! a JSON page whose records are at the root. The conversion keeps one more copy of a page
//! (never of a resource) in memory.
//!
//! CSV cells are text. A cell is read by the declared column of its header name: `bigint`
//! as an integer, `double` as a number, `bool` from `true`/`false`/`1`/`0` (any case), `json`
//! as the JSON it holds; a cell that does not read as its type stays text, so decoding names
//! the field and the value. Other declared types and undeclared fields stay text. An empty
//! cell is null (CSV has no other way to write one).

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::def::{ColumnDef, DataType, ResponseFormat};

/// What a body that is not the format it claims to be looks like.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FormatError {
    /// 1-based line of the body where reading stopped.
    pub line: usize,
    /// What was wrong there.
    pub message: String,
}

/// `body` in `format` as a JSON array of its records; `None` for a JSON body (read as is).
pub(crate) fn records_array(
    format: ResponseFormat,
    body: &[u8],
    columns: &[ColumnDef],
) -> Option<Result<Vec<u8>, FormatError>> {
    match format {
        ResponseFormat::Jsonl => Some(jsonl(body)),
        ResponseFormat::Csv => Some(csv(body, columns)),
        ResponseFormat::Json | ResponseFormat::Auto => None,
    }
}

fn jsonl(body: &[u8]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(b'[');
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        // Each line must be one JSON value: joined unchecked, `1,2` would read as two records.
        let text = std::str::from_utf8(line).map_err(|e| FormatError {
            line: n + 1,
            message: format!("not UTF-8: {e}"),
        })?;
        serde_json::from_str::<&RawValue>(text).map_err(|e| FormatError {
            line: n + 1,
            message: format!("not one JSON value: {e}"),
        })?;
        if out.len() > 1 {
            out.push(b',');
        }
        out.extend_from_slice(line);
    }
    out.push(b']');
    Ok(out)
}

fn csv(body: &[u8], columns: &[ColumnDef]) -> Result<Vec<u8>, FormatError> {
    let text = std::str::from_utf8(body).map_err(|e| FormatError {
        line: 1 + body[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        message: format!("not UTF-8: {e}"),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = CsvRows {
        rest: text,
        line: 1,
    };
    let Some((_, header)) = rows.next_row()? else {
        return Ok(b"[]".to_vec());
    };
    let types: Vec<Option<DataType>> = header
        .iter()
        .map(|h| {
            columns
                .iter()
                .find(|c| c.json_name == h)
                .map(|c| c.data_type)
        })
        .collect();
    let mut records = Vec::new();
    while let Some((line, cells)) = rows.next_row()? {
        if cells.len() == 1 && cells[0].is_empty() {
            continue;
        }
        if cells.len() != header.len() {
            return Err(FormatError {
                line,
                message: format!(
                    "{} field{}, the header row has {}",
                    cells.len(),
                    if cells.len() == 1 { "" } else { "s" },
                    header.len()
                ),
            });
        }
        let mut record = Map::with_capacity(header.len());
        for ((name, ty), cell) in header.iter().zip(&types).zip(cells) {
            record.insert(name.clone(), cell_value(cell, *ty));
        }
        records.push(Value::Object(record));
    }
    serde_json::to_vec(&records).map_err(|e| FormatError {
        line: rows.line,
        message: e.to_string(),
    })
}

/// A cell as JSON, read by the declared type of its column (see the module doc).
fn cell_value(cell: String, ty: Option<DataType>) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    let parsed = match ty {
        Some(DataType::Bigint) => cell.trim().parse::<i64>().ok().map(Value::from),
        Some(DataType::Double) => cell
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)),
        Some(DataType::Bool) => match cell.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        Some(DataType::Json) => serde_json::from_str(&cell).ok(),
        _ => None,
    };
    parsed.unwrap_or(Value::String(cell))
}

/// RFC 4180 rows: fields separated by commas, rows by CRLF or LF; a quoted field may hold
/// commas, line breaks and doubled quotes.
struct CsvRows<'a> {
    rest: &'a str,
    /// 1-based line where `rest` starts.
    line: usize,
}

impl CsvRows<'_> {
    /// The next row and the line it starts on; `None` at the end of the body.
    fn next_row(&mut self) -> Result<Option<(usize, Vec<String>)>, FormatError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let start = self.line;
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut at_start = true;
        let mut end = self.rest.len();
        while let Some((i, c)) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        cell.push(c);
                    }
                    _ => cell.push(c),
                }
                continue;
            }
            match c {
                '"' if at_start => {
                    quoted = true;
                    at_start = false;
                }
                ',' => {
                    cells.push(std::mem::take(&mut cell));
                    at_start = true;
                }
                '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => {}
                '\n' => {
                    self.line += 1;
                    end = i + 1;
                    break;
                }
                _ => {
                    cell.push(c);
                    at_start = false;
                }
            }
        }
        if quoted {
            return Err(FormatError {
                line: start,
                message: "a quoted field is not closed".into(),
            });
        }
        cells.push(cell);
        self.rest = &self.rest[end..];
        Ok(Some((start, cells)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[ColumnDef] = &[
        ColumnDef::new("id", "id", DataType::Bigint, false),
        ColumnDef::new("price", "price", DataType::Double, true),
        ColumnDef::new("active", "active", DataType::Bool, true),
        ColumnDef::new("zip", "zip", DataType::Text, true),
    ];

    fn csv_json(body: &str) -> Value {
        serde_json::from_slice(&csv(body.as_bytes(), COLUMNS).unwrap()).unwrap()
    }

    #[test]
    fn csv_cells_are_read_by_their_declared_column() {
        let body = "id,price,active,zip,note\r\n1,2.5,TRUE,01234,\"a, \"\"quoted\"\"\nnote\"\n2,,0,,plain\n";
        assert_eq!(
            csv_json(body),
            serde_json::json!([
                {"id": 1, "price": 2.5, "active": true, "zip": "01234", "note": "a, \"quoted\"\nnote"},
                {"id": 2, "price": null, "active": false, "zip": null, "note": "plain"},
            ])
        );
        // Not an integer: kept as text, for decoding to name.
        assert_eq!(csv_json("id\nx1\n"), serde_json::json!([{"id": "x1"}]));
    }

    #[test]
    fn csv_errors_name_the_line() {
        assert_eq!(
            csv(b"id,name\n1,a\n2\n", COLUMNS).unwrap_err(),
            FormatError {
                line: 3,
                message: "1 field, the header row has 2".into()
            }
        );
        assert_eq!(csv(b"id,name\n1,\"open\n", COLUMNS).unwrap_err().line, 2);
    }

    #[test]
    fn jsonl_lines_are_records_and_each_line_is_one_value() {
        let out = jsonl(b"{\"id\":1}\r\n\n  {\"id\":2}\n").unwrap();
        assert_eq!(out, b"[{\"id\":1},{\"id\":2}]");
        assert_eq!(jsonl(b"").unwrap(), b"[]");
        let err = jsonl(b"{\"id\":1}\n1,2\n").unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
        assert!(err.message.starts_with("not one JSON value"), "{err:?}");
    }
}
