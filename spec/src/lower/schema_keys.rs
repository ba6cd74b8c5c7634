//! The keys lowering accepts are the keys the JSON Schema describes: lowering is hand-written
//! (for its messages) and the schema is derived from the model, so a key added to one and not
//! the other would make an editor reject a spec the loader takes, or the loader reject one the
//! schema promises.

use super::{auth, credential, paginator, resource, source, table};
use serde_json::Value;
use std::collections::BTreeSet;

fn schema() -> Value {
    serde_json::from_str(&crate::json_schema()).expect("the schema is JSON")
}

fn keys(props: &Value) -> BTreeSet<String> {
    props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The properties of definition `def`.
fn def(schema: &Value, def: &str) -> BTreeSet<String> {
    let props = &schema["$defs"][def]["properties"];
    assert!(props.is_object(), "no definition `{def}` with properties");
    keys(props)
}

/// The properties of the variant of tagged union `def` whose `type` is `tag`.
fn variant(schema: &Value, def: &str, tag: &str) -> BTreeSet<String> {
    let variants = schema["$defs"][def]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("`{def}` is not a tagged union"));
    let names = |v: &Value| -> Vec<String> {
        let t = &v["properties"]["type"];
        let mut out: Vec<String> = t["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        out.extend(t["const"].as_str().map(String::from));
        out
    };
    let v = variants
        .iter()
        .find(|v| names(v).iter().any(|n| n == tag))
        .unwrap_or_else(|| panic!("no `{tag}` variant in `{def}`"));
    keys(&v["properties"])
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Every allowed-key list of lowering, beside the schema object it reads. Keys accepted only to
/// be refused or ignored with a message of their own are named in the last column.
fn pairs(
    schema: &Value,
) -> Vec<(
    &'static str,
    BTreeSet<String>,
    BTreeSet<String>,
    &'static [&'static str],
)> {
    let mut resource_keys = set(&["name"]);
    resource_keys.extend(set(resource::BASE_KEYS));
    vec![
        (
            "TOP_KEYS",
            set(source::TOP_KEYS),
            keys(&schema["properties"]),
            &[],
        ),
        (
            "CLIENT_KEYS",
            set(source::CLIENT_KEYS),
            def(schema, "ClientConfig"),
            &[],
        ),
        (
            "RETRY_KEYS",
            set(source::RETRY_KEYS),
            def(schema, "RetryConfig"),
            &[],
        ),
        (
            "RATE_LIMIT_KEYS",
            set(source::RATE_LIMIT_KEYS),
            def(schema, "RateLimitConfig"),
            &[],
        ),
        (
            "BASE_KEYS",
            set(resource::BASE_KEYS),
            def(schema, "ResourceBase"),
            &[],
        ),
        (
            "name + BASE_KEYS",
            resource_keys,
            def(schema, "Resource"),
            &[],
        ),
        (
            "ENDPOINT_KEYS",
            set(resource::ENDPOINT_KEYS),
            def(schema, "Endpoint"),
            &[],
        ),
        (
            "INCREMENTAL_KEYS",
            set(resource::INCREMENTAL_KEYS),
            def(schema, "IncrementalConfig"),
            &[],
        ),
        (
            "INCREMENTAL_PARAM_KEYS",
            set(resource::INCREMENTAL_PARAM_KEYS),
            def(schema, "IncrementalParam"),
            &[],
        ),
        (
            "RESOLVE_PARAM_KEYS",
            set(resource::RESOLVE_PARAM_KEYS),
            def(schema, "ResolveParam"),
            &[],
        ),
        (
            "RESPONSE_ACTION_KEYS",
            set(resource::RESPONSE_ACTION_KEYS),
            def(schema, "ResponseAction"),
            &[],
        ),
        (
            "SECRET_REF_KEYS",
            set(credential::SECRET_REF_KEYS),
            def(schema, "SecretRef"),
            &[],
        ),
        (
            "COLUMN_KEYS",
            set(table::COLUMN_KEYS),
            def(schema, "ColumnHints"),
            &[],
        ),
        (
            "WRITE_DISPOSITION_KEYS",
            set(table::WRITE_DISPOSITION_KEYS),
            def(schema, "WriteDispositionObject"),
            &[],
        ),
        (
            "BEARER_KEYS",
            set(auth::BEARER_KEYS),
            variant(schema, "AuthConfig", "bearer"),
            &[],
        ),
        (
            "API_KEY_KEYS",
            set(auth::API_KEY_KEYS),
            variant(schema, "AuthConfig", "api_key"),
            &[],
        ),
        (
            "HTTP_BASIC_KEYS",
            set(auth::HTTP_BASIC_KEYS),
            variant(schema, "AuthConfig", "http_basic"),
            &[],
        ),
        // A preset token is read only to warn that it is ignored.
        (
            "OAUTH_KEYS",
            set(auth::OAUTH_KEYS),
            variant(schema, "AuthConfig", "oauth2"),
            &["access_token"],
        ),
        (
            "TYPE_ONLY_KEYS (single_page)",
            set(paginator::TYPE_ONLY_KEYS),
            variant(schema, "Paginator", "single_page"),
            &[],
        ),
        (
            "TYPE_ONLY_KEYS (auto)",
            set(paginator::TYPE_ONLY_KEYS),
            variant(schema, "Paginator", "auto"),
            &[],
        ),
        (
            "OFFSET_KEYS",
            set(paginator::OFFSET_KEYS),
            variant(schema, "Paginator", "offset"),
            &[],
        ),
        (
            "PAGE_KEYS",
            set(paginator::PAGE_KEYS),
            variant(schema, "Paginator", "page_number"),
            &[],
        ),
        (
            "CURSOR_KEYS",
            set(paginator::CURSOR_KEYS),
            variant(schema, "Paginator", "cursor"),
            &[],
        ),
        (
            "HEADER_CURSOR_KEYS",
            set(paginator::HEADER_CURSOR_KEYS),
            variant(schema, "Paginator", "header_cursor"),
            &[],
        ),
        (
            "JSON_LINK_KEYS",
            set(paginator::JSON_LINK_KEYS),
            variant(schema, "Paginator", "json_link"),
            &[],
        ),
        (
            "HEADER_LINK_KEYS",
            set(paginator::HEADER_LINK_KEYS),
            variant(schema, "Paginator", "header_link"),
            &[],
        ),
    ]
}

#[test]
fn allowed_keys_are_the_schema_properties() {
    let schema = schema();
    let mut problems = Vec::new();
    for (name, lowering, schema_keys, refused) in pairs(&schema) {
        let lowering: BTreeSet<String> = lowering
            .into_iter()
            .filter(|k| !refused.contains(&k.as_str()))
            .collect();
        let only_lowering: Vec<_> = lowering.difference(&schema_keys).collect();
        let only_schema: Vec<_> = schema_keys.difference(&lowering).collect();
        if !only_lowering.is_empty() || !only_schema.is_empty() {
            problems.push(format!(
                "{name}: allowed by lowering but not in the schema {only_lowering:?}; in the schema but not allowed by lowering {only_schema:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
