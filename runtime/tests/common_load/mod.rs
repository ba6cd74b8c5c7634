//! Shared helpers of the load/pipeline tests: hand-made records, `const` resource definitions
//! (SQL in `sql.rs`, produced by codegen's generator), event builders and table readers.
#![allow(dead_code)]

#[rustfmt::skip]
mod sql;
mod dump;

#[allow(unused_imports)]
pub use dump::*;

use restsource_runtime::def::*;
use restsource_runtime::extract::{ExtractError, ExtractEvent};
use restsource_runtime::load::Destination;
use restsource_runtime::record::{ColumnValue, Record, RowWriter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An item: the record of every `ITEMS*` resource (same columns, different hints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: i64,
    pub name: Option<String>,
    pub version: Option<i64>,
    pub deleted: Option<bool>,
    #[serde(flatten)]
    pub extra: restsource_runtime::record::Extra,
}

impl Record for Item {
    const RESOURCE: &'static ResourceDef = &ITEMS;
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
    fn write_row(&self, row: &mut dyn RowWriter) {
        self.id.write_to(row);
        self.name.write_to(row);
        self.version.write_to(row);
        self.deleted.write_to(row);
        row.extras(&self.extra);
    }
    fn set_extra(&mut self, key: String, value: Value) {
        self.extra.insert(key, value);
    }
}

/// `Item` with an added column (schema evolution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemV2 {
    pub id: i64,
    pub name: Option<String>,
    pub version: Option<i64>,
    pub deleted: Option<bool>,
    pub score: Option<f64>,
    #[serde(flatten)]
    pub extra: restsource_runtime::record::Extra,
}

impl Record for ItemV2 {
    const RESOURCE: &'static ResourceDef = &ITEMS_V2;
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
    fn write_row(&self, row: &mut dyn RowWriter) {
        self.id.write_to(row);
        self.name.write_to(row);
        self.version.write_to(row);
        self.deleted.write_to(row);
        self.score.write_to(row);
        row.extras(&self.extra);
    }
    fn set_extra(&mut self, key: String, value: Value) {
        self.extra.insert(key, value);
    }
}

/// Every column type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllTypes {
    pub k: i64,
    pub t: Option<String>,
    pub d: Option<f64>,
    pub b: Option<bool>,
    pub ts: Option<chrono::DateTime<chrono::Utc>>,
    pub bin: Option<restsource_runtime::types::Bytes>,
    pub j: Option<Value>,
    pub dec: Option<rust_decimal::Decimal>,
    pub day: Option<chrono::NaiveDate>,
    pub tod: Option<chrono::NaiveTime>,
    #[serde(flatten)]
    pub extra: restsource_runtime::record::Extra,
}

impl Record for AllTypes {
    const RESOURCE: &'static ResourceDef = &ALL_TYPES;
    type Key = i64;
    fn key(&self) -> i64 {
        self.k
    }
    fn write_row(&self, row: &mut dyn RowWriter) {
        self.k.write_to(row);
        self.t.write_to(row);
        self.d.write_to(row);
        self.b.write_to(row);
        self.ts.write_to(row);
        self.bin.write_to(row);
        self.j.write_to(row);
        self.dec.write_to(row);
        self.day.write_to(row);
        self.tod.write_to(row);
        row.extras(&self.extra);
    }
    fn set_extra(&mut self, key: String, value: Value) {
        self.extra.insert(key, value);
    }
}

const fn column(sql_name: &'static str, data_type: DataType, nullable: bool) -> ColumnDef {
    ColumnDef::new(sql_name, sql_name, data_type, nullable)
}

const ITEM_COLUMNS: &[ColumnDef] = &[
    column("id", DataType::Bigint, false),
    column("name", DataType::Text, true),
    column("version", DataType::Bigint, true),
    column("deleted", DataType::Bool, true),
];

const ITEM_COLUMNS_HARD_DELETE: &[ColumnDef] = &[
    column("id", DataType::Bigint, false),
    column("name", DataType::Text, true),
    column("version", DataType::Bigint, true),
    ColumnDef {
        hard_delete: true,
        ..column("deleted", DataType::Bool, true)
    },
];

const ITEM_COLUMNS_DEDUP: &[ColumnDef] = &[
    column("id", DataType::Bigint, false),
    column("name", DataType::Text, true),
    ColumnDef {
        dedup_sort: Some(SortOrder::Desc),
        ..column("version", DataType::Bigint, true)
    },
    column("deleted", DataType::Bool, true),
];

const fn resource(
    name: &'static str,
    table_name: &'static str,
    disposition: Disposition,
    primary_key: &'static [&'static str],
    merge_key: &'static [&'static str],
    columns: &'static [ColumnDef],
    sql: SqlDefs,
) -> ResourceDef {
    ResourceDef {
        name,
        table_name,
        endpoint: EndpointDef {
            path: Template(&[]),
            method: Method::Get,
            params: &[],
            json: None,
            data: None,
            headers: &[],
            data_selector: None,
            data_selector_missing: DataSelectorMissing::Error,
            response_format: ResponseFormat::Auto,
            paginator: PaginatorDef::SinglePage,
            response_actions: &[],
            incremental: None,
            auth: AuthChoice::Inherit,
        },
        primary_key,
        merge_key,
        write: WriteDef {
            disposition,
            deduplicated: false,
        },
        columns,
        parent: None,
        selected: true,
        parallelized: false,
        retry: RetryDef::DEFAULT,
        sql,
        checkpoint: None,
        relational: RelationalDef::DEFAULT,
        processing_steps: &[],
    }
}

use Disposition::*;
use MergeStrategy::*;

pub const ITEMS: ResourceDef = resource(
    "items",
    "items",
    Append,
    &[],
    &[],
    ITEM_COLUMNS,
    sql::ITEMS_SQL,
);
pub const ITEMS_R: ResourceDef = resource(
    "items_r",
    "items_r",
    Replace,
    &[],
    &[],
    ITEM_COLUMNS,
    sql::ITEMS_R_SQL,
);
pub const ITEMS_DI: ResourceDef = resource(
    "items_di",
    "items_di",
    Merge(DeleteInsert),
    &["id"],
    &[],
    ITEM_COLUMNS_HARD_DELETE,
    sql::ITEMS_DI_SQL,
);
pub const ITEMS_DS: ResourceDef = resource(
    "items_ds",
    "items_ds",
    Merge(DeleteInsert),
    &["id"],
    &[],
    ITEM_COLUMNS_DEDUP,
    sql::ITEMS_DS_SQL,
);
pub const ITEMS_MK: ResourceDef = resource(
    "items_mk",
    "items_mk",
    Merge(DeleteInsert),
    &["id"],
    &["name"],
    ITEM_COLUMNS,
    sql::ITEMS_MK_SQL,
);
pub const ITEMS_UP: ResourceDef = resource(
    "items_up",
    "items_up",
    Merge(Upsert),
    &["id"],
    &[],
    ITEM_COLUMNS_HARD_DELETE,
    sql::ITEMS_UP_SQL,
);
pub const ITEMS_IO: ResourceDef = resource(
    "items_io",
    "items_io",
    Merge(InsertOnly),
    &["id"],
    &[],
    ITEM_COLUMNS,
    sql::ITEMS_IO_SQL,
);
pub const ITEMS_SKIP: ResourceDef = resource(
    "items_skip",
    "items_skip",
    Skip,
    &[],
    &[],
    ITEM_COLUMNS,
    sql::ITEMS_SQL,
);
pub const ITEMS_V2: ResourceDef = resource(
    "items",
    "items",
    Append,
    &[],
    &[],
    &[
        column("id", DataType::Bigint, false),
        column("name", DataType::Text, true),
        column("version", DataType::Bigint, true),
        column("deleted", DataType::Bool, true),
        column("score", DataType::Double, true),
    ],
    sql::ITEMS_V2_SQL,
);
pub const ITEMS_BAD: ResourceDef = resource(
    "items",
    "items",
    Append,
    &[],
    &[],
    &[
        column("id", DataType::Bigint, false),
        column("name", DataType::Bigint, true),
        column("version", DataType::Bigint, true),
        column("deleted", DataType::Bool, true),
    ],
    sql::ITEMS_BAD_SQL,
);
pub const ALL_TYPES: ResourceDef = resource(
    "all_types",
    "all_types",
    Append,
    &["k"],
    &[],
    &[
        column("k", DataType::Bigint, false),
        column("t", DataType::Text, true),
        column("d", DataType::Double, true),
        column("b", DataType::Bool, true),
        column("ts", DataType::Timestamp, true),
        column("bin", DataType::Binary, true),
        column("j", DataType::Json, true),
        ColumnDef {
            precision: Some(12),
            scale: Some(3),
            ..column("dec", DataType::Decimal, true)
        },
        column("day", DataType::Date, true),
        column("tod", DataType::Time, true),
    ],
    sql::ALL_TYPES_SQL,
);

/// An item without extras.
pub fn item(id: i64, name: &str, version: i64) -> Item {
    Item {
        id,
        name: Some(name.to_string()),
        version: Some(version),
        deleted: None,
        extra: Default::default(),
    }
}

/// A hard-delete item.
pub fn tombstone(id: i64) -> Item {
    Item {
        id,
        name: None,
        version: None,
        deleted: Some(true),
        extra: Default::default(),
    }
}

/// A page event.
pub fn page<R: Record>(
    def: &'static ResourceDef,
    rows: Vec<R>,
) -> Result<ExtractEvent, ExtractError> {
    Ok(ExtractEvent::Page {
        resource: def,
        batch: Box::new(rows),
    })
}

/// A completion event.
pub fn done(def: &'static ResourceDef, state: Option<Value>) -> Result<ExtractEvent, ExtractError> {
    Ok(ExtractEvent::ResourceDone {
        resource: def,
        incremental: state,
    })
}

/// An item row as read back: id, name, version, deleted, extras.
pub type ItemRow = (
    i64,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<Value>,
);

/// A destination under test.
pub enum Backend {
    /// SQLite file.
    Sqlite(std::path::PathBuf),
    /// PostgreSQL: connection string and a schema of its own.
    #[cfg(feature = "postgres")]
    Postgres(String, String),
}

/// Undeclared fields captured from `text` (an object) as generated records capture them:
/// syntax checked, kept as text.
pub fn extra_from_text(text: &str) -> restsource_runtime::record::Extra {
    use restsource_runtime::record::{ExtraBuilder, Key};
    use serde::de::{Deserializer, MapAccess, Visitor};
    struct Fields;
    impl<'de> Visitor<'de> for Fields {
        type Value = restsource_runtime::record::Extra;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut b = ExtraBuilder::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                b.push(key.as_str(), &mut map)?;
            }
            Ok(b.finish())
        }
    }
    serde_json::Deserializer::from_str(text)
        .deserialize_map(Fields)
        .unwrap()
}

/// A fresh temporary directory for one test. Tests leave theirs behind (several backends
/// may share one database, and a failed test's files are worth a look); the first call in a
/// process removes those of test processes that have ended, so they do not pile up.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(sweep_ended_runs);
    let dir = std::env::temp_dir().join(format!(
        "rs-load-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Removes the `rs-load-*-PID-RAND` directories of processes no longer running (Linux,
/// where `/proc` tells; elsewhere nothing is removed).
fn sweep_ended_runs() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with("rs-load-") {
            continue;
        }
        let mut parts = name.rsplit('-');
        let (Some(_rand), Some(pid)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}

impl Backend {
    /// A fresh SQLite database.
    pub fn sqlite(name: &str) -> Backend {
        Backend::Sqlite(temp_dir(name).join("db.sqlite"))
    }

    /// A fresh schema on the server in `RESTSOURCE_TEST_POSTGRES`, or `None` (printed).
    #[cfg(feature = "postgres")]
    pub async fn postgres(name: &str) -> Option<Backend> {
        let Ok(conn) = std::env::var("RESTSOURCE_TEST_POSTGRES") else {
            println!("skipping: RESTSOURCE_TEST_POSTGRES not set");
            return None;
        };
        let schema = format!("t_{name}_{}", std::process::id());
        let client = pg_client(&conn).await;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
        Some(Backend::Postgres(conn, schema))
    }

    /// The database file of a SQLite backend.
    pub fn sqlite_path(&self) -> &std::path::Path {
        match self {
            Backend::Sqlite(p) => p,
            #[cfg(feature = "postgres")]
            Backend::Postgres(..) => panic!("not a SQLite backend"),
        }
    }

    /// The destination.
    pub fn destination(&self) -> Destination {
        match self {
            Backend::Sqlite(p) => {
                Destination::from_url(&format!("sqlite:{}", p.display())).unwrap()
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(conn, schema) => {
                Destination::from_url(conn).unwrap().with_schema(schema)
            }
        }
    }

    /// Rows of an item table ordered by id.
    pub async fn items(&self, table: &str) -> Vec<ItemRow> {
        let sql = format!(
            "SELECT id, name, version, deleted, CAST(_rs_extra AS TEXT) FROM \"{table}\" ORDER BY id, version"
        );
        self.query(&sql, 5)
            .await
            .into_iter()
            .map(|r| {
                (
                    r[0].as_i64().unwrap(),
                    r[1].as_str().map(String::from),
                    r[2].as_i64(),
                    r[3].as_bool().or_else(|| r[3].as_i64().map(|v| v != 0)),
                    r[4].as_str().map(|s| serde_json::from_str(s).unwrap()),
                )
            })
            .collect()
    }

    /// `_rs_state` as (resource, state) ordered by resource.
    pub async fn state(&self) -> Vec<(String, Value)> {
        self.query(
            "SELECT resource, CAST(state AS TEXT) FROM _rs_state ORDER BY resource",
            2,
        )
        .await
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                // PostgreSQL's text of a numeric state already reads back as a number.
                match &r[1] {
                    Value::String(s) => serde_json::from_str(s).unwrap(),
                    other => other.clone(),
                },
            )
        })
        .collect()
    }

    /// Runs a query whose columns are all text, integers, floats, booleans or NULL.
    pub async fn query(&self, sql: &str, ncols: usize) -> Vec<Vec<Value>> {
        match self {
            Backend::Sqlite(p) => {
                let conn = rusqlite::Connection::open(p).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                let rows = stmt
                    .query_map([], |r| {
                        (0..ncols)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => Value::Null,
                                    rusqlite::types::ValueRef::Integer(v) => Value::from(v),
                                    rusqlite::types::ValueRef::Real(v) => Value::from(v),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        Value::from(String::from_utf8_lossy(t).into_owned())
                                    }
                                    rusqlite::types::ValueRef::Blob(b) => Value::from(
                                        b.iter().map(|x| format!("{x:02x}")).collect::<String>(),
                                    ),
                                })
                            })
                            .collect::<Result<Vec<_>, rusqlite::Error>>()
                    })
                    .unwrap();
                rows.map(|r| r.unwrap()).collect()
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(conn, schema) => {
                let client = pg_client(conn).await;
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\""))
                    .await
                    .unwrap();
                let rows = client.simple_query(sql).await.unwrap();
                rows.into_iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                            (0..ncols)
                                .map(|i| match r.get(i) {
                                    None => Value::Null,
                                    Some(s) => pg_text_value(s),
                                })
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect()
            }
        }
    }
}

/// PostgreSQL's text output as a JSON value: integers, `t`/`f` booleans, else text.
#[cfg(feature = "postgres")]
fn pg_text_value(s: &str) -> Value {
    if let Ok(v) = s.parse::<i64>() {
        return Value::from(v);
    }
    match s {
        "t" => Value::Bool(true),
        "f" => Value::Bool(false),
        _ => Value::from(s.to_string()),
    }
}

/// A connected client.
#[cfg(feature = "postgres")]
pub async fn pg_client(conn: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conn, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}
