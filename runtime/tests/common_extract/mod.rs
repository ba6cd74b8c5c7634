//! Shared helpers for the extraction tests: a recording axum server, record types and
//! `const` resource definitions.
#![allow(dead_code)]

pub mod logs;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method as AxMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use restsource_runtime::def::*;
use restsource_runtime::record::{Record, RowWriter};
use serde_json::{Map, Value};

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// A canned response.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub fn json(v: Value) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: v.to_string(),
    }
}

pub fn status(code: u16, body: &str) -> Reply {
    Reply {
        status: code,
        headers: vec![],
        body: body.to_string(),
    }
}

pub type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

/// Starts a server on 127.0.0.1:0; the handler gets each request and its 0-based number.
pub async fn serve(
    handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let handler: Handler = Arc::new(handler);
    let l2 = log.clone();
    let app = axum::Router::new().fallback(
        move |method: AxMethod, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (log, handler) = (l2.clone(), handler.clone());
            async move {
                let seen = Seen {
                    method: method.to_string(),
                    uri: uri.to_string(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let n = {
                    let mut l = log.lock().unwrap();
                    l.push(seen.clone());
                    l.len() - 1
                };
                let reply = handler(&seen, n);
                let mut resp: Response =
                    (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
                for (k, v) in reply.headers {
                    resp.headers_mut().insert(k, v.parse().unwrap());
                }
                resp
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), log)
}

pub fn uris(log: &Arc<Mutex<Vec<Seen>>>) -> Vec<String> {
    log.lock().unwrap().iter().map(|s| s.uri.clone()).collect()
}

/// Defines a record type `$name` (id + extras) for resource `$def`; a child names its
/// parent's record type (`parent = Item`), which decodes the parent's pages.
#[macro_export]
macro_rules! record_type {
    ($name:ident, $def:expr) => {
        $crate::record_type!($name, $def, None);
    };
    ($name:ident, $def:expr, parent = $parent:ty) => {
        $crate::record_type!(
            $name,
            $def,
            Some(restsource_runtime::extract::ResourceHandle::of::<$parent>)
        );
    };
    ($name:ident, $def:expr, $parent:expr) => {
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            pub id: i64,
            #[serde(flatten)]
            pub extra: restsource_runtime::record::Extra,
        }
        impl restsource_runtime::record::Record for $name {
            const RESOURCE: &'static restsource_runtime::def::ResourceDef = $def;
            type Key = i64;
            const PARENT: Option<fn() -> restsource_runtime::extract::ResourceHandle> = $parent;
            fn key(&self) -> i64 {
                self.id
            }
            fn write_row(&self, row: &mut dyn restsource_runtime::record::RowWriter) {
                row.i64(self.id);
                row.extras(&self.extra);
            }
            fn set_extra(&mut self, key: String, value: serde_json::Value) {
                self.extra.insert(key, value);
            }
        }
    };
}

/// Unused-type guard so the imports above stay referenced.
pub fn _touch(_: &dyn RowWriter, _: Map<String, Value>) {}
pub fn _record<R: Record>() {}

pub const NO_SQL: TableSql = TableSql::EMPTY;

pub const COLUMNS: &[ColumnDef] = &[ColumnDef::new("id", "id", DataType::Bigint, false)];

pub const ENDPOINT: EndpointDef = EndpointDef {
    path: Template(&[TemplatePart::Lit("items")]),
    method: Method::Get,
    params: &[],
    json: None,
    data: None,
    headers: &[],
    data_selector: Some(&[PathStep::key("data")]),
    data_selector_missing: DataSelectorMissing::Error,
    response_format: ResponseFormat::Auto,
    paginator: PaginatorDef::SinglePage,
    response_actions: &[],
    incremental: None,
    auth: AuthChoice::Inherit,
};

/// dlt's offset paginator without a total: `offset`/`limit` in the query, stops on an empty
/// page.
#[allow(dead_code)]
pub const fn offset_until_empty(limit: u64) -> PaginatorDef {
    PaginatorDef::Offset {
        limit,
        offset: 0,
        offset_param: ParamPlace::Query("offset"),
        limit_param: ParamPlace::Query("limit"),
        total_path: None,
        maximum_offset: None,
        stop_after_empty_page: true,
        has_more_path: None,
    }
}

pub const FAST_RETRY: RetryDef = RetryDef {
    max_retries: 2,
    backoff_factor: 1.0,
    max_delay_secs: 10.0,
    ..RetryDef::DEFAULT
};

pub const RESOURCE: ResourceDef = ResourceDef {
    name: "items",
    table_name: "items",
    endpoint: ENDPOINT,
    primary_key: &["id"],
    merge_key: &[],
    write: WriteDef {
        disposition: Disposition::Append,
        deduplicated: false,
    },
    columns: COLUMNS,
    parent: None,
    selected: true,
    parallelized: false,
    retry: FAST_RETRY,
    // Only the dialects this build has: the tests also run without the `postgres` feature.
    sql: restsource_runtime::sql_defs! {
        sqlite: NO_SQL,
        postgres: NO_SQL,
    },
    checkpoint: None,
    relational: RelationalDef::DEFAULT,
    processing_steps: &[],
};

pub const SOURCE: SourceDef = SourceDef {
    name: "test",
    base_url: "https://api.example.com/",
    headers: &[],
    auth: None,
    timeout_secs: 10.0,
    rate_limit: None,
    rate_limit_headers: None,
    secrets: &[],
    resources: &[],
    tables: TablesMode::Json,
};

/// Fast options: no real waiting on retries.
pub fn options() -> restsource_runtime::extract::ExtractOptions {
    restsource_runtime::extract::ExtractOptions {
        backoff_scale: 0.0,
        ..Default::default()
    }
}

/// Collects every record of `R` (panics on error).
pub async fn collect<R: Record>(
    ex: &restsource_runtime::extract::Extractor,
) -> Result<Vec<R>, restsource_runtime::extract::ExtractError> {
    use futures::StreamExt;
    let mut out = Vec::new();
    let mut s = ex.records::<R>();
    while let Some(r) = s.next().await {
        out.push(r?);
    }
    Ok(out)
}

pub fn ids(v: &[impl serde::Serialize]) -> Vec<i64> {
    v.iter()
        .map(|r| serde_json::to_value(r).unwrap()["id"].as_i64().unwrap())
        .collect()
}

/// The first integer column (the id) of every row of a page.
pub fn batch_ids(batch: &dyn restsource_runtime::extract::RowBatch) -> Vec<i64> {
    (0..batch.len())
        .map(|i| {
            let mut w = FirstI64(None);
            batch.write_row(i, &mut w);
            w.0.expect("a row with an integer column")
        })
        .collect()
}

/// Keeps the first integer a row writes.
struct FirstI64(Option<i64>);

impl RowWriter for FirstI64 {
    fn null(&mut self) {}
    fn bool(&mut self, _: bool) {}
    fn i64(&mut self, v: i64) {
        self.0.get_or_insert(v);
    }
    fn f64(&mut self, _: f64) {}
    fn text(&mut self, _: &str) {}
    fn bytes(&mut self, _: &[u8]) {}
    fn json(&mut self, _: &serde_json::Value) {}
    fn timestamp(&mut self, _: &chrono::DateTime<chrono::Utc>) {}
    fn date(&mut self, _: &chrono::NaiveDate) {}
    fn time(&mut self, _: &chrono::NaiveTime) {}
    fn decimal(&mut self, _: &rust_decimal::Decimal) {}
    fn extras(&mut self, _: &restsource_runtime::record::Extra) {}
}
