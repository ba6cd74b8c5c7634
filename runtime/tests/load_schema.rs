//! Schema evolution (a column added; an unsafe type change refused before any row) and the
//! round trip of every column type, unicode and NULLs included.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::load::LoadError;
use restsource_runtime::pipeline::{Pipeline, PipelineError, PipelineOptions};
use serde_json::{json, Map};

fn pipeline(b: &Backend) -> Pipeline {
    Pipeline::new(b.destination()).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    })
}

async fn evolution(b: &Backend, text: &str, bigint: &str) {
    let p = pipeline(b);
    p.load(stream::iter(vec![
        page(&ITEMS, vec![item(1, "a", 1)]),
        done(&ITEMS, None),
    ]))
    .await
    .unwrap();
    let v2 = ItemV2 {
        id: 2,
        name: Some("b".into()),
        version: Some(1),
        deleted: None,
        score: Some(1.5),
        extra: Default::default(),
    };
    p.load(stream::iter(vec![
        page(&ITEMS_V2, vec![v2]),
        done(&ITEMS_V2, None),
    ]))
    .await
    .unwrap();
    let rows = b
        .query("SELECT id, CAST(score AS TEXT) FROM items ORDER BY id", 2)
        .await;
    assert_eq!(
        rows,
        vec![vec![json!(1), json!(null)], vec![json!(2), json!("1.5")]]
    );
    let err = p
        .load(stream::iter(vec![
            page(&ITEMS_BAD, vec![item(3, "c", 1)]),
            done(&ITEMS_BAD, None),
        ]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PipelineError::Load(LoadError::TypeChange { table, column, .. }) if table == "items" && column == "name"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "table `items`: column `name` has type {text} but the spec declares {bigint}; \
             migrate or rename the column, restsource will not change a column type"
        )
    );
    let count = b.query("SELECT count(*) FROM items", 1).await;
    assert_eq!(count, vec![vec![json!(2)]]);
}

#[tokio::test]
async fn sqlite_schema_evolution() {
    evolution(&Backend::sqlite("evolution"), "TEXT", "INTEGER").await
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_schema_evolution() {
    if let Some(b) = Backend::postgres("evolution").await {
        evolution(&b, "text", "bigint").await
    }
}

fn all_types() -> Vec<AllTypes> {
    let mut extra = Map::new();
    extra.insert("zz".into(), json!("späť ✓"));
    vec![
        AllTypes {
            k: 1,
            t: Some("héllo ✓ 😀 \"q\" 'x'".into()),
            d: Some(1.25),
            b: Some(true),
            ts: Some("2024-05-01T12:30:45.123Z".parse().unwrap()),
            bin: Some(restsource_runtime::types::Bytes(vec![0, 1, 255])),
            j: Some(json!({"a": [1, null, "ü"]})),
            dec: Some("12.500".parse().unwrap()),
            day: Some("2024-02-29".parse().unwrap()),
            tod: Some("23:59:58.5".parse().unwrap()),
            extra: extra.into(),
        },
        AllTypes {
            k: 2,
            t: None,
            d: None,
            b: Some(false),
            ts: None,
            bin: None,
            j: None,
            dec: None,
            day: None,
            tod: None,
            extra: Default::default(),
        },
    ]
}

async fn round_trip(b: &Backend, sql: &str, expected: Vec<Vec<serde_json::Value>>) {
    pipeline(b)
        .load(stream::iter(vec![
            page(&ALL_TYPES, all_types()),
            done(&ALL_TYPES, None),
        ]))
        .await
        .unwrap();
    assert_eq!(b.query(sql, 11).await, expected);
}

#[tokio::test]
async fn sqlite_every_type_round_trips() {
    round_trip(
        &Backend::sqlite("types"),
        "SELECT k, t, d, b, ts, bin, j, dec, day, tod, _rs_extra FROM all_types ORDER BY k",
        vec![
            vec![
                json!(1),
                json!("héllo ✓ 😀 \"q\" 'x'"),
                json!(1.25),
                json!(1),
                json!("2024-05-01T12:30:45.123Z"),
                json!("0001ff"),
                json!(r#"{"a":[1,null,"ü"]}"#),
                json!("12.500"),
                json!("2024-02-29"),
                json!("23:59:58.500"),
                json!(r#"{"zz":"späť ✓"}"#),
            ],
            vec![
                json!(2),
                json!(null),
                json!(null),
                json!(0),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
            ],
        ],
    )
    .await
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_every_type_round_trips() {
    let Some(b) = Backend::postgres("types").await else {
        return;
    };
    round_trip(
        &b,
        "SELECT k, t, d::text, b, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS'), \
         encode(bin, 'hex'), j::text, dec::text, day::text, tod::text, _rs_extra::text \
         FROM all_types ORDER BY k",
        vec![
            vec![
                json!(1),
                json!("héllo ✓ 😀 \"q\" 'x'"),
                json!("1.25"),
                json!(true),
                json!("2024-05-01T12:30:45.123"),
                json!("0001ff"),
                json!(r#"{"a": [1, null, "ü"]}"#),
                json!("12.500"),
                json!("2024-02-29"),
                json!("23:59:58.5"),
                json!(r#"{"zz": "späť ✓"}"#),
            ],
            vec![
                json!(2),
                json!(null),
                json!(null),
                json!(false),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
            ],
        ],
    )
    .await
}

/// Relational tables on PostgreSQL load their rows with binary COPY: every column type in its
/// binary form, as the INSERT path stores it (decimals in `numeric`'s own binary form).
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_every_type_round_trips_through_copy() {
    let Some(b) = Backend::postgres("types_copy").await else {
        return;
    };
    Pipeline::new(b.destination())
        .with_options(PipelineOptions {
            progress: false,
            tables: Some(restsource_runtime::def::TablesMode::Relational),
            ..PipelineOptions::default()
        })
        .load(stream::iter(vec![
            page(&ALL_TYPES, all_types()),
            done(&ALL_TYPES, None),
        ]))
        .await
        .unwrap();
    let rows = b
        .query(
            "SELECT k, t, d::text, b, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS'), \
             encode(bin, 'hex'), j::text, dec::text, day::text, tod::text, zz, \
             pg_typeof(dec)::text FROM all_types ORDER BY k",
            12,
        )
        .await;
    assert_eq!(
        rows,
        vec![
            vec![
                json!(1),
                json!("héllo ✓ 😀 \"q\" 'x'"),
                json!("1.25"),
                json!(true),
                json!("2024-05-01T12:30:45.123"),
                json!("0001ff"),
                json!(r#"{"a": [1, null, "ü"]}"#),
                json!("12.500"),
                json!("2024-02-29"),
                json!("23:59:58.5"),
                json!("späť ✓"),
                json!("numeric"),
            ],
            vec![
                json!(2),
                json!(null),
                json!(null),
                json!(false),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
                json!("numeric"),
            ],
        ]
    );
}
