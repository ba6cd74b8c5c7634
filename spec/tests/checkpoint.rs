//! `checkpoint` is accepted only where resuming from the stored cursor is exact; every other
//! use is an error at the key, saying why and what to change.

use restsource_spec::{load_str, Format};

fn errors(text: &str) -> Vec<String> {
    match load_str(text, "c.toml", Format::Toml) {
        Ok(_) => Vec::new(),
        Err(d) => d.0.iter().map(|d| d.render()).collect(),
    }
}

const GOOD: &str = r#"[client]
base_url = "https://api.test/"

[[resources]]
name = "events"
checkpoint = 50
primary_key = "id"
write_disposition = "append"
endpoint = { path = "events", incremental = { cursor_path = "id", initial_value = 0, row_order = "asc" } }
"#;

#[test]
fn an_ordered_incremental_resource_may_checkpoint() {
    let loaded = load_str(GOOD, "c.toml", Format::Toml).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(loaded.resolved.resources[0].def.checkpoint, Some(50));
}

#[test]
fn zero_pages_is_refused() {
    let e = errors(&GOOD.replace("checkpoint = 50", "checkpoint = 0"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains(" --> c.toml:6:14\n"), "{}", e[0]);
}

#[test]
fn without_order_the_error_names_the_row_order_to_set() {
    let e = errors(&GOOD.replace(", row_order = \"asc\"", ""));
    assert_eq!(
        e,
        vec![concat!(
            "error: resource `events` cannot checkpoint every 50 pages: a checkpoint resumes after the last cursor value loaded, which skips records only when the API sends them in cursor order, and `incremental.row_order` is not `asc` (`last_value_func` is `max`)\n",
            " --> c.toml:6:14\n",
            "  |\n",
            "6 | checkpoint = 50\n",
            "  |              ^^\n",
            "  = note: at `resources[0].checkpoint`\n",
            "  = help: set `\"row_order\": \"asc\"` if the API sorts by the cursor (e.g. with a sort param), or remove `checkpoint`\n",
        )]
    );
    // `min` wants descending records.
    let e = errors(&GOOD.replace(
        "row_order = \"asc\"",
        "row_order = \"asc\", last_value_func = \"min\"",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("is not `desc` (`last_value_func` is `min`)"),
        "{}",
        e[0]
    );
}

#[test]
fn a_resource_without_primary_key_is_refused() {
    let e = errors(&GOOD.replace("primary_key = \"id\"\n", ""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("it has no `primary_key`, which a resumed run needs"),
        "{}",
        e[0]
    );
}

#[test]
fn replace_end_value_and_missing_incremental_are_refused() {
    let e = errors(&GOOD.replace("\"append\"", "\"replace\""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("`replace` swaps the whole table"), "{}", e[0]);

    let e = errors(&GOOD.replace("initial_value = 0", "initial_value = 0, end_value = 100"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("with `end_value` the incremental state is not used"),
        "{}",
        e[0]
    );

    let e = errors(&GOOD.replace(
        "endpoint = { path = \"events\", incremental = { cursor_path = \"id\", initial_value = 0, row_order = \"asc\" } }",
        "endpoint = \"events\"",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("it has no `endpoint.incremental`"),
        "{}",
        e[0]
    );
}

#[test]
fn parents_and_children_are_refused_at_the_checkpointed_resource() {
    let spec = format!(
        "{GOOD}\n[[resources]]\nname = \"details\"\nendpoint = \"events/{{resources.events.id}}\"\n"
    );
    let e = errors(&spec);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("error: resource `events` cannot checkpoint every 50 pages: `details` take it as parent"),
        "{}",
        e[0]
    );
    assert!(e[0].contains(" --> c.toml:6:14\n"), "{}", e[0]);
}

#[test]
fn a_default_checkpoint_is_reported_for_each_resource_that_cannot_use_it() {
    let spec = r#"[client]
base_url = "https://api.test/"

[resource_defaults]
checkpoint = 10

[[resources]]
name = "a"
primary_key = "id"
endpoint = { path = "a", incremental = { cursor_path = "id", row_order = "asc" } }

[[resources]]
name = "b"
"#;
    let e = errors(spec);
    // `b` lacks both the incremental and the key; `a` qualifies.
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("error: resource `b` cannot checkpoint every 10 pages: it has no `endpoint.incremental`"), "{}", e[0]);
    assert!(
        e[1].starts_with(
            "error: resource `b` cannot checkpoint every 10 pages: it has no `primary_key`"
        ),
        "{}",
        e[1]
    );
    assert!(e.iter().all(|e| e.contains(" --> c.toml:5:14\n")), "{e:?}");
}
