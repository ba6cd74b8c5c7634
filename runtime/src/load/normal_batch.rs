//! A page of normalized records written together: one multi-row INSERT per table and chunk
//! instead of one statement per row, and one `IN` list per page for a merge's deletes. One
//! statement per row was most of the cost of relational loading (`bench/README.md`,
//! "Relational tables"), on PostgreSQL a network round trip per row.
//!
//! Statements carry at most [`MAX_ROWS`] rows and stay under the destination's bound-parameter
//! limit; a page's rows are cut into chunks whose sizes are powers of two, so a table needs at
//! most a handful of distinct statement texts however its page sizes vary, and the destinations'
//! statement caches keep them prepared.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::Value;

use restsource_core::sql::{quote_ident, Dialect};

use crate::def::DataType;
use crate::normalize::TableSchema;

/// Rows one statement carries at most: beyond this, longer statements save nothing measurable
/// and cost parse time and a larger parameter vector.
pub(crate) const MAX_ROWS: usize = 256;

/// Bound parameters one statement may carry: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32,766
/// since 3.32; the bundled build's default), PostgreSQL's wire protocol limit (65,535).
pub(crate) fn param_limit(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => 32_766,
        Dialect::Postgres => 65_535,
    }
}

/// The rows per statement for `rows` rows of `width` parameters each: as many chunks of the
/// largest allowed power of two as fit, then the rest in descending powers of two (its binary
/// digits), so every chunk size is one of at most `log2(MAX_ROWS) + 1` values.
pub(crate) fn chunks(rows: usize, width: usize, dialect: Dialect) -> Vec<usize> {
    let fit = (param_limit(dialect) / width.max(1)).clamp(1, MAX_ROWS);
    // The largest power of two not above `fit`.
    let cap = 1usize << (usize::BITS - 1 - fit.leading_zeros());
    let mut out = vec![cap; rows / cap];
    let rest = rows % cap;
    let mut bit = cap >> 1;
    while bit > 0 {
        if rest & bit != 0 {
            out.push(bit);
        }
        bit >>= 1;
    }
    out
}

/// The placeholder of parameter `index` (1-based), as core's statements write it: PostgreSQL
/// decimals travel as text and are cast.
pub(crate) fn param(out: &mut String, dialect: Dialect, index: usize, data_type: DataType) {
    use std::fmt::Write;
    let _ = match (dialect, data_type) {
        (Dialect::Sqlite, _) => write!(out, "?{index}"),
        (Dialect::Postgres, DataType::Decimal) => write!(out, "${index}::text::numeric"),
        (Dialect::Postgres, _) => write!(out, "${index}"),
    };
}

/// `INSERT INTO table (every column) VALUES (...), (...)` for `rows` rows; with one row it is
/// core's `relational::insert` (a test holds them together), but SQLite's is `INSERT OR FAIL`:
/// a multi-row statement that may abort makes SQLite keep a statement journal so it can undo
/// the statement's earlier rows, one page write per changed page (a third of the CPU time, all
/// of it system time, in `bench`'s relational load). A failed row fails the run, whose
/// transaction is rolled back whole, so undoing a statement's rows on their own buys nothing.
pub(crate) fn insert_rows(dialect: Dialect, table: &TableSchema, rows: usize) -> String {
    let columns = table.columns();
    let names: Vec<String> = columns.iter().map(|c| quote_ident(&c.name)).collect();
    let verb = match dialect {
        Dialect::Sqlite => "INSERT OR FAIL",
        Dialect::Postgres => "INSERT",
    };
    let mut sql = format!(
        "{verb} INTO {} ({}) VALUES ",
        quote_ident(&table.name),
        names.join(", ")
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            param(&mut sql, dialect, r * columns.len() + i + 1, c.data_type);
        }
        sql.push(')');
    }
    sql
}

/// `DELETE FROM table WHERE column IN (values) [RETURNING returning]` for `values` values of
/// type `data_type`.
/// `SELECT CAST(<column> AS TEXT) FROM <table> WHERE <column> IN (<values> parameters)`: which
/// of a page's keys are stored (insert-only merges).
pub(crate) fn select_in(
    dialect: Dialect,
    table: &str,
    column: &str,
    data_type: DataType,
    values: usize,
) -> String {
    let c = quote_ident(column);
    let mut sql = format!(
        "SELECT CAST({c} AS TEXT) FROM {} WHERE {c} IN (",
        quote_ident(table)
    );
    for i in 0..values {
        if i > 0 {
            sql.push_str(", ");
        }
        param(&mut sql, dialect, i + 1, data_type);
    }
    sql.push(')');
    sql
}

pub(crate) fn delete_in(
    dialect: Dialect,
    table: &str,
    column: &str,
    data_type: DataType,
    values: usize,
    returning: Option<&str>,
) -> String {
    let mut sql = format!(
        "DELETE FROM {} WHERE {} IN (",
        quote_ident(table),
        quote_ident(column)
    );
    for i in 0..values {
        if i > 0 {
            sql.push_str(", ");
        }
        param(&mut sql, dialect, i + 1, data_type);
    }
    sql.push(')');
    if let Some(r) = returning {
        sql.push_str(" RETURNING ");
        sql.push_str(&quote_ident(r));
    }
    sql
}

/// Statement texts by (table, column count, rows): rebuilt only when a table gains columns.
#[derive(Debug, Default)]
pub(crate) struct InsertTexts {
    /// Per table: the column count the texts were built for, and the text per row count.
    tables: Vec<(usize, HashMap<usize, String>)>,
}

impl InsertTexts {
    /// The insert of `rows` rows into `table` (at `index` in the schema) with all its columns.
    pub fn get(
        &mut self,
        dialect: Dialect,
        index: usize,
        table: &TableSchema,
        rows: usize,
    ) -> &str {
        if self.tables.len() <= index {
            self.tables.resize_with(index + 1, Default::default);
        }
        let (width, texts) = &mut self.tables[index];
        if *width != table.columns().len() {
            *width = table.columns().len();
            texts.clear();
        }
        texts
            .entry(rows)
            .or_insert_with(|| insert_rows(dialect, table, rows))
    }
}

/// One staged record of a page.
#[derive(Debug)]
pub(crate) struct Staged {
    /// Its rows in the page's row buffer (root row first).
    pub rows: Range<usize>,
    /// Its primary key's values (merge only), in key order.
    pub key: Option<Vec<Value>>,
    /// Whether its rows are inserted: false once a later record of the page has the same key
    /// (that record replaces it, as the stored one) or when it is hard-deleted.
    pub insert: bool,
}

/// A record's primary key as a page compares it: a one-column integer or text key as
/// itself (printing each key as JSON to compare it was 3% of the writer thread's time), any
/// other as its JSON text. Two keys are equal exactly when their JSON texts are.
#[derive(Debug, PartialEq, Eq, Hash)]
enum PageKey {
    Int(i64),
    Text(String),
    Json(String),
}

impl PageKey {
    fn of(key: &[Value]) -> PageKey {
        if let [Value::Number(n)] = key {
            if let Some(i) = n.as_i64() {
                return PageKey::Int(i);
            }
        }
        match key {
            [Value::String(s)] => PageKey::Text(s.clone()),
            _ => PageKey::Json(Value::from(key.to_vec()).to_string()),
        }
    }
}

/// The records of one page, with the last record of each key.
#[derive(Debug, Default)]
pub(crate) struct Page {
    /// Records in page order.
    pub staged: Vec<Staged>,
    /// A key → its latest record in `staged` (foldhash: a page's every keyed record is looked
    /// up here on the writer thread, where SipHash's cost showed).
    latest: HashMap<PageKey, usize, foldhash::fast::RandomState>,
}

impl Page {
    /// Adds a record; an earlier record of the page with the same key is no longer inserted,
    /// exactly as when the later record's delete removed it from the table.
    pub fn push(&mut self, staged: Staged) {
        let index = self.staged.len();
        if let Some(key) = &staged.key {
            if let Some(earlier) = self.latest.insert(PageKey::of(key), index) {
                self.staged[earlier].insert = false;
            }
        }
        self.staged.push(staged);
    }

    /// Adds a record of an insert-only merge: a record whose key an earlier record of the page
    /// has is not inserted (the first stays, as `ON CONFLICT DO NOTHING` keeps it).
    pub fn push_keeping_first(&mut self, mut staged: Staged) {
        let index = self.staged.len();
        if let Some(key) = &staged.key {
            match self.latest.entry(PageKey::of(key)) {
                std::collections::hash_map::Entry::Occupied(_) => staged.insert = false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(index);
                }
            }
        }
        self.staged.push(staged);
    }

    /// The keys to delete from the tables: each key of the page once (its latest record's),
    /// in page order.
    pub fn keys(&self) -> impl Iterator<Item = &[Value]> {
        let mut latest = vec![false; self.staged.len()];
        for &i in self.latest.values() {
            latest[i] = true;
        }
        self.staged
            .iter()
            .zip(latest)
            .filter(|(_, latest)| *latest)
            .filter_map(|(s, _)| s.key.as_deref())
    }

    /// Forgets every record (the page was written).
    pub fn clear(&mut self) {
        self.staged.clear();
        self.latest.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::normal_tables::normal;
    use crate::normalize::{ColumnSchema, Schema};
    use restsource_core::sql::relational;

    fn table() -> Schema {
        let mut s = Schema::new();
        let t = s.ensure_table("t", None);
        for (name, data_type) in [("id", DataType::Bigint), ("price", DataType::Decimal)] {
            s.table_at_mut(t).add_column(ColumnSchema {
                name: name.into(),
                data_type,
                nullable: true,
                variant: false,
            });
        }
        s
    }

    #[test]
    fn chunks_are_powers_of_two_under_the_parameter_limit() {
        assert_eq!(chunks(0, 5, Dialect::Sqlite), Vec::<usize>::new());
        assert_eq!(chunks(1, 5, Dialect::Sqlite), [1]);
        assert_eq!(chunks(100, 5, Dialect::Sqlite), [64, 32, 4]);
        assert_eq!(chunks(600, 5, Dialect::Sqlite), [256, 256, 64, 16, 8]);
        // 1,000 columns: 32 rows (32,000 parameters) fit SQLite, 65 PostgreSQL (so 64).
        assert_eq!(chunks(100, 1000, Dialect::Sqlite), [32, 32, 32, 4]);
        assert_eq!(chunks(100, 1000, Dialect::Postgres), [64, 32, 4]);
        // Wider than the limit: one row per statement.
        assert_eq!(chunks(3, 40_000, Dialect::Sqlite), [1, 1, 1]);
        for (rows, width) in [(1000, 7), (12_345, 300), (77, 32_766)] {
            let c = chunks(rows, width, Dialect::Sqlite);
            assert_eq!(c.iter().sum::<usize>(), rows);
            assert!(c.iter().all(|n| n.is_power_of_two() && n * width <= 32_766));
        }
    }

    #[test]
    fn one_row_is_cores_insert_and_more_rows_number_on() {
        let s = table();
        let t = s.table_at(0);
        let columns: Vec<_> = t.columns().iter().map(normal).collect();
        assert_eq!(
            insert_rows(Dialect::Postgres, t, 1),
            relational::insert(Dialect::Postgres, "t", &columns)
        );
        assert_eq!(
            insert_rows(Dialect::Sqlite, t, 1),
            relational::insert(Dialect::Sqlite, "t", &columns).replacen(
                "INSERT",
                "INSERT OR FAIL",
                1
            )
        );
        assert_eq!(
            insert_rows(Dialect::Postgres, t, 2),
            r#"INSERT INTO "t" ("id", "price") VALUES ($1, $2::text::numeric), ($3, $4::text::numeric)"#
        );
        assert_eq!(
            delete_in(
                Dialect::Sqlite,
                "t",
                "id",
                DataType::Bigint,
                3,
                Some("_rs_id")
            ),
            r#"DELETE FROM "t" WHERE "id" IN (?1, ?2, ?3) RETURNING "_rs_id""#
        );
    }

    #[test]
    fn texts_are_rebuilt_when_a_table_gains_a_column() {
        let mut s = table();
        let mut texts = InsertTexts::default();
        let before = texts.get(Dialect::Sqlite, 0, s.table_at(0), 2).to_string();
        s.table_at_mut(0).add_column(ColumnSchema {
            name: "new".into(),
            data_type: DataType::Text,
            nullable: true,
            variant: false,
        });
        let after = texts.get(Dialect::Sqlite, 0, s.table_at(0), 2);
        assert_ne!(before, after);
        assert!(after.contains(r#""new""#) && after.ends_with("(?4, ?5, ?6)"));
    }

    #[test]
    fn keys_are_equal_exactly_when_their_json_texts_are() {
        let keys = [
            vec![Value::from(1)],
            vec![Value::from("1")],
            vec![Value::from(1.0)],
            vec![Value::from(u64::MAX)],
            vec![Value::from(1), Value::from("a")],
            vec![Value::from("1"), Value::from("a")],
            vec![Value::Null],
        ];
        for a in &keys {
            for b in &keys {
                let texts = serde_json::to_string(a).ok() == serde_json::to_string(b).ok();
                assert_eq!(PageKey::of(a) == PageKey::of(b), texts, "{a:?} {b:?}");
            }
        }
        assert_eq!(PageKey::of(&[Value::from(7)]), PageKey::Int(7));
    }

    #[test]
    fn a_later_record_of_the_same_key_replaces_the_earlier() {
        let mut page = Page::default();
        let rec = |k: Option<i64>, at: usize| Staged {
            rows: at..at + 1,
            key: k.map(|k| vec![Value::from(k)]),
            insert: true,
        };
        page.push(rec(Some(1), 0));
        page.push(rec(Some(2), 1));
        page.push(rec(Some(1), 2));
        page.push(rec(None, 3));
        let inserted: Vec<bool> = page.staged.iter().map(|s| s.insert).collect();
        assert_eq!(inserted, [false, true, true, true]);
        let keys: Vec<&[Value]> = page.keys().collect();
        assert_eq!(keys, [&[Value::from(2)][..], &[Value::from(1)][..]]);
        page.clear();
        assert!(page.staged.is_empty() && page.keys().next().is_none());
    }
}
