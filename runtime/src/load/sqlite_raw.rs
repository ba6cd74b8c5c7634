//! Statements run with their values bound without a copy: SQLite's C API, because rusqlite
//! binds every text as `SQLITE_TRANSIENT`, which makes SQLite allocate and copy each value
//! and free it again when the next row is bound. On relational loading's multi-row inserts
//! that was a sixth of the writer thread's time (`bench/README.md`, session 19); a value
//! bound `SQLITE_STATIC` is read in place when the row is built.
//!
//! Sound because no binding outlives the call that made it: [`RawStatements::execute`]
//! binds, steps, resets and clears the bindings before it returns, while the caller still
//! lends it the values. The statements are finalized when their cache is dropped, which its
//! owner does before it closes the connection (a statement left open would keep SQLite from
//! closing it).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr};
use std::ptr::NonNull;

use rusqlite::{ffi, Connection};
use serde_json::Value;

use super::sqlite_normal::{stored, Stored};
use crate::def::DataType;

/// Distinct statement texts kept prepared at most (as rusqlite's cache the writer sets up);
/// beyond this one is finalized for each new one. Texts are few per table: one per chunk
/// size (see `super::normal_batch::chunks`).
const CAPACITY: usize = 256;

/// Prepared statements by their text.
#[derive(Default)]
pub(crate) struct RawStatements {
    /// By the text's address and length (no hashing of a statement of 20 KB per run of it);
    /// the text itself is kept and compared, so a new text at a freed one's address is never
    /// taken for it.
    cache: HashMap<(usize, usize), (Box<str>, RawStatement)>,
}

/// One prepared statement, finalized on drop.
struct RawStatement(NonNull<ffi::sqlite3_stmt>);

// The statement is only ever used on the thread that owns its writer, with its connection;
// moving it between threads with the connection is what rusqlite's own `Connection` allows.
unsafe impl Send for RawStatement {}

impl Drop for RawStatement {
    fn drop(&mut self) {
        // SAFETY: prepared by `prepare` and not finalized before (this is its only owner).
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
    }
}

impl RawStatements {
    /// Runs `sql` on `conn` with `params` bound in order (as `super::sqlite_normal`'s
    /// binding of a normalized value: numbers and booleans natively, decimals and
    /// timestamps as their text, bytes as a blob, JSON as its text).
    pub fn execute(
        &mut self,
        conn: &Connection,
        sql: &str,
        params: &[(&Value, DataType)],
    ) -> Result<(), rusqlite::Error> {
        // SAFETY: the handle is only used for this call, on this thread, while `conn` lives.
        let db = unsafe { conn.handle() };
        let key = (sql.as_ptr() as usize, sql.len());
        let stale = self.cache.get(&key).is_some_and(|(text, _)| **text != *sql);
        if stale || !self.cache.contains_key(&key) {
            if !stale && self.cache.len() >= CAPACITY {
                if let Some(any) = self.cache.keys().next().copied() {
                    self.cache.remove(&any);
                }
            }
            let stmt = prepare(db, sql)?;
            self.cache.insert(key, (sql.into(), stmt));
        }
        let Some((_, stmt)) = self.cache.get(&key) else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        let stmt = stmt.0.as_ptr();
        let result = bind_and_run(db, stmt, params);
        // SAFETY: `stmt` is a live statement of `db`. Clearing the bindings before returning
        // is what makes binding `params` without a copy sound.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        result
    }
}

fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<RawStatement, rusqlite::Error> {
    let len = c_int::try_from(sql.len()).map_err(|_| failure(ffi::SQLITE_TOOBIG, None))?;
    let mut stmt = std::ptr::null_mut();
    // SAFETY: `sql` is valid for `len` bytes; SQLite writes the statement into `stmt`.
    let rc = unsafe {
        ffi::sqlite3_prepare_v3(
            db,
            sql.as_ptr().cast::<c_char>(),
            len,
            ffi::SQLITE_PREPARE_PERSISTENT,
            &mut stmt,
            std::ptr::null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(error(db, rc));
    }
    NonNull::new(stmt)
        .map(RawStatement)
        .ok_or(rusqlite::Error::InvalidQuery)
}

/// Binds `params` to `stmt` and steps it to its end.
fn bind_and_run(
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    params: &[(&Value, DataType)],
) -> Result<(), rusqlite::Error> {
    for (i, (value, data_type)) in params.iter().enumerate() {
        let index = c_int::try_from(i + 1).map_err(|_| failure(ffi::SQLITE_RANGE, None))?;
        // SAFETY: `stmt` is live; text and blobs bound `SQLITE_STATIC` point into `params`,
        // which outlive the bindings (cleared by the caller before it returns); owned ones
        // are bound `SQLITE_TRANSIENT` (copied by SQLite).
        let rc = unsafe { bind(stmt, index, value, *data_type) };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
    }
    loop {
        // SAFETY: `stmt` is live and fully bound.
        match unsafe { ffi::sqlite3_step(stmt) } {
            ffi::SQLITE_DONE => return Ok(()),
            ffi::SQLITE_ROW => continue,
            rc => return Err(error(db, rc)),
        }
    }
}

/// Binds one normalized value, as [`stored`] says it is stored.
///
/// # Safety
/// `stmt` must be a live statement, and its bindings cleared before `value` is dropped.
unsafe fn bind(
    stmt: *mut ffi::sqlite3_stmt,
    index: c_int,
    value: &Value,
    data_type: DataType,
) -> c_int {
    match stored(value, data_type) {
        Stored::Null => ffi::sqlite3_bind_null(stmt, index),
        Stored::Int(n) => ffi::sqlite3_bind_int64(stmt, index, n),
        Stored::Real(f) => ffi::sqlite3_bind_double(stmt, index, f),
        // Text of the value itself: read in place.
        Stored::Text(Cow::Borrowed(text)) => bind_text(stmt, index, text, ffi::SQLITE_STATIC()),
        // Text made here: SQLite copies it.
        Stored::Text(Cow::Owned(text)) => bind_text(stmt, index, &text, ffi::SQLITE_TRANSIENT()),
        Stored::Blob(bytes) => match c_int::try_from(bytes.len()) {
            Ok(len) => ffi::sqlite3_bind_blob(
                stmt,
                index,
                bytes.as_ptr().cast(),
                len,
                ffi::SQLITE_TRANSIENT(),
            ),
            Err(_) => ffi::SQLITE_TOOBIG,
        },
    }
}

/// # Safety
/// As [`bind`]; with `SQLITE_STATIC`, `text` must outlive the binding.
unsafe fn bind_text(
    stmt: *mut ffi::sqlite3_stmt,
    index: c_int,
    text: &str,
    lifetime: ffi::sqlite3_destructor_type,
) -> c_int {
    match c_int::try_from(text.len()) {
        Ok(len) => ffi::sqlite3_bind_text(stmt, index, text.as_ptr().cast(), len, lifetime),
        Err(_) => ffi::SQLITE_TOOBIG,
    }
}

/// The connection's error for `rc`, as rusqlite reports it.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: `db` is a live connection; SQLite owns the message, copied here at once.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    failure(rc, message)
}

fn failure(rc: c_int, message: Option<String>) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(conn: &Connection) {
        conn.execute_batch(
            // No declared types: values are stored exactly as bound, without affinity.
            "CREATE TABLE t (a NOT NULL, b, c, d, e, f, g)",
        )
        .unwrap();
    }

    fn dump(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| {
                    let v: rusqlite::types::Value = r.get(i).unwrap();
                    format!("{v:?}")
                })
                .collect::<Vec<_>>()
                .join(" "))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    #[test]
    fn values_are_stored_as_bound_and_the_bindings_cleared() {
        let conn = Connection::open_in_memory().unwrap();
        table(&conn);
        let mut raw = RawStatements::default();
        let sql =
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7), (?8, ?9, ?10, ?11, ?12, ?13, ?14)";
        let first = [
            json!("héllo"),
            json!(u64::MAX),
            json!(1.5),
            json!("AAEC"),
            json!({"k": [1, "x"]}),
            json!(true),
            Value::Null,
        ];
        let second = [
            json!(""),
            json!(-7),
            json!(2),
            json!("not base64!"),
            json!("2024-05-01T12:00:00Z"),
            json!(false),
            json!([]),
        ];
        let types = [
            DataType::Text,
            DataType::Bigint,
            DataType::Double,
            DataType::Binary,
            DataType::Json,
            DataType::Bool,
            DataType::Text,
        ];
        let params: Vec<(&Value, DataType)> = first
            .iter()
            .chain(&second)
            .zip(types.iter().chain(&types))
            .map(|(v, t)| (v, *t))
            .collect();
        raw.execute(&conn, sql, &params).unwrap();
        assert_eq!(
            dump(&conn, "SELECT * FROM t"),
            [
                r#"Text("héllo") Text("18446744073709551615") Real(1.5) Blob([0, 1, 2]) Text("{\"k\":[1,\"x\"]}") Integer(1) Null"#,
                r#"Text("") Integer(-7) Integer(2) Text("not base64!") Text("2024-05-01T12:00:00Z") Integer(0) Text("[]")"#,
            ]
        );
        // Run again, with nulls where there were values.
        let mut again = params.clone();
        for (i, p) in again.iter_mut().enumerate() {
            if i % 7 != 0 {
                p.0 = &Value::Null;
            }
        }
        raw.execute(&conn, sql, &again).unwrap();
        assert_eq!(
            dump(&conn, "SELECT count(*), count(b), count(g) FROM t"),
            ["Integer(4) Integer(2) Integer(1)"]
        );
    }

    #[test]
    fn a_failed_statement_reports_sqlites_error_and_stays_usable() {
        let conn = Connection::open_in_memory().unwrap();
        table(&conn);
        let mut raw = RawStatements::default();
        let sql = "INSERT INTO t (a, b) VALUES (?1, ?2)";
        let err = raw
            .execute(
                &conn,
                sql,
                &[
                    (&Value::Null, DataType::Text),
                    (&json!(1), DataType::Bigint),
                ],
            )
            .unwrap_err();
        // The error rusqlite gives for the same statement.
        let theirs = conn
            .execute(sql, rusqlite::params![None::<String>, 1])
            .unwrap_err();
        assert_eq!(err.to_string(), theirs.to_string());
        assert_eq!(err.to_string(), "NOT NULL constraint failed: t.a");
        assert_eq!(
            err.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ConstraintViolation)
        );
        raw.execute(
            &conn,
            sql,
            &[(&json!("x"), DataType::Text), (&json!(2), DataType::Bigint)],
        )
        .unwrap();
        assert_eq!(
            dump(&conn, "SELECT a, b FROM t"),
            [r#"Text("x") Integer(2)"#]
        );
        let bad = raw.execute(&conn, "INSERT INTO nowhere VALUES (?1)", &[]);
        assert_eq!(bad.unwrap_err().to_string(), "no such table: nowhere");
    }

    #[test]
    fn beyond_its_capacity_the_cache_finalizes_one_statement_per_new_one() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v)").unwrap();
        let mut raw = RawStatements::default();
        let texts: Vec<String> = (0..CAPACITY + 10)
            .map(|i| format!("INSERT INTO t VALUES (?1) /* {i} */"))
            .collect();
        for (i, sql) in texts.iter().enumerate() {
            raw.execute(&conn, sql, &[(&json!(i), DataType::Bigint)])
                .unwrap();
            assert_eq!(raw.cache.len(), (i + 1).min(CAPACITY));
        }
        for sql in &texts {
            raw.execute(&conn, sql, &[(&json!(-1), DataType::Bigint)])
                .unwrap();
        }
        assert_eq!(
            dump(
                &conn,
                "SELECT count(*), count(DISTINCT v), sum(v = -1) FROM t"
            ),
            [format!(
                "Integer({}) Integer({}) Integer({})",
                2 * texts.len(),
                texts.len() + 1,
                texts.len()
            )]
        );
    }

    #[test]
    fn a_new_text_where_an_old_one_was_is_prepared_anew() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v TEXT); CREATE TABLE u (v TEXT);")
            .unwrap();
        let mut raw = RawStatements::default();
        // One buffer, so both texts have the same address and length.
        let mut sql = String::with_capacity(64);
        sql.push_str("INSERT INTO t VALUES (?1)");
        raw.execute(&conn, &sql, &[(&json!("first"), DataType::Text)])
            .unwrap();
        sql.clear();
        sql.push_str("INSERT INTO u VALUES (?1)");
        raw.execute(&conn, &sql, &[(&json!("second"), DataType::Text)])
            .unwrap();
        assert_eq!(dump(&conn, "SELECT v FROM t"), [r#"Text("first")"#]);
        assert_eq!(dump(&conn, "SELECT v FROM u"), [r#"Text("second")"#]);
    }
}
