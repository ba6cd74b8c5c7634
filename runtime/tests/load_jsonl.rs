//! JSON-lines destination: rows per table file, replace by rename, state file, and cutting
//! back uncommitted lines at the next start.

mod common_load;

use common_load::*;
use futures::stream;
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};
use serde_json::{json, Value};

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            assert!(o.remove("_rs_load_id").unwrap().is_string());
            assert!(o.remove("_rs_extracted_at").unwrap().is_string());
            v
        })
        .collect()
}

#[tokio::test]
async fn jsonl_appends_replaces_and_recovers() {
    let dir = temp_dir("jsonl");
    let dest = Destination::from_url(&format!("jsonl:{}", dir.display())).unwrap();
    let p = Pipeline::new(dest).with_options(PipelineOptions {
        progress: false,
        ..PipelineOptions::default()
    });
    let mut extra = item(2, "b", 1);
    extra.extra.insert("x".into(), json!(1));
    p.load(stream::iter(vec![
        page(&ITEMS, vec![item(1, "a", 1), extra]),
        done(&ITEMS, Some(json!(2))),
        page(&ITEMS_R, vec![item(9, "old", 1)]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    // A crashed writer's uncommitted tail is cut off at the next start.
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("items.jsonl"))
        .unwrap();
    writeln!(f, "{{\"id\": 99, \"partial\": tr").unwrap();
    p.load(stream::iter(vec![
        page(&ITEMS, vec![item(3, "c", 1)]),
        done(&ITEMS, Some(json!(3))),
        page(&ITEMS_R, vec![item(10, "new", 2)]),
        done(&ITEMS_R, None),
    ]))
    .await
    .unwrap();
    let row = |id: i64, name: &str, v: i64, extra: Value| json!({"id": id, "name": name, "version": v, "deleted": null, "_rs_extra": extra});
    assert_eq!(
        lines(&dir.join("items.jsonl")),
        vec![
            row(1, "a", 1, Value::Null),
            row(2, "b", 1, json!({"x": 1})),
            row(3, "c", 1, Value::Null)
        ]
    );
    assert_eq!(
        lines(&dir.join("items_r.jsonl")),
        vec![row(10, "new", 2, Value::Null)]
    );
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("_rs_state.json")).unwrap())
            .unwrap();
    assert_eq!(state["state"], json!({"items": 3}));
}
