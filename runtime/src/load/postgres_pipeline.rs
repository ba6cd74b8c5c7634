//! A page is sent to PostgreSQL while the writer prepares the next one.
//!
//! Waiting for the server, one statement at a time, was about 45% of a relational load's wall
//! time (`bench/README.md`): the client's CPU and the server's never overlapped. Now a page's
//! statements (a normalized page's DDL, deletes and COPYs; a `json` table page's COPY or array
//! merge) are collected as owned [`Op`]s, and sent in one task when the page ends; the writer
//! goes on with the next page and waits for that task only when it sends the next one, or
//! before anything else touches the connection ([`Pipeline::settle`]).
//!
//! Nothing about the run's atomicity changes: every op runs in the run's one transaction, in the
//! order it was queued (one task at a time, each awaiting its ops in turn). An op that fails
//! aborts the transaction; the error reaches the writer at the next settle, a page later than
//! before, and the run fails and rolls back as it did. `COMMIT` is only ever sent after a
//! settle, so it never follows a failed op unseen.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use futures::SinkExt;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Statement};

use super::postgres_page::Cell;
use super::postgres_value::PgValue;
use super::LoadError;

/// One statement of a page, with everything it sends.
pub(crate) enum Op {
    /// A statement without parameters (DDL).
    Batch(String),
    /// A prepared statement and its parameters.
    Execute {
        /// The statement's text (prepared once per connection).
        sql: String,
        /// Its parameters, in order.
        params: Vec<PgValue>,
    },
    /// A statement whose one parameter is an array of keys (`= ANY($1)`).
    Keys {
        /// The statement's text.
        sql: String,
        /// The keys.
        keys: KeyArray,
    },
    /// A prepared statement whose parameters are arrays, one per column of a page.
    Arrays {
        /// The statement's text.
        sql: String,
        /// The arrays, in parameter order.
        columns: Vec<Vec<Cell>>,
    },
    /// `COPY ... FROM STDIN (FORMAT binary)` and its data, encoded by [`CopyData`].
    Copy {
        /// The COPY statement.
        statement: String,
        /// The binary COPY stream, header to trailer.
        data: Bytes,
    },
}

/// Keys of one type, bound as one array parameter.
#[derive(Clone)]
pub(crate) enum KeyArray {
    /// `bigint[]`.
    I64(Vec<i64>),
    /// `text[]`.
    Text(Vec<String>),
    /// `boolean[]`.
    Bool(Vec<bool>),
}

impl KeyArray {
    /// The array as a statement parameter.
    pub fn as_param(&self) -> &(dyn ToSql + Sync) {
        match self {
            KeyArray::I64(v) => v,
            KeyArray::Text(v) => v,
            KeyArray::Bool(v) => v,
        }
    }
}

/// Prepared statements by text: moved into the task that runs a page, and back.
type Statements = HashMap<String, Statement>;

/// What a page's task gives back: the statement cache, and the first error with the start of
/// the statement that failed.
type Ran = (Statements, Result<(), (String, tokio_postgres::Error)>);

/// How much of a failed statement's text its error quotes: enough for the statement and its
/// table, not a page of column names.
const QUOTED: usize = 80;

impl Op {
    /// The start of the statement, for an error that reaches the run a page later.
    fn quoted(&self) -> String {
        let sql = match self {
            Op::Batch(sql)
            | Op::Execute { sql, .. }
            | Op::Keys { sql, .. }
            | Op::Arrays { sql, .. } => sql,
            Op::Copy { statement, .. } => statement,
        };
        let sql = sql.trim();
        match sql.char_indices().nth(QUOTED) {
            Some((at, _)) => format!("{}...", &sql[..at]),
            None => sql.to_string(),
        }
    }
}

/// The connection's queue of ops: those of the page being flushed, and the task running the
/// page sent before.
pub(crate) struct Pipeline {
    client: Arc<Client>,
    /// Ops of the page being flushed, not sent yet.
    ops: Vec<Op>,
    /// The statement cache; `None` while a sent page's task holds it.
    stmts: Option<Statements>,
    /// The task running the page sent last.
    sent: Option<JoinHandle<Ran>>,
}

impl Pipeline {
    /// A pipeline over `client`, which everything else also uses only after a settle.
    pub fn new(client: Arc<Client>) -> Pipeline {
        Pipeline {
            client,
            ops: Vec::new(),
            stmts: Some(Statements::new()),
            sent: None,
        }
    }

    /// Queues `op` behind every op queued before it.
    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Sends the queued ops as one task, once the page sent before has finished (whose error,
    /// if it failed, is returned instead, and the queued ops are dropped).
    pub fn send(&mut self, rt: &Handle) -> Result<(), LoadError> {
        self.wait(rt)?;
        if self.ops.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.ops);
        let stmts = self.stmts.take().unwrap_or_default();
        self.sent = Some(rt.spawn(run(self.client.clone(), stmts, ops)));
        Ok(())
    }

    /// Waits for every op queued or sent: afterwards the connection is idle, and statements
    /// run directly on it follow every op in order. On an error the ops not yet run are
    /// dropped (the transaction is aborted; the run rolls back).
    pub fn settle(&mut self, rt: &Handle) -> Result<(), LoadError> {
        self.send(rt)?;
        self.wait(rt)
    }

    /// The statement cache, after a settle (empty if a task was lost).
    pub fn statements(&mut self) -> &mut Statements {
        self.stmts.get_or_insert_with(Statements::new)
    }

    /// The connection; only for use after [`Pipeline::settle`].
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Waits for the sent page's task.
    fn wait(&mut self, rt: &Handle) -> Result<(), LoadError> {
        let Some(task) = self.sent.take() else {
            return Ok(());
        };
        let result = match rt.block_on(task) {
            Ok((stmts, result)) => {
                self.stmts = Some(stmts);
                result.map_err(|(statement, source)| LoadError::PostgresIn { statement, source })
            }
            // The task panicked or its runtime shut down: what it ran is unknown, so the run
            // must not commit.
            Err(_) => Err(LoadError::WriterGone),
        };
        if result.is_err() {
            self.ops.clear();
        }
        result
    }
}

/// Runs `ops` in order on `client`, stopping at the first error.
async fn run(client: Arc<Client>, mut stmts: Statements, ops: Vec<Op>) -> Ran {
    for op in ops {
        // Quoted only when it failed: the ops that succeed cost no copy of their text.
        if let Err(e) = run_op(&client, &mut stmts, &op).await {
            return (stmts, Err((op.quoted(), e)));
        }
    }
    (stmts, Ok(()))
}

async fn run_op(
    client: &Client,
    stmts: &mut Statements,
    op: &Op,
) -> Result<(), tokio_postgres::Error> {
    match op {
        Op::Batch(sql) => client.batch_execute(sql).await,
        Op::Execute { sql, params } => {
            let stmt = prepared(client, stmts, sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
            client.execute(&stmt, &refs).await.map(drop)
        }
        Op::Keys { sql, keys } => {
            let stmt = prepared(client, stmts, sql).await?;
            client.execute(&stmt, &[keys.as_param()]).await.map(drop)
        }
        Op::Arrays { sql, columns } => {
            let stmt = prepared(client, stmts, sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = columns.iter().map(|c| c as _).collect();
            client.execute(&stmt, &refs).await.map(drop)
        }
        Op::Copy { statement, data } => {
            let sink = client.copy_in::<_, Bytes>(statement.as_str()).await?;
            futures::pin_mut!(sink);
            // A reference count, not a copy of the data.
            sink.send(data.clone()).await?;
            sink.finish().await.map(drop)
        }
    }
}

async fn prepared(
    client: &Client,
    stmts: &mut Statements,
    sql: &str,
) -> Result<Statement, tokio_postgres::Error> {
    if let Some(s) = stmts.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(sql).await?;
    stmts.insert(sql.to_string(), s.clone());
    Ok(s)
}

/// A binary COPY stream being encoded: PostgreSQL's header, then rows, then the trailer.
pub(crate) struct CopyData {
    buf: BytesMut,
}

impl CopyData {
    /// The stream's signature, flags and header extension length.
    const HEADER: &'static [u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

    /// An empty stream.
    pub fn new() -> CopyData {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        buf.put_slice(Self::HEADER);
        CopyData { buf }
    }

    /// Appends one row: each value in its column's wire `types`.
    pub fn row<C: ToSql>(
        &mut self,
        types: &[Type],
        values: impl ExactSizeIterator<Item = C>,
    ) -> Result<(), Box<dyn std::error::Error + Sync + Send>> {
        let count = i16::try_from(values.len()).map_err(|_| "more than 32767 columns")?;
        self.buf.put_i16(count);
        for (value, ty) in values.zip(types) {
            let at = self.buf.len();
            self.buf.put_i32(0);
            let length = match value.to_sql_checked(ty, &mut self.buf)? {
                tokio_postgres::types::IsNull::Yes => -1,
                tokio_postgres::types::IsNull::No => {
                    let n = self.buf.len() - at - 4;
                    i32::try_from(n).map_err(|_| "a value longer than 2 GiB")?
                }
            };
            self.buf[at..at + 4].copy_from_slice(&length.to_be_bytes());
        }
        Ok(())
    }

    /// The finished stream.
    pub fn finish(mut self) -> Bytes {
        self.buf.put_i16(-1);
        self.buf.freeze()
    }
}
